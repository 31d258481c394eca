//! The home's SQLite file speaks samod's storage layout: a samod repo on [`SqliteStorage`] reads the
//! documents Kenshin wrote, and Kenshin reads what the repo wrote. This is what the sync engine plugs into.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ReadDoc, ROOT};
use kenshin_store::{new_document_id, Home, SqliteStorage};
use samod::storage::Storage;
use samod::Repo;
use samod_core::StorageKey;

fn text(doc: &impl ReadDoc, key: &str) -> Option<String> {
    doc.get(ROOT, key)
        .ok()
        .flatten()
        .and_then(|(v, _)| v.into_string().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_samod_repo_reads_and_writes_the_same_documents() {
    let dir = tempfile::tempdir().unwrap();
    let mut home = Home::open(dir.path()).unwrap();
    let id = new_document_id();
    home.write(|tx| {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "written_by", "kenshin").unwrap();
        doc.commit();
        tx.save(&id, &mut doc, &[])
    })
    .unwrap();

    let storage = SqliteStorage::open(dir.path()).unwrap();
    let repo = Repo::build_tokio()
        .with_storage(storage.clone())
        .load()
        .await;
    let handle = repo
        .find(id.clone())
        .await
        .unwrap()
        .expect("samod finds the document");
    let seen = handle.with_document(|d| text(d, "written_by"));
    assert_eq!(seen.as_deref(), Some("kenshin"));
    handle.with_document(|d| {
        let mut tx = d.transaction();
        tx.put(ROOT, "and_by", "samod").unwrap();
        tx.commit();
    });
    // stop() flushes every pending storage write.
    repo.stop().await;
    assert_eq!(storage.health(), Ok(()));

    let doc = home.read(|tx| tx.load_required(&id)).unwrap();
    assert_eq!(text(&doc, "written_by").as_deref(), Some("kenshin"));
    assert_eq!(text(&doc, "and_by").as_deref(), Some("samod"));
}

/// samod writes back every change of a document it loads; a key the home holds is not written again
/// (another connection sees no commit while a repo opens the document and stops).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loaded_document_is_not_written_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut home = Home::open(dir.path()).unwrap();
    let id = new_document_id();
    home.write(|tx| {
        let mut doc = AutoCommit::new();
        for i in 0..3 {
            doc.put(ROOT, "n", i).unwrap();
            doc.commit();
        }
        tx.save(&id, &mut doc, &[])
    })
    .unwrap();
    let storage = SqliteStorage::open(dir.path()).unwrap();
    let open = || async {
        let repo = Repo::build_tokio()
            .with_storage(storage.clone())
            .load()
            .await;
        let handle = repo.find(id.clone()).await.unwrap().expect("found");
        assert_eq!(handle.with_document(|d| d.get_heads().len()), 1);
        repo.stop().await;
    };
    // The first repo on the home notes its storage's id.
    open().await;
    let watcher = kenshin_store::connect(dir.path()).unwrap();
    let version = || -> i64 {
        watcher
            .pragma_query_value(None, "data_version", |r| r.get(0))
            .unwrap()
    };
    let before = version();
    open().await;
    assert_eq!(storage.health(), Ok(()));
    assert_eq!(version(), before, "samod wrote the document's changes back");
}

/// A key another storage on the home wrote (the relay bridge's repo has no hooks) is news to the
/// engine's storage when samod stores it there too: told once, without writing it again; a key the
/// engine claimed before (fed to samod from the home) is not.
#[tokio::test]
async fn a_key_another_storage_wrote_is_told_once_to_the_engine() {
    use std::collections::HashSet;
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().unwrap();
    let _home = Home::open(dir.path()).unwrap();
    let key = |k: &str| StorageKey::from_parts(["doc", "incremental", k]).unwrap();
    let bridge = SqliteStorage::open(dir.path()).unwrap();
    for k in ["a", "b"] {
        bridge.put(key(k), b"1".to_vec()).await;
    }
    let claimed = Arc::new(Mutex::new(HashSet::from(["doc/incremental/b".to_string()])));
    let told = Arc::new(Mutex::new(Vec::new()));
    let (c, t) = (claimed.clone(), told.clone());
    let engine = SqliteStorage::open(dir.path()).unwrap().on_put(
        move |k| c.lock().unwrap().insert(k.to_string()),
        move |k, stored| t.lock().unwrap().push((k.to_string(), stored)),
    );
    for k in ["a", "a", "b"] {
        engine.put(key(k), b"1".to_vec()).await;
    }
    assert_eq!(
        *told.lock().unwrap(),
        [("doc/incremental/a".to_string(), true)]
    );
    assert_eq!(engine.health(), Ok(()));
}

