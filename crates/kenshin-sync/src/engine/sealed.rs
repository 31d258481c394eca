//! Sync through a relay, sealed: toward an automerge-repo sync server a laptop shares no real
//! document. For each document in scope it keeps a *twin* (its own id, derived under the office's
//! naming key) in a second samod repo on the home's `twins` table, whose root map holds sealed blobs:
//! the whole document the first time, then the changes the twin's blobs do not cover yet. What comes
//! back is opened, handed to the home as its own writers' changes are, and judged like any other.
//! Beside them a *keyring twin* carries the office's key records in the clear (signed records and
//! shares sealed to each laptop), so a member whose office document lags can still open new work.
//!
//! A twin is a map, never a list: twins made apart (each laptop starts one with the same first
//! change) merge without either side's blobs being hidden.

use super::once::{quiet, ONCE};
use super::*;
use automerge::transaction::Transactable;
use automerge::{
    ActorId, AutoCommit, ChangeHash, ReadDoc, ScalarValue, ScalarValueRef, ValueRef, ROOT,
};
use kenshin_trust::sealing::{Keyring, Unopened};
use samod::storage::StorageKey;
use samod::{ConnectionId, PeerId};
use sha2::Digest;
use std::time::Instant;

/// What one sealed sync through a relay did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Sealed {
    /// Blobs this laptop sealed and gave the relay.
    pub sealed: usize,
    /// Blobs opened (their changes taken, or already held).
    pub opened: usize,
    /// Blobs sealed under an epoch whose key this laptop lacks, by epoch.
    pub no_key: BTreeMap<u32, usize>,
    /// Blobs sealed under a fiscal year's key that has not reached this laptop yet.
    pub no_year_key: usize,
    /// Blobs refused: cut short, altered, or sealed for another document.
    pub refused: Vec<String>,
    /// The newest epoch holds a key this laptop was not given: it seals nothing until it is.
    pub missing_epoch: Option<u32>,
    /// Documents with work not sealed because their fiscal year's key has not reached this laptop
    /// yet (a laptop holding it shares it when this laptop's key for the year reaches it).
    pub waiting_year_key: usize,
}

const WHOLE: u8 = 0;
const CHANGES: u8 = 1;
/// The prefix of a blob's key in a twin.
const BLOB: &str = "b:";

/// A blob's plaintext: its kind, then the whole document, or its changes each with its length.
fn plaintext(kind: u8, body: impl IntoIterator<Item = Vec<u8>>) -> Vec<u8> {
    let mut out = vec![kind];
    for part in body {
        if kind == CHANGES {
            out.extend((part.len() as u32).to_be_bytes());
        }
        out.extend(part);
    }
    out
}

/// The changes a blob's plaintext holds, and what they cover: the document's heads for a whole one,
/// every change's hash otherwise. Taken from the content, never from what the blob says of itself.
fn parse(plain: &[u8]) -> std::result::Result<(Vec<automerge::Change>, Vec<ChangeHash>), String> {
    let take = |at: usize, n: usize| plain.get(at..at.checked_add(n)?);
    match plain.first() {
        Some(&WHOLE) => {
            let doc = automerge::Automerge::load(&plain[1..]).map_err(|e| e.to_string())?;
            Ok((doc.get_changes(&[]), doc.get_heads()))
        }
        Some(&CHANGES) => {
            let (mut at, mut changes) = (1, Vec::new());
            while at < plain.len() {
                let cut = || "cut short".to_string();
                let n =
                    u32::from_be_bytes(take(at, 4).ok_or_else(cut)?.try_into().map_err(|_| cut())?)
                        as usize;
                let bytes = take(at + 4, n).ok_or_else(cut)?.to_vec();
                changes.push(automerge::Change::from_bytes(bytes).map_err(|e| e.to_string())?);
                at += 4 + n;
            }
            let hashes = changes.iter().map(|c| c.hash()).collect();
            Ok((changes, hashes))
        }
        _ => Err("not a kind of blob this Kenshin knows".into()),
    }
}

/// A blob's key in its twin: named by its content, so the relay cannot replay it under new names.
fn blob_key(blob: &[u8]) -> String {
    format!("{BLOB}{}", &hex::encode(sha2::Sha256::digest(blob))[..24])
}

