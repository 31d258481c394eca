//! The sync engine: a samod repo on the home's storage, reached only through the authenticated
//! transport. It keeps the office's documents open (the office document, every batch it lists, every
//! list a batch refers to), tells the office when samod stored something (so projections follow),
//! feeds samod the changes the home's own writers (the CLI, the app) commit, and reports per-peer
//! status and events.

use crate::error::{Result, SyncError};
use crate::transport::{peer_id, Gate, Hello, Refusal};
use kenshin_domain::sync::SyncProgress;
use kenshin_trust::{NoiseKeys, Roster};
use samod::storage::Storage;
use samod::{DocHandle, DocumentId, Repo, ShareConfig};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, watch};

mod connect;
mod machine;
mod once;
mod peers;
mod sealed;
mod store;

pub use once::SyncReport;
pub use sealed::Sealed;
pub use store::{StoreSignal, StoredKeys};

/// What may sync now: the roster as judged, and the office's documents.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub roster: Roster,
    /// False until this home holds a roster (a laptop that joined but has not synced yet).
    pub joined: bool,
    pub documents: BTreeSet<DocumentId>,
    /// Documents that are one member's own (their access log: whom they looked up), by that member's
    /// id: shared with that member's laptop and with section members' only.
    pub owners: HashMap<DocumentId, String>,
    /// Documents a peer may rightly not have (a batch a section member filed finished, which
    /// contractor laptops let go; the lists of a 資格喪失者の削除, old where it holds, new where it
    /// does not): `sync --once` does not wait on one the peer says it does not have.
    pub optional: HashSet<DocumentId>,
    /// Documents held here as a section laptop holds them too (the lists a section member's filing
    /// names, which never change; a filed batch held exactly as filed): not opened, so not loaded,
    /// until a peer asks for one (a peer lacking one, or holding one otherwise, is not at rest with
    /// it and asks or offers as it connects) or a relay is to carry them; and not announced to
    /// member laptops when samod has them loaded (a laptop answered a request for one). At five
    /// years these are four years of annual lists and batches.
    pub dormant: HashSet<DocumentId>,
    /// The fiscal year of each document that belongs to one (a batch, its lists, a month's access
    /// log): toward a relay it is sealed under that year's key, which is destroyed with the year.
    pub years: HashMap<DocumentId, i32>,
}

impl Scope {
    /// Whether `other` shares, waits on and opens the same documents with the same peers (the
    /// roster judged the same way).
    pub fn shares_alike(&self, other: &Scope) -> bool {
        self.joined == other.joined
            && self.documents == other.documents
            && self.owners == other.owners
            && self.optional == other.optional
            && self.dormant == other.dormant
            && self.roster.digest() == other.roster.digest()
    }
}

/// What the engine asks of the office it syncs (kenshin-core implements it over the home).
pub trait Office: Gate {
    /// samod stored changes to `docs`: bring the projections up to date and say what to sync now.
    fn stored(&self, docs: &[DocumentId]) -> std::result::Result<Scope, String>;
    /// Keys of chunks the home's own writers stored: every chunk key at the first call, then those
    /// stored since the call before (they add some while the engine runs); `None` when nothing was
    /// committed since the last call.
    fn chunk_keys(&self) -> std::result::Result<Option<Vec<String>>, String>;
    /// The bytes of one chunk.
    fn chunk(&self, key: &str) -> std::result::Result<Option<Vec<u8>>, String>;
    /// The data keys this laptop holds for sealing toward a relay, judged from the office document
    /// and the key records a relay's keyring twin carries (`carried`, JSON); and the office
    /// document's key records as that twin carries them (id, JSON).
    #[allow(clippy::type_complexity)]
    fn keyring(
        &self,
        carried: &[String],
    ) -> std::result::Result<(kenshin_trust::sealing::Keyring, Vec<(String, String)>), String>;
    /// Writes what this laptop gives of the office's keys (shares for members who lack them, its own
    /// keys for fiscal years, a year's key for laptops that lack it, or a new one): whether it wrote.
    fn give_keys(&self) -> std::result::Result<bool, String>;
    /// Changes of `doc` opened from a relay's twin: into the home as its own writers' changes go
    /// (the engine then hands them to samod, and they are judged like any other). Only adds.
    fn accept(
        &self,
        doc: &DocumentId,
        changes: Vec<automerge::Change>,
    ) -> std::result::Result<(), String>;
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
    /// A destroyed laptop of `member` (their name) handed back its 消去証明, now in the office
    /// document.
    HandedBack {
        member: String,
    },
}

pub struct Config {
    /// The laptop's Noise keys (no member's secret is needed to sync).
    pub keys: Arc<NoiseKeys>,
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
    /// Documents open in samod (the machine decides which to open).
    handles: Mutex<HashMap<DocumentId, DocHandle>>,
    /// How many documents are being opened now.
    opening: watch::Sender<usize>,
    /// Chunk keys samod wrote or that were already fed to samod.
    known_keys: Arc<Mutex<HashSet<String>>>,
    events: broadcast::Sender<Event>,
    peers: Mutex<BTreeMap<String, PeerStatus>>,
    /// The machine's input (the storage's signal sends into it too).
    signal: StoreSignal,
    /// Set once the engine has stopped: its loops end, its listener and LAN announcement go.
    stopped: watch::Sender<bool>,
    /// Peers said to be in sync since they last fell behind or connected (see `status`).
    caught_up: Mutex<HashSet<String>>,
    /// Bytes received from peers since the engine started.
    received: Arc<AtomicU64>,
}

/// A running engine. Cloning shares it.
#[derive(Clone)]
pub struct Engine {
    shared: Arc<Shared>,
}

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
        let machine = machine::Machine::new(first);
        let (scope_tx, scope_rx) = watch::channel(machine.scope());
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
                opening: watch::channel(0).0,
                known_keys: keys.known.clone(),
                events,
                peers: Mutex::new(BTreeMap::new()),
                signal,
                stopped: watch::channel(false).0,
                caught_up: Mutex::new(HashSet::new()),
                received: Arc::new(AtomicU64::new(0)),
            }),
        };
        tokio::spawn(engine.clone().drive(machine, keys.rx));
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

    /// How far this laptop is with the office's documents: those in scope that are open (as
    /// `sync_once` counts them), of all in scope.
    pub fn progress(&self) -> SyncProgress {
        let scope = self.scope();
        let held = self.shared.handles.lock().map_or(0, |h| {
            scope
                .documents
                .iter()
                .filter(|d| h.contains_key(d) || scope.dormant.contains(d))
                .count()
        });
        SyncProgress {
            held,
            of: scope.documents.len(),
            bytes: self.shared.received.load(Ordering::Relaxed),
        }
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

    /// Stops syncing. When this returns, everything samod received is in storage and projected.
    pub async fn stop(self) {
        self.shared.repo.stop().await;
        self.wait_projected().await;
        self.shared.stopped.send_replace(true);
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
        Some(member)
            if scope
                .owners
                .get(doc)
                .is_some_and(|owner| owner != member && !in_section(&scope.roster, member)) =>
        {
            ShareConfig::none()
        }
        // A member laptop that lacks a dormant document, or holds it otherwise, asks or offers.
        Some(_) if scope.dormant.contains(doc) => ShareConfig::read_write().with_announce(false),
        _ => ShareConfig::read_write(),
    }
}

/// Whether `member` is a section member now.
fn in_section(roster: &Roster, member: &str) -> bool {
    roster.current(member).is_some_and(|e| {
        roster.as_of(e.member.clone(), chrono::Utc::now()).role == kenshin_domain::Role::Section
    })
}
