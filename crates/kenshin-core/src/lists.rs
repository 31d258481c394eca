//! Importing lists into a batch: the file is read and checked whole, then checked against the batch (its
//! workflow state and its other lists) and the register, and stored as one list document, all in one
//! transaction. Any problem refuses the whole file.

use crate::{now, CoreError, Office, Result};
use kenshin_domain::evidence::{import_window, voucher_year};
use kenshin_domain::lists::{
    column, columns, compared_with, difference, import_warnings, ImportWarning, ListDifference,
};
use kenshin_domain::register::{
    check_note, return_problem, window_request, FieldProblem, NoteField, NoteForm, NoteKind,
};
use kenshin_domain::rows::{
    self, CheckupResult, CoverageLoss, Pullout, ReissueRequest, ReissueSheet, Returned, Row,
    Subject,
};
use kenshin_domain::said::Said;
use kenshin_domain::{derive, ListKind, ProcessId, Status};
use kenshin_exchange::{import, Imported, Problem, Refused};
use kenshin_store::docs::batch;
use kenshin_store::{batch_doc_id, Batch, ListRef, NewList, Tx};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// What an import stored.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ImportSummary {
    pub batch_id: String,
    pub batch_label: String,
    pub list_kind: ListKind,
    pub list_id: String,
    #[ts(type = "number")]
    pub rows: u64,
    pub encoding: String,
    pub sha256: String,
}

/// The lists a person imports (the others are made by steps).
pub const IMPORTABLE: [ListKind; 8] = [
    ListKind::Targets,
    ListKind::Rehearsal,
    ListKind::Production,
    ListKind::Pullouts,
    ListKind::Returned,
    ListKind::ReissueRequests,
    ListKind::CheckupResults,
    ListKind::CoverageLoss,
];

/// A step is complete when it is done, verified or approved.
pub(crate) fn complete(status: Status) -> bool {
    matches!(status, Status::Done | Status::Verified | Status::Approved)
}

pub(crate) fn step_status(batch: &Batch, step: u8) -> Status {
    derive(batch.meta.process.process(), &batch.signoffs)
        .into_iter()
        .find(|s| s.step == step)
        .map_or(Status::Blocked, |s| s.status)
}

/// The rows of the batch's current list of a kind, or None when it has none.
pub(crate) fn current<R: Row>(
    tx: &Tx<'_>,
    batch: &Batch,
    kind: ListKind,
) -> Result<Option<Vec<R>>> {
    Ok(match batch.current_list(kind) {
        Some(list) => Some(tx.list_rows(list)?),
        None => None,
    })
}

/// Every return recorded in the batch: returned-mail lists and single notes.
pub(crate) fn returns(tx: &Tx<'_>, batch: &Batch) -> Result<Vec<Returned>> {
    let mut all = Vec::new();
    for list in batch.lists_of(ListKind::Returned) {
        all.extend(tx.list_rows::<Returned>(list)?);
    }
    all.extend(batch.notes_of(NoteKind::Returned).map(|n| Returned {
        voucher_no: n.voucher_no.clone(),
        returned_on: n.on,
        reason: n.text.clone(),
    }));
    Ok(all)
}

/// The vouchers a batch mailed, for checking returns against: production minus pull-outs, or the reissued
/// sheets of a reissue batch.
pub(crate) fn mailed(tx: &Tx<'_>, batch: &Batch) -> Result<(HashSet<String>, HashSet<String>)> {
    if batch.meta.process == ProcessId::Reissue {
        let sheets = current::<ReissueSheet>(tx, batch, ListKind::Reissues)?.unwrap_or_default();
        return Ok((
            sheets.into_iter().map(|s| s.voucher_no).collect(),
            HashSet::new(),
        ));
    }
    let production = current::<Subject>(tx, batch, ListKind::Production)?.unwrap_or_default();
    let pulled: HashSet<String> = current::<Pullout>(tx, batch, ListKind::Pullouts)?
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.voucher_no)
        .collect();
    let sent = production
        .into_iter()
        .map(|s| s.voucher_no)
        .filter(|n| !pulled.contains(n))
        .collect();
    Ok((sent, pulled))
}

