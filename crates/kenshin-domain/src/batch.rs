//! A batch (業務): one run of a process, e.g. "1-2 / 2026-05".

use crate::catalogue::ProcessId;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A batch as its creator signed it and the office's index lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BatchRef {
    /// The batch document's id (derived from the rest: see [`crate::signed::batch_id_bytes`]).
    pub batch_id: String,
    pub process: ProcessId,
    pub label: String,
    pub fiscal_year: i32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Random, so two batches made alike get two ids.
    #[serde(skip)]
    #[ts(skip)]
    pub nonce: String,
    /// The creator's signature (hex); empty for a batch made before signing.
    #[serde(skip)]
    #[ts(skip)]
    pub signature: String,
}
