//! A batch (業務): one run of a process, e.g. "1-2 / 2026-05".

use crate::catalogue::ProcessId;
use crate::dates::{era_fiscal_year, era_month, Month};
use crate::fiscal::fiscal_year;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A batch as its creator signed it and the office's index lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BatchRef {
    /// The batch document's id (derived from the rest: see [`crate::signed::batch_id_bytes`]).
    pub batch_id: String,
    pub process: ProcessId,
    pub label: String,
    pub fiscal_year: i32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Random, so two batches made alike get two ids.
    #[serde(skip)]
    #[ts(skip)]
    pub nonce: String,
    /// The creator's signature (hex); empty for a batch made before signing.
    #[serde(skip)]
    #[ts(skip)]
    pub signature: String,
}

/// What the window proposes for a new batch, and why making it may be a mistake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BatchProposal {
    /// 「令和8年5月 月次発行」; the annual issuance by its fiscal year, 「令和8年度 年次発行」.
    pub label: String,
    pub warnings: Vec<BatchWarning>,
}

/// A batch of the same process that a new one would repeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BatchWarning {
    /// Same label: the core refuses it (two batches of a process are told apart by their labels).
    SameLabel { batch_id: String, label: String },
    /// Same month (for the annual issuance, the same fiscal year): made only when the clerk says so.
    SameMonth { batch_id: String, label: String },
}

/// Labels longer than this do not fit a board row; the core refuses them.
pub const LABEL_MAX: usize = 40;

/// Why a label cannot be a batch's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadLabel {
    #[error("the batch label must not be empty")]
    Empty,
    #[error("the batch label has {chars} characters; at most {LABEL_MAX} fit")]
    TooLong { chars: usize },
    #[error("the batch label must be one line")]
    NotOneLine,
}

/// The label trimmed, or why it cannot be one.
pub fn check_label(label: &str) -> Result<String, BadLabel> {
    let label = label.trim();
    let chars = label.chars().count();
    match chars {
        0 => Err(BadLabel::Empty),
        n if n > LABEL_MAX => Err(BadLabel::TooLong { chars }),
        _ if label.contains(['\t', '\r', '\n']) => Err(BadLabel::NotOneLine),
        _ => Ok(label.to_string()),
    }
}

/// What a batch of `process` is called after its month, in the office's words.
fn process_words(process: ProcessId) -> &'static str {
    match process {
        ProcessId::AnnualIssuance => "年次発行",
        ProcessId::MonthlyIssuance => "月次発行",
        ProcessId::Reaching75 => "75歳到達者発行",
        ProcessId::Reissue => "再交付",
        ProcessId::EligibilityInquiry => "問合せ",
        ProcessId::Encouragement => "受診勧奨",
    }
}

/// The period a batch of `process` for `month` is about, as its label begins: 「令和8年5月」, or
/// 「令和8年度」 for the annual issuance.
fn period(process: ProcessId, month: Month) -> String {
    match process {
        ProcessId::AnnualIssuance => era_fiscal_year(fiscal_year(month.first_day())),
        _ => era_month(month.first_day()),
    }
}

