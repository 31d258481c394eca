//! The sync engine: a samod repo on the home's storage, reached only through the authenticated
//! transport. It keeps the office's documents open (the office document, every batch it lists, every
//! list a batch refers to), tells the office when samod stored something (so projections follow),
//! feeds samod the changes the home's own writers (the CLI, the app) commit, and reports per-peer
//! status and events.

use crate::error::{Result, SyncError};
use crate::transport::{self, peer_id, Authenticated, Gate, Hello, Refusal};
use automerge::ReadDoc;
use futures::future::BoxFuture;
use futures::StreamExt;
use kenshin_domain::sync::SyncProgress;
use kenshin_trust::{Keys, Roster};
use samod::storage::Storage;
use samod::{
    BackoffConfig, ConnectionId, DialError, Dialer, DialerHandle, DocHandle, DocumentId, Repo,
    ShareConfig,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, mpsc, watch};

/// What may sync now: the roster as judged, and the office's documents.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub roster: Roster,
    /// False until this home holds a roster (a laptop that joined but has not synced yet).
    pub joined: bool,
    pub documents: BTreeSet<DocumentId>,
}

/// What the engine asks of the office it syncs (kenshin-core implements it over the home).
pub trait Office: Gate {
    /// samod stored changes to `docs`: bring the projections up to date and say what to sync now.
    fn stored(&self, docs: &[DocumentId]) -> std::result::Result<Scope, String>;
    /// Keys of chunks the home holds (the home's own writers add some while the engine runs), or
    /// `None` when nothing was committed since the last call.
    fn chunk_keys(&self) -> std::result::Result<Option<Vec<String>>, String>;
    /// The bytes of one chunk.
    fn chunk(&self, key: &str) -> std::result::Result<Option<Vec<u8>>, String>;
    /// How many of `docs` the home holds (asked only when someone looks: see `progress`).
    fn held(&self, docs: &BTreeSet<DocumentId>) -> std::result::Result<usize, String>;
}

/// One laptop's view of a peer.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct PeerStatus {
    pub member: String,
    pub address: Option<String>,
    pub connected: bool,
    /// When a message last came from the peer (Unix milliseconds).
    pub last_seen: Option<u64>,
    /// When every document was last the same on both sides (Unix milliseconds).
    pub last_synced: Option<u64>,
    /// Documents that differ between the two laptops as far as this one knows.
    pub pending: usize,
}

/// Something the desktop app or `kenshin serve` shows as it happens.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Connected {
        member: String,
        address: String,
    },
    Disconnected {
        member: String,
    },
    /// A handshake at `address` ended in a refusal: the peer refused this laptop (`by_peer`), or
    /// this laptop refused the peer.
    Refused {
        address: String,
        by_peer: bool,
        why: Refusal,
    },
    /// Documents arrived from peers and are in the home.
    Stored {
        documents: usize,
    },
    Synced {
        member: String,
    },
}

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
    rx: mpsc::UnboundedReceiver<String>,
    pending: Arc<AtomicUsize>,
    known: Arc<Mutex<HashSet<String>>>,
}

pub struct Config {
    pub keys: Arc<Keys>,
    /// This laptop's member id.
    pub me: String,
    pub office_doc: DocumentId,
    pub hello: Hello,
}

struct Shared {
    repo: Repo,
    config: Config,
    office: Arc<dyn Office>,
    scope_tx: watch::Sender<Arc<Scope>>,
    handles: Mutex<HashMap<DocumentId, DocHandle>>,
    finding: Mutex<HashSet<DocumentId>>,
    /// Chunk keys samod wrote or that were already fed to samod.
    known_keys: Arc<Mutex<HashSet<String>>>,
    events: broadcast::Sender<Event>,
    peers: Mutex<BTreeMap<String, PeerStatus>>,
    signal: StoreSignal,
    pending: Arc<AtomicUsize>,
    /// One look for local changes at a time: a caller that must see everything committed so far
    /// waits for a look already under way.
    feeding: tokio::sync::Mutex<()>,
    /// Local changes to documents not open yet (fed once they are).
    deferred: Mutex<HashSet<String>>,
    /// Set once the engine has stopped: its loops end, its listener and LAN announcement go.
    stopped: watch::Sender<bool>,
    /// Peers said to be in sync since they last fell behind or connected (see `status`).
    caught_up: Mutex<HashSet<String>>,
    /// A writer in this process committed (see `committed`).
    committed: tokio::sync::Notify,
    /// Bytes received from peers since the engine started.
    received: Arc<AtomicU64>,
}

