//! The voucher as the national standard has it (特定健康診査受診券, the MHLW 様式): the insurer's
//! settings it carries, what it says, and whether it serves on a day (有効 / 無効 / 対象外).

use crate::age::birthday;
use crate::dates::era_long;
use crate::fiscal::{fiscal_year_end, fiscal_year_start};
use crate::register::EventKind;
use crate::text::nfkc;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The four parts of a checkup whose self-pay (窓口での自己負担) a voucher states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 特定健診（基本部分）
    Basic,
    /// 特定健診（詳細部分: 心電図・貧血・眼底）
    Detailed,
    /// 追加健診項目
    Extra,
    /// 人間ドック
    Dock,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::Basic,
        Category::Detailed,
        Category::Extra,
        Category::Dock,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Category::Basic => "basic",
            Category::Detailed => "detailed",
            Category::Extra => "extra",
            Category::Dock => "dock",
        }
    }

    /// The short name the one-line answer uses.
    pub fn short_ja(self) -> &'static str {
        match self {
            Category::Basic => "基本",
            Category::Detailed => "詳細",
            Category::Extra => "追加",
            Category::Dock => "ドック",
        }
    }
}

/// What the person pays at the window for one category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum SelfPay {
    /// 無料
    Free,
    /// 受診者負担 N%
    Percent(u8),
    /// 定額 N円
    Fixed(u32),
    /// 保険者負担上限 N円: the insurer pays up to N yen, the person the rest.
    InsurerMax(u32),
}

impl SelfPay {
    /// Reads `free`, `N%`, `N円` or `max:N円` (full-width digits too; 無料 for free).
    pub fn parse(text: &str) -> Result<SelfPay, BadSetting> {
        let t = nfkc(text).trim().to_lowercase();
        let bad = || BadSetting::SelfPay {
            given: text.trim().to_string(),
        };
        let yen = |s: &str| -> Result<u32, BadSetting> {
            let s = s
                .trim()
                .trim_end_matches('円')
                .trim_end_matches("yen")
                .replace(',', "");
            s.trim().parse().map_err(|_| bad())
        };
        if t == "free" || t == "無料" {
            Ok(SelfPay::Free)
        } else if let Some(p) = t.strip_suffix('%') {
            match p.trim().parse::<u8>() {
                Ok(n) if (1..=100).contains(&n) => Ok(SelfPay::Percent(n)),
                _ => Err(bad()),
            }
        } else if let Some(m) = t.strip_prefix("max:") {
            Ok(SelfPay::InsurerMax(yen(m)?))
        } else if t.ends_with('円') || t.ends_with("yen") {
            Ok(SelfPay::Fixed(yen(&t)?))
        } else {
            Err(bad())
        }
    }

    pub fn ja(self) -> String {
        match self {
            SelfPay::Free => "無料".into(),
            SelfPay::Percent(n) => format!("受診者負担 {n}%"),
            SelfPay::Fixed(n) => format!("定額 {}円", yen(n)),
            SelfPay::InsurerMax(n) => format!("保険者負担上限 {}円", yen(n)),
        }
    }
}

