//! The process catalogue (業務フロー) as data: every process of the voucher business and its steps,
//! translated from the office's workflow sheet (see DOMAIN.md).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One of the six processes on the workflow sheet.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
pub enum ProcessId {
    /// 1-1 特定健診受診券新規発行（年次）
    #[serde(rename = "1-1")]
    AnnualIssuance,
    /// 1-2 特定健診受診券新規発行（月次）
    #[serde(rename = "1-2")]
    MonthlyIssuance,
    /// 2 翌年度4~5月75歳到達者向け特定健診受診券発行
    #[serde(rename = "2")]
    Reaching75,
    /// 3 特定健診受診券再発行
    #[serde(rename = "3")]
    Reissue,
    /// 4 受診券番号、国保資格の確認
    #[serde(rename = "4")]
    EligibilityInquiry,
    /// 5 特定健診受診勧奨
    #[serde(rename = "5")]
    Encouragement,
}

impl ProcessId {
    pub const ALL: [ProcessId; 6] = [
        ProcessId::AnnualIssuance,
        ProcessId::MonthlyIssuance,
        ProcessId::Reaching75,
        ProcessId::Reissue,
        ProcessId::EligibilityInquiry,
        ProcessId::Encouragement,
    ];

    /// The number the sheet gives the process ("1-2", "3", ...).
    pub fn code(self) -> &'static str {
        match self {
            ProcessId::AnnualIssuance => "1-1",
            ProcessId::MonthlyIssuance => "1-2",
            ProcessId::Reaching75 => "2",
            ProcessId::Reissue => "3",
            ProcessId::EligibilityInquiry => "4",
            ProcessId::Encouragement => "5",
        }
    }

    pub fn process(self) -> &'static Process {
        process(self)
    }
}

impl fmt::Display for ProcessId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A process code that is not on the sheet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown process {0:?}: the processes are 1-1, 1-2, 2, 3, 4, 5")]
pub struct UnknownProcess(pub String);

impl FromStr for ProcessId {
    type Err = UnknownProcess;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProcessId::ALL
            .into_iter()
            .find(|p| p.code() == s.trim())
            .ok_or_else(|| UnknownProcess(s.to_string()))
    }
}

/// What kind of work a step is (the sheet's 工程 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// 確認: look at data or paper and record what was found.
    Check,
    /// リスト作成: produce lists and add rows to the voucher list.
    MakeLists,
    /// 検認: a second person checks the previous step's result.
    Verify,
    /// 決裁: formal approval; nothing after it may start before it.
    Approve,
    /// 受領・引抜・封入・封緘・発送・保管・作成・受付・申請入力: physical or clerical work.
    Do,
    /// データ更新: record returned mail in the voucher list.
    DataUpdate,
    /// データ管理: the section confirms the voucher list reflects the returns.
    DataControl,
    /// 問合せ対応: answer phone inquiries and log them.
    Inquiries,
}

impl StepKind {
    /// How a step of this kind is recorded.
    pub fn action(self) -> Action {
        match self {
            StepKind::Verify | StepKind::DataControl => Action::Verify,
            StepKind::Approve => Action::Approve,
            _ => Action::Do,
        }
    }

    pub fn ja(self) -> &'static str {
        match self {
            StepKind::Check => "確認",
            StepKind::MakeLists => "リスト作成",
            StepKind::Verify => "検認",
            StepKind::Approve => "決裁",
            StepKind::Do => "作業",
            StepKind::DataUpdate => "データ更新",
            StepKind::DataControl => "データ管理",
            StepKind::Inquiries => "問合せ対応",
        }
    }
}

/// The three ways a step is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Do,
    Verify,
    Approve,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Do => "do",
            Action::Verify => "verify",
            Action::Approve => "approve",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "do" => Ok(Action::Do),
            "verify" => Ok(Action::Verify),
            "approve" => Ok(Action::Approve),
            other => Err(format!("unknown action {other:?}")),
        }
    }
}

