//! Who is who in an office: each member's keys (Ed25519 to sign, X25519 for the laptop on the wire),
//! signatures, and which roster entries and signed records hold, judged from the office's anchor key
//! down. Pure apart from key generation: the archive, the core and sync all judge with it.

pub mod identity;
pub mod roster;
pub mod sealing;

pub use identity::{verify, KeptKeys, Keys, NoiseKeys, NOISE_PATTERN};
pub use roster::{invite_signer, kept, Roster, Vouched};

/// A key that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("bad key: {0}")]
pub struct BadKey(pub String);
