//! Which entries of a merged sign-off log count (署名と因果の検証). Every laptop judges every entry
//! it holds, on load and after every merge: an entry with a bad signature, by someone not (or no
//! longer) in the roster, or beyond its signer's authority counts for nothing; an entry recorded
//! before the step it waits for had been done, verified or approved (in the recorder's causal past)
//! is flagged and moves nothing until the section verifies it having seen it and its gate. An entry
//! id counts once, and an entry whose signed heads are not where it was added (a copy) counts for
//! nothing.

use crate::catalogue::{Action, Process};
use crate::workflow::{authority, Member, SignOff};
use serde::{Deserialize, Serialize};

/// What a laptop makes of one sign-off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "standing", rename_all = "snake_case")]
pub enum Standing {
    Valid,
    /// Recorded before its gating step was complete in its recorder's past: shown, and it does not
    /// move the workflow until a verify of the step that checks it, made having seen both it and the
    /// gate, resolves it.
    Flagged {
        why: String,
    },
    /// Was flagged; a later verify by the section saw it and its gate.
    Resolved {
        why: String,
        by_entry: String,
    },
    /// Counts for nothing.
    Invalid {
        why: String,
    },
}

impl Standing {
    /// Whether the entry counts toward the workflow state.
    pub fn counts(&self) -> bool {
        matches!(self, Standing::Valid | Standing::Resolved { .. })
    }
}

/// How an entry reached the document, as the history reader found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    /// Its signed heads seen are the dependencies of the change that added it. An entry copied in
    /// later (or into another place) has other dependencies than the ones its signer saw.
    pub heads_match: bool,
}

/// Judges each entry of `log` (in log order). `signer` checks the entry's signature against the
/// roster and returns the member who signed it, or why not. `in_past(j, i)` says whether entry `j`
/// was in the causal past of entry `i` when `i` was recorded (from the change that added `i`).
pub fn judge(
    process: &Process,
    log: &[SignOff],
    arrival: impl Fn(usize) -> Arrival,
    signer: impl Fn(&SignOff) -> Result<Member, String>,
    in_past: impl Fn(usize, usize) -> bool,
) -> Vec<Standing> {
    let mut standings: Vec<Standing> = Vec::with_capacity(log.len());
    let mut counted: Vec<SignOff> = Vec::new();
    let mut first_of: std::collections::HashMap<&str, usize> = Default::default();
    for (i, e) in log.iter().enumerate() {
        if let Some(&first) = first_of.get(e.id.as_str()) {
            standings.push(Standing::Invalid {
                why: format!("a copy of entry {} (one entry counts once)", log[first].id),
            });
            continue;
        }
        first_of.insert(&e.id, i);
        let member = match signer(e) {
            Ok(m) => m,
            Err(why) => {
                standings.push(Standing::Invalid { why });
                continue;
            }
        };
        if !arrival(i).heads_match {
            standings.push(Standing::Invalid {
                why:
                    "what it says its recorder had seen is not where it was added (copied in later)"
                        .into(),
            });
            continue;
        }
        // A verify may resolve flagged work of the step it checks, if it saw that work and its gate.
        let resolves: Vec<usize> = resolvable(process, log, &standings, i, &in_past);
        let mut with: Vec<SignOff> = counted.clone();
        with.extend(resolves.iter().map(|&f| log[f].clone()));
        // Tentatively resolved, so that this entry's own gate sees the work it checks.
        let was: Vec<Standing> = resolves.iter().map(|&f| standings[f].clone()).collect();
        for &f in &resolves {
            if let Standing::Flagged { why } = &standings[f] {
                standings[f] = Standing::Resolved {
                    why: why.clone(),
                    by_entry: e.id.clone(),
                };
            }
        }
        let standing = match authority(process, &with, &member, e) {
            Err(refusal) => Standing::Invalid {
                why: refusal.to_string(),
            },
            Ok(()) => gate(process, log, &standings, i, &in_past),
        };
        if standing.counts() {
            counted = with;
            counted.push(e.clone());
        } else {
            for (&f, s) in resolves.iter().zip(was) {
                standings[f] = s;
            }
        }
        standings.push(standing);
    }
    standings
}