/// The label proposed for a new batch, and the batches of the same process it would repeat:
/// `label` is the clerk's own when they typed one.
pub fn propose_batch(
    existing: &[BatchRef],
    process: ProcessId,
    month: Month,
    label: Option<&str>,
) -> BatchProposal {
    let period = period(process, month);
    let proposed = format!("{period} {}", process_words(process));
    let label = label.map(str::trim).unwrap_or(&proposed).to_string();
    let fiscal = fiscal_year(month.first_day());
    let warnings = existing
        .iter()
        .filter(|b| b.process == process)
        .filter_map(|b| {
            let (batch_id, other) = (b.batch_id.clone(), b.label.clone());
            if b.label == label {
                Some(BatchWarning::SameLabel {
                    batch_id,
                    label: other,
                })
            } else if b.fiscal_year == fiscal
                && (process == ProcessId::AnnualIssuance
                    || b.label.starts_with(&period)
                    || b.label.contains(&month.to_string()))
            {
                Some(BatchWarning::SameMonth {
                    batch_id,
                    label: other,
                })
            } else {
                None
            }
        })
        .collect();
    BatchProposal {
        label: proposed,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(id: &str, process: ProcessId, label: &str, fiscal_year: i32) -> BatchRef {
        BatchRef {
            batch_id: id.into(),
            process,
            label: label.into(),
            fiscal_year,
            created_by: "m".into(),
            created_at: DateTime::<Utc>::MIN_UTC,
            nonce: String::new(),
            signature: String::new(),
        }
    }

    fn month(s: &str) -> Month {
        s.parse().expect("a month")
    }

    #[test]
    fn the_proposed_label_names_the_period_in_the_era_calendar() {
        use ProcessId::*;
        for (process, m, label) in [
            (MonthlyIssuance, "2026-05", "令和8年5月 月次発行"),
            (MonthlyIssuance, "2019-05", "令和元年5月 月次発行"),
            (MonthlyIssuance, "2019-04", "平成31年4月 月次発行"),
            (Reaching75, "2027-02", "令和9年2月 75歳到達者発行"),
            (Reissue, "2026-12", "令和8年12月 再交付"),
            (EligibilityInquiry, "2026-06", "令和8年6月 問合せ"),
            (Encouragement, "2026-09", "令和8年9月 受診勧奨"),
            // The annual issuance is the fiscal year's: March 2027 is in 令和8年度.
            (AnnualIssuance, "2027-03", "令和8年度 年次発行"),
            (AnnualIssuance, "2026-04", "令和8年度 年次発行"),
        ] {
            assert_eq!(
                propose_batch(&[], process, month(m), None).label,
                label,
                "{m}"
            );
        }
    }

    #[test]
    fn a_batch_that_repeats_one_of_the_same_process_is_warned_about() {
        use ProcessId::*;
        let existing = [
            batch("a", MonthlyIssuance, "令和8年5月 月次発行", 2026),
            batch("b", MonthlyIssuance, "2026-06 月次", 2026),
            batch("c", Reissue, "令和8年5月 再交付", 2026),
            batch("d", AnnualIssuance, "年次 本番", 2026),
        ];
        let warned = |process, m: &str, label: Option<&str>| -> Vec<BatchWarning> {
            propose_batch(&existing, process, month(m), label).warnings
        };
        let same_label = BatchWarning::SameLabel {
            batch_id: "a".into(),
            label: "令和8年5月 月次発行".into(),
        };
        let same_month = BatchWarning::SameMonth {
            batch_id: "a".into(),
            label: "令和8年5月 月次発行".into(),
        };
        assert_eq!(warned(MonthlyIssuance, "2026-05", None), [same_label]);
        assert_eq!(
            warned(
                MonthlyIssuance,
                "2026-05",
                Some("令和8年5月 月次発行（追加）")
            ),
            [same_month]
        );
        // A label in the ISO form counts for its month too.
        assert!(matches!(
            warned(MonthlyIssuance, "2026-06", None)[..],
            [BatchWarning::SameMonth { ref batch_id, .. }] if batch_id == "b"
        ));
        // Another month, another process, another fiscal year: nothing to warn of.
        assert!(warned(MonthlyIssuance, "2026-07", None).is_empty());
        assert!(warned(Encouragement, "2026-05", None).is_empty());
        assert!(warned(MonthlyIssuance, "2027-05", Some("令和8年5月 月次発行 x")).is_empty());
        // One annual issuance per fiscal year, whatever its label.
        assert!(matches!(
            warned(AnnualIssuance, "2026-09", None)[..],
            [BatchWarning::SameMonth { ref batch_id, .. }] if batch_id == "d"
        ));
    }

    #[test]
    fn a_label_is_trimmed_and_fits_a_board_row() {
        assert_eq!(
            check_label("  令和8年5月 月次発行 "),
            Ok("令和8年5月 月次発行".into())
        );
        assert_eq!(check_label("   "), Err(BadLabel::Empty));
        assert_eq!(check_label("月次\n発行"), Err(BadLabel::NotOneLine));
        assert_eq!(
            check_label(&"回".repeat(40)).map(|l| l.chars().count()),
            Ok(40)
        );
        assert_eq!(
            check_label(&"回".repeat(41)),
            Err(BadLabel::TooLong { chars: 41 })
        );
    }
}
