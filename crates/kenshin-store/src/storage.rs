//! samod's `Storage` over the home's SQLite file, so a samod repo (the sync engine) reads and writes
//! the very chunks the rest of Kenshin does.

use crate::error::{Result, StoreError};
use crate::home::connect;
use rusqlite::{params, Connection};
use samod::storage::Storage;
use samod_core::StorageKey;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// samod storage on the home's database. `Storage::put` cannot return an error, so a failed write
/// is kept in [`SqliteStorage::health`] for the core to check before it acknowledges anything.
#[derive(Clone)]
pub struct SqliteStorage {
    conn: Arc<Mutex<Connection>>,
    failure: Arc<Mutex<Option<String>>>,
    on_put: Option<PutHooks>,
    /// `chunks` (the documents) or `twins` (their sealed twins, see [`SqliteStorage::twins`]).
    table: &'static str,
    /// The turns of this home's writers in this process (samod's puts wait theirs).
    gate: Arc<crate::gate::Gate>,
}

/// Called around each put: `before` (is this key news? it is claimed before it reaches the table, so
/// nobody scanning the table mistakes it for a local change) and `after`, once committed, if it was.
#[derive(Clone)]
struct PutHooks {
    before: Arc<dyn Fn(&str) -> bool + Send + Sync>,
    after: Arc<dyn Fn(&str) + Send + Sync>,
}

impl SqliteStorage {
    pub fn open(home: impl Into<crate::HomeDir>) -> Result<SqliteStorage> {
        let home = home.into();
        let gate = crate::gate::of(home.path());
        let conn = connect(home)?;
        // samod reads each chunk once, when it loads a document: a page cache would only hold memory
        // (the home's own connections keep theirs).
        conn.pragma_update(None, "cache_size", -2_048)?;
        // What samod stores waits for no fsync of its own: the engine's projection of it commits
        // durably right after (`synchronous=FULL` there syncs the whole log, these writes with it), and
        // until then it is safe from a crash of the process (WAL); only a power cut in those
        // milliseconds loses it, and the peer still has it. One fsync per arrival instead of two.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(SqliteStorage {
            conn: Arc::new(Mutex::new(conn)),
            failure: Arc::new(Mutex::new(None)),
            on_put: None,
            table: "chunks",
            gate,
        })
    }

    /// The storage of the documents' sealed twins (the relay's side), on the same home.
    pub fn twins(home: impl Into<crate::HomeDir>) -> Result<SqliteStorage> {
        Ok(SqliteStorage {
            table: "twins",
            ..SqliteStorage::open(home)?
        })
    }

    /// Tells the sync engine of each key samod stores: `before` it is written (returning whether the
    /// key is news), and `after` it is committed when it was (the engine projects what arrived).
    pub fn on_put(
        mut self,
        before: impl Fn(&str) -> bool + Send + Sync + 'static,
        after: impl Fn(&str) + Send + Sync + 'static,
    ) -> SqliteStorage {
        self.on_put = Some(PutHooks {
            before: Arc::new(before),
            after: Arc::new(after),
        });
        self
    }

    /// The first write that failed since the storage was opened, if any.
    pub fn health(&self) -> Result<(), String> {
        match self.failure.lock().map(|f| f.clone()) {
            Ok(None) => Ok(()),
            Ok(Some(why)) => Err(why),
            Err(_) => Err("storage lock poisoned".to_string()),
        }
    }

    /// Whether the table holds `key` (a read: no write transaction, no turn at the gate). A read that
    /// fails says no: the put then says what failed.
    fn holds(&self, key: &str) -> bool {
        let sql = format!("SELECT 1 FROM {} WHERE key = ?1", self.table);
        self.conn.lock().is_ok_and(|c| {
            c.prepare_cached(&sql)
                .and_then(|mut s| s.exists([key]))
                .unwrap_or(false)
        })
    }

    fn with_conn<T>(
        &self,
        what: &str,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Option<T> {
        let result = match self.conn.lock() {
            Ok(conn) => f(&conn).map_err(|e| StoreError::from(e).to_string()),
            Err(_) => Err("storage lock poisoned".to_string()),
        };
        match result {
            Ok(v) => Some(v),
            Err(why) => {
                tracing::error!(what, why, "storage operation failed");
                if let Ok(mut failure) = self.failure.lock() {
                    failure.get_or_insert_with(|| format!("{what}: {why}"));
                }
                None
            }
        }
    }
}

/// A key of samod's that names what it holds: a change (`<doc>/incremental/<hash>`) or a snapshot of
/// the document at some heads (`<doc>/snapshot/<hash of the heads>`).
fn content_addressed(key: &str) -> bool {
    matches!(key.split('/').nth(1), Some("incremental" | "snapshot"))
}

fn parse_key(key: &str) -> Option<StorageKey> {
    StorageKey::from_parts(key.split('/')).ok()
}

impl Storage for SqliteStorage {
    async fn load(&self, key: StorageKey) -> Option<Vec<u8>> {
        self.with_conn("load", |c| {
            use rusqlite::OptionalExtension;
            c.prepare_cached(&format!("SELECT data FROM {} WHERE key = ?1", self.table))?
                .query_row([key.to_string()], |r| r.get(0))
                .optional()
        })
        .flatten()
    }

    async fn load_range(&self, prefix: StorageKey) -> HashMap<StorageKey, Vec<u8>> {
        let prefix = prefix.to_string();
        self.with_conn("load_range", |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT key, data FROM {}
                 WHERE ?1 = '' OR key = ?1 OR (key > ?1 || '/' AND key < ?1 || '0')",
                self.table
            ))?;
            let rows = stmt.query_map([&prefix], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?;
            let mut out = HashMap::new();
            for row in rows {
                let (key, data) = row?;
                if let Some(key) = parse_key(&key) {
                    out.insert(key, data);
                }
            }
            Ok(out)
        })
        .unwrap_or_default()
    }

    async fn put(&self, key: StorageKey, data: Vec<u8>) {
        let key = key.to_string();
        let news = self.on_put.as_ref().is_some_and(|h| (h.before)(&key));
        // samod writes back every change of a document it loads (its saved heads start empty), under
        // keys this home already holds: a change's key names its hash and a snapshot's the heads it
        // holds, so a key held holds the same. Written again, each cost a write transaction for every
        // document opened (a sync with nothing new at 300 batches wrote about 900 times). A held key
        // can still be news to the engine: another storage on this home wrote it (the relay
        // bridge's), and it is projected as if it had just arrived.
        if content_addressed(&key) && self.holds(&key) {
            if let (Some(h), true) = (&self.on_put, news) {
                (h.after)(&key);
            }
            return;
        }
        // A document deleted at the end of its keeping is not stored again, whoever offers it.
        let doc = key.split('/').next().unwrap_or_default();
        let _turn = self.gate.enter();
        let stored = self.with_conn("put", |c| {
            c.prepare_cached(&format!(
                "INSERT OR REPLACE INTO {}(key, data) SELECT ?1, ?2
                 WHERE NOT EXISTS (SELECT 1 FROM purged WHERE doc = ?3)",
                self.table
            ))?
            .execute(params![key, data, doc])
        });
        if let (Some(1), Some(h), true) = (stored, &self.on_put, news) {
            (h.after)(&key);
        }
    }

    async fn delete(&self, key: StorageKey) {
        let _turn = self.gate.enter();
        self.with_conn("delete", |c| {
            c.prepare_cached(&format!("DELETE FROM {} WHERE key = ?1", self.table))?
                .execute([key.to_string()])
        });
    }
}
