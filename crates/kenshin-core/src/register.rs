//! The voucher register (受診券リスト): search, phone inquiries (process 4) and returned mail recorded
//! one by one.

use crate::lists::{complete, mailed, returns, step_status};
use crate::{local_day, now, CoreError, Office, Result};
use automerge::AutoCommit;
use kenshin_domain::evidence::send_step;
use kenshin_domain::register::{
    check_note, return_problem, Lookup, NoteFields, NoteForm, NoteKind, VoucherNote,
};
use kenshin_domain::signed::Signed;
use kenshin_domain::text::{classify_query, Query};
use kenshin_domain::ProcessId;
use kenshin_store::docs::batch;
use kenshin_store::{batch_doc_id, Batch, BatchRef, DocumentId, Found, RegisterEntry, Tx};
use serde::Serialize;
use std::collections::HashSet;

/// A logged inquiry, with the voucher as the register has it (None when the number is not in it).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct InquiryLogged {
    pub batch_id: String,
    pub batch_label: String,
    pub note: VoucherNote,
    pub voucher: Option<RegisterEntry>,
}

/// A note's fields as typed, judged (today in Japan's time when no date is given).
fn checked(form: NoteForm<'_>) -> Result<NoteFields> {
    check_note(form, local_day(now())).map_err(CoreError::Fields)
}

/// Appends a note to a batch's document and refreshes the register's events, in the caller's transaction.
fn save_note(
    tx: &Tx<'_>,
    doc_id: &DocumentId,
    mut doc: AutoCommit,
    batch: &mut Batch,
    note: &VoucherNote,
) -> Result<()> {
    let before = doc.get_heads();
    batch::append_note(&mut doc, note)?;
    doc.commit();
    tx.save(doc_id, &mut doc, &before)?;
    batch.notes.push(note.clone());
    Ok(tx.project_events(batch)?)
}

impl Office {
    /// A note on a voucher by this member.
    fn note(&self, batch: &str, kind: NoteKind, fields: NoteFields) -> VoucherNote {
        let mut note = VoucherNote {
            id: uuid::Uuid::new_v4().simple().to_string(),
            voucher_no: fields.voucher_no,
            kind,
            on: fields.on,
            from: fields.from,
            text: fields.text,
            by: self.me.id.clone(),
            at: now(),
            signature: String::new(),
        };
        note.signature = self
            .keys
            .sign(&note.payload(&self.office_doc.to_string(), batch));
        note
    }

    /// Searches the register by voucher number, kana (any width, or hiragana), name or postal code.
    /// The lookup goes into the access log.
    pub fn find_vouchers(&mut self, query: &str, limit: usize) -> Result<Found> {
        let q = classify_query(query).ok_or(CoreError::Empty {
            what: crate::Blank::Search,
        })?;
        self.look_up(query, Some(&q), 0, limit)
    }

    /// A page of the register: every voucher when the query is blank (newest year, then kana order).
    /// The lookup goes into the access log.
    pub fn register_page(&mut self, query: &str, offset: usize, limit: usize) -> Result<Found> {
        self.look_up(query, classify_query(query).as_ref(), offset, limit)
    }

    /// A search of the register, noted in the access log: who looked, for what, and which vouchers
    /// they were shown (照会記録).
    fn look_up(
        &mut self,
        query: &str,
        q: Option<&Query>,
        offset: usize,
        limit: usize,
    ) -> Result<Found> {
        let found = self.home.read(|tx| tx.find_vouchers(q, offset, limit))?;
        let shown = found.hits.iter().map(|h| h.subject.voucher_no.clone());
        self.log_lookup(query.trim().to_string(), found.total, shown.collect())?;
        Ok(found)
    }

    /// Notes a look at the register in the access log (照会記録), signed by this member: what was
    /// asked, how many matched, which vouchers were shown.
    pub(crate) fn log_lookup(
        &mut self,
        query: String,
        matched: u64,
        shown: Vec<String>,
    ) -> Result<()> {
        let mut lookup = Lookup {
            at: now(),
            by: self.me.id.clone(),
            query,
            matched,
            shown,
            signature: String::new(),
        };
        lookup.signature = self
            .keys
            .sign(&lookup.payload(&self.office_doc.to_string(), ""));
        Ok(self.home.note_lookup(&lookup)?)
    }

