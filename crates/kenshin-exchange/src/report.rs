//! Reports as files the office opens in Excel: CSV in CP932 or UTF-8 with a BOM, or XLSX.

use crate::decode::{encode, TextEncoding};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Serialize;

/// A cell of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(untagged)]
pub enum Cell {
    Text(String),
    Int(#[ts(type = "number")] i64),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}
impl From<u64> for Cell {
    fn from(n: u64) -> Self {
        Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
        }
    }
}

/// A report: a titled table with Japanese headers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Table {
    /// Sheet name in XLSX (31 characters at most).
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(
        "row {row}, column {column} holds {ch:?}, which CP932 cannot write: use --encoding utf8"
    )]
    NotCp932 { row: usize, column: usize, ch: char },
    #[error("writing XLSX: {0}")]
    Xlsx(#[from] XlsxError),
    #[error("writing CSV: {0}")]
    Csv(String),
}

/// CSV with CRLF line ends (as Excel writes them).
pub fn csv(table: &Table, encoding: TextEncoding) -> Result<Vec<u8>, ReportError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let io = |e: csv::Error| ReportError::Csv(e.to_string());
    w.write_record(&table.headers).map_err(io)?;
    for r in &table.rows {
        w.write_record(r.iter().map(Cell::text)).map_err(io)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ReportError::Csv(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|e| ReportError::Csv(e.to_string()))?;
    encode(&text, encoding).map_err(|ch| {
        let (row, column) = locate(table, ch);
        ReportError::NotCp932 { row, column, ch }
    })
}

/// Where a character first appears (1-based row counting the header, column).
fn locate(table: &Table, ch: char) -> (usize, usize) {
    let lines = std::iter::once(table.headers.to_vec()).chain(
        table
            .rows
            .iter()
            .map(|r| r.iter().map(Cell::text).collect()),
    );
    for (i, cells) in lines.enumerate() {
        if let Some(j) = cells.iter().position(|c| c.contains(ch)) {
            return (i + 1, j + 1);
        }
    }
    (0, 0)
}

/// How a report goes into a file (the one policy the window and `kenshin report --out` share): a
/// spreadsheet, or CSV in Shift_JIS (what the office's Excel opens) or in UTF-8 with a BOM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum FileOut {
    Xlsx,
    CsvCp932,
    CsvUtf8,
}

/// A report's bytes for a file.
pub fn file_bytes(table: &Table, out: FileOut) -> Result<Vec<u8>, ReportError> {
    match out {
        FileOut::Xlsx => xlsx(table),
        FileOut::CsvCp932 => csv(table, TextEncoding::Cp932),
        FileOut::CsvUtf8 => csv(table, TextEncoding::Utf8Bom),
    }
}

pub fn xlsx(table: &Table) -> Result<Vec<u8>, ReportError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let title: String = table.title.chars().take(31).collect();
    sheet.set_name(title)?;
    let bold = Format::new().set_bold();
    for (j, h) in table.headers.iter().enumerate() {
        sheet.write_string_with_format(0, j as u16, h, &bold)?;
    }
    for (i, r) in table.rows.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (j, c) in r.iter().enumerate() {
            match c {
                Cell::Text(s) => sheet.write_string(row, j as u16, s)?,
                Cell::Int(n) => sheet.write_number(row, j as u16, *n as f64)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str) -> Table {
        Table {
            title: "郵便番号別件数".into(),
            headers: vec!["郵便番号".into(), "氏名".into(), "件数".into()],
            rows: vec![vec!["123-4567".into(), name.into(), Cell::Int(3)]],
        }
    }

    #[test]
    fn csv_in_both_encodings() {
        let t = table("髙橋 ①");
        let utf8 = csv(&t, TextEncoding::Utf8Bom).unwrap();
        assert!(utf8.starts_with(b"\xEF\xBB\xBF\xE9\x83\xB5"));
        assert!(utf8.ends_with(b"123-4567,\xE9\xAB\x99\xE6\xA9\x8B \xE2\x91\xA0,3\r\n"));
        let sjis = csv(&t, TextEncoding::Cp932).unwrap();
        assert_eq!(
            crate::decode::decode(&sjis).0,
            "郵便番号,氏名,件数\r\n123-4567,髙橋 ①,3\r\n"
        );
        let err = csv(&table("𠮷田"), TextEncoding::Cp932).unwrap_err();
        assert_eq!(
            err.to_string(),
            "row 2, column 2 holds '𠮷', which CP932 cannot write: use --encoding utf8"
        );
    }

    #[test]
    fn xlsx_is_a_zip() {
        let bytes = xlsx(&table("山田")).unwrap();
        assert!(bytes.starts_with(b"PK"));
    }
}
