//! The home's side of sync: it admits laptops (roster and invites), projects what samod stores, and
//! hands the engine the changes this home's own writers commit. `serve` and `sync_once` are what the
//! CLI's `kenshin serve` and `kenshin sync` run.

use crate::error::{CoreError, Result};
use crate::members::JOIN_ENTRY;
use crate::relay_keys;
use crate::trust::{self, kept_keys, ME};
use crate::years::FiledRest;
use kenshin_domain::erasure::{ErasureCertificate, ErasureOrder};
use kenshin_domain::filing::keeps_least;
use kenshin_domain::roster::{LaptopYearKey, RosterEntry};
use kenshin_store::HomeDir;
use kenshin_store::{batch_doc_id, DocumentId, Home, Office, SqliteStorage, Tx};
use kenshin_sync::engine::{Config, Scope};
use kenshin_sync::transport::Refusal;
use kenshin_sync::{Gate, Hello, StoreSignal};
use kenshin_trust::roster::SignerDigests;
use kenshin_trust::Roster;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

pub use kenshin_sync::engine::Sealed;
pub use kenshin_sync::{Engine, Event, PeerStatus, SyncReport};

/// A home as the sync engine sees it.
pub struct SyncHome {
    home: Mutex<Home>,
    /// Where the last look for the home's commits stopped (see `chunk_keys`).
    looked: Mutex<Looked>,
    office_doc: DocumentId,
    me: String,
    /// This laptop's X25519 keys: they open its shares of the office's data keys.
    noise: kenshin_trust::NoiseKeys,
    roster: RwLock<Roster>,
    /// What projections read last (see [`Known`]).
    known: Mutex<Known>,
    /// A projection deleted a fiscal year's documents (保存期間): the space is given back after it.
    deleted: std::sync::atomic::AtomicBool,
}

/// Where the last look for the home's commits stopped: the database's data version (another
/// connection's commit changes it), and the writers' journal's last number read (none before the
/// first look, which reads every chunk key).
struct Looked {
    version: i64,
    journal: Option<i64>,
}

/// What the last projection read, so that one the office document did not change reads only what
/// changed: the judged roster and the access logs the office lists, and each held batch's counted
/// lists (as `counted_lists` keeps them). Emptied when a projection fails, and the office part when
/// a joiner is admitted.
#[derive(Default)]
struct Known {
    office: Option<KnownOffice>,
    lists: HashMap<DocumentId, Vec<DocumentId>>,
    /// Whose each access log here is, as the log says (set when it is made; see `log_owner`).
    log_owners: HashMap<DocumentId, String>,
    /// A deletion of departed persons' rows waits for its new lists (checked again as they come).
    redaction_pending: bool,
    /// Batch documents the index names that the home did not hold when last asked. A document
    /// that arrives, from a peer or a writer here, is among those a projection is told of, so
    /// the others are not asked of SQLite again on every projection of a cold sync.
    absent: HashSet<DocumentId>,
    /// The section's filings as judged, kept while neither they nor the roster changed (judging
    /// them verifies every filing: at five years some 50, on every change of the office document).
    filings: Option<KnownFilings>,
}

struct KnownFilings {
    /// The roster's digest and the filings' ids they were judged with.
    key: (String, Vec<String>),
    filed: Arc<HashMap<String, Vec<kenshin_domain::filing::FiledBatch>>>,
    /// The lists they name that were here when they were judged (see [`Scope::dormant`]).
    dormant: HashSet<DocumentId>,
    /// How each batch they name is held here against them: asleep like those lists when at their
    /// heads; judged again when the batch changes, unless a late entry already took it beyond.
    rest: HashMap<DocumentId, FiledRest>,
}

/// The judged roster, its digest, the access logs the office document lists (with whose the index
/// says they are) and, on a laptop that keeps least (委託先), what section members' filings hold of
/// each batch and the members whose keys are on this laptop.
struct KnownOffice {
    roster: Roster,
    digest: String,
    /// With the fiscal year of the month the index gives (the current one when that does not read:
    /// a log goes to a relay under some year's key, never the data key).
    logs: Vec<(DocumentId, String, i32)>,
    filed: Arc<HashMap<String, Vec<kenshin_domain::filing::FiledBatch>>>,
    here: Option<HashSet<String>>,
    /// See [`Scope::optional`].
    optional: HashSet<DocumentId>,
    /// The batch index entries that hold, with their documents' ids: read again only when the office
    /// document changes, as they are projected from it (not on every arrival of a sign-off).
    batches: Vec<(kenshin_domain::BatchRef, DocumentId)>,
}

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Local setting: which production list a batch's vouchers in the register were made from (an
/// earlier version kept the join of every list that counted: read as the same when it still holds).
pub(crate) fn registered(batch: &str) -> String {
    format!("registered:{batch}")
}

/// Notes that the register holds `production`'s rows as a batch's vouchers: an import projected them
/// from the rows in hand, so an engine or a record that finds the list counting reads nothing back.
pub(crate) fn note_registered(tx: &Tx<'_>, batch: &str, production: &str) -> Result<()> {
    Ok(tx.set_local(&registered(batch), production)?)
}

/// Local setting: how many documents the last arrival from peers changed (written to commit it).
const STORED: &str = "stored";

/// Local setting: whose an access log is, as the log says (read once).
fn log_owner(log: &DocumentId) -> String {
    format!("log_owner:{log}")
}

/// Local setting: the list documents that count in a batch, as last judged (what sync shares).
pub(crate) fn counted_lists(batch: &str) -> String {
    format!("lists:{batch}")
}

/// The list documents a `counted_lists` note names (written by `made_from`).
pub(crate) fn noted_lists(note: &str) -> impl Iterator<Item = &str> {
    note.split(',').filter(|l| !l.is_empty())
}

impl SyncHome {
    fn new(
        home: Home,
        office_doc: &DocumentId,
        me: &str,
        noise: &kenshin_trust::NoiseKeys,
    ) -> Self {
        SyncHome {
            home: Mutex::new(home),
            looked: Mutex::new(Looked {
                version: -1,
                journal: None,
            }),
            office_doc: office_doc.clone(),
            me: me.to_string(),
            noise: noise.clone(),
            roster: RwLock::new(Roster::default()),
            known: Mutex::new(Known::default()),
            deleted: Default::default(),
        }
    }

