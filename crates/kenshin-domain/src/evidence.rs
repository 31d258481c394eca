//! What a step needs as evidence beyond its sign-off, and which lists a batch takes when.
//! The core gathers the lists and counts; the checks themselves are pure (see `reconcile`, `age`).

use crate::catalogue::{ProcessId, StepKind};
use crate::lists::ListKind;
use serde::Serialize;
use std::collections::BTreeMap;

/// A count of a record beside what the batch's list for that count holds (対象者数 typed 12, the
/// target list 60 rows): the reviewer sees both, and whether they differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Recount {
    /// The count's name in the catalogue (`targets`).
    pub count: String,
    pub given: i64,
    pub list: ListKind,
    /// The list's rows when the count was given (before any 資格喪失者の削除).
    #[ts(type = "number")]
    pub rows: u64,
    pub differs: bool,
    /// Rows a deletion of departed persons' rows took from the list since (0: none).
    #[ts(type = "number")]
    pub removed: u64,
}

/// The counts a list's rows give, one row a person.
const FROM_LIST: [(&str, ListKind); 6] = [
    ("targets", ListKind::Targets),
    ("production", ListKind::Production),
    ("pulled_out", ListKind::Pullouts),
    ("pulled", ListKind::Pullouts),
    ("requested", ListKind::ReissueRequests),
    ("issued", ListKind::Reissues),
];

/// Each count of `counts` that a list gives, beside the rows of the batch's current list of that
/// kind (`rows_of`: the rows it had when counted, and has now after deletions of departed persons'
/// rows; a count whose list the batch does not hold is left out).
pub fn recounts(
    counts: &BTreeMap<String, i64>,
    rows_of: impl Fn(ListKind) -> Option<(u64, u64)>,
) -> Vec<Recount> {
    FROM_LIST
        .iter()
        .filter_map(|(name, kind)| {
            let given = *counts.get(*name)?;
            let (rows, now) = rows_of(*kind)?;
            Some(Recount {
                count: name.to_string(),
                given,
                list: *kind,
                rows,
                differs: i64::try_from(rows).ok() != Some(given),
                removed: rows.saturating_sub(now),
            })
        })
        .collect()
}

/// Evidence a step's record is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// 確認・リスト作成 (1-2 and 2, step 4): the production list's ages are checked, every subject outside the
    /// rule is on the pull-out list, and the postal-code count list is made.
    MakeLists,
    /// 受領・引抜・確認 (step 7): the `pulled` count equals the pull-out list.
    PullOut,
    /// 封入・封緘: the `envelopes` count equals the postal-code count list, which equals what the lists give.
    Envelopes,
    /// 作成 (3, step 5): reissued sheets are made from the eligible requests.
    CreateReissues,
    /// データ更新: the `returned` count is the number of returns recorded in the batch.
    DataUpdate,
    /// データ管理: every return is counted by the latest data update.
    DataControl,
    /// 受付 (4, step 1): the `inquiries` count is the number of inquiries logged in the batch.
    Inquiries,
    /// 突き合わせ (4, step 2): every inquiry is counted by the latest reception record.
    CrossCheck,
}

pub fn evidence(process: ProcessId, step: u8) -> Option<Evidence> {
    use ProcessId::*;
    let kind = process.process().step(step)?.kind;
    Some(match (process, step, kind) {
        (MonthlyIssuance | Reaching75, 4, _) => Evidence::MakeLists,
        (MonthlyIssuance | Reaching75, 7, _) => Evidence::PullOut,
        (MonthlyIssuance, 9, _) | (Reaching75, 9 | 10, _) | (Reissue, 8 | 9, _) => {
            Evidence::Envelopes
        }
        (Reissue, 5, _) => Evidence::CreateReissues,
        (_, _, StepKind::DataUpdate) => Evidence::DataUpdate,
        (_, _, StepKind::DataControl) => Evidence::DataControl,
        (EligibilityInquiry, 1, _) => Evidence::Inquiries,
        (EligibilityInquiry, 2, _) => Evidence::CrossCheck,
        _ => return None,
    })
}

/// The step that must be complete before a batch's paper is printed: the reissued vouchers only once
/// the section has verified their recipients and count (process 3, step 6 検認), whichever front end
/// asks. None when printing waits for nothing (the encouragement postcards are the section's own work).
pub fn print_after(process: ProcessId) -> Option<u8> {
    match process {
        ProcessId::Reissue => Some(6),
        _ => None,
    }
}

/// When a list may be imported into a batch of a process: only before `before` is complete (lists a step
/// has used cannot change under it), and only after `after` is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportWindow {
    pub before: Option<u8>,
    pub after: Option<u8>,
}

