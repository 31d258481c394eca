//! The voucher register (受診券リスト): what happened to each voucher, and the rules that read it.

use crate::age::{target_in_year, OutsideAge};
use crate::rows::{ReissueRequest, Subject};
use crate::text::kana_key;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

/// What a note on a voucher records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// 問合せ: an institution phoned about the voucher (process 4).
    Inquiry,
    /// 返送: the envelope came back undelivered (recorded one by one, beside returned-mail lists).
    Returned,
}

impl NoteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::Inquiry => "inquiry",
            NoteKind::Returned => "returned",
        }
    }
}

impl FromStr for NoteKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "inquiry" => Ok(NoteKind::Inquiry),
            "returned" => Ok(NoteKind::Returned),
            other => Err(format!("unknown note kind {other:?}")),
        }
    }
}

/// A look at the register (照会記録): who searched, for what, and which vouchers were shown. Kept
/// in the access log, which goes into the monthly archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lookup {
    pub at: DateTime<Utc>,
    /// The member who looked.
    pub by: String,
    /// What was typed; empty when the register was paged through.
    pub query: String,
    /// How many vouchers matched in all.
    pub matched: u64,
    /// The vouchers shown, by number (one page at most).
    pub shown: Vec<String>,
    /// The looker's signature (hex) over [`crate::signed::Signed::payload`]; empty in lookups
    /// written before signing.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub signature: String,
}

impl Lookup {
    /// The office month (Japan's, "YYYY-MM") whose access log holds it.
    pub fn month(&self) -> String {
        self.at
            .with_timezone(&crate::dates::jst())
            .format("%Y-%m")
            .to_string()
    }
}

/// A note on one voucher, kept in a batch document's append-only `vouchers` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct VoucherNote {
    pub id: String,
    pub voucher_no: String,
    pub kind: NoteKind,
    /// The day it happened (the call, the return).
    pub on: NaiveDate,
    /// Who called (医療機関・健診機関); empty for returns.
    pub from: String,
    /// The answer given, or why the mail came back.
    pub text: String,
    pub by: String,
    pub at: DateTime<Utc>,
    /// The writer's signature (hex); empty in a note written before signing.
    #[serde(skip)]
    #[ts(skip)]
    pub signature: String,
}

/// A field of a note's form (the inquiry desk, a returned envelope), for a problem to be said at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum NoteField {
    Voucher,
    From,
    Text,
    On,
}

impl fmt::Display for NoteField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NoteField::Voucher => "voucher number",
            NoteField::From => "who called",
            NoteField::Text => "answer or reason",
            NoteField::On => "date",
        })
    }
}

/// Why a note's field cannot be taken as typed. The window says it in Japanese at the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum FieldProblem {
    #[error("{field}: must not be empty")]
    Empty { field: NoteField },
    #[error("{field}: at most {max} characters, one line")]
    TooLong { field: NoteField, max: usize },
    #[error("{field}: a voucher number is 4 to 16 digits")]
    NotAVoucherNumber { field: NoteField },
    #[error("{field}: not a date (2026-05-01, 令和8年5月1日)")]
    NotADate { field: NoteField },
    #[error("{field}: {day} is after today")]
    AfterToday { field: NoteField, day: String },
    #[error("voucher {voucher} is already recorded as returned in this batch")]
    AlreadyReturned { field: NoteField, voucher: String },
    #[error("voucher {voucher} was pulled out, not mailed")]
    PulledOut { field: NoteField, voucher: String },
    #[error("voucher {voucher} was not mailed in this batch")]
    NotMailed { field: NoteField, voucher: String },
    #[error("voucher {voucher} is not in the register")]
    NotInRegister { field: NoteField, voucher: String },
    #[error("a reissue of voucher {voucher} is already requested in this batch")]
    AlreadyRequested { field: NoteField, voucher: String },
}

impl FieldProblem {
    /// The field the problem is at.
    pub fn field(&self) -> NoteField {
        match self {
            FieldProblem::Empty { field }
            | FieldProblem::TooLong { field, .. }
            | FieldProblem::NotAVoucherNumber { field }
            | FieldProblem::NotADate { field }
            | FieldProblem::AfterToday { field, .. }
            | FieldProblem::AlreadyReturned { field, .. }
            | FieldProblem::PulledOut { field, .. }
            | FieldProblem::NotMailed { field, .. }
            | FieldProblem::NotInRegister { field, .. }
            | FieldProblem::AlreadyRequested { field, .. } => *field,
        }
    }
}

