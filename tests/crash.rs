//! Crash safety: `kenshin` is killed (SIGKILL) at random moments while it records sign-offs, imports
//! lists, exports archives and syncs. Every command that reported success must still be there after
//! restart, nothing may be half-applied (the projections equal a rebuild from the documents), an
//! archive on disk is whole, and the home must open.

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

    let db = kenshin_store::connect(l.home.path()).unwrap();
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
}

/// Runs `make(i)` for each round and kills it (SIGKILL) after a random moment within `window`;
/// returns whether each round reported success before the kill.
fn kill_rounds(
    rounds: usize,
    window: Duration,
    seed: u64,
    mut make: impl FnMut(usize) -> std::process::Command,
    mut after: impl FnMut(usize, bool),
) -> Vec<bool> {
    let mut rng = Lcg(seed);
    let window = (window.as_micros() as u64).max(1);
    (0..rounds)
        .map(|i| {
            let mut c = make(i);
            c.stdout(Stdio::null()).stderr(Stdio::null());
            let mut child = c.spawn().unwrap();
            std::thread::sleep(Duration::from_micros(rng.next() % window));
            let _ = child.kill();
            let ok = child.wait().unwrap().success();
            after(i, ok);
            ok
        })
        .collect()
}

/// How long a command takes here (the longest of two runs), so kills land before, during and after.
fn typical(mut make: impl FnMut() -> std::process::Command) -> Duration {
    (0..2)
        .map(|_| {
            let t = Instant::now();
            let out = make().output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            t.elapsed()
        })
        .max()
        .unwrap()
}

fn integrity_ok(l: &Laptop) {
    let db = kenshin_store::connect(l.home.path()).unwrap();
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
}

/// Nothing half-applied: the projections equal what a rebuild from the documents gives.
fn projections_match_a_rebuild(l: &Laptop) {
    let before = l.json(&["board"]);
    l.ok(&["projections", "rebuild"]);
    assert_eq!(l.json(&["board"]), before);
    integrity_ok(l);
}

