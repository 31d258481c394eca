//! The office document (one per office): its name, the roster, and the index of batches.
//!
//! ```text
//! { kind: "kenshin/office", schema: 3, name, created_at,
//!   members: { <member id>: { name, role, approver, admin, sign_key, noise_key, added_by, added_at, signature } },
//!   invites: { <invite id>: { name, role, approver, key, by, at, signature } },
//!   removals: { <member id>: { by, at, kept: [record id:signature], signature } },
//!   batches: { <batch id = document id>: "<the batch's signed meta as JSON>" },
//!   access_logs: { <document id>: { member, month } },
//!   deputies: { <setting id>: { member, deputy, by, at, signature } },
//!   settings: { <record id>: { settings: "<the settings as JSON>", by, at, signature } },
//!   role_changes: { <change id>: { member, role, approver, by, at, signature } },
//!   data_keys: { <record id>: { epoch, check, by, at, signature } },
//!   key_shares: { <share id>: { check, member, to, ephemeral, sealed } },
//!   laptop_year_keys: { <record id>: { fiscal_year, laptop, key } },
//!   year_key_shares: { <share id>: { fiscal_year, bound, check, to, ephemeral, sealed } },
//!   filings: { <record id>: { month, sha256, by, at, signature, held (JSON text) } },
//!   year_closes: { <record id>: { fiscal_year, by, at, signature } },
//!   purges: { <record id>: { fiscal_year, by, at, signature } },
//!   redactions: { <record id>: { lost_by, lists (JSON text), by, at, signature } },
//!   erasure_orders: { <record id>: { member, laptop, by, at, signature } },
//!   erasures: { <certificate id>: { certificate (JSON text, signed by its member) } },
//!   migrations: [ { id, schema, vouched: [mark], by, at, signature } ] }
//! ```
//! `access_logs` indexes the access log documents (see `access`): a hint of where lookups are, each
//! lookup being signed itself. Schema 2 held each batch's meta as an unsigned map, which counts when
//! a member vouched for it on upgrading (`migrations`).
//! Roster records are signed (see `kenshin_domain::roster`); which of them hold is judged by the
//! reader, from the office's anchor key, never assumed from the document.

use super::am::{self, ShapeResult};
use super::batch::{entries, meta_json, migration, parse_meta, split, Provenance};
use super::history::{Causality, History, Item};
use super::json;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, AutomergeError, ObjType, ReadDoc, ROOT};
use chrono::{DateTime, Utc};
pub use kenshin_domain::erasure::{ErasureCertificate, ErasureOrder};
pub use kenshin_domain::filing::{Filing, YearClose};
pub use kenshin_domain::retention::{Purge, Redaction};
pub use kenshin_domain::roster::{
    DataKeyRecord, DeputySetting, Invite, KeyShare, LaptopYearKey, Removal, RoleChange,
    RosterEntry, YearKeyShare,
};
pub use kenshin_domain::settings::SettingsRecord;
use kenshin_domain::signed::{legacy_mark, Migration};
use kenshin_domain::{BatchRef, Member, ProcessId};
use serde::Serialize;
use serde_json::Value;

pub const KIND: &str = "kenshin/office";
/// 2: signed roster entries with public keys, invites and removals.
/// 3: each batch's signed meta in the index; migrations.
pub const SCHEMA: i64 = 3;
/// 4: role changes (役割の変更). Raised by a signed migration in the change that writes the first,
/// since a build before them would judge entries with the roles the members were added with.
pub const ROLES_SCHEMA: i64 = 4;
/// 5: the insurer's settings (保険者情報) in a settings record, raised the same way: a build before
/// them would drop the insurer from the record and find its signature broken.
pub const INSURER_SCHEMA: i64 = 5;
/// 6: the office's data keys for sealed relay sync (中継用の暗号鍵) and their shares, raised the same
/// way: a build before them would remove a member without a new key, so the removed member could
/// read what is sealed after.
pub const KEYS_SCHEMA: i64 = 6;
/// 7: months filed (月次の保存) and fiscal years closed (年度締め), raised the same way: a build before
/// them would keep taking entries in a closed year.
pub const YEARS_SCHEMA: i64 = 7;
/// 8: deletions of departed persons' rows (資格喪失者の削除), raised the same way: a build before them
/// would keep the old lists and count the new ones for nothing. The newest this build reads.
pub const REDACTIONS_SCHEMA: i64 = 8;

