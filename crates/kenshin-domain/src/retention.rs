//! 保存期間: how long a fiscal year's records are kept, and their deletion after. 特定健康診査及び
//! 特定保健指導の実施に関する基準 第10条: records are kept five years from the fiscal year after the
//! one they were made in.

use crate::dates::jst;
use crate::filing::year_ja;
use crate::fiscal::{fiscal_year, fiscal_year_end};
use crate::lists::ListKind;
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
    #[error("no list holds a person who lost coverage on or before {lost_by}: nothing is due")]
    NothingDeparted { lost_by: NaiveDate },
    #[error("persons due for deletion are in lists of fiscal years not closed: {}; close them first", .years.iter().map(|y| y.to_string()).collect::<Vec<_>>().join(", "))]
    DepartedInOpenYears { years: Vec<i32> },
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

/// The rule for persons who left the insurer, as the list says it.
pub const DEPARTED_RULE_JA: &str =
    "資格喪失の翌年度末まで（特定健康診査及び特定保健指導の実施に関する基準 第10条）";

/// The last day a loss of coverage (喪失日) may fall on for that person's rows to be due for
/// deletion on `today`: they are kept to the end of the fiscal year after the one they left in
/// (shorter than five years, so it is the rule that applies to them).
pub fn departed_due_by(today: NaiveDate) -> NaiveDate {
    fiscal_year_end(fiscal_year(today) - 2)
}

/// 資格喪失者の削除: an approver's decision that the rows of persons who left the insurer, past their
/// keeping, go from the office's lists. Each list holding such rows is replaced by a new list
/// without them (the batches' references to it, signed by the approver, count where the old one
/// did), and the old list is deleted from every laptop. No personal data: which lists, how many
/// rows, the last 喪失日 that was due, who decided and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Redaction {
    pub id: String,
    /// Persons who lost coverage on or before this day were due.
    pub lost_by: NaiveDate,
    pub lists: Vec<RedactedList>,
    pub by: String,
    #[ts(type = "string")]
    pub at: DateTime<Utc>,
    #[ts(skip)]
    pub signature: String,
}

/// One list a redaction replaced: the old document and the new, with their rows' hashes and counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct RedactedList {
    /// The batches whose reference to the old list the new one replaces.
    pub batches: Vec<String>,
    pub list_kind: ListKind,
    pub old_doc: String,
    pub old_sha256: String,
    #[ts(type = "number")]
    pub old_rows: u64,
    pub new_doc: String,
    pub new_sha256: String,
    #[ts(type = "number")]
    pub new_rows: u64,
}

/// Whether a signed redaction holds on this laptop, besides its signature and its signer's
/// authority: persons were due by its day when it was made, it names lists that lost rows, and it
/// was not made in the future.
pub fn redaction_holds(r: &Redaction, now: DateTime<Utc>) -> Result<(), String> {
    if r.at > now + Duration::days(1) {
        return Err(format!("dated {} , in the future", r.at));
    }
    let due_by = departed_due_by(r.at.with_timezone(&jst()).date_naive());
    if r.lost_by > due_by {
        return Err(format!(
            "it takes losses of coverage up to {}, and only those up to {due_by} were due",
            r.lost_by
        ));
    }
    if r.lists.is_empty() {
        return Err("it names no list".into());
    }
    match r
        .lists
        .iter()
        .find(|l| l.new_rows >= l.old_rows || l.batches.is_empty())
    {
        Some(l) => Err(format!(
            "list {} loses no rows ({} of {}) or belongs to no batch",
            l.old_doc, l.new_rows, l.old_rows
        )),
        None => Ok(()),
    }
}

/// A list's canonical rows (field names first) without the rows whose voucher number `departed`
/// names, and how many rows are left; None when the list has no voucher numbers or loses no row.
pub fn redact(text: &str, departed: impl Fn(&str) -> bool) -> Option<(String, u64)> {
    let mut lines = text.split_inclusive('\n');
    let header = lines.next()?;
    let at = header
        .trim_end_matches('\n')
        .split('\t')
        .position(|f| f == "voucher_no")?;
    let (mut out, mut kept, mut removed) = (header.to_string(), 0u64, false);
    for line in lines {
        let no = line
            .trim_end_matches('\n')
            .split('\t')
            .nth(at)
            .unwrap_or("");
        if departed(no) {
            removed = true;
        } else {
            out.push_str(line);
            kept += 1;
        }
    }
    removed.then_some((out, kept))
}

/// Who departed, by voucher number, when a laptop knows (it holds the year's loss lists).
pub type Departed<'a> = Option<&'a dyn Fn(&str) -> bool>;