/// A running engine. Cloning shares it.
#[derive(Clone)]
pub struct Engine {
    shared: Arc<Shared>,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

fn doc_of_key(key: &str) -> Option<DocumentId> {
    key.split('/').next()?.parse().ok()
}

/// Dialing for one sync: a few quick attempts (samod 0.16 can fail the very first attempt of a new
/// dialer with "no dialer registered", a race inside `Repo::dial`).
const ONCE: BackoffConfig = BackoffConfig {
    initial_delay: Duration::from_millis(50),
    max_delay: Duration::from_millis(200),
    max_retries: Some(3),
};

/// Keys stored this soon after the last projection are a burst: the engine waits this long to take
/// the rest of it in one transaction.
const SETTLE: Duration = Duration::from_millis(5);
/// How often the engine looks for changes the home's own writers committed.
const LOCAL_POLL: Duration = Duration::from_millis(10);

impl Engine {
    /// Starts the engine on `storage`, which tells `signal` (made with `keys`) of every key it stores.
    pub async fn start<S: Storage + Clone + Send + Sync + 'static>(
        config: Config,
        storage: S,
        office: Arc<dyn Office>,
        signal: StoreSignal,
        keys: StoredKeys,
    ) -> Result<Engine> {
        let first = {
            let office = office.clone();
            tokio::task::spawn_blocking(move || office.stored(&[]))
                .await
                .map_err(|e| SyncError::Office(e.to_string()))?
                .map_err(SyncError::Office)?
        };
        let (scope_tx, scope_rx) = watch::channel(Arc::new(first));
        let policy = move |doc: DocumentId, peer: samod::PeerId| {
            let rx = scope_rx.clone();
            futures::stream::unfold((rx, true), move |(mut rx, first)| {
                let doc = doc.clone();
                let peer = peer.clone();
                async move {
                    if !first && rx.changed().await.is_err() {
                        return None;
                    }
                    let scope = rx.borrow_and_update().clone();
                    Some((share(&scope, &doc, &peer), (rx, false)))
                }
            })
        };
        let repo = Repo::build_tokio()
            .with_storage(storage)
            .with_peer_id(peer_id(&config.me))
            .with_share_policy(policy)
            .load()
            .await;
        if let Ok(mut k) = keys.known.lock() {
            k.extend(
                office
                    .chunk_keys()
                    .map_err(SyncError::Office)?
                    .unwrap_or_default(),
            );
        }
        let (events, _) = broadcast::channel(256);
        let engine = Engine {
            shared: Arc::new(Shared {
                repo,
                config,
                office,
                scope_tx,
                handles: Mutex::new(HashMap::new()),
                finding: Mutex::new(HashSet::new()),
                known_keys: keys.known.clone(),
                events,
                peers: Mutex::new(BTreeMap::new()),
                signal,
                pending: keys.pending,
                feeding: tokio::sync::Mutex::new(()),
                deferred: Mutex::new(HashSet::new()),
                stopped: watch::channel(false).0,
                caught_up: Mutex::new(HashSet::new()),
                committed: tokio::sync::Notify::new(),
                received: Arc::new(AtomicU64::new(0)),
            }),
        };
        engine.open_scope();
        tokio::spawn(engine.clone().project_stored(keys.rx));
        tokio::spawn(engine.clone().feed_local_changes());
        Ok(engine)
    }

    /// The office and this laptop's member id.
    pub(crate) fn identity(&self) -> (String, String) {
        (
            self.shared.config.office_doc.to_string(),
            self.shared.config.me.clone(),
        )
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.shared.events.subscribe()
    }

    fn emit(&self, e: Event) {
        tracing::info!(?e, "sync");
        let _ = self.shared.events.send(e);
    }

