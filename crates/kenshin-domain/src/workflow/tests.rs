use super::*;
use crate::catalogue::{process, ProcessId};
use chrono::TimeZone;

pub(crate) fn member(id: &str, role: Role, approver: bool) -> Member {
    Member {
        id: id.to_string(),
        name: id.to_string(),
        role,
        approver,
        admin: false,
    }
}

/// Contractors c1, c2; section s1 (verifier only), a1 and a2 (approvers).
pub(crate) fn who(id: &str) -> Member {
    match id {
        "c1" | "c2" => member(id, Role::Contractor, false),
        "s1" => member(id, Role::Section, false),
        "a1" | "a2" => member(id, Role::Section, true),
        other => panic!("no test member {other}"),
    }
}

/// What follows an entry's or a proposal's action: `back:REASON`, `withdraw:ID`, `deputy`,
/// `review:ID`, or nothing.
fn extra(rest: Option<&str>) -> (Option<String>, Option<Marking>) {
    match rest {
        None => (None, None),
        Some("deputy") => (None, Some(Marking::Deputy)),
        Some(r) => match r.split_once(':') {
            Some(("back", why)) => (Some(why.to_string()), None),
            Some(("withdraw", of)) => (None, Some(Marking::Withdraw { of: of.into() })),
            Some(("review", of)) => (None, Some(Marking::Review { of: of.into() })),
            _ => panic!("bad spec {r}"),
        },
    }
}

/// A log entry written as "step action by [extra]", e.g. "5 verify s1 back:count wrong", "1 do c1
/// withdraw:e0", "3 approve s1 deputy".
pub(crate) fn entry(i: usize, spec: &str) -> SignOff {
    let mut parts = spec.splitn(4, ' ');
    let step = parts.next().unwrap().parse().unwrap();
    let action = parts.next().unwrap().parse().unwrap();
    let by = parts.next().unwrap().to_string();
    let (send_back, marking) = extra(parts.next());
    SignOff {
        id: format!("e{i}"),
        step,
        action,
        by,
        at: Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap()
            + chrono::Duration::minutes(i as i64),
        counts: BTreeMap::new(),
        note: None,
        send_back,
        heads_seen: Vec::new(),
        signature: String::new(),
        marking,
    }
}

pub(crate) fn log(specs: &[&str]) -> Vec<SignOff> {
    specs.iter().enumerate().map(|(i, s)| entry(i, s)).collect()
}

const APPROVED_TO_3: &[&str] = &["1 do c1", "2 verify s1", "3 approve a1"];

/// The log that brings process 1-2 up to and including step `n`, with a fixed cast.
fn monthly_up_to(n: u8) -> Vec<&'static str> {
    let all = [
        "1 do c1",
        "2 verify s1",
        "3 approve a1",
        "4 do c1",
        "5 verify s1",
        "6 approve a1",
        "7 do c1",
        "8 verify s1",
        "9 do c1",
        "10 verify s1",
        "11 do c1",
        "12 do c1",
        "13 do c1",
        "14 verify s1",
        "15 do c1",
    ];
    all[..usize::from(n)].to_vec()
}

/// (what, process, log, actor, proposal "step action [back:reason]", expected: Ok or a fragment of the refusal)
type Case = (
    &'static str,
    ProcessId,
    Vec<&'static str>,
    &'static str,
    &'static str,
    Result<(), &'static str>,
);

