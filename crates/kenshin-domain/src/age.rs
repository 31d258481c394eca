//! Who is a target (対象者) of the Specific Health Checkup, by age.
//!
//! By 年齢計算ニ関スル法律 a person reaches a new age at the end of the day before the birthday, so someone
//! born on 1 April reaches it on 31 March, in the earlier fiscal year. Targets are those who reach an age from
//! 40 to 74 during the fiscal year (1 April – 31 March), plus those who reach 75 during it, until the day
//! before their 75th birthday (後期高齢者医療 starts on the birthday itself).

use crate::fiscal::{fiscal_year_end, fiscal_year_start};
use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;
use std::fmt;

/// The day a person born on `birth` reaches `age` (the day before the birthday).
pub fn reaches_age_on(birth: NaiveDate, age: u32) -> NaiveDate {
    birthday(birth, age)
        .pred_opt()
        .expect("birthdays are far from the calendar's ends")
}

/// The `age`-th birthday. A 29 February birthday falls on 1 March in common years, so the age is reached on
/// 28 February (民法143条: a period ending on a missing day ends on the month's last day).
pub fn birthday(birth: NaiveDate, age: u32) -> NaiveDate {
    let on_feb_28 = birth.month() == 2 && birth.day() == 29;
    let anniversary = birth
        .checked_add_months(Months::new(age * 12))
        .expect("birthdays are far from the calendar's ends");
    if on_feb_28 && anniversary.day() == 28 {
        anniversary.succ_opt().expect("not the calendar's end")
    } else {
        anniversary
    }
}

/// The age reached on `day` (counting the day before each birthday as the day the age is reached).
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> i32 {
    let Some(next) = day.succ_opt() else {
        return 0;
    };
    let mut age = next.year() - birth.year();
    if next < birthday(birth, age.max(0) as u32) {
        age -= 1;
    }
    age
}

/// A target of the year's checkup, and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Eligible {
    /// The last day the voucher serves: the day before the 75th birthday when that falls in the year, else the
    /// end of the fiscal year.
    pub valid_until: NaiveDate,
}

/// Why someone is outside the age rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum OutsideAge {
    /// Reaches 40 only after the fiscal year ends.
    Under40 { reaches_40_on: NaiveDate },
    /// Was already 75 when the fiscal year began.
    Over75 { reached_75_on: NaiveDate },
    /// Turns 75 during the year, and the 75th birthday has passed by the day checked.
    Left { birthday_75: NaiveDate },
    /// For the process 2 batch: does not reach 75 in April or May of the next fiscal year.
    Not75InAprilMay {
        reaches_75_on: NaiveDate,
        fiscal_year: i32,
    },
}

impl fmt::Display for OutsideAge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutsideAge::Under40 { reaches_40_on } => {
                write!(f, "under 40: reaches 40 on {reaches_40_on}, after the fiscal year (40歳未満)")
            }
            OutsideAge::Over75 { reached_75_on } => write!(
                f,
                "75 or over: reached 75 on {reached_75_on}, before the fiscal year (75歳以上)"
            ),
            OutsideAge::Left { birthday_75 } => write!(
                f,
                "left NHI for 後期高齢者医療 on the 75th birthday, {birthday_75} (75歳到達済)"
            ),
            OutsideAge::Not75InAprilMay {
                reaches_75_on,
                fiscal_year,
            } => write!(
                f,
                "reaches 75 on {reaches_75_on}, not in April–May {fiscal_year} (4~5月75歳到達者ではない)"
            ),
        }
    }
}

/// The yearly rule (processes 1-1, 1-2, 3, 5): is a person born on `birth` a target in `fiscal_year`, checked
/// on day `on` (the day of issuance; a day before the year began checks the year as a whole)?
pub fn target_in_year(
    birth: NaiveDate,
    fiscal_year: i32,
    on: NaiveDate,
) -> Result<Eligible, OutsideAge> {
    let (start, end) = (fiscal_year_start(fiscal_year), fiscal_year_end(fiscal_year));
    let at_end = age_on(birth, end);
    if at_end < 40 {
        return Err(OutsideAge::Under40 {
            reaches_40_on: reaches_age_on(birth, 40),
        });
    }
    if at_end <= 74 {
        return Ok(Eligible { valid_until: end });
    }
    let reached_75 = reaches_age_on(birth, 75);
    if reached_75 < start {
        return Err(OutsideAge::Over75 {
            reached_75_on: reached_75,
        });
    }
    let birthday_75 = birthday(birth, 75);
    if on >= birthday_75 {
        return Err(OutsideAge::Left { birthday_75 });
    }
    Ok(Eligible {
        valid_until: reached_75,
    })
}

