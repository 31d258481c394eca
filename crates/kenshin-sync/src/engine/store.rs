//! What crosses between the home and samod: keys samod stored (projected by the office) and changes
//! the home's own writers committed (fed to samod).

use super::*;
use std::time::Instant;
use tokio::sync::mpsc;

/// Told by the storage of every key it stores for samod, so the engine can project what arrived.
#[derive(Clone)]
pub struct StoreSignal {
    tx: mpsc::UnboundedSender<String>,
    pending: Arc<AtomicUsize>,
    known: Arc<Mutex<HashSet<String>>>,
}

impl StoreSignal {
    pub fn new() -> (StoreSignal, StoredKeys) {
        let (tx, rx) = mpsc::unbounded_channel();
        let pending = Arc::new(AtomicUsize::new(0));
        let known = Arc::new(Mutex::new(HashSet::new()));
        let signal = StoreSignal {
            tx,
            pending: pending.clone(),
            known: known.clone(),
        };
        (signal, StoredKeys { rx, pending, known })
    }

    /// Call before a key is stored: whether it is news. A key the home already held is a change
    /// that came from the home itself (fed to samod from SQLite, and stored back): nothing to project.
    pub fn claim(&self, key: &str) -> bool {
        self.known
            .lock()
            .is_ok_and(|mut known| known.insert(key.to_string()))
    }

    /// Call after a claimed key is durably stored.
    pub fn stored(&self, key: &str) {
        self.pending.fetch_add(1, Ordering::SeqCst);
        if self.tx.send(key.to_string()).is_err() {
            self.pending.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// The engine's end of a [`StoreSignal`].
pub struct StoredKeys {
    pub(super) rx: mpsc::UnboundedReceiver<String>,
    pub(super) pending: Arc<AtomicUsize>,
    pub(super) known: Arc<Mutex<HashSet<String>>>,
}

pub(super) fn doc_of_key(key: &str) -> Option<DocumentId> {
    key.split('/').next()?.parse().ok()
}

impl Engine {
    pub(super) async fn project_stored(self, mut rx: mpsc::UnboundedReceiver<String>) {
        let mut stopped = self.stopped();
        // When the last projection ended.
        let mut last: Option<Instant> = None;
        // Everything stored before the engine stopped is projected before it says so (`stop`).
        while let Some(first) = tokio::select! {
            k = rx.recv() => k,
            _ = &mut stopped => None,
        } {
            let mut keys = vec![first];
            // A key after a quiet moment (a sign-off) is projected at once; in a burst (a merge, a
            // cold sync) the engine waits a moment to take the rest in the same transaction.
            if last.is_some_and(|t| t.elapsed() < SETTLE) {
                tokio::time::sleep(SETTLE).await;
            }
            while let Ok(k) = rx.try_recv() {
                keys.push(k);
            }
            let mut docs: Vec<DocumentId> = Vec::new();
            for d in keys.iter().filter_map(|k| doc_of_key(k)) {
                if !docs.contains(&d) {
                    docs.push(d);
                }
            }
            let office = self.shared.office.clone();
            let n = docs.len();
            let result = tokio::task::spawn_blocking(move || office.stored(&docs)).await;
            last = Some(Instant::now());
            self.shared.pending.fetch_sub(keys.len(), Ordering::SeqCst);
            match result {
                Ok(Ok(scope)) => {
                    self.shared.scope_tx.send_replace(Arc::new(scope));
                    self.emit(Event::Stored { documents: n });
                    self.open_scope();
                }
                Ok(Err(why)) => tracing::error!(why, "projecting stored documents failed"),
                Err(e) => tracing::error!(%e, "projecting stored documents panicked"),
            }
        }
    }

    /// Changes committed by the home's own writers reach samod (and so the peers) within a poll.
    /// (A writer in this process says so at once, see `committed`; the poll finds the others'.)
    pub(super) async fn feed_local_changes(self) {
        let mut stopped = self.stopped();
        loop {
            tokio::select! {
                _ = tokio::time::sleep(LOCAL_POLL) => {}
                _ = self.shared.committed.notified() => {}
                _ = &mut stopped => return,
            }
            self.feed_local_once().await;
        }
    }

    /// A writer in this process (the app's window) committed to the home: its changes go to the
    /// peers now rather than at the next poll.
    pub fn committed(&self) {
        self.shared.committed.notify_one();
    }

    /// Hands samod every chunk the home's own writers committed since the last look. Also run before
    /// a connection starts, so a peer sees everything committed before it connected.
    pub(super) async fn feed_local_once(&self) {
        let _one_at_a_time = self.shared.feeding.lock().await;
        let office = self.shared.office.clone();
        let keys = match tokio::task::spawn_blocking(move || office.chunk_keys()).await {
            Ok(Ok(keys)) => keys.unwrap_or_default(),
            _ => return,
        };
        // Keys of documents samod has not opened yet wait here: a document being opened may have
        // been read from storage before the key was written.
        let mut todo: Vec<String> = self
            .shared
            .deferred
            .lock()
            .map(|mut d| d.drain().collect())
            .unwrap_or_default();
        // Documents with changes seen for the first time: their judging (and what sync shares: a new
        // batch, a list a batch now refers to) is done again.
        let mut fresh_docs: Vec<DocumentId> = Vec::new();
        if let Ok(known) = self.shared.known_keys.lock() {
            let fresh: Vec<String> = keys
                .into_iter()
                .filter(|k| !known.contains(k) && !todo.contains(k))
                .collect();
            for d in fresh.iter().filter_map(|k| doc_of_key(k)) {
                if !fresh_docs.contains(&d) {
                    fresh_docs.push(d);
                }
            }
            todo.extend(fresh);
        }
        for key in todo {
            let Some(doc) = doc_of_key(&key) else {
                continue;
            };
            let handle = self
                .shared
                .handles
                .lock()
                .ok()
                .and_then(|h| h.get(&doc).cloned());
            let Some(handle) = handle else {
                if let Ok(mut d) = self.shared.deferred.lock() {
                    d.insert(key);
                }
                continue;
            };
            // Claimed first, so samod storing it back is not taken for news.
            if let Ok(mut known) = self.shared.known_keys.lock() {
                known.insert(key.clone());
            }
            let office = self.shared.office.clone();
            let k = key.clone();
            if let Ok(Ok(Some(bytes))) = tokio::task::spawn_blocking(move || office.chunk(&k)).await
            {
                let _ = handle
                    .with_document_async(move |d| d.load_incremental(&bytes).map(|_| ()))
                    .await;
            }
        }
        if !fresh_docs.is_empty() {
            for doc in &fresh_docs {
                self.shared.signal.stored(&format!("{doc}/local"));
            }
            self.wait_projected().await;
        }
    }

    /// Waits until every key samod stored so far has been projected.
    pub(super) async fn wait_projected(&self) {
        while self.shared.pending.load(Ordering::SeqCst) > 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}
