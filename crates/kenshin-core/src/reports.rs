//! Reports made from a batch's lists and the register, as tables the front ends write as CSV or XLSX.

use crate::evidence::{batch_of, registered};
use crate::lists::{current, returns};
use crate::{local_day, now, CoreError, Office, Result};
use kenshin_domain::age::target_in_year;
use kenshin_domain::dates::era_long;
use kenshin_domain::decide::{age_findings, check_day, reissue_sheets};
use kenshin_domain::reconcile::count_by_postal;
use kenshin_domain::register::{EventKind, NoteKind};
use kenshin_domain::rows::{
    CheckupResult, PostalCount, Pullout, ReissueRequest, ReissueSheet, Subject,
};
use kenshin_domain::said::Said;
use kenshin_domain::text::postal_display;
use kenshin_domain::voucher::{left_out, LeftOut};
use kenshin_domain::{ListKind, ProcessId};
use kenshin_exchange::{print, Cell, Table};
use kenshin_store::{batch_doc_id, Batch, Tx};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

/// The reports `kenshin report` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// 郵便番号別件数リスト
    PostalCounts,
    /// 引抜き者リスト
    Pullouts,
    /// 返送一覧
    Returned,
    /// 年齢確認: production subjects outside the age rule
    AgeCheck,
    /// 再発行分: what to print now
    Reissues,
    /// 再発行 可否: each request, eligible or why not
    ReissueCheck,
    /// 受診勧奨: subjects with no checkup yet
    Encouragement,
    /// 受診勧奨 郵便番号別件数
    EncouragementCounts,
    /// 問合せ突き合わせ: every inquiry against the register
    Inquiries,
    /// 受診券 印刷分: the standard vouchers a batch prints
    Vouchers,
}

impl ReportKind {
    pub const ALL: [ReportKind; 10] = [
        ReportKind::PostalCounts,
        ReportKind::Pullouts,
        ReportKind::Returned,
        ReportKind::AgeCheck,
        ReportKind::Reissues,
        ReportKind::ReissueCheck,
        ReportKind::Encouragement,
        ReportKind::EncouragementCounts,
        ReportKind::Inquiries,
        ReportKind::Vouchers,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReportKind::PostalCounts => "postal-counts",
            ReportKind::Pullouts => "pullouts",
            ReportKind::Returned => "returned",
            ReportKind::AgeCheck => "age-check",
            ReportKind::Reissues => "reissues",
            ReportKind::ReissueCheck => "reissue-check",
            ReportKind::Encouragement => "encouragement",
            ReportKind::EncouragementCounts => "encouragement-counts",
            ReportKind::Inquiries => "inquiries",
            ReportKind::Vouchers => "vouchers",
        }
    }

    pub fn ja(self) -> &'static str {
        match self {
            ReportKind::PostalCounts => "郵便番号別件数",
            ReportKind::Pullouts => "引抜き者リスト",
            ReportKind::Returned => "返送一覧",
            ReportKind::AgeCheck => "年齢確認",
            ReportKind::Reissues => "再発行分",
            ReportKind::ReissueCheck => "再発行可否",
            ReportKind::Encouragement => "受診勧奨対象者",
            ReportKind::EncouragementCounts => "受診勧奨 郵便番号別件数",
            ReportKind::Inquiries => "問合せ突き合わせ",
            ReportKind::Vouchers => "受診券 印刷分",
        }
    }
}

impl FromStr for ReportKind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        ReportKind::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| {
                let all: Vec<&str> = ReportKind::ALL.iter().map(|k| k.code()).collect();
                format!("unknown report {s:?}: the reports are {}", all.join(", "))
            })
    }
}

fn table(kind: ReportKind, headers: &[&str], rows: Vec<Vec<Cell>>) -> Table {
    Table {
        title: kind.ja().to_string(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows,
    }
}

fn counts_table(kind: ReportKind, counts: &[PostalCount]) -> Table {
    let mut rows: Vec<Vec<Cell>> = counts
        .iter()
        .map(|c| vec![postal_display(&c.postal).into(), c.count.into()])
        .collect();
    rows.push(vec![
        "合計".into(),
        counts.iter().map(|c| c.count).sum::<u64>().into(),
    ]);
    table(kind, &["郵便番号", "件数"], rows)
}

fn sex_ja(s: &str) -> &'static str {
    match s {
        "1" => "男",
        "2" => "女",
        _ => "",
    }
}

