//! Import and lookup at office scale, printed as one table with a SQLite baseline measured in the same run.
//!
//! `cargo bench -p kenshin-core --bench register` (150,000 rows; `KENSHIN_BENCH_ROWS=N` for another size).
//! Import is end to end: a CP932 municipal file is decoded, checked, stored as a list document and
//! projected into the queryable register, in one committed transaction on a fresh home.

use kenshin_core::domain::rows::Subject;
use kenshin_core::domain::{ListKind, ProcessId};
use kenshin_core::exchange::synth::{municipal_csv, subjects, Rng};
use kenshin_core::exchange::{import, TextEncoding};
use kenshin_core::Office;
use std::time::{Duration, Instant};

const RUNS: usize = 5;
const LOOKUPS: usize = 2_000;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn pct(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// The baseline: SQLite inserting the same rows into a table of the same shape and indexes, with the same
/// durability settings, in one transaction.
fn sqlite_insert(rows: &[Subject]) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("baseline.sqlite3")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.execute_batch(
        "CREATE TABLE v (voucher_no TEXT NOT NULL, fiscal_year INTEGER NOT NULL, batch_id TEXT NOT NULL,
           name TEXT NOT NULL, kana TEXT NOT NULL, birth TEXT NOT NULL, sex TEXT NOT NULL, postal TEXT NOT NULL,
           address TEXT NOT NULL, kana_key TEXT NOT NULL, name_key TEXT NOT NULL,
           PRIMARY KEY (voucher_no, fiscal_year)) WITHOUT ROWID;
         CREATE INDEX v_kana ON v(kana_key); CREATE INDEX v_name ON v(name_key);
         CREATE INDEX v_postal ON v(postal); CREATE INDEX v_batch ON v(batch_id);",
    )
    .unwrap();
    let start = Instant::now();
    let tx = conn.unchecked_transaction().unwrap();
    {
        let mut put = tx
            .prepare("INSERT INTO v VALUES (?1, 2026, 'b', ?2, ?3, ?4, ?5, ?6, ?7, ?3, ?2)")
            .unwrap();
        for s in rows {
            put.execute(rusqlite::params![
                s.voucher_no,
                s.name,
                s.kana,
                s.birth.to_string(),
                s.sex,
                s.postal,
                s.address
            ])
            .unwrap();
        }
    }
    tx.commit().unwrap();
    start.elapsed()
}

fn main() {
    let n: usize = std::env::var("KENSHIN_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150_000);
    let people = subjects(42, 2026, n, 10_000_001);
    let file = municipal_csv(&people, TextEncoding::Cp932);

    let mut parse = Vec::new();
    let mut imports = Vec::new();
    let mut baseline = Vec::new();
    let mut homes = Vec::new();
    for run in 0..RUNS {
        let t = Instant::now();
        let parsed = import::<Subject>("bench.csv", &file).unwrap();
        parse.push(t.elapsed());
        assert_eq!(parsed.rows.len(), n);

        let dir = tempfile::tempdir().unwrap();
        let mut office = Office::init(dir.path(), "ベンチ市", "決裁 太郎").unwrap();
        let batch = office
            .new_batch(ProcessId::AnnualIssuance, &format!("run {run}"), Some(2026))
            .unwrap();
        let t = Instant::now();
        let summary = office
            .import(ListKind::Production, &batch.batch_id, "bench.csv", &file)
            .unwrap();
        imports.push(t.elapsed());
        assert_eq!(summary.rows as usize, n);
        baseline.push(sqlite_insert(&parsed.rows));
        homes.push((dir, office));
    }
    let (dir, mut office) = homes.pop().unwrap();
    let db_bytes = std::fs::metadata(dir.path().join("kenshin.sqlite3"))
        .map(|m| m.len())
        .unwrap_or(0);

    // Lookups on the last home: random voucher numbers, and kana prefixes taken from the people.
    let mut rng = Rng::new(7);
    let mut by_number = Vec::new();
    for _ in 0..LOOKUPS {
        let s = &people[rng.below(n as u64) as usize];
        let t = Instant::now();
        let found = office.find_vouchers(&s.voucher_no, 50).unwrap();
        by_number.push(t.elapsed());
        assert_eq!(found.total, 1);
    }
    let mut by_kana = Vec::new();
    for _ in 0..LOOKUPS {
        let s = &people[rng.below(n as u64) as usize];
        let prefix: String = s.kana.chars().take(3).collect();
        let t = Instant::now();
        let found = office.find_vouchers(&prefix, 50).unwrap();
        by_kana.push(t.elapsed());
        assert!(found.total >= 1);
    }
    let conn = rusqlite::Connection::open(dir.path().join("kenshin.sqlite3")).unwrap();
    let mut stmt = conn
        .prepare("SELECT name FROM p_vouchers WHERE voucher_no = ?1 AND fiscal_year = 2026")
        .unwrap();
    let mut raw_number = Vec::new();
    for _ in 0..LOOKUPS {
        let s = &people[rng.below(n as u64) as usize];
        let t = Instant::now();
        let _: String = stmt.query_row([&s.voucher_no], |r| r.get(0)).unwrap();
        raw_number.push(t.elapsed());
    }

    let (imp, base) = (median(imports), median(baseline));
    println!("register benchmark: {n} rows, CP932 file {:.1} MB, home {:.1} MB after import, medians of {RUNS} runs, {LOOKUPS} lookups",
        file.len() as f64 / 1e6, db_bytes as f64 / 1e6);
    println!("| measure | kenshin | baseline | ratio | target |");
    println!("|---|---|---|---|---|");
    println!(
        "| import to queryable register (end to end) | {} | {} (SQLite inserting the rows) | {:.2}x | < 2 s |",
        ms(imp),
        ms(base),
        imp.as_secs_f64() / base.as_secs_f64()
    );
    println!(
        "| of which: decode + check the file | {} | | | |",
        ms(median(parse))
    );
    let (n50, n99, r50) = (
        pct(by_number.clone(), 0.5),
        pct(by_number, 0.99),
        pct(raw_number, 0.5),
    );
    println!(
        "| lookup by voucher number p50 / p99 | {} / {} | {} (SQLite primary key, p50) | {:.1}x | p99 < 1 ms |",
        ms(n50),
        ms(n99),
        ms(r50),
        n50.as_secs_f64() / r50.as_secs_f64()
    );
    println!(
        "| lookup by kana prefix (3 chars, 50 shown) p50 / p99 | {} / {} | | | < 20 ms |",
        ms(pct(by_kana.clone(), 0.5)),
        ms(pct(by_kana, 0.99))
    );
}
