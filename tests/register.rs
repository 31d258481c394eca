//! The voucher register beyond one batch: phone inquiries and their cross-check (process 4), reissues from
//! the e-application CSV (process 3), the encouragement list (process 5), and imports that are refused
//! whole, changing nothing.

mod support;

use support::{fixture, step, step_args, Laptop};

const C: &str = "委託 一郎";
const V: &str = "検認 花子";
const A: &str = "決裁 太郎";

#[test]
fn inquiries_are_logged_on_vouchers_and_cross_checked() {
    let l = Laptop::new();
    let issued = l.mailed_batch();
    // No process 4 batch yet: the log says how to make one.
    let why = l.refused(&[
        "--as",
        C,
        "inquiry",
        "log",
        "--voucher",
        "30000001",
        "--from",
        "城南クリニック",
        "--answer",
        "有効",
    ]);
    assert!(why.contains("kenshin batch new --process 4"), "{why}");
    let calls = l.new_batch("4", "2026-06 問合せ");
    let logged = l.json(&[
        "--as",
        C,
        "inquiry",
        "log",
        "--voucher",
        "３００００００１",
        "--from",
        "城南クリニック",
        "--answer",
        "有効な受診券です",
        "--date",
        "R8.6.3",
    ]);
    assert_eq!(logged["note"]["voucher_no"], "30000001");
    assert_eq!(logged["note"]["on"], "2026-06-03");
    assert_eq!(logged["voucher"]["name"], "髙橋 﨑子");
    assert_eq!(logged["voucher"]["status"], "sent");
    l.ok(&[
        "--as",
        C,
        "inquiry",
        "log",
        "--voucher",
        "30000009",
        "--from",
        "みどり健診センター",
        "--answer",
        "転出により無効",
    ]);
    let unknown = l.json(&[
        "--as",
        C,
        "inquiry",
        "log",
        "--voucher",
        "39999999",
        "--from",
        "城南クリニック",
        "--answer",
        "該当なし",
    ]);
    assert!(unknown["voucher"].is_null());

    // The register shows the calls on the voucher.
    let hit = l.json(&["voucher", "find", "30000001"]);
    assert_eq!(hit["hits"][0]["events"][0]["kind"], "inquiry");
    assert_eq!(
        hit["hits"][0]["events"][0]["detail"],
        "城南クリニック: 有効な受診券です"
    );

    // Reception is recorded with the count of calls; the cross-check lists every call against the register.
    let out = l.ok(&step_args(C, "do", &calls, "1", &[]));
    assert!(out.contains("inquiries=3"), "{out}");
    let report = l.ok(&["report", "inquiries", "--batch", &calls]);
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 4, "{report}");
    assert!(lines[1].starts_with("2026-06-03,30000001,髙橋 﨑子,発送済 2026-05 月次,城南クリニック,有効な受診券です,委託 一郎"), "{report}");
    assert!(
        lines[2].contains(",30000009,小林 勝,引抜 2026-05 月次,"),
        "{report}"
    );
    assert!(
        lines[3].contains(",39999999,,受診券リストに無し,"),
        "{report}"
    );
    // A call logged after the reception record must be counted before the cross-check.
    l.ok(&[
        "--as",
        "委託 二郎",
        "inquiry",
        "log",
        "--voucher",
        "30000002",
        "--from",
        "城南クリニック",
        "--answer",
        "有効",
    ]);
    let why = l.refused(&step_args(V, "verify", &calls, "2", &[]));
    assert!(
        why.ends_with("4 inquiries logged, but step 1 counted 3: record step 1 again first"),
        "{why}"
    );
    l.ok(&step_args(C, "do", &calls, "1", &[]));
    l.ok(&step_args(V, "verify", &calls, "2", &[]));
    // After the cross-check the batch is closed to new calls.
    let why = l.refused(&[
        "--as",
        C,
        "inquiry",
        "log",
        "--voucher",
        "30000001",
        "--from",
        "x",
        "--answer",
        "y",
        "--batch",
        &calls,
    ]);
    assert!(
        why.contains("log new inquiries in a new process 4 batch"),
        "{why}"
    );
    let _ = issued;
}