/// Refuses a report on a batch of a process it does not belong to.
fn expect_process(kind: ReportKind, batch: &Batch, allowed: &[ProcessId]) -> Result<()> {
    if allowed.contains(&batch.meta.process) {
        Ok(())
    } else {
        Err(CoreError::ReportNotForProcess {
            report: kind,
            wants: allowed.to_vec(),
            label: batch.meta.label.clone(),
            process: batch.meta.process,
        })
    }
}

fn need<T>(list: Option<T>, kind: ListKind, batch: &Batch) -> Result<T> {
    list.ok_or_else(|| CoreError::ReportNeedsList {
        label: batch.meta.label.clone(),
        kind,
    })
}

impl Office {
    /// The reissued vouchers of a process 3 batch: the standard voucher on A4 for window envelopes
    /// (PDF), once the section has verified them.
    pub fn print_reissues(&mut self, batch_given: &str) -> Result<Vec<u8>> {
        let meta = self.resolve_batch(batch_given)?;
        if meta.process != ProcessId::Reissue {
            return Err(CoreError::ReportNotForProcess {
                report: ReportKind::Reissues,
                wants: vec![ProcessId::Reissue],
                label: meta.label,
                process: meta.process,
            });
        }
        self.print_batch(&meta, print::Layout::A4)
    }

    /// The address list of a process 5 batch's encouragement postcards (PDF).
    pub fn print_postcards(&mut self, batch_given: &str) -> Result<Vec<u8>> {
        let office = self.name()?;
        self.with_batch(batch_given, |tx, batch| {
            expect_process(
                ReportKind::Encouragement,
                batch,
                &[ProcessId::Encouragement],
            )?;
            let (subjects, _) = encouragement(tx, batch)?;
            Ok(print::postcard_addresses(
                &office,
                &batch.meta.label,
                &subjects,
            )?)
        })
    }

    fn with_batch<T>(
        &mut self,
        batch_given: &str,
        f: impl FnOnce(&Tx<'_>, &Batch) -> Result<T>,
    ) -> Result<T> {
        let meta = self.resolve_batch(batch_given)?;
        let doc_id = batch_doc_id(&meta.batch_id)?;
        self.home.read(|tx| {
            let (_, batch) = crate::trust::load_counted(tx, &doc_id)?;
            f(tx, &batch)
        })
    }

    /// Makes a report on a batch.
    pub fn report(&mut self, kind: ReportKind, batch_given: &str) -> Result<Table> {
        self.with_batch(batch_given, |tx, batch| report(tx, kind, batch))
    }
}

/// Who gets an encouragement postcard: the year's register less those with a checkup result, a
/// loss of coverage, a pull-out or a return, or outside the age rule; and how many were left out, by
/// reason.
fn encouragement(tx: &Tx<'_>, batch: &Batch) -> Result<(Vec<Subject>, BTreeMap<LeftOut, u64>)> {
    let fy = batch.meta.fiscal_year;
    let taken: HashSet<String> = current::<CheckupResult>(tx, batch, ListKind::CheckupResults)?
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.voucher_no)
        .collect();
    let on = check_day(fy, local_day(now()));
    let mut out: BTreeMap<LeftOut, u64> = BTreeMap::new();
    let mut to = Vec::new();
    for e in tx.register_year(fy)? {
        let listed = taken
            .contains(&e.subject.voucher_no)
            .then_some((EventKind::CheckupTaken, None));
        let events = e.events.iter().map(|ev| (ev.kind, ev.on)).chain(listed);
        let target = target_in_year(e.subject.birth, fy, on).is_ok();
        match left_out(events, on, target) {
            Some(why) => *out.entry(why).or_default() += 1,
            None => to.push(e.subject),
        }
    }
    Ok((to, out))
}

