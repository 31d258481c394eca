//! Why a command was refused, as the window says it: a stable code, one sentence in Japanese (and the
//! core's English, for the second language), the form fields it is about, and a detail for the
//! curious when the cause is a program's or the disk's own words. Every refusal of the core has its
//! Japanese here: the match is exhaustive, so a new one does not build until it is said.

use kenshin_core::domain::register::{FieldProblem, NoteField};
use kenshin_core::domain::said::Said;
use kenshin_core::exchange::archive::ArchiveError;
use kenshin_core::exchange::pdf::PdfError;
use kenshin_core::exchange::{ReportError, SealError};
use kenshin_core::StoreError;
use kenshin_core::{Blank, CoreError};
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
pub struct Refusal {
    /// Stable across versions and languages (`workflow.verify_own_work`, `store.disk_full`).
    pub code: String,
    pub ja: String,
    pub en: String,
    /// Each said at its field.
    pub fields: Vec<FieldSaid>,
    /// The underlying message (a file system's, SQLite's), shown on hover only.
    pub detail: Option<String>,
}

/// A form field's problem, in both languages.
#[derive(Debug, Clone, Serialize, TS)]
pub struct FieldSaid {
    pub field: NoteField,
    pub ja: String,
    pub en: String,
}

impl Refusal {
    pub fn new(code: &str, ja: impl Into<String>, en: impl Into<String>) -> Refusal {
        Refusal {
            code: code.to_string(),
            ja: ja.into(),
            en: en.into(),
            fields: Vec::new(),
            detail: None,
        }
    }

    fn with_detail(mut self, detail: impl ToString) -> Refusal {
        self.detail = Some(detail.to_string());
        self
    }

    /// A fault of this program (a lock poisoned, a value it made and cannot read back).
    pub fn internal(detail: impl ToString) -> Refusal {
        Refusal::new(
            "internal",
            "Kenshin の内部で問題が起きました。記録済みのデータは失われていません。もう一度試し、続くときは管理者に連絡してください",
            "Kenshin had an internal fault; nothing recorded is lost",
        )
        .with_detail(detail)
    }

    pub fn cannot_read(file: &str, e: std::io::Error) -> Refusal {
        Refusal::new(
            "file.unreadable",
            format!("ファイル「{file}」を読めません"),
            format!("cannot read {file}: {e}"),
        )
        .with_detail(e)
    }

    pub fn cannot_write(file: &str, e: std::io::Error) -> Refusal {
        Refusal::new(
            "file.unwritable",
            format!("ファイル「{file}」を保存できません（保存先と空き容量を確かめてください）"),
            format!("cannot write {file}: {e}"),
        )
        .with_detail(e)
    }

    pub fn needs_passphrase(file: &str) -> Refusal {
        Refusal::new(
            "seal.needs_passphrase",
            format!("「{file}」は暗号化されています。パスフレーズを入力してください"),
            format!("{file} is sealed: type its passphrase"),
        )
    }
}

impl From<FieldProblem> for FieldSaid {
    fn from(p: FieldProblem) -> FieldSaid {
        FieldSaid {
            field: p.field(),
            ja: p.ja(),
            en: p.to_string(),
        }
    }
}

