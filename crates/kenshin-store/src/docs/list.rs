//! A list document (one per list snapshot: targets, production, pull-outs, ...), written once and never
//! changed. The rows are one compressed bytes value, so 150,000 rows cost one op, sync once, and can be
//! checked against their sha256.
//!
//! ```text
//! { kind: "kenshin/list", schema: 2,
//!   meta: "<{ office, batch, list_kind, encoding, source_name, row_count, byte_len, sha256,
//!            compression: "deflate", created_by, created_at } as JSON>",
//!   rows: <bytes> }
//! ```
//! The document's id is derived from its meta, and the meta holds the rows' sha256: whatever a peer
//! writes into the document later, the reader takes the meta its id was made from and the rows that
//! match it. Schema 1 (random ids) kept the meta as root fields; its rows are checked against the
//! sha256 of the batch's (signed or vouched) reference.

use super::am::ShapeResult;
use super::history::History;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, AutomergeError, ReadDoc, ScalarValue, ROOT};
use chrono::{DateTime, SubsecRound, Utc};
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use kenshin_domain::signed::content_id;
use kenshin_domain::ListKind;
pub use kenshin_domain::ListRef;
use samod_core::DocumentId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};

pub const KIND: &str = "kenshin/list";
/// 2: the meta as one value the document's id is derived from.
pub const SCHEMA: i64 = 2;
/// The most canonical rows a list may hold (a peer's `byte_len` is checked against it before
/// anything is allocated): about 20 times the annual 150,000-voucher list.
pub const MAX_ROWS_BYTES: u64 = 512 * 1024 * 1024;

/// What a list snapshot is, without its rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// The stored meta: what the list is, and where it belongs.
#[derive(Serialize, Deserialize)]
struct MetaJson {
    office: String,
    batch: String,
    #[serde(flatten)]
    meta: ListMeta,
    compression: String,
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

/// Builds a list document holding `rows` (canonical bytes) compressed as one value, and its id.
pub fn create(
    new: &NewList<'_>,
    rows: &[u8],
) -> Result<(AutoCommit, ListMeta, DocumentId), AutomergeError> {
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
    let text = serde_json::to_string(&MetaJson {
        office: new.office.to_string(),
        batch: new.batch.to_string(),
        meta: meta.clone(),
        compression: "deflate".into(),
    })
    .expect("a list meta serialises");
    let id = DocumentId::try_from(content_id(text.as_bytes()).to_vec())
        .expect("16 bytes are a document id");
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "kind", KIND)?;
    doc.put(ROOT, "schema", SCHEMA)?;
    doc.put(ROOT, "meta", text)?;
    doc.put(ROOT, "rows", ScalarValue::Bytes(deflate(rows)))?;
    Ok((doc, meta, id))
}

/// Fast compression: lists are written while someone waits for an import.
fn deflate(rows: &[u8]) -> Vec<u8> {
    let mut enc = DeflateEncoder::new(Vec::with_capacity(rows.len() / 4), Compression::fast());
    enc.write_all(rows)
        .and_then(|()| enc.finish())
        .expect("compressing into memory cannot fail")
}

/// The meta of a list written before schema 2, from its first root fields.
fn legacy_meta(history: &History) -> ShapeResult<ListMeta> {
    let text = |key: &str| match history.root(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        _ => Err(format!("{key} is missing")),
    };
    let uint = |key: &str| {
        history
            .root(key)
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("{key} is not a whole number"))
    };
    Ok(ListMeta {
        list_kind: text("list_kind")?.parse()?,
        encoding: text("encoding")?,
        source_name: text("source_name")?,
        row_count: uint("row_count")?,
        byte_len: uint("byte_len")?,
        sha256: text("sha256")?,
        created_by: text("created_by")?,
        created_at: super::json::parse_time(&text("created_at")?)?,
    })
}

/// What the list document `id` holds: the meta its id was made from (or, written before schema 2,
/// its first meta fields), and the rows that match it, decompressed and checked against its length
/// and sha256.
pub fn read_rows(doc: &mut AutoCommit, id: &DocumentId) -> ShapeResult<(ListMeta, Vec<u8>)> {
    // An untouched list proves itself from its current state; only one that was written over
    // needs its history read (which copies every value it ever held).
    if let Some(found) = as_it_stands(doc, id) {
        return Ok(found);
    }
    let history = History::read(doc, &[]);
    let schema = history.expect_kind(KIND, SCHEMA)?;
    let meta = if schema >= 2 {
        history
            .root_values("meta")
            .iter()
            .filter_map(|v| v.value.as_str())
            .filter(|text| content_id(text.as_bytes()) == id.as_bytes())
            .find_map(|text| serde_json::from_str::<MetaJson>(text).ok())
            .map(|m| m.meta)
            .ok_or("no meta of this list matches its id")?
    } else {
        legacy_meta(&history)?
    };
    if meta.byte_len > MAX_ROWS_BYTES {
        return Err(format!(
            "its rows claim {} bytes, more than a list may hold ({MAX_ROWS_BYTES})",
            meta.byte_len
        ));
    }
    let mut why = "rows is missing".to_string();
    for candidate in history.root_values("rows") {
        let Some(compressed) = &candidate.bytes else {
            why = "rows is not bytes".into();
            continue;
        };
        match inflate(compressed, &meta) {
            Ok(rows) => return Ok((meta, rows)),
            Err(e) => why = e,
        }
    }
    Err(why)
}

/// The meta the id was made from and the rows that match it, if the document's current state holds
/// both.
fn as_it_stands(doc: &AutoCommit, id: &DocumentId) -> Option<(ListMeta, Vec<u8>)> {
    let metas = doc.get_all(ROOT, "meta").ok()?;
    let meta = metas.iter().find_map(|(v, _)| {
        let text = v.as_str()?;
        (content_id(text.as_bytes()) == id.as_bytes())
            .then(|| serde_json::from_str::<MetaJson>(text).ok())
            .flatten()
    })?;
    let meta = meta.meta;
    if meta.byte_len > MAX_ROWS_BYTES {
        return None;
    }
    doc.get_all(ROOT, "rows")
        .ok()?
        .iter()
        .find_map(|(v, _)| match v {
            automerge::Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Bytes(b) => inflate(b, &meta).ok(),
                _ => None,
            },
            _ => None,
        })
        .map(|rows| (meta, rows))
}

fn inflate(compressed: &[u8], meta: &ListMeta) -> ShapeResult<Vec<u8>> {
    // `byte_len` is capped above, so this allocation is bounded.
    let mut rows = Vec::with_capacity(meta.byte_len as usize);
    DeflateDecoder::new(compressed)
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
    Ok(rows)
}
