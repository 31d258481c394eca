//! Dates as municipal files write them: ISO (2026-05-01, 2026/5/1, 20260501) or the Japanese era calendar
//! (令和8年5月1日, 令和元年5月1日, R8.5.1, H31.4.30, S25.1.1), with full-width digits allowed.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An era of the Japanese calendar (元号) and the day it began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Era {
    pub name: &'static str,
    pub letter: char,
    /// (year, month, day) of the era's first day.
    start: (i32, u32, u32),
}

/// Newest first; each era ends the day before the next one starts.
pub const ERAS: [Era; 5] = [
    Era {
        name: "令和",
        letter: 'R',
        start: (2019, 5, 1),
    },
    Era {
        name: "平成",
        letter: 'H',
        start: (1989, 1, 8),
    },
    Era {
        name: "昭和",
        letter: 'S',
        start: (1926, 12, 25),
    },
    Era {
        name: "大正",
        letter: 'T',
        start: (1912, 7, 30),
    },
    Era {
        name: "明治",
        letter: 'M',
        start: (1868, 10, 23),
    },
];

impl Era {
    fn start(&self) -> NaiveDate {
        let (y, m, d) = self.start;
        NaiveDate::from_ymd_opt(y, m, d).expect("era table holds valid dates")
    }

    /// The era's last day, or None for the current era.
    fn end(&self) -> Option<NaiveDate> {
        let i = ERAS.iter().position(|e| e.name == self.name)?;
        let newer = ERAS.get(i.checked_sub(1)?)?;
        newer.start().pred_opt()
    }

    fn find(token: &str) -> Option<&'static Era> {
        ERAS.iter().find(|e| {
            e.name == token
                || token.chars().count() == 1 && {
                    let c = token.chars().next().unwrap_or(' ');
                    c.eq_ignore_ascii_case(&e.letter) || e.name.starts_with(c)
                }
        })
    }
}

/// Why a date was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    /// Not a date form we know.
    Unreadable,
    /// An era name or letter we do not know.
    UnknownEra(String),
    /// Year, month or day out of range (13月, 2月30日).
    NoSuchDay,
    /// A real day, but not within the era written (H31.5.1, R1.4.30).
    OutsideEra {
        era: &'static str,
        first: NaiveDate,
        last: Option<NaiveDate>,
    },
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateError::Unreadable => {
                f.write_str("bad date: write it as 2026-05-01, 令和8年5月1日 or R8.5.1")
            }
            DateError::UnknownEra(e) => write!(
                f,
                "unknown era {e:?}: the eras are 令和 (R), 平成 (H), 昭和 (S), 大正 (T), 明治 (M)"
            ),
            DateError::NoSuchDay => f.write_str("bad date: no such day"),
            DateError::OutsideEra { era, first, last } => match last {
                Some(last) => write!(f, "bad date: {era} ran from {first} to {last}"),
                None => write!(f, "bad date: {era} began on {first}"),
            },
        }
    }
}

/// Japan's time: the office's days and months begin and end at midnight here.
pub fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

