//! Typed reads of an entry rebuilt from history (JSON); a wrong shape is an error naming the field.

use super::am::ShapeResult;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeMap;

fn field<'v>(v: &'v Value, key: &str) -> ShapeResult<&'v Value> {
    match v {
        Value::Object(m) => Ok(m.get(key).unwrap_or(&Value::Null)),
        other => Err(format!("it is {}, not a record", kind(other))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a record",
    }
}

pub(crate) fn opt_str(v: &Value, key: &str) -> ShapeResult<Option<String>> {
    match field(v, key)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        other => Err(format!("{key} is {}, not text", kind(other))),
    }
}

pub(crate) fn str(v: &Value, key: &str) -> ShapeResult<String> {
    opt_str(v, key)?.ok_or_else(|| format!("{key} is missing"))
}

pub(crate) fn int(v: &Value, key: &str) -> ShapeResult<i64> {
    match field(v, key)? {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| format!("{key} is not a whole number")),
        Value::Null => Err(format!("{key} is missing")),
        other => Err(format!("{key} is {}, not a whole number", kind(other))),
    }
}

pub(crate) fn bool(v: &Value, key: &str) -> ShapeResult<bool> {
    match field(v, key)? {
        Value::Bool(b) => Ok(*b),
        Value::Null => Err(format!("{key} is missing")),
        other => Err(format!("{key} is {}, not true or false", kind(other))),
    }
}

pub(crate) fn parse_time(s: &str) -> ShapeResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{s:?} is not a time: {e}"))
}

pub(crate) fn time(v: &Value, key: &str) -> ShapeResult<DateTime<Utc>> {
    parse_time(&str(v, key)?).map_err(|e| format!("{key}: {e}"))
}

pub(crate) fn strs(v: &Value, key: &str) -> ShapeResult<Vec<String>> {
    match field(v, key)? {
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Value::String(s) => Ok(s.clone()),
                other => Err(format!("{key} {i} is {}, not text", kind(other))),
            })
            .collect(),
        other => Err(format!("{key} is {}, not a list", kind(other))),
    }
}

pub(crate) fn ints(v: &Value, key: &str) -> ShapeResult<BTreeMap<String, i64>> {
    match field(v, key)? {
        Value::Object(m) => m
            .iter()
            .map(|(k, x)| {
                x.as_i64()
                    .map(|n| (k.clone(), n))
                    .ok_or_else(|| format!("{key}.{k} is not a whole number"))
            })
            .collect(),
        other => Err(format!("{key} is {}, not a record", kind(other))),
    }
}
