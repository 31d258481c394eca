//! Which records of a merged batch count (署名と因果の検証). Every laptop judges every record it
//! holds, on load and after every merge, from the documents' history:
//! - a sign-off with a bad signature, by someone not (or no longer) in the roster, or beyond its
//!   signer's authority counts for nothing; one recorded before the step it waits for had been done,
//!   verified or approved (in the recorder's causal past) is flagged and moves nothing until the
//!   section verifies it having seen it and its gate. An entry id counts once, and an entry whose
//!   signed heads are not where it was added (a copy) counts for nothing;
//! - a list reference counts when a member signed it, the process takes that list, and the step that
//!   uses it had not been completed when it was added (and completed having seen it); lists a step
//!   makes count only beside that step's counted entry;
//! - a note on a voucher counts when a member signed it and the process records that kind of note.
//!
//! Judging is bounded: each container is read up to a cap (see the store), and every rule here is
//! at most quadratic in the sign-offs of one batch.
use crate::catalogue::{Action, Process, ProcessId};
use crate::evidence::{evidence, import_window, send_step, Evidence};
use crate::lists::{ListKind, ListRef};
use crate::register::{NoteKind, VoucherNote};
use crate::workflow::{authority, derive, Member, SignOff, Status, StepState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

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
    /// A list a redaction (資格喪失者の削除) replaced by `by_list`, which counts in its place.
    Replaced {
        by_list: String,
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
    // The entries that count so far, in the order they came to count.
    let mut counted: Vec<SignOff> = Vec::new();
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    for (i, e) in log.iter().enumerate() {
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
        // Only an entry that holds claims its id: a broken copy placed before it takes nothing.
        if let Some(&first) = first_of.get(e.id.as_str()) {
            standings.push(copy_of(&log[first].id));
            continue;
        }
        first_of.insert(&e.id, i);
        // A verify may resolve flagged work of the step it checks, if it saw that work and its gate.
        let resolves = resolvable(process, log, &standings, i, &in_past);
        let before = counted.len();
        counted.extend(resolves.iter().map(|&f| log[f].clone()));
        let standing = match authority(process, &counted, &member, e) {
            Err(refusal) => Standing::Invalid {
                why: refusal.to_string(),
            },
            // Tentatively resolved, so that this entry's own gate sees the work it checks.
            Ok(()) => gate(process, log, &standings, i, &in_past, &resolves),
        };
        if standing.counts() {
            for &f in &resolves {
                if let Standing::Flagged { why } = &standings[f] {
                    standings[f] = Standing::Resolved {
                        why: why.clone(),
                        by_entry: e.id.clone(),
                    };
                }
            }
            counted.push(e.clone());
        } else {
            counted.truncate(before);
        }
        standings.push(standing);
    }
    standings
}

fn copy_of(first: &str) -> Standing {
    Standing::Invalid {
        why: format!("a copy of entry {first} (one entry counts once)"),
    }
}

/// The flagged entries that entry `i` resolves: `i` is a verify (not a send-back) of the step that
/// checks them, it saw them, and it saw the gates of that step complete.
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
    let flagged: Vec<usize> = (0..i)
        .filter(|&f| {
            matches!(standings[f], Standing::Flagged { .. })
                && log[f].step == subject
                && in_past(f, i)
        })
        .collect();
    // The gates are the same for every entry of the subject step: checked once.
    if flagged.is_empty()
        || missing_gate(process, log, standings, subject, |j| in_past(j, i), &[]).is_some()
    {
        return Vec::new();
    }
    flagged
}