#[test]
fn sigkill_during_imports_and_archive_exports_leaves_whole_lists_and_whole_archives() {
    use kenshin_core::domain::rows::{encode, Subject};
    use kenshin_core::exchange::synth::{municipal_csv, subjects};
    use kenshin_core::exchange::{import, TextEncoding};
    use sha2::{Digest, Sha256};

    const ROUNDS: usize = 30;
    const ROWS: usize = 2_000;
    let l = Laptop::new();
    l.office_with_cast();
    let b = l.new_batch("1-1", "2026 年次");
    let dir = tempfile::tempdir().unwrap();
    // A different 2,000-row CP932 file for each round, and the sha256 its canonical rows will have.
    let files: Vec<(std::path::PathBuf, String)> = (0..ROUNDS + 2)
        .map(|i| {
            let bytes = municipal_csv(
                &subjects(i as u64, 2026, ROWS, 10_000_001),
                TextEncoding::Cp932,
            );
            let rows = import::<Subject>("f.csv", &bytes).unwrap().rows;
            let path = dir.path().join(format!("production-{i}.csv"));
            std::fs::write(&path, &bytes).unwrap();
            (path, hex::encode(Sha256::digest(encode(&rows))))
        })
        .collect();
    let import_cmd = |i: usize| {
        let path = files[i].0.to_str().unwrap().to_string();
        l.command(&["import", "production", "--batch", &b, &path])
    };
    let mut warm = (ROUNDS..ROUNDS + 2).map(|i| (i, import_cmd(i)));
    let window = typical(|| warm.next().unwrap().1) * 2;
    let acknowledged = kill_rounds(ROUNDS, window, 0x1111, import_cmd, |_, _| {});
    let done = acknowledged.iter().filter(|a| **a).count();
    eprintln!("imports: {ROUNDS} rounds, {done} acknowledged");
    assert!(
        done > 0 && done < ROUNDS,
        "kills must land before and after success"
    );

    // Every acknowledged import is there, whole; every list there is whole.
    let mut office = kenshin_core::Office::open(l.home.path(), None).unwrap();
    let lists = office.lists(&b).unwrap();
    let held: BTreeSet<String> = lists.iter().map(|x| x.sha256.clone()).collect();
    for (i, ok) in acknowledged.iter().enumerate() {
        if *ok {
            assert!(
                held.contains(&files[i].1),
                "acknowledged import {i} was lost"
            );
        }
    }
    assert!(lists.iter().all(|x| x.row_count == ROWS as u64));
    drop(office);
    let found = l.json(&["voucher", "find", "10000001"]);
    assert_eq!(found["total"], 1, "{found}");
    projections_match_a_rebuild(&l);

    // Archive exports killed at random: the file is either absent or a whole archive that verifies.
    let month = {
        let at = l.board(&b)["created_at"].as_str().unwrap().to_string();
        let t: chrono::DateTime<chrono::Utc> = at.parse().unwrap();
        t.with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
            .format("%Y-%m")
            .to_string()
    };
    let out = dir.path().join("事跡.zip");
    let export = || {
        l.command(&[
            "archive",
            "export",
            "--month",
            &month,
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let window = typical(export) * 2;
    std::fs::remove_file(&out).unwrap();
    let mut whole = 0;
    let acknowledged = kill_rounds(
        ROUNDS,
        window,
        0x2222,
        |_| export(),
        |i, ok| {
            if out.exists() {
                let check = l.run(&["archive", "verify", out.to_str().unwrap()]);
                assert!(
                    check.status.success(),
                    "round {i}: the archive on disk does not verify: {}",
                    String::from_utf8_lossy(&check.stderr)
                );
                whole += 1;
            } else {
                assert!(!ok, "round {i} reported success but wrote no archive");
            }
        },
    );
    let done = acknowledged.iter().filter(|a| **a).count();
    eprintln!("exports: {ROUNDS} rounds, {done} acknowledged, {whole} archives checked whole");
    assert!(
        done > 0 && done < ROUNDS,
        "kills must land before and after success"
    );
    integrity_ok(&l);
}

#[test]
fn sigkill_during_sync_leaves_a_home_that_opens_and_converges() {
    const ROUNDS: usize = 30;
    let hub = Laptop::new();
    hub.ok(&["demo", "--vouchers", "5000"]);
    let mut serve = hub
        .command(&["serve", "--listen", "127.0.0.1:0", "--no-mdns"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(serve.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut out, &mut first).unwrap();
    let addr = first.split_whitespace().last().unwrap().to_string();
    // Keep reading what serve prints, or its next event would find the pipe closed.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let joined = std::cell::Cell::new(0);
    let join = || {
        joined.set(joined.get() + 1);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("invite.json");
        hub.ok(&[
            "office",
            "invite",
            "--name",
            &format!("新人 {}", joined.get()),
            "--role",
            "section",
            "--out",
            file.to_str().unwrap(),
        ]);
        let l = Laptop::new();
        l.ok(&["office", "join", file.to_str().unwrap()]);
        l
    };
    let sync = |l: &Laptop| l.command(&["sync", "--peer", &addr, "--once"]);
    // A whole cold sync of the 5,000-voucher office, timed on a throwaway laptop.
    let probe = join();
    let window = typical(|| sync(&probe));

    let l = join();
    let acknowledged = kill_rounds(
        ROUNDS,
        window,
        0x3333,
        |i| {
            // Something new on the hub each round, so every sync has work to do.
            hub.ok(&[
                "batch",
                "new",
                "--process",
                "4",
                "--label",
                &format!("round {i}"),
            ]);
            sync(&l)
        },
        |i, ok| {
            integrity_ok(&l);
            if ok {
                let theirs = hub.json(&["heads"]);
                assert_eq!(
                    l.json(&["heads"]),
                    theirs,
                    "round {i}: acknowledged but not in step"
                );
            }
        },
    );
    let done = acknowledged.iter().filter(|a| **a).count();
    eprintln!("syncs: {ROUNDS} rounds, {done} acknowledged");
    assert!(done < ROUNDS, "some syncs must be killed");
    // The next sync finishes what the killed ones started.
    l.ok(&["sync", "--peer", &addr, "--once"]);
    assert_eq!(l.json(&["heads"]), hub.json(&["heads"]));
    assert_eq!(l.json(&["batch", "list"]), hub.json(&["batch", "list"]));
    projections_match_a_rebuild(&l);
    let _ = serve.kill();
    let _ = serve.wait();
}

#[test]
fn sigkill_during_a_purge_leaves_the_year_whole_or_gone() {
    const ROUNDS: usize = 12;
    let base = Laptop::new();
    base.office_with_cast();
    let old = base.batch_of_year("1-2", "令和元年度 月次", 2019);
    base.import_residents("委託 一郎", "targets", &old, 2019, 3_000);
    base.close_year(2019);
    let copy = || base.copy();
    let purge = |l: &Laptop| l.command(&["retention", "purge", "--fiscal-year", "2019"]);
    let timed = [copy(), copy()];
    let mut next = timed.iter();
    let window = typical(|| purge(next.next().unwrap()));
    let copies: Vec<Laptop> = (0..ROUNDS).map(|_| copy()).collect();
    let deleted = |l: &Laptop| {
        l.json(&["retention", "list"])["years"]
            .as_array()
            .unwrap()
            .iter()
            .any(|y| y["fiscal_year"] == 2019 && y["deleted"] == true)
    };
    let decided = std::cell::Cell::new(0);
    let acknowledged = kill_rounds(
        ROUNDS,
        window,
        0x5555,
        |i| purge(&copies[i]),
        |i, ok| {
            let l = &copies[i];
            integrity_ok(l);
            // The decision and the deletion together, or neither.
            let gone = deleted(l);
            decided.set(decided.get() + usize::from(gone));
            if gone {
                assert_eq!(l.chunks_of(&old), 0, "round {i}: decided, so deleted");
                assert!(!l.ok(&["batch", "list"]).contains("令和元年度"));
            } else {
                assert!(!ok, "round {i}: acknowledged but not deleted");
                assert!(l.chunks_of(&old) > 0, "round {i}: not decided, so whole");
                assert_eq!(l.board(&old)["label"], "令和元年度 月次");
                projections_match_a_rebuild(l);
                l.ok(&["retention", "purge", "--fiscal-year", "2019"]);
                assert_eq!(l.chunks_of(&old), 0);
            }
        },
    );
    let done = acknowledged.iter().filter(|a| **a).count();
    eprintln!(
        "purges: {ROUNDS} rounds, {} deleted, {done} acknowledged; window {window:?}",
        decided.get()
    );
    assert!(done < ROUNDS, "some purges must be killed");
}

#[test]
fn sigkill_during_a_deletion_of_departed_rows_leaves_the_old_lists_or_the_new() {
    const ROUNDS: usize = 12;
    let base = Laptop::new();
    base.office_with_cast();
    let monthly = base.batch_of_year("1-2", "令和6年度 月次", 2024);
    // Who of them lost coverage in 令和6年度 is due: their rows go from the production and loss lists.
    let people = base.import_residents("委託 一郎", "production", &monthly, 2024, 3_000);
    let calls = base.batch_of_year("4", "令和6年度 問合せ", 2024);
    let lost: Vec<(&str, &str)> = people
        .iter()
        .step_by(100)
        .map(|p| (p.voucher_no.as_str(), "2024-10-01"))
        .collect();
    base.import_losses(&calls, &lost);
    base.close_year(2024);
    let purge = |l: &Laptop| l.command(&["retention", "purge", "--departed"]);
    let timed = [base.copy(), base.copy()];
    let mut next = timed.iter();
    let window = typical(|| purge(next.next().unwrap()));
    let copies: Vec<Laptop> = (0..ROUNDS).map(|_| base.copy()).collect();
    let due = |l: &Laptop| l.json(&["retention", "list"])["departed"]["persons"].clone();
    let found = |l: &Laptop| l.json(&["voucher", "find", lost[0].0])["total"].clone();
    let decided = std::cell::Cell::new(0);
    let acknowledged = kill_rounds(
        ROUNDS,
        window,
        0x6666,
        |i| purge(&copies[i]),
        |i, ok| {
            let l = &copies[i];
            integrity_ok(l);
            // The decision, the new lists and the deletion of the old ones together, or none.
            let gone = due(l) == 0;
            decided.set(decided.get() + usize::from(gone));
            if gone {
                assert_eq!(found(l), 0, "round {i}: decided, so deleted");
            } else {
                assert!(!ok, "round {i}: acknowledged but not deleted");
                assert_eq!(due(l), 30, "round {i}: not decided, so whole");
                assert_eq!(found(l), 1, "round {i}: not decided, so whole");
                projections_match_a_rebuild(l);
                l.ok(&["retention", "purge", "--departed"]);
                assert_eq!(found(l), 0);
            }
        },
    );
    let done = acknowledged.iter().filter(|a| **a).count();
    eprintln!(
        "deletions of departed rows: {ROUNDS} rounds, {} deleted, {done} acknowledged; window {window:?}",
        decided.get()
    );
    assert!(done < ROUNDS, "some deletions must be killed");
}

/// A small tmpfs, unmounted when dropped. Mounting needs root (CI runs the suite as root).
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount");
        assert!(
            status.success(),
            "the full-disk test mounts a small tmpfs: it needs root (or CAP_SYS_ADMIN)"
        );
        Tmpfs(dir)
    }

    fn resize(&self, size: &str) {
        let status = std::process::Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(self.0.path())
            .status()
            .expect("mount");
        assert!(status.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.0.path())
            .status();
    }
}

#[test]
fn a_full_disk_refuses_clearly_and_loses_nothing() {
    use kenshin_core::domain::rows::{encode, Subject};
    use kenshin_core::exchange::synth::{municipal_csv, subjects};
    use kenshin_core::exchange::{import, TextEncoding};
    use sha2::{Digest, Sha256};

    let disk = Tmpfs::mount("8m");
    let l = Laptop {
        home: tempfile::tempdir_in(disk.0.path()).unwrap(),
        env: Vec::new(),
    };
    l.office_with_cast();
    let b = l.new_batch("1-1", "2026 年次");
    let files = tempfile::tempdir().unwrap();
    let mut acknowledged = Vec::new();
    let mut refusal = None;
    for i in 0..100u64 {
        let bytes = municipal_csv(&subjects(i, 2026, 2_000, 10_000_001), TextEncoding::Cp932);
        let rows = import::<Subject>("f.csv", &bytes).unwrap().rows;
        let path = files.path().join(format!("production-{i}.csv"));
        std::fs::write(&path, &bytes).unwrap();
        let path = path.to_str().unwrap().to_string();
        let out = l.run(&["import", "production", "--batch", &b, &path]);
        if out.status.success() {
            acknowledged.push(hex::encode(Sha256::digest(encode(&rows))));
        } else {
            refusal = Some((path, String::from_utf8(out.stderr).unwrap()));
            break;
        }
    }
    let (path, stderr) = refusal.expect("the 8 MiB disk fills up");
    eprintln!("full disk: {} imports, then {stderr:?}", acknowledged.len());
    assert!(!acknowledged.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("the disk is full"), "{stderr}");

    // Still full: the home opens and reads, holding exactly the acknowledged lists.
    let held = |l: &Laptop| -> Vec<String> {
        let mut office = kenshin_core::Office::open(l.home.path(), None).unwrap();
        office
            .lists(&b)
            .unwrap()
            .into_iter()
            .map(|x| x.sha256)
            .collect()
    };
    assert_eq!(held(&l), acknowledged);
    l.json(&["board"]);
    // A lookup is refused rather than made without its access log entry (the last free bytes
    // taken first, so no page the database holds has room left for it).
    let filler = disk.0.path().join("filler");
    {
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 4096];
        while std::io::Write::write_all(&mut f, &block).is_ok() {}
        while std::io::Write::write_all(&mut f, &[0u8]).is_ok() {}
    }
    let err = l.refused(&["voucher", "find", "10000001"]);
    assert!(err.contains("the disk is full"), "{err}");
    std::fs::remove_file(&filler).unwrap();
    // An archive written to the full disk is refused with the reason, leaving no partial file.
    let zip = disk.0.path().join("事跡.zip");
    let month = support::month_now();
    let err = l.refused(&[
        "archive",
        "export",
        "--month",
        &month,
        "--out",
        zip.to_str().unwrap(),
    ]);
    assert!(err.contains("No space left on device"), "{err}");
    let names: Vec<_> = std::fs::read_dir(disk.0.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "only the home is on the disk: {names:?}");

    // Space freed: the refused import goes in, and everything is whole.
    disk.resize("64m");
    l.ok(&["import", "production", "--batch", &b, &path]);
    assert_eq!(held(&l).len(), acknowledged.len() + 1);
    assert_eq!(l.json(&["voucher", "find", "10000001"])["total"], 1);
    projections_match_a_rebuild(&l);
}
