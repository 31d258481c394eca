//! Workflow state derived from the append-only sign-off log, and the rules that decide whether a new
//! entry may be recorded. Everything here is a pure function of the catalogue, the log and the member.

use crate::catalogue::{Action, Process, Role, Step};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

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
    /// 取下げ・代決・後閲: what the entry is besides its step's action (None for most entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marking: Option<Marking>,
}

/// The approval vocabulary an office uses beyond 実施・検認・決裁・差戻し. Each is a signed entry of
/// the batch's log, judged on every laptop like the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Marking {
    /// 取下げ: the doer takes back their own entry `of` (a do) before it is verified; the step is
    /// open again and the history keeps both.
    Withdraw { of: String },
    /// 代決: an approval by a member an admin designated as deputy, while the approver is absent.
    Deputy,
    /// 後閲: an approver reviews the 代決 `of`; until then the step shows it waits for one.
    Review { of: String },
}

impl Marking {
    pub fn as_str(&self) -> &'static str {
        match self {
            Marking::Withdraw { .. } => "withdraw",
            Marking::Deputy => "deputy",
            Marking::Review { .. } => "review",
        }
    }

    /// The entry it refers to (a withdrawn do, a reviewed 代決).
    pub fn of(&self) -> Option<&str> {
        match self {
            Marking::Withdraw { of } | Marking::Review { of } => Some(of),
            Marking::Deputy => None,
        }
    }
}

/// What a member asks to record besides a plain entry (the core finds the entry it refers to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Ask {
    #[default]
    Plain,
    /// 取下げ of one's own do at this step.
    Withdraw,
    /// 代決 of this approval step.
    Deputy,
    /// 後閲 of this step's 代決.
    Review,
}

/// What a proposed entry is, before it is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proposal<'a> {
    pub step: u8,
    pub action: Action,
    pub send_back: Option<&'a str>,
    pub marking: Option<&'a Marking>,
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
    #[error("step {step} has no work of {member}'s to withdraw (取下げ takes back one's own do, while it stands)")]
    NothingToWithdraw { step: u8, member: String },
    #[error("step {step} was verified at step {verify}: its work can no longer be withdrawn; a send-back reopens it")]
    WithdrawAfterVerify { step: u8, verify: u8 },
    #[error("step {step}'s work is already used by step {by}: it can no longer be withdrawn")]
    WithdrawUsed { step: u8, by: u8 },
    #[error("{member} is not a deputy (代決者); an admin designates deputies")]
    NotDeputy { member: String },
    #[error("step {step} has no 代決 waiting for a 後閲")]
    NothingToReview { step: u8 },
    #[error("{member} made the 代決 of step {step} and cannot review it (後閲 is the approver's)")]
    ReviewOwnDeputy { member: String, step: u8 },
    #[error("a {marking} is not a send-back: give no reason")]
    MarkingWithSendBack { marking: &'static str },
    #[error("step {step} ({ja}) is not recorded with a {marking}")]
    MarkingNotForStep {
        step: u8,
        ja: &'static str,
        marking: &'static str,
    },
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
    /// Approved by a deputy (代決) and not yet reviewed by an approver (後閲待ち).
    pub awaiting_review: bool,
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
    /// Entries taken back (取下げ) and 代決 reviewed (後閲), by id.
    withdrawn: HashSet<&'a str>,
    reviewed: HashSet<&'a str>,
}

/// An entry that does or decides its step: not a 取下げ or a 後閲 (a 代決 decides).
fn decides(e: &SignOff) -> bool {
    matches!(e.marking, None | Some(Marking::Deputy))
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
            withdrawn: HashSet::new(),
            reviewed: HashSet::new(),
        };
        for (i, e) in log.iter().enumerate() {
            match &e.marking {
                Some(Marking::Withdraw { of }) => {
                    d.withdrawn.insert(of);
                }
                Some(Marking::Review { of }) => {
                    d.reviewed.insert(of);
                }
                _ => {}
            }
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
                    .filter(|(_, e)| {
                        e.action == Action::Do
                            && decides(e)
                            && !self.withdrawn.contains(e.id.as_str())
                    })
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
                        .find(|(i, e)| {
                            *i > after && e.action == action && e.send_back.is_none() && decides(e)
                        })
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
        let awaiting_review = f.complete.is_some_and(|i| {
            let e = &self.log[i];
            e.marking == Some(Marking::Deputy) && !self.reviewed.contains(e.id.as_str())
        });
        StepState {
            step: step.no,
            status,
            waiting,
            decisive,
            history: self.entries_for(step.no).map(|(i, _)| i).collect(),
            awaiting_review,
        }
    }
}

/// The state of every step of a batch, derived from its log.
pub fn derive(process: &Process, log: &[SignOff]) -> Vec<StepState> {
    let d = Derivation::new(process, log);
    process.steps.iter().map(|s| d.state(s)).collect()
}

