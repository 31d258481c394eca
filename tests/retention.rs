//! 保存期間: a closed fiscal year past its keeping (five years from the next) is deleted on every
//! laptop, its space given back, and never stored again, whoever offers it; what was deleted, when
//! and by whose decision stays.

mod network;
mod support;

use network::{held_text, invite, lookups_logged, sync, Hub, Relay};
use support::Laptop;

const V: &str = "検認 花子";
const C: &str = "委託 一郎";

fn joined(l: &Laptop, hub: &Hub, name: &str) -> Laptop {
    let (_dir, file) = invite(l, name, "section", false);
    let other = Laptop::new();
    other.ok(&["office", "join", file.to_str().unwrap()]);
    sync(&other, &hub.addr);
    other
}

#[test]
fn a_year_past_its_keeping_is_deleted_everywhere_and_stays_deleted() {
    let l = Laptop::new();
    l.office_with_cast();
    // 令和元年度 (2019) is kept until 31 March 2025; 令和2年度 until 31 March 2026; 令和3年度 until 2027.
    let old = l.batch_of_year("1-2", "令和元年度 月次", 2019);
    let people = l.import_residents(C, "targets", &old, 2019, 2_000);
    let kept = l.batch_of_year("1-2", "令和3年度 月次", 2021);
    let resident = &people[17];
    let hub = Hub::start(&l);
    let section = joined(&l, &hub, "課 一子");
    let stale = joined(&l, &hub, "課 二子");
    // A lookup of the resident made in that year (who looked up whom is kept as long as the year).
    let typed = format!("{}（窓口照会）", resident.kana);
    let lookup = serde_json::json!({
        "at": "2019-06-03T01:00:00Z", "by": "決裁 太郎", "query": typed,
        "matched": 1, "shown": [resident.voucher_no],
    });
    let db = kenshin_store::connect(l.home.path()).unwrap();
    db.execute(
        "INSERT INTO access_pending(lookup) VALUES (?1)",
        [lookup.to_string()],
    )
    .unwrap();
    drop(db);
    // The hub's engine moves it into the office's access log of June 2019.
    lookups_logged(&l);
    sync(&section, &hub.addr);
    sync(&stale, &hub.addr);
    // The section's laptop also syncs through a relay between sites: it holds every document's sealed
    // twin, the deleted year's among them.
    let relay = Relay::start();
    section.ok(&["sync", "--relay", &relay.url, "--once", "--timeout", "60"]);
    let twins = |laptop: &Laptop| -> i64 {
        let db = kenshin_store::connect(laptop.home.path()).unwrap();
        db.query_row(
            "SELECT count(DISTINCT substr(key, 1, instr(key, '/') - 1)) FROM twins",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let twins_before = twins(&section);
    for laptop in [&l, &section, &stale] {
        let held = held_text(laptop);
        assert!(held.contains(&resident.name) && held.contains(&resident.kana));
        assert!(held.contains(&typed), "the access log of June 2019 is here");
        assert!(laptop.chunks_of(&old) > 0);
    }

    // Refused, with the reason: not closed, not due yet, not an approver.
    let why = l.refused(&["retention", "purge", "--fiscal-year", "2019"]);
    assert!(why.contains("not closed"), "{why}");
    let why = l.refused(&["retention", "purge", "--fiscal-year", "2021"]);
    assert!(why.contains("kept until 2027-03-31"), "{why}");
    l.close_year(2019);
    let why = l.refused(&["--as", V, "retention", "purge", "--fiscal-year", "2019"]);
    assert!(why.contains("approver"), "{why}");
    let listed = l.json(&["retention", "list"]);
    let year = |fy: i64| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|y| y["fiscal_year"] == fy)
            .unwrap_or_else(|| panic!("{fy} listed: {listed}"))
            .clone()
    };
    assert_eq!(
        (
            &year(2019)["due"],
            &year(2019)["closed"],
            &year(2019)["deleted"]
        ),
        (&true.into(), &true.into(), &false.into())
    );
    assert_eq!(year(2021)["due"], false);
    assert!(year(2019)["rule"].as_str().unwrap().contains("第10条"));

    let before = l.db_size();
    l.ok(&["retention", "purge", "--fiscal-year", "2019"]);
    let after = l.db_size();
    assert!(after < before, "the file shrinks: {before} → {after} bytes");
    let why = l.refused(&["retention", "purge", "--fiscal-year", "2019"]);
    assert!(why.contains("already deleted"), "{why}");

    // Gone from this laptop: no chunk, no projection, no value anywhere holds the resident.
    let gone = |laptop: &Laptop| {
        let held = held_text(laptop);
        assert!(!held.contains(&resident.name), "the name is gone");
        assert!(!held.contains(&resident.kana), "the kana is gone");
        assert!(!held.contains(&typed), "the year's access log is gone");
        assert!(
            !held.contains(&resident.voucher_no),
            "the voucher number is gone"
        );
        assert_eq!(laptop.chunks_of(&old), 0);
        let batches = laptop.ok(&["batch", "list"]);
        assert!(!batches.contains("令和元年度"), "{batches}");
        assert!(batches.contains("令和3年度"), "{batches}");
        assert!(laptop
            .json(&["retention", "list"])
            .to_string()
            .contains("\"deleted\":true"));
        assert!(laptop
            .refused(&["board", "--batch", &old])
            .contains("no batch"));
    };
    gone(&l);
    assert!(l.chunks_of(&kept) > 0);
    // The month's archive lists the deletion: the year, its batches, who decided; no one's data.
    let (_dir, zip) = l.verified_archive();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let mut listed = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("deletions.csv").unwrap(), &mut listed).unwrap();
    assert!(
        listed.contains("令和元年度")
            && listed.contains("令和元年度 月次")
            && listed.contains("決裁 太郎"),
        "{listed}"
    );
    assert!(!listed.contains(&resident.name), "{listed}");

    // Every laptop deletes it on its next sync, with the sealed twins of what it deleted.
    sync(&section, &hub.addr);
    gone(&section);
    let twins_after = twins(&section);
    assert!(
        twins_after < twins_before,
        "twins of the deleted year: {twins_before} → {twins_after}"
    );
    // A laptop that still holds it offers it: nothing of it is stored again, and it deletes its own.
    sync(&stale, &hub.addr);
    gone(&l);
    gone(&stale);
    hub.stop();
}
