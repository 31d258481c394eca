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
    Refused { peer: String, why: String },
    #[error("the peer at {peer} is not a current member of this office ({why})")]
    UnknownPeer { peer: String, why: String },
    #[error(
        "the connection to {peer} was lost ({reason}); what arrived is kept: sync again to finish"
    )]
    Lost { peer: String, reason: String },
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
}