fn report(tx: &Tx<'_>, kind: ReportKind, batch: &Batch) -> Result<Table> {
    use ProcessId::*;
    let issuing = [AnnualIssuance, MonthlyIssuance, Reaching75];
    let production = || -> Result<Vec<Subject>> {
        need(
            current(tx, batch, ListKind::Production)?,
            ListKind::Production,
            batch,
        )
    };
    match kind {
        ReportKind::Vouchers => {
            let (insurer, _) = crate::voucher::insurer(tx)?;
            let rows = crate::voucher::faces(tx, batch, &insurer)?
                .into_iter()
                .map(|f| {
                    vec![
                        f.sheet_no.into(),
                        f.name.into(),
                        era_long(f.birth).into(),
                        era_long(f.issued_on).into(),
                        era_long(f.valid_until).into(),
                        postal_display(&f.postal).into(),
                        f.address.into(),
                    ]
                })
                .collect();
            Ok(table(
                kind,
                &[
                    "受診券整理番号",
                    "氏名",
                    "生年月日",
                    "交付年月日",
                    "有効期限",
                    "郵便番号",
                    "住所",
                ],
                rows,
            ))
        }
        ReportKind::PostalCounts => {
            let counts: Vec<PostalCount> = need(
                current(tx, batch, ListKind::PostalCounts)?,
                ListKind::PostalCounts,
                batch,
            )?;
            Ok(counts_table(kind, &counts))
        }
        ReportKind::Pullouts => {
            expect_process(kind, batch, &issuing)?;
            let by_no: HashMap<String, Subject> = production()?
                .into_iter()
                .map(|s| (s.voucher_no.clone(), s))
                .collect();
            let pullouts: Vec<Pullout> = need(
                current(tx, batch, ListKind::Pullouts)?,
                ListKind::Pullouts,
                batch,
            )?;
            let rows = pullouts
                .into_iter()
                .map(|p| {
                    let s = by_no.get(&p.voucher_no);
                    vec![
                        p.voucher_no.clone().into(),
                        s.map_or(String::new(), |s| s.name.clone()).into(),
                        s.map_or(String::new(), |s| s.kana.clone()).into(),
                        s.map_or(String::new(), |s| postal_display(&s.postal))
                            .into(),
                        p.reason.into(),
                    ]
                })
                .collect();
            Ok(table(
                kind,
                &["受診券整理番号", "氏名", "カナ氏名", "郵便番号", "引抜理由"],
                rows,
            ))
        }
        ReportKind::Returned => {
            let people: HashMap<String, (String, String, String)> = if batch.meta.process == Reissue
            {
                current::<ReissueSheet>(tx, batch, ListKind::Reissues)?
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| (s.voucher_no, (s.name, s.postal, s.address)))
                    .collect()
            } else {
                production()?
                    .into_iter()
                    .map(|s| (s.voucher_no, (s.name, s.postal, s.address)))
                    .collect()
            };
            let mut all = returns(tx, batch)?;
            all.sort_by(|a, b| (a.returned_on, &a.voucher_no).cmp(&(b.returned_on, &b.voucher_no)));
            let rows = all
                .into_iter()
                .map(|r| {
                    let (name, postal, address) =
                        people.get(&r.voucher_no).cloned().unwrap_or_default();
                    vec![
                        r.voucher_no.into(),
                        name.into(),
                        postal_display(&postal).into(),
                        address.into(),
                        r.returned_on.to_string().into(),
                        r.reason.into(),
                    ]
                })
                .collect();
            Ok(table(
                kind,
                &[
                    "受診券整理番号",
                    "氏名",
                    "郵便番号",
                    "住所",
                    "返送日",
                    "返送理由",
                ],
                rows,
            ))
        }
        ReportKind::AgeCheck => {
            expect_process(kind, batch, &[MonthlyIssuance, Reaching75])?;
            let pullouts: Vec<Pullout> =
                current(tx, batch, ListKind::Pullouts)?.unwrap_or_default();
            let rows = age_findings(batch_of(batch), &production()?, &pullouts, local_day(now()))
                .into_iter()
                .map(|f| {
                    vec![
                        f.subject.voucher_no.into(),
                        f.subject.name.into(),
                        f.subject.birth.to_string().into(),
                        f.why.to_string().into(),
                        if f.pulled_out { "済" } else { "未" }.into(),
                    ]
                })
                .collect();
            Ok(table(
                kind,
                &["受診券整理番号", "氏名", "生年月日", "理由", "引抜リスト"],
                rows,
            ))
        }
        ReportKind::Reissues => {
            expect_process(kind, batch, &[Reissue])?;
            let sheets: Vec<ReissueSheet> = need(
                current(tx, batch, ListKind::Reissues)?,
                ListKind::Reissues,
                batch,
            )?;
            let rows = sheets
                .into_iter()
                .map(|s| {
                    vec![
                        s.sheet_no.into(),
                        s.voucher_no.into(),
                        s.application_no.into(),
                        s.name.into(),
                        s.kana.into(),
                        s.birth.to_string().into(),
                        postal_display(&s.postal).into(),
                        s.address.into(),
                        s.valid_until.to_string().into(),
                    ]
                })
                .collect();
            Ok(table(
                kind,
                &[
                    "再発行番号",
                    "受診券整理番号",
                    "申請番号",
                    "氏名",
                    "カナ氏名",
                    "生年月日",
                    "郵便番号",
                    "住所",
                    "有効期限",
                ],
                rows,
            ))
        }
        ReportKind::ReissueCheck => {
            expect_process(kind, batch, &[Reissue])?;
            let requests: Vec<ReissueRequest> = need(
                current(tx, batch, ListKind::ReissueRequests)?,
                ListKind::ReissueRequests,
                batch,
            )?;
            let register = registered(tx, batch, &requests)?;
            let (sheets, _) = reissue_sheets(batch_of(batch), &requests, &register);
            let granted: HashSet<&str> = sheets.iter().map(|s| s.application_no.as_str()).collect();
            let rows = requests
                .iter()
                .map(|r| {
                    let why = if granted.contains(r.application_no.as_str()) {
                        String::new()
                    } else {
                        let (_, refused) =
                            reissue_sheets(batch_of(batch), std::slice::from_ref(r), &register);
                        refused
                            .iter()
                            .map(|r| r.why.ja())
                            .collect::<Vec<_>>()
                            .join("、")
                    };
                    Ok(vec![
                        r.application_no.clone().into(),
                        r.applied_on.to_string().into(),
                        r.voucher_no.clone().into(),
                        r.name.clone().into(),
                        if why.is_empty() { "可" } else { "不可" }.into(),
                        why.into(),
                    ])
                })
                .collect::<Result<_>>()?;
            Ok(table(
                kind,
                &[
                    "申請番号",
                    "申請日",
                    "受診券整理番号",
                    "氏名",
                    "可否",
                    "理由",
                ],
                rows,
            ))
        }
        ReportKind::Encouragement | ReportKind::EncouragementCounts => {
            expect_process(kind, batch, &[Encouragement])?;
            let (subjects, left_out) = encouragement(tx, batch)?;
            if kind == ReportKind::EncouragementCounts {
                let counts = count_by_postal(subjects.iter().map(|s| s.postal.as_str()));
                let mut table = counts_table(kind, &counts);
                // Those written to are the total; those left out follow, by reason.
                table.rows.extend(LeftOut::ALL.iter().map(|w| {
                    vec![
                        format!("対象外（{}）", w.ja()).into(),
                        left_out.get(w).copied().unwrap_or(0).into(),
                    ]
                }));
                return Ok(table);
            }
            let rows = subjects
                .into_iter()
                .map(|s| {
                    vec![
                        s.voucher_no.into(),
                        s.name.into(),
                        s.kana.into(),
                        sex_ja(&s.sex).into(),
                        postal_display(&s.postal).into(),
                        s.address.into(),
                    ]
                })
                .collect();
            Ok(table(
                kind,
                &[
                    "受診券整理番号",
                    "氏名",
                    "カナ氏名",
                    "性別",
                    "郵便番号",
                    "住所",
                ],
                rows,
            ))
        }
        ReportKind::Inquiries => {
            expect_process(kind, batch, &[EligibilityInquiry])?;
            let names: HashMap<String, String> = tx
                .members()?
                .into_iter()
                .map(|m| (m.member.id, m.member.name))
                .collect();
            let rows = batch
                .notes_of(NoteKind::Inquiry)
                .map(|n| {
                    let entry = tx.register_entry(&n.voucher_no, batch.meta.fiscal_year)?;
                    let (name, status) = match &entry {
                        Some(e) => (
                            e.subject.name.clone(),
                            format!("{} {}", e.status.ja(), e.batch_label),
                        ),
                        None => (String::new(), "受診券リストに無し".to_string()),
                    };
                    Ok(vec![
                        n.on.to_string().into(),
                        n.voucher_no.clone().into(),
                        name.into(),
                        status.into(),
                        n.from.clone().into(),
                        n.text.clone().into(),
                        names
                            .get(&n.by)
                            .cloned()
                            .unwrap_or_else(|| n.by.clone())
                            .into(),
                    ])
                })
                .collect::<Result<_>>()?;
            Ok(table(
                kind,
                &[
                    "受付日",
                    "受診券整理番号",
                    "氏名",
                    "受診券リスト",
                    "問合せ元",
                    "回答",
                    "対応者",
                ],
                rows,
            ))
        }
    }
}
