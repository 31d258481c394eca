//! 保存期間: a closed fiscal year past its keeping (five years from the next) is deleted on every
//! laptop, its space given back, and never stored again, whoever offers it; what was deleted, when
//! and by whose decision stays. So are the rows of persons who left the insurer, past the end of the
//! fiscal year after they left (資格喪失者の削除), from every list that holds them.

mod network;
mod support;

use network::{held_text, invite, lookups_logged, relay_blobs, sync, Hub, Relay};
use std::collections::{BTreeMap, BTreeSet};
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
    l.import_residents(C, "production", &old, 2019, 2_000);
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
    // What the relay keeps, by the document each twin is of (named with the section's keys).
    let held_docs = |laptop: &Laptop| -> BTreeSet<String> {
        let db = kenshin_store::connect(laptop.home.path()).unwrap();
        let mut q = db
            .prepare("SELECT DISTINCT substr(key, 1, instr(key, '/') - 1) FROM chunks")
            .unwrap();
        let docs = q.query_map([], |r| r.get(0)).unwrap();
        docs.map(|d| d.unwrap()).collect()
    };
    let docs_before = held_docs(&section);
    let ring = |laptop: &Laptop| {
        let mut office = kenshin_core::Office::open(laptop.home.path(), None).unwrap();
        office.relay_keys().unwrap()
    };
    let naming = ring(&section);
    let kept_by_relay: BTreeMap<String, Vec<Vec<u8>>> = relay_blobs(&relay.stored())
        .into_iter()
        .filter_map(|(twin, blobs)| {
            let doc = docs_before.iter().find(|d| {
                let id = naming.twin_id(d).unwrap().to_vec();
                kenshin_store::DocumentId::try_from(id).unwrap().to_string() == twin
            })?;
            Some((doc.clone(), blobs))
        })
        .collect();
    assert!(
        kept_by_relay.contains_key(&old) && kept_by_relay.contains_key(&kept),
        "the relay keeps both years' batches: {:?}",
        kept_by_relay.keys()
    );
    let open_before: BTreeSet<&String> = kept_by_relay
        .iter()
        .filter(|(d, blobs)| blobs.iter().all(|b| naming.open(d, b).is_ok()))
        .map(|(d, _)| d)
        .collect();
    // How many of the blobs the relay keeps of `docs` open with a laptop's keys.
    let opened = |laptop: &Laptop, docs: &BTreeSet<String>| -> (usize, usize) {
        let ring = ring(laptop);
        let blobs = docs.iter().flat_map(|d| {
            kept_by_relay
                .get(d)
                .into_iter()
                .flatten()
                .map(move |b| (d, b))
        });
        let (mut open, mut all) = (0, 0);
        for (doc, blob) in blobs {
            all += 1;
            open += usize::from(ring.open(doc, blob).is_ok());
        }
        (open, all)
    };
    let year_secrets = |laptop: &Laptop, fy: i32| -> i64 {
        kenshin_store::connect(laptop.home.path())
            .unwrap()
            .query_row(
                "SELECT count(*) FROM local WHERE key = ?1",
                [format!("year_secret:{fy}")],
                |r| r.get(0),
            )
            .unwrap()
    };
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
        listed["years"]
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

    // A window kept open on this laptop counts the register again after the deletion.
    let mut window = kenshin_core::Office::open(l.home.path(), None).unwrap();
    let held = window.register_page("", 0, 1).unwrap().total;
    let before = l.db_size();
    l.ok(&["retention", "purge", "--fiscal-year", "2019"]);
    let left: u64 = kenshin_store::connect(l.home.path())
        .unwrap()
        .query_row("SELECT count(*) FROM p_vouchers", [], |r| r.get(0))
        .unwrap();
    assert!(left < held, "{left} of {held}");
    assert_eq!(window.register_page("", 0, 1).unwrap().total, left);
    drop(window);
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
        laptop.register_counts_agree();
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
    // A laptop that joins after the deletion presents a key for 2019 too (it knows of no deletion
    // yet): none is written for it, and its secret for the year is destroyed on its first sync.
    let late = joined(&l, &hub, "課 三子");
    hub.stop();
    let office = kenshin_store::Home::open(l.home.path())
        .unwrap()
        .read(|tx| tx.read_office(&tx.office_doc_id()?.unwrap()))
        .unwrap();
    let laptop = &office
        .members
        .iter()
        .find(|m| m.member.name == "課 三子")
        .unwrap()
        .noise_key;
    let years_of = |laptop: &str| -> BTreeSet<i32> {
        office
            .laptop_year_keys
            .iter()
            .filter(|k| k.laptop == laptop)
            .map(|k| k.fiscal_year)
            .collect()
    };
    assert!(years_of(laptop).contains(&2021), "{:?}", years_of(laptop));
    assert!(!years_of(laptop).contains(&2019), "{:?}", years_of(laptop));
    assert_eq!(year_secrets(&late, 2019), 0);

    // The relay still keeps what it was given of the deleted year (an automerge-repo sync server
    // deletes nothing), sealed under the year's key: no laptop of the office opens any of it, since
    // each destroyed its secret for the year. The kept year's blobs still open.
    let deleted: BTreeSet<String> = docs_before
        .difference(&held_docs(&section))
        .cloned()
        .collect();
    assert!(deleted.contains(&old), "{deleted:?}");
    assert!(
        deleted.len() >= 3,
        "the batch, its lists and the month's log: {deleted:?}"
    );
    assert!(
        deleted.iter().all(|d| open_before.contains(d)),
        "before the deletion the section opened every blob of the year"
    );
    for laptop in [&l, &section, &stale] {
        let (open, all) = opened(laptop, &deleted);
        assert!(
            all >= deleted.len(),
            "the relay keeps {all} blobs of the deleted year"
        );
        assert_eq!(open, 0, "{open} of {all} blobs of the deleted year open");
        assert_eq!(year_secrets(laptop, 2019), 0);
        assert_eq!(year_secrets(laptop, 2021), 1);
    }
    let (open, all) = opened(&section, &BTreeSet::from([kept.clone()]));
    assert!(
        open == all && all > 0,
        "{open} of {all} of the kept year open"
    );
}

