//! The engine's decisions, without IO, in samod-core's shape: inputs in, effects out. It decides when
//! what samod stored is projected (one projection at a time, a burst taken in one transaction), when
//! the home's own commits are looked for and handed to samod, which documents to open, and when a
//! caller waiting for "everything so far" may go on. The driver (`store.rs`) runs the effects and
//! reports their outcomes back as inputs; the tests below run it with no samod, no SQLite, no TCP.
//!
//! `W` is a waiter: whatever the driver answers when a wait is over (a oneshot sender there, a
//! number in the tests).

use super::{Event, Scope};
use samod::DocumentId;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Keys stored this soon after the last projection are a burst: the rest of it is awaited this long
/// and taken in the same transaction.
pub(super) const SETTLE: Duration = Duration::from_millis(5);

pub(crate) enum Input<W> {
    /// The storage took a key the home did not hold, to write it: a wait for projection waits for
    /// its [`Input::Stored`] or [`Input::NotStored`] too.
    Storing,
    /// samod durably stored a key the home did not hold.
    Stored(String),
    /// A key the storage took was not stored (its document was deleted here, or the write failed).
    NotStored,
    /// A writer in this process committed to the home.
    Committed,
    /// The regular look for commits by other processes on the home.
    Poll,
    /// The time asked for with [`Effect::WakeAt`] has come.
    Woke,
    /// The waiter goes on once everything committed in the home so far is in samod and projected.
    FeedLocal(W),
    /// The waiter goes on once everything stored so far is projected.
    Flush(W),
    /// A projection ended: the scope it gave, or why it failed.
    Projected(Result<Arc<Scope>, String>),
    /// The home's chunk keys that samod does not hold yet (as far as the driver knows).
    Listed(Vec<String>),
    /// Keys asked for with [`Effect::Feed`] are in samod; `look` as it was asked.
    Fed { look: bool },
    /// A document asked for with [`Effect::Open`] is open (`found`) or is nowhere to be had yet.
    Opened { doc: DocumentId, found: bool },
    /// Something may hold documents still missing (a peer connected, a sync waits for them).
    OpenScope,
    /// A dormant document is wanted (a peer asked for it, a relay is to carry it): open it.
    Want(DocumentId),
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Effect<W> {
    /// Project what samod stored to these documents (`Office::stored`).
    Project(Vec<DocumentId>),
    /// Report [`Input::Woke`] at this time.
    WakeAt(Instant),
    /// List the home's chunk keys samod does not hold (`Office::chunk_keys`).
    List,
    /// Hand these keys' chunks to their (open) documents in samod.
    Feed {
        keys: Vec<(DocumentId, String)>,
        look: bool,
    },
    /// Load the document from storage, or ask the peers for it.
    Open(DocumentId),
    /// What may sync now changed: see [`Machine::scope`].
    NewScope,
    Emit(Event),
    /// The wait is over.
    Done(W),
}

/// Where the look for the home's own commits is.
#[derive(Debug, PartialEq, Eq)]
enum Look {
    Idle,
    Listing,
    Feeding,
}

pub(crate) struct Machine<W> {
    scope: Arc<Scope>,
    /// Documents to project, in the order their keys arrived.
    waiting: Vec<DocumentId>,
    /// The number of documents being projected, if one projection is under way.
    projecting: Option<usize>,
    last_projected: Option<Instant>,
    /// A wake is asked for: the burst is being awaited.
    settling: bool,
    /// Waiting for the projection to be idle.
    flushes: Vec<W>,
    /// Keys the storage took and has not stored yet (it writes them on a thread of its own).
    storing: usize,
    look: Look,
    /// Another look is due when this one ends (a commit or a poll came during it).
    look_again: bool,
    /// Documents the look under way is feeding: judged again once fed (not meanwhile: the judging
    /// and the feeding read the same home).
    fed: Vec<DocumentId>,
    /// Answered when the look under way ends (then they wait for projection, see `flushes`).
    looking: Vec<W>,
    /// Arrived during a look that may have begun before their commits: they wait for the next one.
    next_look: Vec<W>,
    /// Local keys of documents not open yet, fed when they open.
    deferred: HashMap<DocumentId, Vec<String>>,
    open: HashSet<DocumentId>,
    opening: HashSet<DocumentId>,
    /// Dormant documents opened all the same (see [`Scope::dormant`]).
    wanted: HashSet<DocumentId>,
}

impl<W> Machine<W> {
    pub(crate) fn new(scope: Scope) -> Machine<W> {
        Machine {
            scope: Arc::new(scope),
            waiting: Vec::new(),
            projecting: None,
            last_projected: None,
            settling: false,
            flushes: Vec::new(),
            storing: 0,
            look: Look::Idle,
            look_again: false,
            fed: Vec::new(),
            looking: Vec::new(),
            next_look: Vec::new(),
            deferred: HashMap::new(),
            open: HashSet::new(),
            opening: HashSet::new(),
            wanted: HashSet::new(),
        }
    }

