//! Offices upgrade laptop by laptop. A home made by the previous release (tests/fixtures/prev-release,
//! made by scripts/make-prev-release-home with that release's binary) opens with this build: its
//! member vouches for the records written before signing, in signed migration records; the
//! workflow, the roster, the register and the access log stay what they were; entries signed under
//! the earlier canonical form keep counting; work goes on. A record an old laptop writes unsigned
//! afterwards does not count, and a document a newer Kenshin upgraded is shown and left unchanged.

mod network;
mod support;

use automerge::transaction::Transactable;
use kenshin_core::domain::signed::{Migration, Signed};
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{step, step_args, Laptop};

const C: &str = "委託 一郎";
const V: &str = "検認 花子";
const MONTHLY: &str = "4TNz4QBGYP1XdT39WWKNqUzYqGH2";

fn fixture_dir() -> PathBuf {
    support::fixture("prev-release")
}

/// Where this process's homes keep their laptop key files (as `kenshin_store` finds them).
fn keys_dir() -> PathBuf {
    std::env::var_os("KENSHIN_KEYS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".config/kenshin/keys")
        })
}

/// Copies each file whole: to a name of this copy's own, then renamed into place. Tests run in
/// parallel share the keys folder; a reader there never sees a file half copied.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let mine = tempfile::tempdir_in(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let tmp = mine.path().join(e.file_name());
        std::fs::copy(e.path(), &tmp).unwrap();
        std::fs::rename(&tmp, to.join(e.file_name())).unwrap();
    }
}

/// A laptop holding a copy of the previous release's home, and its key where this build looks.
fn previous_release() -> Laptop {
    let l = Laptop::new();
    copy_dir(&fixture_dir().join("home"), l.home.path());
    copy_dir(&fixture_dir().join("keys"), &keys_dir());
    l
}