/// Who does a step according to the sheet (its ● column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 委託事業者
    Contractor,
    /// 健康推進課
    Section,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Contractor => "contractor",
            Role::Section => "section",
        }
    }
    pub fn ja(self) -> &'static str {
        match self {
            Role::Contractor => "委託事業者",
            Role::Section => "健康推進課",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "contractor" => Ok(Role::Contractor),
            "section" => Ok(Role::Section),
            other => Err(format!(
                "unknown role {other:?}: the roles are contractor and section"
            )),
        }
    }
}

/// The counts a step records, by the names the core and the office type them with, and what the office
/// calls them (対象者数, 封入数). A count by another name is shown as typed.
pub const COUNTS: [(&str, &str); 11] = [
    ("targets", "対象者数"),
    ("production", "本番件数"),
    ("pulled_out", "引抜き数"),
    ("to_send", "発送予定数"),
    ("envelopes", "封入数"),
    ("sent", "発送数"),
    ("blank", "白紙数"),
    ("requested", "申請数"),
    ("issued", "発行数"),
    ("inquiries", "問合せ件数"),
    ("returned", "返戻数"),
];

/// One step of a process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub no: u8,
    pub kind: StepKind,
    pub by: Role,
    pub ja: &'static str,
    pub en: &'static str,
    /// Steps that must be complete (done, verified or approved) before this one may be recorded.
    pub requires: &'static [u8],
    /// For a verify step: the work step it checks. For an approve step: the verify step it approves.
    pub subject: Option<u8>,
    /// Whether the step is recorded again and again (inquiries, returns) rather than once.
    pub repeatable: bool,
}

/// A process and its steps, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Process {
    pub id: ProcessId,
    pub ja: &'static str,
    pub en: &'static str,
    pub steps: &'static [Step],
}

impl Process {
    pub fn step(&self, no: u8) -> Option<&'static Step> {
        self.steps.iter().find(|s| s.no == no)
    }
}

use Role::{Contractor as C, Section as S};
use StepKind as K;

const fn step(
    no: u8,
    kind: StepKind,
    by: Role,
    ja: &'static str,
    en: &'static str,
    requires: &'static [u8],
) -> Step {
    let subject = match kind {
        // A verify step checks the work just before it; an approval approves the verify just before it.
        K::Verify | K::DataControl | K::Approve => Some(no - 1),
        _ => None,
    };
    let repeatable = matches!(kind, K::Inquiries | K::DataUpdate);
    Step {
        no,
        kind,
        by,
        ja,
        en,
        requires,
        subject,
        repeatable,
    }
}

static P1_1: [Step; 2] = [
    step(1, K::Do, S, "作成・発送", "Create & send", &[]),
    step(2, K::Inquiries, C, "問合せ対応", "Inquiries", &[1]),
];

static P1_2: [Step; 15] = [
    step(
        1,
        K::Check,
        C,
        "確認",
        "Check target list and rehearsal data",
        &[],
    ),
    step(2, K::Verify, S, "検認", "Verify rehearsal data", &[1]),
    step(3, K::Approve, S, "決裁", "Approve", &[2]),
    step(
        4,
        K::MakeLists,
        C,
        "確認・リスト作成",
        "Check ages, make pull-out and postal-code count lists",
        &[3],
    ),
    step(
        5,
        K::Verify,
        S,
        "検認",
        "Verify the lists and the voucher list",
        &[4],
    ),
    step(6, K::Approve, S, "決裁", "Approve", &[5]),
    step(
        7,
        K::Do,
        C,
        "受領・引抜・確認",
        "Receive, pull out, check",
        &[6],
    ),
    step(
        8,
        K::Verify,
        S,
        "検認",
        "Verify pulled vouchers against the pull-out list",
        &[7],
    ),
    step(9, K::Do, C, "封入・封緘", "Enclose & seal", &[8]),
    step(
        10,
        K::Verify,
        S,
        "検認",
        "Verify the number to be sent",
        &[9],
    ),
    step(11, K::Do, C, "発送", "Send", &[10]),
    step(12, K::Do, C, "保管", "Keep records", &[11]),
    step(
        13,
        K::DataUpdate,
        C,
        "データ更新",
        "Record returned mail",
        &[11],
    ),
    step(
        14,
        K::DataControl,
        S,
        "データ管理",
        "Confirm the voucher list reflects the returns",
        &[13],
    ),
    step(15, K::Inquiries, C, "問合せ対応", "Inquiries", &[11]),
];