/// A batch as the office's index lists it: the meta, and for one listed before signing its legacy
/// mark. Which hold is for the reader to judge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexedBatch {
    /// The office its meta names.
    pub office: String,
    pub meta: BatchRef,
    pub mark: Option<String>,
}

/// The office as read from its document's history: every roster record ever added (an overwritten
/// or deleted one included), in log order; which hold is for the reader to judge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Office {
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub members: Vec<RosterEntry>,
    pub invites: Vec<Invite>,
    pub removals: Vec<Removal>,
    /// 代決者の指定: admins' signed settings, in the document's order.
    pub deputies: Vec<DeputySetting>,
    /// 事務所の設定: admins' signed records of the settings, whole.
    pub settings: Vec<SettingsRecord>,
    /// 役割の変更: admins' signed changes of a member's role and approver authority.
    pub role_changes: Vec<RoleChange>,
    /// 中継用の暗号鍵: admins' signed data keys, each id once; which hold is for the reader to judge.
    pub data_keys: Vec<DataKeyRecord>,
    /// Each member's share of a data key, each id once.
    pub key_shares: Vec<KeyShare>,
    /// Each laptop's public key for a fiscal year, each id once. (Added without raising the schema,
    /// as the shares below: an earlier build ignores both and seals every document under the data
    /// key.)
    pub laptop_year_keys: Vec<LaptopYearKey>,
    /// Each fiscal year's data key sealed to a laptop's key for that year, each id once.
    pub year_key_shares: Vec<YearKeyShare>,
    /// 月次の保存: members' signed records of a month's archive written and checked, each id once.
    pub filings: Vec<Filing>,
    /// 年度締め: approvers' signed closes of a fiscal year, each id once.
    pub year_closes: Vec<YearClose>,
    /// 保存期間満了による削除: approvers' signed deletions of a fiscal year, each id once.
    pub purges: Vec<Purge>,
    /// 資格喪失者の削除: approvers' signed deletions of departed persons' rows, each id once.
    pub redactions: Vec<Redaction>,
    /// 消去命令: admins' signed orders that a removed member's laptop destroy its home, each id once.
    /// (Added without raising the schema: an earlier build ignores them and sends no order.)
    pub erasure_orders: Vec<ErasureOrder>,
    /// 消去証明 handed back by destroyed laptops, each id once; each is judged by its signature.
    pub erasures: Vec<ErasureCertificate>,
    /// Every index entry ever added (a batch listed twice, or under a forged meta, included).
    pub batches: Vec<IndexedBatch>,
    pub access_logs: Vec<AccessLogRef>,
    pub migrations: Vec<Migration>,
    #[serde(skip)]
    pub migration_provenance: Vec<Provenance>,
    /// The schema the document was created with.
    pub schema: i64,
    /// Causal order of the roster records: over members, then invites, then removals, then the
    /// admins' deputy settings, role changes and settings.
    #[serde(skip)]
    pub causality: Causality,
    /// Tampering and malformed records, for people.
    pub problems: Vec<String>,
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
    doc.put_object(ROOT, "migrations", ObjType::List)?;
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

/// Lists a batch in the index, with its signed meta.
pub fn add_batch(
    doc: &mut AutoCommit,
    office: &str,
    batch: &BatchRef,
) -> Result<(), AutomergeError> {
    let batches = am::root_obj(doc, "batches")?;
    doc.put(&batches, batch.batch_id.as_str(), meta_json(office, batch))?;
    Ok(())
}