    pub(crate) fn scope(&self) -> Arc<Scope> {
        self.shared.scope_tx.borrow().clone()
    }

    pub(crate) fn scope_changes(&self) -> watch::Receiver<Arc<Scope>> {
        self.shared.scope_tx.subscribe()
    }

    /// How far this laptop is with the office's documents (a look at the home).
    pub fn progress(&self) -> SyncProgress {
        let scope = self.scope();
        SyncProgress {
            held: self.shared.office.held(&scope.documents).unwrap_or(0),
            of: scope.documents.len(),
            bytes: self.shared.received.load(Ordering::Relaxed),
        }
    }

    /// Opens (loads, or asks peers for) every document in scope that is not open yet.
    fn open_scope(&self) {
        let scope = self.scope();
        for doc in &scope.documents {
            if self
                .shared
                .handles
                .lock()
                .map(|h| h.contains_key(doc))
                .unwrap_or(true)
            {
                continue;
            }
            if !self
                .shared
                .finding
                .lock()
                .map(|mut f| f.insert(doc.clone()))
                .unwrap_or(false)
            {
                continue;
            }
            let engine = self.clone();
            let doc = doc.clone();
            tokio::spawn(async move {
                let found = engine.shared.repo.find(doc.clone()).await;
                if let Ok(Some(handle)) = found {
                    if let Ok(mut h) = engine.shared.handles.lock() {
                        h.insert(doc.clone(), handle);
                    }
                }
                if let Ok(mut f) = engine.shared.finding.lock() {
                    f.remove(&doc);
                }
            });
        }
    }

