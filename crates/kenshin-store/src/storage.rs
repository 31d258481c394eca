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
    /// The puts waiting for the writer (see [`SqliteStorage::write_queued`]).
    queue: Arc<Mutex<Queue>>,
}

/// The writer of a storage's queued puts ([`SqliteStorage::write_queued`]). Dropped before it ended
/// (never run, as a runtime stops, or panicking), it answers what is left as not stored and lets
/// the next put start another: no put waits for ever.
struct Writer(Option<SqliteStorage>);

impl Writer {
    fn run(mut self) {
        if let Some(storage) = &self.0 {
            storage.write_queued();
        }
        self.0 = None;
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if let Some(storage) = self.0.take() {
            // Each put left is answered as it drops (see `Put`).
            let mut q = storage.queue();
            q.writing = false;
            let left = std::mem::take(&mut q.waiting);
            drop(q);
            drop(left);
        }
    }
}

/// Puts waiting to be written, and whether a writer is at it.
#[derive(Default)]
struct Queue {
    waiting: Vec<Put>,
    writing: bool,
}

struct Put {
    key: String,
    data: Vec<u8>,
    /// The hooks to tell, when the key was news to the engine.
    news: Option<PutHooks>,
    /// Taken when the put is answered.
    done: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Put {
    fn answer(mut self, stored: bool) {
        self.tell(stored);
        if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
    }

    fn tell(&mut self, stored: bool) {
        if let Some(h) = self.news.take() {
            (h.after)(&self.key, stored);
        }
    }
}

/// A put dropped unanswered (its writer panicked, or never ran) was not stored: the engine is told
/// so, and the put's caller hears that the writer stopped.
impl Drop for Put {
    fn drop(&mut self) {
        self.tell(false);
    }
}

/// Called around each put: `before` (is this key news? it is claimed before it reaches the table, so
/// nobody scanning the table mistakes it for a local change) and, for a key that was news, `after`
/// with whether it was stored, once it was committed or was not.
#[derive(Clone)]
struct PutHooks {
    before: Arc<dyn Fn(&str) -> bool + Send + Sync>,
    after: Arc<After>,
}

/// `after(key, stored)`.
type After = dyn Fn(&str, bool) + Send + Sync;

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
            queue: Arc::default(),
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
    /// key is news), and `after`, for a key that was news, whether it was stored once it is done
    /// (the engine projects what arrived, and waits for what is being written).
    pub fn on_put(
        mut self,
        before: impl Fn(&str) -> bool + Send + Sync + 'static,
        after: impl Fn(&str, bool) + Send + Sync + 'static,
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

    /// Writes the puts waiting, in one transaction, until none is left. samod puts each change it
    /// receives on its own (two per batch document of a cold sync): one commit each cost 14 % of a
    /// new laptop's time at 300 batches, SQLCipher encrypting every page again. And on a thread of
    /// its own, a put waiting for its turn at the home (while the engine projects what arrived)
    /// no longer holds up samod's IO, which receives and loads on.
    fn write_queued(&self) {
        loop {
            let puts = {
                let mut q = self.queue();
                if q.waiting.is_empty() {
                    q.writing = false;
                    return;
                }
                std::mem::take(&mut q.waiting)
            };
            let _turn = self.gate.enter();
            // A document deleted at the end of its keeping is not stored again, whoever offers it.
            let stored = self.with_conn("put", |c| {
                let tx = c.unchecked_transaction()?;
                let mut stored = Vec::with_capacity(puts.len());
                {
                    let mut insert = tx.prepare_cached(&format!(
                        "INSERT OR REPLACE INTO {}(key, data) SELECT ?1, ?2
                         WHERE NOT EXISTS (SELECT 1 FROM purged WHERE doc = ?3)",
                        self.table
                    ))?;
                    for p in &puts {
                        let doc = p.key.split('/').next().unwrap_or_default();
                        stored.push(insert.execute(params![p.key, p.data, doc])? == 1);
                    }
                }
                tx.commit()?;
                Ok(stored)
            });
            drop(_turn);
            for (i, p) in puts.into_iter().enumerate() {
                p.answer(stored.as_ref().is_some_and(|s| s[i]));
            }
        }
    }

    /// The queue of puts (a list and a flag: whole even if a holder panicked).
    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn fail(&self, what: &str, why: String) {
        tracing::error!(what, why, "storage operation failed");
        if let Ok(mut failure) = self.failure.lock() {
            failure.get_or_insert_with(|| format!("{what}: {why}"));
        }
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
                self.fail(what, why);
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

/// The chunks under a key prefix: the key itself, and every key below it.
fn range_sql(table: &str) -> String {
    format!("SELECT key, data FROM {table} WHERE key = ?1 OR (key > ?1 || '/' AND key < ?1 || '0')")
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
            // Two statements: with `?1 = ''` in it, SQLite read the whole table for every
            // document samod opened (it loads each by its prefix), not the key index.
            let mut stmt = if prefix.is_empty() {
                c.prepare_cached(&format!(
                    "SELECT key, data FROM {} WHERE ?1 = ''",
                    self.table
                ))?
            } else {
                c.prepare_cached(&range_sql(self.table))?
            };
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
                (h.after)(&key, true);
            }
            return;
        }
        let (done, written) = tokio::sync::oneshot::channel();
        let start = {
            let mut q = self.queue();
            q.waiting.push(Put {
                key,
                data,
                news: self.on_put.clone().filter(|_| news),
                done: Some(done),
            });
            !std::mem::replace(&mut q.writing, true)
        };
        if start {
            let writer = Writer(Some(self.clone()));
            match tokio::runtime::Handle::try_current() {
                Ok(rt) => {
                    rt.spawn_blocking(move || writer.run());
                }
                Err(_) => writer.run(),
            }
        }
        // Answered unsent only if the writer never ran (the runtime stopping) or panicked.
        if written.await.is_err() {
            self.fail("put", "the writer stopped before writing".to_string());
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

#[cfg(test)]
mod tests {
    /// samod opens each document by its prefix: a seek in the key index, not a scan of every
    /// chunk (O(documents) for each, O(documents²) for a cold sync).
    #[test]
    fn a_prefix_is_found_through_the_key_index() {
        let dir = tempfile::tempdir().unwrap();
        let _home = crate::Home::open(dir.path()).unwrap();
        let conn = crate::home::connect(dir.path()).unwrap();
        for table in ["chunks", "twins"] {
            let sql = format!("EXPLAIN QUERY PLAN {}", super::range_sql(table));
            let mut stmt = conn.prepare(&sql).unwrap();
            let plan: Vec<String> = stmt
                .query_map(["doc"], |r| r.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(
                plan.iter().all(|p| !p.starts_with("SCAN")),
                "{table}: {plan:?}"
            );
            assert!(plan.iter().any(|p| p.contains("USING INDEX")), "{plan:?}");
        }
    }
}