/// Records an upgrade of the office document (see [`Migration`]) and raises its `schema`.
pub fn migrate(doc: &mut AutoCommit, m: &Migration) -> Result<(), AutomergeError> {
    super::batch::migrate(doc, m)
}

/// A map at the root that documents made before it lack: made by the first record put in it.
fn later_map(doc: &mut AutoCommit, key: &str) -> Result<automerge::ObjId, AutomergeError> {
    match doc.get(ROOT, key)? {
        Some((automerge::Value::Object(ObjType::Map), id)) => Ok(id),
        _ => doc.put_object(ROOT, key, ObjType::Map),
    }
}

pub fn add_access_log(doc: &mut AutoCommit, log: &AccessLogRef) -> Result<(), AutomergeError> {
    let logs = later_map(doc, "access_logs")?;
    let l = doc.put_object(&logs, log.doc_id.as_str(), ObjType::Map)?;
    doc.put(&l, "member", log.member.as_str())?;
    doc.put(&l, "month", log.month.as_str())?;
    Ok(())
}

/// Records an admin's deputy setting (the container is made by the first).
pub fn add_deputy_setting(doc: &mut AutoCommit, d: &DeputySetting) -> Result<(), AutomergeError> {
    let settings = later_map(doc, "deputies")?;
    let e = doc.put_object(&settings, d.id.as_str(), ObjType::Map)?;
    doc.put(&e, "member", d.member.as_str())?;
    doc.put(&e, "deputy", d.deputy)?;
    doc.put(&e, "by", d.by.as_str())?;
    doc.put(&e, "at", time_text(d.at))?;
    doc.put(&e, "signature", d.signature.as_str())?;
    Ok(())
}

/// Records an admin's settings of the office, whole.
pub fn add_settings(doc: &mut AutoCommit, r: &SettingsRecord) -> Result<(), AutomergeError> {
    let records = later_map(doc, "settings")?;
    let e = doc.put_object(&records, r.id.as_str(), ObjType::Map)?;
    let json = serde_json::to_string(&r.settings).expect("settings serialise");
    doc.put(&e, "settings", json)?;
    doc.put(&e, "by", r.by.as_str())?;
    doc.put(&e, "at", time_text(r.at))?;
    doc.put(&e, "signature", r.signature.as_str())?;
    Ok(())
}

/// Records an admin's change of a member's role.
pub fn add_role_change(doc: &mut AutoCommit, c: &RoleChange) -> Result<(), AutomergeError> {
    let changes = later_map(doc, "role_changes")?;
    let e = doc.put_object(&changes, c.id.as_str(), ObjType::Map)?;
    doc.put(&e, "member", c.member.as_str())?;
    doc.put(&e, "role", c.role.as_str())?;
    doc.put(&e, "approver", c.approver)?;
    doc.put(&e, "by", c.by.as_str())?;
    doc.put(&e, "at", time_text(c.at))?;
    doc.put(&e, "signature", c.signature.as_str())?;
    Ok(())
}

/// Records an admin's new data key (the container is made by the first).
pub fn add_data_key(doc: &mut AutoCommit, r: &DataKeyRecord) -> Result<(), AutomergeError> {
    let keys = later_map(doc, "data_keys")?;
    let e = doc.put_object(&keys, r.id.as_str(), ObjType::Map)?;
    doc.put(&e, "epoch", i64::from(r.epoch))?;
    doc.put(&e, "check", r.check.as_str())?;
    doc.put(&e, "by", r.by.as_str())?;
    doc.put(&e, "at", time_text(r.at))?;
    doc.put(&e, "signature", r.signature.as_str())?;
    Ok(())
}

