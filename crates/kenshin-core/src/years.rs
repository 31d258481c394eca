//! The office over years: a month's archive recorded as filed once a member checked it (月次の保存), and a
//! fiscal year closed (年度締め) once every month of it was filed; a closed year's batches take no
//! new entries and stay readable. The rules are `kenshin_domain::filing`'s.

use crate::error::{CoreError, Result};
use crate::trust::{self, ANCHOR};
use crate::{local_day, now, Office};
use automerge::AutoCommit;
use kenshin_domain::dates::Month;
use kenshin_domain::filing::{
    check_close, check_open, lets_go, year_ja, FiledBatch, Filing, HeldHere, YearClose, YearRefusal,
};
use kenshin_domain::fiscal_year;
use kenshin_domain::retention::{
    check_purge, retention_list, Purge, Retention, RetentionRefusal, RetentionYear,
};
use kenshin_domain::signed::Signed;
use kenshin_domain::Role;
use kenshin_store::docs::office::{self, YEARS_SCHEMA};
use kenshin_store::{DocumentId, Tx};
use kenshin_trust::roster::Roster;
use kenshin_trust::NoiseKeys;
use std::collections::{HashMap, HashSet};

/// A fiscal year closed (年度締め), for people.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct ClosedYear {
    pub fiscal_year: i32,
    /// 令和7年度.
    pub year_ja: String,
    /// Who closed it (their name).
    pub by: String,
    #[ts(type = "string")]
    pub at: chrono::DateTime<chrono::Utc>,
}

impl Office {
    /// Records that `bytes`, an archive of `month`, checks whole here (every hash, the manifest's
    /// signature, every record judged again, against this laptop's anchor): the month is filed.
    /// Not done by the export, which stays a pure read (the same data gives the same bytes).
    pub fn file_archive(&mut self, month: Month, bytes: &[u8]) -> Result<Filing> {
        let mine = self.office_doc.to_string();
        let anchor = self.home.read(|tx| Ok::<_, CoreError>(tx.local(ANCHOR)?))?;
        let check = crate::verify_archive("archive", bytes, |office| {
            if office == mine {
                Ok(anchor)
            } else {
                Err(CoreError::OtherOfficeArchive {
                    office: office.to_string(),
                    mine: mine.clone(),
                })
            }
        })?;
        if check.month != month || !check.problems.is_empty() {
            return Err(CoreError::ArchiveNotFiled {
                month,
                problems: check.problems.len().max(1),
            });
        }
        // Of each batch's lists, those this laptop holds (a contractor laptop lets go of no other).
        let held = self.home.read(|tx| {
            let mut held = check.held;
            for b in &mut held {
                let mut here = Vec::new();
                for l in b.lists.drain(..) {
                    if tx.has_document(&kenshin_store::batch_doc_id(&l)?)? {
                        here.push(l);
                    }
                }
                b.lists = here;
            }
            Ok::<_, CoreError>(held)
        })?;
        let mut filing = Filing {
            id: uuid::Uuid::new_v4().simple().to_string(),
            month,
            sha256: kenshin_store::docs::list::sha256_hex(bytes),
            by: self.me.id.clone(),
            at: now(),
            signature: String::new(),
            held,
        };
        filing.signature = self.keys.sign(&filing.payload(&mine, &mine));
        // An earlier build reads past a filing (it only counts toward a close): no raise.
        self.put_year_record(None, |doc| office::add_filing(doc, &filing))?;
        Ok(filing)
    }