#[tokio::test]
async fn load_range_takes_whole_key_components() {
    let dir = tempfile::tempdir().unwrap();
    let _home = Home::open(dir.path()).unwrap();
    let storage = SqliteStorage::open(dir.path()).unwrap();
    let key = |parts: &[&str]| StorageKey::from_parts(parts.iter().copied()).unwrap();
    storage
        .put(key(&["doc", "incremental", "a"]), b"1".to_vec())
        .await;
    storage
        .put(key(&["doc", "snapshot", "b"]), b"2".to_vec())
        .await;
    storage
        .put(key(&["doc2", "incremental", "c"]), b"3".to_vec())
        .await;
    storage.put(key(&["docx"]), b"4".to_vec()).await;

    let doc = storage.load_range(key(&["doc"])).await;
    assert_eq!(doc.len(), 2, "doc2 and docx are other documents: {doc:?}");
    assert_eq!(storage.load_range(key(&["doc", "snapshot"])).await.len(), 1);
    assert_eq!(storage.load(key(&["docx"])).await, Some(b"4".to_vec()));
    storage.delete(key(&["docx"])).await;
    assert_eq!(storage.load(key(&["docx"])).await, None);
    assert_eq!(storage.health(), Ok(()));
}

#[tokio::test]
async fn a_failed_put_is_reported_through_health() {
    let dir = tempfile::tempdir().unwrap();
    let _home = Home::open(dir.path()).unwrap();
    let storage = SqliteStorage::open(dir.path()).unwrap();
    kenshin_store::connect(dir.path())
        .unwrap()
        .execute_batch("DROP TABLE chunks")
        .unwrap();
    storage
        .put(
            StorageKey::from_parts(["doc", "incremental", "x"]).unwrap(),
            vec![1],
        )
        .await;
    let health = storage.health().expect_err("the failed put is remembered");
    assert!(health.contains("put"), "{health}");
}

#[tokio::test]
async fn a_purged_document_is_not_stored_again_whoever_writes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut home = Home::open(dir.path()).unwrap();
    let (gone, kept) = (new_document_id(), new_document_id());
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "name", "保存 期間").unwrap();
    doc.commit();
    let changes: Vec<automerge::Change> = doc.get_changes(&[]);
    home.write(|tx| {
        tx.save(&gone, &mut doc.clone(), &[])?;
        tx.purge(&gone, &[])
    })
    .unwrap();
    let storage = SqliteStorage::open(dir.path()).unwrap();
    let chunk = changes[0].raw_bytes().to_vec();
    for id in [&gone, &kept] {
        let key = StorageKey::incremental_path(id, changes[0].hash());
        storage.put(key, chunk.clone()).await;
    }
    assert_eq!(storage.health(), Ok(()));
    home.write(|tx| tx.put_changes(&gone, &changes)).unwrap();
    let mut held = |id| home.read(|tx| tx.has_document(id)).unwrap();
    assert!(
        !held(&gone),
        "neither samod nor a writer stores a purged document"
    );
    assert!(held(&kept));
}

