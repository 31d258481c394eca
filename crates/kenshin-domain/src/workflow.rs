//! Workflow state derived from the append-only sign-off log, and the rules that decide whether a new
//! entry may be recorded. Everything here is a pure function of the catalogue, the log and the member.

use crate::catalogue::{Action, Process, Role, Step};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A member of the office as the rules see them (the roster entry, without keys).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// 決裁権限: may approve.
    pub approver: bool,
    /// May add members and invite laptops.
    pub admin: bool,
}

/// One entry of a batch's sign-off log (確認・検認・決裁の記録). Entries are only ever appended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOff {
    pub id: String,
    pub step: u8,
    pub action: Action,
    /// Member id of who recorded it.
    pub by: String,
    pub at: DateTime<Utc>,
    /// What was counted (envelopes, pulled out, ...).
    pub counts: BTreeMap<String, i64>,
    pub note: Option<String>,
    /// For verify and approve: the reason the work was sent back (差戻し). `None` means OK.
    pub send_back: Option<String>,
    /// The batch document's heads when it was recorded (hex): what the recorder had seen.
    pub heads_seen: Vec<String>,
    /// The recorder's Ed25519 signature (hex) over [`crate::roster::signoff_payload`].
    pub signature: String,
}

/// What a proposed entry is, before it is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proposal<'a> {
    pub step: u8,
    pub action: Action,
    pub send_back: Option<&'a str>,
}

/// Why an entry may not be recorded. Each message is one line for the person who tried; the window
/// says it in Japanese from the same fields (`said`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum Refusal {
    #[error("process {process} has no step {step} (its steps are 1-{last})")]
    NoSuchStep { process: String, step: u8, last: u8 },
    #[error("step {step} ({ja}) is recorded with `step {expected}`, not `step {tried}`")]
    WrongAction {
        step: u8,
        ja: &'static str,
        expected: Action,
        tried: Action,
    },
    #[error("step {step} ({ja}) is done by the {by}; {member} is a {role} member")]
    WrongRole {
        step: u8,
        ja: &'static str,
        by: Role,
        member: String,
        role: Role,
    },
    #[error(
        "a contractor cannot {action} (検認・決裁 are the section's); {member} is a contractor"
    )]
    ContractorCannotReview { action: Action, member: String },
    #[error("{member} has no approver authority (決裁権限) and cannot approve step {step}")]
    NotApprover { member: String, step: u8 },
    #[error("step {step} waits for {}", describe_waits(.waiting))]
    Blocked { step: u8, waiting: Vec<Waiting> },
    #[error("step {step} is already {state} (by {by} at {at}); it can be recorded again only after a send-back")]
    AlreadyComplete {
        step: u8,
        state: &'static str,
        by: String,
        at: DateTime<Utc>,
    },
    #[error("{member} did step {subject} and cannot verify it (検認 must be by another member)")]
    VerifyOwnWork { member: String, subject: u8 },
    #[error("{member} verified step {subject} and cannot approve it (決裁 must be by someone other than the verifier)")]
    ApproveOwnVerify { member: String, subject: u8 },
    #[error("a send-back (差戻し) needs a reason")]
    EmptyReason,
    #[error("a send-back is given when verifying or approving, not when doing step {step}")]
    SendBackOnDo { step: u8 },
}

/// A step another step waits for, and what it needs to become.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Waiting {
    pub step: u8,
    pub needs: Action,
    /// The step was sent back and has not been redone.
    pub sent_back: bool,
}

fn describe_waits(waiting: &[Waiting]) -> String {
    let parts: Vec<String> = waiting
        .iter()
        .map(|w| {
            let verb = match w.needs {
                Action::Do => "done",
                Action::Verify => "verified",
                Action::Approve => "approved",
            };
            if w.sent_back {
                format!("step {} to be redone after its send-back", w.step)
            } else {
                format!("step {} to be {verb}", w.step)
            }
        })
        .collect();
    parts.join(" and ")
}

