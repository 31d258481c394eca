//! Kenshin's documents and their home on disk.
//!
//! A home is one SQLite file (SQLCipher-encrypted, WAL, synchronous=FULL) holding the Automerge documents as chunks in
//! samod's storage layout ([`SqliteStorage`] is samod's `Storage` over the same table) and query
//! projections derived from them. Every write runs in one transaction: the document change and its
//! projections are committed together, before anyone is told it succeeded.

mod access;
pub mod docs;
mod error;
mod gate;
mod home;
mod key;
mod projection;
mod register;
mod secret;
mod storage;

pub use docs::access::AccessLog;
pub use docs::batch::{Batch, Provenance};
pub use docs::list::{ListMeta, ListRef, NewList};
pub use docs::office::{AccessLogRef, IndexedBatch, Invite, Office, Removal, RosterEntry};
pub use docs::{batch_doc_id, OFFICE_DOC};
pub use error::{Result, StoreError};
pub use home::{connect, new_document_id, Home, Stored, Tx, DB_FILE};
pub use kenshin_domain::register::VoucherStatus;
pub use kenshin_domain::BatchRef;
pub use key::{destroy, needs_passphrase, set_passphrase, HomeDir, KEY_FILE, PASSPHRASE_ENV};
pub use projection::{BoardBatch, BoardStep, JudgedMember, RosterProblem, SignOffView};
pub use register::{sheet_of, Found, RegisterEntry, VoucherEvent};
pub use samod_core::DocumentId;
pub use secret::{open_with_secret, seal_with_secret};
pub use storage::SqliteStorage;