    fn with_write<T>(
        &self,
        f: impl FnOnce(&Tx<'_>) -> Result<T>,
    ) -> std::result::Result<T, String> {
        let mut home = self.home.lock().map_err(text)?;
        home.write(f).map_err(text)
    }

    fn roster(&self) -> Roster {
        self.roster.read().map(|r| r.clone()).unwrap_or_default()
    }

    /// Puts a joining laptop's entry into the roster, if its invite allows it, with the keys for
    /// the years it presented (see [`relay_keys::joining_year_keys`]).
    fn admit_joiner(
        &self,
        entry: &RosterEntry,
        year_keys: &[LaptopYearKey],
    ) -> std::result::Result<(), Refusal> {
        let office_doc = self.office_doc.clone();
        let roster = self
            .with_write(|tx| {
                let (mut doc, office) = tx.load_office(&office_doc)?;
                let anchor = tx.local(trust::ANCHOR)?.unwrap_or_default();
                // The joiner's entry is judged as if added now, after everything this laptop holds,
                // in the roster judged whole (roles, deputies, deletions), as the engine keeps it.
                let mut with_joiner = office.clone();
                let new = !office.members.contains(entry);
                if new {
                    with_joiner.members.push(entry.clone());
                }
                let judged = trust::roster_with(
                    &office_doc.to_string(),
                    &anchor,
                    &with_joiner,
                    new.then_some(office.members.len()),
                );
                if let Some((_, why)) = judged.invalid.iter().find(|(e, _)| e == entry) {
                    return Ok(Err(Refusal::Invite { why: why.clone() }));
                }
                if new {
                    let before = doc.get_heads();
                    kenshin_store::docs::office::add_member(&mut doc, entry)?;
                    // The joiner's shares of the office's data keys, and its keys for the years this
                    // laptop wants with the years' keys it holds sealed to them, in the same change:
                    // one new office document to project and send, not more after it. No keys go
                    // into a document a newer Kenshin raised, nor to a member not judged current.
                    let newer = trust::raised_by_newer(&judged, &office_doc, &office).is_some();
                    if !newer && judged.current(&entry.member.id).is_some() {
                        let years = relay_keys::wanted_years(tx, &office_doc, &judged, &office)?;
                        let mut read = office.clone();
                        for key in relay_keys::joiner_year_keys(
                            year_keys,
                            &entry.noise_key,
                            &office.laptop_year_keys,
                            &years,
                        ) {
                            kenshin_store::docs::office::add_laptop_year_key(&mut doc, &key)?;
                            read.laptop_year_keys.push(key);
                        }
                        relay_keys::Missing::of(
                            tx,
                            &office_doc,
                            &self.noise,
                            &judged,
                            &read,
                            &years,
                        )?
                        .write(&mut doc)?;
                    }
                    tx.save_office(&office_doc, &mut doc, &before)?;
                }
                // Adding a member leaves the index, and what its history says, as read.
                trust::project_loaded_office(tx, &judged, &office_doc, &office)?;
                Ok(Ok(judged))
            })
            .map_err(|why| Refusal::Other { why })??;
        if let Ok(mut r) = self.roster.write() {
            *r = roster;
        }
        if let Ok(mut known) = self.known.lock() {
            known.office = None;
        }
        // Written on this connection, which its own data version does not count: look again.
        self.wrote_here().ok();
        Ok(())
    }

    /// Judges the batch documents that arrived with the roster already known, before the
    /// projection's write: the write then holds the home only to write, and samod's writes of what
    /// arrives meanwhile wait only for that. Nothing is judged ahead when the office document or a
    /// pending 資格喪失者の削除 may change the roster or the lists the batches are judged with.
    fn prejudge(&self, changed: &[DocumentId], known: &Known) -> trust::Judgements {
        let Some(office) = known.office.as_ref() else {
            return trust::Judgements::default();
        };
        if changed.is_empty() || changed.contains(&self.office_doc) || known.redaction_pending {
            return trust::Judgements::default();
        }
        let batches: HashSet<&DocumentId> = office.batches.iter().map(|(_, id)| id).collect();
        let ids: Vec<DocumentId> = changed
            .iter()
            .filter(|id| batches.contains(id))
            .cloned()
            .collect();
        if ids.is_empty() {
            return trust::Judgements::default();
        }
        let read = match self.home.lock() {
            Ok(mut home) => home.read(|tx| trust::ToJudge::read(tx, &office.roster, &ids)),
            Err(_) => return trust::Judgements::default(),
        };
        // What cannot be read now is read and judged in the write, as it would have been.
        read.map_or_else(
            |_| trust::Judgements::default(),
            |read| read.judge(&office.roster, &office.digest),
        )
    }

    fn scope(
        &self,
        tx: &Tx<'_>,
        changed: &[DocumentId],
        known: &mut Known,
        ready: trust::Judgements,
    ) -> Result<Scope> {
        let mut documents = BTreeSet::from([self.office_doc.clone()]);
        if !tx.has_document(&self.office_doc)? {
            return Ok(Scope {
                documents,
                ..Scope::default()
            });
        }
        // Nothing named (the engine starting): look at every batch, in case a previous run stored
        // documents and stopped before projecting them.
        let all = changed.is_empty();
        if all {
            known.absent.clear();
        }
        let office_changed = all || changed.contains(&self.office_doc);
        let (mut office, roster_changed) = match known.office.take() {
            Some(office) if !office_changed => (office, false),
            seen => {
                let office = tx.read_office(&self.office_doc)?;
                let roster = trust::judge_roster(tx, &self.office_doc, &office)?;
                // A fiscal year deleted at the end of its keeping goes from this laptop too.
                if crate::years::apply_purges(tx, &roster, &office, &self.noise)? {
                    self.deleted
                        .store(true, std::sync::atomic::Ordering::SeqCst);
                }
                trust::project_loaded_office(tx, &roster, &self.office_doc, &office)?;
                let mut logs = Vec::new();
                for log in &office.access_logs {
                    let id = batch_doc_id(&log.doc_id)?;
                    if !tx.is_purged(&id)? {
                        let month = log.month.parse::<kenshin_domain::dates::Month>();
                        let day = month
                            .map_or_else(|_| crate::local_day(crate::now()), |m| m.first_day());
                        let year = kenshin_domain::fiscal_year(day);
                        // One the index puts in a deleted year is not asked for unless it is here
                        // (then `apply_purges` reads its own month): the laptops that held it deleted
                        // it, and a laptop that joined after the deletion waited for it for good.
                        if roster.purged(year) && !tx.has_document(&id)? {
                            continue;
                        }
                        logs.push((id, log.member.clone(), year));
                    }
                }
                let digest = roster.digest();
                // A new batch in the index changes no judgement of the others.
                let changed = seen.is_none_or(|before| before.digest != digest);
                let least = roster.current(&self.me).is_some_and(|e| {
                    keeps_least(roster.as_of(e.member.clone(), crate::now()).role)
                });
                let key = (
                    digest.clone(),
                    office.filings.iter().map(|f| f.id.clone()).collect(),
                );
                let filings = match known.filings.take() {
                    Some(kept) if kept.key == key => kept,
                    _ => {
                        let office_id = self.office_doc.to_string();
                        let filed = crate::years::section_filed(&office_id, &roster, &office);
                        // The lists a section member filed that are here whole (a list never
                        // changes).
                        let mut dormant = HashSet::new();
                        let lists = filed.values().flatten().flat_map(|b| &b.lists);
                        for id in lists.filter_map(|l| batch_doc_id(l).ok()) {
                            if tx.has_document(&id)? {
                                dormant.insert(id);
                            }
                        }
                        KnownFilings {
                            key,
                            filed: Arc::new(filed),
                            dormant,
                            rest: HashMap::new(),
                        }
                    }
                };
                let filed = filings.filed.clone();
                known.filings = Some(filings);
                let (filed, here) = if least {
                    let mut here = HashSet::new();
                    for m in tx.members()? {
                        if trust::kept_keys(tx, &m.member.id)?.is_some() {
                            here.insert(m.member.id);
                        }
                    }
                    (filed, Some(here))
                } else {
                    (Arc::default(), None)
                };
                let mut batches = Vec::new();
                for b in tx.batches()? {
                    let id = batch_doc_id(&b.batch_id)?;
                    batches.push((b, id));
                }
                let office = KnownOffice {
                    batches,
                    optional: optional(&office),
                    roster,
                    digest,
                    logs,
                    filed,
                    here,
                };
                (office, changed)
            }
        };
        // 資格喪失者の削除: the old lists go once their new ones are here and checked.
        let mut redacted = HashSet::new();
        if office_changed || (known.redaction_pending && !changed.is_empty()) {
            let applied = crate::departed::apply_redactions(tx, &office.roster)?;
            if applied.deleted {
                self.deleted
                    .store(true, std::sync::atomic::Ordering::SeqCst);
            }
            if applied.refused {
                trust::project_office(tx, &office.roster)?;
            }
            known.redaction_pending = applied.pending;
            redacted = applied.touched;
        }
        let roster = &office.roster;
        let digests = roster.signer_digests();
        // Whose each access log is: as the log itself says once it is here (the office's index is a
        // hint anyone may write), else as the index says. A contractor laptop holds only its members'.
        // A log is read for it once on this laptop (a day's log holds thousands of lookups), then
        // its owner is kept in a local note.
        let mut owners = HashMap::new();
        for (id, hinted, _) in &office.logs {
            let owner = match known.log_owners.get(id) {
                Some(owner) => Some(owner.clone()),
                None => match tx.local(&log_owner(id))? {
                    Some(owner) => Some(owner),
                    None => match tx.load_access_log(id) {
                        Ok(Some(log)) => {
                            tx.set_local(&log_owner(id), &log.member)?;
                            Some(log.member)
                        }
                        _ => None,
                    },
                },
            };
            if let Some(owner) = &owner {
                known.log_owners.insert(id.clone(), owner.clone());
            }
            let owner = owner.unwrap_or_else(|| hinted.clone());
            if office
                .here
                .as_ref()
                .is_none_or(|here| here.contains(&owner))
            {
                documents.insert(id.clone());
            }
            owners.insert(id.clone(), owner);
        }
        // The batches whose index entries hold, and the lists that count in each (kept per batch,
        // so a batch nothing touched is not read again).
        let mut let_go = HashSet::new();
        let mut to_judge = Vec::new();
        let closed: HashSet<i32> = roster.year_closes().map(|c| c.fiscal_year).collect();
        for (b, id) in &office.batches {
            // 委託先の最小保持: a batch the section holds finished or closed, with all this laptop
            // has of it.
            if let Some(filed) = office.filed.get(&b.batch_id) {
                if (office_changed || changed.contains(id) || !held(tx, id, changed, known)?)
                    && crate::years::let_go(tx, b, filed, closed.contains(&b.fiscal_year))?
                {
                    self.deleted
                        .store(true, std::sync::atomic::Ordering::SeqCst);
                    known.lists.remove(id);
                    let_go.insert(id.clone());
                    continue;
                }
            }
            documents.insert(id.clone());
            if let Some(filings) = known.filings.as_mut() {
                if let Some(filed) = filings.filed.get(&b.batch_id) {
                    let judge = match filings.rest.get(id) {
                        None => true,
                        Some(rest) => changed.contains(id) && *rest != FiledRest::Ahead,
                    };
                    if judge {
                        let rest = crate::years::filed_rest(tx, &b.batch_id, id, filed)?;
                        filings.rest.insert(id.clone(), rest);
                    }
                }
            }
            let list_ids = match known.lists.remove(id) {
                Some(ids) => Some(ids),
                None if !held(tx, id, changed, known)? => continue,
                None => tx
                    .local(&counted_lists(&b.batch_id))?
                    .map(|k| {
                        noted_lists(&k)
                            .map(batch_doc_id)
                            .collect::<kenshin_store::Result<Vec<_>>>()
                    })
                    .transpose()?,
            };
            let touched = roster_changed
                || redacted.contains(&b.batch_id)
                || changed.contains(id)
                || list_ids
                    .as_ref()
                    .is_none_or(|ids| ids.iter().any(|l| changed.contains(l)));
            // Touched, but with the roster, document and lists as they were at its last
            // projection (on a start, say): not judged again.
            if let Some(ids) = list_ids {
                if !touched
                    || (!redacted.contains(&b.batch_id)
                        && tx.projected_from(id)? == mark_now(tx, &digests, &b.batch_id, id, &ids)?)
                {
                    documents.extend(ids.iter().cloned());
                    known.lists.insert(id.clone(), ids);
                    continue;
                }
            }
            to_judge.push((b.batch_id.as_str(), id.clone()));
        }
        // Judged together, on up to four cores (a cold sync brings hundreds at once). A batch
        // document that cannot be read shares nothing more (its board says why).
        let ids: Vec<DocumentId> = to_judge.iter().map(|(_, id)| id.clone()).collect();
        let ready = ready.with_roster(&office.digest);
        trust::project_batches(tx, roster, &ids, ready, |i, judged| {
            let (batch, id) = (to_judge[i].0, &ids[i]);
            let lists = project_counted(tx, &digests, &judged.all, (batch, id), &judged.counted())?;
            documents.extend(lists.iter().cloned());
            known.lists.insert(id.clone(), lists);
            Ok(())
        })?;
        // Gone from the index's projection with its documents (until the office document changes).
        office.batches.retain(|(_, id)| !let_go.contains(id));
        let joined = roster.current(&self.me).is_some();
        let roster = roster.clone();
        let optional = office.optional.clone();
        let dormant = known.filings.as_ref().map_or_else(HashSet::new, |f| {
            let batches = f.rest.iter().filter(|(_, r)| **r == FiledRest::At);
            let batches = batches.map(|(d, _)| d);
            f.dormant
                .iter()
                .chain(batches)
                .filter(|d| documents.contains(*d))
                .cloned()
                .collect()
        });
        let mut years: HashMap<DocumentId, i32> = office
            .logs
            .iter()
            .map(|(id, _, year)| (id.clone(), *year))
            .collect();
        for (b, id) in &office.batches {
            let lists = known.lists.get(id).into_iter().flatten();
            years.extend(
                std::iter::once(id)
                    .chain(lists)
                    .map(|d| (d.clone(), b.fiscal_year)),
            );
        }
        known.office = Some(office);
        Ok(Scope {
            roster,
            joined,
            optional,
            dormant,
            documents,
            owners,
            years,
        })
    }
}

/// Whether the home holds a batch document (see [`Known::absent`]).
fn held(tx: &Tx<'_>, id: &DocumentId, changed: &[DocumentId], known: &mut Known) -> Result<bool> {
    if known.absent.contains(id) && !changed.contains(id) {
        return Ok(false);
    }
    let held = tx.has_document(id)?;
    if held {
        known.absent.remove(id);
    } else {
        known.absent.insert(id.clone());
    }
    Ok(held)
}

/// What a peer may rightly not have ([`Scope::optional`]): the batches any filing names and their
/// lists, and the lists of every 資格喪失者の削除 (the old ones go where it holds, the new ones stay
/// where it does not). Judged or not: it only spares waiting on what a peer says it does not have.
fn optional(office: &Office) -> HashSet<DocumentId> {
    let filed = office
        .filings
        .iter()
        .flat_map(|f| &f.held)
        .flat_map(|b| std::iter::once(&b.batch_id).chain(&b.lists));
    let replaced = office
        .redactions
        .iter()
        .flat_map(|r| &r.lists)
        .flat_map(|l| [&l.old_doc, &l.new_doc]);
    filed
        .chain(replaced)
        .filter_map(|id| batch_doc_id(id).ok())
        .collect()
}

/// What a batch's projection holds beside its board, written once the batch (`all` its records)
/// is judged: which lists count in it (what sync shares), its register or events once those lists
/// are all here, and the mark of what it was made from (a projection that finds the same mark
/// judges nothing again). Returns the counted lists' documents.
pub(crate) fn project_counted(
    tx: &Tx<'_>,
    roster: &SignerDigests<'_>,
    all: &kenshin_store::docs::batch::Batch,
    (batch, id): (&str, &DocumentId),
    counted: &kenshin_store::docs::batch::Batch,
) -> Result<Vec<DocumentId>> {
    tx.set_local(&counted_lists(batch), &made_from(counted))?;
    let (ids, present) = counted_here(tx, counted)?;
    let signers: Vec<&str> = all.signers().into_iter().collect();
    let noted = serde_json::to_string(&signers).map_err(|e| CoreError::Internal(e.to_string()))?;
    tx.set_local(&signers_note(batch), &noted)?;
    let mark = projection_mark(tx, &roster.of(signers), id, &ids)?;
    tx.set_projected_from(id, &mark)?;
    if present {
        if registered_as(tx, batch, counted)? {
            tx.project_events(counted)?;
        } else {
            trust::project_register(tx, counted)?;
            note_registered(tx, batch, production(counted))?;
        }
    }
    Ok(ids)
}

/// The production list a batch's vouchers come from, as the `registered` note names it ("" for none).
fn production(counted: &kenshin_store::docs::batch::Batch) -> &str {
    counted
        .current_list(kenshin_domain::ListKind::Production)
        .map_or("", |l| l.doc_id.as_str())
}

/// Whether the register's vouchers of a batch were made from the production list that counts in it
/// now. Lists of other kinds change only its events, which every projection writes again.
fn registered_as(
    tx: &Tx<'_>,
    batch: &str,
    counted: &kenshin_store::docs::batch::Batch,
) -> Result<bool> {
    Ok(register_holds(
        tx.local(&registered(batch))?.as_deref(),
        production(counted),
        &made_from(counted),
    ))
}

/// Whether a `registered` note still holds: it names the production list that counts now, or, as
/// an earlier version wrote it, every list that counts now (then the production list too).
fn register_holds(note: Option<&str>, production: &str, made_from: &str) -> bool {
    note.is_some_and(|n| n == production || n == made_from)
}

/// Whether [`project_counted`] would read a production list back into the register (the production
/// list that counts in the batch is not the one it holds, and the batch's lists are all here: up to
/// 150,000 rows read and written).
pub(crate) fn registers_again(
    tx: &Tx<'_>,
    batch: &str,
    counted: &kenshin_store::docs::batch::Batch,
) -> Result<bool> {
    Ok(counted
        .current_list(kenshin_domain::ListKind::Production)
        .is_some()
        && !registered_as(tx, batch, counted)?
        && counted_here(tx, counted)?.1)
}

/// The lists that count in a batch, as kept in the `counted_lists` note.
fn made_from(counted: &kenshin_store::docs::batch::Batch) -> String {
    counted
        .lists
        .iter()
        .map(|l| l.doc_id.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The documents of the lists that count in a batch, and whether they are all here.
fn counted_here(
    tx: &Tx<'_>,
    counted: &kenshin_store::docs::batch::Batch,
) -> Result<(Vec<DocumentId>, bool)> {
    let mut present = true;
    let mut ids = Vec::new();
    for l in &counted.lists {
        let l = batch_doc_id(&l.doc_id)?;
        present &= tx.has_document(&l)?;
        ids.push(l);
    }
    Ok((ids, present))
}

/// Who a batch's records named as their signers when it was last judged (a JSON array: an id a
/// record claims may hold any character).
pub(crate) fn signers_note(batch: &str) -> String {
    format!("signers:{batch}")
}

/// The mark a batch's projection would have now, with the signers its records named when it was
/// judged (`None` before any, or a note that does not read: it is judged).
fn mark_now(
    tx: &Tx<'_>,
    roster: &SignerDigests<'_>,
    batch: &str,
    id: &DocumentId,
    lists: &[DocumentId],
) -> Result<Option<String>> {
    let noted = tx.local(&signers_note(batch))?;
    let Some(signers) = noted.and_then(|n| serde_json::from_str::<Vec<String>>(&n).ok()) else {
        return Ok(None);
    };
    let digest = roster.of(signers.iter().map(String::as_str));
    Ok(Some(projection_mark(tx, &digest, id, lists)?))
}

/// What a batch's projection is made from: this build (which may project differently), the digest
/// of the roster its signers' records are judged by, the batch document's, and which of its
/// counted lists are here (lists never change).
fn projection_mark(
    tx: &Tx<'_>,
    roster: &str,
    batch: &DocumentId,
    lists: &[DocumentId],
) -> Result<String> {
    let stored = tx.document_digest(batch)?;
    let mut mark = format!("{}:{roster}:{stored}:", env!("CARGO_PKG_VERSION"));
    for l in lists {
        mark.push(if tx.has_document(l)? { '1' } else { '0' });
    }
    Ok(mark)
}

impl SyncHome {
    /// Keeps each peer's latest status in the home, merged with what earlier runs saw.
    fn save_status(&self, now: &[PeerStatus]) {
        let _ = self.with_write(|tx| {
            let mut all = read_peers(tx)?;
            merge_peers(&mut all, now);
            let text =
                serde_json::to_string(&all).map_err(|e| CoreError::Internal(e.to_string()))?;
            Ok(tx.set_local(PEERS, &text)?)
        });
    }
}

/// `saved` with each peer's newer status from `now` in place of its old one, by member.
fn merge_peers(saved: &mut Vec<PeerStatus>, now: &[PeerStatus]) {
    for p in now {
        saved.retain(|q| q.member != p.member);
        saved.push(p.clone());
    }
    saved.sort_by(|a, b| a.member.cmp(&b.member));
}

fn read_peers(tx: &Tx<'_>) -> Result<Vec<PeerStatus>> {
    Ok(match tx.local(PEERS)? {
        Some(text) => serde_json::from_str(&text).unwrap_or_default(),
        None => Vec::new(),
    })
}

/// Each peer as last seen by this home's sync engine (running now, or earlier).
pub fn peers(home: impl Into<HomeDir>) -> Result<Vec<PeerStatus>> {
    let mut home = Home::open(home)?;
    home.read(read_peers)
}

impl Gate for SyncHome {
    fn admit(&self, hello: &Hello, noise_key: &str) -> std::result::Result<String, Refusal> {
        if hello.office() != self.office_doc.to_string() {
            return Err(Refusal::OtherOffice);
        }
        let roster = self.roster();
        let removed = |name: &str| Refusal::Removed {
            name: name.to_string(),
        };
        match hello {
            Hello::Member { member, .. } => match roster.member(member) {
                None => Err(Refusal::NotMember {
                    member: member.clone(),
                }),
                Some(e) if roster.removal(member).is_some() => Err(removed(&e.member.name)),
                Some(e) if e.noise_key != noise_key => Err(Refusal::WrongKey {
                    name: e.member.name.clone(),
                }),
                Some(_) => Ok(member.clone()),
            },
            // Answered before admitting (see `erased`).
            Hello::Erased { .. } => Err(Refusal::Other {
                why: "a certificate, not a sync".into(),
            }),
            Hello::Join {
                entry, year_keys, ..
            } => {
                if entry.noise_key != noise_key {
                    return Err(Refusal::Invite {
                        why: "the joining entry names another laptop's key".into(),
                    });
                }
                if roster.removal(&entry.member.id).is_some() {
                    return Err(removed(&entry.member.name));
                }
                self.admit_joiner(entry, year_keys)?;
                Ok(entry.member.id.clone())
            }
        }
    }

    fn vouch(&self, member: &str, noise_key: &str) -> std::result::Result<(), Refusal> {
        let roster = self.roster();
        if roster.current(&self.me).is_none() {
            // Not joined yet: the invite led here; the roster that arrives is judged from the anchor.
            return Ok(());
        }
        match roster.current(member) {
            Some(e) if e.noise_key == noise_key => Ok(()),
            Some(e) => Err(Refusal::WrongKey {
                name: e.member.name.clone(),
            }),
            None => Err(Refusal::NotMember {
                member: member.to_string(),
            }),
        }
    }

    fn erasure_order(&self, member: &str) -> Option<ErasureOrder> {
        self.roster().erasure_order(member).cloned()
    }

    fn ordered(&self, order: &ErasureOrder, peer: &str) {
        let roster = self.roster();
        if let Err(why) = roster.order_holds(order, &self.me, &self.noise.public_hex()) {
            tracing::warn!(peer, %why, "an erasure order that does not hold: ignored");
            return;
        }
        let note = crate::erasure::OrderReceived {
            order: order.clone(),
            peer: peer.to_string(),
        };
        let kept = self.with_write(|tx| {
            let json = serde_json::to_string(&note).map_err(|e| CoreError::Sync(e.to_string()))?;
            Ok(tx.set_local(crate::erasure::ERASURE_ORDER, &json)?)
        });
        match kept {
            Ok(()) => tracing::warn!(peer, "an admin ordered this laptop destroyed"),
            Err(why) => tracing::warn!(peer, %why, "an erasure order could not be kept"),
        }
    }

    fn erased(
        &self,
        certificate: &ErasureCertificate,
        noise_key: &str,
    ) -> std::result::Result<(), Refusal> {
        if certificate.office != self.office_doc.to_string() {
            return Err(Refusal::OtherOffice);
        }
        if certificate.laptop != noise_key {
            return Err(Refusal::Other {
                why: "the certificate is not this laptop's".into(),
            });
        }
        self.roster()
            .certificate_holds(certificate)
            .map_err(|why| Refusal::Other {
                why: why.to_string(),
            })?;
        let office_doc = self.office_doc.clone();
        self.with_write(|tx| {
            let (mut doc, office) = tx.load_office(&office_doc)?;
            if !office.erasures.iter().any(|c| c.id == certificate.id) {
                let before = doc.get_heads();
                kenshin_store::docs::office::add_erasure(&mut doc, certificate)?;
                tx.save_office(&office_doc, &mut doc, &before)?;
            }
            Ok(())
        })
        .map_err(|why| Refusal::Other { why })?;
        if let Ok(mut known) = self.known.lock() {
            known.office = None;
        }
        self.wrote_here().map_err(|why| Refusal::Other { why })
    }
}

impl SyncHome {
    /// Gives a member who joined (or whose laptop changed) the office's data keys this laptop holds,
    /// and writes what the years' keys lack (see `relay_keys::share_missing`): the records go to the
    /// peers with the home's next look. Returns whether it wrote any.
    fn share_keys(&self) -> std::result::Result<bool, String> {
        let roster = self.roster();
        let shared = self.with_write(|tx| {
            relay_keys::share_missing(tx, &self.office_doc, &self.noise, &roster)
        })?;
        if shared > 0 {
            self.wrote_here()?;
        }
        Ok(shared > 0)
    }

    /// After a write on this connection, which SQLite's data version does not count: the next look
    /// for the home's commits must not skip it.
    fn wrote_here(&self) -> std::result::Result<(), String> {
        self.looked.lock().map_err(text)?.version = -1;
        Ok(())
    }
}

impl kenshin_sync::Office for SyncHome {
    fn stored(&self, docs: &[DocumentId]) -> std::result::Result<Scope, String> {
        let mut known = self.known.lock().map_err(text)?;
        // Taken: a projection that fails leaves nothing known, and the next one reads everything.
        let mut next = std::mem::take(&mut *known);
        let read = self.looked.lock().map_err(text)?.journal;
        let started = std::time::Instant::now();
        let ready = self.prejudge(docs, &next);
        let scope = self.with_write(|tx| {
            let scope = self.scope(tx, docs, &mut next, ready)?;
            // What the engine has read of the writers' journal is not needed again.
            if let Some(read) = read {
                tx.forget_written(read)?;
            }
            // A durable commit even when nothing is projected: samod's writes of what arrived
            // (committed without an fsync, see `SqliteStorage::open`) reach the disk with it.
            if !docs.is_empty() {
                tx.set_local(STORED, &docs.len().to_string())?;
            }
            Ok(scope)
        })?;
        tracing::debug!(documents = docs.len(), took = ?started.elapsed(), "projected");
        *known = next;
        drop(known);
        if self
            .deleted
            .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            self.home.lock().map_err(text)?.vacuum().map_err(text)?;
        }
        if let Ok(mut r) = self.roster.write() {
            *r = scope.roster.clone();
        }
        if docs.is_empty() || docs.contains(&self.office_doc) {
            self.share_keys()?;
        }
        Ok(scope)
    }

    fn chunk_keys(&self) -> std::result::Result<Option<Vec<String>>, String> {
        let mut home = self.home.lock().map_err(text)?;
        let version = home.data_version().map_err(text)?;
        let mut looked = self.looked.lock().map_err(text)?;
        if looked.version == version {
            return Ok(None);
        }
        looked.version = version;
        // Lookups made since the last look (by the CLI or the app) join the access log now, so
        // the chunks they make are among the keys.
        let office_doc = &self.office_doc;
        let moved = home.read(|tx| tx.lookups_waiting()).and_then(|waiting| {
            if waiting {
                home.write(|tx| tx.flush_lookups(office_doc))
            } else {
                Ok(0)
            }
        });
        if let Err(e) = moved {
            // They stay waiting in the home; sync goes on without them.
            tracing::error!(%e, "moving lookups into the access log failed");
        }
        // Every key at the first look; then only what the home's writers noted since (a thousand
        // keys or more at five years took 4 ms to read, on each laptop, after every commit).
        let (keys, last) = home
            .read(|tx| match looked.journal {
                None => tx.chunk_keys(),
                Some(after) => tx.written_since(after),
            })
            .map_err(text)?;
        looked.journal = Some(last);
        Ok(Some(keys))
    }

    fn chunk(&self, key: &str) -> std::result::Result<Option<Vec<u8>>, String> {
        let mut home = self.home.lock().map_err(text)?;
        home.read(|tx| tx.chunk(key)).map_err(text)
    }

    fn keyring(
        &self,
        carried: &[String],
    ) -> std::result::Result<(kenshin_trust::sealing::Keyring, Vec<(String, String)>), String> {
        let mut home = self.home.lock().map_err(text)?;
        home.read(|tx| relay_keys::keyring(tx, &self.office_doc, &self.noise, carried))
            .map_err(text)
    }

    fn give_keys(&self) -> std::result::Result<bool, String> {
        self.share_keys()
    }

    fn accept(
        &self,
        doc: &DocumentId,
        changes: Vec<automerge::Change>,
    ) -> std::result::Result<(), String> {
        self.with_write(|tx| Ok(tx.put_changes(doc, &changes)?))?;
        self.wrote_here()
    }
}

/// Local setting: the last known status of each peer, written by the running engine.
const PEERS: &str = "peers";

/// A running sync engine on a home.
pub struct Syncing {
    pub engine: Engine,
    dir: HomeDir,
    storage: SqliteStorage,
    home: Arc<SyncHome>,
    /// Held while the engine runs: one engine per home (released when this is dropped).
    _lock: std::fs::File,
    _status: StatusSaver,
}

/// The task that keeps the peers' status in the home; it ends with the engine it reports on.
struct StatusSaver(tokio::task::JoinHandle<()>);

impl Drop for StatusSaver {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The file a running engine holds locked in its home.
pub(crate) const ENGINE_LOCK: &str = "engine.lock";

/// Takes the home's engine lock, or says who holds it.
fn lock_engine(dir: &std::path::Path) -> Result<std::fs::File> {
    let path = dir.join(ENGINE_LOCK);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| CoreError::Sync(format!("cannot open {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(CoreError::EngineRunning {
            home: dir.display().to_string(),
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(CoreError::Sync(format!(
            "cannot lock {}: {e}",
            path.display()
        ))),
    }
}

impl Syncing {
    /// Starts the engine on the home in `dir`.
    pub async fn start(home: impl Into<HomeDir>) -> Result<Syncing> {
        let home_dir: HomeDir = home.into();
        let dir = home_dir.path();
        let mut home = Home::open(&home_dir)?;
        let lock = lock_engine(dir)?;
        crate::upgrade::once(&mut home)?;
        let no_office = || CoreError::NoOffice {
            home: dir.display().to_string(),
        };
        let (office_doc, me, keys, joining) = home.read(|tx| {
            let office_doc = tx.office_doc_id()?.ok_or_else(no_office)?;
            let me = tx.local(ME)?.ok_or_else(no_office)?;
            let keys = kept_keys(tx, &me)?
                .ok_or_else(|| CoreError::KeysElsewhere { member: me.clone() })?
                .noise()
                .clone();
            // A laptop its own roster does not hold yet joins, with the invite's entry.
            let joining = match tx.local(JOIN_ENTRY)? {
                Some(entry) => {
                    let roster = trust::roster(tx)?;
                    roster.current(&me).is_none().then_some((entry, roster))
                }
                None => None,
            };
            Ok::<_, CoreError>((office_doc, me, keys, joining))
        })?;
        let office = office_doc.to_string();
        let hello = match joining {
            Some((entry, roster)) => Hello::Join {
                office,
                entry: serde_json::from_str(&entry)
                    .map_err(|e| CoreError::Internal(e.to_string()))?,
                // Made in a write of their own: a member's start only reads.
                year_keys: home.write(|tx| relay_keys::joining_year_keys(tx, &keys, &roster))?,
            },
            None => Hello::Member {
                office,
                member: me.clone(),
            },
        };
        let sync_home = Arc::new(SyncHome::new(home, &office_doc, &me, &keys));
        let (signal, stored) = StoreSignal::new();
        let (claim, notify) = (signal.clone(), signal.clone());
        let storage = SqliteStorage::open(&home_dir)?.on_put(
            move |k| claim.claim(k),
            move |k, stored| notify.stored(k, stored),
        );
        let config = Config {
            keys: Arc::new(keys),
            me,
            office_doc,
            hello,
        };
        let engine = Engine::start(config, storage.clone(), sync_home.clone(), signal, stored)
            .await
            .map_err(|e| CoreError::Sync(e.to_string()))?;
        // The status other processes (the CLI, the app) read, refreshed while the engine runs.
        let (e, h) = (engine.clone(), sync_home.clone());
        let status = StatusSaver(tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                h.save_status(&e.status());
            }
        }));
        Ok(Syncing {
            engine,
            dir: home_dir.clone(),
            storage,
            home: sync_home,
            _lock: lock,
            _status: status,
        })
    }

    /// Syncs with one peer until both hold the same documents, then stops the engine (everything
    /// received is in the home when this returns).
    pub async fn once(self, peer: &str, timeout: std::time::Duration) -> Result<SyncReport> {
        let report = self.engine.sync_once(peer, timeout).await;
        self.stop().await?;
        report.map_err(|e| CoreError::Sync(e.to_string()))
    }

    /// As [`Syncing::once`], through an automerge-repo sync server, sealed: the relay carries only
    /// twins it cannot read (see `kenshin_sync::engine::sealed`).
    pub async fn once_relay(self, url: &str, timeout: std::time::Duration) -> Result<SyncReport> {
        let report = match self.relay_ready() {
            Ok((twins, home)) => self.engine.sync_once_relay(url, timeout, twins, home).await,
            Err(e) => {
                self.stop().await?;
                return Err(e);
            }
        };
        self.stop().await?;
        report.map_err(relay_error)
    }

    /// Keeps syncing through a relay, sealed, while the engine runs.
    pub fn dial_relay(&self, url: &str) -> Result<()> {
        let (twins, home) = self.relay_ready()?;
        self.engine
            .dial_relay(url, twins, home, std::time::Duration::from_secs(2))
            .map_err(relay_error)
    }

    /// The twins' storage and the home's (for the bridge to read). The bridge gives this laptop's
    /// keys to those who lack them before it seals (`Office::give_keys`).
    fn relay_ready(&self) -> Result<(SqliteStorage, SqliteStorage)> {
        Ok((
            SqliteStorage::twins(&self.dir)?,
            SqliteStorage::open(&self.dir)?,
        ))
    }

    /// Stops the engine; fails if any write samod made did not reach the home.
    pub async fn stop(self) -> Result<()> {
        self.home.save_status(&self.engine.status());
        self.engine.stop().await;
        self.storage
            .health()
            .map_err(|why| CoreError::Sync(format!("a received change could not be stored: {why}")))
    }
}

/// A relay's failure as the core says it: no data key is its own refusal.
fn relay_error(e: kenshin_sync::SyncError) -> CoreError {
    match e {
        kenshin_sync::SyncError::NoDataKey => CoreError::NoDataKey,
        e => CoreError::Sync(e.to_string()),
    }
}

/// The port a laptop listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 7787;

/// Local setting: how this laptop's engine runs (JSON of [`SyncSettings`]).
const SETTINGS: &str = "sync_settings";

/// How this laptop's engine runs, kept in the home (the window's 同期 screen changes it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct SyncSettings {
    /// Where other laptops reach this one (HOST:PORT).
    pub listen: String,
    /// Announce this laptop and find the office's others on the LAN (mDNS).
    pub lan: bool,
    /// 同期停止: a contractor on the road works offline until they resume.
    pub paused: bool,
    /// Laptops dialled besides those found on the LAN (HOST:PORT), for networks without mDNS.
    pub peers: Vec<String>,
}