/// The deciding laptop projects the batches a redaction touched as its sync engine would, with
/// the engine's notes: the engine does not read the new lists back into the register (probed by
/// taking a voucher out behind its back: it stays out until the projections are rebuilt).
#[test]
fn the_engine_does_not_read_a_redactions_new_lists_back() {
    let l = Laptop::new();
    l.office_with_cast();
    let monthly = l.batch_of_year("1-2", "令和6年度 月次", 2024);
    l.import_residents(C, "targets", &monthly, 2024, 20);
    let people = l.import_residents(C, "production", &monthly, 2024, 20);
    l.ok(&support::step_args(
        C,
        "do",
        &monthly,
        "1",
        &["--count", "targets=20"],
    ));
    let calls = l.batch_of_year("4", "令和6年度 問合せ", 2024);
    l.import_losses(&calls, &[(&people[0].voucher_no, "2024-10-01")]);
    l.close_year(2024);
    l.json(&["retention", "purge", "--departed"]);
    let probe = &people[1].voucher_no;
    let found = |l: &Laptop| l.json(&["voucher", "find", probe])["total"].clone();
    assert_eq!(found(&l), 1);
    kenshin_store::connect(l.home.path())
        .unwrap()
        .execute("DELETE FROM p_vouchers WHERE voucher_no = ?1", [probe])
        .unwrap();
    assert_eq!(found(&l), 0, "the probe shows in a search");
    Hub::start(&l).stop();
    assert_eq!(found(&l), 0, "the engine read the new lists back");
    kenshin_core::Office::open(l.home.path(), None)
        .unwrap()
        .rebuild_projections()
        .unwrap();
    assert_eq!(found(&l), 1, "a rebuild reads them");
}