/// What importing a file would do: the summary, or why it would be refused.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ImportPreview {
    pub summary: Option<ImportSummary>,
    /// Every problem with the file, by line and column.
    pub problems: Vec<Problem>,
    /// What to ask before importing it (the same rows again, more rows than the list they come from).
    pub warnings: Vec<ImportWarning>,
    /// The first rows as they will be stored (field names first), when the file reads.
    pub sample: Vec<Vec<String>>,
}

/// A list as the evidence view reads it (see [`Office::list_text`]).
#[derive(Debug, Clone)]
pub struct ListText {
    pub list: ListRef,
    /// Canonical rows: tab-separated, field names first.
    pub text: String,
    pub difference: Option<ListDifference>,
    /// The deletions of departed persons' rows that made it, newest first (資格喪失者の削除).
    pub redacted: Vec<crate::departed::RedactedNote>,
}

/// How many rows a preview shows.
const SAMPLE_ROWS: usize = 20;

impl Office {
    /// Checks a file exactly as `import` would, and writes nothing. A refusal that is not about single
    /// lines (wrong batch, list in use, ...) is the error.
    pub fn preview_import(
        &mut self,
        kind: ListKind,
        batch_given: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<ImportPreview> {
        let mut sample = Vec::new();
        let outcome =
            self.import_with(kind, batch_given, file_name, bytes, Some(&mut sample), true);
        let (summary, problems) = match outcome {
            Ok(summary) => (Some(summary), Vec::new()),
            Err(CoreError::Import(refused)) => (None, refused.problems),
            Err(other) => return Err(other),
        };
        let warnings = match &summary {
            Some(s) => import_warnings(kind, s.rows, &s.sha256, &self.lists(batch_given)?),
            None => Vec::new(),
        };
        Ok(ImportPreview {
            summary,
            problems,
            warnings,
            sample,
        })
    }

    /// Imports a file as a list of `kind` into a batch.
    pub fn import(
        &mut self,
        kind: ListKind,
        batch_given: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<ImportSummary> {
        self.import_with(kind, batch_given, file_name, bytes, None, true)
    }

    /// Imports as [`Office::import`], but a list with doubts (the same rows as a list the batch
    /// holds, more rows than the list they come from) only once `confirmed`: the window asks.
    pub fn import_confirmed(
        &mut self,
        kind: ListKind,
        batch_given: &str,
        file_name: &str,
        bytes: &[u8],
        confirmed: bool,
    ) -> Result<ImportSummary> {
        self.import_with(kind, batch_given, file_name, bytes, None, confirmed)
    }

    /// Imports, or with `preview` checks everything, rolls back, and fills `preview` with the first rows.
    fn import_with(
        &mut self,
        kind: ListKind,
        batch_given: &str,
        file_name: &str,
        bytes: &[u8],
        preview: Option<&mut Vec<Vec<String>>>,
        confirmed: bool,
    ) -> Result<ImportSummary> {
        let meta = self.resolve_batch(batch_given)?;
        if !IMPORTABLE.contains(&kind) {
            return Err(CoreError::NotImportable { kind });
        }
        // Read and check the file before taking the write lock.
        let parsed = match kind {
            ListKind::Targets | ListKind::Rehearsal | ListKind::Production => {
                Parsed::Subjects(import::<Subject>(file_name, bytes)?)
            }
            ListKind::Pullouts => Parsed::Pullouts(import::<Pullout>(file_name, bytes)?),
            ListKind::Returned => Parsed::Returned(import::<Returned>(file_name, bytes)?),
            ListKind::ReissueRequests => {
                Parsed::Reissue(import::<ReissueRequest>(file_name, bytes)?)
            }
            ListKind::CoverageLoss => Parsed::Losses(import::<CoverageLoss>(file_name, bytes)?),
            _ => Parsed::Checkups(import::<CheckupResult>(file_name, bytes)?),
        };
        let dry_run = preview.is_some();
        if let Some(sample) = preview {
            let first = String::from_utf8(parsed.canonical(SAMPLE_ROWS)).unwrap_or_default();
            *sample = first
                .lines()
                .map(|l| l.split('\t').map(str::to_string).collect())
                .collect();
        }
        self.store_list(kind, &meta, file_name, dry_run, confirmed, move |_, _| {
            Ok(parsed)
        })
    }

    /// 再交付申請 taken at the window for one voucher of the register, on `on` (today when None): the
    /// batch's request list is made again with the rows it had and this one, as an import of the
    /// e-application's CSV would, so the same windows and checks hold.
    pub fn request_reissue(
        &mut self,
        batch_given: &str,
        voucher: &str,
        on: Option<&str>,
        reason: &str,
    ) -> Result<ImportSummary> {
        let form = NoteForm {
            voucher,
            from: None,
            text: reason,
            on,
        };
        let fields = check_note(form, crate::local_day(now())).map_err(CoreError::Fields)?;
        let meta = self.resolve_batch(batch_given)?;
        let year = meta.fiscal_year;
        let kind = ListKind::ReissueRequests;
        self.store_list(
            kind,
            &meta,
            "窓口受付",
            false,
            true,
            move |tx, batch| {
                let not_there = || FieldProblem::NotInRegister {
                    field: NoteField::Voucher,
                    voucher: fields.voucher_no.clone(),
                };
                let subject = tx
                    .register_entry(&fields.voucher_no, year)?
                    .ok_or_else(|| CoreError::Fields(vec![not_there()]))?
                    .subject;
                let held: Vec<ReissueRequest> = match batch.current_list(kind) {
                    Some(l) => {
                        rows::decode(&tx.list_snapshot(l)?.1).map_err(CoreError::Internal)?
                    }
                    None => Vec::new(),
                };
                let row = window_request(&fields, &subject, &held)
                    .map_err(|p| CoreError::Fields(vec![p]))?;
                let mut rows = held;
                rows.push(row);
                Ok(Parsed::Reissue(Imported {
                    lines: (1..=rows.len() as u64).collect(),
                    rows,
                    columns: HashMap::new(),
                    encoding: kenshin_exchange::TextEncoding::Utf8,
                }))
            },
        )
    }

    /// Checks and stores a list of `kind` in a batch, from the rows `make` gives in the write (a
    /// file's, read before; or rows made from what the batch holds), as one change.
    fn store_list(
        &mut self,
        kind: ListKind,
        meta: &kenshin_domain::BatchRef,
        file_name: &str,
        dry_run: bool,
        confirmed: bool,
        make: impl FnOnce(&Tx<'_>, &kenshin_store::Batch) -> Result<Parsed>,
    ) -> Result<ImportSummary> {
        let doc_id = batch_doc_id(&meta.batch_id)?;
        let office = self.office_doc.to_string();
        let me = self.me.id.clone();
        let keys = &self.keys;
        let work = |tx: &Tx<'_>| {
            let (mut doc, mut current_batch) = crate::trust::load_for_entry(tx, &doc_id)?;
            check_window(&current_batch, kind)?;
            let parsed = make(tx, &current_batch)?;
            let (encoding, row_count) = (parsed.encoding(), parsed.len() as u64);
            let refuse = |problems: Vec<Problem>| {
                CoreError::Import(Refused {
                    file: file_name.to_string(),
                    problems,
                })
            };
            let problems = against_batch(tx, &current_batch, &parsed)?;
            if !problems.is_empty() {
                return Err(refuse(problems));
            }
            let rows = parsed.canonical(usize::MAX);
            if !confirmed {
                let sha = kenshin_store::docs::list::sha256_hex(&rows);
                let warnings = import_warnings(kind, row_count, &sha, &current_batch.lists);
                if !warnings.is_empty() {
                    return Err(CoreError::ImportUnconfirmed { warnings });
                }
            }
            let list = tx.save_new_list(
                &NewList {
                    office: &office,
                    batch: &meta.batch_id,
                    list_kind: kind,
                    encoding,
                    source_name: file_name,
                    row_count,
                    created_by: &me,
                    created_at: now(),
                },
                &rows,
            )?;
            let list = crate::signed_list(keys, &office, &meta.batch_id, list);
            let before = doc.get_heads();
            // A build before loss-of-coverage lists would not void those vouchers.
            if kind == ListKind::CoverageLoss && current_batch.schema < batch::VOIDS_SCHEMA {
                let m = crate::migration(keys, &office, &meta.batch_id, &me, batch::VOIDS_SCHEMA);
                batch::migrate(&mut doc, &m)?;
            }
            batch::add_list(&mut doc, &list)?;
            doc.commit();
            tx.save(&doc_id, &mut doc, &before)?;
            current_batch.lists.push(list.clone());
            let clashes = match &parsed {
                Parsed::Subjects(file) if kind == ListKind::Production => {
                    // Refused whole below on a clash, the note with it.
                    crate::sync::note_registered(tx, &meta.batch_id, &list.doc_id)?;
                    tx.project_vouchers(&current_batch, &file.rows)?
                }
                _ => Vec::new(),
            };
            tx.project_events(&current_batch)?;
            if let (false, Parsed::Subjects(file)) = (clashes.is_empty(), &parsed) {
                let at: HashMap<&str, usize> = file
                    .rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (r.voucher_no.as_str(), i))
                    .collect();
                let batches = tx.batches()?;
                let label = |id: &str| {
                    batches
                        .iter()
                        .find(|b| b.batch_id == id)
                        .map_or(id.to_string(), |b| format!("{} {}", b.process, b.label))
                };
                let year = voucher_year(meta.process, meta.fiscal_year);
                return Err(refuse(
                    clashes
                        .iter()
                        .map(|(no, holder)| {
                            file.problem(
                                at.get(no.as_str()).copied().unwrap_or(0),
                                "voucher_no",
                                format!(
                                    "duplicate voucher number {no}: already issued for fiscal {year} in batch {}",
                                    label(holder)
                                ),
                                format!(
                                    "受診券整理番号 {no} は{year}年度にバッチ「{}」ですでに発行されています",
                                    label(holder)
                                ),
                            )
                        })
                        .collect(),
                ));
            }
            Ok(ImportSummary {
                batch_id: meta.batch_id.clone(),
                batch_label: meta.label.clone(),
                list_kind: kind,
                list_id: list.doc_id,
                rows: list.row_count,
                encoding: encoding.to_string(),
                sha256: list.sha256,
            })
        };
        if dry_run {
            self.home.dry_run(work)
        } else {
            self.home.write(work)
        }
    }

    /// The lists a batch holds, oldest first.
    pub fn lists(&mut self, batch_given: &str) -> Result<Vec<ListRef>> {
        let meta = self.resolve_batch(batch_given)?;
        let doc_id = batch_doc_id(&meta.batch_id)?;
        self.home.read(|tx| Ok(tx.load_batch(&doc_id)?.1.lists))
    }

    /// Each count of a record that a list gives, beside the rows of the batch's current list of that
    /// kind (対象者数 as typed, the target list's rows), for the reviewer.
    pub fn recounts(
        &mut self,
        batch_given: &str,
        counts: &std::collections::BTreeMap<String, i64>,
    ) -> Result<Vec<kenshin_domain::evidence::Recount>> {
        let meta = self.resolve_batch(batch_given)?;
        let doc_id = batch_doc_id(&meta.batch_id)?;
        self.home.read(|tx| {
            let (_, batch) = crate::trust::load_counted(tx, &doc_id)?;
            let roster = crate::trust::roster(tx)?;
            // Counted against the rows the list had then: a later deletion of departed persons'
            // rows is said beside it.
            Ok(kenshin_domain::evidence::recounts(counts, |k| {
                batch.current_list(k).map(|l| {
                    let first = crate::departed::history_of(&roster, &l.doc_id)
                        .last()
                        .map_or(l.row_count, |n| n.rows_before);
                    (first, l.row_count)
                })
            }))
        })
    }

    /// A list the batch counts, whole, as stored (its canonical rows, field names first), and how it
    /// differs from the list it is checked against: the evidence a reviewer opens.
    pub fn list_text(&mut self, batch_given: &str, list_id: &str) -> Result<ListText> {
        let meta = self.resolve_batch(batch_given)?;
        let doc_id = batch_doc_id(&meta.batch_id)?;
        self.home.read(|tx| {
            let (_, batch) = crate::trust::load_counted(tx, &doc_id)?;
            let text = |l: &ListRef| -> Result<String> {
                let (_, bytes) = tx.list_snapshot(l)?;
                String::from_utf8(bytes)
                    .map_err(|_| CoreError::Internal(format!("list {}: not UTF-8", l.doc_id)))
            };
            let list = batch
                .lists
                .iter()
                .find(|l| l.doc_id == list_id)
                .cloned()
                .ok_or_else(|| CoreError::UnknownList {
                    label: meta.label.clone(),
                })?;
            let rows = text(&list)?;
            let against = compared_with(list.list_kind).and_then(|k| batch.current_list(k));
            let difference = match against {
                Some(other) => {
                    let pullouts = match batch.current_list(ListKind::Pullouts) {
                        Some(p) => text(p)?,
                        None => String::new(),
                    };
                    Some(difference(
                        other.list_kind,
                        &column(&rows, "voucher_no"),
                        &column(&text(other)?, "voucher_no"),
                        &columns(&pullouts, "voucher_no", "reason"),
                    ))
                }
                None => None,
            };
            let redacted = crate::departed::history_of(&crate::trust::roster(tx)?, &list.doc_id);
            Ok(ListText {
                list,
                text: rows,
                difference,
                redacted,
            })
        })
    }

    /// How many returned envelopes the batch counts: its returned-mail lists and the returns recorded
    /// one by one (what its data update step reports).
    pub fn returned_count(&mut self, batch_given: &str) -> Result<usize> {
        let meta = self.resolve_batch(batch_given)?;
        let doc_id = batch_doc_id(&meta.batch_id)?;
        self.home.read(|tx| {
            let judged = crate::trust::load_judged(tx, &crate::trust::roster(tx)?, &doc_id)?;
            Ok(returns(tx, &judged.counted())?.len())
        })
    }
}

enum Parsed {
    Subjects(Imported<Subject>),
    Pullouts(Imported<Pullout>),
    Returned(Imported<Returned>),
    Reissue(Imported<ReissueRequest>),
    Checkups(Imported<CheckupResult>),
    Losses(Imported<CoverageLoss>),
}

impl Parsed {
    fn encoding(&self) -> &'static str {
        match self {
            Parsed::Subjects(f) => f.encoding.as_str(),
            Parsed::Pullouts(f) => f.encoding.as_str(),
            Parsed::Returned(f) => f.encoding.as_str(),
            Parsed::Reissue(f) => f.encoding.as_str(),
            Parsed::Checkups(f) => f.encoding.as_str(),
            Parsed::Losses(f) => f.encoding.as_str(),
        }
    }