#[test]
fn reissues_are_checked_against_the_register_and_made_traceable() {
    let l = Laptop::new();
    let issued = l.mailed_batch();
    let r = l.new_batch("3", "2026-07 再発行");
    l.import(C, "reissue-requests", &r, "reissue_requests_utf8bom.csv");
    let check = l.ok(&["report", "reissue-check", "--batch", &r]);
    let lines: Vec<&str> = check.lines().collect();
    assert_eq!(lines[0], "申請番号,申請日,受診券整理番号,氏名,可否,理由");
    assert!(
        lines[1].starts_with("A-0001,2026-07-01,30000001,髙橋 﨑子,可,"),
        "{check}"
    );
    // Hiragana kana in the form still matches the register.
    assert!(
        lines[2].starts_with("A-0002,2026-07-02,30000006,伊藤 恵子,可,"),
        "{check}"
    );
    assert!(
        lines[3].contains(",不可,") && lines[3].contains("引抜き済みの受診券です"),
        "{check}"
    );
    assert!(
        lines[4].contains(",不可,") && lines[4].contains("受診券リストにない"),
        "{check}"
    );

    for no in ["1", "2", "3", "4"] {
        l.ok(&step_args(C, "do", &r, no, &[]));
    }
    let out = l.json(&step_args(C, "do", &r, "5", &[]));
    assert_eq!(out["counts"]["requested"], 4);
    assert_eq!(out["counts"]["issued"], 2);
    assert!(
        out["note"]
            .as_str()
            .unwrap()
            .contains("申請A-0003（受診券30000005）: 引抜き済み"),
        "{out}"
    );

    let sheets = l.ok(&["report", "reissues", "--batch", &r]);
    assert_eq!(
        sheets.lines().nth(1).unwrap(),
        "30000001-R1,30000001,A-0001,髙橋 﨑子,タカハシ サキコ,1960-02-29,999-0001,城南市本町１丁目２番３号 ハイツ①,2027-03-31"
    );
    assert!(sheets
        .lines()
        .nth(2)
        .unwrap()
        .starts_with("30000006-R1,30000006,A-0002,伊藤 恵子,"));
    // The original voucher shows its reissue.
    let hit = l.json(&["voucher", "find", "30000001"]);
    assert_eq!(hit["hits"][0]["batch_label"], "2026-05 月次");
    assert_eq!(hit["hits"][0]["events"][0]["kind"], "reissued");
    assert_eq!(
        hit["hits"][0]["events"][0]["detail"],
        "30000001-R1 (A-0001)"
    );

    // Envelopes reconcile against the reissued sheets.
    l.ok(&step_args(V, "verify", &r, "6", &[]));
    l.ok(&step_args(C, "do", &r, "7", &[]));
    let why = l.refused(&step_args(C, "do", &r, "8", &["--count", "envelopes=3"]));
    assert!(
        why.contains("envelopes 3, postal-code count list total 2"),
        "{why}"
    );
    l.ok(&step_args(C, "do", &r, "8", &["--count", "envelopes=2"]));
    let _ = issued;
}

#[test]
fn encouragement_lists_who_has_not_had_a_checkup() {
    let l = Laptop::new();
    let b = l.mailed_batch();
    l.import(C, "returned", &b, "returned_utf8.csv");
    let e = l.new_batch("5", "2026-11 受診勧奨");
    l.import(C, "checkup-results", &e, "checkup_results_cp932.csv");
    // 12 vouchers: 3 pulled out, 2 returned, 2 checked up; the other 5 get a postcard.
    let mut sorted = l.report_column("encouragement", &e);
    sorted.sort();
    assert_eq!(
        sorted,
        ["30000006", "30000007", "30000008", "30000011", "30000012"]
    );
    let counts = l.ok(&["report", "encouragement-counts", "--batch", &e]);
    assert_eq!(
        counts.replace("\r\n", "\n"),
        "郵便番号,件数\n999-0007,1\n999-0010,2\n999-0013,2\n合計,5\n\
         対象外（受診済）,2\n対象外（資格喪失）,0\n対象外（引抜）,3\n対象外（返送）,2\n対象外（年齢）,0\n"
    );
    // A checkup result for a voucher not in the register is refused with its line.
    let bad = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        bad.path(),
        "受診券整理番号,受診日\n30000001,R8.8.1\n31111111,R8.8.2\n",
    )
    .unwrap();
    let lines = l.refused_lines(&[
        "--as",
        C,
        "import",
        "checkup-results",
        "--batch",
        &e,
        bad.path().to_str().unwrap(),
    ]);
    assert!(
        lines[1].ends_with(":3:1: voucher 31111111 is not in the register for fiscal 2026"),
        "{lines:?}"
    );
}