/// None when the process takes no list of that kind.
pub fn import_window(process: ProcessId, kind: ListKind) -> Option<ImportWindow> {
    use ListKind::*;
    use ProcessId::*;
    let w = |before, after| Some(ImportWindow { before, after });
    match (process, kind) {
        (AnnualIssuance, Production) => w(Some(1), None),
        (AnnualIssuance, Returned) => w(None, Some(1)),
        (MonthlyIssuance | Reaching75, Targets | Rehearsal) => w(Some(1), None),
        (MonthlyIssuance | Reaching75, Production | Pullouts) => w(Some(4), None),
        (MonthlyIssuance, Returned) => w(None, Some(11)),
        (Reaching75, Returned) => w(None, Some(12)),
        (Reissue, ReissueRequests) => w(Some(4), None),
        (Reissue, Returned) => w(None, Some(11)),
        (Encouragement, CheckupResults) => w(Some(1), None),
        // 資格喪失者リスト arrive month by month while calls are taken, until the cross-check.
        (EligibilityInquiry, CoverageLoss) => w(Some(2), None),
        _ => None,
    }
}

/// The step that mails a batch's vouchers (発送), after which they count as sent.
pub fn send_step(process: ProcessId) -> Option<u8> {
    match process {
        ProcessId::AnnualIssuance => Some(1),
        ProcessId::MonthlyIssuance | ProcessId::Reissue => Some(11),
        ProcessId::Reaching75 => Some(12),
        _ => None,
    }
}

/// The processes whose batches put vouchers in the register (受診券リスト), and for which fiscal year: the
/// process 2 batch issues next year's vouchers.
pub fn voucher_year(process: ProcessId, batch_fiscal_year: i32) -> i32 {
    match process {
        ProcessId::Reaching75 => batch_fiscal_year + 1,
        _ => batch_fiscal_year,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::processes;

    #[test]
    fn reissued_vouchers_are_printed_after_their_verify_and_nothing_else_waits() {
        for p in ProcessId::ALL {
            let after = print_after(p);
            assert_eq!(after, (p == ProcessId::Reissue).then_some(6), "{p}");
            if let Some(step) = after {
                assert_eq!(
                    p.process().step(step).map(|s| s.kind),
                    Some(StepKind::Verify)
                );
            }
        }
    }

    #[test]
    fn evidence_points_at_real_steps() {
        let table = [
            (ProcessId::MonthlyIssuance, 4, Some(Evidence::MakeLists)),
            (ProcessId::MonthlyIssuance, 9, Some(Evidence::Envelopes)),
            (ProcessId::MonthlyIssuance, 13, Some(Evidence::DataUpdate)),
            (ProcessId::MonthlyIssuance, 14, Some(Evidence::DataControl)),
            (ProcessId::Reaching75, 10, Some(Evidence::Envelopes)),
            (ProcessId::Reaching75, 14, Some(Evidence::DataUpdate)),
            (ProcessId::Reaching75, 15, Some(Evidence::DataControl)),
            (ProcessId::Reissue, 5, Some(Evidence::CreateReissues)),
            (ProcessId::EligibilityInquiry, 2, Some(Evidence::CrossCheck)),
            (ProcessId::MonthlyIssuance, 1, None),
            (ProcessId::MonthlyIssuance, 99, None),
        ];
        for (p, step, want) in table {
            assert_eq!(evidence(p, step), want, "{p} step {step}");
        }
        // Windows name steps that exist.
        for p in processes() {
            for k in ListKind::ALL {
                if let Some(w) = import_window(p.id, k) {
                    for s in w.before.into_iter().chain(w.after) {
                        assert!(p.step(s).is_some(), "{} {k} step {s}", p.id);
                    }
                }
            }
        }
    }

    #[test]
    fn counts_stand_beside_the_rows_of_their_lists() {
        let counts: BTreeMap<String, i64> =
            [("targets", 12), ("production", 60), ("envelopes", 57)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
        // The production list lost two departed persons' rows after it was counted.
        let rows_of = |k| match k {
            ListKind::Targets => Some((60, 60)),
            ListKind::Production => Some((60, 58)),
            _ => None,
        };
        let got: Vec<(String, i64, ListKind, u64, bool, u64)> = recounts(&counts, rows_of)
            .into_iter()
            .map(|r| (r.count, r.given, r.list, r.rows, r.differs, r.removed))
            .collect();
        assert_eq!(
            got,
            vec![
                ("targets".into(), 12, ListKind::Targets, 60, true, 0),
                ("production".into(), 60, ListKind::Production, 60, false, 2),
            ]
        );
        assert!(recounts(&BTreeMap::new(), rows_of).is_empty());
    }
}