/// Records a member's share of a data key.
pub fn add_key_share(doc: &mut AutoCommit, k: &KeyShare) -> Result<(), AutomergeError> {
    let shares = later_map(doc, "key_shares")?;
    let e = doc.put_object(&shares, k.id.as_str(), ObjType::Map)?;
    doc.put(&e, "check", k.check.as_str())?;
    doc.put(&e, "member", k.member.as_str())?;
    doc.put(&e, "to", k.to.as_str())?;
    doc.put(&e, "ephemeral", k.ephemeral.as_str())?;
    doc.put(&e, "sealed", k.sealed.as_str())?;
    Ok(())
}

/// Records a laptop's public key for a fiscal year.
pub fn add_laptop_year_key(doc: &mut AutoCommit, k: &LaptopYearKey) -> Result<(), AutomergeError> {
    let keys = later_map(doc, "laptop_year_keys")?;
    let e = doc.put_object(&keys, k.id.as_str(), ObjType::Map)?;
    doc.put(&e, "fiscal_year", i64::from(k.fiscal_year))?;
    doc.put(&e, "laptop", k.laptop.as_str())?;
    doc.put(&e, "key", k.key.as_str())?;
    Ok(())
}

/// Records a fiscal year's data key sealed to one laptop's key for that year.
pub fn add_year_key_share(doc: &mut AutoCommit, k: &YearKeyShare) -> Result<(), AutomergeError> {
    let shares = later_map(doc, "year_key_shares")?;
    let e = doc.put_object(&shares, k.id.as_str(), ObjType::Map)?;
    doc.put(&e, "fiscal_year", i64::from(k.fiscal_year))?;
    doc.put(&e, "bound", k.bound.as_str())?;
    doc.put(&e, "check", k.check.as_str())?;
    doc.put(&e, "to", k.to.as_str())?;
    doc.put(&e, "ephemeral", k.ephemeral.as_str())?;
    doc.put(&e, "sealed", k.sealed.as_str())?;
    Ok(())
}

/// Records a month's archive, written and checked.
pub fn add_filing(doc: &mut AutoCommit, f: &Filing) -> Result<(), AutomergeError> {
    let filings = later_map(doc, "filings")?;
    let e = doc.put_object(&filings, f.id.as_str(), ObjType::Map)?;
    doc.put(&e, "month", f.month.to_string())?;
    doc.put(&e, "sha256", f.sha256.as_str())?;
    doc.put(&e, "by", f.by.as_str())?;
    doc.put(&e, "at", time_text(f.at))?;
    doc.put(&e, "signature", f.signature.as_str())?;
    // One text, as settings are: read back whole and judged with the signature over it.
    let held = serde_json::to_string(&f.held).expect("plain strings serialise");
    doc.put(&e, "held", held)?;
    Ok(())
}

/// Records an approver's close of a fiscal year.
pub fn add_year_close(doc: &mut AutoCommit, c: &YearClose) -> Result<(), AutomergeError> {
    add_year_record(doc, "year_closes", c)
}

/// Records an approver's deletion of a fiscal year (its fields are a close's).
pub fn add_purge(doc: &mut AutoCommit, p: &Purge) -> Result<(), AutomergeError> {
    let as_close = YearClose {
        id: p.id.clone(),
        fiscal_year: p.fiscal_year,
        by: p.by.clone(),
        at: p.at,
        signature: p.signature.clone(),
    };
    add_year_record(doc, "purges", &as_close)
}

/// Records an approver's deletion of departed persons' rows.
pub fn add_redaction(doc: &mut AutoCommit, r: &Redaction) -> Result<(), AutomergeError> {
    let records = later_map(doc, "redactions")?;
    let e = doc.put_object(&records, r.id.as_str(), ObjType::Map)?;
    doc.put(&e, "lost_by", r.lost_by.to_string())?;
    // One text, as a filing's holdings are: read back whole and judged with the signature over it.
    let lists = serde_json::to_string(&r.lists).expect("plain fields serialise");
    doc.put(&e, "lists", lists)?;
    doc.put(&e, "by", r.by.as_str())?;
    doc.put(&e, "at", time_text(r.at))?;
    doc.put(&e, "signature", r.signature.as_str())?;
    Ok(())
}

