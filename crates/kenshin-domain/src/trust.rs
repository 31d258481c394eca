//! Which entries of a merged sign-off log count (署名と因果の検証). Every laptop judges every entry
//! it holds, on load and after every merge: an entry with a bad signature, by someone not (or no
//! longer) in the roster, or beyond its signer's authority counts for nothing; an entry recorded
//! before the step it waits for had been done, verified or approved (in the recorder's causal past)
//! is flagged until the section verifies again having seen it.

use crate::catalogue::{Action, Process};
use crate::workflow::{authority, Member, SignOff};
use serde::{Deserialize, Serialize};

/// What a laptop makes of one sign-off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "standing", rename_all = "snake_case")]
pub enum Standing {
    Valid,
    /// Counts, but was recorded before its gating step was complete; shown until resolved.
    Flagged {
        why: String,
    },
    /// Was flagged; a later verify by the section saw it and the approval.
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
        !matches!(self, Standing::Invalid { .. })
    }
}

/// Judges each entry of `log` (in log order). `signer` checks the entry's signature against the
/// roster and returns the member who signed it, or why not. `in_past(j, i)` says whether entry `j`
/// was in the causal past of entry `i` when `i` was recorded (from `i`'s heads seen).
pub fn judge(
    process: &Process,
    log: &[SignOff],
    signer: impl Fn(&SignOff) -> Result<Member, String>,
    in_past: impl Fn(usize, usize) -> bool,
) -> Vec<Standing> {
    let mut standings: Vec<Standing> = Vec::with_capacity(log.len());
    let mut counted: Vec<SignOff> = Vec::new();
    for (i, e) in log.iter().enumerate() {
        let standing = match signer(e) {
            Err(why) => Standing::Invalid { why },
            Ok(member) => match authority(process, &counted, &member, e) {
                Err(refusal) => Standing::Invalid {
                    why: refusal.to_string(),
                },
                Ok(()) => gate(process, log, &standings, i, &in_past),
            },
        };
        if standing.counts() {
            counted.push(e.clone());
        }
        standings.push(standing);
    }
    // A flag is resolved by a later, counted verify by the section that had seen the flagged entry.
    for i in 0..log.len() {
        if let Standing::Flagged { why } = &standings[i] {
            let resolver = (0..log.len()).find(|&j| {
                j != i
                    && standings[j].counts()
                    && log[j].action == Action::Verify
                    && log[j].send_back.is_none()
                    && in_past(i, j)
            });
            if let Some(j) = resolver {
                standings[i] = Standing::Resolved {
                    why: why.clone(),
                    by_entry: log[j].id.clone(),
                };
            }
        }
    }
    standings
}

/// Flags entry `i` when a step it waits for had no counted, completing entry in its causal past.
fn gate(
    process: &Process,
    log: &[SignOff],
    standings: &[Standing],
    i: usize,
    in_past: &impl Fn(usize, usize) -> bool,
) -> Standing {
    let Some(step) = process.step(log[i].step) else {
        return Standing::Valid;
    };
    for required in step.requires.iter().filter_map(|r| process.step(*r)) {
        let needs = required.kind.action();
        let seen = (0..i).chain(i + 1..log.len()).any(|j| {
            let e = &log[j];
            e.step == required.no
                && e.action == needs
                && e.send_back.is_none()
                && standings.get(j).is_none_or(Standing::counts)
                && in_past(j, i)
        });
        if !seen {
            let verb = match needs {
                Action::Do => "done",
                Action::Verify => "verified",
                Action::Approve => "approved",
            };
            return Standing::Flagged {
                why: format!(
                    "recorded before step {} was {verb} (the recorder had not seen it)",
                    required.no
                ),
            };
        }
    }
    Standing::Valid
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

    fn standings(specs: &[&str], in_past: impl Fn(usize, usize) -> bool) -> Vec<String> {
        judge(p12(), &log(specs), known, in_past)
            .into_iter()
            .map(|s| match s {
                Standing::Valid => "valid".to_string(),
                Standing::Flagged { why } => format!("flagged: {why}"),
                Standing::Resolved { by_entry, .. } => format!("resolved by {by_entry}"),
                Standing::Invalid { why } => format!("invalid: {why}"),
            })
            .collect()
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
            refuse,
            in_order,
        );
        assert_eq!(
            got[1],
            Standing::Invalid {
                why: "bad signature".into()
            }
        );
        assert!(got[2].counts(), "the approval itself is by a1 and signed");
        assert!(matches!(got[2], Standing::Flagged { .. }), "{:?}", got[2]);
    }
}
