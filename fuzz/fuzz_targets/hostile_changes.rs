//! A hostile peer's changes merged into an office document and a batch document: whatever they
//! are (fuzz bytes driving Automerge edits by another actor, or raw bytes offered as changes), both
//! documents still read, the roster and the sign-offs are judged, and nothing panics.
#![no_main]

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ReadDoc, ScalarValue, ROOT};
use kenshin_core::domain::roster::{member_payload, signoff_payload, RosterEntry};
use kenshin_core::domain::signed::{batch_id_bytes, Signed};
use kenshin_core::domain::trust::{judge, judge_lists, judge_notes, Arrival, Standing};
use kenshin_core::domain::{Action, BatchRef, Member, ProcessId, Role, SignOff};
use kenshin_store::docs::{batch, office};
use kenshin_trust::{Keys, Roster};
use libfuzzer_sys::fuzz_target;

const OFFICE: &str = "office";

/// The founder's keys (a fixed seed: every run starts from the same documents).
fn founder_keys() -> Keys {
    Keys::from_signing_seed(&"11".repeat(32)).unwrap()
}

/// The contractor's keys.
fn clerk_keys() -> Keys {
    Keys::from_signing_seed(&"22".repeat(32)).unwrap()
}

/// An office with its founder and a contractor, and a batch with a done step and a send-back, signed as the core
/// signs them.
fn honest() -> (AutoCommit, AutoCommit, String) {
    let keys = founder_keys();
    let at = "2026-05-01T09:00:00Z".parse().unwrap();
    let mut founder = RosterEntry {
        member: Member {
            id: "f".into(),
            name: "決裁 太郎".into(),
            role: Role::Section,
            approver: true,
            admin: true,
        },
        sign_key: keys.sign_key(),
        noise_key: "00".repeat(32),
        added_by: None,
        added_at: at,
        signature: String::new(),
    };
    founder.signature = keys.sign(&member_payload(OFFICE, &founder));
    let clerk = clerk_keys();
    let mut contractor = RosterEntry {
        member: Member {
            id: "c".into(),
            name: "委託 一郎".into(),
            role: Role::Contractor,
            approver: false,
            admin: false,
        },
        sign_key: clerk.sign_key(),
        noise_key: "01".repeat(32),
        added_by: Some("f".into()),
        added_at: at,
        signature: String::new(),
    };
    contractor.signature = keys.sign(&member_payload(OFFICE, &contractor));
    let mut o = office::create("テスト市", &founder).unwrap();
    office::add_member(&mut o, &contractor).unwrap();
    o.commit();
    let mut meta = BatchRef {
        batch_id: String::new(),
        process: ProcessId::MonthlyIssuance,
        label: "2026-05 月次".into(),
        fiscal_year: 2026,
        created_by: "f".into(),
        created_at: at,
        nonce: "n".into(),
        signature: String::new(),
    };
    meta.signature = keys.sign(&meta.payload(OFFICE, ""));
    let id = kenshin_store::DocumentId::try_from(batch_id_bytes(OFFICE, &meta).to_vec())
        .unwrap()
        .to_string();
    meta.batch_id = id.clone();
    office::add_batch(&mut o, OFFICE, &meta).unwrap();
    o.commit();
    let mut b = batch::create(OFFICE, &meta).unwrap();
    b.commit();
    for (i, (step, action)) in [(1, Action::Do), (2, Action::Verify)]
        .into_iter()
        .enumerate()
    {
        let (by, signer) = if i == 0 { ("c", &clerk) } else { ("f", &keys) };
        let mut e = SignOff {
            id: format!("e{i}"),
            step,
            action,
            by: by.into(),
            at,
            counts: Default::default(),
            note: None,
            send_back: (i == 1).then(|| "理由".into()),
            heads_seen: b.get_heads().iter().map(|h| h.to_string()).collect(),
            signature: String::new(),
            marking: None,
        };
        e.signature = signer.sign(&signoff_payload(OFFICE, &id, &e));
        batch::append_signoff(&mut b, &e).unwrap();
        b.commit();
    }
    (o, b, id)
}