/// The most key records a keyring twin is read for (an office has tens).
const MAX_CARRIED: usize = 10_000;

/// The first change of twin `id`: the same bytes on every laptop, so twins started apart are one.
fn first_change(id: &[u8; 16]) -> (ChangeHash, Vec<u8>) {
    let mut doc = AutoCommit::new().with_actor(ActorId::from(&id[..]));
    doc.put(ROOT, "kenshin", "sealed")
        .expect("a put on a new document");
    doc.commit_with(automerge::transaction::CommitOptions::default().with_time(0));
    let change = doc
        .get_last_local_change()
        .expect("the change just made")
        .clone();
    (change.hash(), change.raw_bytes().to_vec())
}

struct Twin {
    handle: DocHandle,
    /// Blobs taken (opened or refused for good), by key.
    seen: HashSet<String>,
    /// Blobs under a key this laptop lacks, by key: the epoch of a data key, none for a year's key
    /// (counted in the report as they stand at the end; opened when the key comes).
    keyless: HashMap<String, Option<u32>>,
    /// What each opened blob covers (see [`parse`]), by key: only blobs still in the twin count,
    /// so what the relay deleted is sealed again.
    claims: HashMap<String, Vec<ChangeHash>>,
}

/// The twins of one laptop's documents toward one relay.
pub(super) struct Bridge<S> {
    engine: Engine,
    repo: Repo,
    storage: S,
    /// The home's documents (no hooks): what [`Bridge::offer`] reads.
    home: S,
    /// Documents whose changes came from the relay, not open in the engine yet.
    arrived: HashSet<DocumentId>,
    /// By the real document's id ("keyring" for the keyring twin).
    twins: HashMap<String, Twin>,
    /// The key records the keyring twin carries.
    carried: Vec<String>,
    report: Sealed,
}

const KEYRING: &str = "keyring";
/// How long one settle of `serve --relay` may take before it is tried again.
const SETTLE_AT_MOST: Duration = Duration::from_secs(600);

