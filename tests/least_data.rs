//! 委託先の最小保持: a contractor laptop holds only the work it still has. Once a section member's
//! filed archive holds a batch of a year gone by finished, with everything the contractor laptop has
//! of it, that laptop deletes it and takes it no more; a new contractor laptop never takes it;
//! section laptops keep it.

mod network;
mod support;

use network::{held_text, invite, join, lookups_logged, sync, Hub};
use support::{step_args, Laptop};

const A: &str = "決裁 太郎";
const C: &str = "委託 一郎";
/// The contractor laptop's member.
const C5: &str = "委託 五郎";

#[test]
fn a_contractor_laptop_lets_go_of_a_finished_year_once_the_section_filed_it() {
    let l = Laptop::new();
    l.office_with_cast();
    // Last fiscal year's annual issuance, finished (made and sent; inquiries go on while it lasts).
    let done = l.batch_of_year("1-1", "令和7年度 年次", 2025);
    let last_year = l.import_residents(A, "production", &done, 2025, 40);
    l.ok(&step_args(A, "do", &done, "1", &[]));
    // This year's monthly issuance, with its list.
    let open = l.new_batch("1-2", "令和8年度 月次");
    let people = l.import_residents(C, "production", &open, 2026, 20);
    let gone_person = last_year
        .iter()
        .find(|p| !people.iter().any(|q| q.name == p.name))
        .expect("someone only on last year's list");
    let hub = Hub::start(&l);
    // Who looked up whom: a section member's access log stays off contractor laptops; a
    // contractor's own reaches the section.
    l.ok(&["voucher", "find", "カチョウノショウカイ"]);
    lookups_logged(&l);
    let contractor = join(&l, &hub.addr, C5, "contractor");
    contractor.ok(&["voucher", "find", "イタクノショウカイ"]);
    sync(&contractor, &hub.addr);
    let held = held_text(&contractor);
    assert!(held.contains(&gone_person.name) && held.contains(&people[3].name));
    assert!(held.contains("イタクノショウカイ"));
    assert!(
        !held.contains("カチョウノショウカイ"),
        "the section's access log"
    );
    assert!(held_text(&l).contains("イタクノショウカイ"));
    assert!(contractor.chunks_of(&done) > 0);

    // Offline, the contractor laptop records an inquiry on the finished batch (a step that
    // repeats); meanwhile the section files this month's archive, which holds the batch without it.
    contractor.ok(&step_args(C5, "do", &done, "2", &["--count", "calls=2"]));
    let _first = l.verified_archive();
    // The filing reaches the contractor laptop, which still has what the section has not: it keeps
    // the batch and sends it.
    sync(&contractor, &hub.addr);
    assert!(contractor.chunks_of(&done) > 0);
    assert_eq!(support::step(&l.board(&done), 2)["status"], "done");

    // Filed again with the inquiry: the contractor laptop lets the batch and its lists go.
    let _second = l.verified_archive();
    sync(&contractor, &hub.addr);
    let gone = |laptop: &Laptop| {
        assert_eq!(laptop.chunks_of(&done), 0);
        let held = held_text(laptop);
        assert!(
            !held.contains(&gone_person.name),
            "last year's residents are gone"
        );
        assert!(held.contains(&people[3].name), "this year's are kept");
        for note in ["lists", "registered", "signers"] {
            let note = format!("{note}:{done}");
            assert!(!held.contains(&note), "the laptop's note {note}");
        }
        let batches = laptop.ok(&["batch", "list"]);
        assert!(!batches.contains("令和7年度"), "{batches}");
        assert!(batches.contains("令和8年度"), "{batches}");
        assert!(laptop
            .refused(&["board", "--batch", &done])
            .contains("no batch"));
    };
    gone(&contractor);
    // Offered again by the section on the next sync, it is not taken.
    sync(&contractor, &hub.addr);
    gone(&contractor);
    // A contractor laptop joining now never takes it; the section keeps it whole.
    let late = join(&l, &hub.addr, "委託 六郎", "contractor");
    gone(&late);
    assert!(l.chunks_of(&done) > 0);
    assert_eq!(support::step(&l.board(&done), 2)["status"], "done");
    hub.stop();
    // The section laptop dialing the contractor laptop: the batch it let go is not waited for.
    let serving = Hub::start(&contractor);
    l.ok(&["sync", "--peer", &serving.addr, "--once", "--timeout", "20"]);
    gone(&contractor);
    serving.stop();
    // A new section laptop takes the filed batch whole: its lists, not opened on the hub until
    // asked for (they never change), come when the new laptop asks; and again from it.
    let hub = Hub::start(&l);
    let section = join(&l, &hub.addr, "課 三子", "section");
    hub.stop();
    let serving = Hub::start(&section);
    let (_dir, file) = invite(&l, "課 四子", "section", false);
    sync(&l, &serving.addr);
    let late_section = Laptop::new();
    late_section.ok(&["office", "join", file.to_str().unwrap()]);
    sync(&late_section, &serving.addr);
    for laptop in [&section, &late_section] {
        assert!(laptop.chunks_of(&done) > 0);
        assert!(held_text(laptop).contains(&gone_person.name));
        assert_eq!(support::step(&laptop.board(&done), 2)["status"], "done");
    }
    sync(&late_section, &serving.addr);
    serving.stop();
}

