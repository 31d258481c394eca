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
            "p_vouchers_in_order",
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

/// A number given in two years: a lookup by it finds both vouchers, newest first, each with its own
/// year's events, as SQLite holds them.
#[test]
fn a_number_of_two_years_shows_each_years_voucher_with_its_own_events() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = kenshin_core::create_demo_years(dir.path(), 2, 120).unwrap();
    let conn = kenshin_store::connect(dir.path()).unwrap();
    let held = |sql: &str, no: &str, year: i32| -> usize {
        conn.query_row(sql, rusqlite::params![no, year], |r| r.get(0))
            .unwrap()
    };
    let events = "SELECT count(*) FROM p_voucher_events WHERE voucher_no = ?1 AND fiscal_year = ?2";
    let vouchers = "SELECT count(*) FROM p_vouchers WHERE voucher_no = ?1 AND fiscal_year > ?2";
    let whole = office.register_page("", 0, 10_000).unwrap();
    let (mut with_events, mut of_two_years) = (0, 0);
    for entry in whole.hits.iter().filter(|e| !e.events.is_empty()) {
        with_events += 1;
        let no = &entry.subject.voucher_no;
        let found = office.find_vouchers(no, 50).unwrap();
        assert_eq!(found.total as usize, held(vouchers, no, 0), "{no}");
        let years: Vec<i32> = found.hits.iter().map(|h| h.fiscal_year).collect();
        assert!(years.windows(2).all(|w| w[0] > w[1]), "{years:?}");
        of_two_years += usize::from(years.len() == 2);
        for hit in &found.hits {
            let want = held(events, no, hit.fiscal_year);
            assert_eq!(hit.events.len(), want, "{no} of {}", hit.fiscal_year);
        }
        let same = found
            .hits
            .iter()
            .find(|h| h.fiscal_year == entry.fiscal_year)
            .unwrap();
        assert_eq!(same, entry, "{no}");
    }
    assert!(
        with_events > 5,
        "the demo's inquiries, returns and pull-outs"
    );
    assert!(of_two_years > 5, "numbers given again the next year");
    // A page shorter than what matches still says how many did.
    let kana: String = whole.hits[0].subject.kana.chars().take(1).collect();
    let all = office.find_vouchers(&kana, 10_000).unwrap();
    let page = office.find_vouchers(&kana, 2).unwrap();
    assert!(all.total > 2);
    assert_eq!((page.total, page.hits.len()), (all.total, 2));
}

/// The register's (number, year) keys `filter` matches, in the order SQLite sorts the whole register.
fn sorted(dir: &std::path::Path, filter: &str) -> Vec<(String, i32)> {
    let conn = kenshin_store::connect(dir).unwrap();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT voucher_no, fiscal_year FROM p_vouchers WHERE {filter}
             ORDER BY fiscal_year DESC, kana_key, voucher_no"
        ))
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The register's counts (by fiscal year and kana prefix) are its vouchers counted again, from
/// SQLite's own rows.
fn counts_agree(dir: &std::path::Path) {
    let conn = kenshin_store::connect(dir).unwrap();
    let rows = |sql: &str| -> Vec<(String, i32, i64)> {
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let counted = rows(
        "WITH k(len) AS (VALUES (0), (1), (2), (3), (4))
         SELECT substr(kana_key, 1, len), fiscal_year, count(*) FROM p_vouchers, k
         WHERE length(kana_key) >= len GROUP BY 1, 2 ORDER BY 1, 2",
    );
    assert!(!counted.is_empty());
    assert_eq!(
        rows("SELECT prefix, fiscal_year, n FROM p_register_counts ORDER BY 1, 2"),
        counted
    );
}

/// A search's totals and pages are the register's as its own transaction sees it: a list imported
/// through another connection to the home is counted at the next search, and the last page is still
/// the register's last. The counts follow every write: an import, a rebuild.
#[test]
fn a_search_counts_what_another_connection_changed() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = kenshin_core::create_demo_years(dir.path(), 2, 60).unwrap();
    let newest = office.register_page("", 0, 1).unwrap().hits[0].fiscal_year;
    let people = subjects(9, newest, 40, 30_000_001);
    let kana: String = people[0].kana.chars().take(1).collect();
    let added = people.iter().filter(|p| p.kana.starts_with(&kana)).count() as u64;
    let total = |office: &mut Office, query: &str| office.register_page(query, 0, 5).unwrap().total;
    let (all, by_kana) = (total(&mut office, ""), total(&mut office, &kana));
    counts_agree(dir.path());
    let mut other = Office::open(dir.path(), None).unwrap();
    let monthly = other
        .new_batch(ProcessId::MonthlyIssuance, "追加 月次", Some(newest))
        .unwrap();
    let file = municipal_csv(&people, TextEncoding::Utf8Bom);
    other
        .import(ListKind::Production, &monthly.batch_id, "m.csv", &file)
        .unwrap();

    assert_eq!(total(&mut office, ""), all + 40);
    assert_eq!(total(&mut office, &kana), by_kana + added);
    counts_agree(dir.path());
    let whole = sorted(dir.path(), "1 = 1");
    let last: Vec<_> = office
        .register_page("", whole.len() - 5, 5)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| (h.subject.voucher_no, h.fiscal_year))
        .collect();
    assert_eq!(last, whole[whole.len() - 5..]);
    office.rebuild_projections().unwrap();
    counts_agree(dir.path());
    assert_eq!(total(&mut office, ""), all + 40);
}

/// The register read a year at a time: pages of any size, blank or by a kana prefix, run through
/// every year newest first with nothing left out or shown twice, in the order SQLite sorts the
/// whole register in, and say how many matched in all.
#[test]
fn pages_of_the_register_run_from_year_to_year_without_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = kenshin_core::create_demo_years(dir.path(), 3, 60).unwrap();
    let sorted = |filter: &str| sorted(dir.path(), filter);
    let whole = sorted("1 = 1");
    let years: std::collections::BTreeSet<i32> = whole.iter().map(|k| k.1).collect();
    assert_eq!(years.len(), 3, "three years of vouchers");
    let first = office.register_page("", 0, 1).unwrap().hits[0]
        .subject
        .kana
        .clone();
    // A prefix of one character is counted from the register's counts, one of five from its index.
    let key = kenshin_core::domain::text::kana_key(&first);
    let [short, long]: [String; 2] = [1, 5].map(|n| key.chars().take(n).collect());
    let by_kana = |prefix: &str| {
        sorted(&format!(
            "kana_key >= '{prefix}' AND kana_key < '{prefix}\u{10FFFF}'"
        ))
    };
    assert_eq!(long.chars().count(), 5, "{first}");
    let (by_short, by_long) = (by_kana(&short), by_kana(&long));
    assert!(by_short.len() > 20 && by_short.len() < whole.len());
    assert!(!by_long.is_empty() && by_long.len() < by_short.len());
    for (query, want) in [("", &whole), (&*short, &by_short), (&*long, &by_long)] {
        for size in [5, 50, want.len()] {
            let mut got = Vec::new();
            for offset in (0..want.len() + size).step_by(size) {
                let page = office.register_page(query, offset, size).unwrap();
                assert_eq!(page.total as usize, want.len(), "{query:?} at {offset}");
                got.extend(
                    page.hits
                        .into_iter()
                        .map(|h| (h.subject.voucher_no, h.fiscal_year)),
                );
            }
            assert_eq!(&got, want, "{query:?} in pages of {size}");
        }
    }
}
