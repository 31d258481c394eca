//! The office document (one per office): its name, the roster, and the index of batches.
//!
//! ```text
//! { kind: "kenshin/office", schema: 2, name, created_at,
//!   members: { <member id>: { name, role, approver, admin, sign_key, noise_key, added_by, added_at, signature } },
//!   invites: { <invite id>: { name, role, approver, key, by, at, signature } },
//!   removals: { <member id>: { by, at, kept: [sign-off id], signature } },
//!   batches: { <batch id = document id>: { process, label, fiscal_year, created_by, created_at } },
//!   access_logs: { <document id>: { member, month } } }
//! ```
//! `access_logs` indexes the access log documents (see `access`). Offices founded before it existed
//! get it from their first access log.
//! Roster records are signed (see `kenshin_domain::roster`); which of them hold is judged by the
//! reader, from the office's anchor key, never assumed from the document.

use super::am::{self, ShapeResult};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, AutomergeError, ObjType, ReadDoc, ROOT};
use chrono::{DateTime, Utc};
pub use kenshin_domain::roster::{Invite, Removal, RosterEntry};
use kenshin_domain::{Member, ProcessId, Role};
use serde::Serialize;

pub const KIND: &str = "kenshin/office";
/// 2: signed roster entries with public keys, invites and removals.
pub const SCHEMA: i64 = 2;

/// A batch as the office's index lists it: one run of a process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BatchRef {
    /// The batch document's id.
    pub batch_id: String,
    pub process: ProcessId,
    pub label: String,
    pub fiscal_year: i32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Office {
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub members: Vec<RosterEntry>,
    pub invites: Vec<Invite>,
    pub removals: Vec<Removal>,
    pub batches: Vec<BatchRef>,
    pub access_logs: Vec<AccessLogRef>,
}

/// An access log document: one member's lookups in one month (Japan's, YYYY-MM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessLogRef {
    pub doc_id: String,
    pub member: String,
    pub month: String,
}

impl Office {
    pub fn member(&self, id: &str) -> Option<&RosterEntry> {
        self.members.iter().find(|m| m.member.id == id)
    }
}

pub(crate) fn time(
    doc: &impl ReadDoc,
    obj: &automerge::ObjId,
    key: &str,
) -> ShapeResult<DateTime<Utc>> {
    let s = am::str(doc, obj, key)?;
    DateTime::parse_from_rfc3339(&s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{key} {s:?} is not a time: {e}"))
}

pub(crate) fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A new office document with its founding member.
pub fn create(name: &str, founder: &RosterEntry) -> Result<AutoCommit, AutomergeError> {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "kind", KIND)?;
    doc.put(ROOT, "schema", SCHEMA)?;
    doc.put(ROOT, "name", name)?;
    doc.put(ROOT, "created_at", time_text(founder.added_at))?;
    doc.put_object(ROOT, "members", ObjType::Map)?;
    doc.put_object(ROOT, "invites", ObjType::Map)?;
    doc.put_object(ROOT, "removals", ObjType::Map)?;
    doc.put_object(ROOT, "batches", ObjType::Map)?;
    doc.put_object(ROOT, "access_logs", ObjType::Map)?;
    add_member(&mut doc, founder)?;
    Ok(doc)
}

pub fn add_member(doc: &mut AutoCommit, entry: &RosterEntry) -> Result<(), AutomergeError> {
    let members = am::root_obj(doc, "members")?;
    let m = doc.put_object(&members, entry.member.id.as_str(), ObjType::Map)?;
    doc.put(&m, "name", entry.member.name.as_str())?;
    doc.put(&m, "role", entry.member.role.as_str())?;
    doc.put(&m, "approver", entry.member.approver)?;
    doc.put(&m, "admin", entry.member.admin)?;
    match &entry.added_by {
        Some(by) => doc.put(&m, "added_by", by.as_str())?,
        None => doc.put(&m, "added_by", automerge::ScalarValue::Null)?,
    }
    doc.put(&m, "added_at", time_text(entry.added_at))?;
    doc.put(&m, "sign_key", entry.sign_key.as_str())?;
    doc.put(&m, "noise_key", entry.noise_key.as_str())?;
    doc.put(&m, "signature", entry.signature.as_str())?;
    Ok(())
}

