//! 資格喪失者の削除: the rows of persons who left the insurer are kept to the end of the fiscal year
//! after they left (基準 第10条), then go from the office's lists by an approver's signed decision.
//! Each list holding such rows is written again without them (a new document, signed into each
//! batch that counted the old one, where it counts in its place), and every laptop deletes the old
//! document once it has checked the new one is the old without those rows. The rules are
//! `kenshin_domain::retention`'s.

use crate::error::{CoreError, Result};
use crate::trust::{self, load_judged};
use crate::{local_day, now, Office};
use kenshin_domain::evidence::voucher_year;
use kenshin_domain::retention::{
    departed_due_by, redact, redacted_from, DepartedDue, RedactedList, Redaction, RetentionRefusal,
    DEPARTED_RULE_JA,
};
use kenshin_domain::trust::Replacement;
use kenshin_domain::ListKind;
use kenshin_store::docs::batch::{self, REDACTED_SCHEMA};
use kenshin_store::docs::list::NewList;
use kenshin_store::docs::office::{self, REDACTIONS_SCHEMA};
use kenshin_store::{batch_doc_id, ListRef, Tx};
use kenshin_trust::Roster;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Local note: what this laptop made of a redaction, [`HOLDS`] or why it does not.
fn checked(id: &str) -> String {
    format!("redaction:{id}")
}
const HOLDS: &str = "holds";

/// The replacements a batch's lists are judged with: of the redactions that hold in `roster`,
/// those naming the batch that this laptop did not find wrong (`tx`; an archive has no notes).
pub(crate) fn replacements<'r>(
    tx: Option<&Tx<'_>>,
    roster: &'r Roster,
    batch_id: &str,
) -> Result<Vec<Replacement<'r>>> {
    let refused = match tx {
        Some(tx) => refused(tx, roster)?,
        None => HashSet::new(),
    };
    Ok(replacements_but(roster, batch_id, &refused))
}

/// The redactions that hold in `roster` which this laptop found wrong (its notes).
pub(crate) fn refused(tx: &Tx<'_>, roster: &Roster) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    for r in roster.redactions() {
        if refused_here(tx, &r.id)?.is_some() {
            out.insert(r.id.clone());
        }
    }
    Ok(out)
}

/// [`replacements`] with the redactions found wrong read already ([`refused`]).
pub(crate) fn replacements_but<'r>(
    roster: &'r Roster,
    batch_id: &str,
    refused: &HashSet<String>,
) -> Vec<Replacement<'r>> {
    roster
        .redactions()
        .into_iter()
        .filter(|r| !refused.contains(&r.id))
        .flat_map(|r| {
            r.lists
                .iter()
                .filter(|l| l.batches.iter().any(|b| b == batch_id))
                .map(|l| Replacement {
                    old: &l.old_doc,
                    new: &l.new_doc,
                    by: &r.by,
                })
        })
        .collect()
}

/// A list to write again without departed persons' rows.
struct Planned {
    old: ListRef,
    batches: Vec<String>,
    text: String,
    kept: u64,
    encoding: String,
    source_name: String,
}

/// Every list of the batches here holding a person who lost coverage on or before `lost_by` (those
/// whose list documents are here), and the fiscal years of those batches not closed yet.
fn plan(
    tx: &Tx<'_>,
    roster: &Roster,
    departed: &BTreeMap<i32, BTreeSet<String>>,
) -> Result<(Vec<Planned>, BTreeSet<i32>)> {
    let (mut planned, mut open) = (Vec::<Planned>::new(), BTreeSet::new());
    for b in tx.batches()? {
        let id = batch_doc_id(&b.batch_id)?;
        let Some(gone) = departed.get(&voucher_year(b.process, b.fiscal_year)) else {
            continue;
        };
        if roster.purged(b.fiscal_year) || !tx.has_document(&id)? {
            continue;
        }
        let counted = load_judged(tx, roster, &id)?.counted();
        for l in counted.lists {
            if l.list_kind == ListKind::PostalCounts
                || !tx.has_document(&batch_doc_id(&l.doc_id)?)?
            {
                continue;
            }
            if let Some(p) = planned.iter_mut().find(|p| p.old.doc_id == l.doc_id) {
                p.batches.push(b.batch_id.clone());
                continue;
            }
            let (meta, bytes) = tx.list_snapshot(&l)?;
            let text = String::from_utf8(bytes)
                .map_err(|_| CoreError::Internal(format!("list {}: not UTF-8", l.doc_id)))?;
            if let Some((text, kept)) = redact(&text, |no| gone.contains(no)) {
                if !roster.year_closes().any(|c| c.fiscal_year == b.fiscal_year) {
                    open.insert(b.fiscal_year);
                }
                planned.push(Planned {
                    old: l,
                    batches: vec![b.batch_id.clone()],
                    text,
                    kept,
                    encoding: meta.encoding,
                    source_name: meta.source_name,
                });
            }
        }
    }
    Ok((planned, open))
}

