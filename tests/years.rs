//! 年度締め: an approver closes a fiscal year once it is over and every month of it was archived
//! and checked after the month ended; a closed year's batches stay readable and take nothing new, on every
//! laptop of the office.

mod network;
mod support;

use network::{invite, sync, Hub};
use support::{step_args, Laptop};

const A: &str = "決裁 太郎";
const V: &str = "検認 花子";
const C: &str = "委託 一郎";

#[test]
fn a_fiscal_year_closes_once_its_months_are_archived_and_then_takes_nothing() {
    let l = Laptop::new();
    l.office_with_cast();
    let old = l.batch_of_year("1-2", "令和7年度 月次", 2025);
    let annual_old = l.batch_of_year("1-1", "令和7年度 年次", 2025);
    let annual_now = l.new_batch("1-1", "令和8年度 年次");

    // Refused while months are not archived: every one is named.
    let why = l.refused(&["year", "close", "--fiscal-year", "2025"]);
    for m in support::months_of(2025) {
        assert!(why.contains(&m), "{m} named: {why}");
    }
    // Not over yet, or not an approver.
    let why = l.refused(&["year", "close", "--fiscal-year", "2026"]);
    assert!(why.contains("2027-03-31"), "{why}");

    let dir = tempfile::tempdir().unwrap();
    for m in support::months_of(2025) {
        let out = dir.path().join(format!("{m}.zip"));
        l.ok(&[
            "archive",
            "export",
            "--month",
            &m,
            "--out",
            out.to_str().unwrap(),
        ]);
        // Checked on a laptop of the office: the month is filed.
        let said = l.ok(&["archive", "verify", out.to_str().unwrap()]);
        assert!(said.contains("月次の保存として記録しました"), "{said}");
    }
    let why = l.refused(&["--as", V, "year", "close", "--fiscal-year", "2025"]);
    assert!(why.contains("approver"), "{why}");
    assert!(l.ok(&["year", "list"]).trim().is_empty());

    // A second laptop of the office, in step before the close; it goes offline.
    let hub = Hub::start(&l);
    let (_invite_dir, file) = invite(&l, "決裁 三郎", "section", true);
    let other = Laptop::new();
    other.ok(&["office", "join", file.to_str().unwrap()]);
    sync(&other, &hub.addr);

    l.ok(&["year", "close", "--fiscal-year", "2025"]);
    let listed = l.ok(&["year", "list"]);
    assert!(
        listed.contains("2025") && listed.contains("令和7年度") && listed.contains(A),
        "{listed}"
    );
    let why = l.refused(&["year", "close", "--fiscal-year", "2025"]);
    assert!(why.contains("closed"), "{why}");

    // Nothing new in the closed year: a step, a list, a batch.
    let why = l.refused(&step_args(A, "do", &annual_old, "1", &[]));
    assert!(why.contains("fiscal year 2025 is closed"), "{why}");
    let why = l.refused(&[
        "--as",
        C,
        "import",
        "production",
        "--batch",
        &old,
        support::fixture("production_cp932.csv").to_str().unwrap(),
    ]);
    assert!(why.contains("fiscal year 2025 is closed"), "{why}");
    let why = l.refused(&[
        "batch",
        "new",
        "--process",
        "4",
        "--label",
        "令和7年度 問合せ",
        "--fiscal-year",
        "2025",
    ]);
    assert!(why.contains("fiscal year 2025 is closed"), "{why}");
    // Readable as before; the open year takes entries.
    assert_eq!(l.board(&old)["label"], "令和7年度 月次");
    l.ok(&step_args(A, "do", &annual_now, "1", &[]));

    // The offline laptop, not knowing of the close, records in the closed year; once it syncs,
    // that entry counts on neither laptop, and the laptop refuses the next.
    let late = other.json(&step_args("決裁 三郎", "do", &annual_old, "1", &[]));
    let late = late["id"].as_str().unwrap().to_string();
    sync(&other, &hub.addr);
    hub.stop();
    assert!(other.ok(&["year", "list"]).contains("令和7年度"));
    for laptop in [&l, &other] {
        let board = laptop.board(&annual_old);
        let standing = &support::step(&board, 1)["history"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == late.as_str())
            .unwrap_or_else(|| panic!("the late entry on the board: {board}"))["standing"];
        assert_eq!(standing["standing"], "invalid", "{standing}");
        assert!(
            standing["why"]
                .as_str()
                .unwrap()
                .contains("after fiscal year 2025 was closed"),
            "{standing}"
        );
        assert!(support::step(&board, 1)["decisive"].is_null(), "{board}");
    }
    let why = other.refused(&step_args("決裁 三郎", "do", &annual_old, "1", &[]));
    assert!(why.contains("fiscal year 2025 is closed"), "{why}");
}

#[test]
fn a_demo_over_three_fiscal_years_holds_each_year_at_office_scale() {
    let l = Laptop::new();
    l.ok(&["demo", "--years", "3", "--vouchers", "200"]);
    let fy = kenshin_core::domain::fiscal_year(chrono::Utc::now().date_naive());
    let years = l.json(&["retention", "list"]);
    let counts: Vec<(i64, u64)> = years["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| {
            (
                y["fiscal_year"].as_i64().unwrap(),
                y["batches"].as_u64().unwrap(),
            )
        })
        .collect();
    let fy = i64::from(fy);
    assert_eq!(counts, [(fy - 2, 49), (fy - 1, 49), (fy, 6)]);
    // The years gone by are closed, each month filed: the board opens on this year's work.
    let closed: Vec<i64> = years["years"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|y| y["closed"] == true)
        .map(|y| y["fiscal_year"].as_i64().unwrap())
        .collect();
    assert_eq!(closed, [fy - 2, fy - 1], "{years}");
    // A month of a year gone by: mailed, and its register holds the year's annual list too.
    let board = l.board(&format!("{}-05 月次", fy - 1));
    assert_eq!(support::step(&board, 11)["status"], "done", "{board}");
    let found = l.json(&["voucher", "find", "10000001"]);
    assert_eq!(
        found["total"], 3,
        "one voucher of that number a year: {found}"
    );
    assert!(!Laptop::new()
        .run(&["demo", "--years", "0"])
        .status
        .success());
}
