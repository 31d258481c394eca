//! 役割の変更 through the real `kenshin` binary on two laptops: an admin changes a contractor into a
//! section member; what they recorded as a contractor keeps counting on every laptop, and from then on
//! they act as the section. Changes an admin may not make, or a member who is not one, are refused.

mod network;
mod support;

use network::*;
use support::{step, step_args};

#[test]
fn a_role_changed_holds_from_then_on_on_every_laptop() {
    let a = hub_home();
    let hub = Hub::start(&a);
    let c = join(&a, &hub.addr, C, "contractor");
    let b = a.new_batch("1-2", "2026-08 月次");
    sync(&c, &hub.addr);
    c.ok(&step_args(C, "do", &b, "1", &[]));
    sync(&c, &hub.addr);

    // Refused, and nothing changes: approver authority for a contractor, a change by a non-admin.
    let refused = a.refused(&["member", "role", C, "--role", "contractor", "--approver"]);
    assert!(refused.contains("a contractor cannot have it"), "{refused}");
    let refused = c.refused(&["member", "role", C, "--role", "section"]);
    assert!(refused.contains("not an office admin"), "{refused}");

    a.ok(&["member", "role", C, "--role", "section"]);
    sync(&c, &hub.addr);
    for l in [&a, &c] {
        let members = l.json(&["member", "list"]);
        let ichiro = members
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == C)
            .unwrap()
            .clone();
        assert_eq!(ichiro["role"], "section", "{ichiro}");
        // The office's schema was raised by a signed migration with the change: nothing suspected.
        assert_eq!(roster_problems(l), "", "the roster holds whole");
        // Step 1, done while a contractor, still counts.
        let board = l.board(&b);
        assert_eq!(step(&board, 1)["status"], "done", "{board}");
        let entry = &step(&board, 1)["decisive"];
        assert_eq!(entry["standing"]["standing"], "valid", "{entry}");
    }
    // From now on he is the section's: contractor work is refused, a section verify of another's
    // work is his to record.
    let b2 = a.new_batch("1-2", "2026-09 月次");
    a.ok(&[
        "member",
        "add",
        "--name",
        "委託 二郎",
        "--role",
        "contractor",
    ]);
    sync(&c, &hub.addr);
    let refused = c.refused(&step_args(C, "do", &b2, "1", &[]));
    assert!(refused.contains("is done by the contractor"), "{refused}");
    a.ok(&step_args("委託 二郎", "do", &b2, "1", &[]));
    sync(&c, &hub.addr);
    c.ok(&step_args(C, "verify", &b2, "2", &[]));
    hub.stop();
}