#[test]
fn departed_persons_rows_go_from_every_list_and_laptop_and_the_work_still_counts() {
    let l = Laptop::new();
    l.office_with_cast();
    // 令和6年度 (2024): who left in it is kept to 31 March 2026, then due. Who left in 令和7年度 is not.
    let monthly = l.batch_of_year("1-2", "令和6年度 月次", 2024);
    let people = l.import_residents(C, "targets", &monthly, 2024, 300);
    let dir = tempfile::tempdir().unwrap();
    let production = dir.path().join("production.csv");
    std::fs::write(
        &production,
        kenshin_core::exchange::synth::municipal_csv(
            &people,
            kenshin_core::exchange::TextEncoding::Cp932,
        ),
    )
    .unwrap();
    let imported = l.json(&[
        "--as",
        C,
        "import",
        "production",
        "--batch",
        &monthly,
        production.to_str().unwrap(),
    ]);
    let old_production = imported["list_id"].as_str().unwrap().to_string();
    l.ok(&support::step_args(
        C,
        "do",
        &monthly,
        "1",
        &["--count", "targets=300"],
    ));
    let calls = l.batch_of_year("4", "令和6年度 問合せ", 2024);
    // People whose name and kana no one else has, so that finding them anywhere means them.
    let unique: Vec<&kenshin_core::domain::rows::Subject> = people
        .iter()
        .filter(|p| {
            people
                .iter()
                .filter(|q| q.name == p.name || q.kana == p.kana)
                .count()
                == 1
        })
        .collect();
    let (gone_a, gone_b, staying, other) = (unique[0], unique[1], unique[2], unique[3]);
    let old_losses = l.import_losses(
        &calls,
        &[
            (&gone_a.voucher_no, "2024-10-01"),
            (&gone_b.voucher_no, "2025-03-31"),
            (&staying.voucher_no, "2025-04-01"),
        ],
    );
    let hub = Hub::start(&l);
    let section = joined(&l, &hub, "課 一子");
    let stale = joined(&l, &hub, "課 二子");
    for laptop in [&l, &section, &stale] {
        assert!(held_text(laptop).contains(&gone_a.name));
    }

    // Listed as due, and refused while their year is open, by a non-approver, and with nothing due.
    let listed = l.json(&["retention", "list"]);
    let departed = &listed["departed"];
    assert_eq!(departed["persons"], 2, "{listed}");
    assert_eq!(departed["lost_by"], "2025-03-31", "{listed}");
    assert_eq!(
        departed["open_years"],
        serde_json::json!([2024]),
        "{listed}"
    );
    assert!(departed["rule"]
        .as_str()
        .unwrap()
        .contains("資格喪失の翌年度末"));
    let why = l.refused(&["retention", "purge", "--departed"]);
    assert!(why.contains("not closed: 2024"), "{why}");
    l.close_year(2024);
    let why = l.refused(&["--as", V, "retention", "purge", "--departed"]);
    assert!(why.contains("approver"), "{why}");
    let redaction = l.json(&["retention", "purge", "--departed"]);
    // The targets, the production list and the loss list each lost the two; nothing names them.
    let lists = redaction["lists"].as_array().unwrap();
    assert_eq!(lists.len(), 3, "{redaction}");
    for list in lists {
        assert_eq!(
            list["old_rows"].as_u64().unwrap() - list["new_rows"].as_u64().unwrap(),
            2,
            "{list}"
        );
    }
    assert!(!redaction.to_string().contains(&gone_a.voucher_no));
    let why = l.refused(&["retention", "purge", "--departed"]);
    assert!(why.contains("nothing is due"), "{why}");

    let gone = |laptop: &Laptop| {
        let held = held_text(laptop);
        for person in [gone_a, gone_b] {
            assert!(!held.contains(&person.name), "{} is gone", person.name);
            assert!(!held.contains(&person.kana));
        }
        laptop.register_counts_agree();
        assert!(held.contains(&staying.name), "who left later is kept");
        assert!(held.contains(&other.name), "everyone else is kept");
        assert_eq!(laptop.chunks_of(&old_production), 0);
        assert_eq!(laptop.chunks_of(&old_losses), 0);
        let found = laptop.json(&["voucher", "find", &gone_a.voucher_no]);
        assert_eq!(found["total"], 0, "{found}");
        let found = laptop.json(&["voucher", "find", &staying.voucher_no]);
        assert_eq!(found["total"], 1, "{found}");
        // The work done on the old lists still counts.
        let board = laptop.board(&monthly);
        assert_eq!(support::step(&board, 1)["status"], "done", "{board}");
        let problems = network::roster_problems(laptop);
        assert!(!problems.contains("資格喪失者の削除"), "{problems}");
    };
    gone(&l);
    // The reviewer sees the count beside the rows the list had when it was counted, and why it has
    // fewer now.
    let mut office = kenshin_core::Office::open(l.home.path(), None).unwrap();
    let counts = [("targets".to_string(), 300)].into_iter().collect();
    let recount = office.recounts(&monthly, &counts).unwrap();
    assert_eq!(
        (recount[0].rows, recount[0].differs, recount[0].removed),
        (300, false, 2)
    );
    let current = office
        .lists(&monthly)
        .unwrap()
        .into_iter()
        .rev()
        .find(|r| r.list_kind == kenshin_core::domain::ListKind::Production)
        .unwrap();
    let text = office.list_text(&monthly, &current.doc_id).unwrap();
    assert_eq!(text.list.row_count, 298);
    assert_eq!(
        (text.redacted[0].rows_before, text.redacted[0].removed),
        (300, 2)
    );
    assert_eq!(text.redacted[0].by_name, "決裁 太郎");
    drop(office);
    // The month's archive lists it: which lists, how many rows, whose decision; no one's data.
    let (_dir, zip) = l.verified_archive();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let mut listed = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("redactions.csv").unwrap(), &mut listed)
        .unwrap();
    assert!(
        listed.contains("本番リスト")
            && listed.contains("令和6年度 月次")
            && listed.contains("決裁 太郎"),
        "{listed}"
    );
    assert!(!listed.contains(&gone_a.name) && !listed.contains(&gone_a.voucher_no));

    // Every laptop deletes them on its next sync; a laptop still holding the old lists offers them,
    // and nothing of them is stored again.
    sync(&section, &hub.addr);
    gone(&section);
    sync(&stale, &hub.addr);
    gone(&l);
    gone(&stale);
    hub.stop();
}