static P2: [Step; 16] = [
    step(
        1,
        K::Check,
        C,
        "確認",
        "Check target list and rehearsal data",
        &[],
    ),
    step(2, K::Verify, S, "検認", "Verify rehearsal data", &[1]),
    step(3, K::Approve, S, "決裁", "Approve", &[2]),
    step(
        4,
        K::MakeLists,
        C,
        "確認・リスト作成",
        "Check ages, make pull-out and count lists",
        &[3],
    ),
    step(5, K::Verify, S, "検認", "Verify the lists", &[4]),
    step(6, K::Approve, S, "決裁", "Approve", &[5]),
    step(
        7,
        K::Do,
        C,
        "受領・引抜・確認",
        "Receive, pull out, check",
        &[6],
    ),
    step(
        8,
        K::Verify,
        S,
        "検認",
        "Verify pulled vouchers against the pull-out list",
        &[7],
    ),
    step(9, K::Do, C, "封入・封緘", "Enclose & seal", &[8]),
    step(
        10,
        K::Do,
        C,
        "受診券等封入",
        "Enclose in window envelopes",
        &[9],
    ),
    step(
        11,
        K::Verify,
        S,
        "検認",
        "Verify the number to be sent",
        &[10],
    ),
    step(12, K::Do, C, "発送", "Send", &[11]),
    step(13, K::Do, C, "保管", "Keep records", &[12]),
    step(
        14,
        K::DataUpdate,
        C,
        "データ更新",
        "Record returned mail",
        &[12],
    ),
    step(
        15,
        K::DataControl,
        S,
        "データ管理",
        "Confirm the voucher list reflects the returns",
        &[14],
    ),
    step(16, K::Inquiries, C, "問合せ対応", "Inquiries", &[12]),
];

static P3: [Step; 11] = [
    step(1, K::Do, C, "受付", "Reception of the request", &[]),
    step(
        2,
        K::Check,
        C,
        "確認",
        "Check eligibility and the voucher list",
        &[1],
    ),
    step(3, K::Do, C, "申請入力", "Enter the application", &[2]),
    step(4, K::Check, C, "確認", "Check the form's CSV", &[3]),
    step(5, K::Do, C, "作成", "Create the vouchers", &[4]),
    step(6, K::Verify, S, "検認", "Verify recipients and count", &[5]),
    step(7, K::Check, C, "確認", "Check what the vouchers say", &[6]),
    step(
        8,
        K::Do,
        C,
        "封入・封緘",
        "Enclose in window envelopes",
        &[7],
    ),
    step(9, K::Check, C, "確認", "Check envelope count, seal", &[8]),
    step(
        10,
        K::Verify,
        S,
        "検認",
        "Verify the number to be sent",
        &[9],
    ),
    step(11, K::Do, C, "発送", "Send", &[10]),
];

static P4: [Step; 2] = [
    step(
        1,
        K::Inquiries,
        C,
        "受付",
        "Answer an institution's call",
        &[],
    ),
    step(
        2,
        K::Verify,
        S,
        "発送の確認（突き合わせ）",
        "Cross-check the voucher list against the forms",
        &[1],
    ),
];

static P5: [Step; 2] = [
    step(
        1,
        K::Do,
        S,
        "作成・発送",
        "Create & send encouragement postcards",
        &[],
    ),
    step(2, K::Inquiries, C, "問合せ対応", "Inquiries", &[1]),
];