impl From<CoreError> for Refusal {
    fn from(e: CoreError) -> Refusal {
        let en = e.to_string();
        let (code, ja, detail): (&str, String, Option<String>) = match e {
            CoreError::Store(s) => return store(s),
            CoreError::Refused(r) => return Refusal::new(&code_of("workflow", &r), r.ja(), en),
            CoreError::BadCount(c) => ("count.unreadable", c.ja(), None),
            CoreError::NoOffice { .. } => (
                "office.none",
                "この端末にはまだ事務所がありません。最初の画面で事務所を作るか、招待ファイルで参加してください".into(),
                None,
            ),
            CoreError::NotSynced { .. } => (
                "office.not_synced",
                "事務所に参加しましたが、まだ同期していません。管理者の端末と同期してください".into(),
                None,
            ),
            CoreError::NoDataKey => (
                "relay.no_data_key",
                "この端末には中継用の暗号鍵がありません。管理者が鍵を作り、鍵を持つ職員の端末と事務所のネットワークで一度同期すると届きます".into(),
                None,
            ),
            CoreError::KeysElsewhere { member } => (
                "member.keys_elsewhere",
                format!("{member}さんの鍵はこの端末にありません。この端末を使う担当者だけが記録できます"),
                None,
            ),
            CoreError::SecretNeeded { member } => (
                "secret.needed",
                format!("{member}さんの暗証番号を入力してください"),
                None,
            ),
            CoreError::WrongSecret { member, left } => (
                "secret.wrong",
                if left > 0 {
                    format!("{member}さんの暗証番号が違います（あと{left}回まちがえると、次に入力できるまで待つことになります）")
                } else {
                    format!("{member}さんの暗証番号が違います。次に入力できるまで少し待ってください")
                },
                None,
            ),
            CoreError::SecretWait { member, seconds } => (
                "secret.wait",
                format!("{member}さんの暗証番号を続けてまちがえました。{seconds}秒後にもう一度入力してください"),
                None,
            ),
            CoreError::WeakSecret(w) => ("secret.weak", w.ja(), None),
            CoreError::BadSetting(b) => ("settings.bad", b.ja(), None),
            CoreError::Year(y) => ("year.refused", y.ja(), None),
            CoreError::Retention(r) => ("retention.refused", r.ja(), None),
            CoreError::Erasure(e) => ("erasure.refused", e.ja(), None),
            CoreError::ArchiveNotFiled { month, .. } => (
                "archive.not_filed",
                format!("{}の事跡は書き出しましたが、確かめると問題がありました。保存済みにはしていません。もう一度出力してください", month.ja()),
                None,
            ),
            CoreError::ImportUnconfirmed { .. } => (
                "import.unconfirmed",
                "このリストには確認が必要です。「確認」で内容を見て、確認の欄にチェックを入れてから取り込んでください".into(),
                None,
            ),
            CoreError::ResetHomeMember { member } => (
                "member.reset_home_member",
                format!("{member}さんはこの端末の持ち主です。暗証番号を忘れたときは、新しい招待ファイルでこの端末を参加し直してください"),
                None,
            ),
            CoreError::AlreadyInitialised { office, .. } => (
                "office.exists",
                format!("この端末はすでに事務所「{office}」に属しています"),
                None,
            ),
            CoreError::UnknownMember(m) => (
                "member.unknown",
                format!("「{m}」という担当者はこの事務所にいません"),
                None,
            ),
            CoreError::DuplicateMember(m) => (
                "member.duplicate",
                format!("「{m}」という担当者はすでに名簿にいます"),
                None,
            ),
            CoreError::ContractorApprover => (
                "member.contractor_approver",
                "決裁権限は健康推進課の担当者にだけ与えられます".into(),
                None,
            ),
            CoreError::NotAdmin { member, .. } => (
                "member.not_admin",
                format!("{member}さんは事務所の管理者ではないため、この操作はできません"),
                None,
            ),
            CoreError::UnknownBatch(b) => (
                "batch.unknown",
                format!("バッチ「{b}」が見つかりません"),
                None,
            ),
            CoreError::AmbiguousBatch { given, .. } => (
                "batch.ambiguous",
                format!("「{given}」に当てはまるバッチが複数あります"),
                None,
            ),
            CoreError::DuplicateBatch { process, label, .. } => (
                "batch.duplicate",
                format!("業務{process}には「{label}」という名称のバッチがすでにあります"),
                None,
            ),
            CoreError::BadLabel(b) => ("batch.bad_label", b.ja(), None),
            CoreError::Fields(fields) => {
                return Refusal {
                    fields: fields.into_iter().map(FieldSaid::from).collect(),
                    ..Refusal::new("form.fields", "入力内容を確かめてください", en)
                }
            }
            CoreError::Empty { what } => (
                "form.empty",
                format!(
                    "{}を入力してください",
                    match what {
                        Blank::OfficeName => "事務所名",
                        Blank::YourName => "あなたの氏名",
                        Blank::MemberName => "担当者の氏名",
                        Blank::Search => "検索する言葉",
                    }
                ),
                None,
            ),
            CoreError::Import(r) => (
                "import.refused",
                format!(
                    "「{}」は取り込めません（問題 {} 件）。何も取り込んでいません",
                    r.file,
                    r.problems.len()
                ),
                None,
            ),
            CoreError::Report(r) => report(r),
            CoreError::Print(p) => pdf(p),
            CoreError::Archive(a) => match a {
                ArchiveError::Pdf(p) => pdf(p),
                ArchiveError::Write(w) => (
                    "archive.write",
                    "事跡を作れませんでした".into(),
                    Some(w),
                ),
                ArchiveError::NotAnArchive(file, why) => (
                    "archive.not_an_archive",
                    format!("「{file}」は Kenshin の事跡ではありません"),
                    Some(why),
                ),
            },
            CoreError::ListNotForProcess { process, kind, .. } => (
                "list.not_for_process",
                format!("業務{process}のバッチには{}を取り込めません", list_ja(&kind)),
                None,
            ),
            CoreError::ListInUse { kind, step, .. } => (
                "list.in_use",
                format!(
                    "{}は工程{step}で使われているため変更できません。先に工程{step}を差し戻してください",
                    list_ja(&kind)
                ),
                None,
            ),
            CoreError::ListTooEarly {
                kind,
                step,
                step_name,
                status,
            } => (
                "list.too_early",
                format!(
                    "{}は工程{step}（{step_name}）の後に取り込みます（工程{step}は{}）",
                    list_ja(&kind),
                    status_ja(&status)
                ),
                None,
            ),
            CoreError::MissingList { step, kind, .. } => (
                "list.missing",
                format!("工程{step}には先に{}が必要です", list_ja(&kind)),
                None,
            ),
            CoreError::Evidence { step, why } => {
                let ja = format!("工程{step}を記録できません: {}", why.ja());
                return Refusal::new(&code_of("evidence", &why), ja, en);
            }
            CoreError::NotImportable { kind } => (
                "list.not_importable",
                format!("{}は工程で作られるリストで、取り込みはできません", kind.ja()),
                None,
            ),
            CoreError::RemoveSelf => (
                "member.remove_self",
                "管理者は自分自身を名簿から削除できません".into(),
                None,
            ),
            CoreError::BadInvite { file, why } => (
                "invite.bad_file",
                format!("「{file}」は Kenshin の招待ファイルではないか、壊れています"),
                Some(why),
            ),
            CoreError::NotInquiryBatch { label, .. } => (
                "inquiry.not_inquiry_batch",
                format!("バッチ「{label}」は業務4（問合せ）のバッチではありません"),
                None,
            ),
            CoreError::NoInquiryBatch => (
                "inquiry.no_batch",
                "問合せを受け付けるバッチがありません。業務ボードで業務4のバッチを作成してください".into(),
                None,
            ),
            CoreError::InquiriesClosed { label, status } => (
                "inquiry.closed",
                format!(
                    "バッチ「{label}」の突合（工程2）は{}です。新しい問合せは新しい業務4のバッチに記録してください",
                    status.ja()
                ),
                None,
            ),
            CoreError::MailsNothing { process } => (
                "return.mails_nothing",
                format!("業務{process}のバッチは郵送しないため、返戻はありません"),
                None,
            ),
            CoreError::ReturnsBeforeSend { label, step } => (
                "return.before_send",
                format!("バッチ「{label}」の返戻は、工程{step}（発送）の後に記録します"),
                None,
            ),
            CoreError::ReportNotForProcess {
                report, label, process, ..
            } => (
                "report.not_for_process",
                format!(
                    "この帳票（{}）はバッチ「{label}」（業務{process}）では作れません",
                    report.ja()
                ),
                None,
            ),
            CoreError::NoVouchersToPrint { label, process } => (
                "print.no_vouchers",
                format!(
                    "バッチ「{label}」（業務{process}）には印刷する受診券がありません。発行か再発行のバッチを選んでください"
                ),
                None,
            ),
            CoreError::PrintBeforeVerify {
                label,
                step,
                status,
            } => (
                "print.before_verify",
                format!(
                    "バッチ「{label}」の再発行分は、工程{step}（検認）の後に印刷します（工程{step}は{}です）",
                    status.ja()
                ),
                None,
            ),
            CoreError::UnknownList { label } => (
                "list.unknown",
                format!("バッチ「{label}」にそのリストはありません（差し替えられた可能性があります）"),
                None,
            ),
            CoreError::ReportNeedsList { label, kind } => (
                "report.needs_list",
                format!("バッチ「{label}」にはまだ{}がありません", kind.ja()),
                None,
            ),
            CoreError::OtherOfficeArchive { .. } => (
                "archive.other_office",
                "この事跡は別の事務所のものです。この端末では検査できません".into(),
                None,
            ),
            CoreError::NotAnAddress { address, .. } => (
                "sync.not_an_address",
                format!("「{address}」はアドレス（ホスト:ポート、例 192.168.1.20:7787）ではありません"),
                None,
            ),
            CoreError::Closed { batch, why } => {
                let what = batch.map_or("事務所の文書".to_string(), |b| format!("バッチ「{b}」"));
                (
                    "document.closed",
                    format!("{what}には記録できません。この端末で確認できない内容があります（Kenshin を更新すると解決することがあります）"),
                    Some(why),
                )
            }
            CoreError::Internal(why) => return Refusal::internal(why),
            CoreError::Automerge(e) => return Refusal::internal(e),
            CoreError::Sync(why) => (
                "sync.failed",
                "同期できませんでした。記録済みのデータはこの端末に残っています".into(),
                Some(why),
            ),
            CoreError::EngineRunning { .. } => (
                "sync.engine_running",
                "別の Kenshin がこの端末のデータを同期しています。そちらを終了してから操作してください".into(),
                None,
            ),
        };
        Refusal {
            detail,
            ..Refusal::new(code, ja, en)
        }
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Refusal {
        store(e)
    }
}

fn store(e: StoreError) -> Refusal {
    let en = e.to_string();
    let (code, ja, detail): (&str, &str, Option<String>) = match e {
        StoreError::WrongPassphrase { .. } => ("store.wrong_passphrase", "パスフレーズが違います", None),
        StoreError::BadSealedKey(_) => (
            "store.bad_sealed_key",
            "この担当者の鍵が読めません。管理者に招待し直してもらってください",
            Some(en.clone()),
        ),
        StoreError::ShortPassphrase => (
            "store.short_passphrase",
            "パスフレーズは8文字以上にしてください",
            None,
        ),
        StoreError::DiskFull => (
            "store.disk_full",
            "ディスクがいっぱいです。何も書き込んでいません。空きを作ってからもう一度試してください",
            None,
        ),
        StoreError::NewerSchema { .. } => (
            "store.newer",
            "この端末のデータは新しい版の Kenshin で書かれています。Kenshin を更新してください（何も変更していません）",
            None,
        ),
        StoreError::OlderSchema { .. } => (
            "store.older",
            "このデータは開発中の古い版で作られたため開けません。新しいデータの保存先で始めてください",
            None,
        ),
        StoreError::Open { source, .. } => (
            "store.open",
            "この端末のデータを開けません",
            Some(source.to_string()),
        ),
        StoreError::CreateHome { source, .. } => (
            "store.create_home",
            "データの保存先フォルダを作れません",
            Some(source.to_string()),
        ),
        StoreError::Key { why, .. } => (
            "store.key",
            "この端末のデータの鍵を扱えません",
            Some(why),
        ),
        StoreError::Sqlite(e) => (
            "store.database",
            "この端末のデータを読み書きできません",
            Some(e.to_string()),
        ),
        StoreError::Automerge { source, .. } => (
            "store.document",
            "文書を読み書きできません",
            Some(source.to_string()),
        ),
        StoreError::Shape { why, .. } => (
            "store.shape",
            "文書の形が正しくないため読めません",
            Some(why),
        ),
        StoreError::MissingDocument(_) => (
            "store.missing_document",
            "必要な文書がまだこの端末にありません。同期が終わるのを待ってください",
            None,
        ),
    };
    Refusal {
        detail,
        ..Refusal::new(code, ja, en)
    }
}

fn report(e: ReportError) -> (&'static str, String, Option<String>) {
    match e {
        ReportError::NotCp932 { row, column, ch } => (
            "report.not_cp932",
            format!("{row}行目{column}列の「{ch}」は Shift_JIS（CP932）で書けません。文字コードを UTF-8 にしてください"),
            None,
        ),
        ReportError::Xlsx(x) => ("report.xlsx", "Excel ファイルを作れませんでした".into(), Some(x.to_string())),
        ReportError::Csv(c) => ("report.csv", "CSV ファイルを作れませんでした".into(), Some(c)),
    }
}

fn pdf(e: PdfError) -> (&'static str, String, Option<String>) {
    match e {
        PdfError::NoFont { looked } => (
            "print.no_font",
            "日本語のフォントが見つかりません。管理者に fonts-noto-cjk のインストールを依頼してください".into(),
            Some(looked),
        ),
        PdfError::BadFont { why, .. } => ("print.bad_font", "日本語のフォントを読めません".into(), Some(why)),
        PdfError::Write(w) => ("print.write", "PDF を作れませんでした".into(), Some(w)),
    }
}

impl From<SealError> for Refusal {
    fn from(e: SealError) -> Refusal {
        let en = e.to_string();
        let (code, ja, detail) = match e {
            SealError::ShortPassphrase => (
                "seal.short_passphrase",
                "暗号化のパスフレーズは8文字以上にしてください".to_string(),
                None,
            ),
            SealError::NotSealed(file) => (
                "seal.not_sealed",
                format!("「{file}」は暗号化された出力ファイルではありません"),
                None,
            ),
            SealError::WrongPassphrase(file) => (
                "seal.wrong_passphrase",
                format!("「{file}」のパスフレーズが違います"),
                None,
            ),
            SealError::Zip(file, why) => (
                "seal.zip",
                format!("「{file}」を暗号化・復号できません"),
                Some(why),
            ),
        };
        Refusal {
            detail,
            ..Refusal::new(code, ja, en)
        }
    }
}

/// `area.variant_name` from a value's Debug form: stable while the variant keeps its name.
fn code_of<T: std::fmt::Debug>(area: &str, value: &T) -> String {
    let name = format!("{value:?}");
    let variant: String = name
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
        .chars()
        .flat_map(|c| {
            let lower = c.to_ascii_lowercase();
            if c.is_ascii_uppercase() {
                vec!['_', lower]
            } else {
                vec![c]
            }
        })
        .collect();
    format!("{area}.{}", variant.trim_start_matches('_'))
}

/// A list kind given by its code (`production`) in the office's words.
fn list_ja(code: &str) -> &str {
    code.parse::<kenshin_core::domain::ListKind>()
        .map_or(code, |k| k.ja())
}

fn status_ja(code: &str) -> &str {
    kenshin_core::domain::Status::parse(code).map_or(code, |s| s.ja())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kenshin_core::domain::batch::BadLabel;
    use kenshin_core::domain::dates::Month;
    use kenshin_core::domain::decide::{CountSource, EvidenceRefusal, Recount, RefusedRequest};
    use kenshin_core::domain::register::Ineligible;
    use kenshin_core::domain::said::english_in;
    use kenshin_core::domain::workflow::{BadCount, Refusal as Rule, Waiting};
    use kenshin_core::domain::{Action, ListKind, ProcessId, Role, Status};
    use kenshin_core::exchange::{Problem, Refused as ImportRefused};
    use std::collections::BTreeSet;

    /// Words the window may show in Latin letters inside a Japanese sentence.
    const LATIN_ALLOWED: [&str; 9] = [
        "Kenshin",
        "Shift_JIS",
        "fonts-noto-cjk",
        "Excel",
        "PDF",
        "CSV",
        "UTF-8",
        "CP932",
        "ZIP",
    ];

    /// The Japanese sentence has no English in it (see `english_in`).
    fn japanese_only(ja: &str) -> bool {
        english_in(ja, &LATIN_ALLOWED).is_empty() && !ja.is_ascii()
    }

    /// The top-level variant's name; exhaustive, so a new refusal of the core must be added here
    /// and given a sample below before this builds.
    fn variant(e: &CoreError) -> &'static str {
        match e {
            CoreError::Store(_) => "Store",
            CoreError::Refused(_) => "Refused",
            CoreError::BadCount(_) => "BadCount",
            CoreError::NoOffice { .. } => "NoOffice",
            CoreError::NotSynced { .. } => "NotSynced",
            CoreError::KeysElsewhere { .. } => "KeysElsewhere",
            CoreError::NoDataKey => "NoDataKey",
            CoreError::ResetHomeMember { .. } => "ResetHomeMember",
            CoreError::SecretNeeded { .. } => "SecretNeeded",
            CoreError::WrongSecret { .. } => "WrongSecret",
            CoreError::SecretWait { .. } => "SecretWait",
            CoreError::WeakSecret(_) => "WeakSecret",
            CoreError::BadSetting(_) => "BadSetting",
            CoreError::Year(_) => "Year",
            CoreError::Retention(_) => "Retention",
            CoreError::Erasure(_) => "Erasure",
            CoreError::ArchiveNotFiled { .. } => "ArchiveNotFiled",
            CoreError::ImportUnconfirmed { .. } => "ImportUnconfirmed",
            CoreError::AlreadyInitialised { .. } => "AlreadyInitialised",
            CoreError::UnknownMember(_) => "UnknownMember",
            CoreError::DuplicateMember(_) => "DuplicateMember",
            CoreError::ContractorApprover => "ContractorApprover",
            CoreError::NotAdmin { .. } => "NotAdmin",
            CoreError::UnknownBatch(_) => "UnknownBatch",
            CoreError::AmbiguousBatch { .. } => "AmbiguousBatch",
            CoreError::DuplicateBatch { .. } => "DuplicateBatch",
            CoreError::BadLabel(_) => "BadLabel",
            CoreError::Fields(_) => "Fields",
            CoreError::Empty { .. } => "Empty",
            CoreError::Import(_) => "Import",
            CoreError::Report(_) => "Report",
            CoreError::Print(_) => "Print",
            CoreError::Archive(_) => "Archive",
            CoreError::ListNotForProcess { .. } => "ListNotForProcess",
            CoreError::ListInUse { .. } => "ListInUse",
            CoreError::ListTooEarly { .. } => "ListTooEarly",
            CoreError::MissingList { .. } => "MissingList",
            CoreError::Evidence { .. } => "Evidence",
            CoreError::NotImportable { .. } => "NotImportable",
            CoreError::RemoveSelf => "RemoveSelf",
            CoreError::BadInvite { .. } => "BadInvite",
            CoreError::NotInquiryBatch { .. } => "NotInquiryBatch",
            CoreError::NoInquiryBatch => "NoInquiryBatch",
            CoreError::InquiriesClosed { .. } => "InquiriesClosed",
            CoreError::MailsNothing { .. } => "MailsNothing",
            CoreError::ReturnsBeforeSend { .. } => "ReturnsBeforeSend",
            CoreError::ReportNotForProcess { .. } => "ReportNotForProcess",
            CoreError::ReportNeedsList { .. } => "ReportNeedsList",
            CoreError::UnknownList { .. } => "UnknownList",
            CoreError::PrintBeforeVerify { .. } => "PrintBeforeVerify",
            CoreError::NoVouchersToPrint { .. } => "NoVouchersToPrint",
            CoreError::OtherOfficeArchive { .. } => "OtherOfficeArchive",
            CoreError::NotAnAddress { .. } => "NotAnAddress",
            CoreError::Closed { .. } => "Closed",
            CoreError::Internal(_) => "Internal",
            CoreError::Sync(_) => "Sync",
            CoreError::EngineRunning { .. } => "EngineRunning",
            CoreError::Automerge(_) => "Automerge",
        }
    }
    const VARIANTS: usize = 58;

