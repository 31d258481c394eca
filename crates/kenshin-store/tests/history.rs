//! Documents read from their history: what a hostile writer does to a batch or office document
//! (deletes, overwrites, alterations, copies, malformed entries) is read back as it was signed and
//! shown as tampering, through real Automerge merges.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ReadDoc, ROOT};
use chrono::{TimeZone, Utc};
use kenshin_domain::{Action, ProcessId, SignOff};
use kenshin_store::docs::history::TamperKind;
use kenshin_store::docs::{batch, history::History};
use kenshin_store::BatchRef;

/// A batch meta, with the id derived from it (as the core makes batches).
fn meta() -> BatchRef {
    let mut m = BatchRef {
        batch_id: String::new(),
        process: ProcessId::MonthlyIssuance,
        label: "2026-05 月次".into(),
        fiscal_year: 2026,
        created_by: "m1".into(),
        created_at: Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap(),
        nonce: "n".into(),
        signature: "00".into(),
    };
    let id = kenshin_domain::signed::batch_id_bytes("office", &m);
    m.batch_id = kenshin_store::DocumentId::try_from(id.to_vec())
        .unwrap()
        .to_string();
    m
}

fn id() -> String {
    meta().batch_id
}

fn entry(doc: &mut AutoCommit, id: &str, step: u8, action: Action, back: Option<&str>) -> SignOff {
    let e = SignOff {
        id: id.into(),
        step,
        action,
        by: "m1".into(),
        at: Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap(),
        counts: [("targets".to_string(), 12)].into(),
        note: None,
        send_back: back.map(str::to_string),
        heads_seen: doc.get_heads().iter().map(|h| h.to_string()).collect(),
        signature: "00".into(),
        marking: None,
    };
    batch::append_signoff(doc, &e).unwrap();
    doc.commit();
    e
}

/// A batch with three sign-offs, the last a send-back, written by one honest laptop.
fn honest() -> (AutoCommit, Vec<SignOff>) {
    let mut doc = batch::create("office", &meta()).unwrap();
    doc.commit();
    let a = entry(&mut doc, "e1", 1, Action::Do, None);
    let b = entry(&mut doc, "e2", 2, Action::Verify, None);
    let c = entry(&mut doc, "e3", 2, Action::Verify, Some("件数が合わない"));
    (doc, vec![a, b, c])
}

/// A second laptop (its own actor) holding a copy of `doc`.
fn hostile(doc: &mut AutoCommit) -> AutoCommit {
    doc.fork().with_actor(automerge::ActorId::random())
}