fn statuses(board: &Value) -> Vec<(String, Vec<String>)> {
    board
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["label"].as_str().unwrap().to_string(),
                b["steps"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["status"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

fn every_entry(board: &Value) -> Vec<Value> {
    board
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["steps"].as_array().unwrap().iter())
        .flat_map(|s| s["history"].as_array().unwrap().iter().cloned())
        .collect()
}

/// Changes a document in the home directly, as another laptop's change arriving by sync would (the
/// projections are then made again, as sync makes them).
fn write_doc(l: &Laptop, id: &str, change: impl FnOnce(&mut automerge::AutoCommit)) {
    let mut home = kenshin_store::Home::open(l.home.path()).unwrap();
    home.write(|tx| {
        let id = kenshin_store::batch_doc_id(id)?;
        let mut d = tx.load_required(&id)?;
        let before = d.get_heads();
        change(&mut d);
        d.commit();
        tx.save(&id, &mut d, &before)
    })
    .unwrap();
    drop(home);
    l.ok(&["projections", "rebuild"]);
}

/// The schema of a batch's document, or with `None` of the office's.
fn schema_of(l: &Laptop, id: Option<&str>) -> i64 {
    use automerge::ReadDoc;
    let mut home = kenshin_store::Home::open(l.home.path()).unwrap();
    let d = home
        .read(|tx| {
            let doc = match id {
                Some(id) => kenshin_store::batch_doc_id(id)?,
                None => tx.office_doc_id()?.expect("an office"),
            };
            tx.load_required(&doc)
        })
        .unwrap();
    match d.get(automerge::ROOT, "schema").unwrap().unwrap().0 {
        automerge::Value::Scalar(s) => s.as_i64().unwrap(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_home_of_the_previous_release_opens_migrates_and_keeps_its_evidence() {
    let l = previous_release();
    let before: Value =
        serde_json::from_slice(&std::fs::read(fixture_dir().join("board.json")).unwrap()).unwrap();
    let members_before: Value =
        serde_json::from_slice(&std::fs::read(fixture_dir().join("members.json")).unwrap())
            .unwrap();
    assert_eq!(
        schema_of(&l, Some(MONTHLY)),
        2,
        "the fixture is the previous release's"
    );

    // The first command on it upgrades it.
    let board = l.json(&["board"]);
    assert_eq!(
        statuses(&board),
        statuses(&before),
        "the workflow is unchanged"
    );
    for e in every_entry(&board) {
        assert_eq!(e["standing"]["standing"], "valid", "{e}");
    }
    for b in board.as_array().unwrap() {
        assert_eq!(b["tampering"], Value::Array(vec![]), "{}", b["label"]);
    }
    let names = |v: &Value| -> Vec<String> {
        let mut n: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|m| format!("{} {}", m["name"], m["removed_at"].is_null()))
            .collect();
        n.sort();
        n
    };
    assert_eq!(names(&l.json(&["member", "list"])), names(&members_before));
    assert_eq!(
        schema_of(&l, Some(MONTHLY)),
        3,
        "an earlier build now reads it as newer"
    );
    let problems = String::from_utf8(l.run(&["member", "list"]).stderr).unwrap();
    assert!(problems.is_empty(), "{problems}");

    // The register and its returned mail still read.
    let found = l.json(&["voucher", "find", "30000011"]);
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["hits"][0]["status"], "returned", "{found}");

    // Work goes on in the upgraded batch, and its earlier lists still count.
    l.ok(&step_args(C, "do", MONTHLY, "12", &[]));
    let out = l.ok(&step_args(C, "do", MONTHLY, "13", &[]));
    assert!(
        out.contains("returned=3"),
        "the list and the note from before: {out}"
    );
    l.ok(&step_args(V, "verify", MONTHLY, "14", &[]));
    assert_eq!(step(&l.board(MONTHLY), 14)["status"], "verified");

    // The month's archive holds the upgraded records, judged valid, and verifies.
    l.verified_archive();

    // A second open does nothing more: one migration per document and laptop.
    let heads = l.json(&["heads", "--batch", MONTHLY]);
    l.ok(&["board"]);
    assert_eq!(l.json(&["heads", "--batch", MONTHLY]), heads);

    // The insurer's settings raise the office's schema, and a loss-of-coverage list its batch's,
    // each by a signed migration in the same change: a laptop still on this release reads them as
    // newer and changes nothing, where it would have dropped the insurer or kept void vouchers
    // valid.
    assert_eq!(schema_of(&l, None), 3);
    l.ok(&[
        "office",
        "settings",
        "--insurer-no",
        "00131011",
        "--insurer-name",
        "テスト市国民健康保険",
    ]);
    assert_eq!(schema_of(&l, None), 5);
    let calls = l.ok(&[
        "batch",
        "new",
        "--process",
        "4",
        "--label",
        "資格確認",
        "--fiscal-year",
        "2026",
    ]);
    let calls = calls.trim();
    assert_eq!(schema_of(&l, Some(calls)), 3);
    let dir = tempfile::tempdir().unwrap();
    let losses = dir.path().join("losses.csv");
    std::fs::write(
        &losses,
        "受診券整理番号,喪失日,保険者番号\n30000011,2026-10-01,00131011\n",
    )
    .unwrap();
    l.ok(&[
        "--as",
        C,
        "import",
        "coverage-loss",
        "--batch",
        calls,
        losses.to_str().unwrap(),
    ]);
    assert_eq!(schema_of(&l, Some(calls)), 5);
    assert!(l
        .ok(&["voucher", "check", "30000011", "--date", "2026-10-01"])
        .starts_with("無効（"));

    // The previous release made no data key: the office syncs through no relay until an admin makes
    // one, which raises the office's schema the same way (a laptop still on that release would
    // remove a member without a new key).
    let relay = network::Relay::start();
    let via = [
        "sync",
        "--relay",
        relay.url.as_str(),
        "--once",
        "--timeout",
        "30",
    ];
    assert!(l.refused(&via).contains("no data key"));
    assert!(l.ok(&["office", "data-key"]).contains('0'));
    assert_eq!(schema_of(&l, None), 6);
    let synced = l.json(&via);
    assert!(
        synced["sealed"]["sealed"].as_u64().unwrap() >= 3,
        "{synced}"
    );
    l.verified_archive();
}

#[test]
fn what_an_old_laptop_writes_unsigned_after_the_upgrade_does_not_count() {
    let l = previous_release();
    l.ok(&["board"]);
    // An earlier build's note (no signature), written after this laptop vouched for the rest.
    write_doc(&l, MONTHLY, |d| {
        use automerge::ReadDoc;
        let list = d.get(automerge::ROOT, "vouchers").unwrap().unwrap().1;
        let at = d.length(&list);
        let n = d.insert_object(&list, at, automerge::ObjType::Map).unwrap();
        for (k, v) in [
            ("id", "late-note"),
            ("voucher_no", "30000010"),
            ("kind", "returned"),
            ("on", "2026-06-20"),
            ("from", ""),
            ("text", "宛所不明"),
            ("by", "someone"),
            ("at", "2026-06-20T00:00:00.000Z"),
        ] {
            d.put(&n, k, v).unwrap();
        }
    });
    let board = l.board(MONTHLY);
    let shown = board["tampering"].to_string();
    assert!(shown.contains("late-note"), "{shown}");
    let found = l.json(&["voucher", "find", "30000010"]);
    assert!(!found.to_string().contains("宛所不明"), "{found}");
}

#[test]
fn a_document_a_newer_kenshin_upgraded_is_shown_and_left_unchanged() {
    let l = previous_release();
    l.ok(&["board"]);
    // A newer Kenshin on another laptop of this office upgrades the batch (signed by a member whose
    // keys are here, as that laptop's would be).
    let mut home = kenshin_store::Home::open(l.home.path()).unwrap();
    let (office, me, secret) = home
        .read(|tx| {
            let office = tx.office_doc_id()?.unwrap().to_string();
            let me = tx.local("me")?.unwrap();
            let secret = tx.local(&format!("keys:{me}"))?.unwrap();
            Ok::<_, kenshin_store::StoreError>((office, me, secret))
        })
        .unwrap();
    drop(home);
    let keys = kenshin_trust::Keys::from_secret_text(&secret).unwrap();
    let mut m = Migration {
        id: "from-the-future".into(),
        schema: 99,
        vouched: vec![],
        by: me,
        at: "2027-01-01T00:00:00Z".parse().unwrap(),
        signature: String::new(),
    };
    m.signature = keys.sign(&m.payload(&office, MONTHLY));
    write_doc(&l, MONTHLY, |d| {
        kenshin_store::docs::batch::migrate(d, &m).unwrap();
    });
    let heads = l.json(&["heads", "--batch", MONTHLY]);
    let board = l.board(MONTHLY);
    assert!(
        board["tampering"].to_string().contains("update Kenshin"),
        "{}",
        board["tampering"]
    );
    let why = l.refused(&step_args(C, "do", MONTHLY, "12", &[]));
    assert!(why.contains("update Kenshin"), "{why}");
    assert_eq!(
        l.json(&["heads", "--batch", MONTHLY]),
        heads,
        "nothing changed"
    );
    // The rest of the office opens and works.
    let b = l.new_batch("1-2", "2026-09 月次");
    l.ok(&step_args(C, "do", &b, "1", &["--count", "targets=3"]));
    // The office document upgraded by a newer Kenshin: nothing is written into it here.
    m.id = "office-from-the-future".into();
    m.signature = keys.sign(&m.payload(&office, &office));
    write_doc(&l, &office, |d| {
        kenshin_store::docs::office::migrate(d, &m).unwrap();
    });
    let why = l.refused(&["batch", "new", "--process", "1-2", "--label", "x"]);
    assert!(why.contains("update Kenshin"), "{why}");
    assert!(String::from_utf8(l.run(&["member", "list"]).stderr)
        .unwrap()
        .contains("update Kenshin"));
    l.ok(&["board"]);

    // The same schema written by someone who did not sign it is only tampering.
    let l = previous_release();
    l.ok(&["board"]);
    write_doc(&l, MONTHLY, |d| {
        d.put(automerge::ROOT, "schema", 99).unwrap();
    });
    let board = l.board(MONTHLY);
    assert!(
        board["tampering"]
            .to_string()
            .contains("文書の構造を書き換えられた"),
        "{board}"
    );
    l.ok(&step_args(C, "do", MONTHLY, "12", &[]));
}
