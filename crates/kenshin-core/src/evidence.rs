//! The evidence a step's record is checked against (see `kenshin_domain::evidence`): counts that must
//! reconcile with the lists, ages checked, and the lists a step makes (postal-code counts, reissued
//! sheets). Runs inside the write transaction of the record, after the workflow rules.

use crate::lists::{current, how_to_get, returns};
use crate::{CoreError, Result};
use chrono::NaiveDate;
use kenshin_domain::age::{reaching_75_next_april_may, target_in_year, OutsideAge};
use kenshin_domain::evidence::{evidence, Evidence};
use kenshin_domain::fiscal::fiscal_year_end;
use kenshin_domain::reconcile::{self, count_by_postal, postal_counts};
use kenshin_domain::register::{reissue_eligibility, sheet_no, EventKind, NoteKind};
use kenshin_domain::rows::{
    self, PostalCount, Pullout, ReissueRequest, ReissueSheet, Row, Subject,
};
use kenshin_domain::{Action, ListKind, ProcessId, SignOff, StepKind};
use kenshin_store::{Batch, Tx};
use std::collections::{BTreeMap, HashSet};

/// A list a step makes, to be stored with its sign-off.
pub(crate) struct MadeList {
    pub kind: ListKind,
    pub rows: Vec<u8>,
    pub row_count: u64,
}

fn made<R: Row>(kind: ListKind, rows: &[R]) -> MadeList {
    MadeList {
        kind,
        rows: rows::encode(rows),
        row_count: rows.len() as u64,
    }
}

/// A subject outside the age rule, and why.
pub(crate) struct AgeFinding {
    pub subject: Subject,
    pub why: OutsideAge,
    pub pulled_out: bool,
}

/// The day ages are checked on: today, but never after the fiscal year (a late check judges the year).
pub(crate) fn check_day(fiscal_year: i32, today: NaiveDate) -> NaiveDate {
    today.min(fiscal_year_end(fiscal_year))
}

