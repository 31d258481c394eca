//! Access log documents (照会記録): one per member and month (Japan's month), listed in the office
//! document's `access_logs` index so that they sync like batches and reach the monthly archive.
//!
//! ```text
//! { kind: "kenshin/access-log", schema: 2, member, month: "YYYY-MM",
//!   lookups: [ "<Lookup as JSON, signed by who looked>", ... ],   append-only
//!   migrations: [ { id, schema, vouched: [mark], by, at, signature } ] }
//! ```
//! Each lookup is one JSON string, written once, signed by the member who looked (schema 1 lookups
//! were unsigned, and count when a member vouched for them on upgrading). The reader takes every
//! lookup ever added, from the changes that added them: a deleted one is still read, and shown.

use super::am::{self, ShapeResult};
use super::batch::{entries, migration, split, Provenance};
use super::history::History;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, AutomergeError, ObjType, ReadDoc, ROOT};
use kenshin_domain::register::Lookup;
use kenshin_domain::signed::Migration;
use serde_json::Value;

pub const KIND: &str = "kenshin/access-log";
/// 2: each lookup signed; migrations.
pub const SCHEMA: i64 = 2;

/// An access log as read from its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLog {
    /// Whose log it says it is (each lookup names and signs its own looker).
    pub member: String,
    pub month: String,
    /// The schema the document was created with.
    pub schema: i64,
    pub lookups: Vec<Lookup>,
    pub provenance: Vec<Provenance>,
    pub migrations: Vec<Migration>,
    pub migration_provenance: Vec<Provenance>,
    pub problems: Vec<String>,
}

/// Makes `doc` (new and empty) the access log of `member` for `month`.
pub fn init(doc: &mut AutoCommit, member: &str, month: &str) -> Result<(), AutomergeError> {
    doc.put(ROOT, "kind", KIND)?;
    doc.put(ROOT, "schema", SCHEMA)?;
    doc.put(ROOT, "member", member)?;
    doc.put(ROOT, "month", month)?;
    doc.put_object(ROOT, "lookups", ObjType::List)?;
    doc.put_object(ROOT, "migrations", ObjType::List)?;
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

/// Records an upgrade of the log (see [`Migration`]) and raises its `schema`.
pub fn migrate(doc: &mut AutoCommit, m: &Migration) -> Result<(), AutomergeError> {
    super::batch::migrate(doc, m)
}

fn lookup(v: &Value) -> ShapeResult<Lookup> {
    match v {
        Value::String(s) => serde_json::from_str(s).map_err(|e| e.to_string()),
        _ => Err("it is not text".into()),
    }
}

pub fn read(doc: &mut AutoCommit) -> ShapeResult<AccessLog> {
    let history = History::read(doc, &["lookups", "migrations"]);
    let schema = history.expect_kind(KIND, SCHEMA)?;
    let text = |key: &str| match history.root(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        _ => Err(format!("{key} is missing")),
    };
    let mut problems: Vec<String> = history
        .tampering
        .iter()
        .map(|t| history.describe(t))
        .collect();
    let (lookups, provenance) = split(entries(
        &history,
        "lookups",
        "照会記録",
        lookup,
        &mut problems,
    ));
    let (migrations, migration_provenance) = split(entries(
        &history,
        "migrations",
        "版の更新",
        migration,
        &mut problems,
    ));
    Ok(AccessLog {
        member: text("member")?,
        month: text("month")?,
        schema,
        lookups,
        provenance,
        migrations,
        migration_provenance,
        problems,
    })
}