/// 20000 → "20,000".
fn yen(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The self-pay of each category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SelfPayTable {
    pub basic: SelfPay,
    pub detailed: SelfPay,
    pub extra: SelfPay,
    pub dock: SelfPay,
}

impl Default for SelfPayTable {
    fn default() -> Self {
        SelfPayTable {
            basic: SelfPay::Free,
            detailed: SelfPay::Free,
            extra: SelfPay::Free,
            dock: SelfPay::Free,
        }
    }
}

impl SelfPayTable {
    pub fn get(&self, c: Category) -> SelfPay {
        match c {
            Category::Basic => self.basic,
            Category::Detailed => self.detailed,
            Category::Extra => self.extra,
            Category::Dock => self.dock,
        }
    }

    pub fn set(&mut self, c: Category, pay: SelfPay) {
        *match c {
            Category::Basic => &mut self.basic,
            Category::Detailed => &mut self.detailed,
            Category::Extra => &mut self.extra,
            Category::Dock => &mut self.dock,
        } = pay;
    }

    /// Reads `basic=free`, `dock=max:20000円` (the CLI's `--self-pay`).
    pub fn apply(&mut self, given: &str) -> Result<(), BadSetting> {
        let (c, pay) = given.split_once('=').ok_or_else(|| BadSetting::SelfPay {
            given: given.to_string(),
        })?;
        let c = Category::ALL
            .into_iter()
            .find(|k| k.code() == c.trim())
            .ok_or_else(|| BadSetting::SelfPay {
                given: given.to_string(),
            })?;
        self.set(c, SelfPay::parse(pay)?);
        Ok(())
    }

    /// 基本:無料 詳細:無料 追加:受診者負担 10% ドック:保険者負担上限 20,000円
    pub fn line(&self) -> String {
        Category::ALL
            .iter()
            .map(|c| format!("{}:{}", c.short_ja(), self.get(*c).ja()))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The insurer's data every voucher carries (保険者情報), set by an admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, Default)]
#[serde(default)]
pub struct Insurer {
    /// 保険者番号: 8 digits, the last a check digit (国保: 00 and the 6-digit number).
    pub number: String,
    /// 名称
    pub name: String,
    /// 所在地
    pub address: String,
    /// 電話番号
    pub phone: String,
    /// 契約とりまとめ機関名 (集合A, 集合B, 医師会)
    pub contract_org: String,
    /// Its code, when it has one.
    pub contract_org_code: String,
    /// 支払代行機関番号: 8 digits.
    pub payment_agent_no: String,
    /// 支払代行機関名称
    pub payment_agent_name: String,
    /// 有効期限 for the fiscal year it falls in; other years' vouchers end with their year.
    pub valid_until: Option<NaiveDate>,
    /// 窓口での自己負担
    pub self_pay: SelfPayTable,
}

/// A field of the insurer's settings, for a problem to be said at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum InsurerField {
    Number,
    Name,
    Address,
    Phone,
    ContractOrg,
    PaymentAgentNo,
    PaymentAgentName,
}

impl InsurerField {
    pub fn ja(self) -> &'static str {
        match self {
            InsurerField::Number => "保険者番号",
            InsurerField::Name => "保険者名称",
            InsurerField::Address => "所在地",
            InsurerField::Phone => "電話番号",
            InsurerField::ContractOrg => "契約とりまとめ機関",
            InsurerField::PaymentAgentNo => "支払代行機関番号",
            InsurerField::PaymentAgentName => "支払代行機関名称",
        }
    }
}

impl fmt::Display for InsurerField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InsurerField::Number => "insurer number",
            InsurerField::Name => "insurer name",
            InsurerField::Address => "address",
            InsurerField::Phone => "phone",
            InsurerField::ContractOrg => "contract organisation",
            InsurerField::PaymentAgentNo => "payment agent number",
            InsurerField::PaymentAgentName => "payment agent name",
        })
    }
}

pub use crate::settings::BadSetting;

/// The check digit of a 保険者番号's other digits: from the right, weights 2, 1, 2, ...; the
/// digits of each product are summed; the check digit takes the sum to a multiple of ten.
fn check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let p = u32::from(*d) * if i % 2 == 0 { 2 } else { 1 };
            p / 10 + p % 10
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// A 保険者番号 as typed (full-width digits, spaces): 8 digits whose last is the check digit.
pub fn insurer_no(given: &str) -> Result<String, BadSetting> {
    let n: String = nfkc(given).chars().filter(|c| !c.is_whitespace()).collect();
    if n.len() != 8 || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BadSetting::InsurerNo {
            given: given.trim().to_string(),
        });
    }
    let digits: Vec<u8> = n.bytes().map(|b| b - b'0').collect();
    let expected = check_digit(&digits[..7]);
    if digits[7] != expected {
        return Err(BadSetting::InsurerCheckDigit { given: n, expected });
    }
    Ok(n)
}

/// One line of text in a setting, at most this long.
pub const FIELD_MAX: usize = 60;

impl Insurer {
    /// Every field holds: the number's check digit, a phone of 10 or 11 digits, an 8-digit payment
    /// agent, one line each.
    pub fn check(&self) -> Result<(), BadSetting> {
        insurer_no(&self.number)?;
        use InsurerField as F;
        if self.name.trim().is_empty() {
            return Err(BadSetting::Blank { field: F::Name });
        }
        for (field, v) in [
            (F::Name, &self.name),
            (F::Address, &self.address),
            (F::Phone, &self.phone),
            (F::ContractOrg, &self.contract_org),
            (F::ContractOrg, &self.contract_org_code),
            (F::PaymentAgentName, &self.payment_agent_name),
        ] {
            if v.chars().count() > FIELD_MAX || v.contains(['\t', '\r', '\n']) {
                return Err(BadSetting::TooLong {
                    field,
                    max: FIELD_MAX,
                });
            }
        }
        let phone_digits = self.phone.chars().filter(char::is_ascii_digit).count();
        let phone_ok = self.phone.chars().all(|c| c.is_ascii_digit() || c == '-');
        if !self.phone.is_empty() && (!phone_ok || !(10..=11).contains(&phone_digits)) {
            return Err(BadSetting::Phone {
                given: self.phone.clone(),
            });
        }
        let agent = &self.payment_agent_no;
        if !agent.is_empty() && (agent.len() != 8 || !agent.bytes().all(|b| b.is_ascii_digit())) {
            return Err(BadSetting::PaymentAgentNo {
                given: agent.clone(),
            });
        }
        Ok(())
    }
}