/// Records an admin's order that a removed member's laptop destroy its home.
pub fn add_erasure_order(doc: &mut AutoCommit, o: &ErasureOrder) -> Result<(), AutomergeError> {
    let orders = later_map(doc, "erasure_orders")?;
    let e = doc.put_object(&orders, o.id.as_str(), ObjType::Map)?;
    doc.put(&e, "member", o.member.as_str())?;
    doc.put(&e, "laptop", o.laptop.as_str())?;
    doc.put(&e, "by", o.by.as_str())?;
    doc.put(&e, "at", time_text(o.at))?;
    doc.put(&e, "signature", o.signature.as_str())?;
    Ok(())
}

/// Records a destroyed laptop's certificate, whole, as it was handed over.
pub fn add_erasure(doc: &mut AutoCommit, c: &ErasureCertificate) -> Result<(), AutomergeError> {
    let erasures = later_map(doc, "erasures")?;
    let e = doc.put_object(&erasures, c.id.as_str(), ObjType::Map)?;
    let text = serde_json::to_string(c).expect("plain fields serialise");
    doc.put(&e, "certificate", text)?;
    Ok(())
}

fn add_year_record(
    doc: &mut AutoCommit,
    container: &str,
    c: &YearClose,
) -> Result<(), AutomergeError> {
    let records = later_map(doc, container)?;
    let e = doc.put_object(&records, c.id.as_str(), ObjType::Map)?;
    doc.put(&e, "fiscal_year", i64::from(c.fiscal_year))?;
    doc.put(&e, "by", c.by.as_str())?;
    doc.put(&e, "at", time_text(c.at))?;
    doc.put(&e, "signature", c.signature.as_str())?;
    Ok(())
}

/// The containers whose items are records, in an office document.
pub const CONTAINERS: [&str; 19] = [
    "members",
    "invites",
    "removals",
    "batches",
    "access_logs",
    "migrations",
    "deputies",
    "settings",
    "role_changes",
    "data_keys",
    "key_shares",
    "laptop_year_keys",
    "year_key_shares",
    "filings",
    "year_closes",
    "purges",
    "redactions",
    "erasure_orders",
    "erasures",
];

fn data_key(id: &str, v: &Value) -> ShapeResult<DataKeyRecord> {
    Ok(DataKeyRecord {
        id: id.to_string(),
        epoch: u32::try_from(json::int(v, "epoch")?).map_err(|_| "epoch out of range")?,
        check: json::str(v, "check")?,
        by: json::str(v, "by")?,
        at: json::time(v, "at")?,
        signature: json::str(v, "signature")?,
    })
}

fn filing(id: &str, v: &Value) -> ShapeResult<Filing> {
    Ok(Filing {
        id: id.to_string(),
        month: json::str(v, "month")?.parse()?,
        sha256: json::str(v, "sha256")?,
        by: json::str(v, "by")?,
        at: json::time(v, "at")?,
        signature: json::str(v, "signature")?,
        held: serde_json::from_str(&json::str(v, "held")?).map_err(|e| e.to_string())?,
    })
}

fn purge(id: &str, v: &Value) -> ShapeResult<Purge> {
    let close = year_close(id, v)?;
    Ok(Purge {
        id: close.id,
        fiscal_year: close.fiscal_year,
        by: close.by,
        at: close.at,
        signature: close.signature,
    })
}

fn redaction(id: &str, v: &Value) -> ShapeResult<Redaction> {
    Ok(Redaction {
        id: id.to_string(),
        lost_by: json::str(v, "lost_by")?
            .parse()
            .map_err(|e| format!("lost_by: {e}"))?,
        lists: serde_json::from_str(&json::str(v, "lists")?).map_err(|e| e.to_string())?,
        by: json::str(v, "by")?,
        at: json::time(v, "at")?,
        signature: json::str(v, "signature")?,
    })
}

