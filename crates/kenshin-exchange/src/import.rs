//! CSV imports of municipal lists. A file is read whole and checked whole: any bad row refuses the file,
//! with every problem said as `file:line:column: what and why`. Header names are Japanese with aliases;
//! columns we do not know are ignored.

use crate::decode::{decode, TextEncoding};
use chrono::NaiveDate;
use kenshin_domain::dates::parse_date;
use kenshin_domain::rows::{
    CheckupResult, CoverageLoss, Pullout, ReissueRequest, Returned, Row, Subject,
};
use kenshin_domain::said::Said;
use kenshin_domain::text;
use std::collections::HashMap;
use std::fmt;
use unicode_normalization::UnicodeNormalization;

/// One problem in a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct Problem {
    #[ts(type = "number")]
    pub line: u64,
    /// 1-based column (CSV field), when the problem is in one.
    pub column: Option<usize>,
    pub why: String,
    /// The same in Japanese, for the window.
    pub ja: String,
}

impl Problem {
    pub fn new(line: u64, column: Option<usize>, why: String, ja: String) -> Problem {
        Problem {
            line,
            column,
            why,
            ja,
        }
    }
}

/// A refused file: nothing of it was imported.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refused {
    pub file: String,
    pub problems: Vec<Problem>,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "{} refused, nothing imported: {n} problem{}",
            self.file,
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            match p.column {
                Some(c) => write!(f, "\n{}:{}:{c}: {}", self.file, p.line, p.why)?,
                None => write!(f, "\n{}:{}: {}", self.file, p.line, p.why)?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for Refused {}

/// The rows of an accepted file, with where each came from (for checks made against other data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported<R> {
    pub rows: Vec<R>,
    /// The line each row starts on.
    pub lines: Vec<u64>,
    /// 1-based column of each canonical field the file has.
    pub columns: HashMap<&'static str, usize>,
    pub encoding: TextEncoding,
}

impl<R> Imported<R> {
    /// A problem with row `i`'s `field`, found after reading (e.g. not in the production list).
    pub fn problem(&self, i: usize, field: &str, why: String, ja: String) -> Problem {
        Problem::new(
            self.lines.get(i).copied().unwrap_or(0),
            self.columns.get(field).copied(),
            why,
            ja,
        )
    }
}

/// A column an importer reads: its canonical field, the Japanese header, and the other names it goes by.
pub struct Column {
    pub field: &'static str,
    pub ja: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
}

const fn col(
    field: &'static str,
    ja: &'static str,
    aliases: &'static [&'static str],
    required: bool,
) -> Column {
    Column {
        field,
        ja,
        aliases,
        required,
    }
}

const VOUCHER_NO: Column = col(
    "voucher_no",
    "受診券整理番号",
    &[
        "受診券番号",
        "整理番号",
        "券番号",
        "受診券No",
        "voucher_no",
        "voucher",
    ],
    true,
);
const NAME: Column = col(
    "name",
    "氏名",
    &["漢字氏名", "氏名漢字", "名前", "宛名", "name"],
    true,
);
const KANA: Column = col(
    "kana",
    "カナ氏名",
    &["氏名カナ", "フリガナ", "ふりがな", "カナ", "kana"],
    true,
);
const BIRTH: Column = col(
    "birth",
    "生年月日",
    &["誕生日", "birth_date", "birth"],
    true,
);
const SEX: Column = col("sex", "性別", &["sex", "gender"], false);
const POSTAL: Column = col(
    "postal",
    "郵便番号",
    &["〒", "送付先郵便番号", "postal_code", "postal", "zip"],
    true,
);
const ADDRESS: Column = col("address", "住所", &["送付先住所", "住所1", "address"], true);

/// A list an importer can read into rows.
/// Every field a stored list has, by its Japanese header: the importers' columns, and the fields of
/// the lists steps make (郵便番号別件数, 再発行分). The window names a list's columns with it.
pub fn field_names() -> Vec<(&'static str, &'static str)> {
    let mut all: Vec<(&str, &str)> = [
        Subject::COLUMNS,
        Pullout::COLUMNS,
        Returned::COLUMNS,
        ReissueRequest::COLUMNS,
        CheckupResult::COLUMNS,
        CoverageLoss::COLUMNS,
    ]
    .iter()
    .flat_map(|cs| cs.iter().map(|c| (c.field, c.ja)))
    // Each list says its own reason (引抜き理由, 返送理由, 再発行理由): one word for all.
    .filter(|(field, _)| *field != "reason")
    .chain([
        ("reason", "理由"),
        ("count", "件数"),
        ("sheet_no", "再発行番号"),
        ("valid_until", "有効期限"),
    ])
    .collect();
    all.sort();
    all.dedup_by_key(|(field, _)| *field);
    all
}

