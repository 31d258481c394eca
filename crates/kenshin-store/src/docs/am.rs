//! Small typed accessors over Automerge maps; a wrong shape is an error naming the field.

use automerge::{AutoCommit, AutomergeError, ObjId, ObjType, ReadDoc, ScalarValue, Value};

pub(crate) type ShapeResult<T> = std::result::Result<T, String>;

fn scalar<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> ShapeResult<Option<ScalarValue>> {
    match doc.get(obj, key).map_err(|e| format!("{key}: {e}"))? {
        None => Ok(None),
        Some((Value::Scalar(s), _)) => Ok(Some(s.into_owned())),
        Some((Value::Object(t), _)) => Err(format!("{key} is a {t:?}, not a value")),
    }
}

pub(crate) fn opt_str<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> ShapeResult<Option<String>> {
    match scalar(doc, obj, key)? {
        None | Some(ScalarValue::Null) => Ok(None),
        Some(ScalarValue::Str(s)) => Ok(Some(s.to_string())),
        Some(other) => Err(format!("{key} is {other:?}, not text")),
    }
}

pub(crate) fn str<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> ShapeResult<String> {
    opt_str(doc, obj, key)?.ok_or_else(|| format!("{key} is missing"))
}

pub(crate) fn int<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> ShapeResult<i64> {
    match scalar(doc, obj, key)? {
        Some(ScalarValue::Int(i)) => Ok(i),
        Some(ScalarValue::Uint(u)) => i64::try_from(u).map_err(|_| format!("{key} is too large")),
        Some(other) => Err(format!("{key} is {other:?}, not a whole number")),
        None => Err(format!("{key} is missing")),
    }
}

pub(crate) fn obj<D: ReadDoc>(
    doc: &D,
    parent: &ObjId,
    key: &str,
    want: ObjType,
) -> ShapeResult<ObjId> {
    match doc.get(parent, key).map_err(|e| format!("{key}: {e}"))? {
        Some((Value::Object(t), id)) if t == want => Ok(id),
        Some((v, _)) => Err(format!("{key} is {v:?}, not a {want:?}")),
        None => Err(format!("{key} is missing")),
    }
}

/// An object every document of its kind is created with (so writers never create it concurrently).
pub(crate) fn root_obj(doc: &AutoCommit, key: &str) -> Result<ObjId, AutomergeError> {
    match doc.get(automerge::ROOT, key)? {
        Some((Value::Object(_), id)) => Ok(id),
        _ => Err(AutomergeError::InvalidObjId(key.to_string())),
    }
}

/// Checks a document's kind and schema, written at its root when it was created.
pub(crate) fn expect_kind<D: ReadDoc>(doc: &D, kind: &str, schema: i64) -> ShapeResult<()> {
    let found = str(doc, &automerge::ROOT, "kind")?;
    if found != kind {
        return Err(format!("it is a {found:?} document, not {kind:?}"));
    }
    let found_schema = int(doc, &automerge::ROOT, "schema")?;
    if found_schema > schema {
        return Err(format!(
            "schema {found_schema} is newer than this build reads ({schema})"
        ));
    }
    Ok(())
}
