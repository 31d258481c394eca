//! The home: one SQLite file per laptop holding document chunks (the samod storage layout) and the
//! query projections derived from the documents.

use crate::error::{Result, StoreError};
use crate::key::HomeDir;
use automerge::{ActorId, AutoCommit, ChangeHash};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use samod_core::{CompactionHash, DocumentId, StorageKey};
use std::path::PathBuf;
use std::sync::Arc;

/// The file inside the home folder.
pub const DB_FILE: &str = "kenshin.sqlite3";
/// 2: the voucher register projection. 3: signed roster and sign-offs (earlier homes hold unsigned
/// documents this build cannot judge). 4: lookups waiting for the access log (added to a 3 on open).
/// 5: problems found in documents' histories (p_problems). 7: 取下げ・代決・後閲 (p_signoffs.marking,
/// p_board.awaiting_review). 8: the documents' sealed twins for a relay (twins). 10: the writers'
/// journal of chunks (written); chunks and twins are rowid tables (see `rowid_tables`). 11: the
/// register's kana index leads with the fiscal year (`p_vouchers_year_kana`; made again on open).
/// 12: every write of the register made a `register:changes` note new. 13: the register's counts by
/// fiscal year and kana prefix (`p_register_counts`, made on open), written with every write of
/// the register: a build before it writes the register without them, so it is refused a home of 13.
/// 14: the kana index holds every column of the register (`p_vouchers_in_order`, made on open in
/// place of `p_vouchers_year_kana`).
const SCHEMA_VERSION: i64 = 14;
/// The oldest schema this build opens (and brings up to date: every table is CREATE IF NOT EXISTS).
const OLDEST_OPENED: i64 = 3;
/// Brings a home of schema `found` (an earlier one) up to date: every table is CREATE IF NOT EXISTS.
fn bring_up_to_date(conn: &Connection, found: i64) -> Result<()> {
    // 7: 取下げ・代決・後閲 in the projections (a home of 3 to 6 gains the columns; their
    // entries have none of them).
    conn.execute_batch(SCHEMA)?;
    rowid_tables(conn)?;
    conn.execute_batch(crate::projection::SCHEMA)?;
    add_column(conn, "p_signoffs", "marking", "TEXT")?;
    add_column(conn, "p_members", "deputy", "INTEGER NOT NULL DEFAULT 0")?;
    add_column(
        conn,
        "p_board",
        "awaiting_review",
        "INTEGER NOT NULL DEFAULT 0",
    )?;
    conn.execute_batch(crate::register::SCHEMA)?;
    // The new index first: an open that fails leaves the old one to search with.
    conn.execute_batch(crate::register::VOUCHER_INDEXES)?;
    conn.execute_batch(
        "DROP INDEX IF EXISTS p_vouchers_kana; DROP INDEX IF EXISTS p_vouchers_year_kana",
    )?;
    if found < 13 {
        crate::register::count_again(conn)?;
    }
    conn.execute("DELETE FROM local WHERE key = 'register:changes'", [])?;
    conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    Ok(())
}

/// Adds a column to a table of an earlier home, unless it has it already.
fn add_column(conn: &Connection, table: &str, column: &str, decl: &str) -> Result<()> {
    let has: bool = conn.query_row(
        &format!("SELECT count(*) > 0 FROM pragma_table_info('{table}') WHERE name = ?1"),
        [column],
        |r| r.get(0),
    )?;
    if !has {
        conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {decl}"))?;
    }
    Ok(())
}

/// Rebuilds an earlier home's `chunks` and `twins` as rowid tables, in one transaction. In a
/// WITHOUT ROWID table each row is its b-tree's key, blob and all: a seek by key that passed a
/// list of 150,000 rows read and decrypted its whole blob (SQLite advises small rows there). Keys
/// now sit in their own index and a blob is read only when its row is.
fn rowid_tables(conn: &Connection) -> Result<()> {
    for table in ["chunks", "twins"] {
        let sql: Option<String> = conn
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get(0),
            )
            .optional()?;
        if sql.is_some_and(|sql| sql.contains("WITHOUT ROWID")) {
            conn.execute_batch(&format!(
                "BEGIN IMMEDIATE;
                 CREATE TABLE {table}_rowid (key TEXT PRIMARY KEY, data BLOB NOT NULL);
                 INSERT INTO {table}_rowid(key, data) SELECT key, data FROM {table};
                 DROP TABLE {table};
                 ALTER TABLE {table}_rowid RENAME TO {table};
                 COMMIT;"
            ))?;
        }
    }
    Ok(())
}

