//! The kinds of list a batch holds (対象者リスト, 本番リスト, ...). Each list snapshot is written once and
//! never changed. Their rows are in `rows`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// 対象者リスト
    Targets,
    /// リハーサルデータ
    Rehearsal,
    /// 本番リスト
    Production,
    /// 引抜き者リスト
    Pullouts,
    /// 郵便番号別件数リスト
    PostalCounts,
    /// 電子申請フォームのCSV (reissue requests)
    ReissueRequests,
    /// 宛所不明等で返送 (returned mail)
    Returned,
    /// 再発行分: the sheets a reissue batch made
    Reissues,
    /// 受診結果: checkups already taken (for encouragement)
    CheckupResults,
}

impl ListKind {
    pub const ALL: [ListKind; 9] = [
        ListKind::Targets,
        ListKind::Rehearsal,
        ListKind::Production,
        ListKind::Pullouts,
        ListKind::PostalCounts,
        ListKind::ReissueRequests,
        ListKind::Returned,
        ListKind::Reissues,
        ListKind::CheckupResults,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ListKind::Targets => "targets",
            ListKind::Rehearsal => "rehearsal",
            ListKind::Production => "production",
            ListKind::Pullouts => "pullouts",
            ListKind::PostalCounts => "postal_counts",
            ListKind::ReissueRequests => "reissue_requests",
            ListKind::Returned => "returned",
            ListKind::Reissues => "reissues",
            ListKind::CheckupResults => "checkup_results",
        }
    }

    pub fn ja(self) -> &'static str {
        match self {
            ListKind::Targets => "対象者リスト",
            ListKind::Rehearsal => "リハーサルデータ",
            ListKind::Production => "本番リスト",
            ListKind::Pullouts => "引抜き者リスト",
            ListKind::PostalCounts => "郵便番号別件数リスト",
            ListKind::ReissueRequests => "電子申請CSV",
            ListKind::Returned => "返送リスト",
            ListKind::Reissues => "再発行分",
            ListKind::CheckupResults => "受診結果",
        }
    }
}

impl fmt::Display for ListKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for ListKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ListKind::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| format!("unknown list kind {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for k in ListKind::ALL {
            assert_eq!(k.code().parse::<ListKind>(), Ok(k));
        }
        assert!("voucher".parse::<ListKind>().is_err());
    }
}

/// A batch's reference to one of its list documents (リスト参照), signed by who imported or made it.
/// The latest valid one of a kind is the batch's current list of that kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ListRef {
    pub doc_id: String,
    pub list_kind: ListKind,
    /// sha256 of the list's canonical rows (hex).
    pub sha256: String,
    #[ts(type = "number")]
    pub row_count: u64,
    /// Who added it, and when; empty and None for a reference written before signing.
    pub by: String,
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(skip)]
    #[ts(skip)]
    pub signature: String,
}