/// An office with 令和6年度's monthly batch of 40 (targets and production, step 1 done), its inquiry
/// batch whose loss list says the first person left in October, and a second approver's laptop
/// that synced all of it.
struct Departing {
    l: Laptop,
    approver: Laptop,
    monthly: String,
    people: Vec<kenshin_core::domain::rows::Subject>,
    calls: String,
}

fn departing() -> Departing {
    let l = Laptop::new();
    l.office_with_cast();
    let monthly = l.batch_of_year("1-2", "令和6年度 月次", 2024);
    let people = l.import_residents(C, "targets", &monthly, 2024, 40);
    let dir = tempfile::tempdir().unwrap();
    let production = dir.path().join("production.csv");
    let csv = kenshin_core::exchange::synth::municipal_csv(
        &people,
        kenshin_core::exchange::TextEncoding::Cp932,
    );
    std::fs::write(&production, csv).unwrap();
    l.import_file(C, "production", &monthly, &production);
    let counted = ["--count", "targets=40"];
    l.ok(&support::step_args(C, "do", &monthly, "1", &counted));
    let calls = l.batch_of_year("4", "令和6年度 問合せ", 2024);
    l.import_losses(&calls, &[(&people[0].voucher_no, "2024-10-01")]);
    let hub = Hub::start(&l);
    let (_dir, file) = invite(&l, "決裁 三郎", "section", true);
    let approver = Laptop::new();
    approver.ok(&["office", "join", file.to_str().unwrap()]);
    sync(&approver, &hub.addr);
    hub.stop();
    Departing {
        l,
        approver,
        monthly,
        people,
        calls,
    }
}

/// A laptop that knows of a departed person the deciding approver's laptop did not (its loss list
/// had not reached it) holds the decision for what it took, which its loss lists show, deletes the
/// old lists, and then decides the second person's deletion itself; the approver's laptop holds that.
#[test]
fn a_laptop_that_knew_of_more_departed_persons_holds_the_deletion_and_deletes_the_rest() {
    let Departing {
        l,
        approver,
        monthly,
        people,
        calls,
    } = departing();
    // Meanwhile the hub's laptop learns that a second person left; the approver's does not.
    l.import_losses(&calls, &[(&people[1].voucher_no, "2024-11-01")]);
    approver.close_year(2024);
    let first = approver.json(&["retention", "purge", "--departed"]);
    let old_targets = first["lists"][0]["old_doc"].as_str().unwrap().to_string();
    assert_eq!(first["lists"][0]["new_rows"], 39, "{first}");

    // The hub's laptop holds it (the new lists are the old without the person its loss list names),
    // deletes the old lists, and still lists the second person as due.
    let approver_hub = Hub::start(&approver);
    sync(&l, &approver_hub.addr);
    approver_hub.stop();
    let found = |laptop: &Laptop, i: usize| {
        laptop.json(&["voucher", "find", &people[i].voucher_no])["total"].clone()
    };
    assert_eq!(l.chunks_of(&old_targets), 0);
    assert_eq!(found(&l, 0), 0);
    assert_eq!(found(&l, 1), 1);
    let listed = l.json(&["retention", "list"]);
    assert_eq!(listed["departed"]["persons"], 1, "{listed}");
    let problems = network::roster_problems(&l);
    assert!(!problems.contains("資格喪失者の削除"), "{problems}");

    // Its own deletion takes the second person from the first deletion's lists, on both laptops.
    let second = l.json(&["retention", "purge", "--departed"]);
    assert_eq!(second["lists"][0]["old_doc"], first["lists"][0]["new_doc"]);
    assert_eq!(second["lists"][0]["new_rows"], 38, "{second}");
    let hub = Hub::start(&l);
    sync(&approver, &hub.addr);
    hub.stop();
    for laptop in [&l, &approver] {
        assert_eq!(found(laptop, 1), 0);
        let board = laptop.board(&monthly);
        assert_eq!(support::step(&board, 1)["status"], "done", "{board}");
    }
}