    async fn project_stored(self, mut rx: mpsc::UnboundedReceiver<String>) {
        let mut stopped = self.stopped();
        let mut last = Instant::now()
            .checked_sub(SETTLE)
            .unwrap_or_else(Instant::now);
        // Everything stored before the engine stopped is projected before it says so (`stop`).
        while let Some(first) = tokio::select! {
            k = rx.recv() => k,
            _ = &mut stopped => None,
        } {
            let mut keys = vec![first];
            // A key after a quiet moment (a sign-off) is projected at once; in a burst (a merge, a
            // cold sync) the engine waits a moment to take the rest in the same transaction.
            if last.elapsed() < SETTLE {
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
            last = Instant::now();
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
    async fn feed_local_changes(self) {
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

    /// Resolves once the engine has stopped.
    pub(crate) fn stopped(
        &self,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        let mut rx = self.shared.stopped.subscribe();
        Box::pin(async move {
            let _ = rx.wait_for(|s| *s).await;
        })
    }

    /// Hands samod every chunk the home's own writers committed since the last look. Also run before
    /// a connection starts, so a peer sees everything committed before it connected.
    async fn feed_local_once(&self) {
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

    /// Accepts laptops on `addr` until the engine stops. Returns the bound address.
    pub async fn listen(&self, addr: &str) -> Result<SocketAddr> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| SyncError::Io {
                addr: addr.to_string(),
                source,
            })?;
        let local = listener.local_addr().map_err(|source| SyncError::Io {
            addr: addr.to_string(),
            source,
        })?;
        let url = url::Url::parse(&format!("tcp://{local}"))
            .map_err(|e| SyncError::Protocol(e.to_string()))?;
        let acceptor = self
            .shared
            .repo
            .make_acceptor(url)
            .map_err(|_| SyncError::Stopped)?;
        self.report_disconnects(acceptor.clone());
        let engine = self.clone();
        let admission = Arc::new(transport::Admission::default());
        let mut stopped = self.stopped();
        tokio::spawn(async move {
            loop {
                // The listener goes with the engine, so the port is free again.
                let accepted = tokio::select! {
                    a = listener.accept() => a,
                    _ = &mut stopped => return,
                };
                let (stream, remote) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors, say: wait rather than spin.
                        tracing::warn!("accepting a connection: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let Some(admitted) = admission.enter(remote.ip()) else {
                    tracing::debug!("{remote}: too many handshakes under way; closed");
                    continue;
                };
                let engine = engine.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let _ = stream.set_nodelay(true);
                    let remote = remote.to_string();
                    // The roster and documents as committed now, before judging the laptop.
                    engine.feed_local_once().await;
                    let gate: &dyn Gate = engine.shared.office.as_ref();
                    let accepted = transport::accept(
                        stream,
                        &remote,
                        &engine.shared.config.keys,
                        &engine.shared.config.me,
                        gate,
                        &engine.shared.received,
                    )
                    .await;
                    drop(admitted);
                    match accepted {
                        Ok(auth) => {
                            let member = auth.member.clone();
                            engine.feed_local_once().await;
                            if acceptor.accept(auth.transport).is_ok() {
                                engine.connected(&member, &remote);
                                engine.cut_when_removed(member, auth.cut);
                            }
                        }
                        Err(e) => engine.emit(Event::Refused {
                            address: remote,
                            by_peer: false,
                            why: match e.refusal() {
                                Some((_, why)) => why.clone(),
                                None => Refusal::Other { why: e.to_string() },
                            },
                        }),
                    }
                });
            }
        });
        Ok(local)
    }

    /// Ends the connection with `member` as soon as the roster no longer holds them: a removal
    /// made here, or arriving from another laptop, cuts that laptop off at once.
    fn cut_when_removed(&self, member: String, cut: transport::Cut) {
        let mut scope = self.shared.scope_tx.subscribe();
        let mut stopped = self.stopped();
        tokio::spawn(async move {
            tokio::select! {
                removed = scope.wait_for(|s| s.joined && s.roster.current(&member).is_none()) => {
                    if removed.is_ok() {
                        tracing::info!(member, "removed from the roster: connection cut");
                        cut.cut();
                    }
                }
                _ = cut.closed() => {}
                _ = &mut stopped => {}
            }
        });
    }

    /// Marks peers whose inbound connection ended, and says so on the event stream.
    fn report_disconnects(&self, acceptor: samod::AcceptorHandle) {
        let engine = self.clone();
        tokio::spawn(async move {
            let mut events = acceptor.events();
            let mut members: HashMap<ConnectionId, String> = HashMap::new();
            while let Some(event) = events.next().await {
                match event {
                    samod::AcceptorEvent::ClientConnected {
                        peer_info,
                        connection_id,
                    } => {
                        let member = peer_info.peer_id.to_string();
                        members.insert(
                            connection_id,
                            member.trim_start_matches("kenshin-").to_string(),
                        );
                    }
                    samod::AcceptorEvent::ClientDisconnected { connection_id, .. } => {
                        let Some(member) = members.remove(&connection_id) else {
                            continue;
                        };
                        if let Ok(mut peers) = engine.shared.peers.lock() {
                            if let Some(p) = peers.get_mut(&member) {
                                p.connected = false;
                            }
                        }
                        engine.emit(Event::Disconnected { member });
                    }
                }
            }
        });
    }

    fn connected(&self, member: &str, address: &str) {
        if let Ok(mut peers) = self.shared.peers.lock() {
            let p = peers
                .entry(member.to_string())
                .or_insert_with(|| PeerStatus {
                    member: member.to_string(),
                    address: None,
                    connected: true,
                    last_seen: None,
                    last_synced: None,
                    pending: 0,
                });
            p.address = Some(address.to_string());
            p.connected = true;
            p.last_seen = Some(now_ms());
        }
        if let Ok(mut caught_up) = self.shared.caught_up.lock() {
            caught_up.remove(member);
        }
        self.emit(Event::Connected {
            member: member.to_string(),
            address: address.to_string(),
        });
        // A new peer may have the documents in scope that are still missing.
        self.open_scope();
    }

    /// Dials a peer and keeps the connection up (reconnecting with backoff) until the engine stops.
    pub fn dial(&self, address: &str, backoff: BackoffConfig) -> Result<DialerHandle<SyncError>> {
        let dialer = Arc::new(KenshinDialer {
            engine: self.clone(),
            address: address.to_string(),
            last_error: Arc::new(Mutex::new(None)),
        });
        self.shared
            .repo
            .dial(backoff, dialer)
            .map_err(|_| SyncError::Stopped)
    }

    /// Dials an automerge-repo WebSocket server (a relay between sites). The relay is not a member:
    /// it reads every document it relays. Use it only where that is acceptable.
    pub fn dial_relay(&self, url: &str) -> Result<DialerHandle> {
        let url = url::Url::parse(url)
            .map_err(|e| SyncError::Protocol(format!("relay address {url}: {e}")))?;
        self.shared
            .repo
            .dial_websocket(url, BackoffConfig::default())
            .map_err(|_| SyncError::Stopped)
    }

    /// Syncs with one peer until both hold the same heads of every document in scope, then returns.
    pub async fn sync_once(&self, address: &str, timeout: Duration) -> Result<SyncReport> {
        let dialer = Arc::new(KenshinDialer {
            engine: self.clone(),
            address: address.to_string(),
            last_error: Arc::new(Mutex::new(None)),
        });
        let handle = self
            .shared
            .repo
            .dial(ONCE, dialer.clone())
            .map_err(|_| SyncError::Stopped)?;
        self.settle_with(handle, address, timeout, false, |e| match e {
            samod::DialerFailed::PermanentFailure(e) => clone_error(&e),
            _ => {
                let why = dialer.last_error.lock().ok().and_then(|e| e.clone());
                SyncError::Protocol(format!(
                    "could not connect to {address}: {}",
                    why.unwrap_or_else(|| "no answer".into())
                ))
            }
        })
        .await
    }

    /// As [`Engine::sync_once`], through an automerge-repo sync server. That server (0.2.8, not
    /// sharing generously) stores what it is sent but never answers for a document it was not asked
    /// for, so through a relay "in sync" means: we hold its heads, and it was sent ours.
    pub async fn sync_once_relay(&self, url: &str, timeout: Duration) -> Result<SyncReport> {
        let parsed = url::Url::parse(url)
            .map_err(|e| SyncError::Protocol(format!("relay address {url}: {e}")))?;
        let handle = self
            .shared
            .repo
            .dial_websocket(parsed, ONCE)
            .map_err(|_| SyncError::Stopped)?;
        self.settle_with(handle, url, timeout, true, |e| {
            SyncError::Protocol(format!("could not connect to {url}: {e}"))
        })
        .await
    }

    async fn settle_with<E: std::error::Error + Send + Sync + 'static>(
        &self,
        handle: DialerHandle<E>,
        address: &str,
        timeout: Duration,
        relay: bool,
        failed: impl FnOnce(samod::DialerFailed<E>) -> SyncError,
    ) -> Result<SyncReport> {
        let started = Instant::now();
        let peer = handle.established().await.map_err(failed)?;
        let member = peer
            .peer_id
            .to_string()
            .trim_start_matches("kenshin-")
            .to_string();
        let conn = handle.connection_id().ok_or(SyncError::Stopped)?;
        let mut events = handle.events();
        let lost = async {
            while let Some(e) = events.next().await {
                if let samod::DialerEvent::Disconnected { reason } = e {
                    return reason;
                }
            }
            "the dialer stopped".to_string()
        };
        let settled = tokio::select! {
            r = tokio::time::timeout(timeout, self.settle(conn, relay)) => r,
            reason = lost => {
                handle.close();
                return Err(SyncError::Lost { peer: address.to_string(), reason });
            }
        };
        handle.close();
        let documents = settled.map_err(|_| SyncError::Timeout {
            what: format!("documents to match with {address}"),
            secs: timeout.as_secs(),
        })??;
        self.mark_synced(&member);
        Ok(SyncReport {
            member,
            documents,
            elapsed: started.elapsed(),
        })
    }