    fn len(&self) -> usize {
        match self {
            Parsed::Subjects(f) => f.rows.len(),
            Parsed::Pullouts(f) => f.rows.len(),
            Parsed::Returned(f) => f.rows.len(),
            Parsed::Reissue(f) => f.rows.len(),
            Parsed::Checkups(f) => f.rows.len(),
            Parsed::Losses(f) => f.rows.len(),
        }
    }

    /// The canonical bytes of the first `limit` rows.
    fn canonical(&self, limit: usize) -> Vec<u8> {
        fn first<R: Row>(rows: &[R], limit: usize) -> Vec<u8> {
            rows::encode(&rows[..limit.min(rows.len())])
        }
        match self {
            Parsed::Subjects(f) => first(&f.rows, limit),
            Parsed::Pullouts(f) => first(&f.rows, limit),
            Parsed::Returned(f) => first(&f.rows, limit),
            Parsed::Reissue(f) => first(&f.rows, limit),
            Parsed::Checkups(f) => first(&f.rows, limit),
            Parsed::Losses(f) => first(&f.rows, limit),
        }
    }
}

/// Refuses a list the process does not take, or one whose time has passed or not yet come.
fn check_window(batch: &Batch, kind: ListKind) -> Result<()> {
    let process = batch.meta.process;
    let Some(window) = import_window(process, kind) else {
        let accepted: Vec<&str> = IMPORTABLE
            .iter()
            .filter(|k| import_window(process, **k).is_some())
            .map(|k| k.code())
            .collect();
        return Err(CoreError::ListNotForProcess {
            process: process.to_string(),
            kind: kind.to_string(),
            accepted: if accepted.is_empty() {
                "none".into()
            } else {
                accepted.join(", ")
            },
        });
    };
    if let Some(step) = window.before {
        let status = step_status(batch, step);
        if complete(status) {
            return Err(CoreError::ListInUse {
                kind: kind.to_string(),
                step,
                status: status.as_str().to_string(),
            });
        }
    }
    if let Some(step) = window.after {
        let status = step_status(batch, step);
        if !complete(status) {
            return Err(CoreError::ListTooEarly {
                kind: kind.to_string(),
                step,
                step_name: process
                    .process()
                    .step(step)
                    .map_or("", |s| s.en)
                    .to_string(),
                status: status.as_str().to_string(),
            });
        }
    }
    Ok(())
}