impl Office {
    /// Persons who left the insurer and are past their keeping, as the retention list shows them.
    pub fn departed_due(&mut self) -> Result<DepartedDue> {
        let lost_by = departed_due_by(local_day(now()));
        self.home.read(|tx| {
            let departed = tx.coverage_lost_by(lost_by)?;
            let roster = trust::roster(tx)?;
            let years: BTreeSet<i32> = departed.keys().copied().collect();
            let open_years = tx
                .batches()?
                .iter()
                .filter(|b| years.contains(&voucher_year(b.process, b.fiscal_year)))
                .map(|b| b.fiscal_year)
                .filter(|y| {
                    !roster.purged(*y) && !roster.year_closes().any(|c| c.fiscal_year == *y)
                })
                .collect::<BTreeSet<i32>>()
                .into_iter()
                .collect();
            Ok(DepartedDue {
                lost_by,
                persons: departed.values().map(|v| v.len() as u64).sum(),
                years: years.into_iter().collect(),
                open_years,
                rule: DEPARTED_RULE_JA.to_string(),
            })
        })
    }

    /// 資格喪失者の削除 (approvers): writes every list holding a person past their keeping again
    /// without them, puts the new lists in place of the old in each batch, and deletes the old lists
    /// from this laptop at once and from every other laptop when it syncs next. Refused when a batch
    /// holding them is in a fiscal year not closed.
    pub fn purge_departed(&mut self) -> Result<Redaction> {
        let mine = self.office_doc.to_string();
        let at = now();
        let lost_by = departed_due_by(local_day(at));
        let (office_id, me, keys) = (&self.office_doc, &self.me, &self.keys);
        let redaction = self.home.write(|tx| {
            let roster = trust::roster(tx)?;
            if !roster.as_of(me.clone(), at).approver {
                return Err(CoreError::from(RetentionRefusal::NotApprover {
                    member: me.name.clone(),
                }));
            }
            let departed = tx.coverage_lost_by(lost_by)?;
            let (planned, open) = plan(tx, &roster, &departed)?;
            if !open.is_empty() {
                return Err(RetentionRefusal::DepartedInOpenYears {
                    years: open.into_iter().collect(),
                }
                .into());
            }
            if planned.is_empty() {
                return Err(RetentionRefusal::NothingDeparted { lost_by }.into());
            }
            let mut lists = Vec::new();
            for p in planned {
                let new = tx.save_new_list(
                    &NewList {
                        office: &mine,
                        batch: &p.batches[0],
                        list_kind: p.old.list_kind,
                        encoding: &p.encoding,
                        source_name: &p.source_name,
                        row_count: p.kept,
                        created_by: &me.id,
                        created_at: at,
                    },
                    p.text.as_bytes(),
                )?;
                for b in &p.batches {
                    add_reference(tx, keys, &mine, &me.id, b, &new)?;
                }
                lists.push(RedactedList {
                    batches: p.batches,
                    list_kind: p.old.list_kind,
                    old_doc: p.old.doc_id,
                    old_sha256: p.old.sha256,
                    old_rows: p.old.row_count,
                    new_doc: new.doc_id,
                    new_sha256: new.sha256,
                    new_rows: new.row_count,
                });
            }
            let mut r = Redaction {
                id: uuid::Uuid::new_v4().simple().to_string(),
                lost_by,
                lists,
                by: me.id.clone(),
                at,
                signature: String::new(),
            };
            r.signature = keys.sign(&kenshin_domain::signed::Signed::payload(&r, &mine, &mine));
            crate::years::put_year_record(
                tx,
                office_id,
                Some(REDACTIONS_SCHEMA),
                keys,
                &me.id,
                |doc| office::add_redaction(doc, &r),
            )?;
            // The decision, the new lists and the deletion in one transaction.
            let roster = trust::roster(tx)?;
            let applied = apply_redactions(tx, &roster)?;
            trust::project_office(tx, &roster)?;
            // Projected as the sync engine projects them, with its notes: it need not read the
            // new lists back.
            let digests = roster.signer_digests();
            for b in &applied.touched {
                let id = batch_doc_id(b)?;
                if let Some(judged) = trust::project_batch(tx, &roster, &id)? {
                    crate::sync::project_counted(
                        tx,
                        &digests,
                        &judged.all,
                        (b.as_str(), &id),
                        &judged.counted(),
                    )?;
                }
            }
            Ok::<_, CoreError>(r)
        })?;
        self.home.vacuum()?;
        Ok(redaction)
    }
}

