//! The evidence holds against the office's own network. One office, every attack of issue 17 made
//! through real sync: first from a contractor's stolen laptop (its own keys, a modified client,
//! direct to the hub), then through the real automerge-repo relay by anyone who reaches it, and by
//! a removed member's laptop that still has its keys. Afterwards each honest laptop still opens the
//! office, derives the same workflow as before the attacks, and shows what was done.

mod network;
mod support;

use automerge::transaction::Transactable;
use automerge::{ObjType, ReadDoc};
use kenshin_core::domain::register::{Lookup, NoteKind, VoucherNote};
use kenshin_core::domain::roster::{member_payload, signoff_payload, RosterEntry};
use kenshin_core::domain::signed::Signed;
use kenshin_core::domain::{Action, ListKind, ListRef, SignOff};
use network::*;
use serde_json::Value;
use support::{step, step_args, Laptop};

const D: &str = "委託 三郎";

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 3)
}

/// A member's keys, as stored on a laptop where they are.
fn keys_of(l: &Laptop, member: &str) -> kenshin_trust::Keys {
    let mut home = kenshin_store::Home::open(l.home.path()).unwrap();
    let secret = home
        .read(|tx| tx.local(&format!("keys:{member}")))
        .unwrap()
        .expect("keys on this laptop");
    kenshin_trust::Keys::from_secret_text(&secret).unwrap()
}

fn office_of(l: &Laptop) -> kenshin_store::Office {
    let mut home = kenshin_store::Home::open(l.home.path()).unwrap();
    home.read(|tx| {
        Ok::<_, kenshin_store::StoreError>(tx.load_office(&tx.office_doc_id()?.unwrap())?.1)
    })
    .unwrap()
}

/// Every board's statuses, by label.
fn workflow(l: &Laptop) -> Vec<(String, Vec<String>)> {
    l.json(&["board"])
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["label"].as_str().unwrap().to_string(), statuses(b)))
        .collect()
}

fn tampering(l: &Laptop, batch: &str) -> String {
    l.board(batch)["tampering"].to_string()
}