/// A document with more chunks than this is compacted into one snapshot on its next write.
const COMPACT_AFTER: usize = 32;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS chunks (
    key  TEXT PRIMARY KEY,
    data BLOB NOT NULL
);
-- Sealed twins of the documents, as a relay carries them (samod's layout, like chunks).
CREATE TABLE IF NOT EXISTS twins (
    key  TEXT PRIMARY KEY,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS local (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
-- The chunks the home's writers stored (samod's storage does not write here), in order: the sync
-- engine reads what is new here instead of every chunk key. AUTOINCREMENT: a number is never given
-- twice, even after the rows under it are deleted.
CREATE TABLE IF NOT EXISTS written (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL
);
-- Documents deleted at the end of their keeping (保存期間): never stored again, whoever offers them.
CREATE TABLE IF NOT EXISTS purged (
    doc TEXT PRIMARY KEY
) WITHOUT ROWID;
-- Lookups (JSON) not yet moved into the office's access log documents.
CREATE TABLE IF NOT EXISTS access_pending (
    seq    INTEGER PRIMARY KEY,
    lookup TEXT NOT NULL
);
";

/// A connection's page cache, in KiB (negative: SQLite's way of saying KiB rather than pages).
const CACHE_KIB: i64 = -65_536;

/// What a connection keeps of its page cache between commands ([`Home::shrink_memory`]).
const KEPT_KIB: i64 = -8_192;

/// Opens the home's database in `dir`, decrypted with its key (see [`crate::key`]), with the settings
/// every connection must have: WAL, and a commit is on disk (synchronous=FULL) before anyone is told
/// it succeeded. Public for tests and benchmarks that look at the tables directly.
pub fn connect(home: impl Into<HomeDir>) -> Result<Connection> {
    let home = home.into();
    let path = home.path().join(DB_FILE);
    let open_err = |source| StoreError::Open {
        path: path.display().to_string(),
        source,
    };
    // Waits up to 10 s for another connection's lock (set when the key is given).
    let conn = crate::key::open_encrypted(&home)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(open_err)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(open_err)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(open_err)?;
    // 64 MiB of page cache: the register's indexes take 150,000 inserts in kana and postal order.
    conn.pragma_update(None, "cache_size", CACHE_KIB)
        .map_err(open_err)?;
    // A projection goes through some 50 prepared statements (rusqlite keeps 16 by default, and
    // parsing one again costs more than running it).
    conn.set_prepared_statement_cache_capacity(96);
    Ok(conn)
}

/// One laptop's data folder.
pub struct Home {
    dir: PathBuf,
    pub(crate) conn: Connection,
    /// The Automerge actor every change written on this home is made by (local setting `actor`).
    /// One actor per laptop, not one per write: every distinct actor costs every copy of the
    /// document forever (a day of 1,000 inquiries by 1,000 actors made each merge ten times slower).
    /// Writes are serialised by SQLite, so the actor's sequence numbers never clash on one home.
    actor: ActorId,
    /// The turns of this home's writers in this process.
    pub(crate) gate: Arc<crate::gate::Gate>,
    /// The office document as last read on this home (see [`Tx::load_office`]).
    office_read: std::sync::Mutex<Option<crate::docs::OfficeRead>>,
    /// The register's batches as its reads last showed them (see [`crate::register::ShownBatches`]).
    shown: std::sync::Mutex<crate::register::ShownBatches>,
}

impl Home {
    /// Opens (creating if needed) the home in `dir` (a folder, or a [`HomeDir`] already unlocked).
    pub fn open(dir: impl Into<HomeDir>) -> Result<Home> {
        let home = dir.into();
        let dir = home.path();
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateHome {
            path: dir.display().to_string(),
            source,
        })?;
        let conn = connect(&home)?;
        let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found > 0 && found < OLDEST_OPENED {
            return Err(StoreError::OlderSchema {
                path: dir.display().to_string(),
                found,
            });
        }
        let gate = crate::gate::of(dir);
        if found < SCHEMA_VERSION {
            let _turn = gate.enter();
            // Another open in this process may have brought the home up to date while this one waited.
            let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if found < SCHEMA_VERSION {
                bring_up_to_date(&conn, found)?;
            }
        }
        let read_actor = || {
            conn.query_row("SELECT value FROM local WHERE key = 'actor'", [], |r| {
                r.get::<_, String>(0)
            })
            .optional()
        };
        // Written once: every open writing it would queue behind the home's writers.
        let actor = match read_actor()? {
            Some(actor) => actor,
            None => {
                let _turn = gate.enter();
                conn.execute(
                    "INSERT OR IGNORE INTO local(key, value) VALUES ('actor', lower(hex(randomblob(16))))",
                    [],
                )?;
                read_actor()?.unwrap_or_default()
            }
        };
        let actor = ActorId::from(hex::decode(&actor).map_err(|e| StoreError::Shape {
            doc: "local".into(),
            what: "actor setting",
            why: e.to_string(),
        })?);
        Ok(Home {
            dir: dir.to_path_buf(),
            conn,
            actor,
            gate,
            office_read: Default::default(),
            shown: Default::default(),
        })
    }

    /// Changes whenever another connection commits to the database: a cheap "anything new?".
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "data_version", |r| r.get(0))?)
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.join(DB_FILE)
    }

    /// Runs `f` in one write transaction, taken before anything is read so that the rules are checked
    /// against what is really stored. Everything `f` wrote is committed together, or nothing is.
    pub fn write<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&Tx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        self.immediate(true, f)
    }

    /// Runs `f` as `write` does, then rolls everything back: a preview of exactly what a write would do.
    pub fn dry_run<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&Tx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        self.immediate(false, f)
    }

    /// An IMMEDIATE transaction around `f`, committed when `f` succeeds and `commit` is set.
    fn immediate<T, E: From<StoreError>>(
        &mut self,
        commit: bool,
        f: impl FnOnce(&Tx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let _turn = self.gate.enter();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let out = f(&Tx {
            tx: &tx,
            actor: &self.actor,
            office_read: &self.office_read,
            shown: None,
        })?;
        if commit {
            tx.commit().map_err(StoreError::from)?;
            self.shown
                .get_mut()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .forget();
        }
        Ok(out)
    }

    /// Gives back the page cache the connection filled but the pages it used last (SQLite frees
    /// the least recently used down to a smaller limit, then takes its limit back without reading
    /// anything). A home kept open between commands holds little more memory at rest than one
    /// opened for each, and its next command does not read and decrypt again every page on its
    /// way: the register's upper levels, the batches and the board. Given back whole, a lookup at
    /// five years read 24 pages and took 0.75–1.04 ms, against 0.15 ms with its pages at hand.
    pub fn shrink_memory(&self) -> Result<()> {
        Ok(self.conn.execute_batch(&format!(
            "PRAGMA cache_size = {KEPT_KIB}; PRAGMA cache_size = {CACHE_KIB}"
        ))?)
    }

    /// Gives the space of deleted documents back to the file system (SQLCipher rewrites the file:
    /// what was deleted is no longer in it, in free pages or otherwise).
    pub fn vacuum(&self) -> Result<()> {
        let _turn = self.gate.enter();
        self.conn.execute_batch("VACUUM")?;
        // The old pages also leave the write-ahead log (as far as no reader still holds them).
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Runs `f` over a consistent snapshot of the home.
    pub fn read<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&Tx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(StoreError::from)?;
        f(&Tx {
            tx: &tx,
            actor: &self.actor,
            office_read: &self.office_read,
            shown: Some(&self.shown),
        })
    }
}

