//! Documents in the home: chunks, compaction, projections and their rebuild, against a real file.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ReadDoc, ROOT};
use chrono::Utc;
use kenshin_domain::trust::Standing;
use kenshin_domain::{Action, Member, ProcessId, Role, SignOff};
use kenshin_store::docs::{batch, office};
use kenshin_store::{new_document_id, BatchRef, Home, JudgedMember, RosterEntry, StoreError};

/// Test closures mix Automerge and store errors; both become this.
#[derive(Debug)]
struct Wrapped(String);
impl From<automerge::AutomergeError> for Wrapped {
    fn from(e: automerge::AutomergeError) -> Self {
        Wrapped(e.to_string())
    }
}
impl From<StoreError> for Wrapped {
    fn from(e: StoreError) -> Self {
        Wrapped(e.to_string())
    }
}

fn chunk_count(home: &Home, id: &str) -> i64 {
    kenshin_store::connect(home.db_path().parent().unwrap())
        .unwrap()
        .query_row(
            "SELECT count(*) FROM chunks WHERE key LIKE ?1 || '/%'",
            [id],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn many_changes_are_compacted_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let mut home = Home::open(dir.path()).unwrap();
    let id = new_document_id();
    for i in 0..100i64 {
        home.write(|tx| {
            let mut doc = tx.load(&id)?.unwrap_or_default();
            let before = doc.get_heads();
            doc.put(ROOT, format!("k{i}"), i)?;
            doc.commit();
            Ok::<_, Wrapped>(tx.save(&id, &mut doc, &before)?)
        })
        .unwrap();
        assert!(
            chunk_count(&home, &id.to_string()) <= 33,
            "compaction keeps chunks few"
        );
    }
    let doc = home.read(|tx| tx.load_required(&id)).unwrap();
    for i in 0..100i64 {
        let (v, _) = doc
            .get(ROOT, format!("k{i}"))
            .unwrap()
            .expect("every change kept");
        let automerge::Value::Scalar(v) = v else {
            panic!("k{i} is not a value")
        };
        assert_eq!(*v, automerge::ScalarValue::Int(i));
    }
}

#[test]
fn one_laptop_writes_as_one_actor_across_processes() {
    // Each write loads the document afresh (as each `kenshin` command does); every change after the
    // first is still made by the home's one actor, and another home has another.
    let actors_of = |dir: &std::path::Path, id: &kenshin_store::DocumentId| {
        let mut doc = Home::open(dir)
            .unwrap()
            .read(|tx| tx.load_required(id))
            .unwrap();
        let mut actors: Vec<String> = doc
            .get_changes(&[])
            .iter()
            .map(|c| c.actor_id().to_hex_string())
            .collect();
        actors.dedup();
        actors
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let id = new_document_id();
    for dir in [a.path(), b.path()] {
        for i in 0..5i64 {
            Home::open(dir)
                .unwrap()
                .write(|tx| {
                    let mut doc = tx.load(&id)?.unwrap_or_default();
                    let before = doc.get_heads();
                    doc.put(ROOT, "n", i)?;
                    doc.commit();
                    Ok::<_, Wrapped>(tx.save(&id, &mut doc, &before)?)
                })
                .unwrap();
        }
    }
    let (in_a, in_b) = (actors_of(a.path(), &id), actors_of(b.path(), &id));
    // The first change comes from a new document (its own actor); the next four from the home's.
    assert_eq!(in_a.len(), 2, "{in_a:?}");
    assert_eq!(in_b.len(), 2, "{in_b:?}");
    assert_ne!(in_a[1], in_b[1], "each home has its own actor");
}

#[test]
fn a_failed_write_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut home = Home::open(dir.path()).unwrap();
    let id = new_document_id();
    let result: Result<(), Wrapped> = home.write(|tx| {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "x", 1)?;
        doc.commit();
        tx.save(&id, &mut doc, &[])?;
        tx.set_local("partial", "yes")?;
        Err(Wrapped("refused on purpose".into()))
    });
    assert_eq!(result.unwrap_err().0, "refused on purpose");
    home.read(|tx| {
        assert!(tx.load(&id)?.is_none());
        assert_eq!(tx.local("partial")?, None);
        Ok::<_, StoreError>(())
    })
    .unwrap();
}