/// Why a return of `voucher` cannot be recorded in a batch that `mailed` these vouchers, `pulled` out
/// these, and has `already` recorded these as returned; `None` when it can.
pub fn return_problem(
    voucher: &str,
    mailed: &HashSet<String>,
    pulled: &HashSet<String>,
    already: &HashSet<String>,
) -> Option<FieldProblem> {
    let (field, voucher_s) = (NoteField::Voucher, voucher.to_string());
    if already.contains(voucher) {
        Some(FieldProblem::AlreadyReturned {
            field,
            voucher: voucher_s,
        })
    } else if pulled.contains(voucher) {
        Some(FieldProblem::PulledOut {
            field,
            voucher: voucher_s,
        })
    } else if !mailed.contains(voucher) {
        Some(FieldProblem::NotMailed {
            field,
            voucher: voucher_s,
        })
    } else {
        None
    }
}

/// A reissue request (再交付申請) taken at the window for a voucher of the register (`subject`), on
/// `fields.on` with the reason `fields.text`: the row the batch's request list gains, as the
/// e-application's CSV would give it (its number says it came from the window). Refused when the
/// list already asks for that voucher.
pub fn window_request(
    fields: &NoteFields,
    subject: &crate::rows::Subject,
    held: &[crate::rows::ReissueRequest],
) -> Result<crate::rows::ReissueRequest, FieldProblem> {
    if held.iter().any(|r| r.voucher_no == subject.voucher_no) {
        return Err(FieldProblem::AlreadyRequested {
            field: NoteField::Voucher,
            voucher: subject.voucher_no.clone(),
        });
    }
    Ok(crate::rows::ReissueRequest {
        application_no: format!("窓口-{}-{}", fields.on.format("%Y%m%d"), subject.voucher_no),
        applied_on: fields.on,
        voucher_no: subject.voucher_no.clone(),
        name: subject.name.clone(),
        kana: subject.kana.clone(),
        birth: subject.birth,
        postal: subject.postal.clone(),
        address: subject.address.clone(),
        reason: fields.text.clone(),
    })
}

/// A note's fields as typed: `from` is `None` for a note that has no caller (a return).
#[derive(Debug, Clone, Copy)]
pub struct NoteForm<'a> {
    pub voucher: &'a str,
    pub from: Option<&'a str>,
    pub text: &'a str,
    /// The day it happened; today when not given.
    pub on: Option<&'a str>,
}

/// A note's fields once they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteFields {
    pub voucher_no: String,
    pub from: String,
    pub text: String,
    pub on: NaiveDate,
}

/// Who called, at most (a clinic's name with its branch).
pub const FROM_MAX: usize = 60;
/// The answer given or why the mail came back, at most.
pub const TEXT_MAX: usize = 200;

/// Every problem with a note's fields, or the fields as they will be recorded.
pub fn check_note(form: NoteForm<'_>, today: NaiveDate) -> Result<NoteFields, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let voucher_no = crate::text::voucher_no(form.voucher)
        .map_err(|_| {
            problems.push(match form.voucher.trim() {
                "" => FieldProblem::Empty {
                    field: NoteField::Voucher,
                },
                _ => FieldProblem::NotAVoucherNumber {
                    field: NoteField::Voucher,
                },
            })
        })
        .unwrap_or_default();
    let mut line = |field: NoteField, given: &str, max: usize| {
        let t = given.trim();
        if t.is_empty() {
            problems.push(FieldProblem::Empty { field });
        } else if t.chars().count() > max || t.contains(['\t', '\r', '\n']) {
            problems.push(FieldProblem::TooLong { field, max });
        }
        t.to_string()
    };
    let from = form
        .from
        .map(|f| line(NoteField::From, f, FROM_MAX))
        .unwrap_or_default();
    let text = line(NoteField::Text, form.text, TEXT_MAX);
    let on = match form.on.map(str::trim).filter(|d| !d.is_empty()) {
        None => today,
        Some(d) => match crate::dates::parse_date(d) {
            Ok(day) if day > today => {
                problems.push(FieldProblem::AfterToday {
                    field: NoteField::On,
                    day: day.to_string(),
                });
                day
            }
            Ok(day) => day,
            Err(_) => {
                problems.push(FieldProblem::NotADate {
                    field: NoteField::On,
                });
                today
            }
        },
    };
    if problems.is_empty() {
        Ok(NoteFields {
            voucher_no,
            from,
            text,
            on,
        })
    } else {
        Err(problems)
    }
}

