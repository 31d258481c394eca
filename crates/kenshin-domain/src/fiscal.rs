//! The fiscal year (年度): 1 April to 31 March, named by the calendar year it starts in.

use chrono::{Datelike, NaiveDate};

/// The fiscal year a date falls in: 2027-03-31 is in fiscal 2026, 2027-04-01 in fiscal 2027.
pub fn fiscal_year(date: NaiveDate) -> i32 {
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// 1 April of the fiscal year.
pub fn fiscal_year_start(fiscal_year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(fiscal_year, 4, 1).expect("1 April exists")
}

/// 31 March after it.
pub fn fiscal_year_end(fiscal_year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(fiscal_year + 1, 3, 31).expect("31 March exists")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fiscal_year_turns_on_1_april() {
        for (date, fy) in [
            ("2026-04-01", 2026),
            ("2026-12-31", 2026),
            ("2027-01-01", 2026),
            ("2027-03-31", 2026),
            ("2027-04-01", 2027),
        ] {
            let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
            assert_eq!(fiscal_year(d), fy, "{date}");
        }
    }
}