/// Signs a reference to `list` into batch `batch_id`, raising the batch to the schema that reads
/// it in the same change.
fn add_reference(
    tx: &Tx<'_>,
    keys: &kenshin_trust::Keys,
    office: &str,
    me: &str,
    batch_id: &str,
    list: &ListRef,
) -> Result<()> {
    let id = batch_doc_id(batch_id)?;
    let (mut doc, held) = tx.load_batch(&id)?;
    let before = doc.get_heads();
    if held.schema < REDACTED_SCHEMA && !held.migrations.iter().any(|m| m.schema >= REDACTED_SCHEMA)
    {
        batch::migrate(
            &mut doc,
            &crate::migration(keys, office, batch_id, me, REDACTED_SCHEMA),
        )?;
    }
    batch::add_list(
        &mut doc,
        &crate::signed_list(keys, office, batch_id, list.clone()),
    )?;
    doc.commit();
    tx.save(&id, &mut doc, &before)?;
    Ok(())
}

/// What applying the redactions did here.
#[derive(Default)]
pub(crate) struct Applied {
    /// Documents were deleted (the space comes back with a VACUUM).
    pub deleted: bool,
    /// Batches whose lists are judged otherwise now.
    pub touched: HashSet<String>,
    /// A redaction waits for a new list to arrive before it is checked.
    pub pending: bool,
    /// A redaction was found not to hold here (the roster's problems say so).
    pub refused: bool,
}

