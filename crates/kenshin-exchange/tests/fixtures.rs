//! The importers on the fixture files in `tests/fixtures` (CP932 and UTF-8, written for these tests; see
//! that folder's README). Every refusal reason is checked with its line and column.

use kenshin_domain::rows::{
    self, CheckupResult, CoverageLoss, Pullout, ReissueRequest, Returned, Subject,
};
use kenshin_domain::said::english_in;
use kenshin_exchange::{import, Problem, TextEncoding};
use std::path::PathBuf;

fn fixture(name: &str) -> (String, Vec<u8>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name);
    (name.to_string(), std::fs::read(&path).expect("fixture"))
}

fn problems_of<R: kenshin_exchange::import::Import + std::fmt::Debug>(name: &str) -> Vec<String> {
    let (name, bytes) = fixture(name);
    let refused = import::<R>(&name, &bytes).expect_err("the fixture must be refused");
    for p in &refused.problems {
        let english = english_in(&p.ja, &["CSV", "CP932", "UTF-8"]);
        assert!(english.is_empty(), "{name}: {english:?} in {}", p.ja);
    }
    refused
        .problems
        .iter()
        .map(
            |Problem {
                 line, column, why, ..
             }| match column {
                Some(c) => format!("{line}:{c}: {why}"),
                None => format!("{line}: {why}"),
            },
        )
        .collect()
}

#[test]
fn production_in_cp932_and_utf8_gives_the_same_canonical_rows() {
    let (name, bytes) = fixture("production_cp932.csv");
    let cp932 = import::<Subject>(&name, &bytes).unwrap();
    assert_eq!(cp932.encoding, TextEncoding::Cp932);
    assert_eq!(cp932.rows.len(), 12);
    assert_eq!(cp932.lines, (2..=13).collect::<Vec<u64>>());
    let first = &cp932.rows[0];
    // Names and addresses as written (NEC and IBM extensions kept), kana full width, digits ASCII.
    assert_eq!(first.name, "髙橋 﨑子");
    assert_eq!(first.kana, "タカハシ サキコ");
    assert_eq!(first.birth.to_string(), "1960-02-29");
    assert_eq!(first.postal, "9990001");
    assert_eq!(first.address, "城南市本町１丁目２番３号 ハイツ①");
    assert_eq!(cp932.rows[2].address, "城南市栄町3丁目1番 ㈱城南社宅");
    assert_eq!(cp932.rows[3].sex, "1");
    assert_eq!(cp932.rows[9].birth.to_string(), "1975-07-07");
    assert_eq!(cp932.rows[10].birth.to_string(), "1965-08-15");

    let (name, bytes) = fixture("production_utf8bom.csv");
    let utf8 = import::<Subject>(&name, &bytes).unwrap();
    assert_eq!(utf8.encoding, TextEncoding::Utf8Bom);
    assert_eq!(rows::encode(&utf8.rows), rows::encode(&cp932.rows));
}

#[test]
fn other_lists_read() {
    let (name, bytes) = fixture("pullouts_cp932.csv");
    let p = import::<Pullout>(&name, &bytes).unwrap();
    assert_eq!(p.rows.len(), 3);
    assert_eq!(p.rows[0].reason, "75歳到達（後期高齢者医療へ移行）");

    let (name, bytes) = fixture("returned_utf8.csv");
    let r = import::<Returned>(&name, &bytes).unwrap();
    assert_eq!(r.encoding, TextEncoding::Utf8);
    assert_eq!(r.rows[1].returned_on.to_string(), "2026-06-12");

    let (name, bytes) = fixture("reissue_requests_utf8bom.csv");
    let q = import::<ReissueRequest>(&name, &bytes).unwrap();
    assert_eq!(q.rows.len(), 4);
    assert_eq!(q.rows[0].applied_on.to_string(), "2026-07-01");
    assert_eq!(q.rows[1].kana, "いとう けいこ");
    assert_eq!(q.rows[1].birth.to_string(), "1987-04-01");

    let (name, bytes) = fixture("checkup_results_cp932.csv");
    let c = import::<CheckupResult>(&name, &bytes).unwrap();
    assert_eq!(c.rows[0].checked_on.to_string(), "2026-08-01");

    // 資格喪失者リスト: the 保険者番号 in full-width digits too, 資格喪失日 for 喪失日.
    let (name, bytes) = fixture("coverage_loss_utf8.csv");
    let l = import::<CoverageLoss>(&name, &bytes).unwrap();
    assert_eq!(l.rows[0].lost_on.to_string(), "2026-09-01");
    assert_eq!(l.rows[0].insurer_no, "00131011");
    assert_eq!(l.rows[1].reason, "社保加入");
}

#[test]
fn a_bad_loss_of_coverage_list_names_each_bad_date_and_insurer_number() {
    assert_eq!(
        problems_of::<CoverageLoss>("coverage_loss_bad_utf8.csv"),
        [
            "2:2: 喪失日 \"R8.13.1\": bad date: no such day",
            "3:3: 保険者番号 \"00131012\": insurer number 00131012: the last digit should be 1 (check digit)",
            "4:3: 保険者番号 \"131011\": insurer number \"131011\": 8 digits (a 国保 number is written 00 and its 6 digits)",
            "5:1: duplicate voucher number 30000002 (first on line 2)",
        ]
    );
}

#[test]
fn every_problem_is_listed_with_line_and_column() {
    let got = problems_of::<Subject>("bad_production_cp932.csv");
    let want = [
        "2:4: 生年月日 \"R8.13.1\": bad date: no such day",
        "3:4: 生年月日 \"X45.1.1\": unknown era \"X\": the eras are 令和 (R), 平成 (H), 昭和 (S), 大正 (T), 明治 (M)",
        "4:1: duplicate voucher number 40000001 (first on line 2)",
        "5:6: 郵便番号 \"999001\": postal code not 7 digits",
        "6:2: 氏名: undecodable bytes: the file is neither CP932 nor UTF-8 here",
        "7:3: カナ氏名 \"高橋\": kana name must be written in kana",
        "8:5: 性別 \"3\": sex must be 1 (男) or 2 (女)",
        "9:4: 生年月日 \"H31.5.1\": bad date: 平成 ran from 1989-01-08 to 2019-04-30",
        "10: 2 fields, the header has 7",
        "11:1: 受診券整理番号 \"4000x009\": voucher number must be 4 to 16 digits",
        "12:2: 氏名: empty",
    ];
    assert_eq!(got, want);
}

#[test]
fn a_missing_column_is_named_with_its_aliases() {
    assert_eq!(
        problems_of::<Subject>("bad_missing_column_utf8.csv"),
        ["1: missing column 生年月日 (also read as: 誕生日, birth_date, birth)"]
    );
}

#[test]
fn refusal_message_names_the_file() {
    let (name, bytes) = fixture("bad_missing_column_utf8.csv");
    let refused = import::<Subject>(&name, &bytes).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "bad_missing_column_utf8.csv refused, nothing imported: 1 problem\n\
         bad_missing_column_utf8.csv:1: missing column 生年月日 (also read as: 誕生日, birth_date, birth)"
    );
}

#[test]
fn empty_and_header_only_files_are_refused() {
    assert_eq!(
        import::<Pullout>("empty.csv", b"").unwrap_err().problems[0].why,
        "the file is empty"
    );
    assert_eq!(
        import::<Pullout>("header.csv", "受診券整理番号,理由\r\n".as_bytes())
            .unwrap_err()
            .problems[0]
            .why,
        "the file has a header but no rows"
    );
}