static PROCESSES: [Process; 6] = [
    Process {
        id: ProcessId::AnnualIssuance,
        ja: "特定健診受診券新規発行（年次）",
        en: "Annual new issuance",
        steps: &P1_1,
    },
    Process {
        id: ProcessId::MonthlyIssuance,
        ja: "特定健診受診券新規発行（月次）",
        en: "Monthly new issuance",
        steps: &P1_2,
    },
    Process {
        id: ProcessId::Reaching75,
        ja: "翌年度4~5月75歳到達者向け特定健診受診券発行",
        en: "Vouchers for people reaching 75 in April-May of the next fiscal year",
        steps: &P2,
    },
    Process {
        id: ProcessId::Reissue,
        ja: "特定健診受診券再発行",
        en: "Reissue",
        steps: &P3,
    },
    Process {
        id: ProcessId::EligibilityInquiry,
        ja: "受診券番号、国保資格の確認",
        en: "Voucher number and NHI eligibility confirmation",
        steps: &P4,
    },
    Process {
        id: ProcessId::Encouragement,
        ja: "特定健診受診勧奨",
        en: "Checkup encouragement",
        steps: &P5,
    },
];

/// The catalogue: all six processes, in the sheet's order.
pub fn processes() -> &'static [Process] {
    &PROCESSES
}

pub fn process(id: ProcessId) -> &'static Process {
    // PROCESSES is in declaration order of ProcessId, which the catalogue test checks.
    &PROCESSES[id as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_counts_match_the_sheet() {
        let counts: Vec<(&str, usize)> = processes()
            .iter()
            .map(|p| (p.id.code(), p.steps.len()))
            .collect();
        assert_eq!(
            counts,
            [
                ("1-1", 2),
                ("1-2", 15),
                ("2", 16),
                ("3", 11),
                ("4", 2),
                ("5", 2)
            ]
        );
    }

    #[test]
    fn steps_are_numbered_in_order_and_reference_earlier_steps() {
        for p in processes() {
            assert_eq!(process(p.id).id, p.id);
            for (i, s) in p.steps.iter().enumerate() {
                assert_eq!(usize::from(s.no), i + 1, "{} step numbering", p.id);
                for r in s.requires {
                    assert!(*r < s.no, "{} step {} requires a later step", p.id, s.no);
                }
                if let Some(subject) = s.subject {
                    let subj = p.step(subject).expect("subject exists");
                    match s.kind.action() {
                        Action::Verify => assert_eq!(subj.kind.action(), Action::Do),
                        Action::Approve => assert_eq!(subj.kind.action(), Action::Verify),
                        Action::Do => panic!("work steps have no subject"),
                    }
                    assert!(s.requires.contains(&subject));
                }
                // The sheet has the section do verify and approve steps, always.
                if s.kind.action() != Action::Do {
                    assert_eq!(s.by, Role::Section, "{} step {}", p.id, s.no);
                }
            }
        }
    }

    #[test]
    fn only_1_1_and_5_have_the_section_do_work() {
        let section_work: Vec<(ProcessId, u8)> = processes()
            .iter()
            .flat_map(|p| p.steps.iter().map(move |s| (p.id, s)))
            .filter(|(_, s)| s.kind.action() == Action::Do && s.by == Role::Section)
            .map(|(p, s)| (p, s.no))
            .collect();
        assert_eq!(
            section_work,
            [
                (ProcessId::AnnualIssuance, 1),
                (ProcessId::Encouragement, 1)
            ]
        );
    }

    #[test]
    fn process_codes_parse() {
        for (code, id) in [
            ("1-1", ProcessId::AnnualIssuance),
            ("1-2", ProcessId::MonthlyIssuance),
            ("2", ProcessId::Reaching75),
            ("3", ProcessId::Reissue),
            ("4", ProcessId::EligibilityInquiry),
            ("5", ProcessId::Encouragement),
        ] {
            assert_eq!(code.parse::<ProcessId>(), Ok(id));
            assert_eq!(id.to_string(), code);
        }
        assert!("1-3".parse::<ProcessId>().is_err());
    }
}