/// Checks each redaction that holds and this laptop has not checked yet, once its new lists are
/// here: each new list is its old one without the rows of persons who lost coverage by its day
/// (exactly, where this laptop holds that year's old loss lists; else without rows of its own).
/// When all hold, the old lists are deleted and never stored again; when one does not, the
/// redaction is noted as not holding here and its new lists count for nothing.
pub(crate) fn apply_redactions(tx: &Tx<'_>, roster: &Roster) -> Result<Applied> {
    let mut applied = Applied::default();
    if roster.redactions().is_empty() {
        return Ok(applied);
    }
    let batches: BTreeMap<String, i32> = tx
        .batches()?
        .into_iter()
        .map(|b| (b.batch_id, voucher_year(b.process, b.fiscal_year)))
        .collect();
    for r in roster.redactions() {
        if tx.local(&checked(&r.id))?.is_some() {
            continue;
        }
        // Each list with whether its old document is here; checked once every new one held for is.
        let (mut pairs, mut waiting) = (Vec::new(), false);
        for l in &r.lists {
            let old = batch_doc_id(&l.old_doc)?;
            let held = tx.has_document(&old)? && !tx.is_purged(&old)?;
            waiting |= held && !tx.has_document(&batch_doc_id(&l.new_doc)?)?;
            pairs.push((l, held));
        }
        if waiting {
            applied.pending = true;
            continue;
        }
        let year_of = |l: &RedactedList| l.batches.iter().find_map(|b| batches.get(b)).copied();
        let text = |l: &RedactedList, old: bool| -> Result<String> {
            let (doc, sha256, rows) = match old {
                true => (&l.old_doc, &l.old_sha256, l.old_rows),
                false => (&l.new_doc, &l.new_sha256, l.new_rows),
            };
            let (_, bytes) = tx.list_snapshot(&ListRef {
                doc_id: doc.clone(),
                list_kind: l.list_kind,
                sha256: sha256.clone(),
                row_count: rows,
                by: String::new(),
                at: None,
                signature: String::new(),
            })?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        };
        // Who departed, from the loss lists as they were (their old documents, held here): the
        // register may already be projected from the new ones.
        let mut departed: BTreeMap<i32, BTreeSet<String>> = BTreeMap::new();
        for (l, _) in pairs
            .iter()
            .filter(|(l, held)| *held && l.list_kind == ListKind::CoverageLoss)
        {
            let Some(year) = year_of(l) else { continue };
            let losses = text(l, true).ok().and_then(|t| {
                kenshin_domain::rows::decode::<kenshin_domain::rows::CoverageLoss>(t.as_bytes())
                    .ok()
            });
            let gone = departed.entry(year).or_default();
            for loss in losses
                .into_iter()
                .flatten()
                .filter(|c| c.lost_on <= r.lost_by)
            {
                gone.insert(loss.voucher_no);
            }
        }
        let mut verdict = Ok(());
        for (l, .., held) in &pairs {
            if !*held {
                continue;
            }
            // Exactly the departed persons' rows go where this laptop holds the year's losses.
            let gone = year_of(l).and_then(|y| departed.get(&y));
            let is_gone = |no: &str| gone.is_some_and(|g| g.contains(no));
            let found = match (text(l, true), text(l, false)) {
                (Ok(old), Ok(new)) => redacted_from(
                    &old,
                    &new,
                    gone.is_some().then_some(&is_gone as &dyn Fn(&str) -> bool),
                ),
                (Err(e), _) | (_, Err(e)) => Err(e.to_string()),
            };
            if let Err(why) = found {
                verdict = Err(format!("{} {}: {why}", l.list_kind.ja(), l.old_doc));
                break;
            }
        }
        match verdict {
            Ok(()) => {
                let old: Vec<String> = pairs.iter().map(|(l, ..)| l.old_doc.clone()).collect();
                tx.purge_documents("chunks", &old)?;
                tx.set_local(&checked(&r.id), HOLDS)?;
                applied.deleted |= pairs.iter().any(|(.., held)| *held);
            }
            Err(why) => {
                tracing::warn!(redaction = %r.id, %why, "a deletion of departed persons' rows does not hold here");
                tx.set_local(&checked(&r.id), &why)?;
                applied.refused = true;
            }
        }
        applied
            .touched
            .extend(r.lists.iter().flat_map(|l| l.batches.iter().cloned()));
    }
    Ok(applied)
}

/// Why a redaction does not hold on this laptop, for people (None when it holds or is unchecked).
pub(crate) fn refused_here(tx: &Tx<'_>, id: &str) -> Result<Option<String>> {
    Ok(tx.local(&checked(id))?.filter(|n| n != HOLDS))
}

/// A deletion of departed persons' rows that made a list what it is, for the evidence view: the
/// rows the list had before, how many went, whose decision and when.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct RedactedNote {
    /// Persons who lost coverage on or before this day were deleted.
    pub lost_by: chrono::NaiveDate,
    #[ts(type = "number")]
    pub rows_before: u64,
    #[ts(type = "number")]
    pub removed: u64,
    pub by_name: String,
    #[ts(type = "string")]
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The redactions that made list `doc` from the one first counted, newest first.
pub(crate) fn history_of(roster: &Roster, doc: &str) -> Vec<RedactedNote> {
    let mut notes = Vec::new();
    let mut doc = doc.to_string();
    while let Some((r, l)) = roster
        .redactions()
        .into_iter()
        .find_map(|r| r.lists.iter().find(|l| l.new_doc == doc).map(|l| (r, l)))
    {
        notes.push(RedactedNote {
            lost_by: r.lost_by,
            rows_before: l.old_rows,
            removed: l.old_rows.saturating_sub(l.new_rows),
            by_name: roster
                .member(&r.by)
                .map_or_else(|| r.by.clone(), |e| e.member.name.clone()),
            at: r.at,
        });
        doc = l.old_doc.clone();
    }
    notes
}