    /// The first effects: open the documents in scope.
    pub(crate) fn start(&mut self) -> Vec<Effect<W>> {
        self.open_scope()
    }

    pub(crate) fn step(&mut self, input: Input<W>, now: Instant) -> Vec<Effect<W>> {
        let mut out = Vec::new();
        match input {
            Input::Storing => self.storing += 1,
            Input::Stored(key) => {
                self.storing = self.storing.saturating_sub(1);
                if let Some(doc) = doc_of_key(&key) {
                    self.wait_for(doc);
                }
            }
            Input::NotStored => self.storing = self.storing.saturating_sub(1),
            Input::Committed => self.ask_look(&mut out),
            // A poll during a look is not another: the next one comes soon enough, and each look
            // holds the home a moment that a projection may be waiting for.
            Input::Poll => {
                if self.look == Look::Idle {
                    self.begin_look(&mut out);
                }
            }
            Input::FeedLocal(w) => {
                match self.look {
                    Look::Idle => self.looking.push(w),
                    _ => self.next_look.push(w),
                }
                self.ask_look(&mut out);
            }
            Input::Flush(w) => self.flushes.push(w),
            Input::Woke => self.settling = false,
            Input::Projected(result) => {
                let documents = self.projecting.take().unwrap_or_default();
                self.last_projected = Some(now);
                match result {
                    Ok(scope) => {
                        self.scope = scope;
                        out.push(Effect::NewScope);
                        out.push(Effect::Emit(Event::Stored { documents }));
                        out.extend(self.open_scope());
                    }
                    Err(why) => tracing::error!(why, "projecting stored documents failed"),
                }
            }
            Input::Listed(keys) => self.listed(keys, &mut out),
            Input::Fed { look } => {
                if look {
                    self.end_look(&mut out);
                }
            }
            Input::Opened { doc, found } => {
                self.opening.remove(&doc);
                if found {
                    self.open.insert(doc.clone());
                    if let Some(keys) = self.deferred.remove(&doc) {
                        out.push(Effect::Feed {
                            keys: keys.into_iter().map(|k| (doc.clone(), k)).collect(),
                            look: false,
                        });
                    }
                }
            }
            Input::OpenScope => out.extend(self.open_scope()),
            Input::Want(doc) => {
                self.wanted.insert(doc);
                out.extend(self.open_scope());
            }
        }
        self.project(now, &mut out);
        out
    }

    /// What may sync now, as the last projection said.
    pub(crate) fn scope(&self) -> Arc<Scope> {
        self.scope.clone()
    }

    /// How many documents in scope are open.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.scope
            .documents
            .iter()
            .filter(|d| self.open.contains(*d))
            .count()
    }

    fn wait_for(&mut self, doc: DocumentId) {
        if !self.waiting.contains(&doc) {
            self.waiting.push(doc);
        }
    }

