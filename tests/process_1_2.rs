//! Process 1-2 (monthly new issuance) from step 1 to step 15 through the CLI against a real home, with
//! the fixture lists: age check, pull-outs, postal-code counts, envelopes that must reconcile, returned
//! mail, data control, and one send-back at step 5.

mod support;

use support::{step, step_args, Laptop};

const C: &str = "委託 一郎";
const V: &str = "検認 花子";
const A: &str = "決裁 太郎";

#[test]
fn monthly_issuance_runs_end_to_end_with_lists_that_reconcile() {
    let l = Laptop::new();
    l.office_with_cast();
    let b = l.new_batch("1-2", "2026-05 月次");
    let rec = |who: &str, verb: &str, no: &str, extra: &[&str]| {
        l.ok(&step_args(who, verb, &b, no, extra))
    };
    let refused = |who: &str, verb: &str, no: &str, extra: &[&str]| {
        l.refused(&step_args(who, verb, &b, no, extra))
    };

    l.import(C, "production", &b, "production_cp932.csv");
    // The first pull-out list misses two subjects outside the age rule.
    l.import(C, "pullouts", &b, "pullouts_partial_cp932.csv");
    rec(C, "do", "1", &["--count", "targets=12"]);
    rec(V, "verify", "2", &[]);
    rec(A, "approve", "3", &[]);

    let age = l.ok(&["report", "age-check", "--batch", &b]);
    assert!(
        age.contains("30000004,鈴木 一郎,1951-04-02,\"left NHI"),
        "{age}"
    );
    assert!(
        age.contains("30000005,田中 次郎,1987-04-02,\"under 40: reaches 40 on 2027-04-01"),
        "{age}"
    );
    assert_eq!(age.lines().count(), 3, "{age}");
    let why = refused(C, "do", "4", &[]);
    assert!(
        why.contains("2 subjects of the production list are outside the age rule and not on the pull-out list: 30000004 鈴木 一郎"),
        "{why}"
    );
    // The complete pull-out list replaces the first (step 4 has not used it yet).
    l.import(C, "pullouts", &b, "pullouts_cp932.csv");
    let why = refused(C, "do", "4", &["--count", "production=11"]);
    assert_eq!(
        why,
        "kenshin: step 4 refused: production=11 was given, but the production list has 12"
    );
    let out = rec(C, "do", "4", &[]);
    assert!(
        out.contains("production=12 pulled_out=3 to_send=9"),
        "{out}"
    );
    // Lists a step has used cannot change under it.
    let why = l.refused(&[
        "--as",
        C,
        "import",
        "pullouts",
        "--batch",
        &b,
        support::fixture("pullouts_cp932.csv").to_str().unwrap(),
    ]);
    assert!(why.contains("step 4 used it and is done"), "{why}");

    // The verifier sends step 4 back; it is redone and verified.
    rec(
        V,
        "verify",
        "5",
        &["--send-back", "件数リストの合計が不一致"],
    );
    let board = l.board(&b);
    assert_eq!(step(&board, 4)["status"], "sent_back");
    assert_eq!(step(&board, 5)["waiting"][0]["sent_back"], true);
    l.refused(&step_args(A, "approve", &b, "6", &[]));
    rec(C, "do", "4", &["--note", "件数リスト再作成"]);
    rec(V, "verify", "5", &[]);
    rec(A, "approve", "6", &[]);

    let postal = l.ok(&["report", "postal-counts", "--batch", &b]);
    assert_eq!(
        postal.replace("\r\n", "\n"),
        "郵便番号,件数\n999-0001,2\n999-0004,1\n999-0007,1\n999-0010,2\n999-0013,3\n合計,9\n"
    );

    let why = refused("委託 二郎", "do", "7", &["--count", "pulled=2"]);
    assert!(
        why.ends_with("pulled=2 was given, but the pull-out list has 3"),
        "{why}"
    );
    rec("委託 二郎", "do", "7", &["--count", "blank=1"]);
    rec(V, "verify", "8", &[]);

    let why = refused(C, "do", "9", &[]);
    assert!(
        why.contains("--count envelopes=N (the postal-code count list says 9)"),
        "{why}"
    );
    let why = refused(C, "do", "9", &["--count", "envelopes=8"]);
    assert_eq!(
        why,
        "kenshin: step 9 refused: counts do not reconcile: envelopes 8, postal-code count list total 9, production − pulled out = 9"
    );
    rec(C, "do", "9", &["--count", "envelopes=9"]);
    rec(V, "verify", "10", &[]);

    // Returned mail comes after sending.
    let returned = support::fixture("returned_utf8.csv");
    let returned = returned.to_str().unwrap();
    let why = l.refused(&["--as", C, "import", "returned", "--batch", &b, returned]);
    assert!(
        why.contains("comes after step 11 (Send), which is open"),
        "{why}"
    );
    rec(C, "do", "11", &["--count", "sent=9"]);
    rec(C, "do", "12", &[]);

    let lines = l.refused_lines(&[
        "--as",
        C,
        "import",
        "returned",
        "--batch",
        &b,
        support::fixture("returned_bad_utf8.csv").to_str().unwrap(),
    ]);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[1]
            .ends_with("returned_bad_utf8.csv:2:1: voucher 30000004 was pulled out, not mailed"),
        "{lines:?}"
    );
    assert!(
        lines[2]
            .ends_with("returned_bad_utf8.csv:3:1: voucher 30000099 was not mailed in this batch"),
        "{lines:?}"
    );
    l.ok(&["--as", C, "import", "returned", "--batch", &b, returned]);
    l.ok(&[
        "--as",
        C,
        "return",
        "record",
        "--batch",
        &b,
        "--voucher",
        "３０００００１１",
        "--reason",
        "転居先不明",
        "--date",
        "R8.6.15",
    ]);
    let why = l.refused(&[
        "--as",
        C,
        "return",
        "record",
        "--batch",
        &b,
        "--voucher",
        "30000011",
        "--reason",
        "二重",
    ]);
    assert!(why.contains("already recorded as returned"), "{why}");

    let out = rec(C, "do", "13", &[]);
    assert!(out.contains("returned=3"), "{out}");
    // A return recorded after the data update is not yet reflected: data control refuses.
    l.ok(&[
        "--as",
        C,
        "return",
        "record",
        "--batch",
        &b,
        "--voucher",
        "30000012",
        "--reason",
        "宛所不明",
    ]);
    let why = refused(V, "verify", "14", &[]);
    assert!(
        why.ends_with("4 returns recorded, but step 13 counted 3: record step 13 again first"),
        "{why}"
    );
    rec(C, "do", "13", &[]);
    rec(V, "verify", "14", &[]);
    rec(C, "do", "15", &["--count", "calls=2"]);

    let board = l.board(&b);
    let statuses: Vec<&str> = board["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "done", "verified", "approved", "done", "verified", "approved", "done", "verified",
            "done", "verified", "done", "done", "done", "verified", "done"
        ]
    );
    let history_5 = step(&board, 5)["history"].as_array().unwrap();
    assert_eq!(history_5[0]["send_back"], "件数リストの合計が不一致");
    assert_eq!(step(&board, 4)["decisive"]["note"], "件数リスト再作成");
    assert_eq!(step(&board, 9)["decisive"]["counts"]["envelopes"], 9);
    assert_eq!(step(&board, 13)["decisive"]["counts"]["returned"], 4);

    // The register: by number, kana in half width or hiragana, kanji name, postal code.
    let find = |q: &str| l.json(&["voucher", "find", q]);
    let hit = find("30000004");
    assert_eq!(hit["total"], 1);
    assert_eq!(hit["hits"][0]["status"], "pulled_out");
    assert_eq!(
        hit["hits"][0]["events"][0]["detail"],
        "75歳到達（後期高齢者医療へ移行）"
    );
    for q in ["ﾀｶﾊｼ", "たかはし", "タカハシ サ", "髙橋", "30000001"] {
        let hit = find(q);
        assert_eq!(hit["total"], 1, "{q}");
        assert_eq!(hit["hits"][0]["voucher_no"], "30000001", "{q}");
        assert_eq!(hit["hits"][0]["status"], "sent", "{q}");
    }
    assert_eq!(find("999-0013")["total"], 3);
    assert_eq!(find("30000010")["hits"][0]["status"], "returned");
    assert_eq!(find("30000010")["hits"][0]["events"][0]["on"], "2026-06-12");

    // Reports as files: CP932 CSV and XLSX.
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("returned.csv");
    l.ok(&[
        "report",
        "returned",
        "--batch",
        &b,
        "--out",
        csv_path.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&csv_path).unwrap();
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "CP932 by default for files"
    );
    let text = encoding_rs::SHIFT_JIS.decode(&bytes).0;
    assert!(
        text.starts_with("受診券整理番号,氏名,郵便番号,住所,返送日,返送理由\r\n30000002,山田 太郎"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 5);
    let xlsx = dir.path().join("pullouts.xlsx");
    l.ok(&[
        "report",
        "pullouts",
        "--batch",
        &b,
        "--format",
        "xlsx",
        "--out",
        xlsx.to_str().unwrap(),
    ]);
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));

    // Projections are derived: rebuilding them from the documents gives the same rows.
    let before = l.json(&["board"]);
    let dump = find("ヤ");
    l.ok(&["projections", "rebuild"]);
    assert_eq!(l.json(&["board"]), before);
    assert_eq!(find("ヤ"), dump);

    let text = l.ok(&["board", "--batch", &b]);
    assert!(
        text.contains("検認済") && text.contains("envelopes=9"),
        "{text}"
    );
    let text_en = l.ok(&["board", "--batch", "2026-05 月次", "--lang", "en"]);
    assert!(text_en.contains("verified"), "{text_en}");
}

#[test]
fn the_board_lists_every_batch_and_blocked_steps_say_what_they_wait_for() {
    let l = Laptop::new();
    l.office_with_cast();
    let b1 = l.new_batch("1-2", "2026-05 月次");
    let b2 = l.new_batch("2", "2027 4~5月 75歳到達");
    l.ok(&step_args(C, "do", &b2, "1", &[]));
    let board = l.json(&["board"]);
    let ids: Vec<&str> = board
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["batch_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [b1.as_str(), b2.as_str()]);
    assert_eq!(board[1]["steps"].as_array().unwrap().len(), 16);
    let s3 = step(&board[1], 3);
    assert_eq!(s3["status"], "blocked");
    assert_eq!(s3["waiting"][0]["step"], 2);
    assert_eq!(s3["waiting"][0]["needs"], "verify");
    assert_eq!(step(&board[1], 2)["status"], "awaiting_verify");
    let text = l.ok(&["board", "--batch", &b2]);
    assert!(text.contains("工程2の検認待ち"), "{text}");
}