/// Whether `new` is the list `old` without the rows of departed persons: exactly so when this
/// laptop knows who departed, else without rows of its own (what it can check).
pub fn redacted_from(old: &str, new: &str, departed: Departed<'_>) -> Result<(), String> {
    match departed {
        Some(departed) => match redact(old, departed) {
            Some((expected, _)) if expected == new => Ok(()),
            _ => Err(
                "the new list is not the old one without the rows of persons who left the insurer"
                    .into(),
            ),
        },
        None => {
            let (mut old, new) = (old.split_inclusive('\n'), new.split_inclusive('\n'));
            let mut removed = false;
            for line in new {
                loop {
                    match old.next() {
                        Some(o) if o == line => break,
                        Some(_) => removed = true,
                        None => return Err("the new list holds rows the old one did not".into()),
                    }
                }
            }
            if removed || old.next().is_some() {
                Ok(())
            } else {
                Err("the new list is the old one: nothing was removed".into())
            }
        }
    }
}

/// What is due for deletion among persons who left the insurer, as the retention list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DepartedDue {
    /// Losses of coverage on or before this day are due.
    pub lost_by: NaiveDate,
    /// Persons (a voucher of a fiscal year) still in a list here.
    #[ts(type = "number")]
    pub persons: u64,
    /// The fiscal years of their vouchers.
    pub years: Vec<i32>,
    /// Fiscal years whose lists hold them and which are not closed yet (close them first).
    pub open_years: Vec<i32>,
    pub rule: String,
}

/// 保存期間: what the office holds and when it is due for deletion, under each rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Retention {
    /// Fiscal years, oldest first (five years from the next).
    pub years: Vec<RetentionYear>,
    /// Persons who left the insurer (to the end of the fiscal year after).
    pub departed: DepartedDue,
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
    fn a_departed_person_is_kept_to_the_end_of_the_year_after_they_left() {
        // Left in 令和6年度 (2024): kept through 31 March 2026.
        assert_eq!(departed_due_by(day("2026-03-31")), day("2024-03-31"));
        assert_eq!(departed_due_by(day("2026-04-01")), day("2025-03-31"));
        assert_eq!(departed_due_by(day("2026-12-05")), day("2025-03-31"));
    }

    #[test]
    fn a_redaction_removes_rows_of_departed_persons_and_is_checked_so() {
        let old = "voucher_no\tname\n1\t甲\n2\t乙\n3\t丙\n";
        let gone = |no: &str| no == "2";
        let (new, kept) = redact(old, gone).expect("a row goes");
        assert_eq!(
            (new.as_str(), kept),
            ("voucher_no\tname\n1\t甲\n3\t丙\n", 2)
        );
        assert_eq!(redact(old, |_| false), None);
        assert_eq!(redact("postal\tcount\n100\t3\n", |_| true), None);
        let cases: [(&str, Departed<'_>, bool); 6] = [
            (new.as_str(), Some(&gone), true),
            // A row that was not due, removed too.
            ("voucher_no\tname\n1\t甲\n", Some(&gone), false),
            (new.as_str(), None, true),
            ("voucher_no\tname\n1\t甲\n", None, true),
            // A row added, or nothing removed: not a redaction.
            ("voucher_no\tname\n1\t甲\n4\t丁\n", None, false),
            (old, None, false),
        ];
        for (new, departed, holds) in cases {
            assert_eq!(redacted_from(old, new, departed).is_ok(), holds, "{new:?}");
        }
    }

    #[test]
    fn a_redaction_dated_ahead_or_taking_what_was_not_due_does_not_hold() {
        let now: DateTime<Utc> = "2026-12-05T00:00:00Z".parse().expect("time");
        let r = |lost_by: &str, at: &str, new_rows: u64| Redaction {
            id: "r".into(),
            lost_by: day(lost_by),
            lists: vec![RedactedList {
                batches: vec!["b".into()],
                list_kind: ListKind::Production,
                old_doc: "o".into(),
                old_sha256: "x".into(),
                old_rows: 3,
                new_doc: "n".into(),
                new_sha256: "y".into(),
                new_rows,
            }],
            by: "m".into(),
            at: at.parse().expect("time"),
            signature: String::new(),
        };
        assert!(redaction_holds(&r("2025-03-31", "2026-12-01T00:00:00Z", 2), now).is_ok());
        assert!(redaction_holds(&r("2025-04-01", "2026-12-01T00:00:00Z", 2), now).is_err());
        assert!(redaction_holds(&r("2026-03-31", "2027-12-01T00:00:00Z", 2), now).is_err());
        assert!(redaction_holds(&r("2025-03-31", "2026-12-01T00:00:00Z", 3), now).is_err());
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
