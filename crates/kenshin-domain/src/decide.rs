//! Deciding a new entry (記録の判定): the workflow rules, then the step's evidence against the
//! batch's lists, as one pure function of what the caller read. A write is load → decide → write:
//! the core reads the lists [`needs`] names, calls [`decide`], and stores what it returns.

use crate::age::{reaching_75_next_april_may, target_in_year, OutsideAge};
use crate::catalogue::{Action, ProcessId, StepKind};
use crate::evidence::{evidence, Evidence};
use crate::fiscal::fiscal_year_end;
use crate::lists::ListKind;
use crate::reconcile::{self, count_by_postal, postal_counts};
use crate::register::{reissue_eligibility, sheet_no, Ineligible};
use crate::rows::{
    self, PostalCount, Pullout, ReissueRequest, ReissueSheet, Returned, Row, Subject,
};
use crate::said::Said;
use crate::workflow::{check, Marking, Member, Proposal, Refusal, SignOff};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashSet};

/// What a step's evidence is checked against, as the caller read it from the batch (only what
/// [`needs`] names; the rest stays empty).
#[derive(Debug, Clone, Default)]
pub struct Lists {
    pub production: Option<Vec<Subject>>,
    pub pullouts: Option<Vec<Pullout>>,
    pub postal_counts: Option<Vec<PostalCount>>,
    pub reissues: Option<Vec<ReissueSheet>>,
    pub requests: Option<Vec<ReissueRequest>>,
    /// Every return recorded in the batch (returned-mail lists and single notes).
    pub returns: Vec<Returned>,
    /// How many inquiries the batch logged.
    pub inquiries: usize,
    /// For each reissue request's voucher, what the register holds of it.
    pub register: BTreeMap<String, Registered>,
}

/// A voucher as the register holds it, for reissue requests.
#[derive(Debug, Clone)]
pub struct Registered {
    pub subject: Subject,
    pub pulled_out: bool,
    /// Sheets reissued for it by other batches.
    pub reissued_elsewhere: usize,
}

/// What a step reads to check its evidence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    pub production: bool,
    pub pullouts: bool,
    pub postal_counts: bool,
    pub reissues: bool,
    pub requests: bool,
    pub returns: bool,
    pub inquiries: bool,
}

/// A list a step makes, to be stored with its entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MadeList {
    pub kind: ListKind,
    /// Canonical rows.
    pub rows: Vec<u8>,
    pub row_count: u64,
}

/// Why an entry may not be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// A workflow rule (order, role, separation of duties).
    Rule(Refusal),
    /// The step needs a list the batch does not have.
    Missing { step: u8, kind: ListKind },
    /// The counts or the lists do not hold up.
    Evidence { step: u8, why: EvidenceRefusal },
}

/// Why a step's counts or lists do not hold up, with the figures (the English sentence; the window
/// says it in Japanese from the same fields, see [`crate::said`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceRefusal {
    /// 年齢到達者の引抜き漏れ: subjects outside the age rule that the pull-out list does not hold.
    #[error("{total} subjects of the production list are outside the age rule and not on the pull-out list: {}{}", first_outside(.first), more_outside(*.total, .first.len()))]
    OutsideAgeRule {
        total: usize,
        /// The first few: voucher number, name, why.
        first: Vec<(String, String, OutsideAge)>,
    },
    /// A count given that the lists contradict.
    #[error("{count}={given} was given, but {from} has {value}")]
    CountDiffers {
        count: String,
        given: i64,
        from: CountSource,
        value: u64,
    },
    /// 封入数 must be counted by hand and given.
    #[error(
        "count the envelopes: --count envelopes=N (the postal-code count list says {list_total})"
    )]
    EnvelopesNotCounted { list_total: u64 },
    #[error("envelopes cannot be negative")]
    NegativeEnvelopes,
    #[error("{0}")]
    Mismatch(reconcile::Mismatch),
    #[error("no request is eligible: {}", join(.refused))]
    NoEligibleRequest { refused: Vec<RefusedRequest> },
    /// The work step's count is older than what the batch holds now.
    #[error("{now} {}, but step {work_step} counted {counted}: record step {work_step} again first", .count.en())]
    RecountFirst {
        count: Recount,
        now: usize,
        work_step: u8,
        counted: i64,
    },
}

/// Where a count the lists decide comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountSource {
    ProductionList,
    PulloutList,
    PostalCountList,
    RequestCsv,
    EligibleRequests,
    ReturnedMail,
    InquiryLog,
}