impl<S: Storage + Clone + Send + Sync + 'static> Bridge<S> {
    pub(super) async fn start(engine: &Engine, storage: S, home: S) -> Bridge<S> {
        // A peer id that names no member (the keyring twin still shows member ids).
        let mut random = [0u8; 8];
        rand_bytes(&mut random);
        let repo = Repo::build_tokio()
            .with_storage(storage.clone())
            .with_peer_id(PeerId::from(
                format!("kenshin-sealed-{}", hex::encode(random)).as_str(),
            ))
            .load()
            .await;
        Bridge {
            engine: engine.clone(),
            repo,
            storage,
            home,
            arrived: HashSet::new(),
            twins: HashMap::new(),
            carried: Vec::new(),
            report: Sealed::default(),
        }
    }

    async fn keyring(&self) -> Result<(Keyring, Vec<(String, String)>)> {
        let office = self.engine.shared.office.clone();
        let carried = self.carried.clone();
        off_thread(move || office.keyring(&carried))
            .await?
            .map_err(SyncError::Office)
    }

    /// The twin of `doc` (made with its first change when this laptop has none), open. Returns
    /// whether it was opened just now.
    async fn twin(&mut self, doc: &str, keyring: &Keyring) -> Result<bool> {
        if self.twins.contains_key(doc) {
            return Ok(false);
        }
        let bytes = match doc {
            KEYRING => Keyring::keyring_twin_id(&self.engine.shared.config.office_doc.to_string()),
            _ => keyring.twin_id(doc).ok_or(SyncError::NoDataKey)?,
        };
        let id = DocumentId::try_from(bytes.to_vec()).map_err(protocol)?;
        // Put again if samod compacted it away: the same change, taken once.
        let (hash, change) = first_change(&bytes);
        let first = StorageKey::incremental_path(&id, hash);
        if self.storage.load(first.clone()).await.is_none() {
            self.storage.put(first, change).await;
        }
        let handle = self
            .repo
            .find(id)
            .await
            .map_err(|_| SyncError::Stopped)?
            .ok_or_else(|| SyncError::Protocol(format!("the twin of {doc} did not open")))?;
        self.twins.insert(
            doc.to_string(),
            Twin {
                handle,
                seen: HashSet::new(),
                keyless: HashMap::new(),
                claims: HashMap::new(),
            },
        );
        Ok(true)
    }

    fn handles(&self) -> Vec<DocHandle> {
        self.twins.values().map(|t| t.handle.clone()).collect()
    }

    fn main_handle(&self, doc: &str) -> Option<DocHandle> {
        let id: DocumentId = doc.parse().ok()?;
        self.engine.shared.handles.lock().ok()?.get(&id).cloned()
    }

    /// The keyring twin's records: returns whether it carries any this laptop had not read.
    fn read_carried(&mut self) -> bool {
        let Some(twin) = self.twins.get(KEYRING) else {
            return false;
        };
        let carried: Vec<String> = twin.handle.with_document(|d| {
            d.map_range(ROOT, ..)
                .filter(|item| item.key.starts_with("k:") || item.key.starts_with("s:"))
                .filter_map(|item| match item.value {
                    ValueRef::Scalar(ScalarValueRef::Str(t)) => Some(t.to_string()),
                    _ => None,
                })
                .take(MAX_CARRIED)
                .collect()
        });
        let news = carried.len() != self.carried.len();
        self.carried = carried;
        news
    }

    /// Puts the office document's key records into the keyring twin (those it lacks).
    fn mirror(&self, records: &[(String, String)]) {
        if let Some(twin) = self.twins.get(KEYRING) {
            twin.handle.with_document(|d| {
                let missing: Vec<_> = records
                    .iter()
                    .filter(|(id, _)| d.get(ROOT, id).ok().flatten().is_none())
                    .collect();
                if !missing.is_empty() {
                    let _ = d.transact::<_, _, automerge::AutomergeError>(|tx| {
                        for (id, json) in missing {
                            tx.put(ROOT, id.as_str(), json.as_str())?;
                        }
                        Ok(())
                    });
                }
            });
        }
    }

    /// Opens the blobs not taken yet; hands the home what it lacks. Returns whether it handed any.
    async fn open(&mut self, keyring: &Keyring) -> Result<bool> {
        let mut accepted = false;
        let docs: Vec<String> = self
            .twins
            .keys()
            .filter(|d| *d != KEYRING)
            .cloned()
            .collect();
        for doc in docs {
            let main = self.main_handle(&doc);
            let Some(twin) = self.twins.get_mut(&doc) else {
                continue;
            };
            let blobs: Vec<(String, Vec<u8>)> = twin.handle.with_document(|d| {
                d.map_range(ROOT, ..)
                    .filter(|item| {
                        item.key.starts_with(BLOB) && !twin.seen.contains(item.key.as_ref())
                    })
                    .filter_map(|item| match item.value {
                        ValueRef::Scalar(ScalarValueRef::Bytes(b)) => {
                            Some((item.key.to_string(), b.to_vec()))
                        }
                        _ => None,
                    })
                    .collect()
            });
            for (key, blob) in blobs {
                let opened = if key != blob_key(&blob) {
                    Err("its name is not its content's".to_string())
                } else {
                    match keyring.open(&doc, &blob) {
                        Ok(plain) => off_thread(move || parse(&plain))
                            .await?
                            .map_err(|why| format!("opened, but holds no document: {why}")),
                        Err(Unopened::NoKey { epoch }) => {
                            twin.keyless.insert(key, Some(epoch));
                            continue;
                        }
                        Err(Unopened::NoYearKey { .. }) => {
                            twin.keyless.insert(key, None);
                            continue;
                        }
                        Err(Unopened::Broken(why)) => Err(why),
                    }
                };
                twin.keyless.remove(&key);
                let (changes, covers) = match opened {
                    Ok(opened) => opened,
                    Err(why) => {
                        tracing::warn!(key, why, "a blob from the relay was refused");
                        self.report.refused.push(format!("{key}: {why}"));
                        twin.seen.insert(key);
                        continue;
                    }
                };
                self.report.opened += 1;
                let held = main.as_ref().is_some_and(|m| {
                    m.with_document(|d| covers.iter().all(|h| d.get_change_by_hash(h).is_some()))
                });
                if !held {
                    let office = self.engine.shared.office.clone();
                    let id: DocumentId = doc.parse().map_err(protocol)?;
                    let to = id.clone();
                    let taken = off_thread(move || office.accept(&to, changes)).await?;
                    if let Err(why) = taken {
                        // Not taken: tried again in the next round.
                        tracing::warn!(key, why, "changes from the relay were not stored");
                        continue;
                    }
                    accepted = true;
                    self.arrived.insert(id);
                }
                twin.seen.insert(key.clone());
                twin.claims.insert(key, covers);
            }
        }
        Ok(accepted)
    }

    /// Waits (a few seconds at most) until the engine has opened the documents that came from the
    /// relay. samod keeps a document it found nowhere "requested" until a peer offers it, and
    /// never looks in storage for it again: a peer that reads the home offers them.
    async fn open_arrived(&mut self) {
        let missing = |b: &Self| -> Vec<DocumentId> {
            let open = b.engine.shared.handles.lock();
            b.arrived
                .iter()
                .filter(|d| !open.as_ref().is_ok_and(|h| h.contains_key(*d)))
                .cloned()
                .collect()
        };
        let mut offer = None;
        for round in 0..150 {
            if missing(self).is_empty() {
                break;
            }
            if round == 5 {
                offer = self.offer().await;
            }
            self.engine.open_scope();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if let Some(repo) = offer {
            repo.stop().await;
        }
        self.arrived = missing(self).into_iter().collect();
    }

    /// Opens every document in scope held here, the dormant ones too: the relay is to carry them
    /// all, and a document still loading would be missed.
    async fn wake(&self, scope: &Scope) {
        self.engine.want(&scope.dormant);
        self.engine.open_scope();
        self.engine.opened().await;
    }

    /// A peer of the engine's repo, in process, holding the home's documents: the engine asks it
    /// for any it is still requesting.
    async fn offer(&self) -> Option<Repo> {
        let (ours, theirs) = tokio::io::duplex(1 << 20);
        let acceptor = self
            .engine
            .shared
            .repo
            .make_acceptor(url::Url::parse("local://home").ok()?)
            .ok()?;
        acceptor
            .accept(samod::Transport::from_tokio_io(ours))
            .ok()?;
        let repo = Repo::build_tokio()
            .with_storage(self.home.clone())
            .with_peer_id(crate::transport::peer_id(&self.engine.shared.config.me))
            .load()
            .await;
        let dialer = Arc::new(Loopback(Mutex::new(Some(theirs))));
        let handle = repo.dial(ONCE, dialer).ok()?;
        handle.established().await.ok()?;
        Some(repo)
    }

    /// Seals what each document has beyond its twin's blobs. Returns how many blobs it sealed, and
    /// how many documents wait for their year's key.
    fn seal(&mut self, keyring: &Keyring, scope: &Scope) -> (usize, usize) {
        let (mut sealed, mut waiting) = (0, 0);
        for id in &scope.documents {
            let doc = id.to_string();
            let (Some(main), Some(twin)) = (self.main_handle(&doc), self.twins.get_mut(&doc))
            else {
                continue;
            };
            // What the blobs still in the twin cover (the relay may have deleted some).
            let present: HashSet<String> = twin.handle.with_document(|t| {
                t.map_range(ROOT, ..)
                    .map(|item| item.key.to_string())
                    .collect()
            });
            twin.claims.retain(|k, _| present.contains(k));
            let plain = main.with_document(|d| {
                let covered: Vec<ChangeHash> = twin
                    .claims
                    .values()
                    .flatten()
                    .filter(|h| d.get_change_by_hash(h).is_some())
                    .copied()
                    .collect();
                let heads = d.get_heads();
                if heads.is_empty() {
                    None
                } else if covered.is_empty() {
                    Some((plaintext(WHOLE, [d.save()]), heads))
                } else {
                    let changes = d.get_changes(&covered);
                    (!changes.is_empty()).then(|| {
                        let hashes = changes.iter().map(|c| c.hash()).collect();
                        let raw = changes.iter().map(|c| c.raw_bytes().to_vec());
                        (plaintext(CHANGES, raw), hashes)
                    })
                }
            });
            let Some((plain, covers)) = plain else {
                continue;
            };
            let year = scope.years.get(id).copied();
            let Some(blob) = keyring.seal(&doc, year, &plain) else {
                waiting += 1;
                continue;
            };
            let key = blob_key(&blob);
            twin.handle.with_document(|t| {
                let _ = t.transact::<_, _, automerge::AutomergeError>(|tx| {
                    tx.put(ROOT, key.as_str(), ScalarValue::Bytes(blob))?;
                    Ok(())
                });
            });
            twin.seen.insert(key.clone());
            twin.claims.insert(key, covers);
            sealed += 1;
        }
        (sealed, waiting)
    }

    /// Until the relay and this laptop hold the same: twins opened for every document in scope,
    /// what they bring taken (which may widen the scope), what this laptop has beyond them sealed.
    pub(super) async fn settle(&mut self, conn: ConnectionId) -> Result<()> {
        // Whether a twin opened since the relay last went quiet (or this is the first round).
        let mut fresh = true;
        loop {
            let scope = self.engine.scope();
            let (keyring, records) = self.keyring().await?;
            fresh |= self.twin(KEYRING, &keyring).await?;
            if keyring.named() {
                for doc in scope.documents.iter().map(|d| d.to_string()) {
                    fresh |= self.twin(&doc, &keyring).await?;
                }
            }
            if fresh {
                quiet(&self.repo, &self.handles(), conn).await;
                fresh = false;
            }
            if self.read_carried() {
                continue;
            }
            if !keyring.named() {
                return Err(SyncError::NoDataKey);
            }
            if self.open(&keyring).await? {
                self.engine.committed();
                self.engine.feed_local_once().await;
                self.open_arrived().await;
                self.engine.wait_projected().await;
                continue;
            }
            if !Arc::ptr_eq(&scope, &self.engine.scope()) {
                continue;
            }
            self.report.missing_epoch = keyring.missing_epoch();
            if keyring.can_seal() {
                // Keys this laptop gives or makes go out in this settle (a year's key for a laptop
                // whose own key for the year just arrived), and seal with the keyring they change;
                // so do those the projection of what arrived gave.
                let office = self.engine.shared.office.clone();
                let gave = off_thread(move || office.give_keys()).await?;
                self.engine.committed();
                self.engine.feed_local_once().await;
                if gave.map_err(SyncError::Office)? {
                    continue;
                }
                self.mirror(&records);
                self.wake(&scope).await;
                let (sealed, waiting) = self.seal(&keyring, &scope);
                self.report.sealed += sealed;
                self.report.waiting_year_key = waiting;
                if sealed > 0 {
                    quiet(&self.repo, &self.handles(), conn).await;
                }
            }
            return Ok(());
        }
    }

    pub(super) async fn stop(mut self) -> Sealed {
        self.repo.stop().await;
        for lacking in self.twins.values().flat_map(|t| t.keyless.values()) {
            match lacking {
                Some(epoch) => *self.report.no_key.entry(*epoch).or_default() += 1,
                None => self.report.no_year_key += 1,
            }
        }
        self.report
    }
}