/// The first step that `step` waits for that had no counted (or `also` counted), completing entry
/// among those `seen`.
fn missing_gate(
    process: &Process,
    log: &[SignOff],
    standings: &[Standing],
    step: u8,
    seen: impl Fn(usize) -> bool,
    also: &[usize],
) -> Option<(u8, Action)> {
    let step = process.step(step)?;
    step.requires
        .iter()
        .filter_map(|r| process.step(*r))
        .map(|required| (required.no, required.kind.action()))
        .find(|&(no, needs)| {
            !(0..log.len()).any(|j| {
                let e = &log[j];
                e.step == no
                    && e.action == needs
                    && e.send_back.is_none()
                    && (standings.get(j).is_some_and(Standing::counts) || also.contains(&j))
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
    resolving: &[usize],
) -> Standing {
    match missing_gate(
        process,
        log,
        standings,
        log[i].step,
        |j| j != i && in_past(j, i),
        resolving,
    ) {
        None => Standing::Valid,
        Some((no, needs)) => Standing::Flagged {
            why: format!(
                "recorded before step {no} was {} (the recorder had not seen it)",
                past_tense(needs)
            ),
        },
    }
}

fn past_tense(a: Action) -> &'static str {
    match a {
        Action::Do => "done",
        Action::Verify => "verified",
        Action::Approve => "approved",
    }
}

/// A list a redaction (資格喪失者の削除) that holds puts in place of another, and who signed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replacement<'a> {
    pub old: &'a str,
    pub new: &'a str,
    pub by: &'a str,
}

/// Which list references of a batch count. `log` and `standings` are its judged sign-offs;
/// `signer(i)` checks list `i`'s signature; `causal` relates lists and sign-offs. A reference to a
/// `replacements` new list, added by its signer, counts where the old one counted, whenever it was
/// added (the steps that used the old list keep counting), and the old one is then replaced.
pub fn judge_lists(
    process: &Process,
    lists: &[ListRef],
    log: &[SignOff],
    standings: &[Standing],
    signer: impl Fn(usize) -> Result<Member, String>,
    causal: &impl Causal,
    replacements: &[Replacement<'_>],
) -> Vec<Standing> {
    let counts = |j: usize| standings.get(j).is_some_and(Standing::counts);
    let counted: Vec<SignOff> = (0..log.len())
        .filter(|&j| counts(j))
        .map(|j| log[j].clone())
        .collect();
    let now = derive(process, &counted);
    // Where each counted entry sits in `counted`, to find the entry that completes a step now.
    let counted_at: Vec<usize> = (0..log.len()).filter(|&j| counts(j)).collect();
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    let mut judged: Vec<Standing> = Vec::with_capacity(lists.len());
    for (i, l) in lists.iter().enumerate() {
        let standing = (|| {
            if let Err(why) = signer(i) {
                return Standing::Invalid { why };
            }
            if let Some(&first) = first_of.get(l.doc_id.as_str()) {
                return Standing::Invalid {
                    why: format!(
                        "a copy of list reference {} (one counts once)",
                        lists[first].doc_id
                    ),
                };
            }
            first_of.insert(&l.doc_id, i);
            let invalid = |why: String| Standing::Invalid { why };
            if let Some(r) = replacements.iter().find(|r| r.new == l.doc_id) {
                let old_counts = lists[..i]
                    .iter()
                    .zip(&judged)
                    .any(|(o, s)| o.doc_id == r.old && o.list_kind == l.list_kind && s.counts());
                return if l.by == r.by && old_counts {
                    Standing::Valid
                } else {
                    invalid(format!(
                        "it stands for list {} in a deletion of departed persons' rows, which does not count here or was not signed by who decided it",
                        r.old
                    ))
                };
            }
            let Some(window) = import_window(process.id, l.list_kind) else {
                // A list a step makes comes in the same change as that step's counted entry (a
                // Kenshin from before signing added it just before the entry, unsigned).
                let made = (0..log.len()).any(|j| {
                    let beside = if l.by.is_empty() {
                        causal.list_before_signoff(i, j)
                    } else {
                        causal.same_change(i, j) && log[j].by == l.by
                    };
                    beside && counts(j) && makes(process.id, log[j].step, l.list_kind)
                });
                return if made {
                    Standing::Valid
                } else {
                    invalid(format!(
                        "a {} list is made by its step, and no counted entry of that step made this one",
                        l.list_kind
                    ))
                };
            };
            let seen: Vec<SignOff> = (0..log.len())
                .filter(|&j| counts(j) && causal.signoff_before_list(j, i))
                .map(|j| log[j].clone())
                .collect();
            let then = derive(process, &seen);
            let complete = |states: &[StepState], no: u8| {
                states.iter().find(|s| s.step == no).and_then(complete_by)
            };
            if let Some(n) = window.before {
                if complete(&then, n).is_some() {
                    return invalid(format!(
                        "added after step {n}, which uses the {} list, was complete",
                        l.list_kind
                    ));
                }
                if let Some(d) = complete(&now, n) {
                    if !causal.list_before_signoff(i, counted_at[d]) {
                        return invalid(format!(
                            "added while step {n} was recorded elsewhere without seeing it"
                        ));
                    }
                }
            }
            if let Some(m) = window.after {
                if complete(&then, m).is_none() {
                    return invalid(format!(
                        "added before step {m} was complete (the {} list comes after it)",
                        l.list_kind
                    ));
                }
            }
            Standing::Valid
        })();
        judged.push(standing);
    }
    for r in replacements {
        let new_counts = lists
            .iter()
            .zip(&judged)
            .any(|(l, s)| l.doc_id == r.new && s.counts());
        if new_counts {
            for (l, s) in lists.iter().zip(judged.iter_mut()) {
                if l.doc_id == r.old && s.counts() {
                    *s = Standing::Replaced {
                        by_list: r.new.to_string(),
                    };
                }
            }
        }
    }
    judged
}

/// The entry (an index into the log derived) that makes a step complete, if it is.
fn complete_by(s: &StepState) -> Option<usize> {
    match s.status {
        Status::Done | Status::Verified | Status::Approved => s.decisive,
        _ => None,
    }
}

/// Whether recording `step` makes a list of `kind` (postal-code counts at 4, reissued sheets).
fn makes(process: ProcessId, step: u8, kind: ListKind) -> bool {
    matches!(
        (evidence(process, step), kind),
        (Some(Evidence::MakeLists), ListKind::PostalCounts)
            | (
                Some(Evidence::CreateReissues),
                ListKind::Reissues | ListKind::PostalCounts
            )
    )
}

/// Causal order between a batch's list references and its sign-offs, from the document's history.
pub trait Causal {
    /// Whether sign-off `j` was in the past of the change that added list `i`.
    fn signoff_before_list(&self, j: usize, i: usize) -> bool;
    /// Whether list `i` was in the past of the change that added sign-off `j`.
    fn list_before_signoff(&self, i: usize, j: usize) -> bool;
    /// Whether list `i` and sign-off `j` were added by the same change.
    fn same_change(&self, i: usize, j: usize) -> bool;
}

/// Which notes on vouchers (inquiries, returns) count: signed by a member, once per id, and of a
/// kind the batch's process records.
pub fn judge_notes(
    process: &Process,
    notes: &[VoucherNote],
    signer: impl Fn(usize) -> Result<Member, String>,
) -> Vec<Standing> {
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    notes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            if let Err(why) = signer(i) {
                return Standing::Invalid { why };
            }
            if let Some(&first) = first_of.get(n.id.as_str()) {
                return copy_of(&notes[first].id);
            }
            first_of.insert(&n.id, i);
            let fits = match n.kind {
                NoteKind::Inquiry => process.id == ProcessId::EligibilityInquiry,
                NoteKind::Returned => send_step(process.id).is_some(),
            };
            if fits {
                Standing::Valid
            } else {
                Standing::Invalid {
                    why: format!(
                        "process {} does not record {} notes",
                        process.id,
                        n.kind.as_str()
                    ),
                }
            }
        })
        .collect()
}

/// Where an entry stood at a moment (a month's end), in causal order rather than by the time it
/// declares: an entry counts by then only if everything it had seen was also recorded by then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtEnd {
    /// Recorded by then, after everything it had seen.
    Counted,
    /// Recorded later.
    Later,
    /// Declares a time by then, but had seen an entry declaring a later time: its time cannot be
    /// right, so it is shown and does not count by then.
    TimeBeforeItsPast,
}