fn erasure_order(id: &str, v: &Value) -> ShapeResult<ErasureOrder> {
    Ok(ErasureOrder {
        id: id.to_string(),
        member: json::str(v, "member")?,
        laptop: json::str(v, "laptop")?,
        by: json::str(v, "by")?,
        at: json::time(v, "at")?,
        signature: json::str(v, "signature")?,
    })
}

fn erasure(id: &str, v: &Value) -> ShapeResult<ErasureCertificate> {
    let c: ErasureCertificate =
        serde_json::from_str(&json::str(v, "certificate")?).map_err(|e| e.to_string())?;
    if c.id != id {
        return Err(format!("filed under {id} but its id is {}", c.id));
    }
    Ok(c)
}

fn year_close(id: &str, v: &Value) -> ShapeResult<YearClose> {
    Ok(YearClose {
        id: id.to_string(),
        fiscal_year: fiscal_year(v)?,
        by: json::str(v, "by")?,
        at: json::time(v, "at")?,
        signature: json::str(v, "signature")?,
    })
}

fn key_share(id: &str, v: &Value) -> ShapeResult<KeyShare> {
    Ok(KeyShare {
        id: id.to_string(),
        check: json::str(v, "check")?,
        member: json::str(v, "member")?,
        to: json::str(v, "to")?,
        ephemeral: json::str(v, "ephemeral")?,
        sealed: json::str(v, "sealed")?,
    })
}

fn fiscal_year(v: &Value) -> ShapeResult<i32> {
    Ok(i32::try_from(json::int(v, "fiscal_year")?).map_err(|_| "fiscal_year out of range")?)
}

fn laptop_year_key(id: &str, v: &Value) -> ShapeResult<LaptopYearKey> {
    Ok(LaptopYearKey {
        id: id.to_string(),
        fiscal_year: fiscal_year(v)?,
        laptop: json::str(v, "laptop")?,
        key: json::str(v, "key")?,
    })
}

fn year_key_share(id: &str, v: &Value) -> ShapeResult<YearKeyShare> {
    Ok(YearKeyShare {
        id: id.to_string(),
        fiscal_year: fiscal_year(v)?,
        bound: json::str(v, "bound")?,
        check: json::str(v, "check")?,
        to: json::str(v, "to")?,
        ephemeral: json::str(v, "ephemeral")?,
        sealed: json::str(v, "sealed")?,
    })
}

fn role_change(id: &str, v: &Value) -> ShapeResult<RoleChange> {
    Ok(RoleChange {
        id: id.to_string(),
        member: json::str(v, "member")?,
        role: json::str(v, "role")?.parse()?,
        approver: json::bool(v, "approver")?,
        by: json::str(v, "by")?,
        at: json::time(v, "at")?,
        signature: json::str(v, "signature")?,
    })
}

fn settings(id: &str, v: &Value) -> ShapeResult<SettingsRecord> {
    Ok(SettingsRecord {
        id: id.to_string(),
        settings: serde_json::from_str(&json::str(v, "settings")?).map_err(|e| e.to_string())?,
        by: json::str(v, "by")?,
        at: json::time(v, "at")?,
        signature: json::str(v, "signature")?,
    })
}

fn deputy(id: &str, v: &Value) -> ShapeResult<DeputySetting> {
    Ok(DeputySetting {
        id: id.to_string(),
        member: json::str(v, "member")?,
        deputy: json::bool(v, "deputy")?,
        by: json::str(v, "by")?,
        at: json::time(v, "at")?,
        signature: json::str(v, "signature")?,
    })
}

fn member(id: &str, v: &Value) -> ShapeResult<RosterEntry> {
    Ok(RosterEntry {
        member: Member {
            id: id.to_string(),
            name: json::str(v, "name")?,
            role: json::str(v, "role")?.parse()?,
            approver: json::bool(v, "approver")?,
            admin: json::bool(v, "admin")?,
        },
        added_by: json::opt_str(v, "added_by")?,
        added_at: json::time(v, "added_at")?,
        sign_key: json::str(v, "sign_key")?,
        noise_key: json::str(v, "noise_key")?,
        signature: json::str(v, "signature")?,
    })
}