/// Parses a date in ISO or Japanese era form. Surrounding spaces and full-width characters are accepted.
pub fn parse_date(text: &str) -> Result<NaiveDate, DateError> {
    let s: String = crate::text::nfkc(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if s.is_empty() {
        return Err(DateError::Unreadable);
    }
    let first = s.chars().next().unwrap_or('0');
    if first.is_ascii_digit() {
        return parse_western(&s);
    }
    // Era: a name (令和) or letter (R), then year (digits or 元), then month and day.
    let era_len = s
        .char_indices()
        .find(|(_, c)| c.is_ascii_digit() || *c == '元')
        .map(|(i, _)| i)
        .ok_or(DateError::Unreadable)?;
    let (era_token, rest) = s.split_at(era_len);
    let era_token = era_token.trim_end_matches(['.', '/', '-']);
    let era = Era::find(era_token).ok_or_else(|| DateError::UnknownEra(era_token.to_string()))?;
    let rest = rest.replacen('元', "1", 1);
    let [y, m, d] = split_ymd(&rest).ok_or(DateError::Unreadable)?;
    if y == 0 {
        return Err(DateError::NoSuchDay);
    }
    let year = era.start.0 + y - 1;
    let date = ymd(year, m, d)?;
    let (first, last) = (era.start(), era.end());
    if date < first || last.is_some_and(|l| date > l) {
        return Err(DateError::OutsideEra {
            era: era.name,
            first,
            last,
        });
    }
    Ok(date)
}

/// The era a day falls in, and the year within it.
fn era_of(day: NaiveDate) -> Option<(&'static Era, i32)> {
    ERAS.iter()
        .find(|e| day >= e.start())
        .map(|e| (e, day.year() - e.start.0 + 1))
}

/// 令和8年5月1日 (元年 for the first year); ISO before 明治.
pub fn era_long(day: NaiveDate) -> String {
    match era_of(day) {
        Some((e, 1)) => format!("{}元年{}月{}日", e.name, day.month(), day.day()),
        Some((e, y)) => format!("{}{y}年{}月{}日", e.name, day.month(), day.day()),
        None => day.to_string(),
    }
}

/// 令和8年5月 (元年 for the first year); ISO year and month before 明治.
pub fn era_month(day: NaiveDate) -> String {
    match era_of(day) {
        Some((e, 1)) => format!("{}元年{}月", e.name, day.month()),
        Some((e, y)) => format!("{}{y}年{}月", e.name, day.month()),
        None => format!("{}-{:02}", day.year(), day.month()),
    }
}

/// 令和8年度: the fiscal year (4月-3月) in the era it ends in, counted from that era's first calendar
/// year (2019年4月-2020年3月 is 令和元年度, as offices write it); a year that begins before its era's first
/// calendar year is the earlier era's (1988年度 is 昭和63年度).
pub fn era_fiscal_year(fiscal_year: i32) -> String {
    let end = crate::fiscal::fiscal_year_end(fiscal_year);
    let start = crate::fiscal::fiscal_year_start(fiscal_year);
    let era = era_of(end)
        .filter(|(e, _)| fiscal_year >= e.start.0)
        .or_else(|| era_of(start));
    match era {
        Some((e, _)) if fiscal_year == e.start.0 => format!("{}元年度", e.name),
        Some((e, _)) => format!("{}{}年度", e.name, fiscal_year - e.start.0 + 1),
        None => format!("{fiscal_year}年度"),
    }
}

/// R8.5.1; ISO before 明治.
pub fn era_short(day: NaiveDate) -> String {
    match era_of(day) {
        Some((e, y)) => format!("{}{y}.{}.{}", e.letter, day.month(), day.day()),
        None => day.to_string(),
    }
}

fn parse_western(s: &str) -> Result<NaiveDate, DateError> {
    let [y, m, d] = if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        let n = |r: std::ops::Range<usize>| s[r].parse::<i32>().map_err(|_| DateError::Unreadable);
        [n(0..4)?, n(4..6)?, n(6..8)?]
    } else {
        split_ymd(s).ok_or(DateError::Unreadable)?
    };
    // Four-digit years in both forms: "02311003" is a slip, not the year 231 (found by fuzzing).
    if !(1000..=9999).contains(&y) {
        return Err(DateError::Unreadable);
    }
    ymd(y, m, d)
}

/// Splits "8.5.1", "8/5/1", "8-5-1" or "8年5月1日" into three numbers.
fn split_ymd(s: &str) -> Option<[i32; 3]> {
    let s = s.strip_suffix('日').unwrap_or(s);
    let parts: Vec<&str> = s.split(['.', '/', '-', '年', '月']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let num = |p: &str| {
        (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<i32>().ok())
            .flatten()
    };
    Some([num(y)?, num(m)?, num(d)?])
}

fn ymd(y: i32, m: i32, d: i32) -> Result<NaiveDate, DateError> {
    let (m, d) = (u32::try_from(m), u32::try_from(d));
    match (m, d) {
        (Ok(m), Ok(d)) => NaiveDate::from_ymd_opt(y, m, d).ok_or(DateError::NoSuchDay),
        _ => Err(DateError::NoSuchDay),
    }
}

/// A calendar month (an archive's unit, a batch's period), in Japan's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl FromStr for Month {
    type Err = String;
    fn from_str(s: &str) -> Result<Month, String> {
        let bad = || format!("month {s:?} is not YYYY-MM (for example 2026-05)");
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        let (year, month) = (
            y.parse::<i32>().map_err(|_| bad())?,
            m.parse::<u32>().map_err(|_| bad())?,
        );
        if y.len() != 4 || m.len() != 2 || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Month { year, month })
    }
}

impl TryFrom<String> for Month {
    type Error = String;
    fn try_from(s: String) -> Result<Month, String> {
        s.parse()
    }
}