    /// 年度締め (approvers): closes `fiscal_year` once it is over and every month of it was filed
    /// after the month ended. Its batches then take no new entries, on every laptop.
    pub fn close_year(&mut self, fiscal_year: i32) -> Result<YearClose> {
        let mine = self.office_doc.to_string();
        let at = now();
        self.home.read(|tx| {
            let read = tx.read_office(&self.office_doc)?;
            let roster = trust::judge_roster(tx, &self.office_doc, &read)?;
            if !roster.as_of(self.me.clone(), at).approver {
                return Err(CoreError::from(YearRefusal::NotApprover {
                    member: self.me.name.clone(),
                }));
            }
            open_for_entries(&roster, fiscal_year)?;
            let filed: Vec<Filing> = read
                .filings
                .into_iter()
                .filter(|f| roster.signer(&mine, f, None).is_ok())
                .collect();
            Ok(check_close(fiscal_year, local_day(at), &filed)?)
        })?;
        let mut close = YearClose {
            id: uuid::Uuid::new_v4().simple().to_string(),
            fiscal_year,
            by: self.me.id.clone(),
            at,
            signature: String::new(),
        };
        close.signature = self.keys.sign(&close.payload(&mine, &mine));
        // An earlier build would keep taking entries in the closed year: it must see a newer office.
        self.put_year_record(Some(YEARS_SCHEMA), |doc| {
            office::add_year_close(doc, &close)
        })?;
        Ok(close)
    }

    /// 保存期間: every fiscal year the office has batches of, with whether it is due for deletion,
    /// and the persons who left the insurer past their keeping.
    pub fn retention(&mut self) -> Result<Retention> {
        Ok(Retention {
            years: self.retention_years()?,
            departed: self.departed_due()?,
        })
    }

    fn retention_years(&mut self) -> Result<Vec<RetentionYear>> {
        self.home.read(|tx| {
            let read = tx.read_office(&self.office_doc)?;
            let roster = trust::judge_roster(tx, &self.office_doc, &read)?;
            let (batches, _) = trust::judge_index(&self.office_doc.to_string(), &read, &roster);
            let mut years: Vec<(i32, usize)> = Vec::new();
            for b in &batches {
                match years.iter_mut().find(|(y, _)| *y == b.fiscal_year) {
                    Some((_, n)) => *n += 1,
                    None => years.push((b.fiscal_year, 1)),
                }
            }
            let closed: Vec<i32> = roster.year_closes().map(|c| c.fiscal_year).collect();
            let deleted: Vec<i32> = roster.purges().map(|p| p.fiscal_year).collect();
            Ok(retention_list(local_day(now()), &years, &closed, &deleted))
        })
    }

    /// 保存期間満了による削除 (approvers): deletes a closed fiscal year's batches and their lists from
    /// this laptop at once, and from every other laptop when it syncs next. What remains is the
    /// signed decision (the year, who, when) and the batches' index entries, no personal data.
    pub fn purge_year(&mut self, fiscal_year: i32) -> Result<Purge> {
        let mine = self.office_doc.to_string();
        let at = now();
        let mut purge = Purge {
            id: uuid::Uuid::new_v4().simple().to_string(),
            fiscal_year,
            by: self.me.id.clone(),
            at,
            signature: String::new(),
        };
        purge.signature = self.keys.sign(&purge.payload(&mine, &mine));
        let (office_id, me, keys) = (&self.office_doc, &self.me, &self.keys);
        self.home.write(|tx| {
            let read = tx.read_office(office_id)?;
            let roster = trust::judge_roster(tx, office_id, &read)?;
            if !roster.as_of(me.clone(), at).approver {
                return Err(CoreError::from(RetentionRefusal::NotApprover {
                    member: me.name.clone(),
                }));
            }
            if roster.purged(fiscal_year) {
                return Err(RetentionRefusal::AlreadyDeleted { fiscal_year }.into());
            }
            let closed = roster.year_closes().any(|c| c.fiscal_year == fiscal_year);
            let used_by = used_elsewhere(tx, &roster, fiscal_year)?;
            check_purge(fiscal_year, local_day(at), closed, &used_by)?;
            put_year_record(tx, office_id, Some(YEARS_SCHEMA), keys, &me.id, |doc| {
                office::add_purge(doc, &purge)
            })?;
            // The decision and the deletion in one transaction: a crash leaves both or neither.
            let read = tx.read_office(office_id)?;
            let roster = trust::judge_roster(tx, office_id, &read)?;
            apply_purges(tx, &roster, &read, keys.noise())?;
            trust::project_office(tx, &roster)?;
            Ok::<_, CoreError>(())
        })?;
        self.home.vacuum()?;
        Ok(purge)
    }

