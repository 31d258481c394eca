//! The voucher as the national standard has it: the insurer's settings (signed, admin only), the
//! institution's phone check with its one-line answer, voids by loss of coverage and by reissue, a
//! reissue made twice offline, encouragement that leaves out the uncovered, and both print layouts.

mod network;
mod support;

use chrono::NaiveDate;
use kenshin_core::domain::dates::era_long;
use kenshin_core::domain::voucher::STANDARD_FIELDS;
use network::{hub_home, join, sync, Hub};
use std::path::Path;
use support::{pdf_text, step_args, Laptop};

const C: &str = "委託 一郎";
const V: &str = "検認 花子";
const A: &str = "決裁 太郎";

/// Today, as the laptop's clock says (the day a check or a mailing is dated).
fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn insurer_args() -> Vec<&'static str> {
    vec![
        "--insurer-no",
        "00131011",
        "--insurer-name",
        "テスト市国民健康保険",
        "--insurer-address",
        "テスト市本町1丁目1番1号",
        "--insurer-phone",
        "03-1234-5678",
        "--contract-org",
        "集合B:B01",
        "--payment-agent-no",
        "13999999",
        "--payment-agent-name",
        "テスト県国民健康保険団体連合会",
        "--self-pay",
        "extra=10%",
        "--self-pay",
        "dock=max:20000円",
    ]
}

fn check(l: &Laptop, no: &str, on: NaiveDate) -> String {
    l.ok(&["voucher", "check", no, "--date", &on.to_string()])
        .trim()
        .to_string()
}

