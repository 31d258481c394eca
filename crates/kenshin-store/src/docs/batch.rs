//! A batch document (one per run of a process, e.g. "1-2 / 2026-05"): kept small.
//!
//! ```text
//! { kind: "kenshin/batch", schema: 3,
//!   meta: "<the creator's signed meta as JSON>",             // the document's id is derived from it
//!   lists: [ { doc_id, list_kind, sha256, row_count, by, at, signature } ],
//!   signoffs: [ { id, step, action, by, at, counts: {name: n}, note?, send_back?, heads_seen: [hex], signature } ],
//!   vouchers: [ { id, voucher_no, kind: inquiry|returned, on, from, text, by, at, signature } ],
//!   migrations: [ { id, schema, vouched: [mark], by, at, signature } ] }
//! ```
//! Every container is append-only: concurrent entries from two laptops merge as two inserts, and
//! nothing is overwritten. Every record is signed; the reader takes each from the change that added
//! it (see [`History`]) and leaves judging to the caller.
//!
//! Schema 2 and earlier (written before signing) kept the meta as root fields (`office`, `process`,
//! `label`, `fiscal_year`, `created_by`, `created_at`) and unsigned list references and notes; they
//! count when a member vouched for them on upgrading (`migrations`).

use super::am::{self, ShapeResult};
use super::history::{Causality, History, Item};
use super::json;
use super::office::time_text;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, AutomergeError, ObjType, ReadDoc, ScalarValue, ROOT};
use kenshin_domain::register::{NoteKind, VoucherNote};
use kenshin_domain::signed::{batch_id_bytes, legacy_mark, Migration};
use kenshin_domain::trust::Causal;
use kenshin_domain::workflow::Marking;
use kenshin_domain::{BatchRef, ListKind, ListRef, ProcessId, SignOff};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const KIND: &str = "kenshin/batch";
/// 2: `vouchers` became an append-only list of notes (it was a map).
/// 3: a signed meta the document's id derives from; signed list references and notes; migrations.
pub const SCHEMA: i64 = 3;
/// The schema of a batch that holds a 取下げ, 代決 or 後閲 (raised by a signed migration in the change
/// that writes the first: a build from before them would take it for a plain entry, so it reads the
/// document as newer and changes nothing).
pub const MARKED_SCHEMA: i64 = 4;
/// The schema of a batch that holds a loss-of-coverage list (資格喪失者リスト), raised the same way: a
/// build from before it would not void those vouchers.
pub const VOIDS_SCHEMA: i64 = 5;
/// The schema of a batch a deletion of departed persons' rows (資格喪失者の削除) gave a new list, raised
/// the same way: a build from before it would count the new list for nothing. The newest this build
/// reads.
pub const REDACTED_SCHEMA: i64 = 6;

/// A batch as read from its document's history: every record ever added, in log order, with where
/// each came from. Which of them count is for the caller to judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub office: String,
    pub meta: BatchRef,
    /// For a batch made before signing: its meta's legacy mark (a migration must vouch for it).
    pub meta_mark: Option<String>,
    /// The schema the document was created with.
    pub schema: i64,
    pub lists: Vec<ListRef>,
    pub list_provenance: Vec<Provenance>,
    pub signoffs: Vec<SignOff>,
    /// Where each sign-off came from, beside it.
    pub provenance: Vec<Provenance>,
    pub notes: Vec<VoucherNote>,
    pub note_provenance: Vec<Provenance>,
    pub migrations: Vec<Migration>,
    pub migration_provenance: Vec<Provenance>,
    /// Causal order over the sign-offs, then the list references.
    pub causality: Causality,
    /// Tampering and malformed entries, for people (never part of any rule but "show it").
    pub problems: Vec<String>,
}

/// How a record reached the document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Provenance {
    /// The change that added it, and its actor (hex).
    pub change: String,
    pub actor: String,
    /// Whether its signed `heads_seen` are the dependencies of the change that added it (a copy added
    /// later, or elsewhere, is not). Records without `heads_seen` always match.
    pub heads_match: bool,
    /// What later changes did to it (deleted, overwritten, altered), for people.
    pub tampered: Vec<String>,
    /// Its legacy mark, for a record written before signing (empty for a signed one).
    pub mark: String,
}

