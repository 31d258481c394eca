//! The shapes of Kenshin's Automerge documents, and typed reads and writes over them.

pub mod access;
mod am;
pub mod batch;
pub mod history;
mod json;
pub mod list;
pub mod office;

use crate::error::{Result, StoreError};
use crate::home::Tx;
use automerge::AutoCommit;
use kenshin_domain::rows::{self, Row};
use samod_core::DocumentId;

/// Local setting naming the office document of this home.
pub const OFFICE_DOC: &str = "office_doc";

fn shape(doc: &DocumentId, what: &'static str) -> impl FnOnce(String) -> StoreError {
    let doc = doc.to_string();
    move |why| StoreError::Shape { doc, what, why }
}

impl crate::home::Stored {
    /// The batch document and what it holds, loaded outside the transaction that read it.
    pub fn load_batch(self) -> Result<(AutoCommit, batch::Batch)> {
        let id = self.id.clone();
        let mut doc = self.load_required()?;
        let batch = batch::read(&mut doc, &id.to_string()).map_err(shape(&id, "batch document"))?;
        Ok((doc, batch))
    }
}

/// An office document as read, with the digest of the chunks it was read from.
pub(crate) struct OfficeRead {
    id: DocumentId,
    digest: String,
    office: office::Office,
}

/// Parses a batch id (a document id) given by a person or read from a projection.
pub fn batch_doc_id(batch_id: &str) -> Result<DocumentId> {
    batch_id
        .parse()
        .map_err(|_| StoreError::MissingDocument(batch_id.to_string()))
}

impl Tx<'_> {
    /// The office document's id, if this home has joined or founded an office.
    pub fn office_doc_id(&self) -> Result<Option<DocumentId>> {
        match self.local(OFFICE_DOC)? {
            None => Ok(None),
            Some(id) => id.parse().map(Some).map_err(|_| StoreError::Shape {
                doc: id,
                what: "office document id",
                why: "not a document id".to_string(),
            }),
        }
    }

    /// The office document, to write to, and what it holds.
    pub fn load_office(&self, id: &DocumentId) -> Result<(AutoCommit, office::Office)> {
        let mut doc = self.load_required(id)?;
        let office = self.office(id, Some(&mut doc))?;
        Ok((doc, office))
    }

    /// What the office document holds. Reading it walks its whole history (10–15 ms at 300
    /// batches), and a hub reads it several times for one arrival (admitting, projecting, sharing
    /// keys): a read is kept with the digest of the chunks it was made from, whose keys name their
    /// content, and given again while they are the same (without loading the document).
    pub fn read_office(&self, id: &DocumentId) -> Result<office::Office> {
        self.office(id, None)
    }

    fn office(&self, id: &DocumentId, doc: Option<&mut AutoCommit>) -> Result<office::Office> {
        let digest = self.document_digest(id)?;
        let mut kept = self.office_read.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(read) = kept.as_ref().filter(|r| r.id == *id && r.digest == digest) {
            return Ok(read.office.clone());
        }
        let office = match doc {
            Some(doc) => office::read(doc),
            None => office::read(&mut self.load_required(id)?),
        }
        .map_err(shape(id, "office document"))?;
        *kept = Some(OfficeRead {
            id: id.clone(),
            digest,
            office: office.clone(),
        });
        Ok(office)
    }

    pub fn load_access_log(&self, id: &DocumentId) -> Result<Option<access::AccessLog>> {
        let Some(mut doc) = self.load(id)? else {
            return Ok(None);
        };
        access::read(&mut doc)
            .map(Some)
            .map_err(shape(id, "access log"))
    }

    pub fn load_batch(&self, id: &DocumentId) -> Result<(AutoCommit, batch::Batch)> {
        self.stored(id)?.load_batch()
    }

    /// Commits and saves a change to the office document (the caller projects the roster again).
    pub fn save_office(
        &self,
        id: &DocumentId,
        doc: &mut AutoCommit,
        before: &[automerge::ChangeHash],
    ) -> Result<()> {
        doc.commit();
        self.save(id, doc, before)
    }

    /// Stores a new list document holding `rows` (canonical bytes) and returns the batch's reference
    /// to it, for its writer to sign.
    pub fn save_new_list(&self, new: &list::NewList<'_>, rows: &[u8]) -> Result<list::ListRef> {
        let (mut doc, meta, id) =
            list::create(new, rows).map_err(|source| StoreError::Automerge {
                doc: new.batch.to_string(),
                source: Box::new(source),
            })?;
        doc.commit();
        if !self.has_document(&id)? {
            self.save(&id, &mut doc, &[])?;
        }
        Ok(list::ListRef {
            doc_id: id.to_string(),
            list_kind: meta.list_kind,
            sha256: meta.sha256,
            row_count: meta.row_count,
            by: meta.created_by,
            at: Some(meta.created_at),
            signature: String::new(),
        })
    }

    /// A list's metadata and canonical rows, checked against the batch's reference to it.
    pub fn list_snapshot(&self, list: &list::ListRef) -> Result<(list::ListMeta, Vec<u8>)> {
        let id = batch_doc_id(&list.doc_id)?;
        let mut doc = self.load_required(&id)?;
        let (meta, bytes) = list::read_rows(&mut doc, &id).map_err(shape(&id, "list document"))?;
        if meta.sha256 != list.sha256 || meta.list_kind != list.list_kind {
            return Err(shape(&id, "list document")(format!(
                "the batch refers to a {} list with sha256 {}, the document holds a {} list with {}",
                list.list_kind, list.sha256, meta.list_kind, meta.sha256
            )));
        }
        Ok((meta, bytes))
    }

    /// A list's rows, checked against its sha256 and the batch's reference to it.
    pub fn list_rows<R: Row>(&self, list: &list::ListRef) -> Result<Vec<R>> {
        let (_, bytes) = self.list_snapshot(list)?;
        rows::decode(&bytes).map_err(shape(&batch_doc_id(&list.doc_id)?, "list document"))
    }
}