/// Every subject of the production list outside the age rule of the batch's process.
pub(crate) fn age_findings(
    batch: &Batch,
    production: &[Subject],
    pullouts: &[Pullout],
    today: NaiveDate,
) -> Vec<AgeFinding> {
    let fy = batch.meta.fiscal_year;
    let on = check_day(fy, today);
    let pulled: HashSet<&str> = pullouts.iter().map(|p| p.voucher_no.as_str()).collect();
    production
        .iter()
        .filter_map(|s| {
            let rule = match batch.meta.process {
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

/// Puts a count the lists decide into the record: absent, it is filled in; given and different, refused.
fn expect_count(
    step: u8,
    counts: &mut BTreeMap<String, i64>,
    name: &str,
    value: u64,
    source: &str,
) -> Result<()> {
    let value = i64::try_from(value).unwrap_or(i64::MAX);
    match counts.get(name) {
        Some(&given) if given != value => Err(CoreError::Evidence {
            step,
            why: format!("{name}={given} was given, but {source} has {value}"),
        }),
        _ => {
            counts.insert(name.to_string(), value);
            Ok(())
        }
    }
}

/// The batch's current list of a kind, which the step cannot do without.
fn required<R: Row>(tx: &Tx<'_>, batch: &Batch, step: u8, kind: ListKind) -> Result<Vec<R>> {
    current(tx, batch, kind)?.ok_or_else(|| CoreError::MissingList {
        step,
        kind: kind.to_string(),
        how: how_to_get(kind),
    })
}

/// The latest complete record of a step that counted `name`.
fn last_count(batch: &Batch, step: u8, name: &str) -> Option<i64> {
    batch
        .signoffs
        .iter()
        .rev()
        .find(|s| s.step == step && s.action == Action::Do && s.send_back.is_none())
        .and_then(|s| s.counts.get(name).copied())
}

/// Checks a record against the batch's lists, fills in the counts they decide, and returns the lists the
/// step makes. A send-back is never blocked by evidence.
pub(crate) fn apply(
    tx: &Tx<'_>,
    batch: &Batch,
    entry: &mut SignOff,
    today: NaiveDate,
) -> Result<Vec<MadeList>> {
    let process = batch.meta.process;
    let step = entry.step;
    let Some(ev) = evidence(process, step) else {
        return Ok(Vec::new());
    };
    let kind = process.process().step(step).map(|s| s.kind);
    let recorded_as = if kind == Some(StepKind::DataControl) || ev == Evidence::CrossCheck {
        Action::Verify
    } else {
        Action::Do
    };
    if entry.action != recorded_as || entry.send_back.is_some() {
        return Ok(Vec::new());
    }
    let counts = &mut entry.counts;
    let refuse = |why: String| CoreError::Evidence { step, why };
    match ev {
        Evidence::MakeLists => {
            let production: Vec<Subject> = required(tx, batch, step, ListKind::Production)?;
            let pullouts: Vec<Pullout> =
                current(tx, batch, ListKind::Pullouts)?.unwrap_or_default();
            let missing: Vec<AgeFinding> = age_findings(batch, &production, &pullouts, today)
                .into_iter()
                .filter(|f| !f.pulled_out)
                .collect();
            if !missing.is_empty() {
                let shown: Vec<String> = missing
                    .iter()
                    .take(5)
                    .map(|f| format!("{} {} ({})", f.subject.voucher_no, f.subject.name, f.why))
                    .collect();
                let more = if missing.len() > 5 {
                    format!(
                        "; and {} more (kenshin report age-check)",
                        missing.len() - 5
                    )
                } else {
                    String::new()
                };
                return Err(refuse(format!(
                    "{} subjects of the production list are outside the age rule and not on the pull-out list: {}{more}",
                    missing.len(),
                    shown.join("; ")
                )));
            }
            let counts_list = postal_counts(&production, &pullouts);
            expect_count(
                step,
                counts,
                "production",
                production.len() as u64,
                "the production list",
            )?;
            expect_count(
                step,
                counts,
                "pulled_out",
                pullouts.len() as u64,
                "the pull-out list",
            )?;
            expect_count(
                step,
                counts,
                "to_send",
                reconcile::total(&counts_list),
                "the postal-code count list",
            )?;
            Ok(vec![made(ListKind::PostalCounts, &counts_list)])
        }
        Evidence::PullOut => {
            let pullouts: Vec<Pullout> =
                current(tx, batch, ListKind::Pullouts)?.unwrap_or_default();
            expect_count(
                step,
                counts,
                "pulled",
                pullouts.len() as u64,
                "the pull-out list",
            )?;
            Ok(Vec::new())
        }
        Evidence::Envelopes => {
            let count_list: Vec<PostalCount> = required(tx, batch, step, ListKind::PostalCounts)?;
            let expected = if process == ProcessId::Reissue {
                let sheets: Vec<ReissueSheet> =
                    current(tx, batch, ListKind::Reissues)?.unwrap_or_default();
                count_by_postal(sheets.iter().map(|s| s.postal.as_str()))
            } else {
                let production: Vec<Subject> =
                    current(tx, batch, ListKind::Production)?.unwrap_or_default();
                let pullouts: Vec<Pullout> =
                    current(tx, batch, ListKind::Pullouts)?.unwrap_or_default();
                postal_counts(&production, &pullouts)
            };
            let Some(&envelopes) = counts.get("envelopes") else {
                return Err(refuse(format!(
                    "count the envelopes: --count envelopes=N (the postal-code count list says {})",
                    reconcile::total(&count_list)
                )));
            };
            let envelopes = u64::try_from(envelopes)
                .map_err(|_| refuse("envelopes cannot be negative".into()))?;
            reconcile::envelopes(Some(envelopes), &count_list, &expected)
                .map_err(|m| refuse(m.to_string()))?;
            Ok(Vec::new())
        }
        Evidence::CreateReissues => {
            let requests: Vec<ReissueRequest> =
                required(tx, batch, step, ListKind::ReissueRequests)?;
            let (sheets, refused) = reissue_sheets(tx, batch, &requests)?;
            if sheets.is_empty() {
                return Err(refuse(format!(
                    "no request is eligible: {}",
                    refused.join("; ")
                )));
            }
            expect_count(
                step,
                counts,
                "requested",
                requests.len() as u64,
                "the request CSV",
            )?;
            expect_count(
                step,
                counts,
                "issued",
                sheets.len() as u64,
                "the eligible requests",
            )?;
            if !refused.is_empty() {
                let line = format!("不可 {}", refused.join("; "));
                entry.note = Some(match entry.note.take() {
                    Some(n) => format!("{n} / {line}"),
                    None => line,
                });
            }
            let counts_list = count_by_postal(sheets.iter().map(|s| s.postal.as_str()));
            Ok(vec![
                made(ListKind::Reissues, &sheets),
                made(ListKind::PostalCounts, &counts_list),
            ])
        }
        Evidence::DataUpdate => {
            let n = returns(tx, batch)?.len() as u64;
            expect_count(step, counts, "returned", n, "the batch's returned mail")?;
            Ok(Vec::new())
        }
        Evidence::Inquiries => {
            let n = batch.notes_of(NoteKind::Inquiry).count() as u64;
            expect_count(step, counts, "inquiries", n, "the inquiry log")?;
            Ok(Vec::new())
        }
        Evidence::DataControl | Evidence::CrossCheck => {
            let (work_step, name, now_n, what) = if ev == Evidence::CrossCheck {
                (
                    1,
                    "inquiries",
                    batch.notes_of(NoteKind::Inquiry).count(),
                    "inquiries logged",
                )
            } else {
                (
                    step - 1,
                    "returned",
                    returns(tx, batch)?.len(),
                    "returns recorded",
                )
            };
            let counted = last_count(batch, work_step, name).unwrap_or(0);
            if counted != now_n as i64 {
                return Err(refuse(format!(
                    "{now_n} {what}, but step {work_step} counted {counted}: record step {work_step} again first"
                )));
            }
            Ok(Vec::new())
        }
    }
}

/// Reissued sheets for the eligible requests, and the reasons the others were refused.
pub(crate) fn reissue_sheets(
    tx: &Tx<'_>,
    batch: &Batch,
    requests: &[ReissueRequest],
) -> Result<(Vec<ReissueSheet>, Vec<String>)> {
    let fy = batch.meta.fiscal_year;
    let mut sheets = Vec::new();
    let mut refused = Vec::new();
    let mut issued_now: BTreeMap<String, usize> = BTreeMap::new();
    for r in requests {
        let entry = tx.register_entry(&r.voucher_no, fy)?;
        let original = entry.as_ref().map(|e| &e.subject);
        let pulled = entry
            .as_ref()
            .is_some_and(|e| e.events.iter().any(|ev| ev.kind == EventKind::PulledOut));
        match reissue_eligibility(r, original, pulled, fy) {
            Ok(valid_until) => {
                let before = entry.as_ref().map_or(0, |e| {
                    e.events
                        .iter()
                        .filter(|ev| {
                            ev.kind == EventKind::Reissued && ev.batch_id != batch.meta.batch_id
                        })
                        .count()
                });
                let n = issued_now.entry(r.voucher_no.clone()).or_default();
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
    Ok((sheets, refused))
}