#[test]
fn office_and_batch_round_trip_and_projections_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let mut home = Home::open(dir.path()).unwrap();
    let founder = RosterEntry {
        member: Member {
            id: "m1".into(),
            name: "決裁 太郎".into(),
            role: Role::Section,
            approver: true,
            admin: true,
        },
        sign_key: "00".into(),
        noise_key: "11".into(),
        added_by: None,
        added_at: Utc::now(),
        signature: "22".into(),
    };
    let office_id = new_document_id();
    let meta = meta_of(&office_id.to_string(), "2026-05 月次");
    let batch_id: kenshin_store::DocumentId = meta.batch_id.parse().unwrap();
    let entry = SignOff {
        id: "e1".into(),
        step: 1,
        action: Action::Do,
        by: "m1".into(),
        at: Utc::now(),
        counts: [("targets".to_string(), 412)].into(),
        note: Some("メモ".into()),
        send_back: None,
        heads_seen: Vec::new(),
        signature: "33".into(),
        marking: None,
    };
    // Which entries hold is judged above the store (kenshin-core); here every one counts.
    let project = |tx: &kenshin_store::Tx<'_>| {
        tx.clear_projections()?;
        let (_, o) = tx.load_office(&office_id)?;
        let members = [JudgedMember {
            entry: &founder,
            removed_at: None,
            deputy: false,
        }];
        let batches: Vec<BatchRef> = o.batches.iter().map(|b| b.meta.clone()).collect();
        tx.project_office(&batches, &members, &[])?;
        let (_, b) = tx.load_batch(&batch_id)?;
        tx.project_batch(&b, &[Standing::Valid], &[])
    };
    home.write(|tx| {
        let mut o = office::create("テスト市", &founder)?;
        office::add_batch(&mut o, &office_id.to_string(), &meta)?;
        o.commit();
        tx.save(&office_id, &mut o, &[])?;
        tx.set_local(kenshin_store::OFFICE_DOC, &office_id.to_string())?;
        let mut b = batch::create(&office_id.to_string(), &meta)?;
        batch::append_signoff(&mut b, &entry)?;
        b.commit();
        tx.save(&batch_id, &mut b, &[])?;
        project(tx)?;
        Ok::<_, Wrapped>(())
    })
    .unwrap();

    let (office, batch) = home
        .read(|tx| {
            let (_, o) = tx.load_office(&office_id)?;
            let (_, b) = tx.load_batch(&batch_id)?;
            Ok::<_, StoreError>((o, b))
        })
        .unwrap();
    assert_eq!(office.name, "テスト市");
    assert_eq!(office.members.len(), 1);
    assert_eq!(office.members[0].member, founder.member);
    assert_eq!(office.batches[0].meta.label, meta.label);
    assert_eq!(batch.signoffs.len(), 1);
    assert_eq!(batch.signoffs[0].counts["targets"], 412);
    assert_eq!(batch.signoffs[0].note.as_deref(), Some("メモ"));

    let board = home.read(|tx| tx.board(None)).unwrap();
    assert_eq!(board[0].steps[0].status, kenshin_domain::Status::Done);
    assert_eq!(
        board[0].steps[1].status,
        kenshin_domain::Status::AwaitingVerify
    );
    let dump = home.read(|tx| tx.projection_dump()).unwrap();
    home.write(project).unwrap();
    assert_eq!(home.read(|tx| tx.projection_dump()).unwrap(), dump);
    assert!(dump.iter().any(|row| row.starts_with("p_signoffs")));
}

#[test]
fn a_document_of_the_wrong_shape_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut home = Home::open(dir.path()).unwrap();
    let id = new_document_id();
    home.write(|tx| {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "kind", "kenshin/office")?;
        doc.put(ROOT, "schema", 1)?;
        doc.commit();
        tx.save(&id, &mut doc, &[])?;
        Ok::<_, Wrapped>(())
    })
    .unwrap();
    let err = home.read(|tx| tx.load_office(&id).map(|_| ())).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("is not a valid office document") && message.contains("name is missing"),
        "{message}"
    );
}

