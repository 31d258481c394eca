//! A batch document (one per run of a process, e.g. "1-2 / 2026-05"): kept small.
//!
//! ```text
//! { kind: "kenshin/batch", schema: 1, office, process, label, fiscal_year, created_by, created_at,
//!   lists: [ { doc_id, list_kind, sha256, row_count } ],   // references to list documents
//!   signoffs: [ { id, step, action, by, at, counts: {name: n}, note?, send_back?, heads_seen: [hex], signature } ],
//!   vouchers: [ { id, voucher_no, kind: inquiry|returned, on, from, text, by, at } ] }
//! ```
//! `signoffs` and `vouchers` (notes on single vouchers, made only for vouchers something happened to) are
//! append-only lists: concurrent entries from two laptops merge as two inserts, and nothing is overwritten.

use super::am::{self, ShapeResult};
use super::history::{History, Item};
use super::json;
use super::list::ListRef;
use super::office::{time_text, BatchRef};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, AutomergeError, ObjType, ReadDoc, ScalarValue, ROOT};
use kenshin_domain::register::{NoteKind, VoucherNote};
use kenshin_domain::{ListKind, ProcessId, SignOff};
use serde_json::Value;

pub const KIND: &str = "kenshin/batch";
/// 2: `vouchers` became an append-only list of notes (it was a map).
pub const SCHEMA: i64 = 2;

/// A batch as read from its document's history: every entry ever added, in log order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub office: String,
    pub meta: BatchRef,
    pub lists: Vec<ListRef>,
    pub signoffs: Vec<SignOff>,
    pub notes: Vec<VoucherNote>,
    /// Where each sign-off came from, beside it.
    pub provenance: Vec<Provenance>,
    /// `past[i][j]`: sign-off `j` was in the causal past of the change that added sign-off `i`.
    pub past: Vec<Vec<bool>>,
    /// Tampering and malformed entries, for people (never part of any rule but "show it").
    pub problems: Vec<String>,
}

/// How a sign-off reached the document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Provenance {
    /// The change that added it, and its actor (hex).
    pub change: String,
    pub actor: String,
    /// Whether its signed `heads_seen` are the dependencies of the change that added it (a copy added
    /// later, or elsewhere, is not).
    pub heads_match: bool,
    /// What later changes did to it (deleted, overwritten, altered), for people.
    pub tampered: Vec<String>,
}

impl Batch {
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
}

pub fn create(office: &str, meta: &BatchRef) -> Result<AutoCommit, AutomergeError> {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "kind", KIND)?;
    doc.put(ROOT, "schema", SCHEMA)?;
    doc.put(ROOT, "office", office)?;
    doc.put(ROOT, "process", meta.process.code())?;
    doc.put(ROOT, "label", meta.label.as_str())?;
    doc.put(ROOT, "fiscal_year", i64::from(meta.fiscal_year))?;
    doc.put(ROOT, "created_by", meta.created_by.as_str())?;
    doc.put(ROOT, "created_at", time_text(meta.created_at))?;
    doc.put_object(ROOT, "lists", ObjType::List)?;
    doc.put_object(ROOT, "signoffs", ObjType::List)?;
    doc.put_object(ROOT, "vouchers", ObjType::List)?;
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
    Ok(())
}

/// Appends a note on one voucher.
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
    Ok(())
}

/// The containers whose items are entries, in a batch document.
pub const CONTAINERS: [&str; 3] = ["lists", "signoffs", "vouchers"];

fn list_ref(v: &Value) -> ShapeResult<ListRef> {
    Ok(ListRef {
        doc_id: json::str(v, "doc_id")?,
        list_kind: json::str(v, "list_kind")?.parse()?,
        sha256: json::str(v, "sha256")?,
        row_count: u64::try_from(json::int(v, "row_count")?)
            .map_err(|_| "row_count is negative".to_string())?,
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
    })
}

/// Reads each item of a container; a malformed one is named in `problems` and skipped.
fn entries<'h, T>(
    history: &'h History,
    container: &str,
    what: &str,
    parse: impl Fn(&Value) -> ShapeResult<T>,
    problems: &mut Vec<String>,
) -> Vec<(T, &'h Item)> {
    let mut out = Vec::new();
    for (i, item) in history.items(container).iter().enumerate() {
        match parse(&item.value) {
            Ok(t) => out.push((t, item)),
            Err(why) => problems.push(format!("{what} {i} は読めません（{why}）")),
        }
    }
    out
}

/// Reads a batch from its document's whole history (see [`History`]). Fails only when the document
/// is not a batch at all; a malformed entry is named in `problems` and the rest reads.
pub fn read(doc: &mut AutoCommit, batch_id: &str) -> ShapeResult<Batch> {
    let history = History::read(doc, &CONTAINERS);
    history.expect_kind(KIND, SCHEMA)?;
    let root = |key: &str| history.root(key).cloned().unwrap_or(Value::Null);
    let text = |key: &str| match root(key) {
        Value::String(s) => Ok(s),
        other => Err(format!("{key} is {other}, not text")),
    };
    let created_at = text("created_at")?;
    let fiscal_year = root("fiscal_year")
        .as_i64()
        .and_then(|y| i32::try_from(y).ok())
        .ok_or("fiscal_year is not a year")?;
    let meta = BatchRef {
        batch_id: batch_id.to_string(),
        process: text("process")?
            .parse::<ProcessId>()
            .map_err(|e| e.to_string())?,
        label: text("label")?,
        fiscal_year,
        created_by: text("created_by")?,
        created_at: json::parse_time(&created_at)?,
    };
    let mut problems: Vec<String> = history
        .tampering
        .iter()
        .map(|t| history.describe(t))
        .collect();
    let lists = entries(&history, "lists", "リスト参照", list_ref, &mut problems);
    let signoffs = entries(&history, "signoffs", "記録", signoff, &mut problems);
    let notes = entries(&history, "vouchers", "受診券の記録", note, &mut problems);
    let provenance = signoffs
        .iter()
        .map(|(e, item)| {
            let mut seen: Vec<String> = e.heads_seen.clone();
            seen.sort();
            // Automerge also makes a change depend on its actor's previous change, seen or not.
            let deps: Vec<String> = item
                .deps
                .iter()
                .filter(|d| !item.own_deps.contains(d) || seen.contains(&d.to_string()))
                .map(|d| d.to_string())
                .collect();
            Provenance {
                change: item.change.to_string(),
                actor: item.actor.clone(),
                heads_match: seen == deps,
                tampered: item
                    .tampered
                    .iter()
                    .map(|&t| history.describe(&history.tampering[t]))
                    .collect(),
            }
        })
        .collect();
    let items: Vec<&Item> = signoffs.iter().map(|(_, i)| *i).collect();
    let past = history.past(&items);
    Ok(Batch {
        office: text("office")?,
        meta,
        lists: lists.into_iter().map(|(l, _)| l).collect(),
        signoffs: signoffs.into_iter().map(|(s, _)| s).collect(),
        notes: notes.into_iter().map(|(n, _)| n).collect(),
        provenance,
        past,
        problems,
    })
}