/// The sync engine reads what the home's writers stored from their journal, not every chunk key: it
/// holds their keys in order and none of samod's, and a number is never given twice, even once the
/// journal read so far is forgotten.
#[tokio::test]
async fn the_writers_journal_names_what_they_stored_since_a_number() {
    let dir = tempfile::tempdir().unwrap();
    let mut home = Home::open(dir.path()).unwrap();
    let (first, second) = (new_document_id(), new_document_id());
    let mut doc = AutoCommit::new();
    let change = |doc: &mut AutoCommit, v: &str| {
        let before = doc.get_heads();
        doc.put(ROOT, "v", v).unwrap();
        doc.commit();
        before
    };
    let before = change(&mut doc, "a");
    home.write(|tx| tx.save(&first, &mut doc, &before)).unwrap();
    let (all, start) = home.read(|tx| tx.chunk_keys()).unwrap();
    assert_eq!(all.len(), 1);
    assert!(start > 0);
    assert_eq!(
        home.read(|tx| tx.written_since(start)).unwrap(),
        (vec![], start)
    );

    // samod's storage writes a chunk: not the writers' news.
    let storage = SqliteStorage::open(dir.path()).unwrap();
    let before = change(&mut doc, "b");
    let samods = doc.get_changes(&before)[0].clone();
    storage
        .put(
            StorageKey::incremental_path(&second, samods.hash()),
            samods.raw_bytes().to_vec(),
        )
        .await;
    assert_eq!(storage.health(), Ok(()));
    let before = change(&mut doc, "c");
    home.write(|tx| {
        tx.save(&first, &mut doc, &before)?;
        // Put again: already held, not noted twice.
        tx.put_changes(&second, std::slice::from_ref(&samods))
    })
    .unwrap();
    let (new, last) = home.read(|tx| tx.written_since(start)).unwrap();
    let expected = StorageKey::incremental_path(&first, doc.get_heads()[0]).to_string();
    assert_eq!(new, vec![expected]);
    assert_eq!(last, start + 1);

    // Forgotten up to what was read; the numbers go on from there.
    home.write(|tx| tx.forget_written(last)).unwrap();
    assert_eq!(home.read(|tx| tx.written_since(0)).unwrap(), (vec![], 0));
    let before = change(&mut doc, "d");
    home.write(|tx| tx.save(&first, &mut doc, &before)).unwrap();
    let (new, next) = home.read(|tx| tx.written_since(last)).unwrap();
    assert_eq!(new.len(), 1);
    assert_eq!(next, last + 1);
}

/// A home of an earlier build keeps its chunks in a WITHOUT ROWID table (a seek read whole blobs
/// it passed): opening it rebuilds that table as a rowid table and keeps every document.
#[test]
fn an_earlier_homes_chunks_become_a_rowid_table_and_keep_their_documents() {
    let dir = tempfile::tempdir().unwrap();
    let id = new_document_id();
    let mut home = Home::open(dir.path()).unwrap();
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "kept", "はい").unwrap();
    doc.commit();
    home.write(|tx| tx.save(&id, &mut doc, &[])).unwrap();
    drop(home);
    let table_sql = |conn: &rusqlite::Connection| -> String {
        conn.query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'chunks'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    {
        // As a home of schema 9 holds them.
        let conn = kenshin_store::connect(dir.path()).unwrap();
        conn.execute_batch(
            "CREATE TABLE old (key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
             INSERT INTO old SELECT key, data FROM chunks;
             DROP TABLE chunks;
             ALTER TABLE old RENAME TO chunks;
             PRAGMA user_version = 9;",
        )
        .unwrap();
        assert!(table_sql(&conn).contains("WITHOUT ROWID"));
    }
    let mut home = Home::open(dir.path()).unwrap();
    let conn = kenshin_store::connect(dir.path()).unwrap();
    assert!(!table_sql(&conn).contains("WITHOUT ROWID"));
    let doc = home.read(|tx| tx.load_required(&id)).unwrap();
    assert_eq!(text(&doc, "kept").as_deref(), Some("はい"));
}