/// The insurer's settings as typed (the CLI's flags, the window's form): a field left None keeps
/// what the office has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct InsurerForm {
    pub number: Option<String>,
    pub name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// `NAME` or `NAME:CODE`.
    pub contract_org: Option<String>,
    pub payment_agent_no: Option<String>,
    pub payment_agent_name: Option<String>,
    /// A date; empty to end each voucher with its fiscal year.
    pub valid_until: Option<String>,
    /// `basic=free`, `dock=max:20000円`, ...
    pub self_pay: Vec<String>,
}

impl InsurerForm {
    /// The insurer's settings with this form's changes, when they hold.
    pub fn apply(&self, current: Option<Insurer>) -> Result<Insurer, BadSetting> {
        let mut i = current.unwrap_or_default();
        let line = |v: &Option<String>, into: &mut String| {
            if let Some(v) = v {
                *into = nfkc(v).trim().to_string();
            }
        };
        if let Some(n) = &self.number {
            i.number = insurer_no(n)?;
        }
        line(&self.name, &mut i.name);
        line(&self.address, &mut i.address);
        line(&self.phone, &mut i.phone);
        line(&self.payment_agent_no, &mut i.payment_agent_no);
        line(&self.payment_agent_name, &mut i.payment_agent_name);
        if let Some(org) = &self.contract_org {
            let org = nfkc(org);
            let (name, code) = org.split_once(':').unwrap_or((&org, ""));
            i.contract_org = name.trim().to_string();
            i.contract_org_code = code.trim().to_string();
        }
        if let Some(d) = &self.valid_until {
            i.valid_until = match d.trim() {
                "" => None,
                d => Some(
                    crate::dates::parse_date(d).map_err(|_| BadSetting::ValidUntil {
                        given: d.to_string(),
                    })?,
                ),
            };
        }
        for given in &self.self_pay {
            i.self_pay.apply(given)?;
        }
        i.check()?;
        Ok(i)
    }
}

/// The 有効期限 of a voucher of `fiscal_year` for a person born on `birth`: the office's date `set`
/// when it falls in that year (else the year's end), and never past the day before the 75th
/// birthday (後期高齢者医療 starts on it).
pub fn valid_until(set: Option<NaiveDate>, fiscal_year: i32, birth: NaiveDate) -> NaiveDate {
    let (start, end) = (fiscal_year_start(fiscal_year), fiscal_year_end(fiscal_year));
    let office = set.filter(|d| (start..=end).contains(d)).unwrap_or(end);
    let before_75 = birthday(birth, 75).pred_opt().unwrap_or(end);
    office.min(before_75)
}

/// The sheet a caller reads out: the voucher's number, and `-R<n>` for its n-th reissue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRef {
    pub voucher_no: String,
    /// 0 for the first sheet.
    pub n: u32,
}

/// Reads `20000001` or `20000001-R2` (full-width too).
pub fn sheet_ref(given: &str) -> Result<SheetRef, crate::text::BadText> {
    let t = nfkc(given).trim().to_uppercase();
    let (no, n) = match t.split_once("-R") {
        Some((no, n)) => (
            no,
            n.parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(crate::text::BadText::VoucherNo)?,
        ),
        None => (t.as_str(), 0),
    };
    Ok(SheetRef {
        voucher_no: crate::text::voucher_no(no)?,
        n,
    })
}

/// A reissued sheet of a voucher, as the register holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Sheet {
    pub n: u32,
    pub sheet_no: String,
    pub batch_id: String,
    /// Its batch as the office names it (2026-07 再発行).
    pub batch_label: String,
    /// 交付年月日: the day its batch mailed it; None until then.
    pub issued_on: Option<NaiveDate>,
}

/// What the register knows of one voucher of one fiscal year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub voucher_no: String,
    pub birth: NaiveDate,
    /// 交付年月日 of the first sheet: the day its batch mailed it.
    pub issued_on: Option<NaiveDate>,
    pub pulled_out: bool,
    /// 喪失日 from a loss-of-coverage list: void from that day.
    pub lost_on: Option<NaiveDate>,
    /// Its reissued sheets, in any order.
    pub sheets: Vec<Sheet>,
    pub valid_until: NaiveDate,
}