    /// Waits until every document in scope is open and the same on both ends of `conn`.
    async fn settle(&self, conn: ConnectionId, relay: bool) -> Result<usize> {
        loop {
            let scope = self.scope();
            let handles: Vec<DocHandle> = {
                let h = self.shared.handles.lock().map_err(|_| SyncError::Stopped)?;
                scope
                    .documents
                    .iter()
                    .filter_map(|d| h.get(d).cloned())
                    .collect()
            };
            if handles.len() < scope.documents.len() {
                self.open_scope();
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
            if relay {
                self.quiet(&handles, conn).await;
            } else {
                for h in &handles {
                    futures::join!(h.they_have_our_changes(conn), h.we_have_their_changes(conn));
                }
            }
            // What arrived may have widened the scope (a new batch, a new list): give samod a moment
            // to store it, wait for its projection, and settle only if nothing was projected since
            // this round's scope was taken (else the handles above may miss a new document).
            tokio::time::sleep(Duration::from_millis(50)).await;
            self.wait_projected().await;
            if Arc::ptr_eq(&scope, &self.scope()) {
                return Ok(handles.len());
            }
        }
    }

    /// Through a relay: every document's heads were sent, we hold every head it told us of, and
    /// nothing has come from it for a moment.
    async fn quiet(&self, handles: &[DocHandle], conn: ConnectionId) {
        const QUIET: Duration = Duration::from_millis(300);
        let mut since = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let settled = handles.iter().all(|h| {
                let state = h.peers().0.get(&conn).cloned();
                h.with_document(|d| {
                    let ours = d.get_heads();
                    state.is_some_and(|s| {
                        let sent = s.last_sent_heads.as_ref() == Some(&ours)
                            || s.shared_heads.as_ref() == Some(&ours);
                        let theirs = s
                            .their_heads
                            .as_ref()
                            .is_none_or(|t| t.iter().all(|c| d.get_change_by_hash(c).is_some()));
                        sent && theirs
                    })
                })
            });
            let received = self
                .shared
                .repo
                .connected_peers()
                .0
                .into_iter()
                .find(|c| c.id == conn)
                .and_then(|c| c.last_received);
            let recent = received.is_some_and(|t| {
                chrono::Utc::now()
                    .signed_duration_since(t)
                    .to_std()
                    .unwrap_or_default()
                    < QUIET
            });
            if !settled || recent {
                since = Instant::now();
            }
            if since.elapsed() >= QUIET {
                return;
            }
        }
    }

