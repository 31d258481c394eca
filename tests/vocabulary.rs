//! 取下げ・代決・後閲 through the real `kenshin` binary on three laptops: the contractor withdraws their
//! own work before it is verified (and not after), a designated deputy decides while the approver is
//! away, the approver's review clears the mark, and a 代決 forged by someone no admin designated
//! counts for nothing on every laptop.

mod network;
mod support;

use kenshin_core::domain::workflow::Marking;
use kenshin_core::domain::Action;
use network::*;
use serde_json::Value;
use support::{step, step_args, Laptop};

const JIRO: &str = "決裁 次郎";

fn history_of(board: &Value, no: u64) -> Vec<Value> {
    step(board, no)["history"].as_array().unwrap().clone()
}

#[test]
fn withdraw_deputy_and_review_hold_on_every_laptop() {
    let a = hub_home();
    let hub = Hub::start(&a);
    let v = join(&a, &hub.addr, V, "section");
    let c = join(&a, &hub.addr, C, "contractor");
    let b = a.new_batch("1-2", "2026-07 月次");
    sync(&c, &hub.addr);
    let rec =
        |l: &Laptop, who: &str, verb: &str, no: &str| l.ok(&step_args(who, verb, &b, no, &[]));

    // 取下げ: the contractor takes back their step 1 before anyone verified it; the step is open
    // again and its history keeps both entries. Another member has nothing of theirs to take back.
    rec(&c, C, "do", "1");
    let said = rec(&c, C, "withdraw", "1");
    assert!(said.contains("取下げ"), "{said}");
    let board = c.board(&b);
    assert_eq!(step(&board, 1)["status"], "open");
    let history = history_of(&board, 1);
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["marking"]["kind"], "withdraw");
    assert_eq!(history[1]["marking"]["of"], history[0]["id"]);
    rec(&c, C, "do", "1");
    sync(&c, &hub.addr);
    rec(&a, JIRO, "verify", "2");
    sync(&c, &hub.addr);
    // After the verify, it cannot be withdrawn: a send-back reopens it.
    let refused = c.refused(&step_args(C, "withdraw", &b, "1", &[]));
    assert!(refused.contains("was verified at step 2"), "{refused}");

    // 代決 by a member no admin designated: refused by the command, and a modified client's forged
    // one counts for nothing on every laptop.
    sync(&v, &hub.addr);
    let refused = v.refused(&step_args(V, "approve", &b, "3", &["--deputy"]));
    assert!(refused.contains("is not a deputy"), "{refused}");
    let v_id = member_id(&v, V);
    let forged = forge_marked(
        &v,
        &b,
        3,
        Action::Approve,
        &v_id,
        &v_id,
        Some(Marking::Deputy),
    );
    sync(&v, &hub.addr);
    sync(&c, &hub.addr);
    for l in [&a, &v, &c] {
        let board = l.board(&b);
        assert_eq!(step(&board, 3)["status"], "awaiting_approval", "{board}");
        let entry = history_of(&board, 3)
            .into_iter()
            .find(|e| e["id"] == forged.as_str())
            .expect("the forged 代決 is shown");
        assert_eq!(entry["standing"]["standing"], "invalid", "{entry}");
        assert!(
            entry["standing"]["why"]
                .as_str()
                .unwrap()
                .contains("is not a deputy"),
            "{entry}"
        );
    }

    // The admin designates 検認 花子 as deputy; her 代決 then counts, marked until the approver's
    // 後閲, on every laptop.
    a.ok(&["member", "deputy", V]);
    sync(&v, &hub.addr);
    let refused = v.refused(&step_args(V, "approve", &b, "3", &[]));
    assert!(refused.contains("no approver authority"), "{refused}");
    let said = v.ok(&step_args(V, "approve", &b, "3", &["--deputy"]));
    assert!(said.contains("代決"), "{said}");
    sync(&v, &hub.addr);
    sync(&c, &hub.addr);
    for l in [&a, &v, &c] {
        let board = l.board(&b);
        let s3 = step(&board, 3);
        assert_eq!(s3["status"], "approved", "{s3}");
        assert_eq!(s3["awaiting_review"], true, "{s3}");
        assert_eq!(s3["decisive"]["marking"]["kind"], "deputy", "{s3}");
    }
    // The deputy cannot review her own 代決; the approver's 後閲 clears the mark everywhere.
    let refused = v.refused(&step_args(V, "review", &b, "3", &[]));
    assert!(refused.contains("no approver authority"), "{refused}");
    let said = a.ok(&step_args(A, "review", &b, "3", &[]));
    assert!(said.contains("後閲"), "{said}");
    let refused = a.refused(&step_args(A, "review", &b, "3", &[]));
    assert!(refused.contains("no 代決 waiting"), "{refused}");
    sync(&v, &hub.addr);
    sync(&c, &hub.addr);
    for l in [&a, &v, &c] {
        let s3 = step(&l.board(&b), 3).clone();
        assert_eq!(
            (&s3["status"], &s3["awaiting_review"]),
            (&"approved".into(), &false.into()),
            "{s3}"
        );
    }
    hub.stop();
}