/// A transaction on the home: documents by id, local settings, projections.
pub struct Tx<'c> {
    pub(crate) tx: &'c rusqlite::Transaction<'c>,
    actor: &'c ActorId,
    pub(crate) office_read: &'c std::sync::Mutex<Option<crate::docs::OfficeRead>>,
    /// The home's register batches as last shown: a read's only (a write's own changes are not in them).
    pub(crate) shown: Option<&'c std::sync::Mutex<crate::register::ShownBatches>>,
}

/// A document's chunks read from the home ([`Tx::stored`]), not yet loaded.
pub struct Stored {
    pub(crate) id: DocumentId,
    chunks: Vec<(String, Vec<u8>)>,
    actor: ActorId,
}

impl Stored {
    pub fn id(&self) -> &DocumentId {
        &self.id
    }

    /// The document, or `None` when the home held none of it.
    pub fn load(self) -> Result<Option<AutoCommit>> {
        if self.chunks.is_empty() {
            return Ok(None);
        }
        // All chunks in one load, one pass over their changes: a snapshot and 32 changes (a
        // document about to be compacted) loaded in 0.39 ms against 2.0 ms one by one, each change
        // applied into the document on its own. A set that does not load whole is loaded one by
        // one, as before: what loads of it is kept, the rest is an error.
        if self.chunks.len() > 1 {
            let all: Vec<u8> = self
                .chunks
                .iter()
                .flat_map(|(_, d)| d.iter().copied())
                .collect();
            let options = automerge::LoadOptions::new()
                .on_partial_load(automerge::OnPartialLoad::Error)
                .verification_mode(automerge::VerificationMode::Check);
            if let Ok(doc) = AutoCommit::load_with_options(&all, options) {
                return Ok(Some(doc.with_actor(self.actor)));
            }
        }
        let mut doc = AutoCommit::new().with_actor(self.actor);
        for (_, data) in &self.chunks {
            doc.load_incremental(data)
                .map_err(|source| StoreError::Automerge {
                    doc: self.id.to_string(),
                    source: Box::new(source),
                })?;
        }
        Ok(Some(doc))
    }

