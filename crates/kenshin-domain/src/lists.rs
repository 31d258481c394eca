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

/// What to ask before a list is imported: the batch already holds one with the same rows, or the
/// new list is larger than the list it is drawn from (a pull-out list larger than production).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "warning", rename_all = "snake_case")]
pub enum ImportWarning {
    /// 同じ内容のリストがすでにあります.
    SameRows {
        held: ListKind,
        #[ts(type = "number")]
        rows: u64,
        at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// More rows than the list they come from.
    MoreThan {
        kind: ListKind,
        #[ts(type = "number")]
        rows: u64,
        than: ListKind,
        #[ts(type = "number")]
        than_rows: u64,
    },
}

/// The list a kind is drawn from: it cannot hold more rows than that one.
fn drawn_from(kind: ListKind) -> Option<ListKind> {
    match kind {
        ListKind::Pullouts | ListKind::Returned => Some(ListKind::Production),
        ListKind::Production | ListKind::Rehearsal => Some(ListKind::Targets),
        _ => None,
    }
}

/// What to ask before importing `rows` rows (hashing to `sha256`) as a list of `kind` into a batch
/// holding `held` (oldest first; the newest of a kind is the one that counts).
pub fn import_warnings(
    kind: ListKind,
    rows: u64,
    sha256: &str,
    held: &[ListRef],
) -> Vec<ImportWarning> {
    let mut warnings: Vec<ImportWarning> = held
        .iter()
        .filter(|l| l.sha256 == sha256)
        .map(|l| ImportWarning::SameRows {
            held: l.list_kind,
            rows: l.row_count,
            at: l.at,
        })
        .collect();
    let newest = |k: ListKind| held.iter().rev().find(|l| l.list_kind == k);
    if let Some(than) = drawn_from(kind).and_then(newest) {
        if rows > than.row_count {
            warnings.push(ImportWarning::MoreThan {
                kind,
                rows,
                than: than.list_kind,
                than_rows: than.row_count,
            });
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(kind: ListKind, rows: u64, sha: &str) -> ListRef {
        ListRef {
            doc_id: format!("{kind}-{sha}"),
            list_kind: kind,
            sha256: sha.into(),
            row_count: rows,
            by: "c1".into(),
            at: None,
            signature: String::new(),
        }
    }

    #[test]
    fn an_import_warns_of_a_repeat_and_of_a_size_that_does_not_fit() {
        let lists = [
            held(ListKind::Targets, 500, "t"),
            held(ListKind::Production, 400, "p1"),
            held(ListKind::Production, 405, "p2"),
        ];
        let same = |held, rows| ImportWarning::SameRows {
            held,
            rows,
            at: None,
        };
        let more = |kind, rows, than, than_rows| ImportWarning::MoreThan {
            kind,
            rows,
            than,
            than_rows,
        };
        let cases: [(ListKind, u64, &str, Vec<ImportWarning>); 6] = [
            (ListKind::Pullouts, 3, "x", vec![]),
            // Measured against the newest production list, not the first.
            (ListKind::Pullouts, 403, "x", vec![]),
            (
                ListKind::Pullouts,
                406,
                "x",
                vec![more(ListKind::Pullouts, 406, ListKind::Production, 405)],
            ),
            (
                ListKind::Production,
                405,
                "p2",
                vec![same(ListKind::Production, 405)],
            ),
            (
                ListKind::Production,
                501,
                "n",
                vec![more(ListKind::Production, 501, ListKind::Targets, 500)],
            ),
            // Identical to a list of another kind is asked about too (a production file chosen as pull-outs).
            (
                ListKind::Pullouts,
                400,
                "p1",
                vec![same(ListKind::Production, 400)],
            ),
        ];
        for (kind, rows, sha, want) in cases {
            assert_eq!(
                import_warnings(kind, rows, sha, &lists),
                want,
                "{kind} {rows} {sha}"
            );
        }
        assert_eq!(import_warnings(ListKind::Pullouts, 9, "x", &[]), vec![]);
    }

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