/// Where a step stands, as the board shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for earlier steps.
    Blocked,
    /// May be recorded now.
    Open,
    /// Work recorded.
    Done,
    /// Work sent back (差戻し); must be redone.
    SentBack,
    /// The work it checks is done; waiting for the section's verify.
    AwaitingVerify,
    /// The verify it approves is done; waiting for approval.
    AwaitingApproval,
    Verified,
    Approved,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Blocked => "blocked",
            Status::Open => "open",
            Status::Done => "done",
            Status::SentBack => "sent_back",
            Status::AwaitingVerify => "awaiting_verify",
            Status::AwaitingApproval => "awaiting_approval",
            Status::Verified => "verified",
            Status::Approved => "approved",
        }
    }

    pub fn ja(self) -> &'static str {
        match self {
            Status::Blocked => "待機",
            Status::Open => "未着手",
            Status::Done => "完了",
            Status::SentBack => "差戻し",
            Status::AwaitingVerify => "検認待ち",
            Status::AwaitingApproval => "決裁待ち",
            Status::Verified => "検認済",
            Status::Approved => "決裁済",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Blocked,
            Status::Open,
            Status::Done,
            Status::SentBack,
            Status::AwaitingVerify,
            Status::AwaitingApproval,
            Status::Verified,
            Status::Approved,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

/// One step's state, derived from the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepState {
    pub step: u8,
    pub status: Status,
    /// What a blocked step waits for.
    pub waiting: Vec<Waiting>,
    /// Index in the log of the entry that makes the step what it is (its last do, the verify or
    /// approval that counts, or the send-back that reopened it).
    pub decisive: Option<usize>,
    /// Indices of every entry recorded for this step, oldest first: the history stays visible.
    pub history: Vec<usize>,
}

/// Per-step facts gathered in one pass, in step order (a step only refers to earlier steps).
#[derive(Debug, Clone, Copy, Default)]
struct Facts {
    /// The send-back that reopened this work step after its last do.
    reopened_by: Option<usize>,
    /// The entry that made this step complete.
    complete: Option<usize>,
}

struct Derivation<'a> {
    process: &'a Process,
    log: &'a [SignOff],
    facts: Vec<Facts>,
    /// Indices of each step's entries, oldest first (one pass over the log).
    by_step: Vec<Vec<usize>>,
    /// Indices of the send-backs that reopen each work step, oldest first.
    reopening: Vec<Vec<usize>>,
}

impl<'a> Derivation<'a> {
    fn new(process: &'a Process, log: &'a [SignOff]) -> Self {
        let slots = process.steps.len() + 1;
        let mut d = Derivation {
            process,
            log,
            facts: vec![Facts::default(); slots],
            by_step: vec![Vec::new(); slots],
            reopening: vec![Vec::new(); slots],
        };
        for (i, e) in log.iter().enumerate() {
            if let Some(v) = d.by_step.get_mut(usize::from(e.step)) {
                v.push(i);
            }
            let reopened = e.send_back.as_ref().and_then(|_| d.reopens(e.step));
            if let Some(v) = reopened.and_then(|w| d.reopening.get_mut(usize::from(w))) {
                v.push(i);
            }
        }
        for step in process.steps {
            let f = d.evaluate(step);
            d.facts[usize::from(step.no)] = f;
        }
        d
    }

    fn facts(&self, no: u8) -> Facts {
        self.facts.get(usize::from(no)).copied().unwrap_or_default()
    }

