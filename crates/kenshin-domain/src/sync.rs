//! 同期の状況: what the window's header says about this laptop's sync, from what its engine saw of
//! each peer and when this laptop's member signed. Times are Unix milliseconds.

use crate::Role;
use chrono::{DateTime, Datelike, Duration, FixedOffset, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// One peer as this laptop last saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerSeen {
    /// How the header names the peer (the core gives the member's name).
    pub member: String,
    pub role: Role,
    /// When a message last came from it.
    pub last_seen: Option<u64>,
    /// When both laptops last held the same documents.
    pub last_synced: Option<u64>,
}

/// Why a laptop was refused at the handshake (接続の拒否). The refused laptop is sent it, and both
/// windows say it in the clerk's words; the English text is for logs and the command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(rename = "SyncRefusal")]
pub enum Refusal {
    #[error("that laptop belongs to another office")]
    OtherOffice,
    /// The member id is in no roster entry this laptop holds.
    #[error("{member} is not a current member of this office")]
    NotMember { member: String },
    /// 名簿から削除された member: refused from then on.
    #[error("{name} was removed from the roster")]
    Removed { name: String },
    /// The laptop's key is not the one the roster holds for that member.
    #[error("the laptop's key is not the one the roster holds for {name}")]
    WrongKey { name: String },
    /// The invite does not admit the joining laptop (used, expired, or for another laptop).
    #[error("the invite does not admit this laptop: {why}")]
    Invite { why: String },
    /// Said by an earlier Kenshin, which sends only its English text; or a connection that broke
    /// before it could be judged.
    #[error("{why}")]
    Other { why: String },
}

/// 受信の進み具合: of the documents this laptop knows the office holds, how many it holds, and the
/// bytes received from peers since sync started. `of` grows as documents arrive that name others
/// (the roster names the batches, a batch its lists).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SyncProgress {
    pub held: usize,
    pub of: usize,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// Why the header warns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SyncWarning {
    /// This laptop holds entries no section laptop has received for more than a working day.
    Unsent {
        #[ts(type = "number")]
        since: u64,
    },
    /// A contractor laptop has not been seen for more than a working day (said on section laptops).
    Unseen {
        member: String,
        #[ts(type = "number | null")]
        since: Option<u64>,
    },
}

/// What the header shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SyncStanding {
    /// The peer this laptop was last in sync with, and when.
    pub last_with: Option<String>,
    #[ts(type = "number | null")]
    pub last_at: Option<u64>,
    /// 未同期の記録: this laptop's own entries not yet sent (see [`standing`]).
    pub unsent: usize,
    pub warnings: Vec<SyncWarning>,
}

/// The header's state at `now` for a laptop whose member has `role` and signed at `signed`.
pub fn standing(now: u64, role: Role, peers: &[PeerSeen], signed: &[u64]) -> SyncStanding {
    let last = peers
        .iter()
        .filter_map(|p| p.last_synced.map(|t| (t, &p.member)))
        .max();
    // The office's evidence lives on section laptops: a contractor's entry is sent once a section
    // laptop has it. A section laptop holds its own, and counts what no peer has had yet.
    let received = match role {
        Role::Contractor => peers
            .iter()
            .filter(|p| p.role == Role::Section)
            .filter_map(|p| p.last_synced)
            .max(),
        Role::Section => last.map(|(t, _)| t),
    };
    let unsent: Vec<u64> = match (role, received) {
        (Role::Section, None) if peers.is_empty() => Vec::new(),
        _ => signed
            .iter()
            .copied()
            .filter(|&t| received.is_none_or(|s| t > s))
            .collect(),
    };
    let mut warnings = Vec::new();
    if let (Role::Contractor, Some(&oldest)) = (role, unsent.iter().min()) {
        if more_than_a_working_day(oldest, now) {
            warnings.push(SyncWarning::Unsent { since: oldest });
        }
    }
    if role == Role::Section {
        for p in peers.iter().filter(|p| p.role == Role::Contractor) {
            if p.last_seen.is_none_or(|t| more_than_a_working_day(t, now)) {
                warnings.push(SyncWarning::Unseen {
                    member: p.member.clone(),
                    since: p.last_seen,
                });
            }
        }
    }
    SyncStanding {
        last_with: last.map(|(_, m)| m.clone()),
        last_at: last.map(|(t, _)| t),
        unsent: unsent.len(),
        warnings,
    }
}