fn signoffs(doc: &AutoCommit) -> automerge::ObjId {
    match doc.get(ROOT, "signoffs").unwrap() {
        Some((automerge::Value::Object(ObjType::List), id)) => id,
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_honest_batch_reads_whole_and_shows_nothing() {
    let (mut doc, written) = honest();
    let b = batch::read(&mut doc, &id()).unwrap();
    assert_eq!(b.signoffs, written);
    assert!(b.problems.is_empty(), "{:?}", b.problems);
    assert!(b.provenance.iter().all(|p| p.heads_match));
    // Each entry saw the ones before it.
    assert!(b.saw(0, 2) && b.saw(1, 2) && !b.saw(2, 2));
    assert!(!b.saw(1, 0) && !b.saw(2, 0) && !b.saw(0, 0));
}

#[test]
fn every_attack_on_an_entry_reads_back_what_was_signed_and_shows_it() {
    type Attack = fn(&mut AutoCommit);
    let table: &[(&str, Attack, TamperKind)] = &[
        (
            "delete the send-back",
            |d| {
                let l = signoffs(d);
                d.delete(&l, 2).unwrap();
            },
            TamperKind::Removed,
        ),
        (
            "overwrite the send-back with a scalar",
            |d| {
                let l = signoffs(d);
                d.put(&l, 2, "nothing here").unwrap();
            },
            TamperKind::Replaced,
        ),
        (
            "clear the send-back's reason",
            |d| {
                let l = signoffs(d);
                let (_, e) = d.get(&l, 2).unwrap().unwrap();
                d.put(&e, "send_back", automerge::ScalarValue::Null)
                    .unwrap();
            },
            TamperKind::Altered,
        ),
        (
            "change a count",
            |d| {
                let l = signoffs(d);
                let (_, e) = d.get(&l, 0).unwrap().unwrap();
                let (_, counts) = d.get(&e, "counts").unwrap().unwrap();
                d.put(&counts, "targets", 13).unwrap();
            },
            TamperKind::Altered,
        ),
        (
            "replace the whole sign-off list",
            |d| {
                d.put_object(ROOT, "signoffs", ObjType::List).unwrap();
            },
            TamperKind::Structure,
        ),
        (
            "rewrite the batch's meta",
            |d| {
                d.put(ROOT, "meta", r#"{"process":"3"}"#).unwrap();
            },
            TamperKind::Structure,
        ),
    ];
    for (what, attack, kind) in table {
        let (mut doc, written) = honest();
        let mut evil = hostile(&mut doc);
        attack(&mut evil);
        evil.commit();
        doc.merge(&mut evil).unwrap();
        let b = batch::read(&mut doc, &id()).unwrap();
        assert_eq!(
            b.signoffs, written,
            "{what}: the signed entries read back as written"
        );
        assert_eq!(b.meta.process, ProcessId::MonthlyIssuance, "{what}");
        assert!(!b.problems.is_empty(), "{what}: shown");
        let history = History::read(&mut doc, &batch::CONTAINERS);
        assert!(
            history
                .tampering
                .iter()
                .any(|t| t.what == *kind && t.actor == evil.get_actor().to_hex_string()),
            "{what}: {:?}",
            history.tampering
        );
    }
}

#[test]
fn a_copy_is_read_with_the_dependencies_of_where_it_was_put() {
    let (mut doc, written) = honest();
    let mut evil = hostile(&mut doc);
    // The verify, copied in again after the send-back, as it was signed.
    let mut copy = written[1].clone();
    copy.at = written[2].at;
    batch::append_signoff(&mut evil, &copy).unwrap();
    evil.commit();
    doc.merge(&mut evil).unwrap();
    let b = batch::read(&mut doc, &id()).unwrap();
    assert_eq!(b.signoffs.len(), 4);
    assert_eq!(b.signoffs[3].id, "e2");
    assert!(b.provenance[1].heads_match);
    assert!(
        !b.provenance[3].heads_match,
        "the copy's signed heads are not its change's"
    );
}

#[test]
fn a_malformed_entry_is_named_and_the_rest_reads() {
    let (mut doc, written) = honest();
    let mut evil = hostile(&mut doc);
    let l = signoffs(&evil);
    let at = evil.length(&l);
    let e = evil.insert_object(&l, at, ObjType::Map).unwrap();
    evil.put(&e, "step", "not a number").unwrap();
    evil.insert(&l, at + 1, 42).unwrap();
    evil.commit();
    doc.merge(&mut evil).unwrap();
    let b = batch::read(&mut doc, &id()).unwrap();
    assert_eq!(b.signoffs, written);
    assert_eq!(b.problems.len(), 2, "{:?}", b.problems);
    assert!(b.problems[0].contains("記録 3"), "{:?}", b.problems);
}

#[test]
fn concurrent_entries_merge_in_the_same_order_everywhere() {
    let (mut doc, _) = honest();
    let mut other = hostile(&mut doc);
    entry(&mut doc, "x1", 1, Action::Do, None);
    entry(&mut other, "y1", 1, Action::Do, None);
    let mut a = doc.fork();
    a.merge(&mut other).unwrap();
    let mut b = other.fork();
    b.merge(&mut doc).unwrap();
    let ids = |d: &mut AutoCommit| -> Vec<String> {
        batch::read(d, &id())
            .unwrap()
            .signoffs
            .into_iter()
            .map(|e| e.id)
            .collect()
    };
    assert_eq!(ids(&mut a), ids(&mut b));
    let read = batch::read(&mut a, &id()).unwrap();
    let (x, y) = (3, 4);
    assert!(
        !read.saw(y, x) && !read.saw(x, y),
        "concurrent: neither saw the other"
    );
    assert!(read.saw(2, x) && read.saw(2, y));
}

#[test]
fn a_meta_written_beside_the_batch_s_own_is_shown_and_never_read() {
    let (mut doc, _) = honest();
    // A document of the same id made elsewhere, with a lower op counter and actor, so that an
    // "oldest value wins" reader would take it.
    let mut forged_meta = meta();
    forged_meta.process = ProcessId::Reissue;
    let mut fresh = AutoCommit::new().with_actor(automerge::ActorId::from(&[0u8; 16][..]));
    fresh
        .put(ROOT, "meta", batch::meta_json("office", &forged_meta))
        .unwrap();
    fresh.commit();
    doc.merge(&mut fresh).unwrap();
    let b = batch::read(&mut doc, &id()).unwrap();
    assert_eq!(b.meta.process, ProcessId::MonthlyIssuance);
    assert!(
        b.problems.iter().any(|p| p.contains("meta")),
        "{:?}",
        b.problems
    );
}

#[test]
fn causality_stays_bounded_and_exact_over_a_wide_history() {
    // 300 laptops each add one entry concurrently on top of the honest three, then one merges
    // them all and adds a verify that saw everything.
    let (mut doc, _) = honest();
    let mut merged = doc.fork();
    for k in 0..300 {
        let mut other = doc.fork().with_actor(automerge::ActorId::random());
        entry(&mut other, &format!("w{k}"), 1, Action::Do, None);
        merged.merge(&mut other).unwrap();
    }
    entry(&mut merged, "last", 2, Action::Verify, None);
    let read = batch::read(&mut merged, &id()).unwrap();
    let n = read.signoffs.len();
    assert_eq!(n, 304);
    let last = read.signoffs.iter().position(|e| e.id == "last").unwrap();
    assert!((0..n).filter(|&j| j != last).all(|j| read.saw(j, last)));
    let w: Vec<usize> = (0..n)
        .filter(|&j| read.signoffs[j].id.starts_with('w'))
        .collect();
    assert!(w.iter().all(|&a| w.iter().all(|&b| !read.saw(a, b))));
}
