//! The standard voucher: the institution's phone check (process 4) and the sheets to print, both
//! with the insurer's settings they were made under.

use crate::lists::{current, step_status};
use crate::{local_day, now, CoreError, Office, Result};
use chrono::NaiveDate;
use kenshin_domain::dates::parse_date;
use kenshin_domain::evidence::{print_after, voucher_year};
use kenshin_domain::fiscal::fiscal_year;
use kenshin_domain::register::{EventKind, FieldProblem, NoteField};
use kenshin_domain::rows::{Pullout, ReissueSheet, Subject};
use kenshin_domain::settings::BadSetting;
use kenshin_domain::text::Query;
use kenshin_domain::voucher::{
    answer_line, current_sheet, judge, sheet_ref, valid_until, Face, Facts, Insurer, SelfPayTable,
    Sheet, Verdict,
};
use kenshin_domain::{BatchRef, ListKind, ProcessId};
use kenshin_exchange::print::{self, Layout};
use kenshin_store::{batch_doc_id, Batch, RegisterEntry, Tx};
use serde::Serialize;
use std::collections::HashSet;

/// The answer to an institution's call about a voucher (受診券番号、国保資格の確認).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct VoucherCheck {
    /// The sheet asked about, as read.
    pub asked: String,
    /// The day asked about (the checkup's).
    pub on: NaiveDate,
    pub verdict: Verdict,
    /// The one-line answer read out on the phone.
    pub line: String,
    /// The sheet that serves on that day, and its 交付年月日.
    pub current_sheet: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub self_pay: Option<SelfPayTable>,
    pub contract_org: Option<String>,
    /// The settings record the answer was made under.
    pub settings_id: Option<String>,
    /// The voucher as the register has it.
    pub entry: Option<RegisterEntry>,
}

/// The day a batch mailed its vouchers, in Japan's calendar.
fn sent_on(tx: &Tx<'_>, batch_id: &str) -> Result<Option<NaiveDate>> {
    Ok(tx.sent_at(batch_id)?.map(local_day))
}

/// What the rules need of a voucher of the register.
fn facts(tx: &Tx<'_>, entry: &RegisterEntry, insurer: Option<&Insurer>) -> Result<Facts> {
    let mut sheets = Vec::new();
    for e in entry
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Reissued)
    {
        let sheet_no = kenshin_store::sheet_of(&e.detail).to_string();
        let n = sheet_ref(&sheet_no).map_or(0, |r| r.n);
        sheets.push(Sheet {
            n,
            issued_on: sent_on(tx, &e.batch_id)?,
            batch_id: e.batch_id.clone(),
            batch_label: tx.batch_label(&e.batch_id)?.unwrap_or_default(),
            sheet_no,
        });
    }
    let lost_on = entry
        .events
        .iter()
        .filter(|e| e.kind == EventKind::CoverageLost)
        .filter_map(|e| e.on)
        .min();
    let s = &entry.subject;
    Ok(Facts {
        voucher_no: s.voucher_no.clone(),
        birth: s.birth,
        issued_on: sent_on(tx, &entry.batch_id)?,
        pulled_out: entry.events.iter().any(|e| e.kind == EventKind::PulledOut),
        lost_on,
        sheets,
        valid_until: valid_until(
            insurer.and_then(|i| i.valid_until),
            entry.fiscal_year,
            s.birth,
        ),
    })
}

/// The register's voucher of that number for a day: the one of its fiscal year, else the latest
/// before it, else the first after it (next year's, issued early to those reaching 75).
fn entry_for(found: Vec<RegisterEntry>, on: NaiveDate) -> Option<RegisterEntry> {
    let fy = fiscal_year(on);
    found.into_iter().min_by_key(|e| {
        let y = e.fiscal_year;
        (y != fy, y > fy, (y - fy).abs())
    })
}