fn invite(id: &str, v: &Value) -> ShapeResult<Invite> {
    Ok(Invite {
        id: id.to_string(),
        name: json::str(v, "name")?,
        role: json::str(v, "role")?.parse()?,
        approver: json::bool(v, "approver")?,
        key: json::str(v, "key")?,
        by: json::str(v, "by")?,
        at: json::time(v, "at")?,
        signature: json::str(v, "signature")?,
    })
}

fn removal(id: &str, v: &Value) -> ShapeResult<Removal> {
    Ok(Removal {
        member: id.to_string(),
        by: json::str(v, "by")?,
        at: json::time(v, "at")?,
        kept: json::strs(v, "kept")?,
        signature: json::str(v, "signature")?,
    })
}

fn batch(id: &str, v: &Value) -> ShapeResult<IndexedBatch> {
    if let Value::String(text) = v {
        let (office, meta) = parse_meta(id, text)?;
        return Ok(IndexedBatch {
            office,
            meta,
            mark: None,
        });
    }
    // Listed before signing: the meta's fields as a map.
    Ok(IndexedBatch {
        office: String::new(),
        meta: BatchRef {
            batch_id: id.to_string(),
            process: json::str(v, "process")?
                .parse::<ProcessId>()
                .map_err(|e| e.to_string())?,
            label: json::str(v, "label")?,
            fiscal_year: fiscal_year(v)?,
            created_by: json::str(v, "created_by")?,
            created_at: json::time(v, "created_at")?,
            nonce: String::new(),
            signature: String::new(),
        },
        mark: Some(legacy_mark("batches", v)),
    })
}

fn access_log(id: &str, v: &Value) -> ShapeResult<AccessLogRef> {
    Ok(AccessLogRef {
        doc_id: id.to_string(),
        member: json::str(v, "member")?,
        month: json::str(v, "month")?,
    })
}

/// Reads each record of a map container; a malformed one is named in `problems` and skipped.
fn records<'h, T>(
    history: &'h History,
    container: &str,
    what: &str,
    parse: impl Fn(&str, &Value) -> ShapeResult<T>,
    problems: &mut Vec<String>,
) -> Vec<(T, &'h Item)> {
    let mut out = Vec::new();
    for item in history.items(container) {
        let key = item.key.as_deref().unwrap_or_default();
        match parse(key, &item.value) {
            Ok(t) => out.push((t, item)),
            Err(why) => problems.push(format!("{what} {key} は読めません（{why}）")),
        }
    }
    out
}

/// Keeps the first record of each key (an index entry written again counts once).
fn first_per_key<T>(records: Vec<(T, &Item)>) -> Vec<T> {
    first_of_each(records).into_iter().map(|(t, _)| t).collect()
}

/// As [`first_per_key`], with each record's item.
fn first_of_each<T>(records: Vec<(T, &Item)>) -> Vec<(T, &Item)> {
    let mut seen = std::collections::HashSet::new();
    records
        .into_iter()
        .filter(|(_, item)| seen.insert(item.key.clone()))
        .collect()
}