pub trait Import: Row {
    const COLUMNS: &'static [Column];
    /// Builds a row; problems go into `cells`. None when the row has problems.
    fn build(cells: &mut Cells<'_>) -> Option<Self>;
    /// The field that must be unique within a file, and what to call it.
    const UNIQUE: (&'static str, &'static str) = ("voucher_no", "voucher number");
}

impl Import for Subject {
    const COLUMNS: &'static [Column] = &[VOUCHER_NO, NAME, KANA, BIRTH, SEX, POSTAL, ADDRESS];
    fn build(c: &mut Cells<'_>) -> Option<Self> {
        let (voucher_no, name, kana, birth, sex, postal, address) = (
            c.voucher_no("voucher_no"),
            c.required("name"),
            c.kana("kana"),
            c.date("birth"),
            c.sex("sex"),
            c.postal("postal"),
            c.required("address"),
        );
        Some(Subject {
            voucher_no: voucher_no?,
            name: name?,
            kana: kana?,
            birth: birth?,
            sex: sex?,
            postal: postal?,
            address: address?,
        })
    }
}

impl Import for Pullout {
    const COLUMNS: &'static [Column] = &[
        VOUCHER_NO,
        col("reason", "引抜理由", &["理由", "事由", "reason"], false),
    ];
    fn build(c: &mut Cells<'_>) -> Option<Self> {
        let (voucher_no, reason) = (c.voucher_no("voucher_no"), c.text("reason"));
        Some(Pullout {
            voucher_no: voucher_no?,
            reason: reason?,
        })
    }
}

impl Import for Returned {
    const COLUMNS: &'static [Column] = &[
        VOUCHER_NO,
        col(
            "returned_on",
            "返送日",
            &["返戻日", "返送年月日", "returned_on"],
            true,
        ),
        col("reason", "返送理由", &["理由", "事由", "reason"], false),
    ];
    fn build(c: &mut Cells<'_>) -> Option<Self> {
        let (voucher_no, returned_on, reason) = (
            c.voucher_no("voucher_no"),
            c.date("returned_on"),
            c.text("reason"),
        );
        Some(Returned {
            voucher_no: voucher_no?,
            returned_on: returned_on?,
            reason: reason?,
        })
    }
}

impl Import for ReissueRequest {
    const COLUMNS: &'static [Column] = &[
        col(
            "application_no",
            "申請番号",
            &["受付番号", "申請ID", "application_no"],
            true,
        ),
        col(
            "applied_on",
            "申請日",
            &["受付日", "申請日時", "applied_on"],
            true,
        ),
        VOUCHER_NO,
        NAME,
        KANA,
        BIRTH,
        POSTAL,
        ADDRESS,
        col(
            "reason",
            "再発行理由",
            &["申請理由", "理由", "reason"],
            false,
        ),
    ];
    fn build(c: &mut Cells<'_>) -> Option<Self> {
        let application_no = c.required("application_no");
        let applied_on = c.date_time("applied_on");
        let voucher_no = c.voucher_no("voucher_no");
        let (name, kana, birth) = (c.required("name"), c.kana("kana"), c.date("birth"));
        let (postal, address, reason) =
            (c.postal("postal"), c.required("address"), c.text("reason"));
        Some(ReissueRequest {
            application_no: application_no?,
            applied_on: applied_on?,
            voucher_no: voucher_no?,
            name: name?,
            kana: kana?,
            birth: birth?,
            postal: postal?,
            address: address?,
            reason: reason?,
        })
    }
    const UNIQUE: (&'static str, &'static str) = ("application_no", "application number");
}

/// The Japanese header of a canonical field (what the importers read), for tables made from rows.
pub fn field_ja(field: &str) -> &str {
    let extra = [
        col("sheet_no", "再発行番号", &[], true),
        col("valid_until", "有効期限", &[], true),
        col("count", "件数", &[], true),
    ];
    [
        Subject::COLUMNS,
        Pullout::COLUMNS,
        Returned::COLUMNS,
        ReissueRequest::COLUMNS,
        CheckupResult::COLUMNS,
        CoverageLoss::COLUMNS,
        &extra,
    ]
    .iter()
    .flat_map(|cols| cols.iter())
    .find(|c| c.field == field)
    .map_or(field, |c| c.ja)
}

impl Import for CheckupResult {
    const COLUMNS: &'static [Column] = &[
        VOUCHER_NO,
        col(
            "checked_on",
            "受診日",
            &["健診日", "受診年月日", "checked_on"],
            true,
        ),
    ];
    fn build(c: &mut Cells<'_>) -> Option<Self> {
        let (voucher_no, checked_on) = (c.voucher_no("voucher_no"), c.date("checked_on"));
        Some(CheckupResult {
            voucher_no: voucher_no?,
            checked_on: checked_on?,
        })
    }
}

