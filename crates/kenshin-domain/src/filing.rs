//! Month-end filing (月次の事跡): what to ask before a month's archive is written, the record that a
//! month's archive was written and checked, and closing a fiscal year (年度締め) once all its months
//! were.

use crate::dates::{era_fiscal_year, jst, Month};
use crate::fiscal::{fiscal_year_end, fiscal_year_start};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// 月次の保存: a member wrote a month's archive and Kenshin checked what was written (every hash,
/// the manifest's signature, every record judged again). Signed; kept in the office document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filing {
    pub id: String,
    pub month: Month,
    /// The archive's sha256, hex.
    pub sha256: String,
    pub by: String,
    pub at: DateTime<Utc>,
    pub signature: String,
    /// What the archive held of each batch, as the filer's laptop checked it.
    pub held: Vec<FiledBatch>,
}

/// One batch of a filed archive: the heads of its document there, whether every step of it was
/// finished at those heads, and the lists it counts that the filer's laptop held. Signed with the
/// filing: a contractor laptop lets the batch go on its word (see [`contractor_lets_go`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiledBatch {
    pub batch_id: String,
    pub heads: Vec<String>,
    pub finished: bool,
    pub lists: Vec<String>,
}

/// What a laptop holds of a batch, beside what a filing says the section holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldHere {
    /// Not its document.
    Nothing,
    /// Its document, every change of it within the filed heads, and only filed lists.
    Within,
    /// A change or a list the filing does not hold (not sent yet, or made since).
    Ahead,
}

/// 委託先の最小保持: whether laptops of `role` hold only current work. Contractor laptops do (a
/// lost one holds as little as its work needs); section laptops keep every batch until its year's
/// deletion.
pub fn keeps_least(role: crate::catalogue::Role) -> bool {
    role == crate::catalogue::Role::Contractor
}

/// Whether a laptop that keeps least lets a batch of `fiscal_year` go (deletes it, and takes it no
/// more) on `today` (Japan's date), given a section member's filing of it: once the filing holds it
/// finished, or its year is closed (年度締め: nothing more can be recorded in it, finished or not),
/// the filing holds everything this laptop has of it, and the year is over (its vouchers, and the
/// inquiries about them, end with it). The contractor has no work left in it, and what its laptop
/// made is kept where the rules keep it.
pub fn lets_go(
    filed: &FiledBatch,
    fiscal_year: i32,
    today: NaiveDate,
    here: HeldHere,
    year_closed: bool,
) -> bool {
    (filed.finished || year_closed)
        && today > fiscal_year_end(fiscal_year)
        && here != HeldHere::Ahead
}

/// 年度締め: an approver closed a fiscal year; its batches take no new entries and stay readable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearClose {
    pub id: String,
    pub fiscal_year: i32,
    pub by: String,
    pub at: DateTime<Utc>,
    pub signature: String,
}

/// Why a fiscal year cannot be closed, or why its batches take nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum YearRefusal {
    #[error(
        "fiscal year {fiscal_year} is closed (by {by} on {on}): its batches take no new entries"
    )]
    Closed {
        fiscal_year: i32,
        by: String,
        on: NaiveDate,
    },
    #[error("fiscal year {fiscal_year} runs until {last_day}; it can be closed after that")]
    NotOver {
        fiscal_year: i32,
        last_day: NaiveDate,
    },
    #[error("fiscal year {fiscal_year} cannot be closed: no archive of {} was written and checked after the month ended", .months.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(", "))]
    NotFiled {
        fiscal_year: i32,
        months: Vec<Month>,
    },
    #[error("{member} has no approver authority (決裁権限) and cannot close a fiscal year")]
    NotApprover { member: String },
}

/// The twelve months of a fiscal year, April to March.
pub fn months_of(fiscal_year: i32) -> Vec<Month> {
    let first = fiscal_year_start(fiscal_year);
    (0..12)
        .map(|i| {
            let m0 = first.month0() + i;
            Month {
                year: first.year() + (m0 / 12) as i32,
                month: m0 % 12 + 1,
            }
        })
        .collect()
}