    /// Waits until every key samod stored so far has been projected.
    async fn wait_projected(&self) {
        while self.shared.pending.load(Ordering::SeqCst) > 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    fn mark_synced(&self, member: &str) {
        if let Ok(mut peers) = self.shared.peers.lock() {
            if let Some(p) = peers.get_mut(member) {
                p.last_synced = Some(now_ms());
                p.pending = 0;
            }
        }
        self.emit(Event::Synced {
            member: member.to_string(),
        });
    }

    /// Per peer: connected, last seen, last synced, documents pending.
    pub fn status(&self) -> Vec<PeerStatus> {
        let (conns, _) = self.shared.repo.connected_peers();
        let handles: Vec<(DocumentId, DocHandle)> = self
            .shared
            .handles
            .lock()
            .map(|h| h.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let heads: HashMap<DocumentId, Vec<automerge::ChangeHash>> = handles
            .iter()
            .map(|(id, h)| (id.clone(), h.with_document(|d| d.get_heads())))
            .collect();
        let mut peers = self
            .shared
            .peers
            .lock()
            .map(|p| p.clone())
            .unwrap_or_default();
        for p in peers.values_mut() {
            p.connected = false;
        }
        for c in conns {
            let Some(member) = c_peer(&c) else { continue };
            let pending = heads
                .iter()
                .filter(|(id, ours)| {
                    c.docs.get(*id).and_then(|d| d.shared_heads.as_ref()) != Some(*ours)
                })
                .count();
            let p = peers.entry(member.clone()).or_insert_with(|| PeerStatus {
                member: member.clone(),
                address: None,
                connected: true,
                last_seen: None,
                last_synced: None,
                pending,
            });
            p.connected = true;
            p.pending = pending;
            p.last_seen = c
                .last_received
                .map(|t| t.timestamp_millis().max(0) as u64)
                .or(p.last_seen);
            if pending == 0 {
                p.last_synced = Some(now_ms());
            }
        }
        if let Ok(mut stored) = self.shared.peers.lock() {
            stored.clone_from(&peers);
        }
        // A peer that has just caught up is news (the window's sync line follows it); it is news
        // again after it falls behind or reconnects.
        let mut news = Vec::new();
        if let Ok(mut caught_up) = self.shared.caught_up.lock() {
            for p in peers.values() {
                if p.connected && p.pending == 0 {
                    if caught_up.insert(p.member.clone()) {
                        news.push(p.member.clone());
                    }
                } else {
                    caught_up.remove(&p.member);
                }
            }
        }
        for member in news {
            self.emit(Event::Synced { member });
        }
        peers.into_values().collect()
    }

    /// Stops syncing. When this returns, everything samod received is in storage and projected.
    pub async fn stop(self) {
        self.shared.repo.stop().await;
        self.wait_projected().await;
        self.shared.stopped.send_replace(true);
    }
}

fn c_peer(c: &samod::ConnectionInfo) -> Option<String> {
    match &c.state {
        samod::ConnectionState::Connected { their_peer_id } => Some(
            their_peer_id
                .to_string()
                .trim_start_matches("kenshin-")
                .to_string(),
        ),
        _ => None,
    }
}

fn clone_error(e: &SyncError) -> SyncError {
    match e {
        SyncError::Refused { peer, why } => SyncError::Refused {
            peer: peer.clone(),
            why: why.clone(),
        },
        SyncError::UnknownPeer { peer, why } => SyncError::UnknownPeer {
            peer: peer.clone(),
            why: why.clone(),
        },
        other => SyncError::Protocol(other.to_string()),
    }
}

/// The share policy: only the office's documents, only with current members (or, before this home
/// has a roster, with the peer its invite led it to), and with any relay this laptop dialed itself.
fn share(scope: &Scope, doc: &DocumentId, peer: &samod::PeerId) -> ShareConfig {
    if !scope.documents.contains(doc) {
        return ShareConfig::none();
    }
    let peer = peer.to_string();
    match peer.strip_prefix("kenshin-") {
        Some(member) if scope.joined && scope.roster.current(member).is_none() => {
            ShareConfig::none()
        }
        _ => ShareConfig::read_write(),
    }
}

/// What one `sync_once` did.
#[derive(Debug, Clone)]
pub struct SyncReport {
    pub member: String,
    pub documents: usize,
    pub elapsed: Duration,
}

struct KenshinDialer {
    engine: Engine,
    address: String,
    /// Why the latest attempt failed, for the message when the retries run out.
    last_error: Arc<Mutex<Option<String>>>,
}

impl Dialer for KenshinDialer {
    type Error = SyncError;

    fn url(&self) -> url::Url {
        url::Url::parse(&format!("kenshin://{}", self.address)).unwrap_or_else(|_| {
            url::Url::parse("kenshin://invalid").expect("a constant url parses")
        })
    }

    fn connect(
        &self,
    ) -> BoxFuture<'static, std::result::Result<samod::Transport, DialError<SyncError>>> {
        let engine = self.engine.clone();
        let address = self.address.clone();
        let last_error = self.last_error.clone();
        let note = move |e: &SyncError| {
            if let Ok(mut l) = last_error.lock() {
                *l = Some(e.to_string());
            }
        };
        Box::pin(async move {
            let stream = TcpStream::connect(&address).await.map_err(|source| {
                let e = SyncError::Io {
                    addr: address.clone(),
                    source,
                };
                note(&e);
                DialError::transient(e)
            })?;
            let _ = stream.set_nodelay(true);
            engine.feed_local_once().await;
            let shared = &engine.shared;
            let gate: &dyn Gate = shared.office.as_ref();
            match transport::dial(
                stream,
                &address,
                &shared.config.keys,
                &shared.config.hello,
                gate,
                &shared.received,
            )
            .await
            {
                Ok(Authenticated {
                    transport,
                    member,
                    cut,
                    ..
                }) => {
                    engine.connected(&member, &address);
                    engine.cut_when_removed(member, cut);
                    Ok(transport)
                }
                // A refusal will not change by retrying; a broken connection might.
                Err(e) => match e.refusal() {
                    Some((by_peer, why)) => {
                        engine.emit(Event::Refused {
                            address: address.clone(),
                            by_peer,
                            why: why.clone(),
                        });
                        Err(DialError::PermanentFailure(e))
                    }
                    None => {
                        note(&e);
                        Err(DialError::transient(e))
                    }
                },
            }
        })
    }
}