#[test]
fn a_bulk_list_is_one_compressed_value_checked_by_sha256() {
    use kenshin_domain::ListKind;
    use kenshin_store::docs::list::{self, ListRef, NewList};

    // 20,000 synthetic rows in canonical form (no real personal data).
    let rows: String = (0..20_000)
        .map(|i| {
            format!(
                "{:010},テスト 太郎{i},テスト タロウ,1960-04-{:02},{:07}\n",
                i,
                1 + i % 28,
                1_000_000 + i % 500
            )
        })
        .collect();
    let new = NewList {
        office: "office",
        batch: "batch",
        list_kind: ListKind::Production,
        encoding: "cp932",
        source_name: "本番リスト.csv",
        row_count: 20_000,
        created_by: "m1",
        created_at: Utc::now(),
    };
    let (mut doc, meta, list_id) = list::create(&new, rows.as_bytes()).unwrap();
    doc.commit();
    let ops: usize = doc.get_changes(&[]).iter().map(|c| c.len()).sum();
    assert!(ops < 20, "the rows are one op, not one per row: {ops} ops");
    assert_eq!(meta.sha256, list::sha256_hex(rows.as_bytes()));

    let dir = tempfile::tempdir().unwrap();
    let mut home = Home::open(dir.path()).unwrap();
    home.write(|tx| tx.save(&list_id, &mut doc, &[])).unwrap();
    let mut stored = home.read(|tx| tx.load_required(&list_id)).unwrap();
    let (read_meta, read_rows) = list::read_rows(&mut stored, &list_id).unwrap();
    assert_eq!(read_meta, meta);
    assert_eq!(read_rows, rows.as_bytes());
    assert!(
        (std::fs::metadata(home.db_path()).unwrap().len() as usize) < rows.len(),
        "stored compressed"
    );

    // Rows written over the list later are never read: the rows that match its meta are.
    let mut tampered = stored.fork().with_actor(automerge::ActorId::random());
    let other = rows.replacen("テスト 太郎0", "テスト 次郎0", 1);
    let (forged, _, forged_id) = list::create(&new, other.as_bytes()).unwrap();
    let forged_rows = forged
        .get(ROOT, "rows")
        .unwrap()
        .unwrap()
        .0
        .into_bytes()
        .unwrap();
    tampered
        .put(ROOT, "rows", automerge::ScalarValue::Bytes(forged_rows))
        .unwrap();
    tampered.commit();
    let (_, read_rows) = list::read_rows(&mut tampered, &list_id).unwrap();
    assert_eq!(read_rows, rows.as_bytes());
    // The same document under another id has no meta of its own: refused.
    let err = list::read_rows(&mut tampered, &forged_id).unwrap_err();
    assert!(err.contains("no meta of this list matches its id"), "{err}");
    // Rows that match no meta are refused.
    let mut only_forged = AutoCommit::new();
    only_forged.put(ROOT, "kind", list::KIND).unwrap();
    only_forged.put(ROOT, "schema", list::SCHEMA).unwrap();
    let meta_text = stored
        .get(ROOT, "meta")
        .unwrap()
        .unwrap()
        .0
        .into_string()
        .unwrap();
    only_forged.put(ROOT, "meta", meta_text.as_str()).unwrap();
    let forged_rows = forged
        .get(ROOT, "rows")
        .unwrap()
        .unwrap()
        .0
        .into_bytes()
        .unwrap();
    only_forged
        .put(
            ROOT,
            "rows",
            automerge::ScalarValue::Bytes(forged_rows.clone()),
        )
        .unwrap();
    let err = list::read_rows(&mut only_forged, &list_id).unwrap_err();
    assert!(err.contains("do not match their sha256"), "{err}");
    // A meta claiming more rows than a list may hold is refused before anything is allocated.
    let huge = meta_text.replace(
        &format!("\"byte_len\":{}", rows.len()),
        &format!("\"byte_len\":{}", u64::MAX),
    );
    assert_ne!(huge, meta_text);
    let huge_id: kenshin_store::DocumentId = kenshin_store::DocumentId::try_from(
        kenshin_domain::signed::content_id(huge.as_bytes()).to_vec(),
    )
    .unwrap();
    let mut big = AutoCommit::new();
    big.put(ROOT, "kind", list::KIND).unwrap();
    big.put(ROOT, "schema", list::SCHEMA).unwrap();
    big.put(ROOT, "meta", huge.as_str()).unwrap();
    big.put(ROOT, "rows", automerge::ScalarValue::Bytes(forged_rows))
        .unwrap();
    let err = list::read_rows(&mut big, &huge_id).unwrap_err();
    assert!(err.contains("more than a list may hold"), "{err}");

    // A batch refers to the list by id, kind, sha256 and count, signed by who added it.
    let meta_ref = meta_of("office", "l");
    let mut b = batch::create("office", &meta_ref).unwrap();
    let r = ListRef {
        doc_id: list_id.to_string(),
        list_kind: ListKind::Production,
        sha256: meta.sha256.clone(),
        row_count: 20_000,
        by: "m1".into(),
        at: Some(meta.created_at),
        signature: "ab".into(),
    };
    batch::add_list(&mut b, &r).unwrap();
    assert_eq!(
        batch::read(&mut b, &meta_ref.batch_id).unwrap().lists,
        vec![r]
    );
}

/// A batch meta with its id derived from it, as the core makes them.
fn meta_of(office: &str, label: &str) -> BatchRef {
    let mut m = BatchRef {
        batch_id: String::new(),
        process: ProcessId::MonthlyIssuance,
        label: label.into(),
        fiscal_year: 2026,
        created_by: "m1".into(),
        created_at: chrono::SubsecRound::trunc_subsecs(Utc::now(), 3),
        nonce: "n".into(),
        signature: "00".into(),
    };
    m.batch_id = kenshin_store::DocumentId::try_from(
        kenshin_domain::signed::batch_id_bytes(office, &m).to_vec(),
    )
    .unwrap()
    .to_string();
    m
}