fn cases() -> Vec<Case> {
    use ProcessId::*;
    vec![
        // Gating: a step waits for the steps that gate it.
        (
            "first step is open",
            MonthlyIssuance,
            vec![],
            "c1",
            "1 do",
            Ok(()),
        ),
        (
            "verify waits for the work",
            MonthlyIssuance,
            vec![],
            "s1",
            "2 verify",
            Err("step 2 waits for step 1 to be done"),
        ),
        (
            "approve waits for the verify",
            MonthlyIssuance,
            vec!["1 do c1"],
            "a1",
            "3 approve",
            Err("step 3 waits for step 2 to be verified"),
        ),
        (
            "work waits for the approval",
            MonthlyIssuance,
            vec!["1 do c1", "2 verify s1"],
            "c1",
            "4 do",
            Err("step 4 waits for step 3 to be approved"),
        ),
        (
            "work opens after the approval",
            MonthlyIssuance,
            APPROVED_TO_3.to_vec(),
            "c1",
            "4 do",
            Ok(()),
        ),
        (
            "enclose waits for verify of pull-outs",
            MonthlyIssuance,
            monthly_up_to(7),
            "c1",
            "9 do",
            Err("step 9 waits for step 8 to be verified"),
        ),
        (
            "send needs the count verified",
            MonthlyIssuance,
            monthly_up_to(9),
            "c1",
            "11 do",
            Err("step 11 waits for step 10 to be verified"),
        ),
        (
            "data update may start once sent",
            MonthlyIssuance,
            monthly_up_to(11),
            "c1",
            "13 do",
            Ok(()),
        ),
        (
            "inquiries may start once sent",
            MonthlyIssuance,
            monthly_up_to(11),
            "c1",
            "15 do",
            Ok(()),
        ),
        (
            "data control waits for data update",
            MonthlyIssuance,
            monthly_up_to(12),
            "s1",
            "14 verify",
            Err("step 14 waits for step 13 to be done"),
        ),
        (
            "reissue runs in order",
            Reissue,
            vec!["1 do c1"],
            "c1",
            "3 do",
            Err("step 3 waits for step 2 to be done"),
        ),
        (
            "process 2 window envelopes after seal",
            Reaching75,
            vec![],
            "c1",
            "10 do",
            Err("step 10 waits for step 9 to be done"),
        ),
        // Already recorded.
        (
            "work is done once",
            MonthlyIssuance,
            vec!["1 do c1"],
            "c1",
            "1 do",
            Err("step 1 is already done (by c1"),
        ),
        (
            "verify is given once",
            MonthlyIssuance,
            vec!["1 do c1", "2 verify s1"],
            "a1",
            "2 verify",
            Err("step 2 is already verified"),
        ),
        (
            "approval is given once",
            MonthlyIssuance,
            APPROVED_TO_3.to_vec(),
            "a2",
            "3 approve",
            Err("step 3 is already approved"),
        ),
        (
            "inquiries repeat",
            MonthlyIssuance,
            monthly_up_to(15),
            "c2",
            "15 do",
            Ok(()),
        ),
        (
            "returns repeat and reopen data control",
            MonthlyIssuance,
            monthly_up_to(14),
            "c1",
            "13 do",
            Ok(()),
        ),
        (
            "cannot send back verified work",
            MonthlyIssuance,
            vec!["1 do c1", "2 verify s1"],
            "a1",
            "2 verify back:late",
            Err("already verified"),
        ),
        // Verify: by the section, never by who did the step.
        (
            "contractor cannot verify",
            MonthlyIssuance,
            vec!["1 do c1"],
            "c2",
            "2 verify",
            Err("a contractor cannot verify"),
        ),
        (
            "section verifies",
            MonthlyIssuance,
            vec!["1 do c1"],
            "s1",
            "2 verify",
            Ok(()),
        ),
        (
            "approver may verify",
            MonthlyIssuance,
            vec!["1 do c1"],
            "a1",
            "2 verify",
            Ok(()),
        ),
        (
            "contractor answers calls after the section mails",
            Encouragement,
            vec!["1 do s1"],
            "c1",
            "2 do",
            Ok(()),
        ),
        // A member who did the step (say while still listed as a contractor) never verifies it.
        (
            "who did the step cannot verify it",
            MonthlyIssuance,
            vec!["1 do s1"],
            "s1",
            "2 verify",
            Err("s1 did step 1 and cannot verify it"),
        ),
        (
            "who redid the step cannot verify the redo",
            MonthlyIssuance,
            vec!["1 do c1", "2 verify a1 back:x", "1 do a1"],
            "a1",
            "2 verify",
            Err("a1 did step 1"),
        ),
        // Approve: needs the approver flag, never by who verified.
        (
            "contractor cannot approve",
            MonthlyIssuance,
            vec!["1 do c1", "2 verify s1"],
            "c1",
            "3 approve",
            Err("a contractor cannot approve"),
        ),
        (
            "section without the flag cannot approve",
            MonthlyIssuance,
            vec!["1 do c1", "2 verify a1"],
            "s1",
            "3 approve",
            Err("s1 has no approver authority"),
        ),
        (
            "verifier cannot approve",
            MonthlyIssuance,
            vec!["1 do c1", "2 verify a1"],
            "a1",
            "3 approve",
            Err("a1 verified step 2 and cannot approve it"),
        ),
        (
            "another approver approves",
            MonthlyIssuance,
            vec!["1 do c1", "2 verify a1"],
            "a2",
            "3 approve",
            Ok(()),
        ),
        // Roles for work.
        (
            "section cannot do contractor steps",
            MonthlyIssuance,
            vec![],
            "a1",
            "1 do",
            Err("step 1 (確認) is done by the contractor; a1 is a section member"),
        ),
        (
            "contractor cannot do 1-1 step 1",
            AnnualIssuance,
            vec![],
            "c1",
            "1 do",
            Err("is done by the section; c1 is a contractor member"),
        ),
        (
            "section does 1-1 step 1",
            AnnualIssuance,
            vec![],
            "a1",
            "1 do",
            Ok(()),
        ),
        (
            "section does 5 step 1",
            Encouragement,
            vec![],
            "s1",
            "1 do",
            Ok(()),
        ),
        (
            "contractor cannot do 5 step 1",
            Encouragement,
            vec![],
            "c1",
            "1 do",
            Err("is done by the section"),
        ),
        // Wrong verb, wrong step, send-back form.
        (
            "verify step is not done",
            MonthlyIssuance,
            vec!["1 do c1"],
            "s1",
            "2 do",
            Err("step 2 (検認) is recorded with `step verify`, not `step do`"),
        ),
        (
            "work step is not verified",
            MonthlyIssuance,
            vec![],
            "s1",
            "1 verify",
            Err("recorded with `step do`"),
        ),
        (
            "approve step is not verified",
            MonthlyIssuance,
            vec!["1 do c1", "2 verify s1"],
            "a1",
            "3 verify",
            Err("recorded with `step approve`"),
        ),
        (
            "no such step",
            MonthlyIssuance,
            vec![],
            "c1",
            "16 do",
            Err("process 1-2 has no step 16 (its steps are 1-15)"),
        ),
        (
            "send-back needs a reason",
            MonthlyIssuance,
            vec!["1 do c1"],
            "s1",
            "2 verify back: ",
            Err("a send-back (差戻し) needs a reason"),
        ),
        // Send-backs reopen the step they refer to.
        (
            "verify send-back reopens the work",
            MonthlyIssuance,
            vec!["1 do c1", "2 verify s1 back:wrong date"],
            "c1",
            "1 do",
            Ok(()),
        ),
        (
            "after a send-back the verify waits for the redo",
            MonthlyIssuance,
            vec!["1 do c1", "2 verify s1 back:wrong date"],
            "s1",
            "2 verify",
            Err("step 2 waits for step 1 to be redone after its send-back"),
        ),
        (
            "approval send-back reopens the work",
            MonthlyIssuance,
            vec!["1 do c1", "2 verify s1", "3 approve a1 back:missing page"],
            "c1",
            "1 do",
            Ok(()),
        ),
        (
            "approval send-back needs a new verify",
            MonthlyIssuance,
            vec![
                "1 do c1",
                "2 verify s1",
                "3 approve a1 back:missing page",
                "1 do c1",
            ],
            "a1",
            "3 approve",
            Err("step 3 waits for step 2 to be verified"),
        ),
        (
            "redone work can be verified again",
            MonthlyIssuance,
            vec!["1 do c1", "2 verify s1 back:x", "1 do c2"],
            "s1",
            "2 verify",
            Ok(()),
        ),
    ]
}

