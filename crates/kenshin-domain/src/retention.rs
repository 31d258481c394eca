//! 保存期間: how long a fiscal year's records are kept, and their deletion after. 特定健康診査及び
//! 特定保健指導の実施に関する基準 第10条: records are kept five years from the fiscal year after the
//! one they were made in.

use crate::dates::jst;
use crate::filing::year_ja;
use crate::fiscal::fiscal_year_end;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Years kept after the fiscal year a record was made in.
pub const KEPT_YEARS: i32 = 5;

/// The rule a deletion follows, as the list says it.
pub const RULE_JA: &str =
    "作成の翌年度から5年間（特定健康診査及び特定保健指導の実施に関する基準 第10条）";

/// 保存期間満了による削除: an approver's decision that a fiscal year's documents are deleted from every
/// laptop. It holds no personal data: the year, who decided and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purge {
    pub id: String,
    pub fiscal_year: i32,
    pub by: String,
    pub at: DateTime<Utc>,
    pub signature: String,
}

/// The last day a fiscal year's records are kept.
pub fn kept_until(fiscal_year: i32) -> NaiveDate {
    fiscal_year_end(fiscal_year + KEPT_YEARS)
}

/// Why a fiscal year's documents cannot be deleted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RetentionRefusal {
    #[error("fiscal year {fiscal_year} is kept until {kept_until} (five years from the next fiscal year)")]
    NotDue {
        fiscal_year: i32,
        kept_until: NaiveDate,
    },
    #[error("fiscal year {fiscal_year} is not closed: close it first (`kenshin year close`)")]
    NotClosed { fiscal_year: i32 },
    #[error("fiscal year {fiscal_year}'s lists are used by batches of other years: {}", .batches.join(", "))]
    StillUsed {
        fiscal_year: i32,
        batches: Vec<String>,
    },
    #[error("fiscal year {fiscal_year} was already deleted")]
    AlreadyDeleted { fiscal_year: i32 },
    #[error("{member} has no approver authority (決裁権限) and cannot order a deletion")]
    NotApprover { member: String },
}

/// Whether a deletion of `fiscal_year` may be ordered on `today`: the year is closed, its records
/// are past their keeping, and no batch of another year uses its lists (`used_by`: their labels).
pub fn check_purge(
    fiscal_year: i32,
    today: NaiveDate,
    closed: bool,
    used_by: &[String],
) -> Result<(), RetentionRefusal> {
    let kept_until = kept_until(fiscal_year);
    if today <= kept_until {
        return Err(RetentionRefusal::NotDue {
            fiscal_year,
            kept_until,
        });
    }
    if !closed {
        return Err(RetentionRefusal::NotClosed { fiscal_year });
    }
    if !used_by.is_empty() {
        return Err(RetentionRefusal::StillUsed {
            fiscal_year,
            batches: used_by.to_vec(),
        });
    }
    Ok(())
}

/// Whether a signed deletion holds on this laptop, besides its signature and its signer's authority:
/// it was due and the year closed when it was made, and it was not made in the future (a modified
/// client cannot order today's records deleted by dating its order years ahead).
pub fn purge_holds(p: &Purge, closed: bool, now: DateTime<Utc>) -> Result<(), String> {
    if p.at > now + Duration::days(1) {
        return Err(format!("dated {} , in the future", p.at));
    }
    check_purge(
        p.fiscal_year,
        p.at.with_timezone(&jst()).date_naive(),
        closed,
        &[],
    )
    .map_err(|r| r.to_string())
}

/// A fiscal year as the retention list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RetentionYear {
    pub fiscal_year: i32,
    /// 令和元年度.
    pub year_ja: String,
    #[ts(type = "number")]
    pub batches: usize,
    pub kept_until: NaiveDate,
    /// Past its keeping on the day the list was made.
    pub due: bool,
    pub closed: bool,
    pub deleted: bool,
    /// The rule, in the office's words.
    pub rule: String,
}

/// Every fiscal year the office holds batches of (`years`: year and batch count), oldest first,
/// with whether it is due for deletion on `today`.
pub fn retention_list(
    today: NaiveDate,
    years: &[(i32, usize)],
    closed: &[i32],
    deleted: &[i32],
) -> Vec<RetentionYear> {
    let mut all: Vec<i32> = years
        .iter()
        .map(|(y, _)| *y)
        .chain(deleted.iter().copied())
        .collect();
    all.sort_unstable();
    all.dedup();
    all.into_iter()
        .map(|fy| RetentionYear {
            fiscal_year: fy,
            year_ja: year_ja(fy),
            batches: years.iter().find(|(y, _)| *y == fy).map_or(0, |(_, n)| *n),
            kept_until: kept_until(fy),
            due: today > kept_until(fy),
            closed: closed.contains(&fy),
            deleted: deleted.contains(&fy),
            rule: RULE_JA.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("day")
    }

    #[test]
    fn a_year_is_kept_five_years_from_the_next() {
        // Made in 令和元年度 (2019): kept 2020 to 2024, through 31 March 2025.
        assert_eq!(kept_until(2019), day("2025-03-31"));
        let cases = [
            (
                2019,
                "2025-03-31",
                true,
                vec![],
                Err(RetentionRefusal::NotDue {
                    fiscal_year: 2019,
                    kept_until: day("2025-03-31"),
                }),
            ),
            (2019, "2025-04-01", true, vec![], Ok(())),
            (
                2019,
                "2025-04-01",
                false,
                vec![],
                Err(RetentionRefusal::NotClosed { fiscal_year: 2019 }),
            ),
            (
                2019,
                "2026-04-01",
                true,
                vec!["令和2年度 再発行".to_string()],
                Err(RetentionRefusal::StillUsed {
                    fiscal_year: 2019,
                    batches: vec!["令和2年度 再発行".into()],
                }),
            ),
        ];
        for (fy, today, closed, used, want) in cases {
            assert_eq!(
                check_purge(fy, day(today), closed, &used),
                want,
                "{fy} {today}"
            );
        }
    }

    #[test]
    fn a_deletion_dated_ahead_or_before_its_time_does_not_hold() {
        let now: DateTime<Utc> = "2026-12-04T00:00:00Z".parse().expect("time");
        let p = |fy: i32, at: &str| Purge {
            id: "p".into(),
            fiscal_year: fy,
            by: "m".into(),
            at: at.parse().expect("time"),
            signature: String::new(),
        };
        assert!(purge_holds(&p(2019, "2026-05-01T00:00:00Z"), true, now).is_ok());
        assert!(purge_holds(&p(2019, "2026-05-01T00:00:00Z"), false, now).is_err());
        // Made before the year was due.
        assert!(purge_holds(&p(2020, "2025-05-01T00:00:00Z"), true, now).is_err());
        // Dated in the future, to make this year's records due.
        assert!(purge_holds(&p(2026, "2033-05-01T00:00:00Z"), true, now).is_err());
    }

    #[test]
    fn the_list_names_every_year_and_what_is_due() {
        let list = retention_list(
            day("2026-12-04"),
            &[(2020, 3), (2021, 50), (2019, 2)],
            &[2019, 2020],
            &[2018],
        );
        let got: Vec<(i32, usize, bool, bool, bool)> = list
            .iter()
            .map(|y| (y.fiscal_year, y.batches, y.due, y.closed, y.deleted))
            .collect();
        assert_eq!(
            got,
            [
                (2018, 0, true, false, true),
                (2019, 2, true, true, false),
                (2020, 3, true, true, false),
                (2021, 50, false, false, false),
            ]
        );
        assert_eq!(list[1].year_ja, "令和元年度");
    }
}