impl Default for SyncSettings {
    fn default() -> Self {
        SyncSettings {
            listen: format!("0.0.0.0:{DEFAULT_PORT}"),
            lan: true,
            paused: false,
            peers: Vec::new(),
        }
    }
}

/// A peer address as typed (HOST:PORT), or why it is not one.
fn check_address(what: &'static str, address: &str) -> Result<()> {
    let ok = address
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.trim().is_empty() && port.parse::<u16>().is_ok());
    if ok {
        Ok(())
    } else {
        Err(CoreError::NotAnAddress {
            what,
            address: address.to_string(),
        })
    }
}

/// This home's sync settings (the defaults until changed).
pub fn settings(home: impl Into<HomeDir>) -> Result<SyncSettings> {
    Home::open(home)?.read(read_settings)
}

fn read_settings(tx: &Tx<'_>) -> Result<SyncSettings> {
    Ok(match tx.local(SETTINGS)? {
        // A setting this version cannot read falls back to the defaults rather than stopping sync.
        Some(text) => serde_json::from_str(&text).unwrap_or_default(),
        None => SyncSettings::default(),
    })
}

/// Whether every address in `settings` is one.
pub fn check_settings(settings: &SyncSettings) -> Result<()> {
    check_address("the listening address", &settings.listen)?;
    for p in &settings.peers {
        check_address("the peer address", p)?;
    }
    Ok(())
}