/// The office document as a home last read it is given again while its chunks are the same, and
/// read anew once another connection (samod's storage, another process) stored a change to it.
#[test]
fn an_office_read_kept_follows_a_change_stored_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let mut home = Home::open(dir.path()).unwrap();
    let office_id = new_document_id();
    let entry = |id: &str| RosterEntry {
        member: Member {
            id: id.into(),
            name: format!("職員 {id}"),
            role: Role::Section,
            approver: false,
            admin: id == "m1",
        },
        sign_key: "00".into(),
        noise_key: "11".into(),
        added_by: None,
        added_at: Utc::now(),
        signature: "22".into(),
    };
    home.write(|tx| {
        let mut o = office::create("テスト市", &entry("m1"))?;
        o.commit();
        Ok::<_, Wrapped>(tx.save(&office_id, &mut o, &[])?)
    })
    .unwrap();
    let members = |home: &mut Home| {
        home.read(|tx| tx.load_office(&office_id))
            .unwrap()
            .1
            .members
            .len()
    };
    assert_eq!(members(&mut home), 1);
    assert_eq!(members(&mut home), 1);
    let mut other = Home::open(dir.path()).unwrap();
    other
        .write(|tx| {
            let (mut o, _) = tx.load_office(&office_id)?;
            let before = o.get_heads();
            office::add_member(&mut o, &entry("m2"))?;
            o.commit();
            Ok::<_, Wrapped>(tx.save(&office_id, &mut o, &before)?)
        })
        .unwrap();
    assert_eq!(members(&mut home), 2, "the read kept was of other chunks");
}

/// A document stored as many chunks loads whole in one pass; a chunk that is not Automerge's does
/// not lose the others (they load one by one, as before).
#[test]
fn a_document_of_many_chunks_loads_whole_and_around_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut home = Home::open(dir.path()).unwrap();
    let id = new_document_id();
    let mut doc = AutoCommit::new();
    for i in 0..5i64 {
        let before = doc.get_heads();
        doc.put(ROOT, format!("k{i}"), i).unwrap();
        doc.commit();
        home.write(|tx| tx.save(&id, &mut doc, &before)).unwrap();
    }
    assert_eq!(chunk_count(&home, &id.to_string()), 5);
    let mut loaded = home.read(|tx| tx.load_required(&id)).unwrap();
    assert_eq!(loaded.get_heads(), doc.get_heads());
    assert_eq!(loaded.get_changes(&[]).len(), 5);
    // Sorts last, so a load one by one meets it after the good ones.
    kenshin_store::connect(dir.path())
        .unwrap()
        .execute(
            "INSERT INTO chunks(key, data) VALUES (?1 || '/incremental/0', x'00112233')",
            [id.to_string()],
        )
        .unwrap();
    let mut loaded = home.read(|tx| tx.load_required(&id)).unwrap();
    assert_eq!(loaded.get_heads(), doc.get_heads());
    for i in 0..5i64 {
        assert!(loaded.get(ROOT, format!("k{i}")).unwrap().is_some(), "k{i}");
    }
}

/// The index's projection follows each judged index in turn: rows of batches that went are gone,
/// a batch whose entry changed shows the new one, a new batch is added (only those rows written).
#[test]
fn the_batch_index_projection_follows_each_index() {
    let dir = tempfile::tempdir().unwrap();
    let mut home = Home::open(dir.path()).unwrap();
    let office = new_document_id().to_string();
    let (a, b, c) = (
        meta_of(&office, "第1回"),
        meta_of(&office, "第2回"),
        meta_of(&office, "第3回"),
    );
    let mut b_relabelled = b.clone();
    b_relabelled.label = "第2回（訂正）".into();
    let labels = |home: &mut Home, index: &[BatchRef]| {
        home.write(|tx| {
            tx.project_office(index, &[], &[])?;
            let mut labels: Vec<String> = tx.batches()?.into_iter().map(|b| b.label).collect();
            labels.sort();
            Ok::<_, StoreError>(labels)
        })
        .unwrap()
    };
    assert_eq!(labels(&mut home, &[a.clone(), b]), ["第1回", "第2回"]);
    let after = [b_relabelled, c];
    assert_eq!(labels(&mut home, &after), ["第2回（訂正）", "第3回"]);
    assert_eq!(labels(&mut home, &after), ["第2回（訂正）", "第3回"]);
    assert_eq!(labels(&mut home, &[]), Vec::<String>::new());
    let fetched = home.read(|tx| tx.batch(&a.batch_id)).unwrap();
    assert!(fetched.is_none(), "a batch gone from the index is gone");
}
