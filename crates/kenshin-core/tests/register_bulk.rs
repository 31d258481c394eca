//! A production list large enough for the register's bulk load (indexes built after inserting), on a
//! real home: searches work after it, a refused bulk import leaves the register and its indexes as they
//! were, and a rebuild from the documents gives the same rows.

use kenshin_core::domain::{ListKind, ProcessId};
use kenshin_core::exchange::synth::{municipal_csv, subjects};
use kenshin_core::exchange::TextEncoding;
use kenshin_core::{CoreError, Office};

fn indexes(dir: &std::path::Path) -> Vec<String> {
    let conn = kenshin_store::connect(dir).unwrap();
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'p_vouchers' AND name LIKE 'p_%' ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn bulk_import_searches_refuses_whole_and_rebuilds() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = Office::init(dir.path(), "テスト市", "決裁 太郎").unwrap();
    let annual = office
        .new_batch(ProcessId::AnnualIssuance, "2026 年次", Some(2026))
        .unwrap();
    let people = subjects(1, 2026, 12_000, 50_000_001);
    let file = municipal_csv(&people, TextEncoding::Cp932);
    let summary = office
        .import(ListKind::Production, &annual.batch_id, "annual.csv", &file)
        .unwrap();
    assert_eq!(summary.rows, 12_000);
    assert_eq!(summary.encoding, "cp932");
    let all_indexes = indexes(dir.path());
    assert_eq!(
        all_indexes,
        [
            "p_vouchers_batch",
            "p_vouchers_kana",
            "p_vouchers_name",
            "p_vouchers_postal"
        ]
    );

    let someone = &people[7_777];
    let by_number = office.find_vouchers(&someone.voucher_no, 10).unwrap();
    assert_eq!(by_number.total, 1);
    assert_eq!(by_number.hits[0].subject, *someone);
    let kana_prefix: String = someone.kana.chars().take(4).collect();
    let by_kana = office.find_vouchers(&kana_prefix, 10_000).unwrap();
    let want = people
        .iter()
        .filter(|p| p.kana.starts_with(&kana_prefix))
        .count();
    assert_eq!(by_kana.total as usize, want);
    assert_eq!(by_kana.hits.len(), want);
    let by_postal = office.find_vouchers(&someone.postal, 20_000).unwrap();
    assert_eq!(
        by_postal.total as usize,
        people.iter().filter(|p| p.postal == someone.postal).count()
    );

    // A second large list with one number already issued: refused whole; nothing changes.
    let before = office.projection_dump().unwrap();
    let monthly = office
        .new_batch(ProcessId::MonthlyIssuance, "2026-05", Some(2026))
        .unwrap();
    let mut more = subjects(2, 2026, 12_500, 60_000_001);
    more[9_000].voucher_no = people[3].voucher_no.clone();
    let refused = office
        .import(
            ListKind::Production,
            &monthly.batch_id,
            "monthly.csv",
            &municipal_csv(&more, TextEncoding::Utf8Bom),
        )
        .unwrap_err();
    match refused {
        CoreError::Import(r) => {
            assert_eq!(r.problems.len(), 1);
            assert_eq!(r.problems[0].line, 9_002);
            assert_eq!(r.problems[0].column, Some(1));
        }
        other => panic!("expected an import refusal, got {other}"),
    }
    assert_eq!(indexes(dir.path()), all_indexes);
    let mut after = office.projection_dump().unwrap();
    // The new batch itself was created before the refused import.
    after.retain(|row| !row.contains(&monthly.batch_id));
    assert_eq!(after, before);

    office.rebuild_projections().unwrap();
    let mut rebuilt = office.projection_dump().unwrap();
    rebuilt.retain(|row| !row.contains(&monthly.batch_id));
    assert_eq!(rebuilt, before);
}