/// Keeps `settings` for this home, once every address in it is one.
pub fn save_settings(home: impl Into<HomeDir>, settings: &SyncSettings) -> Result<()> {
    check_settings(settings)?;
    let text = serde_json::to_string(settings).map_err(|e| CoreError::Internal(e.to_string()))?;
    Home::open(home)?.write(|tx| Ok(tx.set_local(SETTINGS, &text)?))
}

/// Something that keeps part of sync from running; the rest runs, and the window says why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SyncFault {
    /// The listening port is taken (another program, or Kenshin on another home).
    PortInUse { listen: String },
    /// Listening failed for another reason.
    Listen { listen: String, why: String },
    /// LAN discovery (mDNS) could not start.
    Lan { why: String },
    /// Another engine holds this home (`kenshin serve` or `kenshin sync` in a terminal).
    EngineRunning,
    /// The engine could not start.
    Engine { why: String },
}

impl std::fmt::Display for SyncFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SyncFault::PortInUse { listen } => write!(
                f,
                "cannot listen on {listen}: the port is in use (another program, or Kenshin on another home)"
            ),
            SyncFault::Listen { listen, why } => write!(f, "cannot listen on {listen}: {why}"),
            SyncFault::Lan { why } => write!(f, "LAN discovery (mDNS): {why}"),
            SyncFault::EngineRunning => write!(f, "another sync engine holds this home"),
            SyncFault::Engine { why } => write!(f, "the sync engine could not start: {why}"),
        }
    }
}