impl Batch {
    /// Every member id its records name as their signer, in the roster or not: judging the batch
    /// reads the roster's entries of these members only.
    pub fn signers(&self) -> std::collections::BTreeSet<&str> {
        use kenshin_domain::signed::Signed;
        std::iter::once(self.meta.signer())
            .chain(self.lists.iter().map(|l| l.signer()))
            .chain(self.signoffs.iter().map(|e| e.signer()))
            .chain(self.notes.iter().map(|n| n.signer()))
            .chain(self.migrations.iter().map(|m| m.signer()))
            .collect()
    }

    /// The latest list of a kind (a later import of the same kind replaces it).
    pub fn current_list(&self, kind: ListKind) -> Option<&ListRef> {
        self.lists.iter().rev().find(|l| l.list_kind == kind)
    }

    pub fn lists_of(&self, kind: ListKind) -> impl Iterator<Item = &ListRef> {
        self.lists.iter().filter(move |l| l.list_kind == kind)
    }

    pub fn notes_of(&self, kind: NoteKind) -> impl Iterator<Item = &VoucherNote> {
        self.notes.iter().filter(move |n| n.kind == kind)
    }

    /// Whether sign-off `j` was in the past of the change that added sign-off `i`.
    pub fn saw(&self, j: usize, i: usize) -> bool {
        self.causality.in_past(j, i)
    }
}

impl Causal for Batch {
    fn signoff_before_list(&self, j: usize, i: usize) -> bool {
        self.causality.in_past(j, self.signoffs.len() + i)
    }
    fn list_before_signoff(&self, i: usize, j: usize) -> bool {
        self.causality.in_past(self.signoffs.len() + i, j)
    }
    fn same_change(&self, i: usize, j: usize) -> bool {
        self.causality.same_change(self.signoffs.len() + i, j)
    }
}

/// The meta as stored: the signed fields, the office, and the signature.
#[derive(Serialize, Deserialize)]
struct MetaJson {
    office: String,
    process: String,
    label: String,
    fiscal_year: i32,
    created_by: String,
    created_at: chrono::DateTime<chrono::Utc>,
    nonce: String,
    signature: String,
}

/// The meta as the document stores it (and the office's index repeats it).
pub fn meta_json(office: &str, meta: &BatchRef) -> String {
    serde_json::to_string(&MetaJson {
        office: office.to_string(),
        process: meta.process.code().to_string(),
        label: meta.label.clone(),
        fiscal_year: meta.fiscal_year,
        created_by: meta.created_by.clone(),
        created_at: meta.created_at,
        nonce: meta.nonce.clone(),
        signature: meta.signature.clone(),
    })
    .expect("a meta serialises")
}

/// Reads a stored meta for the batch `batch_id`: its office and the meta, if its id derives from it.
pub fn parse_meta(batch_id: &str, text: &str) -> ShapeResult<(String, BatchRef)> {
    let m: MetaJson = serde_json::from_str(text).map_err(|e| format!("meta: {e}"))?;
    let meta = BatchRef {
        batch_id: batch_id.to_string(),
        process: m.process.parse::<ProcessId>().map_err(|e| e.to_string())?,
        label: m.label,
        fiscal_year: m.fiscal_year,
        created_by: m.created_by,
        created_at: m.created_at,
        nonce: m.nonce,
        signature: m.signature,
    };
    let id: samod_core::DocumentId = batch_id
        .parse()
        .map_err(|_| format!("{batch_id} is not a document id"))?;
    if id.as_bytes() != batch_id_bytes(&m.office, &meta) {
        return Err("its meta is not the one the batch's id was made from".into());
    }
    Ok((m.office, meta))
}

/// A new batch document: its signed meta, from which `meta.batch_id` must have been derived.
pub fn create(office: &str, meta: &BatchRef) -> Result<AutoCommit, AutomergeError> {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "kind", KIND)?;
    doc.put(ROOT, "schema", SCHEMA)?;
    doc.put(ROOT, "meta", meta_json(office, meta))?;
    for container in CONTAINERS {
        doc.put_object(ROOT, container, ObjType::List)?;
    }
    Ok(doc)
}

/// Records that the batch holds a list snapshot (the list document itself is stored on its own).
pub fn add_list(doc: &mut AutoCommit, list: &ListRef) -> Result<(), AutomergeError> {
    let lists = am::root_obj(doc, "lists")?;
    let at = doc.length(&lists);
    let l = doc.insert_object(&lists, at, ObjType::Map)?;
    doc.put(&l, "doc_id", list.doc_id.as_str())?;
    doc.put(&l, "list_kind", list.list_kind.code())?;
    doc.put(&l, "sha256", list.sha256.as_str())?;
    doc.put(&l, "row_count", list.row_count)?;
    doc.put(&l, "by", list.by.as_str())?;
    doc.put(&l, "at", list.at.map(time_text).unwrap_or_default())?;
    doc.put(&l, "signature", list.signature.as_str())?;
    Ok(())
}

