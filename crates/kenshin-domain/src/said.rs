//! Every refusal of the rules in the office's words: one Japanese sentence for the person who tried,
//! built from the same fields as the English one (`Display`). The window shows these; the CLI keeps
//! English. A new refusal does not compile until it is said here (the matches are exhaustive).

use crate::age::OutsideAge;
use crate::batch::BadLabel;
use crate::catalogue::{Action, COUNTS};
use crate::dates::{era_long, DateError};
use crate::decide::{CountSource, EvidenceRefusal, Recount, RefusedRequest};
use crate::erasure::{CertificateFault, ErasureRefusal};
use crate::filing::{year_ja, YearRefusal};
use crate::reconcile::Mismatch;
use crate::register::{FieldProblem, Ineligible, NoteField};
use crate::retention::RetentionRefusal;
use crate::secret::WeakSecret;
use crate::settings::BadSetting;
use crate::text::BadText;
use crate::workflow::{BadCount, Refusal};

/// A refusal said in Japanese.
pub trait Said {
    fn ja(&self) -> String;
}

/// 実施・検認・決裁.
pub fn action_ja(a: Action) -> &'static str {
    match a {
        Action::Do => "実施",
        Action::Verify => "検認",
        Action::Approve => "決裁",
    }
}

/// 取下げ・代決・後閲, by the marking's code.
pub fn marking_ja(code: &str) -> &'static str {
    match code {
        "withdraw" => "取下げ",
        "deputy" => "代決",
        _ => "後閲",
    }
}

/// A count's Japanese name (対象者数, 封入数), or the name itself when it has none.
pub fn count_ja(name: &str) -> &str {
    COUNTS
        .iter()
        .find(|(code, _)| *code == name)
        .map_or(name, |(_, ja)| ja)
}

impl Said for Refusal {
    fn ja(&self) -> String {
        match self {
            Refusal::NoSuchStep { process, step, last } => {
                format!("業務{process}に工程{step}はありません（工程は1〜{last}です）")
            }
            Refusal::WrongAction {
                step,
                ja,
                expected,
                tried,
            } => format!(
                "工程{step}（{ja}）は{}として記録します（{}ではありません）",
                action_ja(*expected),
                action_ja(*tried)
            ),
            Refusal::WrongRole {
                step,
                ja,
                by,
                member,
                role,
            } => format!(
                "工程{step}（{ja}）は{}が行います。{member}さんは{}です",
                by.ja(),
                role.ja()
            ),
            Refusal::ContractorCannotReview { member, .. } => {
                format!("検認・決裁は健康推進課が行います。{member}さんは委託事業者です")
            }
            Refusal::NotApprover { member, step } => {
                format!("{member}さんには決裁権限がないため、工程{step}を決裁できません")
            }
            Refusal::Blocked { step, waiting } => {
                let waits: Vec<String> = waiting
                    .iter()
                    .map(|w| {
                        if w.sent_back {
                            format!("工程{}の差戻し後のやり直し", w.step)
                        } else {
                            format!("工程{}の{}", w.step, action_ja(w.needs))
                        }
                    })
                    .collect();
                format!("工程{step}は、{}を待っています", waits.join("と"))
            }
            Refusal::AlreadyComplete {
                step,
                state,
                by,
                at,
            } => {
                let state = match *state {
                    "verified" => "検認済み",
                    "approved" => "決裁済み",
                    _ => "実施済み",
                };
                let at = at.with_timezone(&crate::dates::jst());
                format!(
                    "工程{step}はすでに{state}です（{by}、{}）。差戻しの後でなければ記録できません",
                    at.format("%Y/%m/%d %H:%M")
                )
            }
            Refusal::VerifyOwnWork { member, subject } => format!(
                "{member}さんは工程{subject}を実施したため検認できません（検認は実施と別の人が行います）"
            ),
            Refusal::ApproveOwnVerify { member, subject } => format!(
                "{member}さんは工程{subject}を検認したため決裁できません（決裁は検認と別の人が行います）"
            ),
            Refusal::EmptyReason => "差戻しには理由を入力してください".into(),
            Refusal::SendBackOnDo { step } => {
                format!("差戻しは検認・決裁のときに行います（工程{step}の実施では差し戻せません）")
            }
            Refusal::NothingToWithdraw { step, member } => format!(
                "工程{step}に{member}さんが取り下げられる記録はありません（取下げは自分の実施記録を、検認の前に取り下げます）"
            ),
            Refusal::WithdrawAfterVerify { step, verify } => format!(
                "工程{step}は工程{verify}で検認済みのため取り下げられません。差戻しで作業を戻してください"
            ),
            Refusal::WithdrawUsed { step, by } => format!(
                "工程{step}の作業は工程{by}ですでに使われているため取り下げられません"
            ),
            Refusal::NotDeputy { member } => format!(
                "{member}さんは代決者に指定されていません（代決者は管理者が指定します）"
            ),
            Refusal::NothingToReview { step } => {
                format!("工程{step}に後閲を待つ代決はありません")
            }
            Refusal::ReviewOwnDeputy { member, step } => format!(
                "{member}さんは工程{step}を代決したため後閲できません（後閲は決裁者が行います）"
            ),
            Refusal::MarkingWithSendBack { marking } => {
                format!("{}には差戻しの理由を付けません", marking_ja(marking))
            }
            Refusal::MarkingNotForStep { step, ja, marking } => {
                format!("工程{step}（{ja}）は{}の対象ではありません", marking_ja(marking))
            }
        }
    }
}