fn entries(board: &Value) -> Vec<Value> {
    board["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["history"].as_array().unwrap().iter().cloned())
        .collect()
}

fn signed_entry(office: &str, batch: &str, keys: &kenshin_trust::Keys, mut e: SignOff) -> SignOff {
    e.signature = keys.sign(&signoff_payload(office, batch, &e));
    e
}

#[test]
fn every_attack_through_sync_leaves_the_evidence_as_signed_and_shows() {
    let a = hub_home();
    let hub = Hub::start(&a);
    let v = join(&a, &hub.addr, V, "section");
    let c = join(&a, &hub.addr, C, "contractor");
    let d = join(&a, &hub.addr, D, "contractor");
    let (a_id, v_id, c_id, d_id) = (
        member_id(&a, A),
        member_id(&a, V),
        member_id(&a, C),
        member_id(&a, D),
    );

    // Honest work: a monthly batch through step 4, with a send-back on the way; an inquiry batch
    // with one call logged; a lookup in the register; D's step 1 on a second batch, then D removed.
    let b1 = a.new_batch("1-2", "2026-05 月次");
    let b2 = a.new_batch("1-2", "2026-06 月次");
    let b4 = a.new_batch("4", "2026-06 問合せ");
    sync(&c, &hub.addr);
    sync(&d, &hub.addr);
    c.import(C, "production", &b1, "production_cp932.csv");
    c.import(C, "pullouts", &b1, "pullouts_cp932.csv");
    c.ok(&step_args(C, "do", &b1, "1", &["--count", "targets=12"]));
    d.ok(&step_args(D, "do", &b2, "1", &["--count", "targets=3"]));
    sync(&c, &hub.addr);
    sync(&d, &hub.addr);
    sync(&v, &hub.addr);
    v.ok(&step_args(
        V,
        "verify",
        &b1,
        "2",
        &["--send-back", "件数が合わない"],
    ));
    sync(&v, &hub.addr);
    sync(&c, &hub.addr);
    c.ok(&step_args(C, "do", &b1, "1", &["--count", "targets=12"]));
    sync(&c, &hub.addr);
    sync(&v, &hub.addr);
    v.ok(&step_args(V, "verify", &b1, "2", &[]));
    v.ok(&["voucher", "find", "30000001"]);
    sync(&v, &hub.addr);
    a.ok(&step_args(A, "approve", &b1, "3", &[]));
    sync(&c, &hub.addr);
    c.ok(&step_args(C, "do", &b1, "4", &[]));
    c.ok(&["--as", C, "voucher", "find", "30000001"]);
    c.ok(&[
        "--as",
        C,
        "inquiry",
        "log",
        "--voucher",
        "30000001",
        "--from",
        "城南クリニック",
        "--answer",
        "有効",
    ]);
    sync(&c, &hub.addr);
    // The office syncs between sites through a relay too: the section's laptop seals what it holds,
    // and D's laptop opens it.
    let relay = Relay::start();
    let via = |l: &Laptop| l.json(&["sync", "--relay", &relay.url, "--once", "--timeout", "60"]);
    via(&v);
    let before = via(&d);
    assert!(before["sealed"]["opened"].as_u64().unwrap() > 0, "{before}");
    a.ok(&["member", "remove", D]);
    sync(&v, &hub.addr);
    sync(&c, &hub.addr);
    let honest = workflow(&a);
    assert_eq!(workflow(&v), honest);
    let b1_before = a.board(&b1);
    let verify_id = step(&b1_before, 2)["decisive"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let office = office_of(&a);
    let office_id = {
        let mut home = kenshin_store::Home::open(a.home.path()).unwrap();
        home.read(|tx| Ok::<_, kenshin_store::StoreError>(tx.office_doc_id()?.unwrap()))
            .unwrap()
            .to_string()
    };
    let log_of = |member: &str| {
        office
            .access_logs
            .iter()
            .find(|l| l.member == member)
            .expect("an access log")
            .doc_id
            .clone()
    };
    let (v_log, c_log) = (log_of(&v_id), log_of(&c_id));
    // Who looked up whom on the section's side never reaches a contractor laptop.
    assert_eq!(c.chunks_of(&v_log), 0);
    let c_keys = keys_of(&c, &c_id);

    // ---- On the contractor's stolen laptop: a modified client writes into its documents. ----
    tamper(&c, Some(&b1), |doc| {
        let list = root_obj(doc, "signoffs");
        // The verify deleted; a copy of it added again; a malformed entry.
        let at = (0..doc.length(&list))
            .find(|&i| {
                let e = doc.get(&list, i).unwrap().unwrap().1;
                matches!(doc.get(&e, "id").unwrap(),
                    Some((automerge::Value::Scalar(s), _)) if s.as_str() == Some(verify_id.as_str()))
            })
            .expect("the verify");
        let copy = kenshin_store::docs::batch::read(&mut doc.clone(), &b1)
            .unwrap()
            .signoffs
            .into_iter()
            .find(|e| e.id == verify_id)
            .unwrap();
        doc.delete(&list, at).unwrap();
        kenshin_store::docs::batch::append_signoff(doc, &copy).unwrap();
        let n = doc.length(&list);
        let junk = doc.insert_object(&list, n, ObjType::Map).unwrap();
        doc.put(&junk, "step", "一").unwrap();
        // The batch's meta rewritten.
        doc.put(automerge::ROOT, "meta", r#"{"process":"3"}"#)
            .unwrap();
        // Step 7 done before step 6's approval (flagged, moves nothing).
        let heads: Vec<String> = doc.get_heads().iter().map(|h| h.to_string()).collect();
        let early = signed_entry(
            &office_id,
            &b1,
            &c_keys,
            SignOff {
                id: "early-7".into(),
                step: 7,
                action: Action::Do,
                by: c_id.clone(),
                at: now(),
                counts: Default::default(),
                note: None,
                send_back: None,
                heads_seen: heads,
                signature: String::new(),
                marking: None,
            },
        );
        kenshin_store::docs::batch::append_signoff(doc, &early).unwrap();
    });
    // The production list pointed elsewhere after step 4 used it, signed by the contractor; and
    // a list whose meta claims more rows than any list may hold, on the batch that has not used one.
    let mut home = kenshin_store::Home::open(c.home.path()).unwrap();
    let (other_list, huge_list) = home
        .write(|tx| {
            let rows = b"voucher_no\tname\n30000001\tx\n";
            fn new<'a>(
                office_id: &'a str,
                c_id: &'a str,
                batch: &'a str,
            ) -> kenshin_store::NewList<'a> {
                kenshin_store::NewList {
                    office: office_id,
                    batch,
                    list_kind: ListKind::Production,
                    encoding: "utf-8",
                    source_name: "forged.csv",
                    row_count: 1,
                    created_by: c_id,
                    created_at: now(),
                }
            }
            let other = tx.save_new_list(&new(&office_id, &c_id, &b1), rows)?;
            let (mut doc, meta, _) =
                kenshin_store::docs::list::create(&new(&office_id, &c_id, &b2), rows).unwrap();
            let text = doc
                .get(automerge::ROOT, "meta")
                .unwrap()
                .unwrap()
                .0
                .into_string()
                .unwrap();
            let huge = text.replace(
                &format!("\"byte_len\":{}", meta.byte_len),
                &format!("\"byte_len\":{}", u64::MAX),
            );
            doc.put(automerge::ROOT, "meta", huge.as_str()).unwrap();
            doc.commit();
            let id = kenshin_store::DocumentId::try_from(
                kenshin_core::domain::signed::content_id(huge.as_bytes()).to_vec(),
            )
            .unwrap();
            tx.save(&id, &mut doc, &[])?;
            let huge = ListRef {
                doc_id: id.to_string(),
                ..other.clone()
            };
            Ok::<_, kenshin_store::StoreError>((other, huge))
        })
        .unwrap();
    drop(home);
    for (batch, list) in [(&b1, other_list), (&b2, huge_list)] {
        let mut list = list;
        list.signature = c_keys.sign(&list.payload(&office_id, batch));
        tamper(&c, Some(batch), |doc| {
            kenshin_store::docs::batch::add_list(doc, &list).unwrap();
        });
    }
    // Notes: one deleted; one in the section's name signed with the contractor's key; one unsigned.
    tamper(&c, Some(&b4), |doc| {
        let list = root_obj(doc, "vouchers");
        doc.delete(&list, 0).unwrap();
        let mut forged = VoucherNote {
            id: "forged-note".into(),
            voucher_no: "30000002".into(),
            kind: NoteKind::Inquiry,
            on: now().date_naive(),
            from: "偽の医院".into(),
            text: "有効".into(),
            by: v_id.clone(),
            at: now(),
            signature: String::new(),
        };
        forged.signature = c_keys.sign(&forged.payload(&office_id, &b4));
        kenshin_store::docs::batch::append_note(doc, &forged).unwrap();
        let unsigned = VoucherNote {
            id: "unsigned-note".into(),
            signature: String::new(),
            ..forged.clone()
        };
        kenshin_store::docs::batch::append_note(doc, &unsigned).unwrap();
    });
    // The contractor's own lookup deleted from its access log, and one added in the section
    // member's name.
    tamper(&c, Some(&c_log), |doc| {
        let list = root_obj(doc, "lookups");
        doc.delete(&list, 0).unwrap();
        let mut forged = Lookup {
            at: now(),
            by: v_id.clone(),
            query: "偽".into(),
            matched: 0,
            shown: vec![],
            signature: String::new(),
        };
        forged.signature = c_keys.sign(&forged.payload(&office_id, ""));
        kenshin_store::docs::access::append(doc, &[forged]).unwrap();
    });
    // The roster: D's removal and the founder's entry deleted, a malformed entry added.
    tamper(&c, None, |doc| {
        let removals = root_obj(doc, "removals");
        doc.delete(&removals, d_id.as_str()).unwrap();
        let members = root_obj(doc, "members");
        doc.delete(&members, a_id.as_str()).unwrap();
        doc.put_object(&members, "garbage", ObjType::List).unwrap();
    });
    sync(&c, &hub.addr);
    sync(&v, &hub.addr);

    // A laptop that joins with an invite but claims the section member's id.
    let (_dir, file) = invite(&a, "委託 五郎", "contractor", false);
    let thief = Laptop::new();
    thief.ok(&["office", "join", file.to_str().unwrap()]);
    let invite: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let invite_keys =
        kenshin_trust::Keys::from_signing_seed(invite["secret"].as_str().unwrap()).unwrap();
    {
        let db = kenshin_store::connect(thief.home.path()).unwrap();
        let text: String = db
            .query_row(
                "SELECT value FROM local WHERE key = 'join_entry'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let mut entry: RosterEntry = serde_json::from_str(&text).unwrap();
        entry.member.id = v_id.clone();
        entry.signature = invite_keys.sign(&member_payload(&office_id, &entry));
        db.execute(
            "UPDATE local SET value = ?1 WHERE key = 'join_entry'",
            [serde_json::to_string(&entry).unwrap()],
        )
        .unwrap();
    }
    let why = thief.refused(&["sync", "--peer", &hub.addr, "--once"]);
    assert!(why.contains("already in the roster"), "{why}");

    for l in [&a, &v] {
        assert_eq!(
            workflow(l),
            honest,
            "the workflow is what the signed entries say"
        );
        let b1_now = l.board(&b1);
        assert_eq!(b1_now["process"], "1-2");
        let shown = b1_now["tampering"].to_string();
        for what in [
            "削除された",
            "文書の構造を書き換えられた",
            "読めません",
            "added after step 4",
        ] {
            assert!(shown.contains(what), "{what}: {shown}");
        }
        let all = entries(&b1_now);
        let standing = |id: &str| -> Vec<String> {
            all.iter()
                .filter(|e| e["id"] == id)
                .map(|e| e["standing"]["standing"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(standing(&verify_id), ["valid", "invalid"], "counted once");
        assert_eq!(standing("early-7"), ["flagged"]);
        assert_eq!(step(&b1_now, 7)["status"], "blocked");
        // The register still holds the production list step 4 used.
        assert_eq!(l.json(&["voucher", "find", "30000012"])["total"], 1);
        let b2_shown = tampering(l, &b2);
        assert!(b2_shown.contains("more than a list may hold"), "{b2_shown}");
        let b4_shown = tampering(l, &b4);
        for what in ["削除された", "forged-note", "unsigned-note"] {
            assert!(b4_shown.contains(what), "{what}: {b4_shown}");
        }
        assert!(l
            .json(&["voucher", "find", "30000001"])
            .to_string()
            .contains("城南クリニック"));
        assert!(!l
            .json(&["voucher", "find", "30000002"])
            .to_string()
            .contains("偽の医院"));
        let names: Vec<String> = l
            .json(&["member", "list"])
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap().to_string())
            .collect();
        assert!(
            names.contains(&A.to_string()),
            "the founder stays: {names:?}"
        );
        assert!(
            !names.contains(&D.to_string()),
            "D stays removed: {names:?}"
        );
        assert!(roster_problems(l).contains("改ざんの疑い"));
    }
    // D, removed, cannot come back over the LAN.
    let why = d.refused(&["sync", "--peer", &hub.addr, "--once"]);
    assert!(why.contains("was removed from the roster"), "{why}");

    // The month's archive keeps the deleted lookup, judges the forged one, and lists what was done.
    let (_dir, zip) = a.verified_archive();
    let mut files = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut files.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    let access = read("access.csv");
    assert!(access.contains(",30000001,1,30000001,有効"), "{access}");
    assert!(access.contains(",偽,0,,\"無効"), "{access}");
    let shown = read("tampering.csv");
    assert!(shown.contains("lookups の項目が削除された"), "{shown}");
    hub.stop();

    // ---- Through the relay: the removed member's laptop, and anyone who reaches the relay. ----
    // Work after D's removal is sealed under the office's new data key, which D was not given: D,
    // who kept its laptop, reaches the relay and opens none of it (nor can it seal anything).
    let b5 = a.new_batch("1-2", "2026-07 月次");
    via(&a);
    let after = via(&d);
    let sealed = &after["sealed"];
    assert_eq!(sealed["missing_epoch"], 1, "{after}");
    assert!(sealed["no_key"]["1"].as_u64().unwrap() > 0, "{after}");
    assert_eq!(sealed["sealed"], 0, "{after}");
    assert!(!d.ok(&["batch", "list"]).contains(&b5));
    // The relay (or anyone who reaches it) writes into the twins it holds: garbage, a blob cut short
    // and one under another name in each, blobs replayed from one twin into another, and every blob
    // of one deleted.
    let is_keyring = |values: &[String]| values.iter().any(|v| v.contains("\"data_key\""));
    let stored = relay_documents(&relay.stored());
    let id = |path: &str| -> String {
        let mut parts: Vec<&str> = path.rsplit('/').take(2).collect();
        parts.reverse();
        parts.concat()
    };
    let keyring = stored
        .iter()
        .find(|(_, v)| is_keyring(v))
        .map(|(p, _)| id(p));
    let twins: Vec<String> = stored
        .iter()
        .filter(|(_, v)| !is_keyring(v))
        .map(|(p, _)| id(p))
        .collect();
    assert!(twins.len() >= 6, "{twins:?}");
    for t in twins.iter().chain(&keyring) {
        assert!(relay.tamper(t, &["garbage"]).contains("tampered"), "{t}");
    }
    for (to, from) in [(&twins[2], &twins[3]), (&twins[3], &twins[2])] {
        let said = relay.tamper(to, &["copy-from", from]);
        assert!(said.contains("tampered"), "{said}");
    }
    let said = relay.tamper(&twins[4], &["delete-blobs"]);
    assert!(said.contains("tampered"), "{said}");
    // D still has its keys: it signs a new entry, and one under the id of an entry its removal kept,
    // and a member's stolen laptop (C's) carries them through the relay (after the relay's deletion,
    // so that C's own sync seals them whatever the relay deleted).
    let d_keys = keys_of(&d, &d_id);
    let kept_id = entries(&d.board(&b2))
        .into_iter()
        .find(|e| e["by"] == d_id.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (batch, id) in [(&b1, kept_id.as_str()), (&b2, "after-removal")] {
        tamper(&c, Some(batch), |doc| {
            let heads = doc.get_heads().iter().map(|h| h.to_string()).collect();
            let e = signed_entry(
                &office_id,
                batch,
                &d_keys,
                SignOff {
                    id: id.into(),
                    step: 1,
                    action: Action::Do,
                    by: d_id.clone(),
                    at: now(),
                    counts: [("targets".to_string(), 99)].into(),
                    note: None,
                    send_back: None,
                    heads_seen: heads,
                    signature: String::new(),
                    marking: None,
                },
            );
            kenshin_store::docs::batch::append_signoff(doc, &e).unwrap();
        });
    }
    via(&c);
    for l in [&a, &v] {
        let synced = via(l);
        let refused = synced["sealed"]["refused"].to_string();
        for why in [
            "not a sealed blob",
            "does not open",
            "its name is not its content's",
        ] {
            assert!(refused.contains(why), "{why}: {refused}");
        }
    }
    // What the relay wrote changed nothing; what it deleted came back from the laptops.
    assert_eq!(workflow(&v), workflow(&a));
    for l in [&a, &v] {
        let b1_now = l.board(&b1);
        assert_eq!(step(&b1_now, 4)["status"], "done");
        assert!(l.ok(&["batch", "list"]).contains(&b5));
        assert_eq!(l.json(&["voucher", "find", "30000012"])["total"], 1);
        let b2_now = l.board(&b2);
        assert_eq!(step(&b2_now, 1)["decisive"]["counts"]["targets"], 3);
        for (board, id) in [(&b1_now, kept_id.as_str()), (&b2_now, "after-removal")] {
            let why = entries(board)
                .into_iter()
                .find(|e| e["id"] == id && e["by"] == d_id.as_str())
                .unwrap_or_else(|| panic!("{id}"))["standing"]
                .to_string();
            assert!(why.contains("after their removal"), "{id}: {why}");
        }
    }
    let restored = relay_documents(&relay.stored());
    let emptied = restored
        .iter()
        .find(|(p, _)| id(p) == twins[4])
        .expect("the emptied twin");
    assert!(
        emptied.1.iter().any(|v| v.starts_with("b:")),
        "the deleted blobs were sealed again: {:?}",
        emptied.1
    );
    // And work goes on.
    v.ok(&step_args(V, "verify", &b1, "5", &[]));
    assert_eq!(step(&v.board(&b1), 5)["status"], "verified");
}