pub fn add_invite(doc: &mut AutoCommit, invite: &Invite) -> Result<(), AutomergeError> {
    let invites = am::root_obj(doc, "invites")?;
    let i = doc.put_object(&invites, invite.id.as_str(), ObjType::Map)?;
    doc.put(&i, "name", invite.name.as_str())?;
    doc.put(&i, "role", invite.role.as_str())?;
    doc.put(&i, "approver", invite.approver)?;
    doc.put(&i, "key", invite.key.as_str())?;
    doc.put(&i, "by", invite.by.as_str())?;
    doc.put(&i, "at", time_text(invite.at))?;
    doc.put(&i, "signature", invite.signature.as_str())?;
    Ok(())
}

pub fn add_removal(doc: &mut AutoCommit, removal: &Removal) -> Result<(), AutomergeError> {
    let removals = am::root_obj(doc, "removals")?;
    let r = doc.put_object(&removals, removal.member.as_str(), ObjType::Map)?;
    doc.put(&r, "by", removal.by.as_str())?;
    doc.put(&r, "at", time_text(removal.at))?;
    let kept = doc.put_object(&r, "kept", ObjType::List)?;
    for (i, id) in removal.kept.iter().enumerate() {
        doc.insert(&kept, i, id.as_str())?;
    }
    doc.put(&r, "signature", removal.signature.as_str())?;
    Ok(())
}

pub fn add_batch(doc: &mut AutoCommit, batch: &BatchRef) -> Result<(), AutomergeError> {
    let batches = am::root_obj(doc, "batches")?;
    let b = doc.put_object(&batches, batch.batch_id.as_str(), ObjType::Map)?;
    doc.put(&b, "process", batch.process.code())?;
    doc.put(&b, "label", batch.label.as_str())?;
    doc.put(&b, "fiscal_year", i64::from(batch.fiscal_year))?;
    doc.put(&b, "created_by", batch.created_by.as_str())?;
    doc.put(&b, "created_at", time_text(batch.created_at))?;
    Ok(())
}

pub fn add_access_log(doc: &mut AutoCommit, log: &AccessLogRef) -> Result<(), AutomergeError> {
    let logs = match doc.get(ROOT, "access_logs")? {
        Some((automerge::Value::Object(ObjType::Map), id)) => id,
        _ => doc.put_object(ROOT, "access_logs", ObjType::Map)?,
    };
    let l = doc.put_object(&logs, log.doc_id.as_str(), ObjType::Map)?;
    doc.put(&l, "member", log.member.as_str())?;
    doc.put(&l, "month", log.month.as_str())?;
    Ok(())
}

fn read_access_logs(doc: &impl ReadDoc) -> ShapeResult<Vec<AccessLogRef>> {
    let Some((automerge::Value::Object(ObjType::Map), logs)) = doc
        .get(ROOT, "access_logs")
        .map_err(|e| format!("access_logs: {e}"))?
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for id in doc.keys(&logs) {
        let l = am::obj(doc, &logs, &id, ObjType::Map)?;
        let field = |e: String| format!("access log {id}: {e}");
        out.push(AccessLogRef {
            member: am::str(doc, &l, "member").map_err(field)?,
            month: am::str(doc, &l, "month").map_err(field)?,
            doc_id: id,
        });
    }
    Ok(out)
}