/// One end of an in-process pipe, dialed once.
struct Loopback(Mutex<Option<tokio::io::DuplexStream>>);

impl samod::Dialer for Loopback {
    type Error = std::io::Error;

    fn url(&self) -> url::Url {
        url::Url::parse("local://engine").expect("a constant url parses")
    }

    fn connect(
        &self,
    ) -> futures::future::BoxFuture<
        'static,
        std::result::Result<samod::Transport, samod::DialError<std::io::Error>>,
    > {
        let stream = self.0.lock().ok().and_then(|mut s| s.take());
        Box::pin(async move {
            stream.map(samod::Transport::from_tokio_io).ok_or_else(|| {
                samod::DialError::PermanentFailure(std::io::Error::other("dialed once"))
            })
        })
    }
}

/// Runs `work` on a blocking thread (the home's reads and writes, loading a document).
async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| SyncError::Office(e.to_string()))
}

fn relay_url(url: &str) -> Result<url::Url> {
    url::Url::parse(url).map_err(|e| SyncError::Protocol(format!("relay address {url}: {e}")))
}

fn protocol(e: impl std::fmt::Display) -> SyncError {
    SyncError::Protocol(e.to_string())
}

fn rand_bytes(out: &mut [u8]) {
    use rand_core::RngCore;
    rand_core::OsRng.fill_bytes(out);
}