    /// The process 4 batches that take calls (their cross-check, step 2, not complete), newest first.
    pub fn open_inquiry_batches(&mut self) -> Result<Vec<BatchRef>> {
        let mut open: Vec<BatchRef> = self
            .board(None)?
            .into_iter()
            .filter(|b| b.batch.process == ProcessId::EligibilityInquiry)
            .filter(|b| {
                !b.steps
                    .iter()
                    .any(|s| s.step == 2 && crate::lists::complete(s.status))
            })
            .map(|b| b.batch)
            .collect();
        open.sort_by_key(|b| std::cmp::Reverse(b.created_at));
        Ok(open)
    }

    /// The process 4 batch inquiries go to when none is named: the newest whose cross-check is not done.
    fn inquiry_batch(&mut self, given: Option<&str>) -> Result<BatchRef> {
        if let Some(b) = given {
            let meta = self.resolve_batch(b)?;
            if meta.process != ProcessId::EligibilityInquiry {
                return Err(CoreError::NotInquiryBatch {
                    label: meta.label,
                    process: meta.process,
                });
            }
            return Ok(meta);
        }
        self.open_inquiry_batches()?
            .into_iter()
            .next()
            .ok_or(CoreError::NoInquiryBatch)
    }

    /// Logs a phone inquiry from a checkup institution on a voucher (process 4, step 1).
    pub fn log_inquiry(
        &mut self,
        voucher: &str,
        from: &str,
        answer: &str,
        on: Option<&str>,
        batch_given: Option<&str>,
    ) -> Result<InquiryLogged> {
        let fields = checked(NoteForm {
            voucher,
            from: Some(from),
            text: answer,
            on,
        })?;
        let meta = self.inquiry_batch(batch_given)?;
        let note = self.note(&meta.batch_id, NoteKind::Inquiry, fields);
        let doc_id = batch_doc_id(&meta.batch_id)?;
        self.home.write(|tx| {
            let (doc, mut current) = crate::trust::load_for_entry(tx, &doc_id)?;
            let step = step_status(&current, 2);
            if complete(step) {
                return Err(CoreError::InquiriesClosed {
                    label: meta.label.clone(),
                    status: step,
                });
            }
            save_note(tx, &doc_id, doc, &mut current, &note)?;
            Ok(InquiryLogged {
                batch_id: meta.batch_id.clone(),
                batch_label: meta.label.clone(),
                voucher: tx.register_entry(&note.voucher_no, meta.fiscal_year)?,
                note: note.clone(),
            })
        })
    }

    /// Records one returned envelope against a voucher the batch mailed (data update).
    pub fn record_return(
        &mut self,
        batch_given: &str,
        voucher: &str,
        on: Option<&str>,
        reason: &str,
    ) -> Result<VoucherNote> {
        let fields = checked(NoteForm {
            voucher,
            from: None,
            text: reason,
            on,
        })?;
        let meta = self.resolve_batch(batch_given)?;
        let note = self.note(&meta.batch_id, NoteKind::Returned, fields);
        let doc_id = batch_doc_id(&meta.batch_id)?;
        self.home.write(|tx| {
            let (doc, mut current) = crate::trust::load_for_entry(tx, &doc_id)?;
            let Some(sent) = send_step(meta.process) else {
                return Err(CoreError::MailsNothing {
                    process: meta.process,
                });
            };
            if !complete(step_status(&current, sent)) {
                return Err(CoreError::ReturnsBeforeSend {
                    label: meta.label.clone(),
                    step: sent,
                });
            }
            let already: HashSet<String> = returns(tx, &current)?
                .into_iter()
                .map(|r| r.voucher_no)
                .collect();
            let (sent, pulled) = mailed(tx, &current)?;
            if let Some(why) = return_problem(&note.voucher_no, &sent, &pulled, &already) {
                return Err(CoreError::Fields(vec![why]));
            }
            save_note(tx, &doc_id, doc, &mut current, &note)?;
            Ok(note.clone())
        })
    }
}