impl std::fmt::Display for CountSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CountSource::ProductionList => "the production list",
            CountSource::PulloutList => "the pull-out list",
            CountSource::PostalCountList => "the postal-code count list",
            CountSource::RequestCsv => "the request CSV",
            CountSource::EligibleRequests => "the eligible requests",
            CountSource::ReturnedMail => "the batch's returned mail",
            CountSource::InquiryLog => "the inquiry log",
        })
    }
}

/// What a checking step recounts: the returns recorded, or the inquiries logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recount {
    Returns,
    Inquiries,
}

impl Recount {
    fn en(self) -> &'static str {
        match self {
            Recount::Returns => "returns recorded",
            Recount::Inquiries => "inquiries logged",
        }
    }
}

/// A reissue request that cannot be granted, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedRequest {
    pub application_no: String,
    pub voucher_no: String,
    pub why: Ineligible,
}

impl std::fmt::Display for RefusedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.application_no, self.voucher_no, self.why
        )
    }
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(T::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn first_outside(first: &[(String, String, OutsideAge)]) -> String {
    first
        .iter()
        .map(|(no, name, why)| format!("{no} {name} ({why})"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn more_outside(total: usize, shown: usize) -> String {
    if total > shown {
        format!("; and {} more (kenshin report age-check)", total - shown)
    } else {
        String::new()
    }
}

/// An accepted entry: its counts as the lists decide them, its note, and the lists it makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub counts: BTreeMap<String, i64>,
    pub note: Option<String>,
    pub made: Vec<MadeList>,
}

/// The batch a new entry goes to.
#[derive(Debug, Clone, Copy)]
pub struct BatchOf {
    pub process: ProcessId,
    pub fiscal_year: i32,
}

/// Whether a record of `action` at `step` is checked against evidence at all (a send-back never is).
fn checked(process: ProcessId, step: u8, action: Action, send_back: bool) -> Option<Evidence> {
    let ev = evidence(process, step)?;
    let kind = process.process().step(step).map(|s| s.kind);
    let recorded_as = if kind == Some(StepKind::DataControl) || ev == Evidence::CrossCheck {
        Action::Verify
    } else {
        Action::Do
    };
    (action == recorded_as && !send_back).then_some(ev)
}

/// What the caller must read for an entry of `action` at `step`.
pub fn needs(process: ProcessId, step: u8, action: Action, send_back: bool) -> Needs {
    let mut n = Needs::default();
    match checked(process, step, action, send_back) {
        Some(Evidence::MakeLists) => {
            n.production = true;
            n.pullouts = true;
        }
        Some(Evidence::PullOut) => n.pullouts = true,
        Some(Evidence::Envelopes) => {
            n.postal_counts = true;
            if process == ProcessId::Reissue {
                n.reissues = true;
            } else {
                n.production = true;
                n.pullouts = true;
            }
        }
        Some(Evidence::CreateReissues) => n.requests = true,
        Some(Evidence::DataUpdate | Evidence::DataControl) => n.returns = true,
        Some(Evidence::Inquiries | Evidence::CrossCheck) => n.inquiries = true,
        None => {}
    }
    n
}

/// Decides a new entry: the workflow rules over `log` (the entries that count, and for a verify the
/// flagged work it resolves), then its evidence against `lists`. On success the entry's counts as the
/// lists decide them (a count given that differs is refused with both figures), its note, and the
/// lists the step makes.
pub fn decide(
    batch: BatchOf,
    log: &[SignOff],
    member: &Member,
    entry: &SignOff,
    lists: &Lists,
    today: NaiveDate,
) -> Result<Accepted, Refused> {
    let proposal = Proposal {
        step: entry.step,
        action: entry.action,
        send_back: entry.send_back.as_deref(),
        marking: entry.marking.as_ref(),
    };
    check(batch.process.process(), log, member, proposal).map_err(Refused::Rule)?;
    let mut accepted = Accepted {
        counts: entry.counts.clone(),
        note: entry.note.clone(),
        made: Vec::new(),
    };
    // A 取下げ or a 後閲 counts nothing and makes no list: it is about an entry that stands.
    if !matches!(entry.marking, None | Some(Marking::Deputy)) {
        return Ok(accepted);
    }
    let Some(ev) = checked(
        batch.process,
        entry.step,
        entry.action,
        entry.send_back.is_some(),
    ) else {
        return Ok(accepted);
    };
    let step = entry.step;
    let refuse = |why: EvidenceRefusal| Refused::Evidence { step, why };
    let missing = |kind| Refused::Missing { step, kind };
    let counts = &mut accepted.counts;
    match ev {
        Evidence::MakeLists => {
            let production = lists
                .production
                .as_deref()
                .ok_or(missing(ListKind::Production))?;
            let pullouts = lists.pullouts.as_deref().unwrap_or_default();
            let outside: Vec<AgeFinding> = age_findings(batch, production, pullouts, today)
                .into_iter()
                .filter(|f| !f.pulled_out)
                .collect();
            if !outside.is_empty() {
                return Err(refuse(EvidenceRefusal::OutsideAgeRule {
                    total: outside.len(),
                    first: outside
                        .into_iter()
                        .take(5)
                        .map(|f| (f.subject.voucher_no, f.subject.name, f.why))
                        .collect(),
                }));
            }
            let count_list = postal_counts(production, pullouts);
            expect(
                step,
                counts,
                "production",
                production.len() as u64,
                CountSource::ProductionList,
            )?;
            expect(
                step,
                counts,
                "pulled_out",
                pullouts.len() as u64,
                CountSource::PulloutList,
            )?;
            expect(
                step,
                counts,
                "to_send",
                reconcile::total(&count_list),
                CountSource::PostalCountList,
            )?;
            accepted
                .made
                .push(made(ListKind::PostalCounts, &count_list));
        }
        Evidence::PullOut => {
            let pulled = lists.pullouts.as_deref().unwrap_or_default().len() as u64;
            expect(step, counts, "pulled", pulled, CountSource::PulloutList)?;
        }
        Evidence::Envelopes => {
            let count_list = lists
                .postal_counts
                .as_deref()
                .ok_or(missing(ListKind::PostalCounts))?;
            let expected = if batch.process == ProcessId::Reissue {
                let sheets = lists.reissues.as_deref().unwrap_or_default();
                count_by_postal(sheets.iter().map(|s| s.postal.as_str()))
            } else {
                postal_counts(
                    lists.production.as_deref().unwrap_or_default(),
                    lists.pullouts.as_deref().unwrap_or_default(),
                )
            };
            let Some(&envelopes) = counts.get("envelopes") else {
                return Err(refuse(EvidenceRefusal::EnvelopesNotCounted {
                    list_total: reconcile::total(count_list),
                }));
            };
            let envelopes =
                u64::try_from(envelopes).map_err(|_| refuse(EvidenceRefusal::NegativeEnvelopes))?;
            reconcile::envelopes(Some(envelopes), count_list, &expected)
                .map_err(|m| refuse(EvidenceRefusal::Mismatch(m)))?;
        }
        Evidence::CreateReissues => {
            let requests = lists
                .requests
                .as_deref()
                .ok_or(missing(ListKind::ReissueRequests))?;
            let (sheets, refused) = reissue_sheets(batch, requests, &lists.register);
            if sheets.is_empty() {
                return Err(refuse(EvidenceRefusal::NoEligibleRequest { refused }));
            }
            expect(
                step,
                counts,
                "requested",
                requests.len() as u64,
                CountSource::RequestCsv,
            )?;
            expect(
                step,
                counts,
                "issued",
                sheets.len() as u64,
                CountSource::EligibleRequests,
            )?;
            if !refused.is_empty() {
                let line = format!(
                    "不可 {}",
                    refused.iter().map(Said::ja).collect::<Vec<_>>().join("、")
                );
                accepted.note = Some(match accepted.note.take() {
                    Some(n) => format!("{n} / {line}"),
                    None => line,
                });
            }
            let count_list = count_by_postal(sheets.iter().map(|s| s.postal.as_str()));
            accepted.made.push(made(ListKind::Reissues, &sheets));
            accepted
                .made
                .push(made(ListKind::PostalCounts, &count_list));
        }
        Evidence::DataUpdate => {
            let n = lists.returns.len() as u64;
            expect(step, counts, "returned", n, CountSource::ReturnedMail)?;
        }
        Evidence::Inquiries => {
            expect(
                step,
                counts,
                "inquiries",
                lists.inquiries as u64,
                CountSource::InquiryLog,
            )?;
        }
        Evidence::DataControl | Evidence::CrossCheck => {
            let (work_step, name, now_n, count) = if ev == Evidence::CrossCheck {
                (1, "inquiries", lists.inquiries, Recount::Inquiries)
            } else {
                (step - 1, "returned", lists.returns.len(), Recount::Returns)
            };
            let counted = last_count(log, work_step, name).unwrap_or(0);
            if counted != now_n as i64 {
                return Err(refuse(EvidenceRefusal::RecountFirst {
                    count,
                    now: now_n,
                    work_step,
                    counted,
                }));
            }
        }
    }
    Ok(accepted)
}

fn made<R: Row>(kind: ListKind, rows: &[R]) -> MadeList {
    MadeList {
        kind,
        rows: rows::encode(rows),
        row_count: rows.len() as u64,
    }
}

/// Puts a count the lists decide into the record: absent, it is filled in; given and different, refused.
fn expect(
    step: u8,
    counts: &mut BTreeMap<String, i64>,
    name: &str,
    value: u64,
    source: CountSource,
) -> Result<(), Refused> {
    let wanted = i64::try_from(value).unwrap_or(i64::MAX);
    match counts.get(name) {
        Some(&given) if given != wanted => Err(Refused::Evidence {
            step,
            why: EvidenceRefusal::CountDiffers {
                count: name.to_string(),
                given,
                from: source,
                value,
            },
        }),
        _ => {
            counts.insert(name.to_string(), wanted);
            Ok(())
        }
    }
}

/// The latest complete record of a step that counted `name`.
fn last_count(log: &[SignOff], step: u8, name: &str) -> Option<i64> {
    log.iter()
        .rev()
        .find(|s| s.step == step && s.action == Action::Do && s.send_back.is_none())
        .and_then(|s| s.counts.get(name).copied())
}

/// A subject outside the age rule, and why.
#[derive(Debug, Clone)]
pub struct AgeFinding {
    pub subject: Subject,
    pub why: OutsideAge,
    pub pulled_out: bool,
}

/// The day ages are checked on: today, but never after the fiscal year (a late check judges the year).
pub fn check_day(fiscal_year: i32, today: NaiveDate) -> NaiveDate {
    today.min(fiscal_year_end(fiscal_year))
}

/// Every subject of the production list outside the age rule of the batch's process.
pub fn age_findings(
    batch: BatchOf,
    production: &[Subject],
    pullouts: &[Pullout],
    today: NaiveDate,
) -> Vec<AgeFinding> {
    let fy = batch.fiscal_year;
    let on = check_day(fy, today);
    let pulled: HashSet<&str> = pullouts.iter().map(|p| p.voucher_no.as_str()).collect();
    production
        .iter()
        .filter_map(|s| {
            let rule = match batch.process {
                ProcessId::Reaching75 => reaching_75_next_april_may(s.birth, fy),
                _ => target_in_year(s.birth, fy, on),
            };
            rule.err().map(|why| AgeFinding {
                subject: s.clone(),
                why,
                pulled_out: pulled.contains(s.voucher_no.as_str()),
            })
        })
        .collect()
}

/// Reissued sheets for the eligible requests, and the reasons the others were refused.
pub fn reissue_sheets(
    batch: BatchOf,
    requests: &[ReissueRequest],
    register: &BTreeMap<String, Registered>,
) -> (Vec<ReissueSheet>, Vec<RefusedRequest>) {
    let mut sheets = Vec::new();
    let mut refused = Vec::new();
    let mut issued_now: BTreeMap<&str, usize> = BTreeMap::new();
    for r in requests {
        let held = register.get(&r.voucher_no);
        let original = held.map(|h| &h.subject);
        let pulled = held.is_some_and(|h| h.pulled_out);
        match reissue_eligibility(r, original, pulled, batch.fiscal_year) {
            Ok(valid_until) => {
                let before = held.map_or(0, |h| h.reissued_elsewhere);
                let n = issued_now.entry(&r.voucher_no).or_default();
                *n += 1;
                sheets.push(ReissueSheet {
                    sheet_no: sheet_no(&r.voucher_no, before + *n),
                    voucher_no: r.voucher_no.clone(),
                    application_no: r.application_no.clone(),
                    name: r.name.clone(),
                    kana: r.kana.clone(),
                    birth: r.birth,
                    postal: r.postal.clone(),
                    address: r.address.clone(),
                    valid_until,
                });
            }
            Err(why) => refused.push(RefusedRequest {
                application_no: r.application_no.clone(),
                voucher_no: r.voucher_no.clone(),
                why,
            }),
        }
    }
    (sheets, refused)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::tests::{log, who};

    const MONTHLY: BatchOf = BatchOf {
        process: ProcessId::MonthlyIssuance,
        fiscal_year: 2026,
    };

    fn subject(no: &str, birth: &str, postal: &str) -> Subject {
        Subject {
            voucher_no: no.into(),
            name: format!("名 {no}"),
            kana: "メイ".into(),
            birth: birth.parse().unwrap(),
            sex: "1".into(),
            postal: postal.into(),
            address: "城南市".into(),
        }
    }

    fn entry(spec: &str, counts: &[(&str, i64)]) -> SignOff {
        let mut e = log(&[spec]).remove(0);
        e.counts = counts.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        e
    }

    fn today() -> NaiveDate {
        "2026-06-01".parse().unwrap()
    }

    fn up_to_3() -> Vec<SignOff> {
        log(&["1 do c1", "2 verify s1", "3 approve a1"])
    }

    #[test]
    fn making_lists_checks_ages_fills_counts_and_makes_the_count_list() {
        let production = vec![
            subject("1", "1960-05-01", "9990001"),
            subject("2", "1970-05-01", "9990001"),
            subject("3", "1990-05-01", "9990002"), // under 40 all year
        ];
        let mut lists = Lists {
            production: Some(production),
            ..Lists::default()
        };
        let step4 = entry("4 do c1", &[]);
        let refused = decide(MONTHLY, &up_to_3(), &who("c1"), &step4, &lists, today());
        assert!(
            matches!(&refused, Err(Refused::Evidence { step: 4, why }) if why.to_string().starts_with("1 subjects") && why.to_string().contains("3 名 3")),
            "{refused:?}"
        );
        lists.pullouts = Some(vec![Pullout {
            voucher_no: "3".into(),
            reason: "年齢".into(),
        }]);
        let ok = decide(MONTHLY, &up_to_3(), &who("c1"), &step4, &lists, today()).unwrap();
        assert_eq!(ok.counts["production"], 3);
        assert_eq!(ok.counts["pulled_out"], 1);
        assert_eq!(ok.counts["to_send"], 2);
        assert_eq!(ok.made.len(), 1);
        assert_eq!(ok.made[0].kind, ListKind::PostalCounts);
        // A count given that the lists contradict is refused with both figures.
        let wrong = entry("4 do c1", &[("production", 4)]);
        let refused = decide(MONTHLY, &up_to_3(), &who("c1"), &wrong, &lists, today());
        assert_eq!(
            refused,
            Err(Refused::Evidence {
                step: 4,
                why: EvidenceRefusal::CountDiffers {
                    count: "production".into(),
                    given: 4,
                    from: CountSource::ProductionList,
                    value: 3
                }
            })
        );
        // Without a production list: missing, and the rules come first.
        let none = Lists::default();
        assert_eq!(
            decide(MONTHLY, &up_to_3(), &who("c1"), &step4, &none, today()),
            Err(Refused::Missing {
                step: 4,
                kind: ListKind::Production
            })
        );
        assert!(matches!(
            decide(MONTHLY, &up_to_3(), &who("s1"), &step4, &lists, today()),
            Err(Refused::Rule(_))
        ));
        // A send-back is never held up by evidence.
        assert_eq!(
            needs(ProcessId::MonthlyIssuance, 5, Action::Verify, true),
            Needs::default()
        );
    }

    #[test]
    fn data_control_waits_until_every_return_is_counted() {
        let done = [
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
            "13 do c1",
        ];
        let mut l = log(&done);
        l.last_mut().unwrap().counts.insert("returned".into(), 1);
        let returned = |n: usize| Lists {
            returns: (0..n)
                .map(|i| Returned {
                    voucher_no: i.to_string(),
                    returned_on: today(),
                    reason: "宛所不明".into(),
                })
                .collect(),
            ..Lists::default()
        };
        let control = entry("14 verify s1", &[]);
        assert!(decide(MONTHLY, &l, &who("s1"), &control, &returned(1), today()).is_ok());
        let refused = decide(MONTHLY, &l, &who("s1"), &control, &returned(2), today());
        assert!(
            matches!(&refused, Err(Refused::Evidence { why, .. }) if why.to_string() == "2 returns recorded, but step 13 counted 1: record step 13 again first"),
            "{refused:?}"
        );
    }
}
