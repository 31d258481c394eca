//! 消去証明: when a contract ends, a contractor laptop first syncs what it holds with a section
//! laptop, then destroys its home and the key, and its member signs what the laptop held and when it
//! was destroyed. The section checks the certificate against the office's roster.
//!
//! 消去命令: an admin may order the laptop of a removed member destroyed. A removed laptop is refused
//! at the handshake; the refusal carries the order, the laptop checks it against its own roster,
//! destroys itself and hands its certificate back on one last connection.

use crate::catalogue::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The largest certificate file read (it is a few kilobytes).
pub const MAX_CERTIFICATE_BYTES: u64 = 1 << 20;

/// What a destroyed home held, without personal data: how much, and of which batches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ErasedHome {
    /// The labels of the batches it held.
    pub batches: Vec<String>,
    #[ts(type = "number")]
    pub documents: u64,
    /// Vouchers in its register (people whose data it held).
    #[ts(type = "number")]
    pub vouchers: u64,
    /// The database file's size, bytes.
    #[ts(type = "number")]
    pub bytes: u64,
}

/// 消去証明, signed by the member whose laptop it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureCertificate {
    pub id: String,
    pub office: String,
    pub office_name: String,
    /// The member's id and name.
    pub member: String,
    pub member_name: String,
    /// The laptop: its sync key (X25519, hex), as the roster knows it.
    pub laptop: String,
    pub held: ErasedHome,
    /// The section member whose laptop it synced with last, whole, before the erasure (empty when
    /// destroyed on an order, which does not wait for a sync).
    pub synced_with: String,
    pub synced_at: Option<DateTime<Utc>>,
    pub destroyed_at: DateTime<Utc>,
    /// The 消去命令 it obeyed (its id), when an admin ordered it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered: Option<String>,
    pub signature: String,
}

/// 消去命令: an admin's signed order that the laptop of a removed member destroy its home.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureOrder {
    pub id: String,
    /// The removed member, and their laptop's sync key (X25519, hex) as the roster knows it.
    pub member: String,
    pub laptop: String,
    pub by: String,
    pub at: DateTime<Utc>,
    pub signature: String,
}

/// Why a laptop is not destroyed, or a certificate does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ErasureRefusal {
    #[error("this laptop has not synced whole with a section laptop now ({}): what it recorded would be lost; nothing was destroyed", .tried.join("; "))]
    NotSynced { tried: Vec<String> },
    #[error("the certificate is not readable: {why}")]
    Unreadable { why: String },
    #[error("the certificate is of another office ({office})")]
    OtherOffice { office: String },
    #[error("the certificate does not hold: {why}")]
    Invalid { why: CertificateFault },
    /// Only a removed member's laptop is ordered destroyed: a current one leaves with its own
    /// `office leave --wipe`.
    #[error("{name} is still a member: remove them first")]
    NotRemoved { name: String },
}

/// Why a readable certificate of this office does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum CertificateFault {
    #[error("its member is not in the office's roster")]
    UnknownMember,
    #[error("the laptop it names is not its member's")]
    OtherLaptop,
    #[error("its signature is not its member's (it was changed after it was signed)")]
    Signature,
}

/// Whether a laptop may be destroyed after its last sync: only once it synced whole with a section
/// member's laptop (`synced_with`: that member's role), so nothing recorded on it is lost.
pub fn check_erasure(synced_with: Option<Role>, tried: Vec<String>) -> Result<(), ErasureRefusal> {
    match synced_with {
        Some(Role::Section) => Ok(()),
        _ => Err(ErasureRefusal::NotSynced { tried }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signed::Signed;

    #[test]
    fn a_certificate_from_before_orders_reads_and_keeps_its_canonical_form() {
        let earlier = r#"{"id":"e1","office":"o","office_name":"事務所","member":"c","member_name":"委託 四郎",
            "laptop":"ab","held":{"batches":["令和8年度 月次"],"documents":3,"vouchers":12,"bytes":4096},
            "synced_with":"検認 花子","synced_at":"2026-12-01T09:00:00Z",
            "destroyed_at":"2026-12-01T09:01:00Z","signature":"00"}"#;
        let c: ErasureCertificate = serde_json::from_str(earlier).unwrap();
        assert_eq!(c.ordered, None);
        assert!(c.synced_at.is_some());
        let payload = String::from_utf8(c.payload("o", "o")).unwrap();
        assert!(
            payload.contains(r#""synced_at":"2026-12-01T09:00:00.000Z""#),
            "{payload}"
        );
        assert!(!payload.contains("order"), "{payload}");
        let ordered = ErasureCertificate {
            ordered: Some("o1".into()),
            ..c
        };
        assert!(String::from_utf8(ordered.payload("o", "o"))
            .unwrap()
            .contains(r#""order":"o1""#));
    }

    #[test]
    fn a_laptop_is_destroyed_only_after_a_whole_sync_with_the_section() {
        let tried = || vec!["192.0.2.1:7787: unreachable".to_string()];
        for (synced, ok) in [
            (Some(Role::Section), true),
            (Some(Role::Contractor), false),
            (None, false),
        ] {
            assert_eq!(check_erasure(synced, tried()).is_ok(), ok, "{synced:?}");
        }
        assert_eq!(
            check_erasure(None, tried()),
            Err(ErasureRefusal::NotSynced { tried: tried() })
        );
    }
}
