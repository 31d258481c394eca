//! Crash safety: `kenshin` is killed (SIGKILL) at random moments while it records sign-offs. Every
//! command that reported success must still be there after restart, nothing may be half-applied
//! (the projections equal a rebuild from the documents), and the home must open.

mod support;

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::{step, step_args, Laptop};

const ROUNDS: usize = 120;

/// A small deterministic generator, so a failing run can be repeated.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn sigkill_while_recording_loses_nothing_that_was_acknowledged() {
    let l = Laptop::new();
    l.office_with_cast();
    let b = l.new_batch("4", "2026-06 問合せ");
    let record = |note: &str| {
        let mut c = l.command(&step_args("委託 一郎", "do", &b, "1", &["--note", note]));
        c.stdout(Stdio::null()).stderr(Stdio::null());
        c
    };

    // How long one command takes here, so that kills land before, during and after its write.
    let mut typical = Duration::ZERO;
    for i in 0..3 {
        let t = Instant::now();
        assert!(record(&format!("warm-up {i}")).status().unwrap().success());
        typical = typical.max(t.elapsed());
    }
    let window = (typical.as_micros() as u64 * 2).max(1);

    let mut rng = Lcg(0x5eed_4b65_6e73_6869);
    let mut acknowledged = BTreeSet::new();
    let mut attempted = BTreeSet::new();
    for i in 0..ROUNDS {
        let note = format!("call {i}");
        attempted.insert(note.clone());
        let mut child = record(&note).spawn().unwrap();
        std::thread::sleep(Duration::from_micros(rng.next() % window));
        let _ = child.kill(); // SIGKILL; fails only if the child already exited and was reaped
        let status = child.wait().unwrap();
        if status.success() {
            acknowledged.insert(note);
        }
    }
    let killed = ROUNDS - acknowledged.len();
    eprintln!(
        "{ROUNDS} rounds: {} acknowledged, {killed} killed before acknowledging",
        acknowledged.len()
    );
    assert!(
        !acknowledged.is_empty() && killed > 0,
        "kills must land both before and after success"
    );

    // The home opens, the documents load, and the log holds every acknowledged entry.
    let board = l.board(&b);
    let history = step(&board, 1)["history"].as_array().unwrap().clone();
    let present: Vec<String> = history
        .iter()
        .map(|e| e["note"].as_str().unwrap_or("").to_string())
        .collect();
    let present_set: BTreeSet<String> = present
        .iter()
        .filter(|n| n.starts_with("call "))
        .cloned()
        .collect();
    assert_eq!(present.len(), present_set.len() + 3, "no entry twice");
    for note in &acknowledged {
        assert!(present_set.contains(note), "acknowledged {note:?} was lost");
    }
    assert!(present_set.is_subset(&attempted));
    eprintln!(
        "{} entries present, {} of them from commands killed after their commit",
        present_set.len(),
        present_set.difference(&acknowledged).count()
    );
    l.ok(&["heads", "--batch", &b]);

    // Nothing half-applied: the projections equal what a rebuild from the documents gives.
    let before = l.json(&["board"]);
    l.ok(&["projections", "rebuild"]);
    assert_eq!(l.json(&["board"]), before);

    let db = rusqlite::Connection::open(l.home.path().join("kenshin.sqlite3")).unwrap();
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
}
