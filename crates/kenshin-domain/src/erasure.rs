//! 消去証明: when a contract ends, a contractor laptop first syncs what it holds with a section
//! laptop, then destroys its home and the key, and its member signs what the laptop held and when it
//! was destroyed. The section checks the certificate against the office's roster.

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
    /// The section member whose laptop it synced with last, whole, before the erasure.
    pub synced_with: String,
    pub synced_at: DateTime<Utc>,
    pub destroyed_at: DateTime<Utc>,
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