    /// The fiscal years closed, oldest first.
    pub fn closed_years(&mut self) -> Result<Vec<ClosedYear>> {
        self.home.read(|tx| {
            let roster = trust::roster(tx)?;
            Ok(roster
                .year_closes()
                .map(|c| ClosedYear {
                    fiscal_year: c.fiscal_year,
                    year_ja: year_ja(c.fiscal_year),
                    by: roster
                        .member(&c.by)
                        .map_or_else(|| c.by.clone(), |e| e.member.name.clone()),
                    at: c.at,
                })
                .collect())
        })
    }

    /// Writes a filing or a close into the office document (see [`put_year_record`]), and
    /// projects the office.
    fn put_year_record(
        &mut self,
        schema: Option<i64>,
        add: impl FnOnce(&mut AutoCommit) -> AmResult,
    ) -> Result<()> {
        let (office_id, me, keys) = (&self.office_doc, &self.me.id, &self.keys);
        self.home.write(|tx| {
            put_year_record(tx, office_id, schema, keys, me, add)?;
            trust::project_office(tx, &trust::roster(tx)?)?;
            Ok(())
        })
    }
}

type AmResult = std::result::Result<(), automerge::AutomergeError>;

/// Writes a filing, a close or a deletion into the office document, raised to `schema` by a signed
/// migration in the same change when given (an earlier build must then see a newer office).
pub(crate) fn put_year_record(
    tx: &Tx<'_>,
    office_id: &DocumentId,
    schema: Option<i64>,
    keys: &kenshin_trust::Keys,
    me: &str,
    add: impl FnOnce(&mut AutoCommit) -> AmResult,
) -> Result<()> {
    let migration = match schema {
        Some(schema) => crate::members::raise_office(tx, office_id, schema, keys, me)?,
        None => None,
    };
    crate::members::put_in_office(tx, office_id, |doc| {
        if let Some(m) = &migration {
            office::migrate(doc, m)?;
        }
        add(doc)
    })
}

/// Refuses a new entry in a batch of `fiscal_year` when a close of it holds.
pub(crate) fn open_for_entries(roster: &Roster, fiscal_year: i32) -> Result<()> {
    let closes: Vec<YearClose> = roster.year_closes().cloned().collect();
    check_open(fiscal_year, &closes).map_err(|refusal| match refusal {
        // Said with the closer's name, not their id.
        YearRefusal::Closed {
            fiscal_year,
            by,
            on,
        } => YearRefusal::Closed {
            fiscal_year,
            by: roster.member(&by).map_or(by, |e| e.member.name.clone()),
            on,
        }
        .into(),
        other => other.into(),
    })
}

/// The labels of batches of other fiscal years whose counted lists are documents of `fiscal_year`'s
/// batches (deleting those would leave them without their evidence).
fn used_elsewhere(tx: &Tx<'_>, roster: &Roster, fiscal_year: i32) -> Result<Vec<String>> {
    let batches = tx.batches()?;
    let mut lists = std::collections::HashSet::new();
    for b in batches.iter().filter(|b| b.fiscal_year == fiscal_year) {
        lists.extend(batch_lists(tx, &kenshin_store::batch_doc_id(&b.batch_id)?)?);
    }
    let mut used = Vec::new();
    for b in batches
        .iter()
        .filter(|b| b.fiscal_year != fiscal_year && !roster.purged(b.fiscal_year))
    {
        let id = kenshin_store::batch_doc_id(&b.batch_id)?;
        if tx.has_document(&id)? {
            let (_, batch) = tx.load_batch(&id)?;
            if batch.lists.iter().any(|l| lists.contains(&l.doc_id)) {
                used.push(b.label.clone());
            }
        }
    }
    Ok(used)
}

/// Every list document a batch document refers to (counted or not); none when it is not here.
fn batch_lists(tx: &Tx<'_>, batch: &DocumentId) -> Result<Vec<String>> {
    if !tx.has_document(batch)? {
        return Ok(Vec::new());
    }
    let (_, b) = tx.load_batch(batch)?;
    Ok(b.lists.into_iter().map(|l| l.doc_id).collect())
}