pub fn read(doc: &impl ReadDoc) -> ShapeResult<Office> {
    am::expect_kind(doc, KIND, SCHEMA)?;
    let members_obj = am::obj(doc, &ROOT, "members", ObjType::Map)?;
    let mut members = Vec::new();
    for id in doc.keys(&members_obj) {
        let m = am::obj(doc, &members_obj, &id, ObjType::Map)?;
        let field = |e: String| format!("member {id}: {e}");
        let role: Role = am::str(doc, &m, "role")
            .and_then(|r| r.parse())
            .map_err(field)?;
        members.push(RosterEntry {
            member: Member {
                id: id.clone(),
                name: am::str(doc, &m, "name").map_err(field)?,
                role,
                approver: am::bool(doc, &m, "approver").map_err(field)?,
                admin: am::bool(doc, &m, "admin").map_err(field)?,
            },
            added_by: am::opt_str(doc, &m, "added_by").map_err(field)?,
            added_at: time(doc, &m, "added_at").map_err(field)?,
            sign_key: am::str(doc, &m, "sign_key").map_err(field)?,
            noise_key: am::str(doc, &m, "noise_key").map_err(field)?,
            signature: am::str(doc, &m, "signature").map_err(field)?,
        });
    }
    members.sort_by(|a, b| (a.added_at, &a.member.id).cmp(&(b.added_at, &b.member.id)));

    let batches_obj = am::obj(doc, &ROOT, "batches", ObjType::Map)?;
    let mut batches = Vec::new();
    for id in doc.keys(&batches_obj) {
        let b = am::obj(doc, &batches_obj, &id, ObjType::Map)?;
        let field = |e: String| format!("batch {id}: {e}");
        let process = am::str(doc, &b, "process")
            .and_then(|p| p.parse::<ProcessId>().map_err(|e| e.to_string()))
            .map_err(field)?;
        let fiscal_year = am::int(doc, &b, "fiscal_year").map_err(field)?;
        batches.push(BatchRef {
            batch_id: id.clone(),
            process,
            label: am::str(doc, &b, "label").map_err(field)?,
            fiscal_year: i32::try_from(fiscal_year)
                .map_err(|_| field("fiscal_year out of range".into()))?,
            created_by: am::str(doc, &b, "created_by").map_err(field)?,
            created_at: time(doc, &b, "created_at").map_err(field)?,
        });
    }
    batches.sort_by(|a, b| (a.created_at, &a.batch_id).cmp(&(b.created_at, &b.batch_id)));

    let invites_obj = am::obj(doc, &ROOT, "invites", ObjType::Map)?;
    let mut invites = Vec::new();
    for id in doc.keys(&invites_obj) {
        let i = am::obj(doc, &invites_obj, &id, ObjType::Map)?;
        let field = |e: String| format!("invite {id}: {e}");
        invites.push(Invite {
            id: id.clone(),
            name: am::str(doc, &i, "name").map_err(field)?,
            role: am::str(doc, &i, "role")
                .and_then(|r| r.parse())
                .map_err(field)?,
            approver: am::bool(doc, &i, "approver").map_err(field)?,
            key: am::str(doc, &i, "key").map_err(field)?,
            by: am::str(doc, &i, "by").map_err(field)?,
            at: time(doc, &i, "at").map_err(field)?,
            signature: am::str(doc, &i, "signature").map_err(field)?,
        });
    }
    let removals_obj = am::obj(doc, &ROOT, "removals", ObjType::Map)?;
    let mut removals = Vec::new();
    for id in doc.keys(&removals_obj) {
        let r = am::obj(doc, &removals_obj, &id, ObjType::Map)?;
        let field = |e: String| format!("removal of {id}: {e}");
        let kept_obj = am::obj(doc, &r, "kept", ObjType::List).map_err(field)?;
        let kept = (0..doc.length(&kept_obj))
            .map(|k| match doc.get(&kept_obj, k) {
                Ok(Some((automerge::Value::Scalar(s), _))) => match s.as_ref() {
                    automerge::ScalarValue::Str(t) => Ok(t.to_string()),
                    other => Err(field(format!("kept {k} is {other:?}"))),
                },
                other => Err(field(format!("kept {k} is {other:?}"))),
            })
            .collect::<ShapeResult<Vec<String>>>()?;
        removals.push(Removal {
            member: id.clone(),
            by: am::str(doc, &r, "by").map_err(field)?,
            at: time(doc, &r, "at").map_err(field)?,
            kept,
            signature: am::str(doc, &r, "signature").map_err(field)?,
        });
    }
    Ok(Office {
        name: am::str(doc, &ROOT, "name")?,
        created_at: time(doc, &ROOT, "created_at")?,
        members,
        invites,
        removals,
        batches,
        access_logs: read_access_logs(doc)?,
    })
}
