use kenshin_domain::sync::Refusal;
use thiserror::Error;

pub type Result<T, E = SyncError> = std::result::Result<T, E>;

#[derive(Debug, Error)]
pub enum SyncError {
    #[error("bad key: {0}")]
    BadKey(String),
    #[error("encrypted channel: {0}")]
    Noise(String),
    #[error("connection to {addr}: {source}")]
    Io {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{peer} refused this laptop: {why}")]
    Refused { peer: String, why: Refusal },
    #[error("the peer at {peer} is not a current member of this office ({why})")]
    UnknownPeer { peer: String, why: Refusal },
    #[error(
        "the connection to {peer} was lost ({reason}); what arrived is kept: sync again to finish"
    )]
    Lost { peer: String, reason: String },
    /// Not a sync: a destroyed laptop handed back its certificate, and it was recorded.
    #[error("{member}'s destroyed laptop handed back its erasure certificate")]
    HandedBack { member: String },
    #[error("could not connect to {address}: {why}")]
    Unreachable { address: String, why: String },
    #[error("protocol: {0}")]
    Protocol(String),
    #[error("the sync engine stopped")]
    Stopped,
    #[error("timed out after {secs} s waiting for {what}")]
    Timeout { what: String, secs: u64 },
    #[error("LAN discovery (mDNS): {0}")]
    Discovery(String),
    #[error("{0}")]
    Office(String),
    #[error("this laptop holds no data key of the office to seal with toward a relay: an admin makes one (`kenshin office data-key`), and this laptop receives it on its next sync with a member who has it")]
    NoDataKey,
}

impl SyncError {
    /// A refusal at the handshake: whether the peer refused this laptop, and why.
    pub fn refusal(&self) -> Option<(bool, &Refusal)> {
        match self {
            SyncError::Refused { why, .. } => Some((true, why)),
            SyncError::UnknownPeer { why, .. } => Some((false, why)),
            _ => None,
        }
    }
}