impl From<Month> for String {
    fn from(m: Month) -> String {
        m.to_string()
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Month {
    /// The month (Japan's) that holds `t`.
    pub fn of(t: DateTime<Utc>) -> Month {
        let local = t.with_timezone(&jst());
        Month {
            year: local.year(),
            month: local.month(),
        }
    }

    /// The month's first day.
    pub fn first_day(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn holds(&self, t: DateTime<Utc>) -> bool {
        let local = t.with_timezone(&jst());
        local.year() == self.year && local.month() == self.month
    }

    pub fn holds_day(&self, d: NaiveDate) -> bool {
        d.year() == self.year && d.month() == self.month
    }

    /// The last instant of the month.
    pub fn end(&self) -> DateTime<Utc> {
        let (y, m) = if self.month == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        };
        let next = NaiveDate::from_ymd_opt(y, m, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|t| t.and_local_timezone(jst()).single())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        next - chrono::Duration::milliseconds(1)
    }

    /// 2026年5月.
    pub fn ja(&self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fiscal_year_is_named_as_offices_write_it() {
        for (fy, name) in [
            (2026, "令和8年度"),
            (2019, "令和元年度"),
            (2018, "平成30年度"),
            (1989, "平成元年度"),
            (1988, "昭和63年度"),
        ] {
            assert_eq!(era_fiscal_year(fy), name, "{fy}");
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn accepted_forms() {
        let table = [
            ("2026-05-01", d(2026, 5, 1)),
            ("2026/5/1", d(2026, 5, 1)),
            ("20260501", d(2026, 5, 1)),
            ("２０２６－０５－０１", d(2026, 5, 1)),
            ("令和8年5月1日", d(2026, 5, 1)),
            ("令和８年５月１日", d(2026, 5, 1)),
            ("R8.5.1", d(2026, 5, 1)),
            ("r08.05.01", d(2026, 5, 1)),
            ("Ｒ８．５．１", d(2026, 5, 1)),
            ("R8/5/1", d(2026, 5, 1)),
            ("令8.5.1", d(2026, 5, 1)),
            ("令和元年5月1日", d(2019, 5, 1)),
            ("令和1年5月1日", d(2019, 5, 1)),
            ("H31.4.30", d(2019, 4, 30)),
            ("平成元年1月8日", d(1989, 1, 8)),
            ("S64.1.7", d(1989, 1, 7)),
            ("S25.1.1", d(1950, 1, 1)),
            ("昭和25年1月1日", d(1950, 1, 1)),
            ("T15.12.24", d(1926, 12, 24)),
            (" R8.5.1 ", d(2026, 5, 1)),
            ("R6.2.29", d(2024, 2, 29)),
        ];
        for (text, want) in table {
            assert_eq!(parse_date(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn era_forms_round_trip() {
        for (day, long, short) in [
            (d(2026, 5, 1), "令和8年5月1日", "R8.5.1"),
            (d(2019, 5, 1), "令和元年5月1日", "R1.5.1"),
            (d(2019, 4, 30), "平成31年4月30日", "H31.4.30"),
            (d(1950, 1, 1), "昭和25年1月1日", "S25.1.1"),
        ] {
            assert_eq!(
                (era_long(day).as_str(), era_short(day).as_str()),
                (long, short)
            );
            assert_eq!(parse_date(long), Ok(day));
            assert_eq!(parse_date(short), Ok(day));
        }
    }

    #[test]
    fn refused_forms() {
        let outside = |era, first, last| DateError::OutsideEra { era, first, last };
        let table = [
            ("", DateError::Unreadable),
            ("2026-5", DateError::Unreadable),
            ("May 1 2026", DateError::UnknownEra("May".into())),
            ("X8.5.1", DateError::UnknownEra("X".into())),
            ("天平8年5月1日", DateError::UnknownEra("天平".into())),
            ("R8.13.1", DateError::NoSuchDay),
            ("R8.2.29", DateError::NoSuchDay),
            ("2026-02-30", DateError::NoSuchDay),
            // Fuzzing found these: accepted, they printed back as a different date.
            ("02311003", DateError::Unreadable),
            ("00010101", DateError::Unreadable),
            ("R0.5.1", DateError::NoSuchDay),
            (
                "H31.5.1",
                outside("平成", d(1989, 1, 8), Some(d(2019, 4, 30))),
            ),
            ("R1.4.30", outside("令和", d(2019, 5, 1), None)),
            (
                "S64.1.8",
                outside("昭和", d(1926, 12, 25), Some(d(1989, 1, 7))),
            ),
        ];
        for (text, want) in table {
            assert_eq!(parse_date(text), Err(want), "{text:?}");
        }
    }
}