/// Whether more than 24 hours of weekdays (in Japan's time) lie between `from` and `to`: a Friday
/// evening's entry is not late on Monday morning. Public holidays count as working days.
pub fn more_than_a_working_day(from: u64, to: u64) -> bool {
    let jst = FixedOffset::east_opt(9 * 3600).expect("a valid offset");
    let at = |ms: u64| -> Option<DateTime<FixedOffset>> {
        Utc.timestamp_millis_opt(i64::try_from(ms).ok()?)
            .single()
            .map(|t| t.with_timezone(&jst))
    };
    let (Some(mut t), Some(end)) = (at(from), at(to)) else {
        return false;
    };
    let mut working = Duration::zero();
    while t < end {
        let next_midnight = (t.date_naive() + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .and_then(|m| m.and_local_timezone(jst).single())
            .unwrap_or(end);
        let stop = next_midnight.min(end);
        if !matches!(t.weekday(), Weekday::Sat | Weekday::Sun) {
            working += stop - t;
        }
        if working > Duration::hours(24) {
            return true;
        }
        t = stop;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix milliseconds of a time in Japan (2026-12: the 4th is a Friday).
    fn jst(day: u32, hour: u32) -> u64 {
        let t = FixedOffset::east_opt(9 * 3600)
            .and_then(|z| z.with_ymd_and_hms(2026, 12, day, hour, 0, 0).single())
            .expect("a time");
        t.timestamp_millis() as u64
    }

    fn peer(member: &str, role: Role, seen: Option<u64>, synced: Option<u64>) -> PeerSeen {
        PeerSeen {
            member: member.into(),
            role,
            last_seen: seen,
            last_synced: synced,
        }
    }

    #[test]
    fn a_working_day_skips_weekends() {
        for (from, to, late) in [
            (jst(3, 17), jst(4, 16), false), // Thu 17:00 → Fri 16:00
            (jst(3, 17), jst(4, 18), true),  // Thu 17:00 → Fri 18:00
            (jst(4, 17), jst(7, 9), false),  // Fri 17:00 → Mon 09:00
            (jst(4, 17), jst(7, 18), true),  // Fri 17:00 → Mon 18:00
            (jst(5, 10), jst(7, 23), false), // Sat → Mon 23:00
            (jst(5, 10), jst(8, 1), true),   // Sat → Tue 01:00
            (jst(8, 10), jst(7, 10), false), // backwards
        ] {
            assert_eq!(more_than_a_working_day(from, to), late, "{from} → {to}");
        }
    }

    #[test]
    fn the_header_says_who_was_last_in_sync_and_what_waits() {
        let now = jst(8, 12);
        let hanako = peer("hanako", Role::Section, Some(jst(8, 11)), Some(jst(8, 11)));
        let ichiro = peer(
            "ichiro",
            Role::Contractor,
            Some(jst(8, 11)),
            Some(jst(8, 11)),
        );
        let old_section = peer("taro", Role::Section, Some(jst(3, 9)), Some(jst(3, 9)));
        /// What, the laptop's role, its peers, when its member signed, and the header.
        type Case = (&'static str, Role, Vec<PeerSeen>, Vec<u64>, SyncStanding);
        let cases: Vec<Case> = vec![
            (
                "never synced, nothing signed",
                Role::Contractor,
                vec![],
                vec![],
                SyncStanding {
                    last_with: None,
                    last_at: None,
                    unsent: 0,
                    warnings: vec![],
                },
            ),
            (
                "entries after the last sync with a section laptop wait, recent ones without a warning",
                Role::Contractor,
                vec![hanako.clone()],
                vec![jst(8, 10), jst(8, 11) + 1, jst(8, 11) + 2],
                SyncStanding {
                    last_with: Some("hanako".into()),
                    last_at: Some(jst(8, 11)),
                    unsent: 2,
                    warnings: vec![],
                },
            ),
            (
                "a contractor peer does not receive for the section",
                Role::Contractor,
                vec![ichiro.clone(), old_section.clone()],
                vec![jst(4, 10)],
                SyncStanding {
                    last_with: Some("ichiro".into()),
                    last_at: Some(jst(8, 11)),
                    unsent: 1,
                    warnings: vec![SyncWarning::Unsent { since: jst(4, 10) }],
                },
            ),
            (
                "a section laptop that has met nobody has nothing to send",
                Role::Section,
                vec![],
                vec![jst(4, 10)],
                SyncStanding {
                    last_with: None,
                    last_at: None,
                    unsent: 0,
                    warnings: vec![],
                },
            ),
            (
                "a section laptop counts what no peer has had, and warns of a contractor not seen",
                Role::Section,
                vec![hanako, peer("jiro", Role::Contractor, Some(jst(3, 9)), None)],
                vec![jst(8, 10), jst(8, 11) + 1],
                SyncStanding {
                    last_with: Some("hanako".into()),
                    last_at: Some(jst(8, 11)),
                    unsent: 1,
                    warnings: vec![SyncWarning::Unseen {
                        member: "jiro".into(),
                        since: Some(jst(3, 9)),
                    }],
                },
            ),
        ];
        for (what, role, peers, signed, want) in cases {
            assert_eq!(standing(now, role, &peers, &signed), want, "{what}");
        }
    }
}