/// An approver's modified client deletes the rows of a person who never left, with a decision it
/// signs: every other laptop finds the new lists are not the old without those who left, keeps the
/// old lists (the work on them still counts, the person is still found), says why, and still ends
/// its sync with the approver's laptop, which deleted the old lists and answers for them no more.
#[test]
fn a_deletion_of_someone_who_never_left_holds_nowhere_else() {
    let Departing {
        l,
        approver,
        monthly,
        people,
        calls,
    } = departing();
    // The modified client takes a person who never left for one who did.
    let db = kenshin_store::connect(approver.home.path()).unwrap();
    db.execute(
        "INSERT INTO p_voucher_events (voucher_no, fiscal_year, batch_id, kind, on_date, detail) \
         VALUES (?1, 2024, ?2, 'coverage_lost', '2024-10-01', '')",
        [&people[5].voucher_no, &calls],
    )
    .unwrap();
    drop(db);
    approver.close_year(2024);
    let forged = approver.json(&["retention", "purge", "--departed"]);
    let old_targets = forged["lists"][0]["old_doc"].as_str().unwrap().to_string();
    assert_eq!(forged["lists"][0]["new_rows"], 38, "{forged}");
    // Its own laptop finds the decision wrong, as every laptop would, and keeps the old lists...
    let problems = network::roster_problems(&approver);
    assert!(problems.contains("認めません"), "{problems}");
    assert!(approver.chunks_of(&old_targets) > 0);
    // ...but the modified client skips that check and deletes them.
    let old: Vec<String> = forged["lists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["old_doc"].as_str().unwrap().to_string())
        .collect();
    let mut home = kenshin_store::Home::open(approver.home.path()).unwrap();
    home.write(|tx| {
        let id = forged["id"].as_str().unwrap();
        tx.set_local(&format!("redaction:{id}"), "holds")?;
        tx.purge_documents("chunks", &old)
    })
    .unwrap();
    drop(home);
    kenshin_core::Office::open(approver.home.path(), None)
        .unwrap()
        .rebuild_projections()
        .unwrap();
    assert_eq!(approver.chunks_of(&old_targets), 0);
    assert_eq!(
        approver.json(&["voucher", "find", &people[5].voucher_no])["total"],
        0
    );

    let approver_hub = Hub::start(&approver);
    let synced = l.ok(&[
        "sync",
        "--peer",
        &approver_hub.addr,
        "--once",
        "--timeout",
        "30",
    ]);
    approver_hub.stop();
    assert!(synced.contains("同期完了"), "{synced}");
    let found = |i: usize| l.json(&["voucher", "find", &people[i].voucher_no])["total"].clone();
    assert!(l.chunks_of(&old_targets) > 0, "the old lists stay");
    assert_eq!(found(5), 1, "the person who never left");
    assert_eq!(found(0), 1, "nothing of the decision is taken");
    let problems = network::roster_problems(&l);
    assert!(
        problems.contains("資格喪失者の削除") && problems.contains("認めません"),
        "{problems}"
    );
    let board = l.board(&monthly);
    assert_eq!(support::step(&board, 1)["status"], "done", "{board}");
}
