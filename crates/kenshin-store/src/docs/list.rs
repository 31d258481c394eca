//! A list document (one per list snapshot: targets, production, pull-outs, ...), written once and never
//! changed. The rows are one compressed bytes value, so 150,000 rows cost one op, sync once, and can be
//! checked against their sha256.
//!
//! ```text
//! { kind: "kenshin/list", schema: 1, office, batch, list_kind, encoding, source_name, row_count,
//!   byte_len, sha256, compression: "deflate", created_by, created_at, rows: <bytes> }
//! ```

use super::am::{self, ShapeResult};
use super::office::{time, time_text};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, AutomergeError, ReadDoc, ScalarValue, Value, ROOT};
use chrono::{DateTime, SubsecRound, Utc};
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use kenshin_domain::ListKind;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};

pub const KIND: &str = "kenshin/list";
pub const SCHEMA: i64 = 1;

/// What a list snapshot is, without its rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListMeta {
    pub list_kind: ListKind,
    /// The encoding of the file it came from (`cp932`, `utf-8`, ...); the rows are stored canonical.
    pub encoding: String,
    pub source_name: String,
    pub row_count: u64,
    /// Length of the canonical rows, uncompressed.
    pub byte_len: u64,
    /// sha256 of the canonical rows, hex.
    pub sha256: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A batch's reference to one of its lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ListRef {
    pub doc_id: String,
    pub list_kind: ListKind,
    pub sha256: String,
    #[ts(type = "number")]
    pub row_count: u64,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The fields of a new list document that are not derived from its rows.
pub struct NewList<'a> {
    pub office: &'a str,
    pub batch: &'a str,
    pub list_kind: ListKind,
    pub encoding: &'a str,
    pub source_name: &'a str,
    pub row_count: u64,
    pub created_by: &'a str,
    pub created_at: DateTime<Utc>,
}

/// Builds a list document holding `rows` (canonical bytes) compressed as one value.
pub fn create(new: &NewList<'_>, rows: &[u8]) -> Result<(AutoCommit, ListMeta), AutomergeError> {
    let meta = ListMeta {
        list_kind: new.list_kind,
        encoding: new.encoding.to_string(),
        source_name: new.source_name.to_string(),
        row_count: new.row_count,
        byte_len: rows.len() as u64,
        sha256: sha256_hex(rows),
        created_by: new.created_by.to_string(),
        // Times are stored to the millisecond.
        created_at: new.created_at.trunc_subsecs(3),
    };
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "kind", KIND)?;
    doc.put(ROOT, "schema", SCHEMA)?;
    doc.put(ROOT, "office", new.office)?;
    doc.put(ROOT, "batch", new.batch)?;
    doc.put(ROOT, "list_kind", meta.list_kind.code())?;
    doc.put(ROOT, "encoding", meta.encoding.as_str())?;
    doc.put(ROOT, "source_name", meta.source_name.as_str())?;
    doc.put(ROOT, "row_count", meta.row_count)?;
    doc.put(ROOT, "byte_len", meta.byte_len)?;
    doc.put(ROOT, "sha256", meta.sha256.as_str())?;
    doc.put(ROOT, "compression", "deflate")?;
    doc.put(ROOT, "created_by", meta.created_by.as_str())?;
    doc.put(ROOT, "created_at", time_text(meta.created_at))?;
    doc.put(ROOT, "rows", ScalarValue::Bytes(deflate(rows)))?;
    Ok((doc, meta))
}

/// Fast compression: lists are written while someone waits for an import.
fn deflate(rows: &[u8]) -> Vec<u8> {
    let mut enc = DeflateEncoder::new(Vec::with_capacity(rows.len() / 4), Compression::fast());
    enc.write_all(rows)
        .and_then(|()| enc.finish())
        .expect("compressing into memory cannot fail")
}

fn uint(doc: &AutoCommit, key: &str) -> ShapeResult<u64> {
    u64::try_from(am::int(doc, &ROOT, key)?).map_err(|_| format!("{key} is negative"))
}

pub fn read_meta(doc: &AutoCommit) -> ShapeResult<ListMeta> {
    am::expect_kind(doc, KIND, SCHEMA)?;
    Ok(ListMeta {
        list_kind: am::str(doc, &ROOT, "list_kind")?.parse()?,
        encoding: am::str(doc, &ROOT, "encoding")?,
        source_name: am::str(doc, &ROOT, "source_name")?,
        row_count: uint(doc, "row_count")?,
        byte_len: uint(doc, "byte_len")?,
        sha256: am::str(doc, &ROOT, "sha256")?,
        created_by: am::str(doc, &ROOT, "created_by")?,
        created_at: time(doc, &ROOT, "created_at")?,
    })
}

/// The list's canonical rows, decompressed and checked against the recorded length and sha256.
pub fn read_rows(doc: &AutoCommit) -> ShapeResult<(ListMeta, Vec<u8>)> {
    let meta = read_meta(doc)?;
    let compressed = match doc.get(ROOT, "rows").map_err(|e| e.to_string())? {
        Some((Value::Scalar(s), _)) => match s.into_owned() {
            ScalarValue::Bytes(b) => b,
            other => return Err(format!("rows is {other:?}, not bytes")),
        },
        _ => return Err("rows is missing".to_string()),
    };
    let mut rows = Vec::with_capacity(usize::try_from(meta.byte_len).unwrap_or(0));
    DeflateDecoder::new(compressed.as_slice())
        .take(meta.byte_len + 1)
        .read_to_end(&mut rows)
        .map_err(|e| format!("rows do not decompress: {e}"))?;
    if rows.len() as u64 != meta.byte_len || sha256_hex(&rows) != meta.sha256 {
        return Err(format!(
            "rows do not match their sha256 {} ({} bytes recorded, {} found)",
            meta.sha256,
            meta.byte_len,
            rows.len()
        ));
    }
    Ok((meta, rows))
}