/// Applies edits read from `data` to `doc` as another actor: each byte pair picks an edit and its
/// target among every object of the document.
fn edit(doc: &mut AutoCommit, data: &[u8]) {
    let mut objs = vec![ROOT];
    for chunk in data.chunks(3) {
        let [op, a, b] = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let obj = objs[usize::from(a) % objs.len()].clone();
        let key = [
            "signoffs",
            "members",
            "lists",
            "vouchers",
            "kind",
            "schema",
            "step",
            "send_back",
            "process",
        ][usize::from(b) % 9];
        let len = doc.length(&obj);
        let idx = if len == 0 { 0 } else { usize::from(b) % len };
        let is_list = matches!(doc.object_type(&obj), Ok(ObjType::List | ObjType::Text));
        let _ = match (op % 6, is_list) {
            (0, true) if len > 0 => doc.delete(&obj, idx),
            (0, false) => doc.delete(&obj, key),
            (1, true) => doc
                .insert(&obj, idx.min(len), ScalarValue::Int(i64::from(b)))
                .map(|_| ()),
            (1, false) => doc.put(&obj, key, ScalarValue::Str(key.into())),
            (2, true) => doc
                .insert_object(&obj, idx.min(len), ObjType::Map)
                .map(|o| objs.push(o)),
            (2, false) => doc
                .put_object(&obj, key, ObjType::List)
                .map(|o| objs.push(o)),
            (3, true) if len > 0 => doc.put(&obj, idx, ScalarValue::Null),
            (3, false) => doc.put(&obj, key, ScalarValue::Int(i64::from(a))),
            (4, _) => {
                // Descend into an existing child, so later edits reach entries and their fields.
                let child = if is_list {
                    doc.get(&obj, idx)
                } else {
                    doc.get(&obj, key)
                };
                if let Ok(Some((automerge::Value::Object(_), id))) = child {
                    objs.push(id);
                }
                Ok(())
            }
            _ => {
                doc.commit();
                Ok(())
            }
        };
    }
    doc.commit();
}

/// Made once: signing is the slow part of an unoptimised build.
static HONEST: std::sync::OnceLock<(AutoCommit, AutoCommit, String)> = std::sync::OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let (o, b, id) = HONEST.get_or_init(honest);
    let (mut o, mut b, id) = (o.clone(), b.clone(), id.clone());
    let (raw, ops) = data.split_at(
        data.len()
            .min(usize::from(data.first().copied().unwrap_or(0) % 64)),
    );
    for doc in [&mut o, &mut b] {
        let mut evil = doc
            .fork()
            .with_actor(automerge::ActorId::from(&[7u8; 16][..]));
        edit(&mut evil, ops);
        let _ = doc.merge(&mut evil);
        // Raw bytes offered as changes are refused or applied; either way the document reads.
        let _ = doc.load_incremental(raw);
    }
    // Judged as every laptop judges: the roster from the anchor, then each record of the batch.
    let office = office::read(&mut o).expect("the office still opens");
    let roster = Roster::check(
        OFFICE,
        &founder_keys().sign_key(),
        &office.members,
        &office.invites,
        &office.removals,
        |a, b| office.causality.in_past(a, b),
    );
    assert!(
        roster.member("f").is_some(),
        "the founder holds whatever was written"
    );
    let read = batch::read(&mut b, &id).expect("the batch still reads");
    let process = read.meta.process.process();
    let standings = judge(
        process,
        &read.signoffs,
        |i| Arrival {
            heads_match: read.provenance[i].heads_match,
        },
        |e| roster.signer(&id, e, None),
        |j, i| read.saw(j, i),
    );
    let lists = judge_lists(
        process,
        &read.lists,
        &read.signoffs,
        &standings,
        |i| roster.signer(&id, &read.lists[i], None),
        &read,
        &[],
    );
    let notes = judge_notes(process, &read.notes, |i| {
        roster.signer(&id, &read.notes[i], None)
    });
    assert_eq!(standings.len(), read.signoffs.len());
    assert_eq!(
        (lists.len(), notes.len()),
        (read.lists.len(), read.notes.len())
    );
    // What the honest laptop signed is still there and still counts, whatever was deleted.
    for (e, s) in read.signoffs.iter().zip(&standings) {
        if e.id == "e1" && e.send_back.is_some() && e.by == "f" {
            assert!(
                s.counts() || matches!(s, Standing::Invalid { why } if why.contains("copy")),
                "{s:?}"
            );
        }
    }
    assert!(read
        .signoffs
        .iter()
        .any(|e| e.id == "e1" && e.send_back.is_some()));
    assert_eq!(read.meta.process, ProcessId::MonthlyIssuance);
});