/// What has happened to a voucher, for the register's status column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    PulledOut,
    Returned,
    Reissued,
    Inquiry,
    CheckupTaken,
    /// 資格喪失: from a loss-of-coverage list, void from its 喪失日.
    CoverageLost,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::PulledOut => "pulled_out",
            EventKind::Returned => "returned",
            EventKind::Reissued => "reissued",
            EventKind::Inquiry => "inquiry",
            EventKind::CheckupTaken => "checkup_taken",
            EventKind::CoverageLost => "coverage_lost",
        }
    }

    pub fn ja(self) -> &'static str {
        match self {
            EventKind::PulledOut => "引抜",
            EventKind::Returned => "返送",
            EventKind::Reissued => "再発行",
            EventKind::Inquiry => "問合せ",
            EventKind::CheckupTaken => "受診済",
            EventKind::CoverageLost => "資格喪失",
        }
    }
}

impl FromStr for EventKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            EventKind::PulledOut,
            EventKind::Returned,
            EventKind::Reissued,
            EventKind::Inquiry,
            EventKind::CheckupTaken,
            EventKind::CoverageLost,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| format!("unknown event kind {s:?}"))
    }
}

/// Where a voucher stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum VoucherStatus {
    /// On a production list, not mailed yet (名簿登載).
    Listed,
    /// Pulled out before mailing (引抜).
    PulledOut,
    /// Mailed (発送済).
    Sent,
    /// Mailed and came back (返送).
    Returned,
    /// Coverage lost (資格喪失): void from the 喪失日.
    CoverageLost,
}

impl VoucherStatus {
    /// A voucher's status from what happened to it (its events) and whether its batch was mailed:
    /// a pull-out stands over everything, a loss of coverage over a return, a return over mailing.
    pub fn of(events: impl IntoIterator<Item = EventKind>, mailed: bool) -> VoucherStatus {
        let kinds: Vec<EventKind> = events.into_iter().collect();
        if kinds.contains(&EventKind::PulledOut) {
            VoucherStatus::PulledOut
        } else if kinds.contains(&EventKind::CoverageLost) {
            VoucherStatus::CoverageLost
        } else if kinds.contains(&EventKind::Returned) {
            VoucherStatus::Returned
        } else if mailed {
            VoucherStatus::Sent
        } else {
            VoucherStatus::Listed
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VoucherStatus::Listed => "listed",
            VoucherStatus::PulledOut => "pulled_out",
            VoucherStatus::Sent => "sent",
            VoucherStatus::Returned => "returned",
            VoucherStatus::CoverageLost => "coverage_lost",
        }
    }

    pub fn ja(self) -> &'static str {
        match self {
            VoucherStatus::Listed => "名簿登載",
            VoucherStatus::PulledOut => "引抜",
            VoucherStatus::Sent => "発送済",
            VoucherStatus::Returned => "返送",
            VoucherStatus::CoverageLost => "資格喪失",
        }
    }
}

/// Why a reissue request cannot be granted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Ineligible {
    NotInRegister,
    BirthDiffers { register: NaiveDate },
    KanaDiffers { register: String },
    PulledOut,
    OutsideAge { why: OutsideAge },
}

impl fmt::Display for Ineligible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ineligible::NotInRegister => {
                f.write_str("the voucher number is not in the register for the year")
            }
            Ineligible::BirthDiffers { register } => {
                write!(f, "birth date differs from the register ({register})")
            }
            Ineligible::KanaDiffers { register } => {
                write!(f, "kana name differs from the register ({register})")
            }
            Ineligible::PulledOut => {
                f.write_str("the voucher was pulled out (eligibility lost before mailing)")
            }
            Ineligible::OutsideAge { why } => write!(f, "outside the age rule: {why}"),
        }
    }
}

/// Whether a reissue may be granted: the original voucher is in the register for `fiscal_year` and was not
/// pulled out, the person matches it, and is still a target on the day of the application.
pub fn reissue_eligibility(
    request: &ReissueRequest,
    original: Option<&Subject>,
    pulled_out: bool,
    fiscal_year: i32,
) -> Result<NaiveDate, Ineligible> {
    let original = original.ok_or(Ineligible::NotInRegister)?;
    if original.birth != request.birth {
        return Err(Ineligible::BirthDiffers {
            register: original.birth,
        });
    }
    if kana_key(&original.kana) != kana_key(&request.kana) {
        return Err(Ineligible::KanaDiffers {
            register: original.kana.clone(),
        });
    }
    if pulled_out {
        return Err(Ineligible::PulledOut);
    }
    target_in_year(request.birth, fiscal_year, request.applied_on)
        .map(|e| e.valid_until)
        .map_err(|why: OutsideAge| Ineligible::OutsideAge { why })
}

