//! Access log documents (照会記録): one per member and month (Japan's month), listed in the office
//! document's `access_logs` index so that they sync like batches and reach the monthly archive.
//!
//! ```text
//! { kind: "kenshin/access-log", schema: 1, member, month: "YYYY-MM",
//!   lookups: [ "<Lookup as JSON>", ... ] }   append-only
//! ```
//! Each lookup is one JSON string: written once, never edited, and read whole.

use super::am::{self, ShapeResult};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, AutomergeError, ObjType, ReadDoc, ROOT};
use kenshin_domain::register::Lookup;

pub const KIND: &str = "kenshin/access-log";
pub const SCHEMA: i64 = 1;

/// Makes `doc` (new and empty) the access log of `member` for `month`.
pub fn init(doc: &mut AutoCommit, member: &str, month: &str) -> Result<(), AutomergeError> {
    doc.put(ROOT, "kind", KIND)?;
    doc.put(ROOT, "schema", SCHEMA)?;
    doc.put(ROOT, "member", member)?;
    doc.put(ROOT, "month", month)?;
    doc.put_object(ROOT, "lookups", ObjType::List)?;
    Ok(())
}

pub fn append(doc: &mut AutoCommit, lookups: &[Lookup]) -> Result<(), AutomergeError> {
    let list = am::root_obj(doc, "lookups")?;
    for lookup in lookups {
        let at = doc.length(&list);
        let json = serde_json::to_string(lookup).expect("a lookup serialises");
        doc.insert(&list, at, json)?;
    }
    Ok(())
}

pub fn read(doc: &AutoCommit) -> ShapeResult<Vec<Lookup>> {
    am::expect_kind(doc, KIND, SCHEMA)?;
    let list = am::obj(doc, &ROOT, "lookups", ObjType::List)?;
    let hydrated = doc
        .hydrate(&list, None)
        .map_err(|e| format!("lookups: {e}"))?;
    let automerge::hydrate::Value::List(items) = hydrated else {
        return Err("lookups is not a list".into());
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match &item.value {
            automerge::hydrate::Value::Scalar(automerge::ScalarValue::Str(s)) => {
                serde_json::from_str(s).map_err(|e| format!("lookup {i}: {e}"))
            }
            _ => Err(format!("lookup {i} is not text")),
        })
        .collect()
}