/// Appends a signed sign-off. Its `heads_seen` must be the document's heads before this change
/// (what the recorder had seen), which the signature covers.
pub fn append_signoff(doc: &mut AutoCommit, entry: &SignOff) -> Result<(), AutomergeError> {
    let list = am::root_obj(doc, "signoffs")?;
    let at = doc.length(&list);
    let e = doc.insert_object(&list, at, ObjType::Map)?;
    doc.put(&e, "id", entry.id.as_str())?;
    doc.put(&e, "step", i64::from(entry.step))?;
    doc.put(&e, "action", entry.action.as_str())?;
    doc.put(&e, "by", entry.by.as_str())?;
    doc.put(&e, "at", time_text(entry.at))?;
    let counts = doc.put_object(&e, "counts", ObjType::Map)?;
    for (name, n) in &entry.counts {
        doc.put(&counts, name.as_str(), *n)?;
    }
    let optional = |v: &Option<String>| match v {
        Some(s) => ScalarValue::Str(s.as_str().into()),
        None => ScalarValue::Null,
    };
    doc.put(&e, "note", optional(&entry.note))?;
    doc.put(&e, "send_back", optional(&entry.send_back))?;
    let seen = doc.put_object(&e, "heads_seen", ObjType::List)?;
    for (i, h) in entry.heads_seen.iter().enumerate() {
        doc.insert(&seen, i, h.as_str())?;
    }
    doc.put(&e, "signature", entry.signature.as_str())?;
    if let Some(m) = &entry.marking {
        doc.put(&e, "marking", m.as_str())?;
        if let Some(of) = m.of() {
            doc.put(&e, "marking_of", of)?;
        }
    }
    Ok(())
}

/// Appends a signed note on one voucher.
pub fn append_note(doc: &mut AutoCommit, note: &VoucherNote) -> Result<(), AutomergeError> {
    let list = am::root_obj(doc, "vouchers")?;
    let at = doc.length(&list);
    let e = doc.insert_object(&list, at, ObjType::Map)?;
    doc.put(&e, "id", note.id.as_str())?;
    doc.put(&e, "voucher_no", note.voucher_no.as_str())?;
    doc.put(&e, "kind", note.kind.as_str())?;
    doc.put(&e, "on", note.on.to_string())?;
    doc.put(&e, "from", note.from.as_str())?;
    doc.put(&e, "text", note.text.as_str())?;
    doc.put(&e, "by", note.by.as_str())?;
    doc.put(&e, "at", time_text(note.at))?;
    doc.put(&e, "signature", note.signature.as_str())?;
    Ok(())
}

/// Records an upgrade of the document (see [`Migration`]) and raises its `schema`, so a Kenshin
/// older than the upgrade reads the document as newer than it knows and changes nothing.
pub fn migrate(doc: &mut AutoCommit, m: &Migration) -> Result<(), AutomergeError> {
    let list = match doc.get(ROOT, "migrations")? {
        Some((automerge::Value::Object(ObjType::List), id)) => id,
        _ => doc.put_object(ROOT, "migrations", ObjType::List)?,
    };
    append_migration(doc, &list, m)?;
    doc.put(ROOT, "schema", m.schema)?;
    Ok(())
}

pub(crate) fn append_migration(
    doc: &mut AutoCommit,
    list: &automerge::ObjId,
    m: &Migration,
) -> Result<(), AutomergeError> {
    let at = doc.length(list);
    let e = doc.insert_object(list, at, ObjType::Map)?;
    doc.put(&e, "id", m.id.as_str())?;
    doc.put(&e, "schema", m.schema)?;
    let vouched = doc.put_object(&e, "vouched", ObjType::List)?;
    for (i, v) in m.vouched.iter().enumerate() {
        doc.insert(&vouched, i, v.as_str())?;
    }
    doc.put(&e, "by", m.by.as_str())?;
    doc.put(&e, "at", time_text(m.at))?;
    doc.put(&e, "signature", m.signature.as_str())?;
    Ok(())
}

/// The containers whose items are records, in a batch document.
pub const CONTAINERS: [&str; 4] = ["lists", "signoffs", "vouchers", "migrations"];

