//! Kenshin's sync: the authenticated and encrypted transport (Noise XX over
//! TCP, only current members get past it), LAN discovery (mDNS), and the samod engine that keeps a
//! home's documents in sync with its peers.

mod error;

pub use error::{Result, SyncError};
pub mod discovery;
pub mod engine;
pub mod transport;

pub use engine::{
    Config, Engine, Event, Office, PeerStatus, Scope, StoreSignal, StoredKeys, SyncReport,
};
pub use transport::{Gate, Hello};
