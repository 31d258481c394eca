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
