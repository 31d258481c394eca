//! The access log's way in. A lookup is kept at once in the home (`access_pending`), cheaply, and
//! moved into the office's access log documents by [`Tx::flush_lookups`], which the sync engine and
//! the archive export run: so searching stays fast, and the log still reaches every laptop.

use crate::docs::{access, batch_doc_id, office};
use crate::error::{Result, StoreError};
use crate::home::{new_document_id, Home, Tx};
use kenshin_domain::register::Lookup;
use samod_core::DocumentId;
use std::collections::BTreeMap;

fn automerge_err(doc: &DocumentId) -> impl FnOnce(automerge::AutomergeError) -> StoreError {
    let doc = doc.to_string();
    move |source| StoreError::Automerge {
        doc,
        source: Box::new(source),
    }
}

impl Home {
    /// Keeps a lookup. Committed without waiting for the disk (synchronous=NORMAL): the WAL holds it
    /// when this returns, so a killed process loses nothing; a power cut may lose the last few.
    pub fn note_lookup(&mut self, lookup: &Lookup) -> Result<()> {
        let json = serde_json::to_string(lookup).expect("a lookup serialises");
        let _turn = self.gate.enter();
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Kept prepared: parsing it again took a fortieth of a lookup.
        let kept = self
            .conn
            .prepare_cached("INSERT INTO access_pending(lookup) VALUES (?1)")
            .and_then(|mut insert| insert.execute([json]));
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        kept?;
        Ok(())
    }
}

impl Tx<'_> {
    /// Whether any lookup waits for the access log (a read: the sync engine asks on every poll, and
    /// a write transaction each time would queue behind the projections).
    pub fn lookups_waiting(&self) -> Result<bool> {
        Ok(self
            .sql()
            .query_row("SELECT EXISTS (SELECT 1 FROM access_pending)", [], |r| {
                r.get(0)
            })?)
    }

    /// Moves the waiting lookups into the access log documents of the office `office_doc`: one per
    /// member and month, created (and indexed in the office document) when this home holds none.
    /// Returns how many moved.
    pub fn flush_lookups(&self, office_doc: &DocumentId) -> Result<usize> {
        let mut stmt = self
            .sql()
            .prepare_cached("SELECT seq, lookup FROM access_pending ORDER BY seq")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let Some(&(last, _)) = rows.last() else {
            return Ok(0);
        };
        if !self.has_document(office_doc)? {
            // A laptop whose office has not arrived yet: they wait for it.
            return Ok(0);
        }
        let mut groups: BTreeMap<(String, String), Vec<Lookup>> = BTreeMap::new();
        for (seq, json) in &rows {
            let lookup: Lookup = serde_json::from_str(json).map_err(|e| StoreError::Shape {
                doc: "access_pending".into(),
                what: "lookup",
                why: format!("row {seq}: {e}"),
            })?;
            groups
                .entry((lookup.by.clone(), lookup.month()))
                .or_default()
                .push(lookup);
        }
        let (mut office_am, known) = self.load_office(office_doc)?;
        let office_before = office_am.get_heads();
        for ((member, month), lookups) in groups {
            let held = known
                .access_logs
                .iter()
                .filter(|l| l.member == member && l.month == month)
                .map(|l| batch_doc_id(&l.doc_id))
                .collect::<Result<Vec<_>>>()?;
            let mut found = None;
            for id in held {
                if let Some(doc) = self.load(&id)? {
                    found = Some((id, doc));
                    break;
                }
            }
            // None here yet (or only indexed, still on its way from a peer): a new one of our own.
            let (id, mut doc, before) = match found {
                Some((id, mut doc)) => {
                    let before = doc.get_heads();
                    (id, doc, before)
                }
                None => {
                    let id = new_document_id();
                    let mut doc = automerge::AutoCommit::new().with_actor(self.actor().clone());
                    access::init(&mut doc, &member, &month).map_err(automerge_err(&id))?;
                    office::add_access_log(
                        &mut office_am,
                        &office::AccessLogRef {
                            doc_id: id.to_string(),
                            member: member.clone(),
                            month: month.clone(),
                        },
                    )
                    .map_err(automerge_err(office_doc))?;
                    (id, doc, Vec::new())
                }
            };
            access::append(&mut doc, &lookups).map_err(automerge_err(&id))?;
            doc.commit();
            self.save(&id, &mut doc, &before)?;
        }
        self.save_office(office_doc, &mut office_am, &office_before)?;
        self.sql()
            .execute("DELETE FROM access_pending WHERE seq <= ?1", [last])?;
        Ok(rows.len())
    }

    /// The access logs of `month` (YYYY-MM) in `logs` (the office's index) this home holds, as read
    /// from their history: every lookup ever added, for the caller to judge.
    pub fn access_logs_of(
        &self,
        logs: &[office::AccessLogRef],
        month: &str,
    ) -> Result<Vec<(office::AccessLogRef, access::AccessLog)>> {
        let mut all = Vec::new();
        for l in logs.iter().filter(|l| l.month == month) {
            if let Some(log) = self.load_access_log(&batch_doc_id(&l.doc_id)?)? {
                all.push((l.clone(), log));
            }
        }
        Ok(all)
    }
}
