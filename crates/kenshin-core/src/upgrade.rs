//! Opening a home made by an earlier Kenshin (版の更新). Documents written before signing hold
//! records with no signature: the batch index, each batch's meta, list references and notes, and the
//! access log's lookups. The first time this build opens such a home, its member vouches for every
//! one of them the home holds, in one signed migration record per document, and raises the
//! document's schema so that a laptop still on the earlier build reads it as newer and changes
//! nothing. Records written unsigned after that (by a laptop not yet upgraded) count only once that
//! laptop upgrades and vouches for them itself.

use crate::error::Result;
use crate::trust::{self, kept_keys, ME};
use crate::{now, CoreError};
use kenshin_domain::signed::{Migration, Signed};
use kenshin_store::docs::{access, batch, office};
use kenshin_store::{batch_doc_id, DocumentId, Tx};
use kenshin_trust::KeptKeys;

/// Local setting: the document schema generation this home was last brought to.
const UPGRADED: &str = "upgraded";

/// Marks a home this build founded or joined as current: it holds nothing written before signing
/// that it could vouch for.
pub(crate) fn current(tx: &Tx<'_>) -> Result<()> {
    Ok(tx.set_local(UPGRADED, GENERATION)?)
}

/// This build's generation (batch schema 3, office 3, access log 2).
const GENERATION: &str = "3";

/// Whether the home still has to be brought to this build's schemas.
pub(crate) fn needed(tx: &Tx<'_>) -> Result<bool> {
    Ok(tx.local(UPGRADED)?.as_deref() != Some(GENERATION))
}

/// Upgrades the home in `home` if it has not been (a read first, so an upgraded home pays nothing).
pub(crate) fn once(home: &mut kenshin_store::Home) -> Result<()> {
    if home.read(needed)? {
        run(home)?;
    }
    Ok(())
}

/// Upgrades the home (after [`needed`] said it must be).
pub(crate) fn run(home: &mut kenshin_store::Home) -> Result<()> {
    home.write(upgrade).map(|_| ())
}

/// Brings the home's documents to this build's schemas, once. Does nothing on a home with no
/// office yet, or whose member's keys are not here or sealed.
fn upgrade(tx: &Tx<'_>) -> Result<bool> {
    if tx.local(UPGRADED)?.as_deref() == Some(GENERATION) {
        return Ok(false);
    }
    let Some(office_id) = tx.office_doc_id()? else {
        return Ok(false);
    };
    if !tx.has_document(&office_id)? {
        return Ok(false);
    }
    let Some(me) = tx.local(ME)? else {
        return Ok(false);
    };
    // A sealed key cannot vouch without its member's secret; a home this build sealed is already
    // upgraded (a later build that raises a schema must vouch at sign-in).
    let Some(KeptKeys::Open(keys)) = kept_keys(tx, &me)? else {
        return Ok(false);
    };
    let office = office_id.to_string();
    let sign = |doc: &str, vouched: Vec<String>, schema: i64| {
        let mut m = Migration {
            id: uuid::Uuid::new_v4().simple().to_string(),
            schema,
            vouched,
            by: me.clone(),
            at: now(),
            signature: String::new(),
        };
        m.signature = keys.sign(&m.payload(&office, doc));
        m
    };
    // Lookups still waiting from the earlier build go into the access log first, to be vouched for.
    tx.flush_lookups(&office_id)?;
    let (mut doc, read) = tx.load_office(&office_id)?;
    let logs = read.access_logs.clone();
    if read.schema < office::SCHEMA {
        let marks = read.batches.iter().filter_map(|b| b.mark.clone()).collect();
        let before = doc.get_heads();
        office::migrate(&mut doc, &sign(&office, marks, office::SCHEMA))?;
        tx.save_office(&office_id, &mut doc, &before)?;
    }
    for b in &read.batches {
        let id = batch_doc_id(&b.meta.batch_id)?;
        let Some(mut doc) = tx.load(&id)? else {
            continue;
        };
        // A document that does not read is left as it is (its board says why).
        let Ok(all) = batch::read(&mut doc, &b.meta.batch_id) else {
            continue;
        };
        if all.schema >= batch::SCHEMA {
            continue;
        }
        let unsigned = |sig: &str, mark: &str| sig.is_empty().then(|| mark.to_string());
        let marks = all
            .meta_mark
            .iter()
            .cloned()
            .chain(
                all.lists
                    .iter()
                    .zip(&all.list_provenance)
                    .filter_map(|(l, p)| unsigned(&l.signature, &p.mark)),
            )
            .chain(
                all.notes
                    .iter()
                    .zip(&all.note_provenance)
                    .filter_map(|(n, p)| unsigned(&n.signature, &p.mark)),
            )
            .collect();
        migrate(tx, &id, &mut doc, |d| {
            batch::migrate(d, &sign(&b.meta.batch_id, marks, batch::SCHEMA))
        })?;
    }
    for l in &logs {
        let id = batch_doc_id(&l.doc_id)?;
        let Some(mut doc) = tx.load(&id)? else {
            continue;
        };
        let Ok(log) = access::read(&mut doc) else {
            continue;
        };
        if log.schema >= access::SCHEMA {
            continue;
        }
        let marks = log
            .lookups
            .iter()
            .zip(&log.provenance)
            .filter(|(l, _)| l.signature.is_empty())
            .map(|(_, p)| p.mark.clone())
            .collect();
        migrate(tx, &id, &mut doc, |d| {
            access::migrate(d, &sign(&l.doc_id, marks, access::SCHEMA))
        })?;
    }
    tx.set_local(UPGRADED, GENERATION)?;
    trust::rebuild(tx)?;
    Ok(true)
}

fn migrate(
    tx: &Tx<'_>,
    id: &DocumentId,
    doc: &mut automerge::AutoCommit,
    change: impl FnOnce(
        &mut automerge::AutoCommit,
    ) -> std::result::Result<(), automerge::AutomergeError>,
) -> Result<()> {
    let before = doc.get_heads();
    change(doc).map_err(|e| CoreError::Internal(format!("upgrading {id}: {e}")))?;
    doc.commit();
    tx.save(id, doc, &before)?;
    Ok(())
}
