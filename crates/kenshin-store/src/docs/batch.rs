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
use super::list::ListRef;
use super::office::{time, time_text, BatchRef};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, AutomergeError, ObjType, ReadDoc, ScalarValue, ROOT};
use kenshin_domain::register::{NoteKind, VoucherNote};
use kenshin_domain::{Action, ListKind, ProcessId, SignOff};
use std::collections::BTreeMap;

pub const KIND: &str = "kenshin/batch";
/// 2: `vouchers` became an append-only list of notes (it was a map).
pub const SCHEMA: i64 = 2;

/// A batch as read from its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub office: String,
    pub meta: BatchRef,
    pub lists: Vec<ListRef>,
    pub signoffs: Vec<SignOff>,
    pub notes: Vec<VoucherNote>,
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

fn read_notes(doc: &AutoCommit) -> ShapeResult<Vec<VoucherNote>> {
    // One walk of the list (hydrate) rather than a lookup per field: a batch of process 4 holds
    // thousands of notes, and they are read on every projection.
    let list = am::obj(doc, &ROOT, "vouchers", ObjType::List)?;
    let hydrated = doc
        .hydrate(&list, None)
        .map_err(|e| format!("vouchers: {e}"))?;
    let automerge::hydrate::Value::List(items) = hydrated else {
        return Err("vouchers is not a list".into());
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let field = |err: String| format!("voucher note {i}: {err}");
            let automerge::hydrate::Value::Map(m) = &item.value else {
                return Err(field("not a map".into()));
            };
            let s = |key: &str| match m.get(key) {
                Some(automerge::hydrate::Value::Scalar(ScalarValue::Str(t))) => Ok(t.to_string()),
                Some(other) => Err(field(format!("{key} is {other:?}, not text"))),
                None => Err(field(format!("{key} is missing"))),
            };
            let at = s("at")?;
            Ok(VoucherNote {
                id: s("id")?,
                voucher_no: s("voucher_no")?,
                kind: s("kind")?.parse().map_err(field)?,
                on: s("on")?.parse().map_err(|e| field(format!("on: {e}")))?,
                from: s("from")?,
                text: s("text")?,
                by: s("by")?,
                at: chrono::DateTime::parse_from_rfc3339(&at)
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .map_err(|e| field(format!("at {at:?} is not a time: {e}")))?,
            })
        })
        .collect()
}

fn strings<D: ReadDoc>(doc: &D, obj: &automerge::ObjId, key: &str) -> ShapeResult<Vec<String>> {
    let list = am::obj(doc, obj, key, ObjType::List)?;
    (0..doc.length(&list))
        .map(|i| match doc.get(&list, i) {
            Ok(Some((automerge::Value::Scalar(s), _))) => match s.as_ref() {
                ScalarValue::Str(t) => Ok(t.to_string()),
                other => Err(format!("{key} {i} is {other:?}, not text")),
            },
            other => Err(format!("{key} {i} is {other:?}, not text")),
        })
        .collect()
}

/// For each sign-off (in log order), the set of sign-offs that were in its recorder's causal past:
/// `in_past[i][j]` when entry `j`'s change is an ancestor of entry `i`'s heads seen.
pub fn causal_past(doc: &mut AutoCommit) -> ShapeResult<Vec<Vec<bool>>> {
    let list = am::obj(doc, &ROOT, "signoffs", ObjType::List)?;
    let items = am::list_items(doc, &list)?;
    let made_in: Vec<Option<automerge::ChangeHash>> =
        items.iter().map(|o| doc.hash_for_opid(o)).collect();
    let mut out = Vec::with_capacity(items.len());
    for obj in &items {
        let mut heads = Vec::new();
        for h in strings(doc, obj, "heads_seen")? {
            // A head the document does not hold cannot make anything part of the past.
            if let Ok(h) = h.parse::<automerge::ChangeHash>() {
                if doc.get_change_by_hash(&h).is_some() {
                    heads.push(h);
                }
            }
        }
        let after: std::collections::HashSet<automerge::ChangeHash> =
            doc.get_changes(&heads).iter().map(|c| c.hash()).collect();
        out.push(
            made_in
                .iter()
                .map(|h| h.is_some_and(|h| !after.contains(&h)))
                .collect(),
        );
    }
    Ok(out)
}

pub fn read(doc: &AutoCommit, batch_id: &str) -> ShapeResult<Batch> {
    am::expect_kind(doc, KIND, SCHEMA)?;
    let process = am::str(doc, &ROOT, "process")?
        .parse::<ProcessId>()
        .map_err(|e| e.to_string())?;
    let fiscal_year = i32::try_from(am::int(doc, &ROOT, "fiscal_year")?)
        .map_err(|_| "fiscal_year out of range".to_string())?;
    let meta = BatchRef {
        batch_id: batch_id.to_string(),
        process,
        label: am::str(doc, &ROOT, "label")?,
        fiscal_year,
        created_by: am::str(doc, &ROOT, "created_by")?,
        created_at: time(doc, &ROOT, "created_at")?,
    };
    let lists_obj = am::obj(doc, &ROOT, "lists", ObjType::List)?;
    let mut lists = Vec::new();
    for (i, l) in am::list_items(doc, &lists_obj)?.into_iter().enumerate() {
        let field = |err: String| format!("list {i}: {err}");
        lists.push(ListRef {
            doc_id: am::str(doc, &l, "doc_id").map_err(field)?,
            list_kind: am::str(doc, &l, "list_kind")
                .and_then(|k| k.parse())
                .map_err(field)?,
            sha256: am::str(doc, &l, "sha256").map_err(field)?,
            row_count: u64::try_from(am::int(doc, &l, "row_count").map_err(field)?)
                .map_err(|_| field("row_count is negative".into()))?,
        });
    }
    let list = am::obj(doc, &ROOT, "signoffs", ObjType::List)?;
    let mut signoffs = Vec::new();
    for (i, e) in am::list_items(doc, &list)?.into_iter().enumerate() {
        let field = |err: String| format!("sign-off {i}: {err}");
        let step = am::int(doc, &e, "step").map_err(field)?;
        let action: Action = am::str(doc, &e, "action")
            .and_then(|a| a.parse())
            .map_err(field)?;
        let counts_obj = am::obj(doc, &e, "counts", ObjType::Map).map_err(field)?;
        let mut counts = BTreeMap::new();
        for name in doc.keys(&counts_obj) {
            counts.insert(
                name.clone(),
                am::int(doc, &counts_obj, &name).map_err(field)?,
            );
        }
        signoffs.push(SignOff {
            id: am::str(doc, &e, "id").map_err(field)?,
            step: u8::try_from(step).map_err(|_| field(format!("step {step} out of range")))?,
            action,
            by: am::str(doc, &e, "by").map_err(field)?,
            at: time(doc, &e, "at").map_err(field)?,
            counts,
            note: am::opt_str(doc, &e, "note").map_err(field)?,
            send_back: am::opt_str(doc, &e, "send_back").map_err(field)?,
            heads_seen: strings(doc, &e, "heads_seen").map_err(field)?,
            signature: am::opt_str(doc, &e, "signature")
                .map_err(field)?
                .unwrap_or_default(),
        });
    }
    Ok(Batch {
        office: am::str(doc, &ROOT, "office")?,
        meta,
        lists,
        signoffs,
        notes: read_notes(doc)?,
    })
}