#[test]
fn refused_imports_change_nothing() {
    let l = Laptop::new();
    l.office_with_cast();
    let b = l.new_batch("1-2", "2026-05 月次");
    let calls = l.new_batch("4", "2026-06 問合せ");
    let path = |name: &str| fixture(name).to_str().unwrap().to_string();
    let before = (
        l.heads(&b),
        l.json(&["board"]),
        l.json(&["voucher", "find", "3"]),
    );

    // Every problem, with file, line and column.
    let lines = l.refused_lines(&[
        "--as",
        C,
        "import",
        "production",
        "--batch",
        &b,
        &path("bad_production_cp932.csv"),
    ]);
    assert!(lines[0].starts_with("kenshin: "), "{lines:?}");
    assert!(
        lines[0].ends_with("bad_production_cp932.csv refused, nothing imported: 11 problems"),
        "{lines:?}"
    );
    assert_eq!(lines.len(), 12);
    assert!(
        lines[1]
            .ends_with("bad_production_cp932.csv:2:4: 生年月日 \"R8.13.1\": bad date: no such day"),
        "{lines:?}"
    );
    let lines = l.refused_lines(&[
        "--as",
        C,
        "import",
        "production",
        "--batch",
        &b,
        &path("bad_missing_column_utf8.csv"),
    ]);
    assert!(lines[1].ends_with("bad_missing_column_utf8.csv:1: missing column 生年月日 (also read as: 誕生日, birth_date, birth)"));
    // Pull-outs need the production list to check against.
    let why = l.refused(&[
        "--as",
        C,
        "import",
        "pullouts",
        "--batch",
        &b,
        &path("pullouts_cp932.csv"),
    ]);
    assert!(why.contains("import it first"), "{why}");
    // A list the process does not take.
    let why = l.refused(&[
        "--as",
        C,
        "import",
        "production",
        "--batch",
        &calls,
        &path("production_cp932.csv"),
    ]);
    assert_eq!(
        why,
        "kenshin: process 4 batches take no production list (they take: coverage_loss)"
    );
    let why = l.refused(&[
        "--as",
        C,
        "import",
        "production",
        "--batch",
        &b,
        "/no/such/file.csv",
    ]);
    assert!(why.contains("cannot read /no/such/file.csv"), "{why}");
    assert_eq!(
        (
            l.heads(&b),
            l.json(&["board"]),
            l.json(&["voucher", "find", "3"])
        ),
        before
    );

    // A voucher number already issued in another batch of the year is a duplicate in the register.
    l.import(C, "production", &b, "production_cp932.csv");
    let june = l.new_batch("1-2", "2026-06 月次");
    let before = (l.heads(&june), l.json(&["voucher", "find", "3"]));
    let lines = l.refused_lines(&[
        "--as",
        C,
        "import",
        "production",
        "--batch",
        &june,
        &path("production_utf8bom.csv"),
    ]);
    assert_eq!(lines.len(), 13, "{lines:?}");
    assert!(lines[1].ends_with("production_utf8bom.csv:2:2: duplicate voucher number 30000001: already issued for fiscal 2026 in batch 1-2 2026-05 月次"), "{lines:?}");
    assert_eq!((l.heads(&june), l.json(&["voucher", "find", "3"])), before);
    assert_eq!(step(&l.board(&june), 1)["status"], "open");
}

#[test]
fn the_process_2_age_check_wants_75_in_april_or_may_of_the_next_year() {
    let l = Laptop::new();
    l.office_with_cast();
    let b = l.new_batch("2", "2027 4~5月 75歳到達");
    l.import(C, "production", &b, "production_cp932.csv");
    // Process 2 issues next year's vouchers: the same numbers are free in fiscal 2027's register.
    assert_eq!(
        l.json(&["voucher", "find", "30000001"])["hits"][0]["fiscal_year"],
        2027
    );
    let age = l.ok(&["report", "age-check", "--batch", &b]);
    assert_eq!(age.lines().count(), 13, "{age}");
    assert!(
        age.contains(
            "30000004,鈴木 一郎,1951-04-02,\"reaches 75 on 2026-04-01, not in April–May 2027"
        ),
        "{age}"
    );
    l.ok(&step_args(C, "do", &b, "1", &[]));
    l.ok(&step_args(V, "verify", &b, "2", &[]));
    l.ok(&step_args(A, "approve", &b, "3", &[]));
    let why = l.refused(&step_args(C, "do", &b, "4", &[]));
    assert!(
        why.contains("12 subjects of the production list are outside the age rule"),
        "{why}"
    );
}
