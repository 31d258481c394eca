//! Kenshin's sync: who a laptop is (keys), which roster entries and sign-offs hold (signatures
//! checked from the office's anchor key), the authenticated and encrypted transport (Noise XX over
//! TCP, only current members get past it), LAN discovery (mDNS), and the samod engine that keeps a
//! home's documents in sync with its peers.

mod error;
pub mod identity;
pub mod roster;

pub use error::{Result, SyncError};
pub use identity::{verify, Keys};
pub use roster::{kept_mark, Roster};
pub mod discovery;
pub mod engine;
pub mod transport;

pub use engine::{
    Config, Engine, Event, Office, PeerStatus, Scope, StoreSignal, StoredKeys, SyncReport,
};
pub use transport::{Gate, Hello};
