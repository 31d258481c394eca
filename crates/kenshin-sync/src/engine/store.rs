//! The driver of the engine's [`Machine`]: it owns the machine, takes its inputs from one channel (keys
//! samod stored, the home's writers committing, callers waiting, effects' outcomes), runs the effects
//! (projections and reads of the home on blocking threads, samod calls on tasks) and reports their
//! outcomes back.

use super::machine::{Effect, Input, Machine};
use super::*;
use tokio::sync::{mpsc, oneshot};

/// What a caller waiting on the engine is answered with.
pub(super) type Waiter = oneshot::Sender<()>;

/// Told by the storage of every key it stores for samod, so the engine can project what arrived.
#[derive(Clone)]
pub struct StoreSignal {
    tx: mpsc::UnboundedSender<Input<Waiter>>,
    known: Arc<Mutex<HashSet<String>>>,
}

impl StoreSignal {
    pub fn new() -> (StoreSignal, StoredKeys) {
        let (tx, rx) = mpsc::unbounded_channel();
        let known = Arc::new(Mutex::new(HashSet::new()));
        let signal = StoreSignal {
            tx,
            known: known.clone(),
        };
        (signal, StoredKeys { rx, known })
    }

    /// Call before a key is stored: whether it is news. A key the home already held is a change
    /// that came from the home itself (fed to samod from SQLite, and stored back): nothing to project.
    /// A key that is news is answered for with [`StoreSignal::stored`] once written or not.
    pub fn claim(&self, key: &str) -> bool {
        let news = self
            .known
            .lock()
            .is_ok_and(|mut known| known.insert(key.to_string()));
        if news {
            let _ = self.tx.send(Input::Storing);
        }
        news
    }

    /// Call once a claimed key is durably stored (`stored`), or is not (a deleted document, a
    /// failed write: news again if it is offered again).
    pub fn stored(&self, key: &str, stored: bool) {
        if stored {
            let _ = self.tx.send(Input::Stored(key.to_string()));
            return;
        }
        if let Ok(mut known) = self.known.lock() {
            known.remove(key);
        }
        let _ = self.tx.send(Input::NotStored);
    }
}

/// The engine's end of a [`StoreSignal`].
pub struct StoredKeys {
    pub(super) rx: mpsc::UnboundedReceiver<Input<Waiter>>,
    pub(super) known: Arc<Mutex<HashSet<String>>>,
}

impl Engine {
    pub(super) fn send(&self, input: Input<Waiter>) {
        let _ = self.shared.signal.tx.send(input);
    }

    /// Asks the machine something and waits for its answer (or for the engine to end). The one
    /// channel keeps order: everything stored or committed before the ask is answered for.
    async fn ask(&self, input: impl FnOnce(Waiter) -> Input<Waiter>) {
        let (tx, rx) = oneshot::channel();
        self.send(input(tx));
        let _ = rx.await;
    }

    /// A writer in this process (the app's window) committed to the home: its changes go to the
    /// peers now rather than at the next poll.
    pub fn committed(&self) {
        self.send(Input::Committed);
    }

    /// Hands samod every chunk the home's own writers committed so far, and waits until the documents
    /// they changed are judged again. Run before a connection starts, so a peer sees everything
    /// committed before it connected.
    pub(super) async fn feed_local_once(&self) {
        self.ask(Input::FeedLocal).await;
    }

    /// Waits until every key samod stored so far has been projected.
    pub(super) async fn wait_projected(&self) {
        self.ask(Input::Flush).await;
    }

    /// Opens (loads, or asks peers for) every document in scope that is not open yet.
    pub(super) fn open_scope(&self) {
        self.send(Input::OpenScope);
    }

    /// Resolves once every document the machine was asked to open by now is open or was found
    /// nowhere (a few seconds at most).
    pub(super) async fn opened(&self) {
        self.wait_projected().await;
        let mut opening = self.shared.opening.subscribe();
        let _ = tokio::time::timeout(Duration::from_secs(5), opening.wait_for(|n| *n == 0)).await;
    }