    fn s(text: &str) -> String {
        text.to_string()
    }

    /// One or more of every refusal the core can give the window, with Japanese data in them.
    fn samples() -> Vec<CoreError> {
        let at = chrono::DateTime::UNIX_EPOCH;
        let day = chrono::NaiveDate::from_ymd_opt(1951, 6, 1).expect("day");
        let sqlite = || rusqlite::Error::InvalidQuery;
        let rules = vec![
            Rule::NoSuchStep {
                process: s("1-2"),
                step: 30,
                last: 15,
            },
            Rule::WrongAction {
                step: 2,
                ja: "検認",
                expected: Action::Verify,
                tried: Action::Do,
            },
            Rule::WrongRole {
                step: 1,
                ja: "確認",
                by: Role::Contractor,
                member: s("花子"),
                role: Role::Section,
            },
            Rule::ContractorCannotReview {
                action: Action::Verify,
                member: s("太郎"),
            },
            Rule::NotApprover {
                member: s("花子"),
                step: 3,
            },
            Rule::Blocked {
                step: 5,
                waiting: vec![Waiting {
                    step: 4,
                    needs: Action::Do,
                    sent_back: true,
                }],
            },
            Rule::AlreadyComplete {
                step: 2,
                state: "verified",
                by: s("花子"),
                at,
            },
            Rule::VerifyOwnWork {
                member: s("花子"),
                subject: 1,
            },
            Rule::ApproveOwnVerify {
                member: s("花子"),
                subject: 2,
            },
            Rule::EmptyReason,
            Rule::SendBackOnDo { step: 1 },
            Rule::NothingToWithdraw {
                step: 1,
                member: s("委託 一郎"),
            },
            Rule::WithdrawAfterVerify { step: 1, verify: 2 },
            Rule::WithdrawUsed { step: 11, by: 12 },
            Rule::NotDeputy {
                member: s("検認 花子"),
            },
            Rule::NothingToReview { step: 3 },
            Rule::ReviewOwnDeputy {
                member: s("決裁 次郎"),
                step: 3,
            },
            Rule::MarkingWithSendBack {
                marking: "withdraw",
            },
            Rule::MarkingNotForStep {
                step: 2,
                ja: "検認",
                marking: "review",
            },
        ];
        let evidence = vec![
            EvidenceRefusal::OutsideAgeRule {
                total: 7,
                first: vec![(
                    s("0001"),
                    s("健診 花子"),
                    kenshin_core::domain::age::OutsideAge::Over75 { reached_75_on: day },
                )],
            },
            EvidenceRefusal::CountDiffers {
                count: s("production"),
                given: 4,
                from: CountSource::ProductionList,
                value: 3,
            },
            EvidenceRefusal::EnvelopesNotCounted { list_total: 405 },
            EvidenceRefusal::NegativeEnvelopes,
            EvidenceRefusal::Mismatch(kenshin_core::domain::reconcile::Mismatch {
                envelopes: Some(404),
                list_total: 405,
                expected_total: 405,
                by_postal: vec![(s("9990001"), 3, 2)],
            }),
            EvidenceRefusal::NoEligibleRequest {
                refused: vec![
                    RefusedRequest {
                        application_no: s("R-1"),
                        voucher_no: s("0001"),
                        why: Ineligible::PulledOut,
                    },
                    RefusedRequest {
                        application_no: s("R-2"),
                        voucher_no: s("0002"),
                        why: Ineligible::OutsideAge {
                            why: kenshin_core::domain::age::OutsideAge::Under40 {
                                reaches_40_on: day,
                            },
                        },
                    },
                ],
            },
            EvidenceRefusal::RecountFirst {
                count: Recount::Returns,
                now: 2,
                work_step: 13,
                counted: 1,
            },
        ];
        let stores = vec![
            StoreError::WrongPassphrase { path: s("/home") },
            StoreError::ShortPassphrase,
            StoreError::BadSealedKey(s("bad")),
            StoreError::DiskFull,
            StoreError::NewerSchema {
                found: 9,
                supported: 8,
            },
            StoreError::OlderSchema {
                path: s("/home"),
                found: 1,
            },
            StoreError::Open {
                path: s("/home"),
                source: sqlite(),
            },
            StoreError::CreateHome {
                path: s("/home"),
                source: std::io::Error::other("denied"),
            },
            StoreError::Key {
                path: s("/home"),
                why: s("unreadable"),
            },
            StoreError::Sqlite(sqlite()),
            StoreError::Automerge {
                doc: s("doc"),
                source: Box::new(automerge::AutomergeError::Fail),
            },
            StoreError::Shape {
                doc: s("doc"),
                what: "batch",
                why: s("no meta"),
            },
            StoreError::MissingDocument(s("doc")),
        ];
        let fields = vec![
            FieldProblem::Empty {
                field: NoteField::From,
            },
            FieldProblem::TooLong {
                field: NoteField::Text,
                max: 200,
            },
            FieldProblem::NotAVoucherNumber {
                field: NoteField::Voucher,
            },
            FieldProblem::NotADate {
                field: NoteField::On,
            },
            FieldProblem::AfterToday {
                field: NoteField::On,
                day: s("2027-01-01"),
            },
            FieldProblem::AlreadyReturned {
                field: NoteField::Voucher,
                voucher: s("0001"),
            },
            FieldProblem::PulledOut {
                field: NoteField::Voucher,
                voucher: s("0001"),
            },
            FieldProblem::NotMailed {
                field: NoteField::Voucher,
                voucher: s("0001"),
            },
            FieldProblem::NotInRegister {
                field: NoteField::Voucher,
                voucher: s("0001"),
            },
            FieldProblem::AlreadyRequested {
                field: NoteField::Voucher,
                voucher: s("0001"),
            },
        ];
        let mut all: Vec<CoreError> = rules.into_iter().map(CoreError::Refused).collect();
        all.extend(
            evidence
                .into_iter()
                .map(|why| CoreError::Evidence { step: 4, why }),
        );
        all.extend(stores.into_iter().map(CoreError::Store));
        all.extend([
            CoreError::BadCount(BadCount {
                given: s("封入数=たくさん"),
            }),
            CoreError::NoOffice { home: s("/home") },
            CoreError::NotSynced { home: s("/home") },
            CoreError::NoDataKey,
            CoreError::KeysElsewhere {
                member: s("花子")
            },
            CoreError::AlreadyInitialised {
                home: s("/home"),
                office: s("デモ市"),
            },
            CoreError::UnknownMember(s("次郎")),
            CoreError::DuplicateMember(s("花子")),
            CoreError::ContractorApprover,
            CoreError::NotAdmin {
                member: s("太郎"),
                what: "invite",
            },
            CoreError::UnknownBatch(s("令和8年5月")),
            CoreError::AmbiguousBatch {
                given: s("令和"),
                candidates: s("a, b"),
            },
            CoreError::DuplicateBatch {
                process: s("1-2"),
                label: s("令和8年5月 月次発行"),
                batch_id: s("x"),
            },
            CoreError::BadLabel(BadLabel::TooLong { chars: 41 }),
            CoreError::BadLabel(BadLabel::Empty),
            CoreError::BadLabel(BadLabel::NotOneLine),
            CoreError::Fields(fields),
            CoreError::Empty {
                what: Blank::Search,
            },
            CoreError::Import(ImportRefused {
                file: s("本番.csv"),
                problems: vec![Problem::new(2, Some(3), s("bad"), s("だめ"))],
            }),
            CoreError::Report(ReportError::NotCp932 {
                row: 2,
                column: 3,
                ch: '𠮷',
            }),
            CoreError::Report(ReportError::Csv(s("io"))),
            CoreError::Print(PdfError::NoFont {
                looked: s("/usr/share/fonts"),
            }),
            CoreError::Print(PdfError::BadFont {
                path: s("f.ttf"),
                why: s("bad"),
            }),
            CoreError::Print(PdfError::Write(s("io"))),
            CoreError::Archive(ArchiveError::Write(s("io"))),
            CoreError::Archive(ArchiveError::NotAnArchive(s("事跡.zip"), s("no manifest"))),
            CoreError::ListNotForProcess {
                process: s("4"),
                kind: s("production"),
                accepted: s(""),
            },
            CoreError::ListInUse {
                kind: s("pullouts"),
                step: 4,
                status: s("done"),
            },
            CoreError::ListTooEarly {
                kind: s("returned"),
                step: 11,
                step_name: s("発送"),
                status: s("open"),
            },
            CoreError::MissingList {
                step: 4,
                kind: s("production"),
                how: s("import it"),
            },
            CoreError::NotImportable {
                kind: ListKind::PostalCounts,
            },
            CoreError::RemoveSelf,
            CoreError::BadInvite {
                file: s("招待.json"),
                why: s("not JSON"),
            },
            CoreError::NotInquiryBatch {
                label: s("令和8年5月"),
                process: ProcessId::MonthlyIssuance,
            },
            CoreError::NoInquiryBatch,
            CoreError::InquiriesClosed {
                label: s("令和8年5月 問合せ"),
                status: Status::Verified,
            },
            CoreError::MailsNothing {
                process: ProcessId::EligibilityInquiry,
            },
            CoreError::ReturnsBeforeSend {
                label: s("令和8年5月 月次発行"),
                step: 11,
            },
            CoreError::ReportNotForProcess {
                report: kenshin_core::ReportKind::Encouragement,
                wants: vec![ProcessId::Encouragement],
                label: s("令和8年5月"),
                process: ProcessId::MonthlyIssuance,
            },
            CoreError::ReportNeedsList {
                label: s("令和8年5月"),
                kind: ListKind::Pullouts,
            },
            CoreError::PrintBeforeVerify {
                label: s("2026-07 再発行"),
                step: 6,
                status: Status::AwaitingVerify,
            },
            CoreError::UnknownList {
                label: s("2026-07 再発行"),
            },
            CoreError::NoVouchersToPrint {
                label: s("令和8年10月 受診勧奨"),
                process: ProcessId::Encouragement,
            },
            CoreError::OtherOfficeArchive {
                office: s("a"),
                mine: s("b"),
            },
            CoreError::NotAnAddress {
                what: "the peer address",
                address: s("課の端末"),
            },
            CoreError::Closed {
                batch: Some(s("令和8年5月")),
                why: s("newer"),
            },
            CoreError::Closed {
                batch: None,
                why: s("newer"),
            },
            CoreError::Internal(s("lock poisoned")),
            CoreError::Sync(s("connection reset")),
            CoreError::EngineRunning { home: s("/home") },
            CoreError::ResetHomeMember {
                member: s("決裁 太郎"),
            },
            CoreError::SecretNeeded {
                member: s("検認 花子"),
            },
            CoreError::WrongSecret {
                member: s("検認 花子"),
                left: 2,
            },
            CoreError::WrongSecret {
                member: s("検認 花子"),
                left: 0,
            },
            CoreError::SecretWait {
                member: s("検認 花子"),
                seconds: 30,
            },
            CoreError::WeakSecret(kenshin_core::domain::secret::WeakSecret::Run),
            CoreError::BadSetting(kenshin_core::domain::settings::BadSetting::IdleMinutes {
                given: 0,
                max: 120,
            }),
            CoreError::ImportUnconfirmed {
                warnings: Vec::new(),
            },
            CoreError::Year(kenshin_core::domain::filing::YearRefusal::NotFiled {
                fiscal_year: 2025,
                months: vec![Month {
                    year: 2025,
                    month: 8,
                }],
            }),
            CoreError::Year(kenshin_core::domain::filing::YearRefusal::Closed {
                fiscal_year: 2025,
                by: s("決裁 太郎"),
                on: chrono::NaiveDate::from_ymd_opt(2026, 5, 10).unwrap(),
            }),
            CoreError::ArchiveNotFiled {
                month: Month {
                    year: 2026,
                    month: 5,
                },
                problems: 1,
            },
            CoreError::Erasure(kenshin_core::domain::erasure::ErasureRefusal::NotSynced {
                tried: vec![s("192.0.2.1:7787: 接続できません")],
            }),
            CoreError::Retention(
                kenshin_core::domain::retention::RetentionRefusal::StillUsed {
                    fiscal_year: 2019,
                    batches: vec![s("令和2年度 再発行")],
                },
            ),
            CoreError::from(automerge::AutomergeError::Fail),
        ]);
        all
    }