/// Checks rows against the batch's other lists and the register; one problem per row that does not fit.
fn against_batch(tx: &Tx<'_>, batch: &Batch, parsed: &Parsed) -> Result<Vec<Problem>> {
    let mut problems = Vec::new();
    match parsed {
        Parsed::Pullouts(file) => {
            let production: HashSet<String> = current::<Subject>(tx, batch, ListKind::Production)?
                .ok_or_else(|| CoreError::MissingList {
                    step: 4,
                    kind: ListKind::Production.to_string(),
                    how: "pull-outs are checked against it; import it first".into(),
                })?
                .into_iter()
                .map(|s| s.voucher_no)
                .collect();
            for (i, p) in file.rows.iter().enumerate() {
                if !production.contains(&p.voucher_no) {
                    problems.push(file.problem(
                        i,
                        "voucher_no",
                        format!(
                            "voucher {} is not in this batch's production list",
                            p.voucher_no
                        ),
                        format!(
                            "受診券 {} はこのバッチの本番リストにありません",
                            p.voucher_no
                        ),
                    ));
                }
            }
        }
        Parsed::Returned(file) => {
            let mailed = mailed(tx, batch)?;
            let already: HashSet<String> = returns(tx, batch)?
                .into_iter()
                .map(|r| r.voucher_no)
                .collect();
            for (i, r) in file.rows.iter().enumerate() {
                if let Some(why) = return_problem(&r.voucher_no, &mailed.0, &mailed.1, &already) {
                    problems.push(file.problem(i, "voucher_no", why.to_string(), why.ja()));
                }
            }
        }
        Parsed::Checkups(file) => {
            for (i, c) in file.rows.iter().enumerate() {
                problems.extend(unregistered(tx, file, i, &c.voucher_no, batch)?);
            }
        }
        Parsed::Losses(file) => {
            let ours = crate::trust::roster(tx)?
                .settings()
                .insurer
                .map(|i| i.number);
            for (i, c) in file.rows.iter().enumerate() {
                problems.extend(unregistered(tx, file, i, &c.voucher_no, batch)?);
                if let Some(ours) = ours.as_ref().filter(|o| **o != c.insurer_no) {
                    problems.push(file.problem(
                        i,
                        "insurer_no",
                        format!(
                            "insurer number {} is not this office's ({ours}): a list of another insurer",
                            c.insurer_no
                        ),
                        format!(
                            "保険者番号 {} はこの事務所の番号（{ours}）ではありません。他の保険者のリストです",
                            c.insurer_no
                        ),
                    ));
                }
            }
        }
        Parsed::Subjects(_) | Parsed::Reissue(_) => {}
    }
    Ok(problems)
}

/// A problem at row `i` when its voucher is not in the register for the batch's fiscal year.
fn unregistered<R>(
    tx: &Tx<'_>,
    file: &Imported<R>,
    i: usize,
    voucher_no: &str,
    batch: &Batch,
) -> Result<Option<Problem>> {
    let year = batch.meta.fiscal_year;
    if tx.voucher_batch(voucher_no, year)?.is_some() {
        return Ok(None);
    }
    Ok(Some(file.problem(
        i,
        "voucher_no",
        format!("voucher {voucher_no} is not in the register for fiscal {year}"),
        format!("受診券 {voucher_no} は{year}年度の受診券リストにありません"),
    )))
}

/// How to get a list a step needs, for the message that says it is missing.
pub(crate) fn how_to_get(kind: ListKind) -> String {
    match kind {
        ListKind::PostalCounts => "step 4 (make lists) makes it".into(),
        ListKind::Reissues => "step 5 (create) makes it".into(),
        _ => format!(
            "kenshin import {} --batch BATCH FILE",
            kind.code().replace('_', "-")
        ),
    }
}