    /// Starts a projection if one is due, or asks to be woken when the burst has had its moment;
    /// says the wait is over to those waiting when there is nothing left to project.
    fn project(&mut self, now: Instant, out: &mut Vec<Effect<W>>) {
        if self.projecting.is_some() || self.settling {
            return;
        }
        if self.waiting.is_empty() {
            if self.storing == 0 {
                out.extend(self.flushes.drain(..).map(Effect::Done));
            }
            return;
        }
        // A key after a quiet moment (a sign-off) is projected at once; in a burst (a merge, a cold
        // sync) the rest of it is awaited a moment to be taken in the same transaction.
        if let Some(last) = self.last_projected {
            if now < last + SETTLE {
                self.settling = true;
                out.push(Effect::WakeAt(now + SETTLE));
                return;
            }
        }
        let docs = std::mem::take(&mut self.waiting);
        self.projecting = Some(docs.len());
        out.push(Effect::Project(docs));
    }

    fn ask_look(&mut self, out: &mut Vec<Effect<W>>) {
        if self.look == Look::Idle {
            self.begin_look(out);
        } else {
            self.look_again = true;
        }
    }

    fn begin_look(&mut self, out: &mut Vec<Effect<W>>) {
        self.look = Look::Listing;
        self.look_again = false;
        self.looking.append(&mut self.next_look);
        out.push(Effect::List);
    }

    fn listed(&mut self, keys: Vec<String>, out: &mut Vec<Effect<W>>) {
        let mut feed = Vec::new();
        for key in keys {
            let Some(doc) = doc_of_key(&key) else {
                continue;
            };
            if self.open.contains(&doc) {
                if !self.fed.contains(&doc) {
                    self.fed.push(doc.clone());
                }
                feed.push((doc, key));
                continue;
            }
            // A document being opened may have been read from storage before the key was written:
            // the key waits until it is open.
            let keys = self.deferred.entry(doc.clone()).or_default();
            if !keys.contains(&key) {
                keys.push(key);
                self.wait_for(doc);
            }
        }
        if feed.is_empty() {
            self.end_look(out);
        } else {
            self.look = Look::Feeding;
            out.push(Effect::Feed {
                keys: feed,
                look: true,
            });
        }
    }

    fn end_look(&mut self, out: &mut Vec<Effect<W>>) {
        self.look = Look::Idle;
        // Judged again: a new batch, or a list a batch now refers to, widens what sync shares.
        for doc in std::mem::take(&mut self.fed) {
            self.wait_for(doc);
        }
        // What the look fed is projected before they go on.
        self.flushes.append(&mut self.looking);
        // (A waiter for the next look asked for it too: `look_again` is set.)
        if self.look_again {
            self.begin_look(out);
        }
    }

    fn open_scope(&mut self) -> Vec<Effect<W>> {
        let mut out = Vec::new();
        for doc in &self.scope.documents {
            let asleep = self.scope.dormant.contains(doc) && !self.wanted.contains(doc);
            if !asleep && !self.open.contains(doc) && self.opening.insert(doc.clone()) {
                out.push(Effect::Open(doc.clone()));
            }
        }
        out
    }
}