impl Said for BadCount {
    fn ja(&self) -> String {
        format!(
            "件数「{}」が読めません（0以上の数を入力してください）",
            self.given
        )
    }
}

impl Said for CountSource {
    fn ja(&self) -> String {
        match self {
            CountSource::ProductionList => "本番リスト",
            CountSource::PulloutList => "引抜き者リスト",
            CountSource::PostalCountList => "郵便番号別件数リスト",
            CountSource::RequestCsv => "再交付申請リスト",
            CountSource::EligibleRequests => "交付できる申請",
            CountSource::ReturnedMail => "このバッチの返戻",
            CountSource::InquiryLog => "問合せの記録",
        }
        .into()
    }
}

impl Said for OutsideAge {
    fn ja(&self) -> String {
        match self {
            OutsideAge::Under40 { reaches_40_on } => {
                format!(
                    "40歳未満（40歳到達は{}で年度の後）",
                    era_long(*reaches_40_on)
                )
            }
            OutsideAge::Over75 { reached_75_on } => {
                format!(
                    "75歳以上（75歳到達は{}で年度の前）",
                    era_long(*reached_75_on)
                )
            }
            OutsideAge::Left { birthday_75 } => format!(
                "75歳到達済（{}に後期高齢者医療へ移行）",
                era_long(*birthday_75)
            ),
            OutsideAge::Not75InAprilMay {
                reaches_75_on,
                fiscal_year,
            } => format!(
                "{}年度の4〜5月75歳到達者ではありません（75歳到達は{}）",
                fiscal_year,
                era_long(*reaches_75_on)
            ),
        }
    }
}

impl Said for Ineligible {
    fn ja(&self) -> String {
        match self {
            Ineligible::NotInRegister => "その年度の受診券リストにない受診券整理番号です".into(),
            Ineligible::BirthDiffers { register } => {
                format!(
                    "生年月日が受診券リストと違います（リストでは{}）",
                    era_long(*register)
                )
            }
            Ineligible::KanaDiffers { register } => {
                format!("カナ氏名が受診券リストと違います（リストでは{register}）")
            }
            Ineligible::PulledOut => "引抜き済みの受診券です（発送前に資格を喪失）".into(),
            Ineligible::OutsideAge { why } => format!("年齢の条件を満たしません（{}）", why.ja()),
        }
    }
}

impl Said for RefusedRequest {
    fn ja(&self) -> String {
        format!(
            "申請{}（受診券{}）: {}",
            self.application_no,
            self.voucher_no,
            self.why.ja()
        )
    }
}

impl Said for Mismatch {
    fn ja(&self) -> String {
        let mut s = String::from("件数が合いません: ");
        if let Some(e) = self.envelopes {
            s.push_str(&format!("封入数 {e}、"));
        }
        s.push_str(&format!(
            "郵便番号別件数リストの合計 {}、本番件数−引抜き数 = {}",
            self.list_total, self.expected_total
        ));
        for (postal, listed, expected) in self.by_postal.iter().take(5) {
            s.push_str(&format!(
                "。〒{}: リスト {listed}、本来 {expected}",
                crate::text::postal_display(postal)
            ));
        }
        if self.by_postal.len() > 5 {
            s.push_str(&format!("。ほか{}件の郵便番号", self.by_postal.len() - 5));
        }
        s
    }
}