    /// [`Tx::document_digest`] of the chunks read.
    pub fn digest(&self) -> String {
        // Read in descending order of key; the digest takes them ascending.
        digest_keys(self.chunks.iter().rev().map(|(key, _)| key))
    }

    /// [`Stored::load`], an error when the home held none of it.
    pub fn load_required(self) -> Result<AutoCommit> {
        let id = self.id.to_string();
        self.load()?.ok_or(StoreError::MissingDocument(id))
    }
}

/// The digest of a document's chunk keys, in ascending order.
fn digest_keys<'k>(keys: impl Iterator<Item = &'k String>) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for key in keys {
        hash.update(key.as_bytes());
        hash.update(b"\n");
    }
    hex::encode(hash.finalize())
}

fn key_string(key: &StorageKey) -> String {
    key.to_string()
}

impl Tx<'_> {
    /// A setting of this laptop only (never synced).
    pub fn local(&self, key: &str) -> Result<Option<String>> {
        // Read and written for every batch a projection touches: prepared once.
        Ok(self
            .tx
            .prepare_cached("SELECT value FROM local WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_local(&self, key: &str, value: &str) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO local(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![key, value])?;
        Ok(())
    }

    pub fn remove_local(&self, key: &str) -> Result<()> {
        self.tx
            .prepare_cached("DELETE FROM local WHERE key = ?1")?
            .execute([key])?;
        Ok(())
    }

    /// Every chunk stored under `doc_id`: its snapshots and incremental changes.
    fn chunks(&self, doc_id: &DocumentId) -> Result<Vec<(String, Vec<u8>)>> {
        let prefix = doc_id.to_string();
        let mut stmt = self.tx.prepare_cached(
            "SELECT key, data FROM chunks WHERE key > ?1 || '/' AND key < ?1 || '0' ORDER BY key DESC",
        )?;
        let rows = stmt.query_map([&prefix], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Loads a document from its chunks, or `None` when the home has none of it.
    pub fn load(&self, doc_id: &DocumentId) -> Result<Option<AutoCommit>> {
        self.stored(doc_id)?.load()
    }

    /// A document's chunks as stored, to load outside this transaction (on another thread: a
    /// projection judging many batches reads them in turn, then loads and judges them at once).
    pub fn stored(&self, doc_id: &DocumentId) -> Result<Stored> {
        Ok(Stored {
            id: doc_id.clone(),
            // Snapshots sort after incrementals ("snapshot" > "incremental"), so DESC loads them first.
            chunks: self.chunks(doc_id)?,
            actor: self.actor.clone(),
        })
    }

    /// Whether the home holds any of a document, without loading it.
    pub fn has_document(&self, doc_id: &DocumentId) -> Result<bool> {
        // Asked for every batch of the index on some paths: prepared once.
        Ok(self
            .tx
            .prepare_cached(
                "SELECT 1 FROM chunks WHERE key > ?1 || '/' AND key < ?1 || '0' LIMIT 1",
            )?
            .exists([doc_id.to_string()])?)
    }

    /// The database file this transaction is on (which home it is).
    pub fn db_file(&self) -> &str {
        self.tx.path().unwrap_or_default()
    }

    /// A digest of the keys of a document's stored chunks (each key names its content's hash):
    /// equal digests, the same document stored.
    pub fn document_digest(&self, doc_id: &DocumentId) -> Result<String> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT key FROM chunks WHERE key > ?1 || '/' AND key < ?1 || '0' ORDER BY key",
        )?;
        let keys = stmt.query_map([doc_id.to_string()], |r| r.get::<_, String>(0))?;
        Ok(digest_keys(
            keys.collect::<rusqlite::Result<Vec<_>>>()?.iter(),
        ))
    }

    pub fn load_required(&self, doc_id: &DocumentId) -> Result<AutoCommit> {
        self.stored(doc_id)?.load_required()
    }

    /// Stores every change of `doc` made after `since` as an incremental chunk, under the same keys
    /// samod uses, so a samod repo on this home reads them. Compacts a document that has many chunks.
    pub fn save(
        &self,
        doc_id: &DocumentId,
        doc: &mut AutoCommit,
        since: &[ChangeHash],
    ) -> Result<()> {
        let mut put = self
            .tx
            .prepare_cached("INSERT OR REPLACE INTO chunks(key, data) VALUES (?1, ?2)")?;
        for change in doc.get_changes(since) {
            let key = key_string(&StorageKey::incremental_path(doc_id, change.hash()));
            put.execute(params![key, change.raw_bytes()])?;
            self.note_written(&key)?;
        }
        let stored: i64 = self.tx.query_row(
            "SELECT count(*) FROM chunks WHERE key > ?1 || '/' AND key < ?1 || '0'",
            [doc_id.to_string()],
            |r| r.get(0),
        )?;
        if stored as usize > COMPACT_AFTER {
            let snapshot =
                StorageKey::snapshot_path(doc_id, &CompactionHash::new(&doc.get_heads()));
            let snapshot = key_string(&snapshot);
            self.tx.execute(
                "DELETE FROM chunks WHERE key > ?1 || '/' AND key < ?1 || '0' AND key <> ?2",
                params![doc_id.to_string(), snapshot],
            )?;
            put.execute(params![snapshot, doc.save()])?;
            self.note_written(&snapshot)?;
        }
        Ok(())
    }

    /// Adds a chunk key to the writers' journal (see `written_since`).
    fn note_written(&self, key: &str) -> Result<()> {
        self.tx
            .prepare_cached("INSERT INTO written(key) VALUES (?1)")?
            .execute([key])?;
        Ok(())
    }

    /// Stores changes that came from elsewhere (opened from a relay's twin), each under the key samod
    /// uses for it.
    pub fn put_changes(&self, doc_id: &DocumentId, changes: &[automerge::Change]) -> Result<()> {
        if self.is_purged(doc_id)? {
            return Ok(());
        }
        let mut put = self
            .tx
            .prepare_cached("INSERT OR IGNORE INTO chunks(key, data) VALUES (?1, ?2)")?;
        for change in changes {
            let key = key_string(&StorageKey::incremental_path(doc_id, change.hash()));
            if put.execute(params![key, change.raw_bytes()])? > 0 {
                self.note_written(&key)?;
            }
        }
        Ok(())
    }

    /// Whether a document was deleted from this laptop (see [`Tx::purge`]).
    pub fn is_purged(&self, doc_id: &DocumentId) -> Result<bool> {
        // Asked for every batch of the index on some paths: prepared once.
        Ok(self
            .tx
            .prepare_cached("SELECT 1 FROM purged WHERE doc = ?1")?
            .exists([doc_id.to_string()])?)
    }

    /// Deletes a batch and the documents of its lists from this laptop (at the end of their keeping,
    /// or let go by a contractor laptop): every chunk, every projection row and every local note of
    /// them, in this transaction; none of them is stored again (samod's writes and the home's
    /// writers skip them). The space comes back with [`crate::Home::vacuum`].
    pub fn purge(&self, batch: &DocumentId, lists: &[DocumentId]) -> Result<()> {
        let batch_id = batch.to_string();
        let docs: Vec<String> = std::iter::once(batch)
            .chain(lists)
            .map(|d| d.to_string())
            .collect();
        self.purge_documents("chunks", &docs)?;
        let mut counts = crate::register::CountChanges::default();
        self.delete_vouchers(&batch_id, &mut counts)?;
        counts.write(self.tx)?;
        for table in ["p_batches", "p_signoffs", "p_board", "p_voucher_events"] {
            self.tx.execute(
                &format!("DELETE FROM {table} WHERE batch_id = ?1"),
                [&batch_id],
            )?;
        }
        self.tx.execute(
            "DELETE FROM local WHERE key = ?1",
            [format!("projected:{batch_id}")],
        )?;
        Ok(())
    }

    /// Deletes documents by id from `table` (`chunks`, or `twins`: the sealed twins a relay carries):
    /// every chunk and problem noted of them, in this transaction; none is stored again.
    pub fn purge_documents(&self, table: &str, docs: &[String]) -> Result<()> {
        let table = if table == "twins" { "twins" } else { "chunks" };
        for doc in docs {
            self.tx.execute(
                &format!("DELETE FROM {table} WHERE key > ?1 || '/' AND key < ?1 || '0'"),
                [doc],
            )?;
            if table == "chunks" {
                self.tx.execute(
                    "DELETE FROM written WHERE key > ?1 || '/' AND key < ?1 || '0'",
                    [doc],
                )?;
            }
            self.tx
                .execute("DELETE FROM p_problems WHERE doc_id = ?1", [doc])?;
            self.tx
                .execute("INSERT OR IGNORE INTO purged(doc) VALUES (?1)", [doc])?;
        }
        Ok(())
    }

    /// The ids of every document deleted here (and of their sealed twins).
    pub fn purged_documents(&self) -> Result<Vec<String>> {
        let mut stmt = self.tx.prepare_cached("SELECT doc FROM purged")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every chunk key the home holds (documents times their chunks: some thousands at five years),
    /// and the writers' journal's last number as of the same moment (see `written_since`).
    pub fn chunk_keys(&self) -> Result<(Vec<String>, i64)> {
        let mut stmt = self.tx.prepare_cached("SELECT key FROM chunks")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        let keys = rows.collect::<rusqlite::Result<_>>()?;
        let last = self
            .tx
            .query_row("SELECT coalesce(max(seq), 0) FROM written", [], |r| {
                r.get(0)
            })?;
        Ok((keys, last))
    }

    /// The chunk keys the home's writers stored after the journal's number `after` (samod's own
    /// are not among them), and the last number: what is new, without reading every key.
    pub fn written_since(&self, after: i64) -> Result<(Vec<String>, i64)> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT seq, key FROM written WHERE seq > ?1 ORDER BY seq")?;
        let mut rows = stmt.query([after])?;
        let (mut keys, mut last) = (Vec::new(), after);
        while let Some(row) = rows.next()? {
            last = row.get(0)?;
            keys.push(row.get(1)?);
        }
        Ok((keys, last))
    }

    /// Forgets the journal up to number `upto`, once the sync engine has read it.
    pub fn forget_written(&self, upto: i64) -> Result<()> {
        self.tx
            .prepare_cached("DELETE FROM written WHERE seq <= ?1")?
            .execute([upto])?;
        Ok(())
    }

    /// How much the home holds, for a 消去証明: documents, and vouchers in its register.
    pub fn holdings(&self) -> Result<(u64, u64)> {
        let documents = self.tx.query_row(
            "SELECT count(DISTINCT substr(key, 1, instr(key, '/') - 1)) FROM chunks",
            [],
            |r| r.get(0),
        )?;
        Ok((documents, self.vouchers_held()?))
    }

    /// How many vouchers the register holds (from its kept counts, a row a year).
    pub fn vouchers_held(&self) -> Result<u64> {
        Ok(self.tx.query_row(
            "SELECT coalesce(sum(n), 0) FROM p_register_counts WHERE prefix = ''",
            [],
            |r| r.get(0),
        )?)
    }

    pub fn chunk(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .tx
            .query_row("SELECT data FROM chunks WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub(crate) fn actor(&self) -> &ActorId {
        self.actor
    }

    pub(crate) fn sql(&self) -> &rusqlite::Transaction<'_> {
        self.tx
    }
}

/// A fresh document id, in the form samod and automerge-repo use.
pub fn new_document_id() -> DocumentId {
    DocumentId::try_from(uuid::Uuid::new_v4().as_bytes().to_vec())
        .expect("a uuid is a valid document id")
}

#[cfg(test)]
mod tests {
    /// The page cache given back between commands takes its whole limit back: the next import
    /// has the cache its indexes need.
    #[test]
    fn memory_given_back_leaves_the_cache_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let home = crate::Home::open(dir.path()).unwrap();
        home.shrink_memory().unwrap();
        let limit: i64 = home
            .conn
            .query_row("PRAGMA cache_size", [], |r| r.get(0))
            .unwrap();
        assert_eq!(limit, super::CACHE_KIB);
    }
}