fn list_ref(v: &Value) -> ShapeResult<ListRef> {
    let at = json::opt_str(v, "at")?.filter(|t| !t.is_empty());
    Ok(ListRef {
        doc_id: json::str(v, "doc_id")?,
        list_kind: json::str(v, "list_kind")?.parse()?,
        sha256: json::str(v, "sha256")?,
        row_count: u64::try_from(json::int(v, "row_count")?)
            .map_err(|_| "row_count is negative".to_string())?,
        by: json::opt_str(v, "by")?.unwrap_or_default(),
        at: at.as_deref().map(json::parse_time).transpose()?,
        signature: json::opt_str(v, "signature")?.unwrap_or_default(),
    })
}

fn signoff(v: &Value) -> ShapeResult<SignOff> {
    let step = json::int(v, "step")?;
    Ok(SignOff {
        id: json::str(v, "id")?,
        step: u8::try_from(step).map_err(|_| format!("step {step} out of range"))?,
        action: json::str(v, "action")?.parse()?,
        by: json::str(v, "by")?,
        at: json::time(v, "at")?,
        counts: json::ints(v, "counts")?,
        note: json::opt_str(v, "note")?,
        send_back: json::opt_str(v, "send_back")?,
        heads_seen: json::strs(v, "heads_seen")?,
        signature: json::opt_str(v, "signature")?.unwrap_or_default(),
        marking: marking(v)?,
    })
}

fn marking(v: &Value) -> ShapeResult<Option<Marking>> {
    let of = || json::str(v, "marking_of");
    Ok(match json::opt_str(v, "marking")?.as_deref() {
        None => None,
        Some("withdraw") => Some(Marking::Withdraw { of: of()? }),
        Some("deputy") => Some(Marking::Deputy),
        Some("review") => Some(Marking::Review { of: of()? }),
        Some(other) => return Err(format!("marking {other:?} is not one this build knows")),
    })
}

fn note(v: &Value) -> ShapeResult<VoucherNote> {
    let on = json::str(v, "on")?;
    Ok(VoucherNote {
        id: json::str(v, "id")?,
        voucher_no: json::str(v, "voucher_no")?,
        kind: json::str(v, "kind")?.parse()?,
        on: on.parse().map_err(|e| format!("on {on:?}: {e}"))?,
        from: json::str(v, "from")?,
        text: json::str(v, "text")?,
        by: json::str(v, "by")?,
        at: json::time(v, "at")?,
        signature: json::opt_str(v, "signature")?.unwrap_or_default(),
    })
}

pub(crate) fn migration(v: &Value) -> ShapeResult<Migration> {
    Ok(Migration {
        id: json::str(v, "id")?,
        schema: json::int(v, "schema")?,
        vouched: json::strs(v, "vouched")?,
        by: json::str(v, "by")?,
        at: json::time(v, "at")?,
        signature: json::str(v, "signature")?,
    })
}

/// Each item of a container read by `parse`, with its provenance; a malformed one is named in
/// `problems` and skipped.
pub(crate) fn entries<'h, T>(
    history: &'h History,
    container: &str,
    what: &str,
    parse: impl Fn(&Value) -> ShapeResult<T>,
    problems: &mut Vec<String>,
) -> Vec<(T, Provenance, &'h Item)> {
    let mut out = Vec::new();
    for (i, item) in history.items(container).iter().enumerate() {
        match parse(&item.value) {
            Ok(t) => out.push((t, provenance(history, item, container), item)),
            Err(why) => problems.push(format!("{what} {i} は読めません（{why}）")),
        }
    }
    out
}

pub(crate) fn provenance(history: &History, item: &Item, container: &str) -> Provenance {
    Provenance {
        change: item.change.to_string(),
        actor: item.actor.clone(),
        heads_match: true,
        tampered: item
            .tampered
            .iter()
            .map(|&t| history.describe(&history.tampering[t]))
            .collect(),
        mark: if signed(&item.value) {
            String::new()
        } else {
            legacy_mark(container, &item.value)
        },
    }
}

/// Whether a record carries a signature (only records written before signing need a legacy mark).
fn signed(v: &Value) -> bool {
    match v {
        Value::Object(m) => m
            .get("signature")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty()),
        // A lookup: one JSON string.
        Value::String(s) => s.contains("\"signature\":\""),
        _ => false,
    }
}