impl Import for CoverageLoss {
    const COLUMNS: &'static [Column] = &[
        VOUCHER_NO,
        col(
            "lost_on",
            "喪失日",
            &["資格喪失日", "喪失年月日", "lost_on"],
            true,
        ),
        col("insurer_no", "保険者番号", &["insurer_no"], true),
        col("reason", "喪失事由", &["事由", "理由", "reason"], false),
    ];
    fn build(c: &mut Cells<'_>) -> Option<Self> {
        let (voucher_no, lost_on) = (c.voucher_no("voucher_no"), c.date("lost_on"));
        let (insurer_no, reason) = (
            c.rule("insurer_no", kenshin_domain::voucher::insurer_no),
            c.text("reason"),
        );
        Some(CoverageLoss {
            voucher_no: voucher_no?,
            lost_on: lost_on?,
            insurer_no: insurer_no?,
            reason: reason?,
        })
    }
}

/// The cells of one data row, by canonical field; collects the row's problems.
pub struct Cells<'a> {
    record: &'a csv::StringRecord,
    line: u64,
    columns: &'a HashMap<&'static str, (usize, &'static Column)>,
    problems: &'a mut Vec<Problem>,
}

impl Cells<'_> {
    fn problem(&mut self, field: &str, why: String, ja: String) {
        let column = self.columns.get(field).map(|(i, _)| i + 1);
        self.problems.push(Problem::new(self.line, column, why, ja));
    }

    /// The cell, trimmed; "" for an optional column the file does not have.
    fn raw(&self, field: &str) -> &str {
        self.columns
            .get(field)
            .and_then(|(i, _)| self.record.get(*i))
            .unwrap_or("")
            .trim_matches(|c: char| c.is_whitespace())
    }

    fn header(&self, field: &str) -> &'static str {
        self.columns.get(field).map(|(_, c)| c.ja).unwrap_or("")
    }

    /// Text as written. Refuses tabs, line breaks and undecodable bytes.
    fn text(&mut self, field: &str) -> Option<String> {
        let v = self.raw(field);
        // Most cells hold none of these bytes (0xEF leads U+FFFD); look closer only when one is there.
        if !v.bytes().any(|b| matches!(b, b'\t' | b'\r' | b'\n' | 0xEF)) {
            return Some(v.to_string());
        }
        let (why, ja) = if v.contains('\u{FFFD}') {
            (
                "undecodable bytes: the file is neither CP932 nor UTF-8 here",
                "読めない文字があります（この箇所は CP932 でも UTF-8 でもありません）",
            )
        } else if v.contains(['\t', '\r', '\n']) {
            (
                "tab or line break inside a field",
                "項目の中にタブか改行があります",
            )
        } else {
            return Some(v.to_string());
        };
        let h = self.header(field);
        self.problem(field, format!("{h}: {why}"), format!("{h}: {ja}"));
        None
    }

    fn required(&mut self, field: &str) -> Option<String> {
        let v = self.text(field)?;
        if v.is_empty() {
            let h = self.header(field);
            self.problem(field, format!("{h}: empty"), format!("{h}が空です"));
            return None;
        }
        Some(v)
    }

    /// Applies a field rule, reporting its message with the value.
    fn rule<T, E: Said + std::fmt::Display>(
        &mut self,
        field: &str,
        f: impl Fn(&str) -> Result<T, E>,
    ) -> Option<T> {
        let v = self.required(field)?;
        self.judged(field, &v, f(&v))
    }

    fn judged<T, E: Said + std::fmt::Display>(
        &mut self,
        field: &str,
        v: &str,
        judged: Result<T, E>,
    ) -> Option<T> {
        match judged {
            Ok(t) => Some(t),
            Err(why) => {
                let h = self.header(field);
                self.problem(
                    field,
                    format!("{h} {v:?}: {why}"),
                    format!("{h}「{v}」: {}", why.ja()),
                );
                None
            }
        }
    }

    fn voucher_no(&mut self, field: &str) -> Option<String> {
        self.rule(field, text::voucher_no)
    }

    fn postal(&mut self, field: &str) -> Option<String> {
        self.rule(field, text::postal_code)
    }

    fn kana(&mut self, field: &str) -> Option<String> {
        self.rule(field, text::kana_name)
    }

    fn date(&mut self, field: &str) -> Option<NaiveDate> {
        self.rule(field, parse_date)
    }

    /// A date, allowing the time the e-application form appends ("2026/05/01 10:15:00").
    fn date_time(&mut self, field: &str) -> Option<NaiveDate> {
        self.rule(field, |v| {
            parse_date(v.split_whitespace().next().unwrap_or(v))
        })
    }

    fn sex(&mut self, field: &str) -> Option<String> {
        let v = self.text(field)?;
        self.judged(field, &v, text::sex(&v))
    }
}