/// The number of the `n`-th reissued sheet of a voucher: the original number stays visible.
pub fn sheet_no(voucher_no: &str, n: usize) -> String {
    format!("{voucher_no}-R{n}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn reissue_rules() {
        let original = Subject {
            voucher_no: "00001234".into(),
            name: "山田 太郎".into(),
            kana: "ヤマダ タロウ".into(),
            birth: d(1960, 7, 1),
            sex: "1".into(),
            postal: "9990001".into(),
            address: "城南市本町1丁目".into(),
        };
        let request = ReissueRequest {
            application_no: "A-1".into(),
            applied_on: d(2026, 6, 15),
            voucher_no: "00001234".into(),
            name: "山田 太郎".into(),
            kana: "やまだ たろう".into(),
            birth: d(1960, 7, 1),
            postal: "9990004".into(),
            address: "城南市栄町2丁目".into(),
            reason: "紛失".into(),
        };
        let older = ReissueRequest {
            birth: d(1951, 6, 1),
            ..request.clone()
        };
        let older_original = Subject {
            birth: d(1951, 6, 1),
            ..original.clone()
        };
        let other_kana = Subject {
            kana: "ヤマダ ジロウ".into(),
            ..original.clone()
        };
        let table = [
            (Some(&original), false, Ok(d(2027, 3, 31))),
            (None, false, Err(Ineligible::NotInRegister)),
            (Some(&original), true, Err(Ineligible::PulledOut)),
            (
                Some(&other_kana),
                false,
                Err(Ineligible::KanaDiffers {
                    register: "ヤマダ ジロウ".into(),
                }),
            ),
        ];
        for (orig, pulled, want) in table {
            assert_eq!(reissue_eligibility(&request, orig, pulled, 2026), want);
        }
        // Born 1 June 1951: 75 on 1 June 2026, before the application on 15 June.
        let left = reissue_eligibility(&older, Some(&older_original), false, 2026).unwrap_err();
        assert!(matches!(left, Ineligible::OutsideAge { .. }), "{left}");
        let moved = Subject {
            birth: d(1961, 1, 1),
            ..original.clone()
        };
        assert_eq!(
            reissue_eligibility(&request, Some(&moved), false, 2026),
            Err(Ineligible::BirthDiffers {
                register: d(1961, 1, 1)
            })
        );
        assert_eq!(sheet_no("00001234", 2), "00001234-R2");
    }
}

#[cfg(test)]
mod status_tests {
    use super::*;

    #[test]
    fn a_notes_fields_are_judged_each_at_its_place() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let form = |voucher, from, text, on| NoteForm {
            voucher,
            from,
            text,
            on,
        };
        let ok = check_note(
            form(" ２０００００１２ ", Some(" 城南クリニック "), "有効", None),
            today,
        )
        .expect("holds");
        assert_eq!(
            (ok.voucher_no.as_str(), ok.from.as_str(), ok.on),
            ("20000012", "城南クリニック", today)
        );
        // A return has no caller; an era date is read.
        let ret = check_note(
            form("20000012", None, "宛所不明", Some("令和8年12月1日")),
            today,
        )
        .expect("holds");
        assert_eq!(ret.on, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        use FieldProblem::*;
        use NoteField::*;
        for (f, want) in [
            (
                form("", Some(""), " ", None),
                vec![
                    Empty { field: Voucher },
                    Empty { field: From },
                    Empty { field: Text },
                ],
            ),
            (
                form(
                    "2000x012",
                    Some("a\nb"),
                    &"あ".repeat(201),
                    Some("2026-12-05"),
                ),
                vec![
                    NotAVoucherNumber { field: Voucher },
                    TooLong {
                        field: From,
                        max: 60,
                    },
                    TooLong {
                        field: Text,
                        max: 200,
                    },
                    AfterToday {
                        field: On,
                        day: "2026-12-05".into(),
                    },
                ],
            ),
            (
                form("123", None, "x", Some("昨日")),
                vec![NotAVoucherNumber { field: Voucher }, NotADate { field: On }],
            ),
        ] {
            assert_eq!(check_note(f, today), Err(want));
        }
    }

    #[test]
    fn a_pull_out_stands_over_a_return_and_a_return_over_mailing() {
        use EventKind::*;
        let table: &[(&[EventKind], bool, VoucherStatus)] = &[
            (&[], false, VoucherStatus::Listed),
            (&[], true, VoucherStatus::Sent),
            (&[Inquiry], true, VoucherStatus::Sent),
            (&[Returned, Inquiry], true, VoucherStatus::Returned),
            (&[Returned, PulledOut], true, VoucherStatus::PulledOut),
            (&[PulledOut], false, VoucherStatus::PulledOut),
        ];
        for (events, mailed, want) in table {
            assert_eq!(
                VoucherStatus::of(events.iter().copied(), *mailed),
                *want,
                "{events:?}"
            );
        }
    }
}