/// A batch left unfinished in a fiscal year that was then closed (年度締め) takes nothing more, so
/// it is no one's work: once the section's filing holds everything the contractor laptop has of it,
/// that laptop lets it go like a finished one, and a new one never takes it. Filed but not closed,
/// it stays.
#[test]
fn a_contractor_laptop_lets_go_of_an_unfinished_batch_of_a_closed_year() {
    let l = Laptop::new();
    l.office_with_cast();
    let left = l.batch_of_year("1-2", "令和7年度 月次", 2025);
    let people = l.import_residents(C, "production", &left, 2025, 20);
    l.ok(&step_args(C, "do", &left, "1", &["--count", "targets=20"]));
    let hub = Hub::start(&l);
    let contractor = join(&l, &hub.addr, C5, "contractor");
    assert!(held_text(&contractor).contains(&people[3].name));

    // Filed (this month's archive holds the batch as it stands), the year not closed: kept.
    let _filed = l.verified_archive();
    sync(&contractor, &hub.addr);
    assert!(contractor.chunks_of(&left) > 0);
    assert_eq!(support::step(&contractor.board(&left), 1)["status"], "done");

    l.close_year(2025);
    sync(&contractor, &hub.addr);
    let gone = |laptop: &Laptop| {
        assert_eq!(laptop.chunks_of(&left), 0);
        assert!(!held_text(laptop).contains(&people[3].name));
        assert!(!laptop.ok(&["batch", "list"]).contains("令和7年度"));
    };
    gone(&contractor);
    gone(&join(&l, &hub.addr, "委託 六郎", "contractor"));
    hub.stop();
    assert!(l.chunks_of(&left) > 0, "the section keeps it");
}

/// A batch a section laptop holds exactly as the section filed it sleeps there like its lists (not
/// opened, not announced) and costs a sync nothing; a late entry wakes it where it was made and
/// still reaches a laptop where it sleeps, whichever laptop dials.
#[test]
fn a_batch_held_as_filed_sleeps_and_a_late_entry_still_travels() {
    let l = Laptop::new();
    l.office_with_cast();
    let done = l.batch_of_year("1-1", "令和7年度 年次", 2025);
    l.import_residents(A, "production", &done, 2025, 20);
    l.ok(&step_args(A, "do", &done, "1", &[]));
    let hub = Hub::start(&l);
    let section = join(&l, &hub.addr, "課 三子", "section");
    // How many documents a `sync --once` waited on.
    let synced = |laptop: &Laptop, addr: &str| {
        laptop.json(&["sync", "--peer", addr, "--once"])["documents"]
            .as_u64()
            .expect("a count")
    };
    let awake = synced(&section, &hub.addr);
    let _filed = l.verified_archive();
    // The filing reaches the section laptop; from then on the batch and its list sleep on both.
    sync(&section, &hub.addr);
    let asleep = synced(&section, &hub.addr);
    assert_eq!(asleep, awake - 2, "the batch and its list sleep");
    assert_eq!(l.heads(&done), section.heads(&done));

    // A late entry where the hub runs (an inquiry on the finished batch): the dialing laptop, where
    // the batch sleeps, takes it.
    l.ok(&step_args(C, "do", &done, "2", &["--count", "calls=2"]));
    assert_eq!(
        synced(&section, &hub.addr),
        asleep + 1,
        "the batch is awake"
    );
    assert_eq!(l.heads(&done), section.heads(&done));
    assert_eq!(support::step(&section.board(&done), 2)["status"], "done");

    // Filed again with it: asleep on both again.
    let _filed = l.verified_archive();
    sync(&section, &hub.addr);
    assert_eq!(synced(&section, &hub.addr), asleep);
    hub.stop();

    // A late entry on the dialing laptop: the serving one, where the batch sleeps, takes it.
    let serving = Hub::start(&section);
    let asleep = synced(&l, &serving.addr);
    l.ok(&step_args(C, "do", &done, "2", &["--count", "calls=3"]));
    assert_eq!(synced(&l, &serving.addr), asleep + 1);
    assert_eq!(l.heads(&done), section.heads(&done));
    serving.stop();
}
