//! Refusals exit non-zero, print one clear line, and change nothing: the documents' heads and the
//! board are the same after as before.

mod support;

use support::{step_args, Laptop};

#[test]
fn refused_commands_change_nothing() {
    let l = Laptop::new();
    l.office_with_cast();
    let b = l.new_batch("1-2", "2026-05 月次");
    let batch4 = l.new_batch("4", "2026-06 問合せ");
    let c = "委託 一郎";
    let s = |who, verb, no, extra| step_args(who, verb, &b, no, extra);
    // Bring 1-2 to: step 1 done by 委託 一郎, step 2 verified by 決裁 次郎.
    l.ok(&s(c, "do", "1", &[]));
    l.ok(&s("決裁 次郎", "verify", "2", &[]));

    #[rustfmt::skip]
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (s(c, "verify", "2", &[]), "a contractor cannot verify"),
        (s(c, "approve", "3", &[]), "a contractor cannot approve"),
        (s("検認 花子", "approve", "3", &[]), "検認 花子 has no approver authority"),
        (s("決裁 次郎", "approve", "3", &[]), "決裁 次郎 verified step 2 and cannot approve it"),
        (s(c, "do", "4", &[]), "step 4 waits for step 3 to be approved"),
        (s(c, "do", "1", &[]), "step 1 is already done (by 委託 一郎"),
        (s("検認 花子", "do", "1", &[]), "is done by the contractor; 検認 花子 is a section member"),
        (s(c, "do", "2", &[]), "recorded with `step verify`"),
        (s(c, "do", "16", &[]), "process 1-2 has no step 16"),
        (s("決裁 太郎", "approve", "3", &["--send-back", "  "]), "needs a reason"),
        (step_args(c, "do", &batch4, "1", &["--count", "calls=-2"]), "bad count \"calls=-2\""),
        (step_args(c, "do", "no-such-batch", "1", &[]), "no batch \"no-such-batch\""),
        (vec!["--as", "誰か", "board"], "no member called \"誰か\""),
        (vec!["--as", c, "member", "add", "--name", "新人", "--role", "contractor"], "委託 一郎 is not an office admin"),
        (vec!["member", "add", "--name", "新人", "--role", "contractor", "--approver"], "a contractor cannot have it"),
        (vec!["member", "add", "--name", "検認 花子", "--role", "section"], "a member called \"検認 花子\" is already in the office"),
        (vec!["batch", "new", "--process", "1-2", "--label", "2026-05 月次"], "a batch of process 1-2 labelled \"2026-05 月次\" already exists"),
        (vec!["batch", "new", "--process", "1-2", "--label", " "], "the batch label must not be empty"),
        (vec!["office", "init", "--name", "別の事務所", "--me", "誰か"], "already belongs to the office \"テスト市 健康推進課\""),
    ];

    for (args, expected) in cases {
        let before = (
            l.heads(&b),
            l.heads(&batch4),
            l.json(&["board"]),
            l.json(&["member", "list"]),
        );
        let message = l.refused(&args);
        assert!(
            message.contains(expected),
            "kenshin {args:?}: expected {expected:?} in {message:?}"
        );
        let after = (
            l.heads(&b),
            l.heads(&batch4),
            l.json(&["board"]),
            l.json(&["member", "list"]),
        );
        assert_eq!(before, after, "kenshin {args:?} changed something");
    }
}

#[test]
fn a_home_without_an_office_says_how_to_start() {
    let l = Laptop::new();
    let message = l.refused(&["board"]);
    assert!(message.contains("has no office yet"), "{message}");
    assert!(message.contains("kenshin office init"), "{message}");
}

#[test]
fn usage_errors_are_refused_too() {
    let l = Laptop::new();
    l.office_with_cast();
    let out = l.run(&["batch", "new", "--process", "1-3", "--label", "x"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown process \"1-3\""), "{stderr}");
    let out = l.run(&["member", "add", "--name", "x", "--role", "boss"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown role \"boss\""));
}

#[test]
fn a_reader_that_stops_early_ends_the_command_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let l = Laptop::new();
    l.office_with_cast();
    l.new_batch("1-2", "2026-05 月次");
    // The reading end is closed before the command writes: `kenshin board | head -0`.
    let (reader, writer) = std::os::unix::net::UnixStream::pair().expect("socket pair");
    drop(reader);
    let out = l
        .command(&["board"])
        .stdout(std::os::fd::OwnedFd::from(writer))
        .output()
        .expect("run kenshin");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "nothing on stderr, got {stderr:?}");
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{:?}", out.status);
}

#[test]
fn a_refusal_says_each_cause_once() {
    // A home that cannot be made (/proc takes no folders, whoever asks): the system's reason once.
    let out = std::process::Command::new(support::kenshin_bin())
        .args(["--home", "/proc/kenshin/home"])
        .args(["office", "init", "--name", "市", "--me", "決裁 太郎"])
        .env_remove("KENSHIN_AS")
        .output()
        .expect("run kenshin");
    let line = String::from_utf8(out.stderr).expect("utf-8 stderr");
    assert!(!out.status.success() && line.lines().count() == 1, "{line}");
    assert!(line.contains("cannot create the home folder"), "{line}");
    support::said_once(line.trim_end());

    // A peer nobody answers at: its address and the reason once each.
    let mut l = Laptop::new();
    l.office_with_cast();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let peer = format!("127.0.0.1:{port}");
    let line = l.refused(&["sync", "--peer", &peer, "--once"]);
    assert_eq!(line.matches(&peer).count(), 1, "{line}");
    assert!(line.contains("could not connect"), "{line}");

    // A font named in KENSHIN_FONT that is not one, or that is not there, met while exporting the
    // month's archive: refused, not passed over for another font.
    let file = l.home.path().join("a file");
    std::fs::write(&file, "not a font").expect("write a file");
    let out = l.home.path().join("month.zip");
    let month = support::month_now();
    for (font, why) in [
        (file.clone(), "not a font"),
        (file.join("gone"), "cannot be read"),
    ] {
        l.env.push(("KENSHIN_FONT".into(), font.clone()));
        let line = l.refused(&[
            "archive",
            "export",
            "--month",
            &month,
            "--out",
            out.to_str().expect("utf-8 path"),
        ]);
        let font = font.to_str().expect("utf-8 path");
        assert_eq!(line.matches(font).count(), 1, "{line}");
        assert!(line.contains(why), "{line}");
        assert!(!out.exists(), "nothing written");
        l.env.pop();
    }
}
