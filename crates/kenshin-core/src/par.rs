//! Pure work over many items on every core: judging the batches a cold sync brought (loading each
//! document and checking its signatures) is CPU alone, and the projection waits on it.

/// Few enough items are done on the calling thread: starting a thread costs about what judging a
/// small batch does.
const ALONE: usize = 8;
/// More threads than this gain little against the SQLite writes that follow.
const MOST: usize = 4;

/// `f` of each item, in the items' order, on up to [`MOST`] threads (the calling one among them).
/// A panic in `f` is the caller's, as if it ran here.
pub(crate) fn map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MOST);
    if threads < 2 || items.len() <= ALONE {
        return items.into_iter().map(f).collect();
    }
    let per = items.len().div_ceil(threads);
    let mut parts = Vec::with_capacity(threads);
    let mut items = items.into_iter();
    loop {
        let part: Vec<T> = items.by_ref().take(per).collect();
        if part.is_empty() {
            break;
        }
        parts.push(part);
    }
    let f = &f;
    std::thread::scope(|s| {
        let mut parts = parts.into_iter();
        let first = parts.next().unwrap_or_default();
        let others: Vec<_> = parts
            .map(|part| s.spawn(move || part.into_iter().map(f).collect::<Vec<R>>()))
            .collect();
        let mut out: Vec<R> = first.into_iter().map(f).collect();
        for other in others {
            match other.join() {
                Ok(done) => out.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_item_is_mapped_once_in_order() {
        for n in [0, 1, ALONE, ALONE + 1, 63, 64, 65, 1000] {
            let items: Vec<usize> = (0..n).collect();
            let threads = std::sync::Mutex::new(std::collections::HashSet::new());
            let out = map(items, |i| {
                threads.lock().unwrap().insert(std::thread::current().id());
                i * 2
            });
            assert_eq!(out, (0..n).map(|i| i * 2).collect::<Vec<_>>(), "{n} items");
            let used = threads.lock().unwrap().len();
            let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
            if n > ALONE && cores > 1 {
                assert!(used > 1, "{n} items on {used} thread");
            } else {
                assert!(used <= 1, "{n} items on {used} threads");
            }
        }
    }
}