/// What [`Syncing::serve`] set running.
#[derive(Debug, Clone, Default)]
pub struct Serving {
    /// Where this laptop accepts others, once listening.
    pub listening: Option<std::net::SocketAddr>,
    pub faults: Vec<SyncFault>,
}

impl Syncing {
    /// Starts the engine as `settings` say: listening, on the LAN, dialling the peers named (each
    /// redialled with backoff). What cannot run is a fault; the rest runs.
    pub async fn serve(home: &HomeDir, settings: &SyncSettings) -> Result<(Syncing, Serving)> {
        let syncing = Syncing::start(home).await?;
        let mut serving = Serving::default();
        match syncing.engine.listen(&settings.listen).await {
            Ok(bound) => serving.listening = Some(bound),
            Err(kenshin_sync::SyncError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::AddrInUse =>
            {
                serving.faults.push(SyncFault::PortInUse {
                    listen: settings.listen.clone(),
                })
            }
            Err(e) => serving.faults.push(SyncFault::Listen {
                listen: settings.listen.clone(),
                why: e.to_string(),
            }),
        }
        if settings.lan {
            // Announced on the port listened on; without one, this laptop still finds others.
            let port = serving.listening.map_or(0, |a| a.port());
            if let Err(e) = syncing.engine.discover(port) {
                serving.faults.push(SyncFault::Lan { why: e.to_string() });
            }
        }
        for peer in &settings.peers {
            syncing
                .engine
                .dial(peer, Default::default())
                .map_err(|e| CoreError::Sync(e.to_string()))?;
        }
        Ok((syncing, serving))
    }
}

/// A peer on the 同期 screen: who, from the roster, and how its sync stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PeerView {
    pub member: String,
    /// The member's name, or the id when the roster does not hold them (a relay).
    pub name: String,
    pub role: Option<kenshin_domain::Role>,
    pub address: Option<String>,
    pub connected: bool,
    #[ts(type = "number | null")]
    pub last_seen: Option<u64>,
    #[ts(type = "number | null")]
    pub last_synced: Option<u64>,
    /// Documents that differ between the two laptops, as far as this one knows.
    pub pending: usize,
}