    fn entries_for(&self, no: u8) -> impl Iterator<Item = (usize, &'a SignOff)> + '_ {
        let log = self.log;
        self.by_step
            .get(usize::from(no))
            .into_iter()
            .flatten()
            .map(move |&i| (i, &log[i]))
    }

    /// The work step a send-back recorded at `step` reopens.
    fn reopens(&self, step: u8) -> Option<u8> {
        let s = self.process.step(step)?;
        let subject = self.process.step(s.subject?)?;
        match subject.kind.action() {
            Action::Do => Some(subject.no),
            _ => subject.subject,
        }
    }

    fn evaluate(&self, step: &Step) -> Facts {
        match step.kind.action() {
            Action::Do => {
                let last_do = self
                    .entries_for(step.no)
                    .filter(|(_, e)| e.action == Action::Do)
                    .map(|(i, _)| i)
                    .last();
                let reopened_by = last_do.and_then(|d| {
                    self.reopening[usize::from(step.no)]
                        .last()
                        .copied()
                        .filter(|&i| i > d)
                });
                Facts {
                    reopened_by,
                    complete: if reopened_by.is_none() { last_do } else { None },
                }
            }
            action => {
                let subject_complete = step.subject.and_then(|s| self.facts(s).complete);
                let complete = subject_complete.and_then(|after| {
                    self.entries_for(step.no)
                        .find(|(i, e)| *i > after && e.action == action && e.send_back.is_none())
                        .map(|(i, _)| i)
                });
                Facts {
                    complete,
                    ..Facts::default()
                }
            }
        }
    }

    fn waiting(&self, step: &Step) -> Vec<Waiting> {
        step.requires
            .iter()
            .filter(|r| self.facts(**r).complete.is_none())
            .filter_map(|r| self.process.step(*r))
            .map(|r| Waiting {
                step: r.no,
                needs: r.kind.action(),
                sent_back: self.facts(r.no).reopened_by.is_some(),
            })
            .collect()
    }

    fn state(&self, step: &Step) -> StepState {
        let f = self.facts(step.no);
        let waiting = self.waiting(step);
        let (status, decisive) = match (step.kind.action(), f.complete) {
            (Action::Do, Some(i)) => (Status::Done, Some(i)),
            (Action::Do, None) if f.reopened_by.is_some() => (Status::SentBack, f.reopened_by),
            (Action::Verify, Some(i)) => (Status::Verified, Some(i)),
            (Action::Approve, Some(i)) => (Status::Approved, Some(i)),
            (_, None) if !waiting.is_empty() => (Status::Blocked, None),
            (Action::Do, None) => (Status::Open, None),
            (Action::Verify, None) => (Status::AwaitingVerify, None),
            (Action::Approve, None) => (Status::AwaitingApproval, None),
        };
        StepState {
            step: step.no,
            status,
            waiting,
            decisive,
            history: self.entries_for(step.no).map(|(i, _)| i).collect(),
        }
    }
}

/// The state of every step of a batch, derived from its log.
pub fn derive(process: &Process, log: &[SignOff]) -> Vec<StepState> {
    let d = Derivation::new(process, log);
    process.steps.iter().map(|s| d.state(s)).collect()
}

/// The step numbered `no`, if it is recorded with `action`.
fn step_taking(process: &Process, no: u8, action: Action) -> Result<&Step, Refusal> {
    let step = process.step(no).ok_or_else(|| Refusal::NoSuchStep {
        process: process.id.to_string(),
        step: no,
        last: process.steps.len() as u8,
    })?;
    let expected = step.kind.action();
    if expected != action {
        return Err(Refusal::WrongAction {
            step: step.no,
            ja: step.ja,
            expected,
            tried: action,
        });
    }
    Ok(step)
}

/// Decide whether `actor` may record `proposal` on a batch of `process` whose log is `log`.
pub fn check(
    process: &Process,
    log: &[SignOff],
    actor: &Member,
    proposal: Proposal<'_>,
) -> Result<(), Refusal> {
    let step = step_taking(process, proposal.step, proposal.action)?;
    let expected = step.kind.action();
    check_role(step, actor)?;
    match proposal.send_back {
        Some(_) if expected == Action::Do => return Err(Refusal::SendBackOnDo { step: step.no }),
        Some(reason) if reason.trim().is_empty() => return Err(Refusal::EmptyReason),
        _ => {}
    }

    let d = Derivation::new(process, log);
    let waiting = d.waiting(step);
    if !waiting.is_empty() {
        return Err(Refusal::Blocked {
            step: step.no,
            waiting,
        });
    }
    let facts = d.facts(step.no);
    if let Some(i) = facts.complete {
        if !step.repeatable {
            return Err(Refusal::AlreadyComplete {
                step: step.no,
                state: match expected {
                    Action::Do => "done",
                    Action::Verify => "verified",
                    Action::Approve => "approved",
                },
                by: log[i].by.clone(),
                at: log[i].at,
            });
        }
    }
    separation(&d, log, step, actor)
}

/// What `member` may record at each step of a batch now (in step order): the step's action if the
/// rules allow it (a verify or an approval may then also send the work back), else None. The front
/// ends offer exactly these; the core decides again when the entry is recorded.
pub fn may(process: &Process, log: &[SignOff], member: &Member) -> Vec<Option<Action>> {
    process
        .steps
        .iter()
        .map(|step| {
            let action = step.kind.action();
            let proposal = Proposal {
                step: step.no,
                action,
                send_back: None,
            };
            check(process, log, member, proposal).ok().map(|()| action)
        })
        .collect()
}

/// Separation of duties: the one who checks is never the one whose work is checked.
fn separation(
    d: &Derivation<'_>,
    log: &[SignOff],
    step: &Step,
    actor: &Member,
) -> Result<(), Refusal> {
    let subject_entry = step
        .subject
        .and_then(|s| d.facts(s).complete)
        .map(|i| &log[i]);
    match (step.kind.action(), subject_entry) {
        (Action::Verify, Some(e)) if e.by == actor.id => Err(Refusal::VerifyOwnWork {
            member: actor.name.clone(),
            subject: e.step,
        }),
        (Action::Approve, Some(e)) if e.by == actor.id => Err(Refusal::ApproveOwnVerify {
            member: actor.name.clone(),
            subject: e.step,
        }),
        _ => Ok(()),
    }
}

/// Whether `actor` had the authority to record `entry` after the entries `before` it: the step exists,
/// the action is the step's, the role fits, and duties stay separated. Order rules (what the step
/// waits for) are not judged here: concurrent entries from two laptops may merge in any order.
pub(crate) fn authority(
    process: &Process,
    before: &[SignOff],
    actor: &Member,
    entry: &SignOff,
) -> Result<(), Refusal> {
    let step = step_taking(process, entry.step, entry.action)?;
    check_role(step, actor)?;
    if entry.send_back.is_some() && step.kind.action() == Action::Do {
        return Err(Refusal::SendBackOnDo { step: step.no });
    }
    separation(&Derivation::new(process, before), before, step, actor)
}

fn check_role(step: &Step, actor: &Member) -> Result<(), Refusal> {
    match step.kind.action() {
        Action::Do if step.by != actor.role => Err(Refusal::WrongRole {
            step: step.no,
            ja: step.ja,
            by: step.by,
            member: actor.name.clone(),
            role: actor.role,
        }),
        Action::Verify | Action::Approve if actor.role == Role::Contractor => {
            Err(Refusal::ContractorCannotReview {
                action: step.kind.action(),
                member: actor.name.clone(),
            })
        }
        Action::Approve if !actor.approver => Err(Refusal::NotApprover {
            member: actor.name.clone(),
            step: step.no,
        }),
        _ => Ok(()),
    }
}

/// A count given on the command line: `envelopes=1200`, or a bare `1200` (named `count`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad count {given:?}: write NAME=NUMBER or NUMBER, with a whole number of 0 or more")]
pub struct BadCount {
    pub given: String,
}

pub fn parse_count(given: &str) -> Result<(String, i64), BadCount> {
    let bad = || BadCount {
        given: given.to_string(),
    };
    let (name, value) = match given.split_once('=') {
        Some((name, value)) => (name.trim(), value.trim()),
        None => ("count", given.trim()),
    };
    let value: i64 = value.parse().map_err(|_| bad())?;
    check_count(name, value).map_err(|_| bad())?;
    Ok((name.to_string(), value))
}

/// A count as the window sends it, typed: a name of letters, digits, `_` or `-`, and 0 or more.
pub fn check_count(name: &str, value: i64) -> Result<(), BadCount> {
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if valid_name && value >= 0 {
        Ok(())
    } else {
        Err(BadCount {
            given: format!("{name}={value}"),
        })
    }
}

#[cfg(test)]
pub(crate) mod tests;