/// A home of schema 10 has the register's kana index by kana alone, and no counts; one of 13, by
/// year and kana without the rows: on open the index is made again in the register's order with
/// every column, the others are kept, and the register is counted as its writes count it.
#[test]
fn an_earlier_homes_kana_index_is_made_again_in_the_registers_order() {
    let dir = tempfile::tempdir().unwrap();
    drop(Home::open(dir.path()).unwrap());
    let indexes = |conn: &rusqlite::Connection| -> Vec<String> {
        let mut stmt = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'p_vouchers'
                 AND name LIKE 'p_%' ORDER BY name",
            )
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let now = [
        "p_vouchers_batch",
        "p_vouchers_in_order",
        "p_vouchers_name",
        "p_vouchers_postal",
    ];
    {
        // As a home of schema 10 holds them.
        let conn = kenshin_store::connect(dir.path()).unwrap();
        assert_eq!(indexes(&conn), now);
        conn.execute_batch(
            "DROP INDEX p_vouchers_in_order;
             CREATE INDEX p_vouchers_kana ON p_vouchers(kana_key);
             DROP TABLE p_register_counts;
             INSERT INTO p_vouchers VALUES
                 ('1', 2025, 'b1', '', 'サイトウ タロウ', '', '', '', '', 'サイトウタロウ', ''),
                 ('2', 2025, 'b1', '', 'サイ ハナ', '', '', '', '', 'サイハナ', ''),
                 ('1', 2026, 'b2', '', 'ア', '', '', '', '', 'ア', ''),
                 ('2', 2026, 'b2', '', 'ア', '', '', '', '', 'ア' || char(0) || 'イ', '');
             PRAGMA user_version = 10;",
        )
        .unwrap();
    }
    // Opened by this build: the indexes of now, at schema 14.
    let opened = || {
        drop(Home::open(dir.path()).unwrap());
        let conn = kenshin_store::connect(dir.path()).unwrap();
        assert_eq!(indexes(&conn), now);
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, 14);
        conn
    };
    let conn = opened();
    let mut stmt = conn
        .prepare("SELECT prefix, fiscal_year, n FROM p_register_counts ORDER BY 2, 1")
        .unwrap();
    let counts: Vec<(String, i32, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let want = [
        ("", 2025, 2),
        ("サ", 2025, 2),
        ("サイ", 2025, 2),
        ("サイト", 2025, 1),
        ("サイトウ", 2025, 1),
        ("サイハ", 2025, 1),
        ("サイハナ", 2025, 1),
        // A NUL a peer's list may hold is counted as every write counts it.
        ("", 2026, 2),
        ("ア", 2026, 2),
        ("ア\0", 2026, 1),
        ("ア\0イ", 2026, 1),
    ]
    .map(|(p, y, n)| (p.to_string(), y, n));
    assert_eq!(counts, want);
    drop(stmt);

    // As a home of schema 13 holds its kana index.
    conn.execute_batch(
        "DROP INDEX p_vouchers_in_order;
         CREATE INDEX p_vouchers_year_kana ON p_vouchers(fiscal_year, kana_key);
         PRAGMA user_version = 13;",
    )
    .unwrap();
    drop(conn);
    opened();
}

/// samod puts what arrives at once (a cold sync's documents): each put is stored and told to the
/// engine once, written together while others wait their turn; a purged document's is told as not
/// stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn puts_made_at_once_are_each_stored_and_told_once() {
    use std::collections::HashSet;
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().unwrap();
    let mut home = Home::open(dir.path()).unwrap();
    let purged = new_document_id();
    home.write(|tx| tx.purge(&purged, &[])).unwrap();
    let claimed = Arc::new(Mutex::new(HashSet::new()));
    let told = Arc::new(Mutex::new(Vec::new()));
    let (c, t) = (claimed.clone(), told.clone());
    let storage = SqliteStorage::open(dir.path()).unwrap().on_put(
        move |k| c.lock().unwrap().insert(k.to_string()),
        move |k, stored| t.lock().unwrap().push((k.to_string(), stored)),
    );
    let docs: Vec<String> = (0..40).map(|_| new_document_id().to_string()).collect();
    let mut puts = Vec::new();
    for (i, doc) in docs.iter().chain([&purged.to_string()]).enumerate() {
        for n in 0..5 {
            let storage = storage.clone();
            let key =
                StorageKey::from_parts([doc.as_str(), "incremental", &format!("{n}")]).unwrap();
            puts.push(tokio::spawn(async move {
                storage.put(key, vec![i as u8, n]).await
            }));
        }
    }
    // A writer of the home holds its turn a moment: the puts wait theirs, then all are written.
    home.write(|tx| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        tx.set_local("busy", "1")
    })
    .unwrap();
    for p in puts {
        p.await.unwrap();
    }
    assert_eq!(storage.health(), Ok(()));
    let told = told.lock().unwrap().clone();
    assert_eq!(told.len(), 205, "each put told once, stored or not");
    assert_eq!(told.iter().collect::<HashSet<_>>().len(), 205);
    for (key, stored) in &told {
        assert_eq!(*stored, !key.starts_with(&purged.to_string()), "{key}");
    }
    for doc in &docs {
        let id = doc.parse().unwrap();
        let chunks = storage
            .load_range(StorageKey::from_parts([doc.as_str()]).unwrap())
            .await;
        assert_eq!(chunks.len(), 5, "{doc}");
        assert!(home.read(|tx| tx.has_document(&id)).unwrap());
    }
    assert!(!home.read(|tx| tx.has_document(&purged)).unwrap());
}
