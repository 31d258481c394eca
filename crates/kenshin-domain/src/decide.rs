//! Deciding a new entry (記録の判定): the workflow rules, then the step's evidence against the
//! batch's lists, as one pure function of what the caller read. A write is load → decide → write:
//! the core reads the lists [`needs`] names, calls [`decide`], and stores what it returns.

use crate::age::{reaching_75_next_april_may, target_in_year, OutsideAge};
use crate::catalogue::{Action, ProcessId, StepKind};
use crate::evidence::{evidence, Evidence};
use crate::fiscal::fiscal_year_end;
use crate::lists::ListKind;
use crate::reconcile::{self, count_by_postal, postal_counts};
use crate::register::{reissue_eligibility, sheet_no};
use crate::rows::{
    self, PostalCount, Pullout, ReissueRequest, ReissueSheet, Returned, Row, Subject,
};
use crate::workflow::{check, Member, Proposal, Refusal, SignOff};
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
    Evidence { step: u8, why: String },
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
    };
    check(batch.process.process(), log, member, proposal).map_err(Refused::Rule)?;
    let mut accepted = Accepted {
        counts: entry.counts.clone(),
        note: entry.note.clone(),
        made: Vec::new(),
    };
    let Some(ev) = checked(
        batch.process,
        entry.step,
        entry.action,
        entry.send_back.is_some(),
    ) else {
        return Ok(accepted);
    };
    let step = entry.step;
    let refuse = |why: String| Refused::Evidence { step, why };
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
                let shown: Vec<String> = outside
                    .iter()
                    .take(5)
                    .map(|f| format!("{} {} ({})", f.subject.voucher_no, f.subject.name, f.why))
                    .collect();
                let more = if outside.len() > 5 {
                    format!(
                        "; and {} more (kenshin report age-check)",
                        outside.len() - 5
                    )
                } else {
                    String::new()
                };
                return Err(refuse(format!(
                    "{} subjects of the production list are outside the age rule and not on the pull-out list: {}{more}",
                    outside.len(),
                    shown.join("; ")
                )));
            }
            let count_list = postal_counts(production, pullouts);
            expect(
                step,
                counts,
                "production",
                production.len() as u64,
                "the production list",
            )?;
            expect(
                step,
                counts,
                "pulled_out",
                pullouts.len() as u64,
                "the pull-out list",
            )?;
            expect(
                step,
                counts,
                "to_send",
                reconcile::total(&count_list),
                "the postal-code count list",
            )?;
            accepted
                .made
                .push(made(ListKind::PostalCounts, &count_list));
        }
        Evidence::PullOut => {
            let pulled = lists.pullouts.as_deref().unwrap_or_default().len() as u64;
            expect(step, counts, "pulled", pulled, "the pull-out list")?;
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
                return Err(refuse(format!(
                    "count the envelopes: --count envelopes=N (the postal-code count list says {})",
                    reconcile::total(count_list)
                )));
            };
            let envelopes = u64::try_from(envelopes)
                .map_err(|_| refuse("envelopes cannot be negative".into()))?;
            reconcile::envelopes(Some(envelopes), count_list, &expected)
                .map_err(|m| refuse(m.to_string()))?;
        }
        Evidence::CreateReissues => {
            let requests = lists
                .requests
                .as_deref()
                .ok_or(missing(ListKind::ReissueRequests))?;
            let (sheets, refused) = reissue_sheets(batch, requests, &lists.register);
            if sheets.is_empty() {
                return Err(refuse(format!(
                    "no request is eligible: {}",
                    refused.join("; ")
                )));
            }
            expect(
                step,
                counts,
                "requested",
                requests.len() as u64,
                "the request CSV",
            )?;
            expect(
                step,
                counts,
                "issued",
                sheets.len() as u64,
                "the eligible requests",
            )?;
            if !refused.is_empty() {
                let line = format!("不可 {}", refused.join("; "));
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
            expect(step, counts, "returned", n, "the batch's returned mail")?;
        }
        Evidence::Inquiries => {
            expect(
                step,
                counts,
                "inquiries",
                lists.inquiries as u64,
                "the inquiry log",
            )?;
        }
        Evidence::DataControl | Evidence::CrossCheck => {
            let (work_step, name, now_n, what) = if ev == Evidence::CrossCheck {
                (1, "inquiries", lists.inquiries, "inquiries logged")
            } else {
                (
                    step - 1,
                    "returned",
                    lists.returns.len(),
                    "returns recorded",
                )
            };
            let counted = last_count(log, work_step, name).unwrap_or(0);
            if counted != now_n as i64 {
                return Err(refuse(format!(
                    "{now_n} {what}, but step {work_step} counted {counted}: record step {work_step} again first"
                )));
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
    source: &str,
) -> Result<(), Refused> {
    let value = i64::try_from(value).unwrap_or(i64::MAX);
    match counts.get(name) {
        Some(&given) if given != value => Err(Refused::Evidence {
            step,
            why: format!("{name}={given} was given, but {source} has {value}"),
        }),
        _ => {
            counts.insert(name.to_string(), value);
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
) -> (Vec<ReissueSheet>, Vec<String>) {
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
            Err(why) => refused.push(format!("{} ({}): {why}", r.application_no, r.voucher_no)),
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
            matches!(&refused, Err(Refused::Evidence { step: 4, why }) if why.starts_with("1 subjects") && why.contains("3 名 3")),
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
                why: "production=4 was given, but the production list has 3".into()
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
            matches!(&refused, Err(Refused::Evidence { why, .. }) if why == "2 returns recorded, but step 13 counted 1: record step 13 again first"),
            "{refused:?}"
        );
    }
}