/// What the filings of section members hold of each batch, by batch id: a contractor laptop lets
/// a batch go on their word (委託先の最小保持).
pub(crate) fn section_filed(
    office_id: &str,
    roster: &Roster,
    office: &office::Office,
) -> HashMap<String, Vec<FiledBatch>> {
    let mut filed: HashMap<String, Vec<FiledBatch>> = HashMap::new();
    for f in &office.filings {
        let by_section = roster
            .signer(office_id, f, None)
            .is_ok_and(|m| roster.as_of(m.clone(), f.at).role == Role::Section);
        if by_section {
            for b in &f.held {
                filed.entry(b.batch_id.clone()).or_default().push(b.clone());
            }
        }
    }
    filed
}

/// On a laptop that keeps least, deletes a batch (and its lists no other batch here counts) when a
/// section member's filing of it lets it go (`year_closed`: its fiscal year is closed), and takes
/// it no more from any peer. Returns whether it was let go (held here or not).
pub(crate) fn let_go(
    tx: &Tx<'_>,
    batch: &kenshin_domain::BatchRef,
    filed: &[FiledBatch],
    year_closed: bool,
) -> Result<bool> {
    let today = local_day(now());
    let lets_go = |f, here| lets_go(f, batch.fiscal_year, today, here, year_closed);
    // Where even holding nothing of it would not let it go, nothing need be read.
    if !filed.iter().any(|f| lets_go(f, HeldHere::Nothing)) {
        return Ok(false);
    }
    let id = kenshin_store::batch_doc_id(&batch.batch_id)?;
    // The document and its lists held here, read once.
    let (mut doc, mut lists) = (None, Vec::new());
    if tx.has_document(&id)? {
        let (held, b) = tx.load_batch(&id)?;
        doc = Some(held);
        for l in b.lists {
            let list = kenshin_store::batch_doc_id(&l.doc_id)?;
            if tx.has_document(&list)? {
                lists.push((l.doc_id, list));
            }
        }
    }
    for f in filed {
        let here = match &mut doc {
            None => HeldHere::Nothing,
            Some(doc) => {
                if within(doc, &f.heads) && lists.iter().all(|(l, _)| f.lists.contains(l)) {
                    HeldHere::Within
                } else {
                    HeldHere::Ahead
                }
            }
        };
        if lets_go(f, here) {
            // Read only when this laptop holds a list of it (a new laptop holds none).
            let counted_elsewhere: HashSet<String> = if lists.is_empty() {
                HashSet::new()
            } else {
                tx.batches()?
                    .iter()
                    .filter(|b| b.batch_id != batch.batch_id)
                    .map(|b| tx.local(&crate::sync::counted_lists(&b.batch_id)))
                    .collect::<kenshin_store::Result<Vec<_>>>()?
                    .into_iter()
                    .flatten()
                    .flat_map(|k| {
                        crate::sync::noted_lists(&k)
                            .map(str::to_string)
                            .collect::<Vec<_>>()
                    })
                    .collect()
            };
            let lists: Vec<DocumentId> = lists
                .into_iter()
                .filter(|(l, _)| !counted_elsewhere.contains(l))
                .map(|(_, doc)| doc)
                .collect();
            tx.purge(&id, &lists)?;
            forget_notes(tx, &batch.batch_id)?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// Local setting: how the batch document stood against its section filings' heads, with those
/// heads and its stored chunks then (see [`filed_rest`]).
fn filed_heads_note(batch: &str) -> String {
    format!("filed_heads:{batch}")
}

/// How a batch document held here stands against the heads section members' filings hold of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FiledRest {
    /// Every change they name and nothing beyond: a section laptop holds the same, so sync need
    /// not open it until a peer asks (see `Scope::dormant`).
    At,
    /// A change beyond them (a late entry): it stays so, whatever else arrives, until a filing
    /// holds it.
    Ahead,
    /// Not held, or lacking a change they name.
    Behind,
}

/// How this laptop holds the batch document `id` against section members' filings of it (`filed`).
/// Kept in a local note under the filings' heads and the document's stored chunks, so an engine
/// starting reads no document.
pub(crate) fn filed_rest(
    tx: &Tx<'_>,
    batch: &str,
    id: &DocumentId,
    filed: &[FiledBatch],
) -> Result<FiledRest> {
    if !tx.has_document(id)? {
        return Ok(FiledRest::Behind);
    }
    let mut heads: Vec<String> = filed.iter().flat_map(|f| f.heads.clone()).collect();
    heads.sort();
    heads.dedup();
    let seen = format!("{}:{}", heads.join(","), tx.document_digest(id)?);
    let note = filed_heads_note(batch);
    let kept = tx.local(&note)?;
    let kept = kept
        .as_deref()
        .and_then(|k| k.strip_suffix(&format!(":{seen}")));
    if let Some(r) = FiledRest::ALL.into_iter().find(|r| Some(r.name()) == kept) {
        return Ok(r);
    }
    let rest = rest(&mut tx.load_required(id)?, &heads);
    tx.set_local(&note, &format!("{}:{seen}", rest.name()))?;
    Ok(rest)
}

impl FiledRest {
    const ALL: [FiledRest; 3] = [FiledRest::At, FiledRest::Ahead, FiledRest::Behind];

    fn name(self) -> &'static str {
        match self {
            FiledRest::At => "at",
            FiledRest::Ahead => "ahead",
            FiledRest::Behind => "behind",
        }
    }
}

/// How `doc` stands against `heads`.
fn rest(doc: &mut automerge::AutoCommit, heads: &[String]) -> FiledRest {
    let Ok(heads) = heads
        .iter()
        .map(|h| h.parse::<automerge::ChangeHash>())
        .collect::<std::result::Result<Vec<_>, _>>()
    else {
        return FiledRest::Behind;
    };
    if !heads.iter().all(|h| doc.get_change_by_hash(h).is_some()) {
        FiledRest::Behind
    } else if doc.get_changes(&heads).is_empty() {
        FiledRest::At
    } else {
        FiledRest::Ahead
    }
}

/// Whether every change of `doc` is within `heads` (each of them held here): nothing of it is
/// missing where those heads were read.
fn within(doc: &mut automerge::AutoCommit, heads: &[String]) -> bool {
    rest(doc, heads) == FiledRest::At
}

/// This laptop's notes of a batch it no longer holds.
fn forget_notes(tx: &Tx<'_>, batch_id: &str) -> Result<()> {
    for note in [
        crate::sync::counted_lists(batch_id),
        crate::sync::registered(batch_id),
        crate::sync::signers_note(batch_id),
        filed_heads_note(batch_id),
    ] {
        tx.remove_local(&note)?;
    }
    Ok(())
}

/// Deletes, in `tx`, the batches of every fiscal year a deletion that holds names (from the office
/// document's judged index: an entry's id is the hash of its signed meta, year included), with the
/// documents of their lists, their projections and this laptop's notes of them; the access logs of
/// that year's months (who looked up whom); and the sealed twins of all of these a relay brought
/// (named by the office's data key, which `noise` opens); and this laptop's secret for each such
/// year, so that what a relay keeps of the year, sealed under the year's key, opens for no one.
/// Returns whether anything was deleted (the caller then gives the space back with a VACUUM).
pub(crate) fn apply_purges(
    tx: &Tx<'_>,
    roster: &Roster,
    office: &office::Office,
    noise: &NoiseKeys,
) -> Result<bool> {
    let office_id = tx.office_doc_id()?;
    let mut destroyed = false;
    for p in roster.purges() {
        destroyed |= crate::relay_keys::forget_year_secret(tx, p.fiscal_year)?;
    }
    if roster.purges().next().is_none() {
        // Batches a contractor laptop let go are deleted documents too.
        purge_twins(tx, office_id.as_ref(), noise)?;
        return Ok(false);
    }
    let office_text = office_id
        .as_ref()
        .map(|id| id.to_string())
        .unwrap_or_default();
    let (index, _) = trust::judge_index(&office_text, office, roster);
    let mut gone = Vec::new();
    for b in index {
        if !roster.purged(b.fiscal_year) {
            continue;
        }
        let id = kenshin_store::batch_doc_id(&b.batch_id)?;
        if tx.is_purged(&id)? {
            continue;
        }
        let lists = batch_lists(tx, &id)?
            .iter()
            .map(|l| kenshin_store::batch_doc_id(l))
            .collect::<kenshin_store::Result<Vec<_>>>()?;
        tx.purge(&id, &lists)?;
        forget_notes(tx, &b.batch_id)?;
        gone.push(id.to_string());
        gone.extend(lists.iter().map(|l| l.to_string()));
    }
    // The office's index of logs is a hint anyone may write: a log its index puts in a deleted year
    // goes only when it reads as an access log whose own month is in one.
    let deleted_month = |month: &str| {
        month
            .parse::<Month>()
            .is_ok_and(|m| roster.purged(fiscal_year(m.first_day())))
    };
    for log in office
        .access_logs
        .iter()
        .filter(|l| deleted_month(&l.month))
    {
        let id = kenshin_store::batch_doc_id(&log.doc_id)?;
        if tx.is_purged(&id)? {
            continue;
        }
        if let Ok(Some(read)) = tx.load_access_log(&id) {
            if deleted_month(&read.month) {
                tx.purge_documents("chunks", &[id.to_string()])?;
                gone.push(id.to_string());
            }
        }
    }
    purge_twins(tx, office_id.as_ref(), noise)?;
    Ok(!gone.is_empty() || destroyed)
}

/// Local note: how many deleted documents this laptop has deleted the sealed twins of.
const TWINS_PURGED: &str = "twins_purged";

/// Deletes the sealed twins a relay brought of every deleted document, and keeps their ids out for
/// good (a relay offering one again stores nothing), once per new deletion. A laptop that never
/// held the data key cannot name a twin, and has none.
fn purge_twins(tx: &Tx<'_>, office_id: Option<&DocumentId>, noise: &NoiseKeys) -> Result<()> {
    let deleted = tx.purged_documents()?;
    let noted = tx
        .local(TWINS_PURGED)?
        .and_then(|n| n.parse::<usize>().ok());
    let Some(office_id) = office_id.filter(|_| noted != Some(deleted.len())) else {
        return Ok(());
    };
    // Nothing deleted (a new laptop's first sync, say): no keyring to open.
    if deleted.is_empty() {
        tx.set_local(TWINS_PURGED, "0")?;
        return Ok(());
    }
    let Ok((ring, _)) = crate::relay_keys::keyring(tx, office_id, noise, &[]) else {
        tx.set_local(TWINS_PURGED, &deleted.len().to_string())?;
        return Ok(());
    };
    let twin = |doc: &String| {
        ring.twin_id(doc)
            .and_then(|bytes| DocumentId::try_from(bytes.to_vec()).ok())
            .map(|id| id.to_string())
    };
    // `purged` holds the documents and the twins named before: a twin's own twin is no document.
    let named: HashSet<String> = deleted.iter().filter_map(twin).collect();
    let twins: Vec<String> = deleted
        .iter()
        .filter(|doc| !named.contains(*doc))
        .filter_map(twin)
        .collect();
    tx.purge_documents("twins", &twins)?;
    tx.set_local(TWINS_PURGED, &tx.purged_documents()?.len().to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;

    #[test]
    fn a_document_stands_at_ahead_of_or_behind_the_filed_heads() {
        let mut doc = AutoCommit::new();
        let mut heads = Vec::new();
        for n in 0..2 {
            doc.put(automerge::ROOT, "n", n).expect("put");
            heads.push(doc.get_heads()[0].to_string());
        }
        let (first, last) = (heads[0].clone(), heads[1].clone());
        let unknown = "00".repeat(32);
        let cases = [
            ("its heads", vec![last.clone()], FiledRest::At),
            (
                "its heads and an earlier one",
                vec![first.clone(), last],
                FiledRest::At,
            ),
            ("an earlier change", vec![first.clone()], FiledRest::Ahead),
            (
                "a change it lacks",
                vec![unknown.clone()],
                FiledRest::Behind,
            ),
            (
                "one it lacks beside one it has",
                vec![first, unknown],
                FiledRest::Behind,
            ),
            ("not a hash", vec!["?".into()], FiledRest::Behind),
            ("none", vec![], FiledRest::Ahead),
        ];
        for (what, filed, rest_) in cases {
            assert_eq!(rest(&mut doc, &filed), rest_, "{what}");
        }
    }
}