    #[test]
    fn every_refusal_of_the_core_is_said_in_japanese() {
        let samples = samples();
        let covered: BTreeSet<&str> = samples.iter().map(variant).collect();
        assert_eq!(
            covered.len(),
            VARIANTS,
            "a variant of CoreError has no sample"
        );
        for e in samples {
            let debug = format!("{e:?}");
            let r = Refusal::from(e);
            assert!(japanese_only(&r.ja), "{debug}: not Japanese only: {}", r.ja);
            assert!(!r.en.is_empty() && !r.code.is_empty(), "{debug}");
            assert!(
                r.code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.".contains(c)),
                "{}",
                r.code
            );
            for f in &r.fields {
                assert!(
                    japanese_only(&f.ja),
                    "{debug}: field {:?}: {}",
                    f.field,
                    f.ja
                );
            }
        }
    }

    #[test]
    fn codes_are_stable_names_of_the_rule() {
        let r = Refusal::from(CoreError::Refused(Rule::VerifyOwnWork {
            member: s("花子"),
            subject: 1,
        }));
        assert_eq!(r.code, "workflow.verify_own_work");
        assert_eq!(
            r.ja,
            "花子さんは工程1を実施したため検認できません（検認は実施と別の人が行います）"
        );
        let r = Refusal::from(CoreError::Store(StoreError::WrongPassphrase {
            path: s("/h"),
        }));
        assert_eq!(
            (r.code.as_str(), r.ja.as_str()),
            ("store.wrong_passphrase", "パスフレーズが違います")
        );
        // The shell's own refusals are said the same way.
        for r in [
            Refusal::cannot_read("本番.csv", std::io::Error::other("gone")),
            Refusal::cannot_write("事跡.zip", std::io::Error::other("full")),
            Refusal::needs_passphrase("事跡.zip"),
            Refusal::internal("poisoned"),
            Refusal::from(SealError::ShortPassphrase),
            Refusal::from(SealError::WrongPassphrase(s("事跡.zip"))),
            Refusal::from(SealError::NotSealed(s("事跡.zip"))),
            Refusal::from(SealError::Zip(s("事跡.zip"), s("bad"))),
        ] {
            assert!(japanese_only(&r.ja), "{}: {}", r.code, r.ja);
        }
    }
}