/// The meta of a batch made before signing, from its root fields.
fn legacy_meta(history: &History, batch_id: &str) -> ShapeResult<(String, BatchRef, String)> {
    let root = |key: &str| history.root(key).cloned().unwrap_or(Value::Null);
    let text = |key: &str| match root(key) {
        Value::String(s) => Ok(s),
        other => Err(format!("{key} is {other}, not text")),
    };
    let fiscal_year = root("fiscal_year")
        .as_i64()
        .and_then(|y| i32::try_from(y).ok())
        .ok_or("fiscal_year is not a year")?;
    let fields: serde_json::Map<String, Value> = [
        "office",
        "process",
        "label",
        "fiscal_year",
        "created_by",
        "created_at",
    ]
    .iter()
    .map(|k| (k.to_string(), root(k)))
    .collect();
    let meta = BatchRef {
        batch_id: batch_id.to_string(),
        process: text("process")?
            .parse::<ProcessId>()
            .map_err(|e| e.to_string())?,
        label: text("label")?,
        fiscal_year,
        created_by: text("created_by")?,
        created_at: json::parse_time(&text("created_at")?)?,
        nonce: String::new(),
        signature: String::new(),
    };
    Ok((
        text("office")?,
        meta,
        legacy_mark("meta", &Value::Object(fields)),
    ))
}

/// Reads a batch from its document's whole history (see [`History`]). Fails only when the document
/// is not a batch at all (or is newer than this build); a malformed entry is named in `problems` and
/// the rest reads.
pub fn read(doc: &mut AutoCommit, batch_id: &str) -> ShapeResult<Batch> {
    let history = History::read(doc, &CONTAINERS);
    let schema = history.expect_kind(KIND, REDACTED_SCHEMA)?;
    let mut problems: Vec<String> = history
        .tampering
        .iter()
        .map(|t| history.describe(t))
        .collect();
    let (office, meta, meta_mark) = if schema >= 3 {
        let mut found = None;
        let mut why = "meta is missing".to_string();
        for candidate in history.root_values("meta") {
            match candidate.value.as_str().map(|t| parse_meta(batch_id, t)) {
                Some(Ok(m)) => {
                    found = Some(m);
                    break;
                }
                Some(Err(e)) => why = e,
                None => why = "meta is not text".into(),
            }
        }
        let (office, meta) = found.ok_or(why)?;
        (office, meta, None)
    } else {
        let (office, meta, mark) = legacy_meta(&history, batch_id)?;
        (office, meta, Some(mark))
    };
    let lists = entries(&history, "lists", "リスト参照", list_ref, &mut problems);
    let signoffs = entries(&history, "signoffs", "記録", signoff, &mut problems);
    let notes = entries(&history, "vouchers", "受診券の記録", note, &mut problems);
    let migrations = entries(&history, "migrations", "版の更新", migration, &mut problems);
    let tracked: Vec<&Item> = signoffs
        .iter()
        .map(|(_, _, i)| *i)
        .chain(lists.iter().map(|(_, _, i)| *i))
        .collect();
    let causality = history.causality(&tracked);
    let (signoffs, provenance): (Vec<SignOff>, Vec<Provenance>) = signoffs
        .into_iter()
        .map(|(e, mut p, item)| {
            p.heads_match = heads_match(&e, item);
            (e, p)
        })
        .unzip();
    let (lists, list_provenance) = split(lists);
    let (notes, note_provenance) = split(notes);
    let (migrations, migration_provenance) = split(migrations);
    if tracked.len() > super::history::MAX_CAUSAL {
        problems.push(format!(
            "記録とリスト参照が多すぎます（{} 件）: 先の {} 件だけを順序どおりに判定します",
            tracked.len(),
            super::history::MAX_CAUSAL
        ));
    }
    Ok(Batch {
        office,
        meta,
        meta_mark,
        schema,
        lists,
        list_provenance,
        signoffs,
        provenance,
        notes,
        note_provenance,
        migrations,
        migration_provenance,
        causality,
        problems,
    })
}

/// Records and their provenance, apart.
pub(crate) fn split<T>(v: Vec<(T, Provenance, &Item)>) -> (Vec<T>, Vec<Provenance>) {
    v.into_iter().map(|(t, p, _)| (t, p)).unzip()
}

/// Whether a sign-off's signed heads are the dependencies of the change that added it.
fn heads_match(e: &SignOff, item: &Item) -> bool {
    let mut seen: Vec<String> = e.heads_seen.clone();
    seen.sort();
    // Automerge also makes a change depend on its actor's previous change, seen or not.
    let deps: Vec<String> = item
        .deps
        .iter()
        .filter(|d| !item.own_deps.contains(d) || seen.contains(&d.to_string()))
        .map(|d| d.to_string())
        .collect();
    seen == deps
}
