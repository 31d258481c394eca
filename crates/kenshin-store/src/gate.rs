//! One queue for the writers of a home in this process. SQLite's busy handler polls (it sleeps and
//! tries again), so a writer committing back to back (a morning of inquiries typed in, the engine
//! projecting what arrived) could take the lock every time, and another (samod storing a change a
//! peer sent) gave up after its timeout: the change was not stored. Writers of one home in one
//! process take turns here first, first come first served; SQLite's lock still orders processes.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long a writer waits for its turn before it goes to SQLite's lock anyway (as before the
/// queue): a turn never held that long by a writer that waits on another thread's write.
const PATIENCE: Duration = Duration::from_secs(30);

#[derive(Default)]
struct Queue {
    waiting: VecDeque<u64>,
    holder: Option<u64>,
    next: u64,
}

/// The turns of one home's writers.
#[derive(Default)]
pub(crate) struct Gate {
    queue: Mutex<Queue>,
    turn: Condvar,
    home: PathBuf,
}

thread_local! {
    /// The homes whose turn this thread holds: a write inside a write on the same thread (a nested
    /// call) goes on without queueing behind itself.
    static HELD: std::cell::RefCell<HashSet<PathBuf>> = Default::default();
}

/// A writer's turn, given back when dropped, on the thread that took it (its mark is that thread's).
pub(crate) struct Turn {
    gate: Option<Arc<Gate>>,
    _here: std::marker::PhantomData<*const ()>,
}

impl Turn {
    fn none() -> Turn {
        Turn {
            gate: None,
            _here: std::marker::PhantomData,
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let Some(gate) = self.gate.take() else {
            return;
        };
        HELD.with(|h| h.borrow_mut().remove(&gate.home));
        if let Ok(mut q) = gate.queue.lock() {
            q.holder = None;
        }
        gate.turn.notify_all();
    }
}

/// The gate of the home in `dir`, one per folder however its path is spelled.
pub(crate) fn of(dir: &Path) -> Arc<Gate> {
    static GATES: OnceLock<Mutex<HashMap<PathBuf, Arc<Gate>>>> = OnceLock::new();
    let home = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut gates = GATES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    gates
        .entry(home.clone())
        .or_insert_with(|| {
            Arc::new(Gate {
                home,
                ..Gate::default()
            })
        })
        .clone()
}

impl Gate {
    /// Waits for this writer's turn (at most [`PATIENCE`]).
    pub(crate) fn enter(self: &Arc<Self>) -> Turn {
        if HELD.with(|h| h.borrow().contains(&self.home)) {
            return Turn::none();
        }
        let Ok(mut q) = self.queue.lock() else {
            return Turn::none();
        };
        let me = q.next;
        q.next += 1;
        q.waiting.push_back(me);
        let until = Instant::now() + PATIENCE;
        while q.holder.is_some() || q.waiting.front() != Some(&me) {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                tracing::warn!(home = %self.home.display(), "a writer waited half a minute for its turn");
                q.waiting.retain(|w| *w != me);
                drop(q);
                self.turn.notify_all();
                return Turn::none();
            }
            q = match self.turn.wait_timeout(q, left) {
                Ok((q, _)) => q,
                Err(_) => return Turn::none(),
            };
        }
        q.waiting.pop_front();
        q.holder = Some(me);
        HELD.with(|h| h.borrow_mut().insert(self.home.clone()));
        Turn {
            gate: Some(self.clone()),
            _here: std::marker::PhantomData,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that commits back to back does not keep the turn from one that waits.
    #[test]
    fn writers_take_turns_in_the_order_they_came() {
        let dir = tempfile::tempdir().unwrap();
        let gate = of(dir.path());
        let order = Arc::new(Mutex::new(Vec::new()));
        let first = gate.enter();
        let waiter = {
            let (gate, order) = (gate.clone(), order.clone());
            std::thread::spawn(move || {
                let _turn = gate.enter();
                order.lock().unwrap().push("waiter");
            })
        };
        // The waiter is queued before the busy writer lets go and asks again at once.
        while gate.queue.lock().unwrap().waiting.is_empty() {
            std::thread::yield_now();
        }
        drop(first);
        for _ in 0..100 {
            let _turn = gate.enter();
            order.lock().unwrap().push("busy");
        }
        waiter.join().unwrap();
        assert_eq!(order.lock().unwrap()[0], "waiter");
    }

    #[test]
    fn a_nested_write_on_the_same_thread_does_not_wait_for_itself() {
        let dir = tempfile::tempdir().unwrap();
        let outer = of(dir.path()).enter();
        let inner = of(dir.path()).enter();
        assert!(outer.gate.is_some() && inner.gate.is_none());
    }
}
