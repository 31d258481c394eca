//! Month-end filing (月次の事跡): what to ask before a month's archive is written.

use crate::dates::{jst, Month};
use chrono::NaiveDate;
use serde::Serialize;

/// A reason to ask before filing a month: the archive would hold no sign-off, or the month has not
/// ended yet (what is recorded later in it would be missing from the file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "doubt", rename_all = "snake_case")]
pub enum ArchiveDoubt {
    NoSignOffs,
    MonthOpen { last_day: NaiveDate },
}

/// What to ask before filing `month` on `today` (Japan's date) when it holds `signoffs` sign-offs.
pub fn archive_doubts(month: Month, today: NaiveDate, signoffs: usize) -> Vec<ArchiveDoubt> {
    let last_day = month.end().with_timezone(&jst()).date_naive();
    let mut doubts = Vec::new();
    if signoffs == 0 {
        doubts.push(ArchiveDoubt::NoSignOffs);
    }
    if today <= last_day {
        doubts.push(ArchiveDoubt::MonthOpen { last_day });
    }
    doubts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_filed_without_asking_once_it_is_over_and_holds_sign_offs() {
        let may: Month = "2026-05".parse().expect("month");
        let day = |s: &str| s.parse::<NaiveDate>().expect("day");
        let open = ArchiveDoubt::MonthOpen {
            last_day: day("2026-05-31"),
        };
        let cases = [
            ("2026-06-01", 3, vec![]),
            ("2026-06-01", 0, vec![ArchiveDoubt::NoSignOffs]),
            ("2026-05-31", 3, vec![open.clone()]),
            (
                "2026-04-30",
                0,
                vec![ArchiveDoubt::NoSignOffs, open.clone()],
            ),
        ];
        for (today, signoffs, want) in cases {
            assert_eq!(archive_doubts(may, day(today), signoffs), want, "{today}");
        }
        let december: Month = "2026-12".parse().expect("month");
        assert_eq!(
            archive_doubts(december, day("2026-12-31"), 1),
            vec![ArchiveDoubt::MonthOpen {
                last_day: day("2026-12-31")
            }]
        );
    }
}