impl Engine {
    /// Syncs through an automerge-repo sync server, sealed: the relay stores and forwards only
    /// twins it cannot read. Returns once this laptop holds what the relay holds and the relay was
    /// sent all this laptop has (see [`quiet`]).
    pub async fn sync_once_relay<S: Storage + Clone + Send + Sync + 'static>(
        &self,
        url: &str,
        timeout: Duration,
        twins: S,
        home: S,
    ) -> Result<SyncReport> {
        let started = Instant::now();
        let parsed = relay_url(url)?;
        self.feed_local_once().await;
        let mut bridge = Bridge::start(self, twins, home).await;
        let handle = bridge
            .repo
            .dial_websocket(parsed, ONCE)
            .map_err(|_| SyncError::Stopped)?;
        let outcome = async {
            handle
                .established()
                .await
                .map_err(|e| SyncError::Unreachable {
                    address: url.to_string(),
                    why: e.to_string(),
                })?;
            let conn = handle.connection_id().ok_or(SyncError::Stopped)?;
            tokio::time::timeout(timeout, bridge.settle(conn))
                .await
                .map_err(|_| SyncError::Timeout {
                    what: format!("the relay {url}"),
                    secs: timeout.as_secs(),
                })?
        }
        .await;
        handle.close();
        let documents = bridge.twins.len().saturating_sub(1);
        let sealed = bridge.stop().await;
        outcome?;
        Ok(SyncReport {
            member: url.to_string(),
            documents,
            elapsed: started.elapsed(),
            sealed: Some(sealed),
        })
    }

    /// Keeps syncing through a relay, sealed, until the engine stops: a settle every `every` (each
    /// given up after [`SETTLE_AT_MOST`], so a relay that never goes quiet cannot hold it).
    pub fn dial_relay<S: Storage + Clone + Send + Sync + 'static>(
        &self,
        url: &str,
        twins: S,
        home: S,
        every: Duration,
    ) -> Result<()> {
        let parsed = relay_url(url)?;
        let engine = self.clone();
        let url = url.to_string();
        tokio::spawn(async move {
            let mut bridge = Bridge::start(&engine, twins, home).await;
            let Ok(handle) = bridge
                .repo
                .dial_websocket(parsed, samod::BackoffConfig::default())
            else {
                return;
            };
            let mut stopped = engine.stopped();
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = &mut stopped => break,
                }
                let Some(conn) = handle.connection_id() else {
                    continue;
                };
                match tokio::time::timeout(SETTLE_AT_MOST, bridge.settle(conn)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::warn!(url, %e, "sealed sync through the relay"),
                    Err(_) => tracing::warn!(url, "sealed sync through the relay: no end in sight"),
                }
            }
            handle.close();
            bridge.stop().await;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blob_covers_what_it_holds_and_a_cut_one_does_not_read() {
        let mut doc = AutoCommit::new();
        for i in 0..3 {
            doc.put(ROOT, "n", i as i64).unwrap();
            doc.commit();
        }
        let changes = doc.get_changes(&[]);
        let raw: Vec<Vec<u8>> = changes.iter().map(|c| c.raw_bytes().to_vec()).collect();
        let plain = plaintext(CHANGES, raw);
        let (back, covers) = parse(&plain).unwrap();
        assert_eq!(back.len(), 3);
        assert_eq!(covers, changes.iter().map(|c| c.hash()).collect::<Vec<_>>());
        let (all, heads) = parse(&plaintext(WHOLE, [doc.save()])).unwrap();
        assert_eq!((all.len(), heads), (3, doc.get_heads()));
        for cut in [0, 1, 3, plain.len() - 1] {
            assert!(parse(&plain[..cut]).is_err() || cut == 1, "cut at {cut}");
        }
        assert!(parse(&plaintext(7, [])).is_err(), "an unknown kind");
        assert!(parse(&plaintext(WHOLE, [b"not a document".to_vec()])).is_err());
    }

    #[test]
    fn every_laptop_starts_a_twin_with_the_same_change() {
        let (a, b) = (first_change(&[7; 16]), first_change(&[7; 16]));
        assert_eq!(a, b);
        assert_ne!(a.0, first_change(&[8; 16]).0);
    }
}