fn proposal(spec: &str) -> Proposal<'static> {
    let mut parts = spec.splitn(3, ' ');
    let step = parts.next().unwrap().parse().unwrap();
    let action = parts.next().unwrap().parse().unwrap();
    let (send_back, marking) = extra(parts.next());
    // A test's proposal lives as long as the test run.
    Proposal {
        step,
        action,
        send_back: send_back.map(|s| &*Box::leak(s.into_boxed_str())),
        marking: marking.map(|m| &*Box::leak(Box::new(m))),
    }
}

/// 取下げ・代決・後閲 as the rules decide them: (what, log, actor, is the actor a deputy, proposal,
/// Ok or a fragment of the refusal).
type VocabularyCase = (
    &'static str,
    Vec<&'static str>,
    &'static str,
    bool,
    &'static str,
    Result<(), &'static str>,
);

#[test]
fn the_approval_vocabulary() {
    use ProcessId::MonthlyIssuance as M;
    let done = ["1 do c1"];
    let verified = ["1 do c1", "2 verify s1"];
    let deputy = ["1 do c1", "2 verify a2", "3 approve s1 deputy"];
    #[rustfmt::skip]
    let cases: Vec<VocabularyCase> = vec![
        ("the doer withdraws their work before the verify", done.to_vec(), "c1", false, "1 do withdraw:e0", Ok(())),
        ("another contractor cannot", done.to_vec(), "c2", false, "1 do withdraw:e0", Err("no work of c2's to withdraw")),
        ("nor an entry that is not the standing one", done.to_vec(), "c1", false, "1 do withdraw:e9", Err("no work of c1's")),
        ("a section member cannot withdraw a contractor's work", done.to_vec(), "s1", false, "1 do withdraw:e0", Err("is done by the contractor")),
        ("a contractor's 取下げ after a verify is refused", verified.to_vec(), "c1", false, "1 do withdraw:e0", Err("was verified at step 2")),
        ("withdrawn twice", vec!["1 do c1", "1 do c1 withdraw:e0"], "c1", false, "1 do withdraw:e0", Err("no work of c1's")),
        ("withdrawn work is redone", vec!["1 do c1", "1 do c1 withdraw:e0"], "c1", false, "1 do", Ok(())),
        ("and cannot be verified while withdrawn", vec!["1 do c1", "1 do c1 withdraw:e0"], "s1", false, "2 verify", Err("step 2 waits for step 1 to be done")),
        ("a 取下げ is not a send-back", done.to_vec(), "c1", false, "2 verify withdraw:e0", Err("contractor cannot verify")),
        ("a deputy decides with an approver's authority", verified.to_vec(), "a1", true, "3 approve deputy", Ok(())),
        ("a section member who is no deputy cannot", vec!["1 do c1", "2 verify a1"], "s1", false, "3 approve deputy", Err("s1 is not a deputy")),
        ("a deputy still cannot approve their own verify", verified.to_vec(), "s1", true, "3 approve deputy", Err("s1 verified step 2 and cannot approve it")),
        ("the approver reviews the 代決", deputy.to_vec(), "a1", false, "3 approve review:e2", Ok(())),
        ("reviewed once", vec!["1 do c1", "2 verify a2", "3 approve s1 deputy", "3 approve a1 review:e2"], "a1", false, "3 approve review:e2", Err("no 代決 waiting")),
        ("a deputy cannot review", deputy.to_vec(), "s1", true, "3 approve review:e2", Err("no approver authority")),
        ("an approver cannot review their own 代決", vec!["1 do c1", "2 verify s1", "3 approve a2 deputy"], "a2", false, "3 approve review:e2", Err("made the 代決 of step 3")),
        ("the verifier of the step cannot review its 代決", vec!["1 do c1", "2 verify a2", "3 approve s1 deputy"], "a2", false, "3 approve review:e2", Err("a2 verified step 2 and cannot approve it")),
        ("work a later step needs is not withdrawn", vec!["1 do c1", "2 verify s1", "3 approve a1", "4 do c1", "5 verify s1", "6 approve a1", "7 do c1", "8 verify s1", "9 do c1", "10 verify s1", "11 do c1", "12 do c1"], "c1", false, "11 do withdraw:e10", Err("already used by step 12")),
        ("a plain approval has nothing to review", APPROVED_TO_3.to_vec(), "a2", false, "3 approve review:e2", Err("no 代決 waiting")),
    ];
    let mut failures = Vec::new();
    for (what, specs, actor, is_deputy, prop, expected) in cases {
        let prop = proposal(prop);
        let got = acting(who(actor), prop.marking, is_deputy)
            .and_then(|m| check(process(M), &log(&specs), &m, prop));
        let ok = match (&got, expected) {
            (Ok(()), Ok(())) => true,
            (Err(refusal), Err(fragment)) => refusal.to_string().contains(fragment),
            _ => false,
        };
        if !ok {
            failures.push(format!("{what}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn withdrawn_work_reopens_its_step_and_a_deputy_decision_waits_for_review() {
    let p = process(ProcessId::MonthlyIssuance);
    let states = derive(p, &log(&["1 do c1", "1 do c1 withdraw:e0"]));
    assert_eq!(states[0].status, Status::Open);
    assert_eq!(states[0].history, vec![0, 1], "the history keeps both");
    let states = derive(p, &log(&["1 do c1", "1 do c1 withdraw:e0", "1 do c2"]));
    assert_eq!(
        (states[0].status, states[0].decisive),
        (Status::Done, Some(2))
    );
    let deputy = ["1 do c1", "2 verify a2", "3 approve s1 deputy"];
    let states = derive(p, &log(&deputy));
    assert_eq!(states[2].status, Status::Approved);
    assert!(states[2].awaiting_review);
    let mut reviewed = deputy.to_vec();
    reviewed.push("3 approve a1 review:e2");
    let states = derive(p, &log(&reviewed));
    assert_eq!(
        (states[2].status, states[2].decisive),
        (Status::Approved, Some(2))
    );
    assert!(!states[2].awaiting_review);
    // A 後閲 alone approves nothing.
    let states = derive(
        p,
        &log(&["1 do c1", "2 verify a2", "3 approve a1 review:e9"]),
    );
    assert_eq!(states[2].status, Status::AwaitingApproval);
}

#[test]
fn the_rules_table() {
    let mut failures = Vec::new();
    for (what, pid, specs, actor, prop, expected) in cases() {
        let got = check(process(pid), &log(&specs), &who(actor), proposal(prop));
        let ok = match (&got, expected) {
            (Ok(()), Ok(())) => true,
            (Err(refusal), Err(fragment)) => refusal.to_string().contains(fragment),
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{what}: expected {expected:?}, got {:?}",
                got.map_err(|e| e.to_string())
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn statuses(pid: ProcessId, specs: &[&str]) -> Vec<&'static str> {
    derive(process(pid), &log(specs))
        .iter()
        .map(|s| s.status.as_str())
        .collect()
}

#[test]
fn derived_states() {
    use ProcessId::MonthlyIssuance as M;
    let table: Vec<(&[&str], [&str; 6])> = vec![
        (
            &[],
            [
                "open", "blocked", "blocked", "blocked", "blocked", "blocked",
            ],
        ),
        (
            &["1 do c1"],
            [
                "done",
                "awaiting_verify",
                "blocked",
                "blocked",
                "blocked",
                "blocked",
            ],
        ),
        (
            &["1 do c1", "2 verify s1"],
            [
                "done",
                "verified",
                "awaiting_approval",
                "blocked",
                "blocked",
                "blocked",
            ],
        ),
        (
            APPROVED_TO_3,
            ["done", "verified", "approved", "open", "blocked", "blocked"],
        ),
        (
            &["1 do c1", "2 verify s1 back:bad"],
            [
                "sent_back",
                "blocked",
                "blocked",
                "blocked",
                "blocked",
                "blocked",
            ],
        ),
        (
            &["1 do c1", "2 verify s1", "3 approve a1 back:bad"],
            [
                "sent_back",
                "blocked",
                "blocked",
                "blocked",
                "blocked",
                "blocked",
            ],
        ),
        (
            &["1 do c1", "2 verify s1 back:bad", "1 do c1"],
            [
                "done",
                "awaiting_verify",
                "blocked",
                "blocked",
                "blocked",
                "blocked",
            ],
        ),
    ];
    for (specs, expected) in table {
        assert_eq!(&statuses(M, specs)[..6], &expected[..], "log {specs:?}");
    }
}

#[test]
fn send_back_keeps_reason_and_history() {
    let specs = [
        "1 do c1",
        "2 verify s1 back:wrong postal code",
        "1 do c1",
        "2 verify s1",
    ];
    let l = log(&specs);
    let states = derive(process(ProcessId::MonthlyIssuance), &l);
    assert_eq!(states[0].history, vec![0, 2]);
    assert_eq!(states[1].history, vec![1, 3]);
    assert_eq!(
        l[states[1].history[0]].send_back.as_deref(),
        Some("wrong postal code")
    );
    assert_eq!(states[1].decisive, Some(3));

    let sent_back = derive(process(ProcessId::MonthlyIssuance), &l[..2]);
    assert_eq!(sent_back[0].status, Status::SentBack);
    assert_eq!(
        sent_back[0].decisive,
        Some(1),
        "the send-back is what the board shows"
    );
}

#[test]
fn a_whole_monthly_run_is_accepted_step_by_step() {
    let p = process(ProcessId::MonthlyIssuance);
    let all = monthly_up_to(15);
    for n in 0..all.len() {
        let l = log(&all[..n]);
        let e = entry(n, all[n]);
        let prop = Proposal {
            step: e.step,
            action: e.action,
            send_back: None,
            marking: None,
        };
        assert_eq!(check(p, &l, &who(&e.by), prop), Ok(()), "entry {}", all[n]);
    }
    assert!(derive(p, &log(&all))
        .iter()
        .all(|s| matches!(s.status, Status::Done | Status::Verified | Status::Approved)));
}

#[test]
fn counts_parse() {
    for (given, expected) in [
        ("1200", Ok(("count", 1200))),
        ("envelopes=1200", Ok(("envelopes", 1200))),
        (" pulled_out = 3 ", Ok(("pulled_out", 3))),
        ("封筒=5", Ok(("封筒", 5))),
        ("-1", Err(())),
        ("x=1.5", Err(())),
        ("=4", Err(())),
        ("a b=4", Err(())),
        ("", Err(())),
    ] {
        let got = parse_count(given);
        match expected {
            Ok((n, v)) => assert_eq!(got, Ok((n.to_string(), v)), "{given:?}"),
            Err(()) => assert!(got.is_err(), "{given:?} should be refused"),
        }
    }
}

#[test]
fn may_offers_each_member_exactly_what_check_allows() {
    let p = process(ProcessId::MonthlyIssuance);
    let l = log(&["1 do c1"]);
    let offered = |id: &str| -> Vec<(u8, Action)> {
        may(p, &l, &who(id))
            .into_iter()
            .zip(p.steps)
            .filter_map(|(a, s)| a.map(|a| (s.no, a)))
            .collect()
    };
    // The contractor who did step 1 may redo nothing else yet; the section may verify it; an
    // approver who did not verify has nothing to approve yet.
    assert_eq!(offered("c1"), []);
    assert_eq!(offered("s1"), [(2, Action::Verify)]);
    assert_eq!(offered("a1"), [(2, Action::Verify)]);
    let l = log(&["1 do c1", "2 verify a1"]);
    assert_eq!(
        may(p, &l, &who("a1"))[2],
        None,
        "the verifier does not approve"
    );
    assert_eq!(may(p, &l, &who("a2"))[2], Some(Action::Approve));
    assert_eq!(may(p, &l, &who("s1"))[2], None, "no approver authority");
}
