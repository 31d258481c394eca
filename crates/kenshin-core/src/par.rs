//! Pure work over many items on several cores: judging the batches a cold sync brought (loading
//! each document and checking its signatures) is CPU alone, and the projection waits on it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// Few enough items are done on the calling thread: starting a thread costs about what judging a
/// small batch does.
const ALONE: usize = 8;
/// More threads than this gain little against the SQLite writes that follow.
const MOST: usize = 4;

/// How many threads [`map`] uses (the machine's cores, at most [`MOST`]), asked of the OS once.
fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MOST)
    })
}

/// An item and, once mapped, what it became.
type Slot<T, R> = Mutex<(Option<T>, Option<R>)>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in `f` is propagated below; the slot itself is never left half-written.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// `f` of each item, in the items' order, on up to [`MOST`] threads (the calling one among them),
/// each taking the next item not yet taken. Fewer threads when the OS will not start them; a panic
/// in `f` is the caller's, as if it ran here.
pub(crate) fn map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    if items.len() <= ALONE || threads() < 2 {
        return items.into_iter().map(f).collect();
    }
    let slots: Vec<Slot<T, R>> = items
        .into_iter()
        .map(|item| Mutex::new((Some(item), None)))
        .collect();
    let next = AtomicUsize::new(0);
    let work = || {
        while let Some(slot) = slots.get(next.fetch_add(1, Ordering::Relaxed)) {
            let item = lock(slot).0.take();
            if let Some(item) = item {
                let done = f(item);
                lock(slot).1 = Some(done);
            }
        }
    };
    std::thread::scope(|s| {
        let helpers: Vec<_> = (1..threads())
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(s, work).ok())
            .collect();
        work();
        for helper in helpers {
            if let Err(panic) = helper.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
    slots
        .into_iter()
        .map(|slot| {
            let (_, done) = slot.into_inner().unwrap_or_else(|p| p.into_inner());
            // Every item was taken by a thread that ended without panicking.
            done.expect("each item mapped")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_item_is_mapped_once_in_order() {
        for n in [0, 1, ALONE, ALONE + 1, 63, 64, 65, 1000] {
            let items: Vec<usize> = (0..n).collect();
            let threads_used = Mutex::new(std::collections::HashSet::new());
            let calls = AtomicUsize::new(0);
            let out = map(items, |i| {
                lock(&threads_used).insert(std::thread::current().id());
                calls.fetch_add(1, Ordering::Relaxed);
                // Long enough that a second thread takes items too.
                std::thread::sleep(std::time::Duration::from_micros(200));
                i * 2
            });
            assert_eq!(out, (0..n).map(|i| i * 2).collect::<Vec<_>>(), "{n} items");
            assert_eq!(calls.load(Ordering::Relaxed), n, "{n} items, each once");
            let used = lock(&threads_used).len();
            if n <= ALONE {
                assert!(used <= 1, "{n} items on {used} threads");
            } else if n == 1000 && threads() > 1 {
                // 200 ms of work: a second thread has long started.
                assert!(used > 1, "{n} items on {used} thread");
            }
        }
    }

    #[test]
    fn a_panic_in_f_is_the_callers() {
        let caught = std::panic::catch_unwind(|| {
            map((0..100).collect(), |i: usize| {
                assert!(i != 77, "item 77");
                i
            })
        });
        assert!(caught.is_err());
    }
}