/// Why a voucher does not serve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Void {
    /// 資格喪失
    CoverageLost,
    /// 75歳到達 (後期高齢者医療へ)
    Reached75,
    /// 有効期限切れ
    Expired,
    /// 再交付済: a newer sheet replaced it.
    Reissued { by: String },
    /// 引抜: never mailed.
    PulledOut,
    /// 未交付: its batch has not mailed it (yet, on that day).
    NotIssued,
}

impl Void {
    pub fn ja(&self) -> String {
        match self {
            Void::CoverageLost => "資格喪失".into(),
            Void::Reached75 => "75歳到達（後期高齢者医療へ移行）".into(),
            Void::Expired => "有効期限切れ".into(),
            Void::Reissued { by } => format!("再交付済（現在の券は {by}）"),
            Void::PulledOut => "引抜（発送していません）".into(),
            Void::NotIssued => "未交付".into(),
        }
    }
}

/// Whether a voucher serves on a day: the institution's phone check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// 有効
    Valid { until: NaiveDate },
    /// 無効: why, and since when when a day says it.
    Void { why: Void, since: Option<NaiveDate> },
    /// 対象外: the number (or the sheet) is not in the register for the year.
    NotTarget,
    /// 要確認: two sheets with the same number were made on two laptops; neither is taken as
    /// valid until the office resolves it.
    Unsettled { sheets: Vec<String> },
}

impl Verdict {
    /// 有効（令和9年3月31日まで） / 無効（資格喪失 令和8年9月1日から） / 対象外 / 要確認
    pub fn ja(&self) -> String {
        match self {
            Verdict::Valid { until } => format!("有効（{}まで）", era_long(*until)),
            Verdict::Void {
                why,
                since: Some(d),
            } => format!("無効（{} {}から）", why.ja(), era_long(*d)),
            Verdict::Void { why, since: None } => format!("無効（{}）", why.ja()),
            Verdict::NotTarget => "対象外（受診券リストにありません）".into(),
            Verdict::Unsettled { sheets } => format!(
                "要確認（再交付が二重です: {}。事務所で解決するまで有効としません）",
                sheets.join("・")
            ),
        }
    }
}

/// Sheets that share a number with a sheet of another batch: reissues made offline on two
/// laptops. In the same order on every laptop, whatever order the batches arrived in.
pub fn doubled_sheets(sheets: &[Sheet]) -> Vec<&Sheet> {
    let mut doubled: Vec<&Sheet> = sheets
        .iter()
        .filter(|s| {
            sheets
                .iter()
                .any(|o| o.n == s.n && o.batch_id != s.batch_id)
        })
        .collect();
    doubled.sort_by(|a, b| {
        (a.n, &a.batch_label, &a.batch_id).cmp(&(b.n, &b.batch_label, &b.batch_id))
    });
    doubled
}

/// The sheet that serves on `on`: the newest mailed by then; the first sheet when none was
/// reissued by then. Its number and 交付年月日.
pub fn current_sheet(facts: &Facts, on: NaiveDate) -> (String, Option<NaiveDate>) {
    facts
        .sheets
        .iter()
        .filter(|s| s.issued_on.is_some_and(|d| d <= on))
        .max_by_key(|s| s.n)
        .map_or((facts.voucher_no.clone(), facts.issued_on), |s| {
            (s.sheet_no.clone(), s.issued_on)
        })
}

/// Whether the sheet `asked` (0: the first) serves on `on`. A voucher is valid from its 交付年月日
/// to its 有効期限; it is void from 喪失日, from the 75th birthday, and from the day a newer sheet
/// was mailed; a reissue made twice is unsettled until resolved.
pub fn judge(facts: &Facts, asked: u32, on: NaiveDate) -> Verdict {
    let doubled = doubled_sheets(&facts.sheets);
    if !doubled.is_empty() {
        return Verdict::Unsettled {
            sheets: doubled
                .iter()
                .map(|s| format!("{}（{}）", s.sheet_no, s.batch_label))
                .collect(),
        };
    }
    let issued_on = match asked {
        0 => facts.issued_on,
        n => match facts.sheets.iter().find(|s| s.n == n) {
            Some(s) => s.issued_on,
            None => return Verdict::NotTarget,
        },
    };
    let void = |why: Void, since: Option<NaiveDate>| Verdict::Void { why, since };
    if facts.pulled_out {
        return void(Void::PulledOut, None);
    }
    if issued_on.is_none_or(|d| d > on) {
        return void(Void::NotIssued, None);
    }
    // What ends every sheet of the person's first, then what ends this sheet.
    if let Some(lost) = facts.lost_on.filter(|d| *d <= on) {
        return void(Void::CoverageLost, Some(lost));
    }
    let turns_75 = birthday(facts.birth, 75);
    if on >= turns_75 {
        return void(Void::Reached75, Some(turns_75));
    }
    if on > facts.valid_until {
        return void(Void::Expired, facts.valid_until.succ_opt());
    }
    if let Some(newer) = facts
        .sheets
        .iter()
        .filter(|s| s.n > asked && s.issued_on.is_some_and(|d| d <= on))
        .min_by_key(|s| s.n)
    {
        let (by, _) = current_sheet(facts, on);
        return void(Void::Reissued { by }, newer.issued_on);
    }
    Verdict::Valid {
        until: facts.valid_until,
    }
}