/// The flagged entries that entry `i` resolves: `i` is a verify (not a send-back) of the step that
/// checks them, and both they and the gate they had not seen were in `i`'s past.
fn resolvable(
    process: &Process,
    log: &[SignOff],
    standings: &[Standing],
    i: usize,
    in_past: &impl Fn(usize, usize) -> bool,
) -> Vec<usize> {
    let e = &log[i];
    let Some(subject) = process.step(e.step).and_then(|s| s.subject) else {
        return Vec::new();
    };
    if e.action != Action::Verify || e.send_back.is_some() {
        return Vec::new();
    }
    (0..i)
        .filter(|&f| {
            matches!(standings[f], Standing::Flagged { .. })
                && log[f].step == subject
                && in_past(f, i)
                && missing_gate(process, log, standings, f, |j| in_past(j, i)).is_none()
        })
        .collect()
}

/// The first step entry `i` waits for that had no counted, completing entry in `seen`.
fn missing_gate(
    process: &Process,
    log: &[SignOff],
    standings: &[Standing],
    i: usize,
    seen: impl Fn(usize) -> bool,
) -> Option<(u8, Action)> {
    let step = process.step(log[i].step)?;
    step.requires
        .iter()
        .filter_map(|r| process.step(*r))
        .map(|required| (required.no, required.kind.action()))
        .find(|&(no, needs)| {
            !(0..log.len()).any(|j| {
                let e = &log[j];
                j != i
                    && e.step == no
                    && e.action == needs
                    && e.send_back.is_none()
                    && standings.get(j).is_some_and(Standing::counts)
                    && seen(j)
            })
        })
}