pub(super) fn doc_of_key(key: &str) -> Option<DocumentId> {
    key.split('/').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(n: u8) -> DocumentId {
        DocumentId::try_from(vec![n; 16]).expect("16 bytes are a document id")
    }

    fn key(n: u8, chunk: &str) -> String {
        format!("{}/incremental/{chunk}", doc(n))
    }

    fn scope(docs: &[u8]) -> Scope {
        Scope {
            documents: docs.iter().map(|n| doc(*n)).collect(),
            ..Scope::default()
        }
    }

    /// A machine whose documents in scope are all open.
    fn opened(docs: &[u8]) -> Machine<u32> {
        let mut m = Machine::new(scope(docs));
        let at = Instant::now();
        m.start();
        for n in docs {
            m.step(
                Input::Opened {
                    doc: doc(*n),
                    found: true,
                },
                at,
            );
        }
        m
    }

    fn projects(effects: &[Effect<u32>]) -> Option<Vec<DocumentId>> {
        effects.iter().find_map(|e| match e {
            Effect::Project(d) => Some(d.clone()),
            _ => None,
        })
    }

    fn done(effects: &[Effect<u32>]) -> Vec<u32> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Done(w) => Some(*w),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_documents_in_scope_open_once_each() {
        let mut m: Machine<u32> = Machine::new(scope(&[1, 2]));
        let first = m.start();
        assert_eq!(first, vec![Effect::Open(doc(1)), Effect::Open(doc(2))]);
        let at = Instant::now();
        // Still being opened: not asked again when a peer connects.
        assert!(m.step(Input::OpenScope, at).is_empty());
        m.step(
            Input::Opened {
                doc: doc(1),
                found: true,
            },
            at,
        );
        m.step(
            Input::Opened {
                doc: doc(2),
                found: false,
            },
            at,
        );
        assert_eq!(m.held(), 1);
        // Nowhere to be had yet: asked again when a peer connects, the open one is not.
        assert_eq!(m.step(Input::OpenScope, at), vec![Effect::Open(doc(2))]);
    }

    #[test]
    fn a_dormant_document_opens_only_when_wanted() {
        let mut m: Machine<u32> = Machine::new(Scope {
            dormant: [doc(2)].into(),
            ..scope(&[1, 2])
        });
        assert_eq!(m.start(), vec![Effect::Open(doc(1))]);
        let at = Instant::now();
        assert!(m.step(Input::OpenScope, at).is_empty());
        assert_eq!(m.step(Input::Want(doc(2)), at), vec![Effect::Open(doc(2))]);
        assert!(m.step(Input::Want(doc(2)), at).is_empty(), "once");
    }

    #[test]
    fn a_key_after_a_quiet_moment_is_projected_at_once_a_burst_together() {
        let mut m = opened(&[1, 2, 3]);
        let t0 = Instant::now();
        let out = m.step(Input::Stored(key(1, "a")), t0);
        assert_eq!(projects(&out), Some(vec![doc(1)]));
        // One projection at a time: keys arriving meanwhile wait.
        assert_eq!(projects(&m.step(Input::Stored(key(2, "a")), t0)), None);
        let out = m.step(Input::Projected(Ok(Arc::new(scope(&[1, 2, 3])))), t0);
        assert!(out.contains(&Effect::Emit(Event::Stored { documents: 1 })));
        // Right after a projection, the burst is given its moment.
        assert_eq!(projects(&out), None);
        assert!(out.contains(&Effect::WakeAt(t0 + SETTLE)));
        assert!(m.step(Input::Stored(key(3, "a")), t0).is_empty());
        assert!(m.step(Input::Stored(key(2, "b")), t0).is_empty());
        let out = m.step(Input::Woke, t0 + SETTLE);
        assert_eq!(projects(&out), Some(vec![doc(2), doc(3)]));
        // Quiet again: the next key goes at once.
        m.step(
            Input::Projected(Ok(Arc::new(scope(&[1, 2, 3])))),
            t0 + SETTLE,
        );
        let later = t0 + SETTLE * 3;
        assert_eq!(
            projects(&m.step(Input::Stored(key(1, "b")), later)),
            Some(vec![doc(1)])
        );
    }

    #[test]
    fn a_failed_projection_is_not_a_new_scope_and_the_next_one_goes_on() {
        let mut m = opened(&[1]);
        let t0 = Instant::now();
        m.step(Input::Stored(key(1, "a")), t0);
        m.step(Input::Stored(key(1, "b")), t0);
        let out = m.step(Input::Projected(Err("disk full".into())), t0);
        assert!(!out.iter().any(|e| matches!(e, Effect::NewScope)));
        let out = m.step(Input::Woke, t0 + SETTLE);
        assert_eq!(projects(&out), Some(vec![doc(1)]));
    }

    #[test]
    fn a_wait_ends_when_everything_stored_before_it_is_projected() {
        let mut m = opened(&[1]);
        let t0 = Instant::now();
        // Nothing stored: at once.
        assert_eq!(done(&m.step(Input::Flush(7), t0)), vec![7]);
        m.step(Input::Stored(key(1, "a")), t0);
        assert!(done(&m.step(Input::Flush(8), t0)).is_empty());
        // A key stored meanwhile is waited for too.
        m.step(Input::Stored(key(1, "b")), t0);
        assert!(done(&m.step(Input::Projected(Ok(Arc::new(scope(&[1])))), t0)).is_empty());
        assert!(done(&m.step(Input::Woke, t0 + SETTLE)).is_empty());
        let out = m.step(Input::Projected(Ok(Arc::new(scope(&[1])))), t0 + SETTLE);
        assert_eq!(done(&out), vec![8]);
    }

    /// The storage writes on a thread of its own: a key it took and has not written yet is waited
    /// for (its document may widen the scope), whether it ends stored or not.
    #[test]
    fn a_wait_ends_only_once_the_keys_being_written_are_done() {
        let mut m = opened(&[1]);
        let t0 = Instant::now();
        m.step(Input::Storing, t0);
        m.step(Input::Storing, t0);
        assert!(done(&m.step(Input::Flush(7), t0)).is_empty());
        assert!(done(&m.step(Input::NotStored, t0)).is_empty());
        let out = m.step(Input::Stored(key(1, "a")), t0);
        assert_eq!(projects(&out), Some(vec![doc(1)]));
        assert!(done(&out).is_empty());
        let out = m.step(Input::Projected(Ok(Arc::new(scope(&[1])))), t0);
        assert_eq!(done(&out), vec![7]);
    }

    #[test]
    fn the_homes_own_commits_are_fed_then_projected_before_a_connection_goes_on() {
        let mut m = opened(&[1]);
        let t0 = Instant::now();
        assert_eq!(m.step(Input::FeedLocal(1), t0), vec![Effect::List]);
        let out = m.step(Input::Listed(vec![key(1, "x")]), t0);
        assert_eq!(
            out,
            vec![Effect::Feed {
                keys: vec![(doc(1), key(1, "x"))],
                look: true
            }]
        );
        // Fed; the document it changed is judged again before the wait ends.
        let out = m.step(Input::Fed { look: true }, t0);
        assert_eq!(projects(&out), Some(vec![doc(1)]));
        assert!(done(&out).is_empty());
        let out = m.step(Input::Projected(Ok(Arc::new(scope(&[1])))), t0);
        assert_eq!(done(&out), vec![1]);
    }

    #[test]
    fn one_look_at_a_time_and_a_commit_during_one_brings_another() {
        let mut m = opened(&[1]);
        let t0 = Instant::now();
        assert_eq!(m.step(Input::Poll, t0), vec![Effect::List]);
        // A poll during the look is dropped.
        assert!(m.step(Input::Poll, t0).is_empty());
        assert_eq!(m.step(Input::Listed(vec![]), t0), vec![]);
        assert_eq!(m.step(Input::Poll, t0), vec![Effect::List]);
        // A commit and a waiter during the look: no second listing at the same time...
        assert!(m.step(Input::Committed, t0).is_empty());
        assert!(m.step(Input::FeedLocal(2), t0).is_empty());
        // ...but one right after, and the waiter waits for that one (its commit may be after the
        // first listing began).
        let out = m.step(Input::Listed(vec![]), t0);
        assert_eq!(out, vec![Effect::List]);
        let out = m.step(Input::Listed(vec![]), t0);
        assert_eq!(done(&out), vec![2]);
        assert!(!out.contains(&Effect::List));
    }

    #[test]
    fn a_key_of_a_document_not_open_yet_is_fed_when_it_opens() {
        let mut m: Machine<u32> = Machine::new(scope(&[1]));
        m.start();
        let t0 = Instant::now();
        m.step(Input::Poll, t0);
        let out = m.step(Input::Listed(vec![key(1, "x"), key(1, "x")]), t0);
        // The look ends: nothing can be fed yet, the document is projected (it may widen the scope).
        assert_eq!(projects(&out), Some(vec![doc(1)]));
        m.step(Input::Projected(Ok(Arc::new(scope(&[1])))), t0);
        // Listed again by the next look: not news twice.
        m.step(Input::Poll, t0 + SETTLE * 2);
        let out = m.step(Input::Listed(vec![key(1, "x")]), t0 + SETTLE * 2);
        assert_eq!(projects(&out), None);
        let out = m.step(
            Input::Opened {
                doc: doc(1),
                found: true,
            },
            t0,
        );
        assert_eq!(
            out,
            vec![Effect::Feed {
                keys: vec![(doc(1), key(1, "x"))],
                look: false
            }]
        );
    }

    #[test]
    fn a_wider_scope_opens_its_new_documents() {
        let mut m = opened(&[1]);
        let t0 = Instant::now();
        m.step(Input::Stored(key(1, "a")), t0);
        let out = m.step(Input::Projected(Ok(Arc::new(scope(&[1, 2])))), t0);
        assert!(out.contains(&Effect::Open(doc(2))));
        assert!(!out.contains(&Effect::Open(doc(1))));
    }

    #[test]
    fn keys_that_name_no_document_are_left_alone() {
        let mut m = opened(&[1]);
        let t0 = Instant::now();
        assert!(projects(&m.step(Input::Stored("not-a-doc/x".into()), t0)).is_none());
        m.step(Input::Poll, t0);
        let out = m.step(Input::Listed(vec!["???".into()]), t0);
        assert!(out.is_empty());
    }

    #[test]
    fn a_scope_shares_alike_only_when_nothing_that_decides_sharing_moved() {
        let base = scope(&[1, 2]);
        let mut judged_otherwise = base.clone();
        judged_otherwise.roster.office = "another office".into();
        let cases = [
            ("the same, made again", scope(&[1, 2]), true),
            ("a document more", scope(&[1, 2, 3]), false),
            (
                "joined",
                Scope {
                    joined: true,
                    ..base.clone()
                },
                false,
            ),
            (
                "one member's own",
                Scope {
                    owners: [(doc(1), "m1".to_string())].into(),
                    ..base.clone()
                },
                false,
            ),
            (
                "one a peer may not have",
                Scope {
                    optional: [doc(2)].into(),
                    ..base.clone()
                },
                false,
            ),
            (
                "one dormant",
                Scope {
                    dormant: [doc(2)].into(),
                    ..base.clone()
                },
                false,
            ),
            ("the roster", judged_otherwise, false),
        ];
        for (what, other, alike) in cases {
            assert_eq!(base.shares_alike(&other), alike, "{what}");
        }
    }

    #[test]
    fn a_dormant_document_is_not_announced_to_member_laptops_but_answered_and_carried() {
        use samod::{PeerId, ShareAccess};
        let scope = Scope {
            dormant: [doc(2)].into(),
            ..scope(&[1, 2])
        };
        let (member, relay) = (PeerId::from("kenshin-m1"), PeerId::from("relay-1"));
        let cases = [
            (
                "awake, to a member",
                1,
                &member,
                ShareAccess::ReadWrite,
                true,
            ),
            (
                "dormant, to a member",
                2,
                &member,
                ShareAccess::ReadWrite,
                false,
            ),
            (
                "dormant, to a relay",
                2,
                &relay,
                ShareAccess::ReadWrite,
                true,
            ),
            ("not in scope", 3, &member, ShareAccess::None, false),
        ];
        for (what, n, peer, access, announce) in cases {
            let config = super::super::share(&scope, &doc(n), peer);
            assert_eq!(
                (config.access, config.announce),
                (access, announce),
                "{what}"
            );
        }
    }
}