/// Whether `fiscal_year` may be closed on `today` (Japan's date) given the filings that hold: the
/// year is over, and each of its months has an archive written and checked after the month ended
/// (one written earlier would lack what was recorded later in the month).
pub fn check_close(
    fiscal_year: i32,
    today: NaiveDate,
    filings: &[Filing],
) -> Result<(), YearRefusal> {
    let last_day = fiscal_year_end(fiscal_year);
    if today <= last_day {
        return Err(YearRefusal::NotOver {
            fiscal_year,
            last_day,
        });
    }
    let months: Vec<Month> = months_of(fiscal_year)
        .into_iter()
        .filter(|m| !filings.iter().any(|f| f.month == *m && f.at > m.end()))
        .collect();
    if months.is_empty() {
        Ok(())
    } else {
        Err(YearRefusal::NotFiled {
            fiscal_year,
            months,
        })
    }
}

/// Whether a batch of `fiscal_year` takes a new entry, given the closes that hold.
pub fn check_open(fiscal_year: i32, closes: &[YearClose]) -> Result<(), YearRefusal> {
    match closes.iter().find(|c| c.fiscal_year == fiscal_year) {
        None => Ok(()),
        Some(c) => Err(YearRefusal::Closed {
            fiscal_year,
            by: c.by.clone(),
            on: c.at.with_timezone(&jst()).date_naive(),
        }),
    }
}

/// Whether a record made at `at` in a batch of `fiscal_year` counts: not when it was made after a
/// close of that year (an offline laptop's work from before the close counts; the time is the
/// signer's own, signed).
pub fn made_before_close(
    fiscal_year: i32,
    at: DateTime<Utc>,
    closes: &[YearClose],
) -> Result<(), String> {
    match closes
        .iter()
        .find(|c| c.fiscal_year == fiscal_year && at > c.at)
    {
        None => Ok(()),
        Some(c) => Err(format!(
            "recorded after fiscal year {fiscal_year} was closed ({})",
            c.at.with_timezone(&jst()).format("%Y-%m-%d %H:%M")
        )),
    }
}