fn csv_file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_voucher_is_answered_for_with_the_insurers_settings_and_voided_by_loss_and_reissue() {
    let l = Laptop::new();
    let b = l.mailed_batch();
    let dir = tempfile::tempdir().unwrap();
    let a4 = dir.path().join("a4.pdf");
    let print = |layout: &str, batch: &str, out: &Path| {
        l.run(&[
            "print",
            "vouchers",
            "--batch",
            batch,
            "--layout",
            layout,
            "--out",
            out.to_str().unwrap(),
        ])
    };

    // No voucher is printed before the insurer's data is set, and only an admin sets it, whole
    // and checked.
    let why = String::from_utf8(print("a4", &b, &a4).stderr).unwrap();
    assert!(why.contains("insurer's settings are needed"), "{why}");
    assert!(!a4.exists());
    let mut bad = vec!["office", "settings"];
    bad.extend(insurer_args());
    bad[3] = "00131012";
    let why = l.refused(&bad);
    assert!(why.contains("should be 1 (check digit)"), "{why}");
    let mut as_contractor = vec!["--as", C, "office", "settings"];
    as_contractor.extend(insurer_args());
    let why = l.refused(&as_contractor);
    assert!(why.contains("admin"), "{why}");
    let why = l.refused(&["office", "settings", "--insurer-no", "00131011"]);
    assert!(why.contains("insurer name: must not be empty"), "{why}");
    let mut set = vec!["office", "settings"];
    set.extend(insurer_args());
    let shown = l.ok(&set);
    assert!(shown.contains("保険者番号\t00131011"), "{shown}");
    assert!(
        shown.contains("窓口での自己負担\t基本:無料 詳細:無料 追加:受診者負担 10% ドック:保険者負担上限 20,000円"),
        "{shown}"
    );
    let settings = l.json(&["office", "settings"]);
    assert_eq!(settings["insurer"]["contract_org_code"], "B01");

    // The phone check: one line with the verdict, the self-pay, the 契約とりまとめ機関 and the sheet.
    let t0 = today();
    let fy_end = NaiveDate::from_ymd_opt(2027, 3, 31).unwrap();
    let valid = |until: NaiveDate| {
        if t0 <= until {
            format!("有効（{}まで）", era_long(until))
        } else {
            format!(
                "無効（有効期限切れ {}から）",
                era_long(until.succ_opt().unwrap())
            )
        }
    };
    let answer = check(&l, "30000001", t0);
    assert_eq!(
        answer,
        format!(
            "{}／自己負担 基本:無料 詳細:無料 追加:受診者負担 10% ドック:保険者負担上限 20,000円／契約とりまとめ機関 集合B／現在の券 30000001（交付 {}）",
            valid(fy_end),
            era_long(t0)
        )
    );
    let json = l.json(&["voucher", "check", "30000001"]);
    assert!(
        json["settings_id"].as_str().is_some_and(|s| !s.is_empty()),
        "{json}"
    );
    assert_eq!(json["entry"]["voucher_no"], "30000001");
    // Pulled out before mailing, never issued, or not in the register.
    assert!(check(&l, "30000004", t0).starts_with("無効（引抜（発送していません））"));
    let before = t0.pred_opt().unwrap();
    assert!(check(&l, "30000001", before).starts_with("無効（未交付）"));
    assert_eq!(
        check(&l, "39999999", t0),
        "対象外（受診券リストにありません）"
    );
    let why = l.refused(&["voucher", "check", "3000x001"]);
    assert!(why.contains("voucher number"), "{why}");
    // Each check is in the access log, as a search is.
    let lookups = || {
        let zip = dir.path().join("archive.zip");
        let month = support::month_now();
        let args = [
            "archive",
            "export",
            "--month",
            &month,
            "--out",
            zip.to_str().unwrap(),
        ];
        l.json(&args)["lookups"].as_u64().unwrap()
    };
    let logged = lookups();
    check(&l, "30000001", t0);
    assert_eq!(lookups(), logged + 1);

    // A loss-of-coverage list (process 4) voids a voucher from its 喪失日; a bad one is refused
    // with line and column, and a list of another insurer too.
    let calls = l.new_batch("4", "2026-12 資格確認");
    let tomorrow = t0.succ_opt().unwrap();
    let refused = |file: &str| {
        l.refused_lines(&[
            "--as",
            C,
            "import",
            "coverage-loss",
            "--batch",
            &calls,
            file,
        ])
    };
    let bad = csv_file(
        dir.path(),
        "bad.csv",
        "受診券整理番号,喪失日,保険者番号,喪失事由\n30000002,R8.12.1,00131012,転出\n30000003,R8.13.1,00131011,社保加入\n",
    );
    let lines = refused(&bad);
    assert!(
        lines[1].ends_with(":2:3: 保険者番号 \"00131012\": insurer number 00131012: the last digit should be 1 (check digit)"),
        "{lines:?}"
    );
    assert!(lines[2].contains("bad.csv:3:2: 喪失日"), "{lines:?}");
    let other = csv_file(
        dir.path(),
        "other.csv",
        "受診券整理番号,喪失日,保険者番号\n30000002,R8.12.1,01130012\n",
    );
    let lines = refused(&other);
    assert!(
        lines[1].ends_with(":2:3: insurer number 01130012 is not this office's (00131011): a list of another insurer"),
        "{lines:?}"
    );
    let losses = csv_file(
        dir.path(),
        "losses.csv",
        &format!(
            "受診券整理番号,喪失日,保険者番号,喪失事由\n30000002,{t0},00131011,転出\n30000003,{tomorrow},00131011,社保加入\n"
        ),
    );
    l.ok(&[
        "--as",
        C,
        "import",
        "coverage-loss",
        "--batch",
        &calls,
        &losses,
    ]);
    assert!(
        check(&l, "30000002", t0).starts_with(&format!("無効（資格喪失 {}から）／", era_long(t0)))
    );
    assert!(check(&l, "30000003", t0).starts_with(&valid(fy_end)));
    assert!(check(&l, "30000003", tomorrow).starts_with("無効（資格喪失"));
    let found = l.json(&["voucher", "find", "30000002"]);
    assert_eq!(found["hits"][0]["status"], "coverage_lost");

    // Encouragement leaves out whoever has a checkup result or has lost coverage, and says how
    // many and why.
    let e = l.new_batch("5", "2026-12 受診勧奨");
    l.import(C, "checkup-results", &e, "checkup_results_cp932.csv");
    let numbers = l.report_column("encouragement", &e);
    assert!(!numbers.contains(&"30000002".into()) && !numbers.contains(&"30000001".into()));
    let counts = l.ok(&["report", "encouragement-counts", "--batch", &e]);
    assert!(counts.contains("対象外（受診済）,2"), "{counts}");
    assert!(counts.contains("対象外（資格喪失）,1"), "{counts}");
    assert!(counts.contains("対象外（引抜）,3"), "{counts}");

    // Both layouts print every field of the standard form, with the office's settings.
    let card = dir.path().join("card.pdf");
    for (layout, out) in [("a4", &a4), ("card", &card)] {
        let printed = print(layout, &b, out);
        assert!(printed.status.success(), "{printed:?}");
        let text = pdf_text(out);
        for field in STANDARD_FIELDS
            .iter()
            .chain(&[
                "00131011",
                "テスト市国民健康保険",
                "集合B（B01）",
                "13999999",
            ])
            .chain(&["テスト県国民健康保険団体連合会", "03-1234-5678", "注意事項"])
        {
            assert!(text.contains(field), "{layout}: {field} in\n{text}");
        }
        assert!(text.contains("髙橋 﨑子"), "{layout}");
        assert!(
            !text.contains("鈴木 一郎"),
            "{layout}: pulled out, not printed"
        );
    }
    // Nine vouchers: nine A4 sheets; three pages of four cards, each with its backs.
    let pages = |pdf: &Path| pdf_text(pdf).matches('\u{c}').count();
    assert_eq!(pages(&a4), 9);
    assert_eq!(pages(&card), 6);
    let why = String::from_utf8(print("a4", &calls, &a4).stderr).unwrap();
    assert!(why.contains("prints no vouchers"), "{why}");

    // A reissue voids the sheet before it from the day the new one is mailed; the first sheet
    // keeps its number and 交付年月日 in the history.
    let r = l.new_batch("3", "2026-12 再発行");
    l.import(C, "reissue-requests", &r, "reissue_requests_utf8bom.csv");
    for (who, verb, no, extra) in [
        (C, "do", "1", &[][..]),
        (C, "do", "2", &[]),
        (C, "do", "3", &[]),
        (C, "do", "4", &[]),
        (C, "do", "5", &[]),
        (V, "verify", "6", &[]),
        (C, "do", "7", &[]),
        (C, "do", "8", &["--count", "envelopes=2"]),
        (C, "do", "9", &["--count", "envelopes=2"]),
        (V, "verify", "10", &[]),
    ] {
        l.ok(&step_args(who, verb, &r, no, extra));
    }
    // Made, not mailed: the first sheet still serves.
    assert!(check(&l, "30000001", t0).contains("現在の券 30000001（"));
    assert!(check(&l, "30000001-R1", t0).starts_with("無効（未交付）"));
    l.ok(&step_args(C, "do", &r, "11", &[]));
    assert!(check(&l, "30000001", t0).starts_with(&format!(
        "無効（再交付済（現在の券は 30000001-R1） {}から）",
        era_long(t0)
    )));
    let answer = check(&l, "30000001-R1", t0);
    assert!(answer.starts_with(&valid(fy_end)), "{answer}");
    assert!(
        answer.ends_with(&format!("現在の券 30000001-R1（交付 {}）", era_long(t0))),
        "{answer}"
    );
    // The reissue batch prints the standard voucher too, marked as reissued.
    let reissued = dir.path().join("reissued.pdf");
    l.ok(&[
        "print",
        "reissues",
        "--batch",
        &r,
        "--out",
        reissued.to_str().unwrap(),
    ]);
    let text = pdf_text(&reissued);
    assert!(text.contains("特定健康診査受診券（再交付）") && text.contains("30000001-R1"));
    assert!(text.contains("申請番号 A-0001"), "{text}");
}