impl Said for EvidenceRefusal {
    fn ja(&self) -> String {
        match self {
            EvidenceRefusal::OutsideAgeRule { total, first } => {
                let shown: Vec<String> = first
                    .iter()
                    .map(|(no, name, why)| format!("{no} {name}（{}）", why.ja()))
                    .collect();
                let more = if *total > first.len() {
                    format!(
                        "。ほか{}人（年齢確認の帳票で確認できます）",
                        total - first.len()
                    )
                } else {
                    String::new()
                };
                format!(
                    "本番リストに年齢の条件を満たさない方が{total}人いて、引抜き者リストにありません: {}{more}",
                    shown.join("、")
                )
            }
            EvidenceRefusal::CountDiffers {
                count,
                given,
                from,
                value,
            } => format!(
                "{}が{given}と入力されましたが、{}では{value}です",
                count_ja(count),
                from.ja()
            ),
            EvidenceRefusal::EnvelopesNotCounted { list_total } => {
                format!("封入数を数えて入力してください（郵便番号別件数リストでは{list_total}）")
            }
            EvidenceRefusal::NegativeEnvelopes => "封入数は0以上です".into(),
            EvidenceRefusal::Mismatch(m) => m.ja(),
            EvidenceRefusal::NoEligibleRequest { refused } => format!(
                "交付できる申請がありません: {}",
                refused.iter().map(Said::ja).collect::<Vec<_>>().join("、")
            ),
            EvidenceRefusal::RecountFirst {
                count,
                now,
                work_step,
                counted,
            } => {
                let what = match count {
                    Recount::Returns => "返戻の記録",
                    Recount::Inquiries => "問合せの記録",
                };
                format!(
                    "{what}は{now}件ですが、工程{work_step}では{counted}件でした。先に工程{work_step}を記録し直してください"
                )
            }
        }
    }
}

impl Said for NoteField {
    fn ja(&self) -> String {
        match self {
            NoteField::Voucher => "受診券整理番号",
            NoteField::From => "問合せ元",
            NoteField::Text => "回答・理由",
            NoteField::On => "日付",
        }
        .into()
    }
}

impl Said for FieldProblem {
    fn ja(&self) -> String {
        match self {
            FieldProblem::Empty { field } => format!("{}を入力してください", field.ja()),
            FieldProblem::TooLong { field, max } => {
                format!("{}は{max}文字以内・1行で入力してください", field.ja())
            }
            FieldProblem::NotAVoucherNumber { field } => {
                format!("{}は4〜16桁の数字です", field.ja())
            }
            FieldProblem::NotADate { field } => format!(
                "{}が読めません（例: 2026-05-01、令和8年5月1日）",
                field.ja()
            ),
            FieldProblem::AfterToday { field, day } => {
                format!("{}（{day}）が今日より後です", field.ja())
            }
            FieldProblem::AlreadyReturned { voucher, .. } => {
                format!("{voucher} はこのバッチで返戻として記録済みです")
            }
            FieldProblem::PulledOut { voucher, .. } => {
                format!("{voucher} は引抜き済みで、発送していません")
            }
            FieldProblem::NotMailed { voucher, .. } => {
                format!("{voucher} はこのバッチで発送していません")
            }
            FieldProblem::NotInRegister { voucher, .. } => {
                format!("{voucher} は受診券リストにありません")
            }
            FieldProblem::AlreadyRequested { voucher, .. } => {
                format!("{voucher} の再交付はこのバッチですでに申請されています")
            }
        }
    }
}