/// 令和7年度 (for the window and the refusals).
pub fn year_ja(fiscal_year: i32) -> String {
    era_fiscal_year(fiscal_year)
}

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

    fn filed(month: &str, at: &str) -> Filing {
        Filing {
            id: format!("f-{month}-{at}"),
            month: month.parse().expect("month"),
            sha256: "00".into(),
            by: "m1".into(),
            at: at.parse().expect("time"),
            signature: String::new(),
            held: Vec::new(),
        }
    }

    #[test]
    fn a_contractor_laptop_lets_go_of_a_finished_or_closed_batch_the_section_holds_whole() {
        use HeldHere::{Ahead, Nothing, Within};
        let filed = |finished| FiledBatch {
            batch_id: "b".into(),
            heads: vec!["h".into()],
            finished,
            lists: Vec::new(),
        };
        let (done, open) = (filed(true), filed(false));
        let day = |s: &str| s.parse::<NaiveDate>().expect("day");
        // (filing, today, held here, year closed, lets go): a batch of fiscal 2025.
        let cases = [
            (&done, "2026-04-01", Within, false, true),
            (&done, "2026-04-01", Nothing, false, true),
            (&done, "2026-04-01", Ahead, false, false),
            (&done, "2026-03-31", Within, false, false),
            (&done, "2026-03-31", Nothing, false, false),
            (&open, "2026-04-01", Within, false, false),
            (&open, "2026-04-01", Nothing, false, false),
            // A closed year takes nothing more: an unfinished batch of it is no one's work.
            (&open, "2026-05-01", Within, true, true),
            (&open, "2026-05-01", Nothing, true, true),
            (&open, "2026-05-01", Ahead, true, false),
            (&done, "2026-05-01", Ahead, true, false),
        ];
        for (f, today, here, closed, want) in cases {
            assert_eq!(
                lets_go(f, 2025, day(today), here, closed),
                want,
                "{f:?} {today} {here:?} {closed}"
            );
        }
        assert!(keeps_least(crate::Role::Contractor));
        assert!(!keeps_least(crate::Role::Section));
    }

    #[test]
    fn a_year_closes_once_over_with_every_month_filed_after_it_ended() {
        let day = |s: &str| s.parse::<NaiveDate>().expect("day");
        let all: Vec<Filing> = months_of(2025)
            .iter()
            .map(|m| {
                let after = m.end() + chrono::Duration::days(3);
                filed(&m.to_string(), &after.to_rfc3339())
            })
            .collect();
        let month = |s: &str| s.parse::<Month>().expect("month");
        // (today, filings, expected)
        let but = |skip: &str| -> Vec<Filing> {
            all.iter()
                .filter(|f| f.month != month(skip))
                .cloned()
                .collect()
        };
        let mut early = but("2026-03");
        // Written on 31 March, before the month ended (Japan's time): it does not count.
        early.push(filed("2026-03", "2026-03-31T10:00:00Z"));
        let cases: Vec<(&str, Vec<Filing>, Result<(), YearRefusal>)> = vec![
            ("2026-04-01", all.clone(), Ok(())),
            (
                "2026-03-31",
                all.clone(),
                Err(YearRefusal::NotOver {
                    fiscal_year: 2025,
                    last_day: day("2026-03-31"),
                }),
            ),
            (
                "2026-05-01",
                but("2025-08"),
                Err(YearRefusal::NotFiled {
                    fiscal_year: 2025,
                    months: vec![month("2025-08")],
                }),
            ),
            (
                "2026-05-01",
                early,
                Err(YearRefusal::NotFiled {
                    fiscal_year: 2025,
                    months: vec![month("2026-03")],
                }),
            ),
            (
                "2026-05-01",
                vec![],
                Err(YearRefusal::NotFiled {
                    fiscal_year: 2025,
                    months: months_of(2025),
                }),
            ),
        ];
        for (today, filings, want) in cases {
            assert_eq!(check_close(2025, day(today), &filings), want, "{today}");
        }
    }

    #[test]
    fn a_fiscal_year_has_april_to_march() {
        let m = months_of(2025);
        assert_eq!(m.len(), 12);
        assert_eq!(m[0].to_string(), "2025-04");
        assert_eq!(m[8].to_string(), "2025-12");
        assert_eq!(m[11].to_string(), "2026-03");
    }

    #[test]
    fn records_made_after_a_close_do_not_count() {
        let close = YearClose {
            id: "c".into(),
            fiscal_year: 2025,
            by: "m1".into(),
            at: "2026-05-10T01:00:00Z".parse().expect("time"),
            signature: String::new(),
        };
        let closes = [close];
        let t = |s: &str| s.parse::<DateTime<Utc>>().expect("time");
        for (fy, at, counts) in [
            (2025, "2026-05-10T00:59:59Z", true),
            (2025, "2026-05-10T01:00:00Z", true),
            (2025, "2026-05-10T01:00:01Z", false),
            (2026, "2026-06-01T00:00:00Z", true),
        ] {
            assert_eq!(
                made_before_close(fy, t(at), &closes).is_ok(),
                counts,
                "{fy} {at}"
            );
        }
    }

    #[test]
    fn a_closed_year_takes_nothing_and_others_stay_open() {
        let close = YearClose {
            id: "c".into(),
            fiscal_year: 2025,
            by: "決裁 太郎".into(),
            at: "2026-05-10T01:00:00Z".parse().expect("time"),
            signature: String::new(),
        };
        assert_eq!(check_open(2026, std::slice::from_ref(&close)), Ok(()));
        assert_eq!(check_open(2025, &[]), Ok(()));
        assert_eq!(
            check_open(2025, &[close]),
            Err(YearRefusal::Closed {
                fiscal_year: 2025,
                by: "決裁 太郎".into(),
                on: "2026-05-10".parse().expect("day"),
            })
        );
    }

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