impl Office {
    /// Answers an institution's call: whether the sheet `given` (a voucher number, or `-R<n>` for
    /// a reissued sheet) serves on `on` (today when None), with the self-pay, the 契約とりまとめ機関
    /// and the current sheet. The look goes into the access log.
    pub fn check_voucher(&mut self, given: &str, on: Option<&str>) -> Result<VoucherCheck> {
        let mut problems = Vec::new();
        let asked = sheet_ref(given)
            .map_err(|_| {
                problems.push(FieldProblem::NotAVoucherNumber {
                    field: NoteField::Voucher,
                })
            })
            .ok();
        let on = match on.map(str::trim).filter(|d| !d.is_empty()) {
            None => local_day(now()),
            Some(d) => parse_date(d)
                .map_err(|_| {
                    problems.push(FieldProblem::NotADate {
                        field: NoteField::On,
                    })
                })
                .unwrap_or_default(),
        };
        let Some(asked) = asked.filter(|_| problems.is_empty()) else {
            return Err(CoreError::Fields(problems));
        };
        let (check, matched) = self.home.read(|tx| {
            let roster = crate::trust::roster(tx)?;
            let record = roster.settings_record().cloned();
            let insurer = record.as_ref().and_then(|r| r.settings.insurer.clone());
            let digits = Query::Number {
                digits: asked.voucher_no.clone(),
            };
            // Seven digits also find postal codes: only the voucher of that number answers.
            let found: Vec<RegisterEntry> = tx
                .find_vouchers(Some(&digits), 0, 50)?
                .hits
                .into_iter()
                .filter(|e| e.subject.voucher_no == asked.voucher_no)
                .collect();
            let matched = found.len() as u64;
            let entry = entry_for(found, on);
            let (verdict, current) = match &entry {
                Some(e) => {
                    let facts = facts(tx, e, insurer.as_ref())?;
                    (judge(&facts, asked.n, on), Some(current_sheet(&facts, on)))
                }
                None => (Verdict::NotTarget, None),
            };
            let line = answer_line(
                &verdict,
                current.as_ref().map(|(s, d)| (s.as_str(), *d)),
                insurer.as_ref(),
            );
            let (current_sheet, issued_on) = current.unzip();
            Ok::<_, CoreError>((
                VoucherCheck {
                    asked: given.trim().to_string(),
                    on,
                    line,
                    current_sheet,
                    issued_on: issued_on.flatten(),
                    self_pay: insurer.as_ref().map(|i| i.self_pay),
                    contract_org: insurer.as_ref().map(|i| i.contract_org.clone()),
                    settings_id: record.map(|r| r.id),
                    verdict,
                    entry,
                },
                matched,
            ))
        })?;
        let shown = check.entry.iter().map(|e| e.subject.voucher_no.clone());
        self.log_lookup(
            format!("受診券確認 {}", check.asked),
            matched,
            shown.collect(),
        )?;
        Ok(check)
    }

    /// The standard vouchers of a batch to print: the production list less its pull-outs, or a
    /// reissue batch's sheets (after their verify), with the insurer's settings.
    pub fn print_vouchers(&mut self, batch_given: &str, layout: Layout) -> Result<Vec<u8>> {
        let meta = self.resolve_batch(batch_given)?;
        self.print_batch(&meta, layout)
    }

    pub(crate) fn print_batch(&mut self, meta: &BatchRef, layout: Layout) -> Result<Vec<u8>> {
        let doc_id = batch_doc_id(&meta.batch_id)?;
        self.home.read(|tx| {
            let (insurer, record) = insurer(tx)?;
            let (_, batch) = crate::trust::load_counted(tx, &doc_id)?;
            let faces = faces(tx, &batch, &insurer)?;
            let record: String = record.chars().take(8).collect();
            Ok(print::standard_vouchers(&faces, &insurer, &record, layout)?)
        })
    }
}

/// The insurer's settings and the id of the record they are in; refused when none is set.
pub(crate) fn insurer(tx: &Tx<'_>) -> Result<(Insurer, String)> {
    let roster = crate::trust::roster(tx)?;
    roster
        .settings_record()
        .and_then(|r| r.settings.insurer.clone().map(|i| (i, r.id.clone())))
        .ok_or(CoreError::BadSetting(BadSetting::NoInsurer))
}