/// Reads the office from its document's whole history. Fails only when the document is not an
/// office at all; a malformed record is named in `problems` and the rest reads.
pub fn read(doc: &mut AutoCommit) -> ShapeResult<Office> {
    let history = History::read(doc, &CONTAINERS);
    let schema = history.expect_kind(KIND, REDACTIONS_SCHEMA)?;
    let text = |key: &str| match history.root(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        _ => Err(format!("{key} is missing")),
    };
    let mut problems: Vec<String> = history
        .tampering
        .iter()
        .map(|t| history.describe(t))
        .collect();
    let members = records(&history, "members", "名簿の登録", member, &mut problems);
    let invites = records(&history, "invites", "招待", invite, &mut problems);
    let removals = records(
        &history,
        "removals",
        "名簿からの削除",
        removal,
        &mut problems,
    );
    // The admins' office-wide records, each id once, judged in causal order like the roster's.
    let deputies = first_of_each(records(
        &history,
        "deputies",
        "代決者の指定",
        deputy,
        &mut problems,
    ));
    let role_changes = first_of_each(records(
        &history,
        "role_changes",
        "役割の変更",
        role_change,
        &mut problems,
    ));
    let settings = first_of_each(records(
        &history,
        "settings",
        "事務所の設定",
        settings,
        &mut problems,
    ));
    let items: Vec<&Item> = members
        .iter()
        .map(|(_, i)| *i)
        .chain(invites.iter().map(|(_, i)| *i))
        .chain(removals.iter().map(|(_, i)| *i))
        .chain(deputies.iter().map(|(_, i)| *i))
        .chain(role_changes.iter().map(|(_, i)| *i))
        .chain(settings.iter().map(|(_, i)| *i))
        .collect();
    let causality = history.causality(&items);
    // Every index entry: the reader keeps the first of each batch that holds.
    let mut batches: Vec<IndexedBatch> = records(&history, "batches", "業務", batch, &mut problems)
        .into_iter()
        .map(|(b, _)| b)
        .collect();
    batches.sort_by(|a, b| {
        (a.meta.created_at, &a.meta.batch_id).cmp(&(b.meta.created_at, &b.meta.batch_id))
    });
    let (migrations, migration_provenance) = split(entries(
        &history,
        "migrations",
        "版の更新",
        migration,
        &mut problems,
    ));
    Ok(Office {
        name: text("name")?,
        created_at: json::parse_time(&text("created_at")?)?,
        members: members.into_iter().map(|(m, _)| m).collect(),
        invites: invites.into_iter().map(|(i, _)| i).collect(),
        removals: removals.into_iter().map(|(r, _)| r).collect(),
        deputies: deputies.into_iter().map(|(d, _)| d).collect(),
        role_changes: role_changes.into_iter().map(|(c, _)| c).collect(),
        settings: settings.into_iter().map(|(r, _)| r).collect(),
        data_keys: first_per_key(records(
            &history,
            "data_keys",
            "中継用の暗号鍵",
            data_key,
            &mut problems,
        )),
        key_shares: first_per_key(records(
            &history,
            "key_shares",
            "暗号鍵の配布",
            key_share,
            &mut problems,
        )),
        laptop_year_keys: first_per_key(records(
            &history,
            "laptop_year_keys",
            "年度ごとの端末鍵",
            laptop_year_key,
            &mut problems,
        )),
        year_key_shares: first_per_key(records(
            &history,
            "year_key_shares",
            "年度の暗号鍵の配布",
            year_key_share,
            &mut problems,
        )),
        filings: first_per_key(records(
            &history,
            "filings",
            "月次の保存",
            filing,
            &mut problems,
        )),
        year_closes: first_per_key(records(
            &history,
            "year_closes",
            "年度締め",
            year_close,
            &mut problems,
        )),
        purges: first_per_key(records(
            &history,
            "purges",
            "記録の削除",
            purge,
            &mut problems,
        )),
        redactions: first_per_key(records(
            &history,
            "redactions",
            "資格喪失者の削除",
            redaction,
            &mut problems,
        )),
        erasure_orders: first_per_key(records(
            &history,
            "erasure_orders",
            "消去命令",
            erasure_order,
            &mut problems,
        )),
        erasures: first_per_key(records(
            &history,
            "erasures",
            "消去証明",
            erasure,
            &mut problems,
        )),
        batches,
        access_logs: first_per_key(records(
            &history,
            "access_logs",
            "照会記録",
            access_log,
            &mut problems,
        )),
        migrations,
        migration_provenance,
        schema,
        causality,
        problems,
    })
}