/// Flags entry `i` when a step it waits for had no counted, completing entry in its causal past.
fn gate(
    process: &Process,
    log: &[SignOff],
    standings: &[Standing],
    i: usize,
    in_past: &impl Fn(usize, usize) -> bool,
) -> Standing {
    match missing_gate(process, log, standings, i, |j| in_past(j, i)) {
        None => Standing::Valid,
        Some((no, needs)) => {
            let verb = match needs {
                Action::Do => "done",
                Action::Verify => "verified",
                Action::Approve => "approved",
            };
            Standing::Flagged {
                why: format!("recorded before step {no} was {verb} (the recorder had not seen it)"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{process, ProcessId};
    use crate::workflow::tests::{log, who};

    fn p12() -> &'static Process {
        process(ProcessId::MonthlyIssuance)
    }

    /// Everything before an entry is in its causal past (one laptop, recorded in order).
    fn in_order(j: usize, i: usize) -> bool {
        j < i
    }

    fn known(e: &SignOff) -> Result<Member, String> {
        Ok(who(&e.by))
    }

    fn arrived(_: usize) -> Arrival {
        Arrival { heads_match: true }
    }

    fn describe(standings: Vec<Standing>) -> Vec<String> {
        standings
            .into_iter()
            .map(|s| match s {
                Standing::Valid => "valid".to_string(),
                Standing::Flagged { why } => format!("flagged: {why}"),
                Standing::Resolved { by_entry, .. } => format!("resolved by {by_entry}"),
                Standing::Invalid { why } => format!("invalid: {why}"),
            })
            .collect()
    }

    fn standings(specs: &[&str], in_past: impl Fn(usize, usize) -> bool) -> Vec<String> {
        describe(judge(p12(), &log(specs), arrived, known, in_past))
    }

    #[test]
    fn authority_is_judged_on_every_entry() {
        let table: &[(&[&str], usize, &str)] = &[
            (&["1 do c1", "2 verify s1", "3 approve a1"], 2, "valid"),
            // A contractor cannot verify, even by editing the document by hand.
            (
                &["1 do c1", "2 verify c2"],
                1,
                "invalid: a contractor cannot verify",
            ),
            // Approving needs the approver flag.
            (
                &["1 do c1", "2 verify a1", "3 approve s1"],
                2,
                "invalid: s1 has no approver authority",
            ),
            // The verifier does not approve what they verified.
            (
                &["1 do c1", "2 verify a1", "3 approve a1"],
                2,
                "invalid: a1 verified step 2 and cannot approve it",
            ),
            // Nobody verifies their own work.
            (
                &["1 do c1", "2 verify s1", "3 approve a1", "4 do a2"],
                3,
                "invalid: step 4",
            ),
            // The action must be the step's.
            (&["1 approve a1"], 0, "invalid: step 1"),
        ];
        for (specs, at, want) in table {
            let got = &standings(specs, in_order)[*at];
            assert!(
                got.starts_with(want),
                "{specs:?}: entry {at} is {got:?}, want {want:?}"
            );
        }
    }

    #[test]
    fn an_invalid_entry_does_not_open_the_next_step() {
        // The forged approval is invalid, so step 4 done on top of it is flagged, not valid.
        let got = standings(
            &["1 do c1", "2 verify s1", "3 approve s1", "4 do c1"],
            in_order,
        );
        assert!(got[2].starts_with("invalid"), "{got:?}");
        assert_eq!(
            got[3],
            "flagged: recorded before step 3 was approved (the recorder had not seen it)"
        );
    }

    #[test]
    fn work_recorded_before_the_approval_arrived_is_flagged_until_verified_again() {
        let specs = [
            "1 do c1",
            "2 verify s1",
            "3 approve a1",
            "4 do c1",
            "5 verify s1",
        ];
        // The contractor (entry 3) had seen entries 0 and 1 but not the approval (entry 2); the
        // section's verify (entry 4) saw everything.
        let offline = |j: usize, i: usize| match i {
            3 => j < 2,
            _ => j < i,
        };
        let got = standings(&specs[..4], offline);
        assert_eq!(
            got[3],
            "flagged: recorded before step 3 was approved (the recorder had not seen it)"
        );
        let got = standings(&specs, offline);
        assert_eq!(got[3], "resolved by e4");
        // Approved in time: nothing to flag.
        assert_eq!(standings(&specs, in_order)[3], "valid");
    }

    #[test]
    fn unknown_or_bad_signers_count_for_nothing() {
        let refuse = |e: &SignOff| {
            if e.by == "s1" {
                Err("bad signature".to_string())
            } else {
                Ok(who(&e.by))
            }
        };
        let got = judge(
            p12(),
            &log(&["1 do c1", "2 verify s1", "3 approve a1"]),
            arrived,
            refuse,
            in_order,
        );
        assert_eq!(
            got[1],
            Standing::Invalid {
                why: "bad signature".into()
            }
        );
        // The approval is by a1 and signed, but approves a verify that does not count.
        assert!(matches!(got[2], Standing::Flagged { .. }), "{:?}", got[2]);
        assert!(!got[2].counts());
    }

    #[test]
    fn an_entry_counts_once_and_only_where_it_was_signed() {
        let mut entries = log(&["1 do c1", "2 verify s1", "3 approve a1"]);
        // The verify copied in again (same id) after the approval.
        let mut copy = entries[1].clone();
        copy.at = entries[2].at;
        entries.push(copy);
        let got = describe(judge(p12(), &entries, arrived, known, in_order));
        assert_eq!(
            got[3],
            "invalid: a copy of entry e1 (one entry counts once)"
        );
        assert_eq!(got[..3], ["valid", "valid", "valid"]);
        // An entry whose signed heads are not its change's dependencies was added elsewhere.
        let moved = |i: usize| Arrival {
            heads_match: i != 1,
        };
        let got = describe(judge(p12(), &entries[..3], moved, known, in_order));
        assert!(got[1].starts_with("invalid: what it says"), "{got:?}");
        assert!(got[2].starts_with("flagged"), "{got:?}");
    }

    #[test]
    fn flagged_work_moves_nothing_until_the_checking_verify_saw_its_gate() {
        let process = p12();
        let specs = [
            "1 do c1",
            "2 verify s1",
            "3 approve a1",
            "4 do c1",
            "5 verify s1",
        ];
        // Step 4 was recorded without the approval in its past.
        let offline = |j: usize, i: usize| match i {
            3 => j < 2,
            _ => j < i,
        };
        let flagged = judge(process, &log(&specs[..4]), arrived, known, offline);
        let counted: Vec<SignOff> = log(&specs[..4])
            .into_iter()
            .zip(&flagged)
            .filter(|(_, s)| s.counts())
            .map(|(e, _)| e)
            .collect();
        let states = crate::workflow::derive(process, &counted);
        assert_ne!(
            states[3].status,
            crate::Status::Done,
            "flagged work does not move the workflow"
        );
        // A verify that saw step 4 but not the approval does not resolve it.
        let blind = |j: usize, i: usize| match i {
            3 | 4 => j != 2 && j < i,
            _ => j < i,
        };
        let got = describe(judge(process, &log(&specs), arrived, known, blind));
        assert!(got[3].starts_with("flagged"), "{got:?}");
        // Having seen both, it does.
        let got = describe(judge(process, &log(&specs), arrived, known, offline));
        assert_eq!(got[3], "resolved by e4");
        assert_eq!(got[4], "valid");
    }
}