impl Said for YearRefusal {
    fn ja(&self) -> String {
        match self {
            YearRefusal::Closed {
                fiscal_year,
                by,
                on,
            } => format!(
                "{}は年度締めが済んでいます（{}に{by}が締めました）。この年度の業務には記録を追加できません",
                year_ja(*fiscal_year),
                era_long(*on)
            ),
            YearRefusal::NotOver {
                fiscal_year,
                last_day,
            } => format!(
                "{}は{}まであります。年度締めはその後にできます",
                year_ja(*fiscal_year),
                era_long(*last_day)
            ),
            YearRefusal::NotFiled {
                fiscal_year,
                months,
            } => format!(
                "{}の年度締めの前に、次の月の事跡を月が終わってから出力してください: {}",
                year_ja(*fiscal_year),
                months.iter().map(|m| m.ja()).collect::<Vec<_>>().join("、")
            ),
            YearRefusal::NotApprover { member } => {
                format!("{member}には決裁権限がないため、年度締めはできません")
            }
        }
    }
}

impl Said for RetentionRefusal {
    fn ja(&self) -> String {
        match self {
            RetentionRefusal::NotDue {
                fiscal_year,
                kept_until,
            } => format!(
                "{}の記録は{}まで保存します（作成の翌年度から5年間）。削除はその後にできます",
                year_ja(*fiscal_year),
                era_long(*kept_until)
            ),
            RetentionRefusal::NotClosed { fiscal_year } => format!(
                "{}はまだ年度締めをしていません。先に年度を締めてください",
                year_ja(*fiscal_year)
            ),
            RetentionRefusal::StillUsed {
                fiscal_year,
                batches,
            } => format!(
                "{}のリストを他の年度の業務が使っています: {}",
                year_ja(*fiscal_year),
                batches.join("、")
            ),
            RetentionRefusal::AlreadyDeleted { fiscal_year } => {
                format!("{}の記録はすでに削除しました", year_ja(*fiscal_year))
            }
            RetentionRefusal::NotApprover { member } => {
                format!("{member}には決裁権限がないため、記録の削除は決められません")
            }
            RetentionRefusal::NothingDeparted { lost_by } => format!(
                "{}までに資格を喪失した方の行を持つリストはありません。削除するものはありません",
                era_long(*lost_by)
            ),
            RetentionRefusal::DepartedInOpenYears { years } => format!(
                "削除する方の行が、年度締めをしていない年度のリストにあります: {}。先に年度を締めてください",
                years.iter().map(|y| year_ja(*y)).collect::<Vec<_>>().join("、")
            ),
        }
    }
}

impl Said for ErasureRefusal {
    fn ja(&self) -> String {
        match self {
            ErasureRefusal::NotSynced { tried } => format!(
                "この端末は課の端末とまだ同期しきれていません（{}）。この端末の記録が失われるため、何も消去していません",
                tried.join("、")
            ),
            ErasureRefusal::Unreadable { why } => format!("消去証明が読めません: {why}"),
            ErasureRefusal::NotRemoved { name } => format!(
                "{name} さんはまだ名簿にいます。消去を命じるのは名簿から削除した職員の端末だけです"
            ),
            ErasureRefusal::OtherOffice { office } => {
                format!("別の事務所の消去証明です（{office}）")
            }
            ErasureRefusal::Invalid { why } => format!(
                "消去証明は正しくありません: {}",
                match why {
                    CertificateFault::UnknownMember => "記載の職員が名簿にありません",
                    CertificateFault::OtherLaptop => "記載の端末がその職員の端末ではありません",
                    CertificateFault::Signature =>
                        "署名がその職員のものと一致しません（署名の後に書き換えられています）",
                }
            ),
        }
    }
}

impl Said for BadSetting {
    fn ja(&self) -> String {
        match self {
            BadSetting::IdleMinutes { given, max } => {
                format!(
                    "自動ロックまでの時間は1〜{max}分にしてください（{given}分は設定できません）"
                )
            }
            BadSetting::InsurerNo { given } => format!(
                "保険者番号「{given}」は8桁の数字で書いてください（国保は00と6桁の番号）"
            ),
            BadSetting::InsurerCheckDigit { given, expected } => format!(
                "保険者番号「{given}」の検証番号（最後の桁）が合いません（{expected}のはずです）"
            ),
            BadSetting::Blank { field } => format!("{}を入力してください", field.ja()),
            BadSetting::TooLong { field, max } => {
                format!("{}は{max}文字以内の一行にしてください", field.ja())
            }
            BadSetting::Phone { given } => {
                format!("電話番号「{given}」は10桁か11桁の数字で書いてください（ハイフン可）")
            }
            BadSetting::PaymentAgentNo { given } => {
                format!("支払代行機関番号「{given}」は8桁の数字で書いてください")
            }
            BadSetting::SelfPay { given } => format!(
                "自己負担「{given}」が読めません（無料・10%・500円・上限 max:20000円 のように書いてください）"
            ),
            BadSetting::ValidUntil { given } => {
                format!("有効期限「{given}」は日付ではありません（2027-03-31、令和9年3月31日）")
            }
            BadSetting::NoInsurer => {
                "先に保険者情報（保険者番号と名称）を事務所の設定で入力してください".into()
            }
        }
    }
}