/// What the 同期 screen and the header show, read in one go.
#[derive(Debug, Clone)]
pub struct Overview {
    pub settings: SyncSettings,
    pub peers: Vec<PeerView>,
    pub standing: kenshin_domain::sync::SyncStanding,
}

/// Every peer this home has met (`live`: the running engine's view, newer than what is saved), the
/// settings, and what the header says now.
pub fn overview(home: impl Into<HomeDir>, live: &[PeerStatus]) -> Result<Overview> {
    use kenshin_domain::sync::{standing, PeerSeen};
    let mut home = Home::open(home)?;
    let (settings, mut statuses, members, removed, me, signed) = home.read(|tx| {
        let me = tx.local(ME)?.unwrap_or_default();
        let signed: Vec<u64> = tx
            .signed_by(&me)?
            .iter()
            .map(|t| u64::try_from(t.timestamp_millis()).unwrap_or(0))
            .collect();
        Ok::<_, CoreError>((
            read_settings(tx)?,
            read_peers(tx)?,
            tx.members()?,
            tx.removed_members()?,
            me,
            signed,
        ))
    })?;
    merge_peers(&mut statuses, live);
    // A removed member's laptop is cut off: no longer a peer (nor one to wait for).
    statuses.retain(|p| !removed.contains(&p.member));
    let member = |id: &str| {
        members
            .iter()
            .find(|m| m.member.id == id)
            .map(|m| &m.member)
    };
    let peers: Vec<PeerView> = statuses
        .into_iter()
        .map(|p| {
            let m = member(&p.member);
            PeerView {
                name: m.map_or_else(|| p.member.clone(), |m| m.name.clone()),
                role: m.map(|m| m.role),
                member: p.member,
                address: p.address,
                connected: p.connected,
                last_seen: p.last_seen,
                last_synced: p.last_synced,
                pending: p.pending,
            }
        })
        .collect();
    let seen: Vec<PeerSeen> = peers
        .iter()
        .filter_map(|p| {
            Some(PeerSeen {
                member: p.name.clone(),
                role: p.role?,
                last_seen: p.last_seen,
                last_synced: p.last_synced,
            })
        })
        .collect();
    let role = member(&me).map_or(kenshin_domain::Role::Contractor, |m| m.role);
    let now = u64::try_from(crate::now().timestamp_millis()).unwrap_or(0);
    Ok(Overview {
        settings,
        standing: standing(now, role, &seen, &signed),
        peers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kenshin_domain::Role;

    /// A laptop admitted here is judged in the roster judged whole, which the engine keeps until
    /// it projects again: an admin's settings hold in it from the admission on (it was judged from
    /// the entries, invites and removals alone, and the settings read as the defaults).
    #[test]
    fn a_joiner_is_admitted_into_the_roster_judged_whole() {
        let hub_dir = tempfile::tempdir().expect("tempdir");
        let mut office =
            crate::Office::init(hub_dir.path(), "テスト市", "決裁 太郎").expect("init");
        let settings = kenshin_domain::settings::OfficeSettings {
            idle_minutes: 25,
            ..office.settings().expect("settings")
        };
        office.set_settings(settings.clone()).expect("set");
        let invite = office
            .invite("委託 一郎", Role::Contractor, false)
            .expect("invite");
        let joiner_dir = tempfile::tempdir().expect("tempdir");
        let invite = serde_json::to_string(&invite).expect("json");
        let joined = crate::join(joiner_dir.path(), &invite, "invite.json").expect("join");
        let entry = Home::open(joiner_dir.path())
            .expect("open")
            .read(|tx| tx.local(JOIN_ENTRY))
            .expect("read")
            .expect("an entry");
        let entry: RosterEntry = serde_json::from_str(&entry).expect("entry");
        let (office_doc, me, noise) = (
            office.office_doc.clone(),
            office.me.id.clone(),
            office.keys.noise().clone(),
        );
        drop(office);
        let hub = SyncHome::new(
            Home::open(hub_dir.path()).expect("open"),
            &office_doc,
            &me,
            &noise,
        );
        hub.admit_joiner(&entry, &[]).expect("admitted");
        let roster = hub.roster();
        assert!(roster.current(&joined.member).is_some());
        assert_eq!(roster.settings(), settings);
        // As the office document judges it once it holds the entry.
        let whole = Home::open(hub_dir.path())
            .expect("open")
            .read(|tx| {
                let office = tx.read_office(&office_doc)?;
                trust::judge_roster(tx, &office_doc, &office)
            })
            .expect("judged");
        assert_eq!(roster.digest(), whole.digest());
    }

    #[test]
    fn a_registered_note_holds_while_the_production_list_that_counts_is_the_one_it_names() {
        // (note, production list that counts, every list that counts, holds)
        let table = [
            (None, "P", "P", false),
            (Some("P"), "P", "P,R", true),
            (Some("P"), "P2", "P,P2", false),
            (Some("P,R"), "P", "P,R", true),
            (Some("P,R"), "P", "P,R,R2", false),
            (Some(""), "", "", true),
            (Some(""), "P", "P", false),
        ];
        for (note, production, made_from, holds) in table {
            assert_eq!(
                register_holds(note, production, made_from),
                holds,
                "{note:?} {production} {made_from}"
            );
        }
    }
}