/// The process 2 rule: a batch run in `fiscal_year` serves those who reach 75 in April or May of the next
/// fiscal year; their voucher serves until the day before the 75th birthday.
pub fn reaching_75_next_april_may(
    birth: NaiveDate,
    fiscal_year: i32,
) -> Result<Eligible, OutsideAge> {
    let next = fiscal_year + 1;
    let reaches = reaches_age_on(birth, 75);
    let from = fiscal_year_start(next);
    let to = NaiveDate::from_ymd_opt(next, 5, 31).expect("31 May exists");
    if (from..=to).contains(&reaches) {
        Ok(Eligible {
            valid_until: reaches,
        })
    } else {
        Err(OutsideAge::Not75InAprilMay {
            reaches_75_on: reaches,
            fiscal_year: next,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn an_age_is_reached_the_day_before_the_birthday() {
        let table = [
            // (birth, day, age)
            (d(1986, 4, 1), d(2026, 3, 30), 39),
            (d(1986, 4, 1), d(2026, 3, 31), 40),
            (d(1986, 4, 2), d(2026, 3, 31), 39),
            (d(1986, 4, 2), d(2026, 4, 1), 40),
            (d(1952, 2, 29), d(2027, 2, 27), 74),
            (d(1952, 2, 29), d(2027, 2, 28), 75),
            (d(1952, 2, 29), d(2028, 2, 28), 76),
            (d(1952, 2, 29), d(2024, 2, 28), 72),
        ];
        for (birth, day, age) in table {
            assert_eq!(age_on(birth, day), age, "born {birth} on {day}");
        }
        assert_eq!(birthday(d(1952, 2, 29), 75), d(2027, 3, 1));
        assert_eq!(reaches_age_on(d(1952, 2, 29), 75), d(2027, 2, 28));
    }

    #[test]
    fn targets_of_fiscal_year_2026() {
        let fy = 2026;
        let april = d(2026, 4, 1);
        let end = d(2027, 3, 31);
        let table: [(NaiveDate, NaiveDate, Result<Eligible, OutsideAge>); 10] = [
            // Born 1 April 1987: reaches 40 on 31 March 2027, inside FY2026.
            (d(1987, 4, 1), april, Ok(Eligible { valid_until: end })),
            // Born 2 April 1987: reaches 40 on 1 April 2027, the next year.
            (
                d(1987, 4, 2),
                april,
                Err(OutsideAge::Under40 {
                    reaches_40_on: d(2027, 4, 1),
                }),
            ),
            (d(1970, 9, 9), april, Ok(Eligible { valid_until: end })),
            // Reaches 74 on 31 March 2027: a target all year.
            (d(1953, 4, 1), april, Ok(Eligible { valid_until: end })),
            // Reaches 75 on 1 April 2027 (next year): still 74 all year.
            (d(1952, 4, 2), april, Ok(Eligible { valid_until: end })),
            // Born 1 April 1952: reaches 75 on 31 March 2027, turns 75 in the year; target until then.
            (
                d(1952, 4, 1),
                april,
                Ok(Eligible {
                    valid_until: d(2027, 3, 31),
                }),
            ),
            // Reaches 75 on 9 September 2026; target until that day.
            (
                d(1951, 9, 10),
                april,
                Ok(Eligible {
                    valid_until: d(2026, 9, 9),
                }),
            ),
            // ...but checked on the 75th birthday, already left NHI.
            (
                d(1951, 9, 10),
                d(2026, 9, 10),
                Err(OutsideAge::Left {
                    birthday_75: d(2026, 9, 10),
                }),
            ),
            // Born 2 April 1951: reaches 75 on 1 April 2026, the first day of the year: a target that one day.
            (
                d(1951, 4, 2),
                d(2026, 3, 1),
                Ok(Eligible {
                    valid_until: d(2026, 4, 1),
                }),
            ),
            // Born 1 April 1951: reached 75 on 31 March 2026, before the year began.
            (
                d(1951, 4, 1),
                april,
                Err(OutsideAge::Over75 {
                    reached_75_on: d(2026, 3, 31),
                }),
            ),
        ];
        for (birth, on, want) in table {
            assert_eq!(target_in_year(birth, fy, on), want, "born {birth}, on {on}");
        }
    }

    #[test]
    fn reaching_75_in_april_or_may() {
        let table = [
            (d(1952, 4, 1), false), // reaches 75 on 31 March 2027
            (d(1952, 4, 2), true),  // 1 April 2027
            (d(1952, 6, 1), true),  // 31 May 2027
            (d(1952, 6, 2), false), // 1 June 2027
        ];
        for (birth, inside) in table {
            assert_eq!(
                reaching_75_next_april_may(birth, 2026).is_ok(),
                inside,
                "born {birth}"
            );
        }
        assert_eq!(
            reaching_75_next_april_may(d(1952, 5, 10), 2026),
            Ok(Eligible {
                valid_until: d(2027, 5, 9)
            })
        );
    }
}