/// What each voucher a batch prints says: an issuing batch's production list less its pull-outs,
/// or a reissue batch's sheets once the section has verified them. Dated the day the batch mailed
/// them, or today when printed before.
pub(crate) fn faces(tx: &Tx<'_>, batch: &Batch, insurer: &Insurer) -> Result<Vec<Face>> {
    let year = voucher_year(batch.meta.process, batch.meta.fiscal_year);
    let issued_on = sent_on(tx, &batch.meta.batch_id)?.unwrap_or_else(|| local_day(now()));
    let valid = |birth| valid_until(insurer.valid_until, year, birth);
    let needed = |kind| CoreError::ReportNeedsList {
        label: batch.meta.label.clone(),
        kind,
    };
    match batch.meta.process {
        ProcessId::Reissue => {
            if let Some(step) = print_after(ProcessId::Reissue) {
                let status = step_status(batch, step);
                if !crate::lists::complete(status) {
                    return Err(CoreError::PrintBeforeVerify {
                        label: batch.meta.label.clone(),
                        step,
                        status,
                    });
                }
            }
            let sheets: Vec<ReissueSheet> = current(tx, batch, ListKind::Reissues)?
                .ok_or_else(|| needed(ListKind::Reissues))?;
            let mut faces = Vec::with_capacity(sheets.len());
            for s in sheets {
                let sex = tx
                    .register_entry(&s.voucher_no, year)?
                    .map(|e| e.subject.sex)
                    .unwrap_or_default();
                faces.push(Face {
                    sheet_no: s.sheet_no,
                    voucher_no: s.voucher_no,
                    issued_on,
                    valid_until: s.valid_until.min(valid(s.birth)),
                    name: s.name,
                    kana: s.kana,
                    sex,
                    birth: s.birth,
                    postal: s.postal,
                    address: s.address,
                    application_no: Some(s.application_no),
                });
            }
            Ok(faces)
        }
        ProcessId::AnnualIssuance | ProcessId::MonthlyIssuance | ProcessId::Reaching75 => {
            let production: Vec<Subject> = current(tx, batch, ListKind::Production)?
                .ok_or_else(|| needed(ListKind::Production))?;
            let pulled: HashSet<String> = current::<Pullout>(tx, batch, ListKind::Pullouts)?
                .unwrap_or_default()
                .into_iter()
                .map(|p| p.voucher_no)
                .collect();
            Ok(production
                .into_iter()
                .filter(|s| !pulled.contains(&s.voucher_no))
                .map(|s| Face {
                    sheet_no: s.voucher_no.clone(),
                    voucher_no: s.voucher_no,
                    issued_on,
                    valid_until: valid(s.birth),
                    name: s.name,
                    kana: s.kana,
                    sex: s.sex,
                    birth: s.birth,
                    postal: s.postal,
                    address: s.address,
                    application_no: None,
                })
                .collect())
        }
        process => Err(CoreError::NoVouchersToPrint {
            label: batch.meta.label.clone(),
            process,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_register_entry_for_a_day_is_its_fiscal_years() {
        let entry = |fy: i32| RegisterEntry {
            subject: Subject {
                voucher_no: "20000001".into(),
                name: String::new(),
                kana: String::new(),
                birth: NaiveDate::from_ymd_opt(1960, 1, 1).unwrap(),
                sex: String::new(),
                postal: String::new(),
                address: String::new(),
            },
            birth_ja: String::new(),
            age: 0,
            fiscal_year: fy,
            batch_id: String::new(),
            batch_label: String::new(),
            process: String::new(),
            status: kenshin_domain::register::VoucherStatus::Sent,
            events: Vec::new(),
        };
        let day = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap();
        let years = |found: Vec<i32>, on| {
            entry_for(found.into_iter().map(entry).collect(), on).map(|e| e.fiscal_year)
        };
        assert_eq!(years(vec![2025, 2026], day(2026, 4)), Some(2026));
        assert_eq!(years(vec![2025, 2026], day(2026, 3)), Some(2025));
        assert_eq!(years(vec![2024, 2025], day(2027, 5)), Some(2025));
        assert_eq!(years(vec![2027], day(2027, 3)), Some(2027));
        assert_eq!(years(vec![], day(2027, 3)), None);
    }
}