fn header_key(h: &str) -> String {
    h.nfkc()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '"' | '\u{FEFF}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Reads a file of rows of type `R`. `file` names it in problems.
pub fn import<R: Import>(file: &str, bytes: &[u8]) -> Result<Imported<R>, Refused> {
    let (text, encoding) = decode(bytes);
    let refused = |problems| Refused {
        file: file.to_string(),
        problems,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    // csv counts lines wrongly after CRLF (and starts such a record at its \n), so lines are counted
    // from byte offsets: newlines at or before the record start.
    let newlines: Vec<u64> = newline_offsets(text.as_bytes());
    let line_of = |byte: u64| newlines.partition_point(|&n| n <= byte) as u64 + 1;
    let mut records = reader.records();
    let mut problems = Vec::new();

    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(refused(vec![csv_problem(&e)])),
        None => {
            return Err(refused(vec![Problem::new(
                1,
                None,
                "the file is empty".into(),
                "ファイルが空です".into(),
            )]))
        }
    };
    let mut columns: HashMap<&'static str, (usize, &'static Column)> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let key = header_key(h);
        let Some(c) = R::COLUMNS
            .iter()
            .find(|c| header_key(c.ja) == key || c.aliases.iter().any(|a| header_key(a) == key))
        else {
            continue;
        };
        if let Some((first, _)) = columns.insert(c.field, (i, c)) {
            problems.push(Problem::new(
                1,
                Some(i + 1),
                format!("{} appears twice (first in column {})", c.ja, first + 1),
                format!("{}の列が2つあります（最初は{}列目）", c.ja, first + 1),
            ));
        }
    }
    for c in R::COLUMNS.iter().filter(|c| c.required) {
        if !columns.contains_key(c.field) {
            problems.push(Problem::new(
                1,
                None,
                format!(
                    "missing column {} (also read as: {})",
                    c.ja,
                    c.aliases.join(", ")
                ),
                format!(
                    "{}の列がありません（別名: {}）",
                    c.ja,
                    c.aliases
                        .iter()
                        .map(|a| format!("「{a}」"))
                        .collect::<String>()
                ),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(refused(problems));
    }

    let width = header.len();
    let mut rows: Vec<R> = Vec::new();
    let mut lines = Vec::new();
    let mut first_seen: HashMap<String, u64> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(csv_problem(&e));
                continue;
            }
        };
        let line = line_of(record.position().map_or(0, |p| p.byte()));
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != width {
            problems.push(Problem::new(
                line,
                None,
                format!("{} fields, the header has {width}", record.len()),
                format!("項目が{}個あります（見出しは{width}個）", record.len()),
            ));
            continue;
        }
        let mut cells = Cells {
            record: &record,
            line,
            columns: &columns,
            problems: &mut problems,
        };
        // Duplicates are found on the normalised key even when the row has other problems.
        let (field, what) = R::UNIQUE;
        let header = cells.header(field);
        let key: String = text::nfkc(cells.raw(field)).split_whitespace().collect();
        let duplicate_of = match first_seen.get(&key) {
            Some(first) if !key.is_empty() => Some(*first),
            _ => {
                first_seen.insert(key.clone(), line);
                None
            }
        };
        let row = R::build(&mut cells);
        if let Some(first) = duplicate_of {
            cells.problem(
                field,
                format!("duplicate {what} {key} (first on line {first})"),
                format!("{header}「{key}」が重複しています（最初は{first}行目）"),
            );
        } else if let Some(row) = row {
            rows.push(row);
            lines.push(line);
        }
    }
    if !problems.is_empty() {
        return Err(refused(problems));
    }
    if rows.is_empty() {
        return Err(refused(vec![Problem::new(
            2,
            None,
            "the file has a header but no rows".into(),
            "見出しだけで、行がありません".into(),
        )]));
    }
    let columns = columns.into_iter().map(|(f, (i, _))| (f, i + 1)).collect();
    Ok(Imported {
        rows,
        lines,
        columns,
        encoding,
    })
}

fn newline_offsets(bytes: &[u8]) -> Vec<u64> {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i as u64)
        .collect()
}

fn csv_problem(e: &csv::Error) -> Problem {
    Problem::new(
        e.position().map_or(0, |p| p.line()),
        None,
        format!("not readable as CSV: {e}"),
        "CSV として読めません（引用符の閉じ忘れなど）".into(),
    )
}
