//! Small helpers over Automerge documents.

use automerge::{AutoCommit, AutomergeError, ObjId, ReadDoc, Value};

pub(crate) type ShapeResult<T> = std::result::Result<T, String>;

/// An object every document of its kind is created with (so writers never create it concurrently).
pub(crate) fn root_obj(doc: &AutoCommit, key: &str) -> Result<ObjId, AutomergeError> {
    match doc.get(automerge::ROOT, key)? {
        Some((Value::Object(_), id)) => Ok(id),
        _ => Err(AutomergeError::InvalidObjId(key.to_string())),
    }
}