/// Whether a batch is finished (完了): every step done, verified or approved as its kind asks, and no
/// 代決 waiting for its review; steps that repeat while the vouchers are out (問合せ対応, データ更新)
/// have no end of their own.
pub fn finished(process: &Process, states: &[StepState]) -> bool {
    process.steps.iter().zip(states).all(|(step, s)| {
        step.repeatable
            || matches!(s.status, Status::Done | Status::Verified | Status::Approved)
                && !s.awaiting_review
    })
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
    // A 取下げ or a 後閲 is about an entry that stands: the step's order does not apply (a 後閲
    // still keeps duties apart, as the approval it reviews did).
    if let Some(m @ Marking::Withdraw { .. }) = proposal.marking {
        return vocabulary(&d, log, step, actor, m, proposal.send_back.is_some());
    }
    if let Some(m @ Marking::Review { .. }) = proposal.marking {
        vocabulary(&d, log, step, actor, m, proposal.send_back.is_some())?;
        return separation(&d, log, step, actor);
    }
    if let Some(m) = proposal.marking {
        vocabulary(&d, log, step, actor, m, proposal.send_back.is_some())?;
    }
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
                marking: None,
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
    let d = Derivation::new(process, before);
    if let Some(m) = &entry.marking {
        vocabulary(&d, before, step, actor, m, entry.send_back.is_some())?;
        if matches!(m, Marking::Withdraw { .. }) {
            return Ok(());
        }
    }
    separation(&d, before, step, actor)
}

/// 取下げ・代決・後閲: the step takes the marking, and the entry it refers to stands as the rule
/// needs. (Who may make a 代決 is settled before, by [`acting`].)
fn vocabulary(
    d: &Derivation<'_>,
    log: &[SignOff],
    step: &Step,
    actor: &Member,
    marking: &Marking,
    send_back: bool,
) -> Result<(), Refusal> {
    let wants = match marking {
        Marking::Withdraw { .. } => Action::Do,
        Marking::Deputy | Marking::Review { .. } => Action::Approve,
    };
    if step.kind.action() != wants {
        return Err(Refusal::MarkingNotForStep {
            step: step.no,
            ja: step.ja,
            marking: marking.as_str(),
        });
    }
    if send_back && marking != &Marking::Deputy {
        return Err(Refusal::MarkingWithSendBack {
            marking: marking.as_str(),
        });
    }
    let standing = d.facts(step.no).complete.map(|i| &log[i]);
    match marking {
        Marking::Deputy => Ok(()),
        Marking::Withdraw { of } => {
            if !standing.is_some_and(|e| &e.id == of && e.by == actor.id) {
                return Err(Refusal::NothingToWithdraw {
                    step: step.no,
                    member: actor.name.clone(),
                });
            }
            // Taken back only while nothing rests on it: no check of it, no later step that needs it.
            let used = d.process.steps.iter().find(|v| {
                (v.subject == Some(step.no) || v.requires.contains(&step.no))
                    && d.facts(v.no).complete.is_some()
            });
            match used {
                Some(v) if v.kind.action() == Action::Verify && v.subject == Some(step.no) => {
                    Err(Refusal::WithdrawAfterVerify {
                        step: step.no,
                        verify: v.no,
                    })
                }
                Some(v) => Err(Refusal::WithdrawUsed {
                    step: step.no,
                    by: v.no,
                }),
                None => Ok(()),
            }
        }
        Marking::Review { of } => match standing {
            Some(e)
                if &e.id == of
                    && e.marking == Some(Marking::Deputy)
                    && !d.reviewed.contains(of.as_str()) =>
            {
                if e.by == actor.id {
                    Err(Refusal::ReviewOwnDeputy {
                        member: actor.name.clone(),
                        step: step.no,
                    })
                } else {
                    Ok(())
                }
            }
            _ => Err(Refusal::NothingToReview { step: step.no }),
        },
    }
}

/// The member as a rule sees them for an entry: a 代決 is decided with an approver's authority by a
/// member the admins designated as deputy (`deputy`, as the roster judges it), and by nobody else.
pub fn acting(member: Member, marking: Option<&Marking>, deputy: bool) -> Result<Member, Refusal> {
    match marking {
        Some(Marking::Deputy) if !deputy => Err(Refusal::NotDeputy {
            member: member.name,
        }),
        Some(Marking::Deputy) => Ok(Member {
            approver: true,
            ..member
        }),
        _ => Ok(member),
    }
}

/// The entry a 取下げ or a 後閲 of `step` would refer to now (the standing do, the standing 代決),
/// as a marking; a 代決 refers to none. The rules then decide whether it may be recorded.
pub fn marking_for(process: &Process, log: &[SignOff], step: u8, ask: Ask) -> Option<Marking> {
    let standing = || {
        let d = Derivation::new(process, log);
        d.facts(step).complete.map(|i| log[i].id.clone())
    };
    match ask {
        Ask::Plain => None,
        Ask::Deputy => Some(Marking::Deputy),
        Ask::Withdraw => Some(Marking::Withdraw {
            of: standing().unwrap_or_default(),
        }),
        Ask::Review => Some(Marking::Review {
            of: standing().unwrap_or_default(),
        }),
    }
}

/// What `member` may ask besides the plain action at each step (取下げ of their own work, 代決 when
/// they are a deputy, 後閲 of a 代決), in step order.
pub fn may_ask(process: &Process, log: &[SignOff], member: &Member, deputy: bool) -> Vec<Vec<Ask>> {
    process
        .steps
        .iter()
        .map(|step| {
            [Ask::Withdraw, Ask::Deputy, Ask::Review]
                .into_iter()
                .filter(|ask| {
                    let marking = marking_for(process, log, step.no, *ask);
                    let Ok(actor) = acting(member.clone(), marking.as_ref(), deputy) else {
                        return false;
                    };
                    let proposal = Proposal {
                        step: step.no,
                        action: step.kind.action(),
                        send_back: None,
                        marking: marking.as_ref(),
                    };
                    // A deputy who is an approver approves; 代決 is for those who are not.
                    !(*ask == Ask::Deputy && member.approver)
                        && check(process, log, &actor, proposal).is_ok()
                })
                .collect()
        })
        .collect()
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