/// The standing at `end` of each entry declaring time `at[i]`, with `in_past(j, i)`.
pub fn at_end(
    at: &[DateTime<Utc>],
    end: DateTime<Utc>,
    in_past: impl Fn(usize, usize) -> bool,
) -> Vec<AtEnd> {
    (0..at.len())
        .map(|i| {
            if at[i] > end {
                AtEnd::Later
            } else if time_before_past(at, i, &in_past) {
                AtEnd::TimeBeforeItsPast
            } else {
                AtEnd::Counted
            }
        })
        .collect()
}

/// Whether entry `i` declares a time before an entry it had seen (its laptop's clock, or its writer,
/// is wrong): shown wherever its time is used.
pub fn time_before_past(
    at: &[DateTime<Utc>],
    i: usize,
    in_past: &impl Fn(usize, usize) -> bool,
) -> bool {
    (0..at.len()).any(|j| j != i && at[j] > at[i] && in_past(j, i))
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
                Standing::Replaced { by_list } => format!("replaced by {by_list}"),
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
        // A broken copy placed before the original (a hostile change may sort first) takes
        // nothing from it.
        let mut first = vec![entries[1].clone()];
        first.extend(entries[..3].iter().cloned());
        let broken_first = |i: usize| Arrival {
            heads_match: i != 0,
        };
        let got = describe(judge(p12(), &first, broken_first, known, |j, i| {
            j < i && j != 0
        }));
        assert!(got[0].starts_with("invalid: what it says"), "{got:?}");
        assert_eq!(got[1..], ["valid", "valid", "valid"]);
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

    /// Lists and sign-offs of one laptop in one order: list `i` was added just before sign-off
    /// `at[i]` (so every earlier sign-off is in its past, and it is in the past of the later ones);
    /// `usize::MAX`: on another laptop, concurrently with every sign-off.
    struct Sequence {
        at: Vec<usize>,
        same: Vec<Option<usize>>,
    }

    impl Causal for Sequence {
        fn signoff_before_list(&self, j: usize, i: usize) -> bool {
            self.at[i] != usize::MAX && j < self.at[i]
        }
        fn list_before_signoff(&self, i: usize, j: usize) -> bool {
            self.at[i] <= j && self.same[i] != Some(j)
        }
        fn same_change(&self, i: usize, j: usize) -> bool {
            self.same[i] == Some(j)
        }
    }

    fn list(doc: &str, kind: ListKind, by: &str) -> ListRef {
        ListRef {
            doc_id: doc.into(),
            list_kind: kind,
            sha256: String::new(),
            row_count: 1,
            by: by.into(),
            at: None,
            signature: String::new(),
        }
    }

    fn judged_lists(specs: &[&str], lists: &[ListRef], causal: &Sequence) -> Vec<String> {
        replaced_lists(specs, lists, causal, &[])
    }

    fn replaced_lists(
        specs: &[&str],
        lists: &[ListRef],
        causal: &Sequence,
        replacements: &[Replacement<'_>],
    ) -> Vec<String> {
        let log = log(specs);
        let standings = judge(p12(), &log, arrived, known, in_order);
        describe(judge_lists(
            p12(),
            lists,
            &log,
            &standings,
            |_| Ok(who("c1")),
            causal,
            replacements,
        ))
    }

    #[test]
    fn a_redacted_list_counts_in_place_of_the_one_it_replaces() {
        let specs = ["1 do c1", "2 verify s1", "3 approve a1", "4 do c1"];
        let production = |d, by| list(d, ListKind::Production, by);
        // The old list before step 1; the redacted ones long after step 4 (and its year's close).
        let after = |n| Sequence {
            at: [0].into_iter().chain(std::iter::repeat_n(4, n)).collect(),
            same: vec![None; n + 1],
        };
        let r = |old, new, by| Replacement { old, new, by };
        let lists = [production("p1", "c1"), production("p2", "a1")];
        let cases: [(&[Replacement<'_>], [&str; 2]); 4] = [
            (&[r("p1", "p2", "a1")], ["replaced by p2", "valid"]),
            // No redaction that holds names it: after step 4, it does not count.
            (&[], ["valid", "invalid: added after step 4"]),
            // Signed by another than who decided the redaction.
            (
                &[r("p1", "p2", "s1")],
                ["valid", "invalid: it stands for list p1"],
            ),
            // Standing for a list the batch does not count.
            (
                &[r("p9", "p2", "a1")],
                ["valid", "invalid: it stands for list p9"],
            ),
        ];
        for (replacements, want) in cases {
            let got = replaced_lists(&specs, &lists, &after(1), replacements);
            for (got, want) in got.iter().zip(want) {
                assert!(got.starts_with(want), "{got} / {want}");
            }
        }
        // A second redaction replaces the first's list in turn.
        let three = [
            production("p1", "c1"),
            production("p2", "a1"),
            production("p3", "a1"),
        ];
        let got = replaced_lists(
            &specs,
            &three,
            &after(2),
            &[r("p1", "p2", "a1"), r("p2", "p3", "a1")],
        );
        assert_eq!(got, ["replaced by p2", "replaced by p3", "valid"]);
    }

    #[test]
    fn a_list_counts_only_until_the_step_that_uses_it_is_complete() {
        let specs = ["1 do c1", "2 verify s1", "3 approve a1", "4 do c1"];
        let production = |d| list(d, ListKind::Production, "c1");
        let lists = [
            production("p1"),
            production("p2"),
            production("p1"),
            production("p3"),
        ];
        let causal = Sequence {
            // p1 before step 1; p2 before step 4; the copy and p3 after step 4.
            at: vec![0, 3, 4, 4],
            same: vec![None; 4],
        };
        let got = judged_lists(&specs, &lists, &causal);
        assert_eq!(got[0], "valid");
        assert_eq!(got[1], "valid");
        assert!(
            got[2].starts_with("invalid: a copy of list reference p1"),
            "{got:?}"
        );
        assert_eq!(
            got[3],
            "invalid: added after step 4, which uses the production list, was complete"
        );
        // Added concurrently with step 4 (in neither's past): step 4 did not see it.
        let concurrent = Sequence {
            at: vec![0, usize::MAX],
            same: vec![None; 2],
        };
        let got = judged_lists(&specs, &lists[..2], &concurrent);
        assert!(
            got[1].contains("recorded elsewhere without seeing it"),
            "{got:?}"
        );
        // Returned mail comes after sending; a process takes only its own lists.
        let returned = [list("r1", ListKind::Returned, "c1")];
        let got = judged_lists(
            &specs,
            &returned,
            &Sequence {
                at: vec![4],
                same: vec![None],
            },
        );
        assert!(
            got[0].starts_with("invalid: added before step 11"),
            "{got:?}"
        );
        let wrong = [list("x", ListKind::CheckupResults, "c1")];
        let got = judged_lists(
            &specs,
            &wrong,
            &Sequence {
                at: vec![4],
                same: vec![None],
            },
        );
        assert!(got[0].contains("made by its step"), "{got:?}");
    }

    #[test]
    fn a_made_list_counts_beside_the_entry_that_made_it() {
        let specs = ["1 do c1", "2 verify s1", "3 approve a1", "4 do c1"];
        let counts = |by: &str| list("pc", ListKind::PostalCounts, by);
        let with_step_4 = Sequence {
            at: vec![3],
            same: vec![Some(3)],
        };
        assert_eq!(
            judged_lists(&specs, &[counts("c1")], &with_step_4),
            ["valid"]
        );
        // By someone else than the recorder, or on its own.
        let got = judged_lists(&specs, &[counts("c2")], &with_step_4);
        assert!(got[0].starts_with("invalid"), "{got:?}");
        let alone = Sequence {
            at: vec![4],
            same: vec![None],
        };
        let got = judged_lists(&specs, &[counts("c1")], &alone);
        assert!(got[0].starts_with("invalid"), "{got:?}");
        // Beside an entry that does not count (a forged approval makes step 4 flagged).
        let forged = ["1 do c1", "2 verify s1", "3 approve s1", "4 do c1"];
        let got = judged_lists(&forged, &[counts("c1")], &with_step_4);
        assert!(got[0].starts_with("invalid"), "{got:?}");
    }

    #[test]
    fn notes_count_once_signed_and_where_the_process_records_them() {
        let note = |id: &str, kind: NoteKind| VoucherNote {
            id: id.into(),
            voucher_no: "20000001".into(),
            kind,
            on: "2026-06-01".parse().unwrap(),
            from: String::new(),
            text: "x".into(),
            by: "c1".into(),
            at: "2026-06-01T00:00:00Z".parse().unwrap(),
            signature: String::new(),
        };
        let notes = [
            note("n1", NoteKind::Returned),
            note("n1", NoteKind::Returned),
            note("n2", NoteKind::Inquiry),
            note("n3", NoteKind::Returned),
        ];
        let signer = |i: usize| {
            if i == 3 {
                Err("the signature does not match".to_string())
            } else {
                Ok(who("c1"))
            }
        };
        let got = describe(judge_notes(p12(), &notes, signer));
        assert_eq!(got[0], "valid");
        assert!(got[1].starts_with("invalid: a copy"), "{got:?}");
        assert_eq!(got[2], "invalid: process 1-2 does not record inquiry notes");
        assert_eq!(got[3], "invalid: the signature does not match");
    }

    #[test]
    fn the_standing_at_a_month_end_follows_causal_order() {
        let t = |d: u32| -> DateTime<Utc> { format!("2026-05-{d:02}T00:00:00Z").parse().unwrap() };
        let end = t(31);
        // 0 and 1 in May; 2 in June; 3 claims May but had seen 2 (June); 4 claims May, saw 1.
        let at = [t(1), t(2), t(31) + chrono::Duration::days(1), t(3), t(4)];
        let past = |j: usize, i: usize| matches!((j, i), (2, 3) | (1, 4) | (0, 1));
        assert_eq!(
            at_end(&at, end, past),
            [
                AtEnd::Counted,
                AtEnd::Counted,
                AtEnd::Later,
                AtEnd::TimeBeforeItsPast,
                AtEnd::Counted
            ]
        );
    }
}