/// The answer read out to the institution, in one line: the verdict, and for a voucher of the
/// register the self-pay, the 契約とりまとめ機関 and the sheet that is current.
pub fn answer_line(
    verdict: &Verdict,
    current: Option<(&str, Option<NaiveDate>)>,
    insurer: Option<&Insurer>,
) -> String {
    if matches!(verdict, Verdict::NotTarget | Verdict::Unsettled { .. }) {
        return verdict.ja();
    }
    let mut parts = vec![verdict.ja()];
    if let Some(i) = insurer {
        parts.push(format!("自己負担 {}", i.self_pay.line()));
        if !i.contract_org.is_empty() {
            parts.push(format!("契約とりまとめ機関 {}", i.contract_org));
        }
    }
    if let Some((sheet, issued)) = current {
        parts.push(match issued {
            Some(d) => format!("現在の券 {sheet}（交付 {}）", era_long(d)),
            None => format!("現在の券 {sheet}（未交付）"),
        });
    }
    parts.join("／")
}

/// Why a person of the register gets no encouragement postcard (受診勧奨の対象外).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum LeftOut {
    /// 受診済
    CheckupTaken,
    /// 資格喪失
    CoverageLost,
    /// 引抜
    PulledOut,
    /// 返送 (the address does not reach them)
    Returned,
    /// 年齢: outside the age rule
    OutsideAge,
}

impl LeftOut {
    pub const ALL: [LeftOut; 5] = [
        LeftOut::CheckupTaken,
        LeftOut::CoverageLost,
        LeftOut::PulledOut,
        LeftOut::Returned,
        LeftOut::OutsideAge,
    ];

    pub fn ja(self) -> &'static str {
        match self {
            LeftOut::CheckupTaken => "受診済",
            LeftOut::CoverageLost => "資格喪失",
            LeftOut::PulledOut => "引抜",
            LeftOut::Returned => "返送",
            LeftOut::OutsideAge => "年齢",
        }
    }
}

/// Whether a voucher's holder is left out of encouragement, and the first reason that holds: a
/// checkup result, a loss of coverage by `on`, a pull-out, a return, or the age rule on `on`.
pub fn left_out(
    events: impl IntoIterator<Item = (EventKind, Option<NaiveDate>)>,
    on: NaiveDate,
    target: bool,
) -> Option<LeftOut> {
    events
        .into_iter()
        .filter_map(|(kind, day)| match kind {
            EventKind::CheckupTaken => Some(LeftOut::CheckupTaken),
            EventKind::CoverageLost if day.is_none_or(|d| d <= on) => Some(LeftOut::CoverageLost),
            EventKind::PulledOut => Some(LeftOut::PulledOut),
            EventKind::Returned => Some(LeftOut::Returned),
            _ => None,
        })
        .min()
        .or((!target).then_some(LeftOut::OutsideAge))
}

/// The standard form's fields (特定健康診査受診券 様式), in the order the sheet prints them.
pub const STANDARD_FIELDS: [&str; 17] = [
    "受診券整理番号",
    "交付年月日",
    "有効期限",
    "氏名",
    "性別",
    "生年月日",
    "被保険者証記号",
    "被保険者証番号",
    "健診内容",
    "窓口での自己負担",
    "保険者所在地",
    "保険者電話番号",
    "保険者番号",
    "保険者名称",
    "契約とりまとめ機関名",
    "支払代行機関番号",
    "支払代行機関名称",
];

/// What goes on one voucher sheet, whichever layout prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Face {
    pub sheet_no: String,
    pub voucher_no: String,
    pub issued_on: NaiveDate,
    pub valid_until: NaiveDate,
    pub name: String,
    pub kana: String,
    /// "1" 男, "2" 女
    pub sex: String,
    pub birth: NaiveDate,
    pub postal: String,
    pub address: String,
    /// For a sheet that replaces an earlier one: the reissue request's 申請番号.
    pub application_no: Option<String>,
}