impl Said for WeakSecret {
    fn ja(&self) -> String {
        match self {
            WeakSecret::TooShort { min } => format!("暗証番号は{min}文字以上にしてください"),
            WeakSecret::OneCharacter => {
                "同じ文字だけの暗証番号はすぐに推測されます。別の暗証番号にしてください".into()
            }
            WeakSecret::Run => {
                "123456のような連続した文字はすぐに推測されます。別の暗証番号にしてください".into()
            }
        }
    }
}

impl Said for BadText {
    fn ja(&self) -> String {
        match self {
            BadText::VoucherNo => "受診券整理番号は4〜16桁の数字です",
            BadText::Postal => "郵便番号は7桁の数字です",
            BadText::KanaEmpty => "カナ氏名が空です",
            BadText::NotKana => "カナ氏名はカナで書きます",
            BadText::Sex => "性別は1（男）か2（女）です",
        }
        .into()
    }
}

impl Said for BadLabel {
    fn ja(&self) -> String {
        match self {
            BadLabel::Empty => "名称を入力してください".into(),
            BadLabel::TooLong { chars } => format!(
                "名称が長すぎます（{chars}文字。{}文字まで）",
                crate::batch::LABEL_MAX
            ),
            BadLabel::NotOneLine => "名称は1行で入力してください".into(),
        }
    }
}

impl Said for DateError {
    fn ja(&self) -> String {
        match self {
            DateError::Unreadable => {
                "日付が読めません（例: 2026-05-01、令和8年5月1日、R8.5.1）".into()
            }
            DateError::UnknownEra(e) => {
                format!("元号「{e}」がわかりません（令和・平成・昭和・大正・明治）")
            }
            DateError::NoSuchDay => "存在しない日付です".into(),
            DateError::OutsideEra { era, first, last } => match last {
                Some(last) => format!(
                    "{era}は{}から{}までです",
                    first.format("%Y年%-m月%-d日"),
                    last.format("%Y年%-m月%-d日")
                ),
                None => format!("{era}は{}からです", first.format("%Y年%-m月%-d日")),
            },
        }
    }
}

/// The English left in a Japanese sentence: words of two or more Latin letters outside what it
/// quotes 「like this」 (a file's or a batch's name: data) and other than the `allowed` names (Kenshin,
/// PDF). Empty when the sentence is Japanese only; for the tests that hold every refusal to that.
pub fn english_in(ja: &str, allowed: &[&str]) -> Vec<String> {
    let mut outside = String::new();
    let mut quoted = false;
    for c in ja.chars() {
        match c {
            '「' => quoted = true,
            '」' => quoted = false,
            c if !quoted => outside.push(c),
            _ => outside.push(' '),
        }
    }
    outside
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .filter(|w| w.chars().filter(char::is_ascii_alphabetic).count() >= 2)
        .filter(|w| !allowed.contains(w))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_is_found_outside_quotes_and_names() {
        assert!(english_in("「list.csv」は Kenshin で読めません", &["Kenshin"]).is_empty());
        assert_eq!(english_in("step 4 を記録できません", &[]), vec!["step"]);
        assert!(english_in("工程4", &[]).is_empty());
    }

    #[test]
    fn counts_have_their_office_names() {
        assert_eq!(count_ja("envelopes"), "封入数");
        assert_eq!(count_ja("nameless"), "nameless");
        let why = EvidenceRefusal::CountDiffers {
            count: "production".into(),
            given: 4,
            from: CountSource::ProductionList,
            value: 3,
        };
        assert_eq!(
            why.ja(),
            "本番件数が4と入力されましたが、本番リストでは3です"
        );
    }
}
