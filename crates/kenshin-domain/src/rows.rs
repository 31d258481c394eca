//! The rows each list holds, and their canonical encoding: UTF-8, a header line of field names, one row per
//! line, fields separated by tabs, dates in ISO. The canonical bytes are what a list document stores and
//! hashes, so the same rows always give the same sha256. Importers refuse tabs and line breaks inside
//! fields, so the encoding needs no quoting.

use chrono::NaiveDate;
use serde::Serialize;

/// A value that can be a canonical field.
pub trait Field: Sized {
    fn put(&self, out: &mut String);
    fn take(text: &str) -> Result<Self, String>;
}

impl Field for String {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
    fn take(text: &str) -> Result<Self, String> {
        Ok(text.to_string())
    }
}

impl Field for NaiveDate {
    fn put(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "{}", self.format("%Y-%m-%d"));
    }
    fn take(text: &str) -> Result<Self, String> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| format!("{text:?}: {e}"))
    }
}

impl Field for u64 {
    fn put(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "{self}");
    }
    fn take(text: &str) -> Result<Self, String> {
        text.parse().map_err(|e| format!("{text:?}: {e}"))
    }
}

/// A row of some list.
pub trait Row: Sized {
    /// Field names, in canonical order (also the canonical header).
    const FIELDS: &'static [&'static str];
    fn write(&self, out: &mut String);
    fn read<'a>(fields: &mut impl Iterator<Item = &'a str>) -> Result<Self, String>;
}

macro_rules! rows {
    ($( $(#[$m:meta])* pub struct $name:ident { $( $(#[$fm:meta])* pub $f:ident : $t:ty ),* $(,)? } )*) => { $(
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
        pub struct $name { $( $(#[$fm])* pub $f: $t ),* }

        impl Row for $name {
            const FIELDS: &'static [&'static str] = &[$(stringify!($f)),*];
            fn write(&self, out: &mut String) {
                let mut first = true;
                $(
                    if !first {
                        out.push('\t');
                    }
                    first = false;
                    Field::put(&self.$f, out);
                )*
                let _ = first;
            }
            fn read<'a>(fields: &mut impl Iterator<Item = &'a str>) -> Result<Self, String> {
                Ok(Self { $(
                    $f: Field::take(fields.next().ok_or(concat!("missing field ", stringify!($f)))?)
                        .map_err(|e| format!("{}: {e}", stringify!($f)))?,
                )* })
            }
        }
    )* };
}

rows! {
    /// A subject of a target, rehearsal or production list: one voucher (受診券) to be printed.
    pub struct Subject {
        /// 受診券整理番号
        pub voucher_no: String,
        /// 氏名, as written
        pub name: String,
        /// カナ氏名, full width
        pub kana: String,
        /// 生年月日
        pub birth: NaiveDate,
        /// 性別: "1" 男, "2" 女, "" not given
        pub sex: String,
        /// 郵便番号, 7 digits
        pub postal: String,
        /// 住所, as written
        pub address: String,
    }

    /// A row of the pull-out list (引抜き者リスト): a printed voucher that must not be mailed.
    pub struct Pullout {
        pub voucher_no: String,
        /// 引抜理由 (moved out, died, changed insurer, reached 75, ...)
        pub reason: String,
    }

    /// Returned mail (宛所不明等で返送).
    pub struct Returned {
        pub voucher_no: String,
        /// 返送日
        pub returned_on: NaiveDate,
        /// 返送理由
        pub reason: String,
    }

    /// A reissue request from the e-application form's CSV (電子申請フォーム).
    pub struct ReissueRequest {
        /// 申請番号
        pub application_no: String,
        /// 申請日
        pub applied_on: NaiveDate,
        /// The original voucher's number.
        pub voucher_no: String,
        pub name: String,
        pub kana: String,
        pub birth: NaiveDate,
        /// Where to send the new sheet.
        pub postal: String,
        pub address: String,
        /// 再発行理由 (lost, damaged, ...)
        pub reason: String,
    }

    /// A reissued sheet (再発行分), traceable to the original voucher.
    pub struct ReissueSheet {
        /// `<voucher_no>-R<n>`: the n-th reissue of that voucher.
        pub sheet_no: String,
        pub voucher_no: String,
        pub application_no: String,
        pub name: String,
        pub kana: String,
        pub birth: NaiveDate,
        pub postal: String,
        pub address: String,
        /// 有効期限
        pub valid_until: NaiveDate,
    }

    /// A checkup already taken (受診結果), for the encouragement list.
    pub struct CheckupResult {
        pub voucher_no: String,
        /// 受診日
        pub checked_on: NaiveDate,
    }

    /// A loss of coverage (資格喪失者リスト): the voucher is void from 喪失日.
    pub struct CoverageLoss {
        pub voucher_no: String,
        /// 喪失日: the first day without coverage.
        pub lost_on: NaiveDate,
        /// The insurer whose list it is (保険者番号), checked against the office's.
        pub insurer_no: String,
        /// 喪失事由 (転出, 社保加入, 死亡, ...)
        pub reason: String,
    }

    /// One line of the postal-code count list (郵便番号別件数リスト).
    pub struct PostalCount {
        pub postal: String,
        pub count: u64,
    }
}

/// The canonical bytes of `rows`.
pub fn encode<R: Row>(rows: &[R]) -> Vec<u8> {
    let mut out = String::with_capacity(64 + rows.len() * 128);
    out.push_str(&R::FIELDS.join("\t"));
    out.push('\n');
    for r in rows {
        r.write(&mut out);
        out.push('\n');
    }
    out.into_bytes()
}

/// Reads canonical bytes back; any deviation is an error (the bytes were hashed, so they should be exact).
pub fn decode<R: Row>(bytes: &[u8]) -> Result<Vec<R>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("rows are not UTF-8: {e}"))?;
    let mut lines = text.split_terminator('\n');
    let header = lines.next().unwrap_or("");
    if header.split('\t').ne(R::FIELDS.iter().copied()) {
        return Err(format!(
            "rows have fields {header:?}, expected {:?}",
            R::FIELDS.join("\t")
        ));
    }
    lines
        .enumerate()
        .map(|(i, line)| {
            let mut fields = line.split('\t');
            let row = R::read(&mut fields).map_err(|e| format!("row {}: {e}", i + 1))?;
            match fields.next() {
                None => Ok(row),
                Some(_) => Err(format!("row {}: too many fields", i + 1)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_rows_round_trip() {
        let rows = vec![
            Subject {
                voucher_no: "00012345".into(),
                name: "髙橋 﨑子".into(),
                kana: "タカハシ サキコ".into(),
                birth: NaiveDate::from_ymd_opt(1960, 2, 29).unwrap(),
                sex: "2".into(),
                postal: "1234567".into(),
                address: "東京都千代田区①丁目".into(),
            },
            Subject {
                voucher_no: "00012346".into(),
                name: "山田 太郎".into(),
                kana: "ヤマダ タロウ".into(),
                birth: NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(),
                sex: String::new(),
                postal: "7654321".into(),
                address: String::new(),
            },
        ];
        let bytes = encode(&rows);
        assert!(bytes.starts_with(b"voucher_no\tname\tkana\tbirth\tsex\tpostal\taddress\n"));
        assert_eq!(decode::<Subject>(&bytes).unwrap(), rows);
        assert!(decode::<Pullout>(&bytes).is_err());
        let cut = &bytes[..bytes.len() - 10];
        assert!(decode::<Subject>(cut).is_err());
    }
}
