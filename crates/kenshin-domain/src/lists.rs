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
    /// 資格喪失者リスト: vouchers void from each 喪失日
    CoverageLoss,
}

impl ListKind {
    pub const ALL: [ListKind; 10] = [
        ListKind::Targets,
        ListKind::Rehearsal,
        ListKind::Production,
        ListKind::Pullouts,
        ListKind::PostalCounts,
        ListKind::ReissueRequests,
        ListKind::Returned,
        ListKind::Reissues,
        ListKind::CheckupResults,
        ListKind::CoverageLoss,
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
            ListKind::CoverageLoss => "coverage_loss",
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
            ListKind::CoverageLoss => "資格喪失者リスト",
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

/// The list a list is checked against in the evidence view: who the production (or rehearsal)
/// list adds to the target list, and who it leaves out.
pub fn compared_with(kind: ListKind) -> Option<ListKind> {
    match kind {
        ListKind::Production | ListKind::Rehearsal => Some(ListKind::Targets),
        _ => None,
    }
}

/// How a list differs from the one it is checked against, by voucher number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ListDifference {
    pub against: ListKind,
    #[ts(type = "number")]
    pub against_rows: u64,
    /// Voucher numbers in this list and not in the other (the first [`SHOWN`]), and how many.
    pub added: Vec<String>,
    #[ts(type = "number")]
    pub added_count: u64,
    /// In the other list and not in this one.
    pub left_out: Vec<String>,
    #[ts(type = "number")]
    pub left_out_count: u64,
    /// Of this list, who the batch's pull-out list takes out, with the reason (voucher number,
    /// reason; the first [`SHOWN`]), and how many.
    pub pulled_out: Vec<(String, String)>,
    #[ts(type = "number")]
    pub pulled_out_count: u64,
}

/// How many voucher numbers a difference names (the counts are whole).
pub const SHOWN: usize = 200;

/// `list` against `other` (each a list's voucher numbers, in order), and who of `list` the batch's
/// pull-out list (voucher number, reason) takes out.
pub fn difference(
    against: ListKind,
    list: &[&str],
    other: &[&str],
    pullouts: &[(&str, &str)],
) -> ListDifference {
    let mine: std::collections::HashSet<&str> = list.iter().copied().collect();
    let theirs: std::collections::HashSet<&str> = other.iter().copied().collect();
    let only = |xs: &[&str], not_in: &std::collections::HashSet<&str>| -> (Vec<String>, u64) {
        let all: Vec<&str> = xs.iter().copied().filter(|x| !not_in.contains(x)).collect();
        let shown = all.iter().take(SHOWN).map(|x| x.to_string()).collect();
        (shown, all.len() as u64)
    };
    let (added, added_count) = only(list, &theirs);
    let (left_out, left_out_count) = only(other, &mine);
    let pulled: Vec<(String, String)> = pullouts
        .iter()
        .filter(|(no, _)| mine.contains(no))
        .map(|(no, why)| (no.to_string(), why.to_string()))
        .collect();
    ListDifference {
        pulled_out_count: pulled.len() as u64,
        pulled_out: pulled.into_iter().take(SHOWN).collect(),
        against,
        against_rows: other.len() as u64,
        added,
        added_count,
        left_out,
        left_out_count,
    }
}

/// A page of a list's canonical rows (tab-separated, field names first) matching a search: the
/// field names, how many rows match, and the rows from `offset`, at most `limit`.
pub fn page(
    text: &str,
    search: &str,
    offset: usize,
    limit: usize,
) -> (Vec<String>, usize, Vec<Vec<String>>) {
    let mut lines = text.split_terminator('\n');
    let fields = lines
        .next()
        .unwrap_or("")
        .split('\t')
        .map(str::to_string)
        .collect();
    let wanted: String = crate::text::nfkc(search).split_whitespace().collect();
    let matching = lines.filter(|l| wanted.is_empty() || l.contains(wanted.as_str()));
    let (mut total, mut rows) = (0, Vec::new());
    for line in matching {
        if total >= offset && rows.len() < limit {
            rows.push(line.split('\t').map(str::to_string).collect());
        }
        total += 1;
    }
    (fields, total, rows)
}

/// The values of one field of a list's canonical rows (the voucher numbers, to compare lists).
pub fn column<'a>(text: &'a str, field: &str) -> Vec<&'a str> {
    columns(text, field, field)
        .into_iter()
        .map(|(a, _)| a)
        .collect()
}

/// The values of two fields of each of a list's canonical rows.
pub fn columns<'a>(text: &'a str, a: &str, b: &str) -> Vec<(&'a str, &'a str)> {
    let mut lines = text.split_terminator('\n');
    let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    let (Some(i), Some(j)) = (
        header.iter().position(|f| *f == a),
        header.iter().position(|f| *f == b),
    ) else {
        return Vec::new();
    };
    lines
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('\t').collect();
            Some((*cells.get(i)?, *cells.get(j)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_paged_and_searched_as_stored() {
        let text = "voucher_no\tname\n0001\t山田 太郎\n0002\t佐藤 花子\n0003\t山本 一郎\n";
        let (fields, total, rows) = page(text, "", 1, 1);
        assert_eq!(
            (fields, total),
            (vec!["voucher_no".to_string(), "name".to_string()], 3)
        );
        assert_eq!(
            rows,
            vec![vec!["0002".to_string(), "佐藤 花子".to_string()]]
        );
        // Searched in any width; the count is of every match, the page of the first.
        let (_, total, rows) = page(text, "山", 0, 1);
        assert_eq!((total, rows[0][0].as_str()), (2, "0001"));
        assert_eq!(page(text, "０００３", 0, 10).1, 1);
        assert_eq!(column(text, "voucher_no"), vec!["0001", "0002", "0003"]);
        assert!(column(text, "postal").is_empty());
    }

    #[test]
    fn a_list_is_compared_by_voucher_number_with_the_one_it_comes_from() {
        let d = difference(
            ListKind::Targets,
            &["1", "2", "4"],
            &["1", "2", "3"],
            &[("2", "転出"), ("9", "死亡")],
        );
        assert_eq!(d.pulled_out, vec![("2".to_string(), "転出".to_string())]);
        assert_eq!(d.pulled_out_count, 1);
        assert_eq!((d.added, d.added_count), (vec!["4".to_string()], 1));
        assert_eq!((d.left_out, d.left_out_count), (vec!["3".to_string()], 1));
        assert_eq!(d.against_rows, 3);
        let many: Vec<String> = (0..250).map(|i| i.to_string()).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let d = difference(ListKind::Targets, &many, &[], &[]);
        assert_eq!((d.added.len(), d.added_count), (SHOWN, 250));
        assert_eq!(compared_with(ListKind::Production), Some(ListKind::Targets));
        assert_eq!(compared_with(ListKind::Pullouts), None);
    }

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
