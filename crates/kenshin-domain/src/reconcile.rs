//! Counts that must agree before envelopes are sealed (封緘): envelopes = postal-code count list total =
//! production list − pulled out, and per postal code too.

use crate::rows::{PostalCount, Pullout, Subject};
use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// How many of the given postal codes there are of each, in postal-code order.
pub fn count_by_postal<'a>(postals: impl IntoIterator<Item = &'a str>) -> Vec<PostalCount> {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for p in postals {
        *counts.entry(p).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(postal, count)| PostalCount {
            postal: postal.to_string(),
            count,
        })
        .collect()
}

/// Vouchers to mail per postal code: the production list without the pulled-out vouchers.
pub fn postal_counts(production: &[Subject], pullouts: &[Pullout]) -> Vec<PostalCount> {
    let pulled: HashSet<&str> = pullouts.iter().map(|p| p.voucher_no.as_str()).collect();
    count_by_postal(
        production
            .iter()
            .filter(|s| !pulled.contains(s.voucher_no.as_str()))
            .map(|s| s.postal.as_str()),
    )
}

pub fn total(counts: &[PostalCount]) -> u64 {
    counts.iter().map(|c| c.count).sum()
}

/// Figures that do not agree, said with the figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub envelopes: Option<u64>,
    pub list_total: u64,
    pub expected_total: u64,
    /// (postal code, in the count list, expected from the lists)
    pub by_postal: Vec<(String, u64, u64)>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("counts do not reconcile: ")?;
        if let Some(e) = self.envelopes {
            write!(f, "envelopes {e}, ")?;
        }
        write!(
            f,
            "postal-code count list total {}, production − pulled out = {}",
            self.list_total, self.expected_total
        )?;
        for (i, (postal, listed, expected)) in self.by_postal.iter().enumerate() {
            if i == 5 {
                write!(f, "; and {} more postal codes", self.by_postal.len() - 5)?;
                break;
            }
            write!(
                f,
                "; {}: list {listed}, expected {expected}",
                crate::text::postal_display(postal)
            )?;
        }
        Ok(())
    }
}

/// Checks the count list against the counts expected from the lists, and the envelopes counted against both.
pub fn envelopes(
    envelopes: Option<u64>,
    count_list: &[PostalCount],
    expected: &[PostalCount],
) -> Result<(), Mismatch> {
    let listed: BTreeMap<&str, u64> = count_list
        .iter()
        .map(|c| (c.postal.as_str(), c.count))
        .collect();
    let wanted: BTreeMap<&str, u64> = expected
        .iter()
        .map(|c| (c.postal.as_str(), c.count))
        .collect();
    let postals: std::collections::BTreeSet<&str> =
        listed.keys().chain(wanted.keys()).copied().collect();
    let by_postal: Vec<(String, u64, u64)> = postals
        .into_iter()
        .filter_map(|p| {
            let (l, w) = (
                listed.get(p).copied().unwrap_or(0),
                wanted.get(p).copied().unwrap_or(0),
            );
            (l != w).then(|| (p.to_string(), l, w))
        })
        .collect();
    let (list_total, expected_total) = (total(count_list), total(expected));
    if by_postal.is_empty() && envelopes.is_none_or(|e| e == list_total) {
        return Ok(());
    }
    Err(Mismatch {
        envelopes,
        list_total,
        expected_total,
        by_postal,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn subject(no: &str, postal: &str) -> Subject {
        Subject {
            voucher_no: no.into(),
            name: "テスト".into(),
            kana: "テスト".into(),
            birth: NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(),
            sex: String::new(),
            postal: postal.into(),
            address: String::new(),
        }
    }

    fn pc(postal: &str, count: u64) -> PostalCount {
        PostalCount {
            postal: postal.into(),
            count,
        }
    }

    #[test]
    fn counts_reconcile() {
        let production = [
            subject("1001", "1000001"),
            subject("1002", "1000001"),
            subject("1003", "1000002"),
            subject("1004", "1000003"),
        ];
        let pulled = [Pullout {
            voucher_no: "1004".into(),
            reason: "転出".into(),
        }];
        let expected = postal_counts(&production, &pulled);
        assert_eq!(expected, vec![pc("1000001", 2), pc("1000002", 1)]);

        assert_eq!(envelopes(Some(3), &expected, &expected), Ok(()));
        assert_eq!(envelopes(None, &expected, &expected), Ok(()));
        let short = envelopes(Some(2), &expected, &expected).unwrap_err();
        assert_eq!(
            short.to_string(),
            "counts do not reconcile: envelopes 2, postal-code count list total 3, production − pulled out = 3"
        );
        // A count list made before a pull-out was added no longer matches.
        let stale = [pc("1000001", 2), pc("1000002", 1), pc("1000003", 1)];
        let err = envelopes(Some(4), &stale, &expected).unwrap_err();
        assert_eq!(err.by_postal, vec![("1000003".into(), 1, 0)]);
        assert!(err.to_string().ends_with("; 100-0003: list 1, expected 0"));
    }
}