    /// Opens dormant documents (see [`Scope::dormant`]).
    pub(super) fn want<'d>(&self, docs: impl IntoIterator<Item = &'d DocumentId>) {
        for doc in docs {
            self.send(Input::Want(doc.clone()));
        }
    }

    /// Runs the machine until the engine stops. Commits by other processes on the home are found by
    /// a poll (SQLite tells no other process); everything else is an input.
    pub(super) async fn drive(
        self,
        mut machine: Machine<Waiter>,
        mut rx: mpsc::UnboundedReceiver<Input<Waiter>>,
    ) {
        let mut poll = tokio::time::interval(LOCAL_POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut wake: Option<tokio::time::Instant> = None;
        let mut stopped = self.stopped();
        let first = machine.start();
        self.run(first, &machine, &mut wake);
        loop {
            let input = tokio::select! {
                Some(input) = rx.recv() => input,
                _ = tokio::time::sleep_until(wake.unwrap_or_else(tokio::time::Instant::now)),
                    if wake.is_some() => {
                    wake = None;
                    Input::Woke
                }
                _ = poll.tick() => Input::Poll,
                _ = &mut stopped => return,
            };
            let effects = machine.step(input, std::time::Instant::now());
            self.run(effects, &machine, &mut wake);
        }
    }

    fn run(
        &self,
        effects: Vec<Effect<Waiter>>,
        machine: &Machine<Waiter>,
        wake: &mut Option<tokio::time::Instant>,
    ) {
        for effect in effects {
            match effect {
                Effect::WakeAt(at) => *wake = Some(tokio::time::Instant::from_std(at)),
                Effect::NewScope => {
                    // Each change asks samod's policy again for every open document and peer
                    // (and samod's hub does work per document for each answer): only when what
                    // may sync changed, not after every projection.
                    let scope = machine.scope();
                    self.shared.scope_tx.send_if_modified(|now| {
                        let moved = !now.shares_alike(&scope);
                        *now = scope;
                        moved
                    });
                }
                Effect::Emit(event) => self.emit(event),
                Effect::Done(waiter) => {
                    let _ = waiter.send(());
                }
                Effect::Project(docs) => {
                    let office = self.shared.office.clone();
                    self.blocking(move || office.stored(&docs).map(Arc::new), Input::Projected);
                }
                Effect::List => {
                    let office = self.shared.office.clone();
                    let known = self.shared.known_keys.clone();
                    self.blocking(
                        move || {
                            let keys = office.chunk_keys()?.unwrap_or_default();
                            let known = known.lock().map_err(|e| e.to_string())?;
                            Ok(keys.into_iter().filter(|k| !known.contains(k)).collect())
                        },
                        |r| {
                            Input::Listed(r.unwrap_or_else(|why| {
                                tracing::error!(why, "looking for the home's commits failed");
                                Vec::new()
                            }))
                        },
                    );
                }
                Effect::Feed { keys, look } => {
                    let engine = self.clone();
                    self.answered(
                        async move {
                            engine.feed(keys).await;
                        },
                        move |_| Input::Fed { look },
                    );
                }
                Effect::Open(doc) => {
                    let engine = self.clone();
                    let opened = doc.clone();
                    self.shared.opening.send_modify(|n| *n += 1);
                    self.answered(
                        async move {
                            let found = match engine.shared.repo.find(doc.clone()).await {
                                Ok(Some(handle)) => engine
                                    .shared
                                    .handles
                                    .lock()
                                    .map(|mut h| h.insert(doc, handle))
                                    .is_ok(),
                                _ => false,
                            };
                            engine.shared.opening.send_modify(|n| *n -= 1);
                            found
                        },
                        move |found| Input::Opened {
                            doc: opened,
                            found: found.unwrap_or(false),
                        },
                    );
                }
            }
        }
    }

    /// Runs `work` as a task and always answers the machine with `report` of its outcome, None when
    /// the task panicked: the machine waits for every answer, and must not wait for ever.
    fn answered<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = T> + Send + 'static,
        report: impl FnOnce(Option<T>) -> Input<Waiter> + Send + 'static,
    ) {
        let engine = self.clone();
        tokio::spawn(async move {
            let outcome = tokio::spawn(work).await;
            if let Err(e) = &outcome {
                tracing::error!(%e, "an engine task ended without its answer");
            }
            engine.send(report(outcome.ok()));
        });
    }

    /// Runs `work` on a blocking thread and reports its outcome (or why the thread ended without one)
    /// as the input `report` makes of it.
    fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> std::result::Result<T, String> + Send + 'static,
        report: impl FnOnce(std::result::Result<T, String>) -> Input<Waiter> + Send + 'static,
    ) {
        let engine = self.clone();
        tokio::spawn(async move {
            let outcome = tokio::task::spawn_blocking(work)
                .await
                .map_err(|e| format!("a blocking task ended: {e}"))
                .and_then(|r| r);
            engine.send(report(outcome));
        });
    }

    /// Loads chunks the home's writers committed into their open documents in samod.
    async fn feed(&self, keys: Vec<(DocumentId, String)>) {
        // Claimed first, so samod storing them back is not taken for news.
        if let Ok(mut known) = self.shared.known_keys.lock() {
            known.extend(keys.iter().map(|(_, k)| k.clone()));
        }
        let office = self.shared.office.clone();
        let chunks = tokio::task::spawn_blocking(move || {
            keys.into_iter()
                .filter_map(|(doc, key)| Some((doc, office.chunk(&key).ok()??)))
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        for (doc, bytes) in chunks {
            let handle = self
                .shared
                .handles
                .lock()
                .ok()
                .and_then(|h| h.get(&doc).cloned());
            if let Some(handle) = handle {
                let _ = handle
                    .with_document_async(move |d| d.load_incremental(&bytes).map(|_| ()))
                    .await;
            }
        }
    }
}