#[test]
fn a_voucher_reissued_on_two_laptops_offline_is_unsettled_until_resolved() {
    let a = hub_home();
    let hub = Hub::start(&a);
    let c = join(&a, &hub.addr, C, "contractor");
    a.ok(&[
        "member",
        "add",
        "--name",
        "委託 二郎",
        "--role",
        "contractor",
    ]);
    // An annual batch mailed by the section, seen by both laptops.
    let annual = a.new_batch("1-1", "2026 年次");
    a.import(A, "production", &annual, "production_cp932.csv");
    a.ok(&step_args(A, "do", &annual, "1", &[]));
    sync(&c, &hub.addr);
    // Offline, each laptop takes the same request in a reissue batch of its own and makes R1.
    let mut batches = Vec::new();
    for (l, who, label) in [(&a, "委託 二郎", "再発行 本庁"), (&c, C, "再発行 出先")]
    {
        let r = l.new_batch("3", label);
        l.import(who, "reissue-requests", &r, "reissue_requests_utf8bom.csv");
        for no in ["1", "2", "3", "4", "5"] {
            l.ok(&step_args(who, "do", &r, no, &[]));
        }
        assert!(check(l, "30000001", today()).contains("現在の券 30000001（"));
        batches.push(r);
    }
    sync(&c, &hub.addr);
    for l in [&a, &c] {
        let answer = check(l, "30000001", today());
        assert_eq!(
            answer,
            "要確認（再交付が二重です: 30000001-R1（再発行 出先）・30000001-R1（再発行 本庁）。事務所で解決するまで有効としません）",
        );
        for r in &batches {
            let board = l.board(r).to_string();
            assert!(board.contains("再交付の二重発行: 30000001-R1"), "{board}");
        }
    }
    hub.stop();
}