/// 健診内容, as the standard words it.
pub const CONTENTS: [(&str, &str); 3] = [
    (
        "基本的な健診",
        "問診・身体計測・血圧・血中脂質・肝機能・血糖・尿検査",
    ),
    ("詳細な健診", "心電図・貧血・眼底（医師が必要と認めた方）"),
    ("その他", "追加健診項目・人間ドック（保険者の定めによる）"),
];

/// 注意事項 printed on the back.
pub const NOTICES: [&str; 5] = [
    "受診の際は、この受診券と保険証（資格確認書）を医療機関の窓口に提出してください。",
    "有効期限内に受診してください。国民健康保険の資格がなくなったときは、この受診券は使えません。",
    "75歳の誕生日からは後期高齢者医療の健診になるため、この受診券は使えません。",
    "再交付を受けたときは、以前に交付された受診券は使えません。",
    "記載事項に誤りがあるときや紛失したときは、保険者にお問い合わせください。",
];

/// The labelled values of a sheet, as both layouts print them: every field of
/// [`STANDARD_FIELDS`] once, in its order.
pub fn face_fields(face: &Face, insurer: &Insurer) -> Vec<(&'static str, String)> {
    let sex = match face.sex.as_str() {
        "1" => "男",
        "2" => "女",
        _ => "",
    };
    let org = match insurer.contract_org_code.as_str() {
        "" => insurer.contract_org.clone(),
        code => format!("{}（{code}）", insurer.contract_org),
    };
    let contents: Vec<&str> = CONTENTS.iter().map(|(k, _)| *k).collect();
    vec![
        ("受診券整理番号", face.sheet_no.clone()),
        ("交付年月日", era_long(face.issued_on)),
        ("有効期限", era_long(face.valid_until)),
        ("氏名", format!("{}（{}）", face.name, face.kana)),
        ("性別", sex.to_string()),
        ("生年月日", era_long(face.birth)),
        // The lists carry no card symbol or number: left blank, to be read from the card.
        ("被保険者証記号", String::new()),
        ("被保険者証番号", String::new()),
        ("健診内容", contents.join("・")),
        ("窓口での自己負担", insurer.self_pay.line()),
        ("保険者所在地", insurer.address.clone()),
        ("保険者電話番号", insurer.phone.clone()),
        ("保険者番号", insurer.number.clone()),
        ("保険者名称", insurer.name.clone()),
        ("契約とりまとめ機関名", org),
        ("支払代行機関番号", insurer.payment_agent_no.clone()),
        ("支払代行機関名称", insurer.payment_agent_name.clone()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn insurer_numbers_carry_their_check_digit() {
        // 国保 千代田区 131011 written in 8 digits, and 協会けんぽ 東京 01130012.
        for (given, want) in [
            ("00131011", Ok("00131011")),
            ("０１１３００１２", Ok("01130012")),
            (
                "00131012",
                Err(BadSetting::InsurerCheckDigit {
                    given: "00131012".into(),
                    expected: 1,
                }),
            ),
            (
                "131011",
                Err(BadSetting::InsurerNo {
                    given: "131011".into(),
                }),
            ),
            (
                "0013101a",
                Err(BadSetting::InsurerNo {
                    given: "0013101a".into(),
                }),
            ),
        ] {
            assert_eq!(insurer_no(given), want.map(str::to_string), "{given}");
        }
    }

    #[test]
    fn a_form_changes_only_what_it_names() {
        let form = InsurerForm {
            number: Some("００１３１０１１".into()),
            name: Some(" 千代田区 ".into()),
            phone: Some("03-3264-2111".into()),
            contract_org: Some("集合B：B01".into()),
            valid_until: Some("令和9年3月31日".into()),
            self_pay: vec!["extra=10%".into()],
            ..Default::default()
        };
        let set = form.apply(None).unwrap();
        assert_eq!(
            (
                set.number.as_str(),
                set.name.as_str(),
                set.contract_org.as_str()
            ),
            ("00131011", "千代田区", "集合B")
        );
        assert_eq!(set.contract_org_code, "B01");
        assert_eq!(set.valid_until, Some(d(2027, 3, 31)));
        let renamed = InsurerForm {
            name: Some("千代田区国民健康保険".into()),
            ..Default::default()
        }
        .apply(Some(set.clone()))
        .unwrap();
        assert_eq!(renamed.number, set.number, "kept");
        assert_eq!(renamed.self_pay.extra, SelfPay::Percent(10));
        for (form, want) in [
            (
                InsurerForm {
                    name: Some("x".into()),
                    ..Default::default()
                },
                BadSetting::InsurerNo {
                    given: String::new(),
                },
            ),
            (
                InsurerForm {
                    phone: Some("03-12".into()),
                    ..Default::default()
                },
                BadSetting::Phone {
                    given: "03-12".into(),
                },
            ),
            (
                InsurerForm {
                    valid_until: Some("来年".into()),
                    ..Default::default()
                },
                BadSetting::ValidUntil {
                    given: "来年".into(),
                },
            ),
            (
                InsurerForm {
                    payment_agent_no: Some("123".into()),
                    ..Default::default()
                },
                BadSetting::PaymentAgentNo {
                    given: "123".into(),
                },
            ),
        ] {
            let current = (form.name.is_none()).then(|| set.clone());
            assert_eq!(form.apply(current), Err(want));
        }
    }

    #[test]
    fn self_pay_reads_as_the_office_writes_it() {
        for (given, want) in [
            ("free", Some(SelfPay::Free)),
            ("無料", Some(SelfPay::Free)),
            ("10%", Some(SelfPay::Percent(10))),
            ("１０％", Some(SelfPay::Percent(10))),
            ("500円", Some(SelfPay::Fixed(500))),
            ("max:20,000円", Some(SelfPay::InsurerMax(20000))),
            ("0%", None),
            ("101%", None),
            ("five", None),
        ] {
            assert_eq!(SelfPay::parse(given).ok(), want, "{given}");
        }
        let mut t = SelfPayTable::default();
        t.apply("extra=10%").unwrap();
        t.apply("dock=max:20000円").unwrap();
        assert!(t.apply("eyes=free").is_err());
        assert_eq!(
            t.line(),
            "基本:無料 詳細:無料 追加:受診者負担 10% ドック:保険者負担上限 20,000円"
        );
    }

    fn facts() -> Facts {
        Facts {
            voucher_no: "20000001".into(),
            birth: d(1960, 7, 1),
            issued_on: Some(d(2026, 5, 20)),
            pulled_out: false,
            lost_on: None,
            sheets: Vec::new(),
            valid_until: d(2027, 3, 31),
        }
    }

    fn sheet(n: u32, batch: &str, issued: Option<NaiveDate>) -> Sheet {
        Sheet {
            n,
            sheet_no: crate::register::sheet_no("20000001", n as usize),
            batch_id: batch.into(),
            batch_label: format!("{batch} 再発行"),
            issued_on: issued,
        }
    }

    #[test]
    fn a_voucher_serves_from_issue_to_its_end_unless_voided() {
        let valid = Verdict::Valid {
            until: d(2027, 3, 31),
        };
        let void = |why, since| Verdict::Void { why, since };
        let born_1951 = Facts {
            birth: d(1951, 10, 10),
            valid_until: valid_until(None, 2026, d(1951, 10, 10)),
            ..facts()
        };
        let lost = Facts {
            lost_on: Some(d(2026, 9, 1)),
            ..facts()
        };
        let reissued = Facts {
            sheets: vec![
                sheet(1, "b3", Some(d(2026, 7, 1))),
                sheet(2, "b4", Some(d(2026, 8, 1))),
                sheet(3, "b5", None),
            ],
            ..facts()
        };
        let lost_reissued = Facts {
            lost_on: Some(d(2026, 9, 1)),
            ..reissued.clone()
        };
        let doubled = Facts {
            sheets: vec![
                sheet(1, "laptop-a", Some(d(2026, 7, 1))),
                sheet(1, "laptop-b", Some(d(2026, 7, 2))),
            ],
            ..facts()
        };
        let office_end = Facts {
            valid_until: valid_until(Some(d(2027, 2, 28)), 2026, d(1960, 7, 1)),
            ..facts()
        };
        let base = facts();
        let pulled = Facts {
            pulled_out: true,
            ..facts()
        };
        let table: Vec<(&str, &Facts, u32, NaiveDate, Verdict)> = vec![
            ("issue day", &base, 0, d(2026, 5, 20), valid.clone()),
            (
                "before issue",
                &base,
                0,
                d(2026, 5, 19),
                void(Void::NotIssued, None),
            ),
            ("year's last day", &base, 0, d(2027, 3, 31), valid.clone()),
            (
                "fiscal year over",
                &base,
                0,
                d(2027, 4, 1),
                void(Void::Expired, Some(d(2027, 4, 1))),
            ),
            (
                "office's own end",
                &office_end,
                0,
                d(2027, 3, 1),
                void(Void::Expired, Some(d(2027, 3, 1))),
            ),
            (
                "day before the 75th birthday",
                &born_1951,
                0,
                d(2026, 10, 9),
                Verdict::Valid {
                    until: d(2026, 10, 9),
                },
            ),
            (
                "the 75th birthday",
                &born_1951,
                0,
                d(2026, 10, 10),
                void(Void::Reached75, Some(d(2026, 10, 10))),
            ),
            ("day before loss", &lost, 0, d(2026, 8, 31), valid.clone()),
            (
                "checkup on the day of loss",
                &lost,
                0,
                d(2026, 9, 1),
                void(Void::CoverageLost, Some(d(2026, 9, 1))),
            ),
            (
                "first sheet before its reissue",
                &reissued,
                0,
                d(2026, 6, 30),
                valid.clone(),
            ),
            (
                "first sheet once reissued",
                &reissued,
                0,
                d(2026, 7, 1),
                void(
                    Void::Reissued {
                        by: "20000001-R1".into(),
                    },
                    Some(d(2026, 7, 1)),
                ),
            ),
            (
                "R1 once R2 is mailed",
                &reissued,
                1,
                d(2026, 8, 2),
                void(
                    Void::Reissued {
                        by: "20000001-R2".into(),
                    },
                    Some(d(2026, 8, 1)),
                ),
            ),
            (
                "R2, R3 not mailed",
                &reissued,
                2,
                d(2026, 8, 2),
                valid.clone(),
            ),
            (
                "a replaced sheet once coverage is lost: the loss ends every sheet",
                &lost_reissued,
                0,
                d(2026, 9, 2),
                void(Void::CoverageLost, Some(d(2026, 9, 1))),
            ),
            (
                "R3 not mailed",
                &reissued,
                3,
                d(2026, 8, 2),
                void(Void::NotIssued, None),
            ),
            ("no R4", &reissued, 4, d(2026, 8, 2), Verdict::NotTarget),
            (
                "reissued twice offline",
                &doubled,
                0,
                d(2026, 8, 1),
                Verdict::Unsettled {
                    sheets: vec![
                        "20000001-R1（laptop-a 再発行）".into(),
                        "20000001-R1（laptop-b 再発行）".into(),
                    ],
                },
            ),
            (
                "pulled out",
                &pulled,
                0,
                d(2026, 6, 1),
                void(Void::PulledOut, None),
            ),
        ];
        for (name, f, asked, on, want) in table {
            assert_eq!(judge(f, asked, on), want, "{name}");
        }
        assert_eq!(
            current_sheet(&reissued, d(2026, 9, 1)),
            ("20000001-R2".into(), Some(d(2026, 8, 1)))
        );
        assert_eq!(
            sheet_ref("２０００００01-r2").unwrap(),
            SheetRef {
                voucher_no: "20000001".into(),
                n: 2
            }
        );
        assert!(sheet_ref("20000001-R0").is_err());
        assert!(
            Verdict::Void {
                why: Void::CoverageLost,
                since: Some(d(2026, 9, 1))
            }
            .ja()
                == "無効（資格喪失 令和8年9月1日から）"
        );
    }

    #[test]
    fn encouragement_leaves_out_the_checked_and_the_uncovered() {
        use EventKind::*;
        let on = d(2026, 10, 1);
        type Events<'a> = &'a [(EventKind, Option<NaiveDate>)];
        let table: &[(Events, bool, Option<LeftOut>)] = &[
            (&[], true, None),
            (&[(Inquiry, Some(on))], true, None),
            (&[], false, Some(LeftOut::OutsideAge)),
            (
                &[(Returned, None), (CheckupTaken, Some(on))],
                true,
                Some(LeftOut::CheckupTaken),
            ),
            (
                &[(CoverageLost, Some(d(2026, 9, 1)))],
                true,
                Some(LeftOut::CoverageLost),
            ),
            // Loses coverage only after the day the postcards are made: still written to.
            (&[(CoverageLost, Some(d(2026, 11, 1)))], true, None),
            (&[(PulledOut, None)], false, Some(LeftOut::PulledOut)),
        ];
        for (events, target, want) in table {
            assert_eq!(
                left_out(events.iter().copied(), on, *target),
                *want,
                "{events:?}"
            );
        }
    }

    #[test]
    fn both_layouts_print_every_standard_field() {
        let face = Face {
            sheet_no: "20000001".into(),
            voucher_no: "20000001".into(),
            issued_on: d(2026, 5, 20),
            valid_until: d(2027, 3, 31),
            name: "山田 太郎".into(),
            kana: "ヤマダ タロウ".into(),
            sex: "1".into(),
            birth: d(1960, 7, 1),
            postal: "9990001".into(),
            address: "城南市本町1丁目".into(),
            application_no: None,
        };
        let labels: Vec<&str> = face_fields(&face, &Insurer::default())
            .into_iter()
            .map(|(l, _)| l)
            .collect();
        assert_eq!(labels, STANDARD_FIELDS);
    }
}
