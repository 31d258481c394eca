//! What this laptop makes of its documents: the roster judged from the office's anchor key, the
//! batch index and each batch's records judged (signature, signer, authority, causal gating, the
//! lists' windows), and the projections written from those judgements. Everything that decides a
//! rule sees only the records that count.

use crate::error::{CoreError, Result};
use automerge::AutoCommit;
use kenshin_domain::filing::made_before_close;
use kenshin_domain::roster::RosterEntry;
use kenshin_domain::signed::{Migration, Signed};
use kenshin_domain::trust::{
    judge, judge_lists, judge_notes, time_before_past, Arrival, Replacement, Standing,
};
use kenshin_domain::workflow::acting;
use kenshin_domain::{Action, BatchRef, SignOff};
use kenshin_store::docs::batch::REDACTED_SCHEMA as BATCH_SCHEMA;
use kenshin_store::docs::history::newer;
use kenshin_store::docs::office::REDACTIONS_SCHEMA as OFFICE_SCHEMA;
use kenshin_store::{
    batch_doc_id, Batch, DocumentId, JudgedMember, Office, Provenance, RosterProblem, Tx,
};
use kenshin_trust::{KeptKeys, Roster, Vouched};
use std::collections::{HashMap, HashSet};

/// Local setting: the founder's Ed25519 key, pinned when this home founded or joined the office.
pub(crate) const ANCHOR: &str = "anchor";
/// Local setting naming the member this home is.
pub(crate) const ME: &str = "me";

/// Local setting holding a member's secret keys (only members who use this laptop).
pub(crate) fn keys_setting(member: &str) -> String {
    format!("keys:{member}")
}

/// A member's keys as this laptop keeps them (open, or sealed under their secret); None when the
/// member uses another laptop.
pub(crate) fn kept_keys(tx: &Tx<'_>, member: &str) -> Result<Option<KeptKeys>> {
    match tx.local(&keys_setting(member))? {
        None => Ok(None),
        Some(text) => Ok(Some(
            KeptKeys::from_text(&text).map_err(|e| CoreError::Internal(e.to_string()))?,
        )),
    }
}

/// The roster as this home judges it (empty before a joining home's first sync). Judged again only
/// when the office document's stored chunks, the anchor or the minute changed: at five years the
/// office document holds some 60 filings, and every record judged it whole (≈ 8 ms at five years,
/// 2 at one, release).
pub(crate) fn roster(tx: &Tx<'_>) -> Result<Roster> {
    let Some(id) = tx.office_doc_id()? else {
        return Ok(Roster::default());
    };
    if !tx.has_document(&id)? {
        return Ok(Roster::default());
    }
    // Judgements that depend on the time (a record dated ahead) are made again each minute.
    let minute = crate::now().timestamp() / 60;
    let key = format!(
        "{}|{}|{}|{minute}",
        tx.db_file(),
        tx.document_digest(&id)?,
        tx.local(ANCHOR)?.unwrap_or_default()
    );
    static JUDGED: std::sync::Mutex<Option<(String, Roster)>> = std::sync::Mutex::new(None);
    if let Ok(judged) = JUDGED.lock() {
        if let Some((_, roster)) = judged.as_ref().filter(|(k, _)| *k == key) {
            return Ok(roster.clone());
        }
    }
    let office = tx.read_office(&id)?;
    let roster = judge_roster(tx, &id, &office)?;
    if let Ok(mut judged) = JUDGED.lock() {
        *judged = Some((key, roster.clone()));
    }
    Ok(roster)
}

/// The roster of `office` (read from its document `id`) as this home judges it, from its anchor.
pub(crate) fn judge_roster(tx: &Tx<'_>, id: &DocumentId, office: &Office) -> Result<Roster> {
    let anchor = tx.local(ANCHOR)?.unwrap_or_default();
    Ok(roster_of(&id.to_string(), &anchor, office))
}

/// The roster an office document holds, judged from `anchor`: its entries, invites and removals,
/// then the admins' records (deputies, role changes, settings), all in their causal order.
pub(crate) fn roster_of(office_id: &str, anchor: &str, office: &Office) -> Roster {
    roster_with(office_id, anchor, office, None)
}

/// The roster as [`roster_of`] judges it, with `office.members[added]` an entry its document does
/// not hold yet (a laptop being admitted), judged as if written after everything else.
pub(crate) fn roster_with(
    office_id: &str,
    anchor: &str,
    office: &Office,
    added: Option<usize>,
) -> Roster {
    let order = office_order(office, added);
    let mut roster = Roster::check(
        office_id,
        anchor,
        &office.members,
        &office.invites,
        &office.removals,
        &order,
    );
    let first = office.members.len() + office.invites.len() + office.removals.len();
    for why in roster.judge_admin_records(
        &office.deputies,
        &office.role_changes,
        &office.settings,
        first,
        &order,
    ) {
        tracing::debug!(%why, "an admin's record does not hold");
    }
    for why in roster.judge_year_closes(&office.year_closes) {
        tracing::debug!(%why, "a year close does not hold");
    }
    for why in roster.judge_purges(&office.purges, crate::now()) {
        tracing::debug!(%why, "a deletion does not hold");
    }
    for why in roster.judge_redactions(&office.redactions, crate::now()) {
        tracing::debug!(%why, "a deletion of departed persons' rows does not hold");
    }
    for why in roster.judge_erasure_orders(&office.erasure_orders) {
        tracing::debug!(%why, "an erasure order does not hold");
    }
    for why in roster.judge_erasures(&office.erasures) {
        tracing::debug!(%why, "an erasure certificate does not hold");
    }
    roster
}

/// The causal order of an office's roster records (see `Roster::check`), with `added` a record
/// inserted at that index (a joiner not yet written): after everything.
fn office_order(office: &Office, added: Option<usize>) -> impl Fn(usize, usize) -> bool + '_ {
    move |a, b| {
        let shift = |i: usize| match added {
            Some(n) if i > n => Some(i - 1),
            Some(n) if i == n => None,
            _ => Some(i),
        };
        match (shift(a), shift(b)) {
            (None, _) => false,
            (_, None) => true,
            (Some(a), Some(b)) => office.causality.in_past(a, b),
        }
    }
}

/// The unsigned records of a document that members vouched for on upgrading, from its migrations
/// that hold.
pub(crate) fn vouched(roster: &Roster, doc: &str, migrations: &[Migration]) -> Vouched {
    Vouched::new(
        migrations
            .iter()
            .filter(|m| roster.signer(doc, *m, None).is_ok())
            .map(|m| (m.by.as_str(), m.vouched.as_slice())),
    )
}

/// The newest schema a valid migration brought a document to, when it is newer than this build.
fn newer_than_known(
    roster: &Roster,
    doc: &str,
    migrations: &[Migration],
    known: i64,
) -> Option<i64> {
    migrations
        .iter()
        .filter(|m| m.schema > known && roster.signer(doc, *m, None).is_ok())
        .map(|m| m.schema)
        .max()
}

/// The batches of the office's index that hold: signed by a member (the batch's id derived from
/// the signed meta), or listed before signing and vouched for. The first that holds for an id
/// counts; the others are described in the second list.
pub(crate) fn judge_index(
    office_id: &str,
    office: &Office,
    roster: &Roster,
) -> (Vec<BatchRef>, Vec<String>) {
    let vouched = vouched(roster, office_id, &office.migrations);
    // Each entry's signature checked on up to four cores (five years list some 250 batches each);
    // which entry counts for an id is decided in order.
    let held = crate::par::map(office.batches.iter().collect(), |b| match &b.mark {
        Some(mark) => roster.signer(office_id, &b.meta, vouched.by(mark)),
        None if b.office != office_id => Err(format!("it names office {}", b.office)),
        None => roster.signer(office_id, &b.meta, None),
    });
    let mut valid: Vec<BatchRef> = Vec::new();
    let mut counted: HashMap<String, usize> = HashMap::new();
    let mut problems = Vec::new();
    for (b, held) in office.batches.iter().zip(held) {
        // One batch per document: an id is taken as the document id it spells (samod reads several
        // spellings of one), so a copy of an entry under another spelling is that entry again.
        let mut meta = b.meta.clone();
        match batch_doc_id(&meta.batch_id) {
            Ok(doc) => meta.batch_id = doc.to_string(),
            Err(_) => {
                problems.push(format!(
                    "業務 {} ({}) は数えません: 索引の id が文書の id ではありません",
                    meta.label, meta.batch_id
                ));
                continue;
            }
        }
        if let Some(&i) = counted.get(&meta.batch_id) {
            if valid[i] != meta {
                problems.push(format!(
                    "業務 {} の索引が別の内容で書かれています（数えません）",
                    meta.label
                ));
            }
            continue;
        }
        match held {
            Ok(_) => {
                counted.insert(meta.batch_id.clone(), valid.len());
                valid.push(meta);
            }
            Err(why) => problems.push(format!(
                "業務 {} ({}) は数えません: {why}",
                meta.label, meta.batch_id
            )),
        }
    }
    (valid, problems)
}

/// The office document, to write to: refused when a newer Kenshin upgraded it (this build would not
/// know what it is writing into), with what to do.
pub(crate) fn office_for_writing(tx: &Tx<'_>, id: &DocumentId) -> Result<(AutoCommit, Office)> {
    let (doc, office) = tx.load_office(id)?;
    let roster = judge_roster(tx, id, &office)?;
    match raised_by_newer(&roster, id, &office) {
        Some(schema) => Err(CoreError::Closed {
            batch: None,
            why: newer(schema, OFFICE_SCHEMA),
        }),
        None => Ok((doc, office)),
    }
}

/// The schema a newer Kenshin raised the office document to (`roster` judged from it), past the one
/// this build knows: it then writes nothing into it but what admitting a member needs.
pub(crate) fn raised_by_newer(roster: &Roster, id: &DocumentId, office: &Office) -> Option<i64> {
    newer_than_known(roster, &id.to_string(), &office.migrations, OFFICE_SCHEMA)
}

/// Writes the roster and batch index projections from the office document, as judged.
pub(crate) fn project_office(tx: &Tx<'_>, roster: &Roster) -> Result<()> {
    let Some(id) = tx.office_doc_id()? else {
        return Ok(());
    };
    let office = tx.read_office(&id)?;
    project_loaded_office(tx, roster, &id, &office)
}

/// [`project_office`] with the office document already loaded (at five years it holds some 250
/// index entries: loading it costs as much as judging them).
pub(crate) fn project_loaded_office(
    tx: &Tx<'_>,
    roster: &Roster,
    id: &DocumentId,
    office: &Office,
) -> Result<()> {
    // Each member with the role and authority they have now (after any 役割の変更).
    let now = crate::now();
    let entries: Vec<RosterEntry> = roster
        .members()
        .map(|e| RosterEntry {
            member: roster.as_of(e.member.clone(), now),
            ..e.clone()
        })
        .collect();
    let members: Vec<JudgedMember<'_>> = entries
        .iter()
        .map(|entry| JudgedMember {
            entry,
            removed_at: roster.removal(&entry.member.id).map(|r| r.at),
            deputy: roster.deputy_at(&entry.member.id, now),
        })
        .collect();
    let mut problems: Vec<RosterProblem> = roster
        .invalid
        .iter()
        .map(|(e, why): &(RosterEntry, String)| RosterProblem {
            member_id: e.member.id.clone(),
            name: e.member.name.clone(),
            why: why.clone(),
        })
        .collect();
    let (judged, mut index_problems) = judge_index(&id.to_string(), office, roster);
    // A fiscal year deleted at the end of its keeping leaves its batches' index entries (signed,
    // without personal data) and nothing on the board; so does a batch a contractor laptop let go.
    let mut batches = Vec::with_capacity(judged.len());
    for b in judged {
        if !roster.purged(b.fiscal_year) && !tx.is_purged(&batch_doc_id(&b.batch_id)?)? {
            batches.push(b);
        }
    }
    // A deletion of departed persons' rows whose new lists are not the old ones without them.
    for r in roster.redactions() {
        if let Some(why) = crate::departed::refused_here(tx, &r.id)? {
            index_problems.push(format!(
                "資格喪失者の削除 {} は、この端末では認めません（古いリストを残します）: {why}",
                r.id
            ));
        }
    }
    if let Some(schema) =
        newer_than_known(roster, &id.to_string(), &office.migrations, OFFICE_SCHEMA)
    {
        index_problems.push(format!("事務所の文書: {}", newer(schema, OFFICE_SCHEMA)));
    }
    // What was deleted or changed in the office document's history (改ざんの疑い), and index
    // entries that do not hold.
    problems.extend(
        office
            .problems
            .iter()
            .chain(&index_problems)
            .map(|why| RosterProblem {
                member_id: String::new(),
                name: "改ざんの疑い".into(),
                why: why.clone(),
            }),
    );
    tx.project_office(&batches, &members, &problems)?;
    let closed: Vec<String> = roster
        .year_closes()
        .map(|c| c.fiscal_year.to_string())
        .collect();
    tx.set_local(CLOSED_YEARS, &closed.join(","))?;
    Ok(())
}

/// Local note: the fiscal years closed (年度締め), as the roster was last judged (the board leaves
/// their batches out without judging the roster).
pub(crate) const CLOSED_YEARS: &str = "closed_years";

/// The fiscal years closed, as last projected.
pub(crate) fn closed_years(tx: &Tx<'_>) -> Result<Vec<i32>> {
    let note = tx.local(CLOSED_YEARS)?.unwrap_or_default();
    Ok(note.split(',').filter_map(|y| y.parse().ok()).collect())
}

/// A batch as stored, with what this laptop makes of each record.
pub(crate) struct Judged {
    pub doc: AutoCommit,
    pub all: Batch,
    pub standings: Vec<Standing>,
    pub lists: Vec<Standing>,
    pub notes: Vec<Standing>,
    /// Why nothing may be written to it here (a newer Kenshin upgraded it, or its meta does not hold).
    pub closed: Option<String>,
    /// What is wrong with its records besides the sign-offs, for people.
    pub problems: Vec<String>,
}

impl Judged {
    /// The batch as the rules see it: only the records that count.
    pub fn counted(&self) -> Batch {
        self.counting(|_, s| s.counts())
    }

    /// The batch as a new entry for `step` is checked against: what counts, and for a verify, the
    /// flagged work of the step it checks (the verify, made having seen it, resolves it).
    pub fn for_entry(&self, step: u8, action: Action, send_back: bool) -> Batch {
        let subject = self
            .all
            .meta
            .process
            .process()
            .step(step)
            .and_then(|s| s.subject);
        let resolving = action == Action::Verify && !send_back;
        self.counting(|e, s| {
            s.counts()
                || (resolving && Some(e.step) == subject && matches!(s, Standing::Flagged { .. }))
        })
    }

    /// Refuses a write to a batch this laptop cannot judge whole.
    pub fn writable(&self) -> Result<()> {
        match &self.closed {
            None => Ok(()),
            Some(why) => Err(CoreError::Closed {
                batch: Some(self.all.meta.label.clone()),
                why: why.clone(),
            }),
        }
    }

    fn counting(&self, keep: impl Fn(&SignOff, &Standing) -> bool) -> Batch {
        let mut b = self.all.clone();
        b.signoffs = kept(&self.all.signoffs, &self.standings, keep);
        b.lists = kept(&self.all.lists, &self.lists, |_, s| s.counts());
        b.notes = kept(&self.all.notes, &self.notes, |_, s| s.counts());
        b
    }
}

fn kept<T: Clone>(
    all: &[T],
    standings: &[Standing],
    keep: impl Fn(&T, &Standing) -> bool,
) -> Vec<T> {
    all.iter()
        .zip(standings)
        .filter(|(e, s)| keep(e, s))
        .map(|(e, _)| e.clone())
        .collect()
}

/// Each record's standing, as lines for people when it does not count.
fn describe<T: Signed>(records: &[T], standings: &[Standing], out: &mut Vec<String>) {
    for (r, s) in records.iter().zip(standings) {
        if let Standing::Invalid { why } = s {
            out.push(format!("{} {} は数えません: {why}", T::WHAT, r.id()));
        }
    }
}

/// The vouching member of a legacy record, if its mark was vouched for.
fn legacy<'v>(vouched: &'v Vouched, p: Option<&Provenance>) -> Option<&'v str> {
    p.and_then(|p| vouched.by(&p.mark))
}

/// Judges every record of a batch; `replacements` are the redactions' new lists that count in
/// place of old ones (see `departed::replacements`).
pub(crate) fn judge_batch(
    office_id: &str,
    roster: &Roster,
    doc: AutoCommit,
    all: Batch,
    replacements: &[Replacement<'_>],
) -> Result<Judged> {
    let batch_id = all.meta.batch_id.clone();
    let vouched = vouched(roster, &batch_id, &all.migrations);
    let process = all.meta.process.process();
    // Nothing made after its fiscal year was closed (年度締め) counts.
    let closes: Vec<_> = roster.year_closes().cloned().collect();
    let open_at = |at| made_before_close(all.meta.fiscal_year, at, &closes);
    let standings = judge(
        process,
        &all.signoffs,
        |i| Arrival {
            heads_match: all.provenance.get(i).is_some_and(|p| p.heads_match),
        },
        // A 代決 is decided with an approver's authority by a deputy, as the roster says they were.
        |e| {
            open_at(e.at)?;
            // The signer's role and authority as they were when they recorded it.
            let m = roster.as_of(roster.signer(&batch_id, e, None)?, e.at);
            let deputy = roster.deputy_at(&m.id, e.at);
            acting(m, e.marking.as_ref(), deputy).map_err(|r| r.to_string())
        },
        |j, i| all.saw(j, i),
    );
    let lists = judge_lists(
        process,
        &all.lists,
        &all.signoffs,
        &standings,
        |i| {
            // A redaction's list comes after the year's close, by its nature.
            let replacing = replacements.iter().any(|r| r.new == all.lists[i].doc_id);
            if let (Some(at), false) = (all.lists[i].at, replacing) {
                open_at(at)?;
            }
            roster.signer(
                &batch_id,
                &all.lists[i],
                legacy(&vouched, all.list_provenance.get(i)),
            )
        },
        &all,
        replacements,
    );
    let notes = judge_notes(process, &all.notes, |i| {
        open_at(all.notes[i].at)?;
        roster.signer(
            &batch_id,
            &all.notes[i],
            legacy(&vouched, all.note_provenance.get(i)),
        )
    });
    let meta = if all.office != office_id {
        Err(format!("it belongs to office {}", all.office))
    } else {
        let by = all.meta_mark.as_deref().and_then(|m| vouched.by(m));
        roster.signer(&batch_id, &all.meta, by).map(|_| ())
    };
    let closed = match (
        meta,
        newer_than_known(roster, &batch_id, &all.migrations, BATCH_SCHEMA),
    ) {
        (_, Some(schema)) => Some(newer(schema, BATCH_SCHEMA)),
        (Err(why), None) => Some(format!("its meta does not hold: {why}")),
        (Ok(()), None) => None,
    };
    let mut problems: Vec<String> = closed.iter().cloned().collect();
    let at: Vec<_> = all.signoffs.iter().map(|e| e.at).collect();
    for (i, e) in all.signoffs.iter().enumerate() {
        if time_before_past(&at, i, &|j, i| all.saw(j, i)) {
            problems.push(format!(
                "記録 {} の日時 {} は、それより後の日時の記録を見たうえで書かれています（端末の時計か記録が正しくありません）",
                e.id,
                crate::display_time(e.at)
            ));
        }
    }
    describe(&all.lists, &lists, &mut problems);
    describe(&all.notes, &notes, &mut problems);
    for (m, p) in all.migrations.iter().zip(&all.migration_provenance) {
        if let Err(why) = roster.signer(&batch_id, m, None) {
            problems.push(format!(
                "{} {} は数えません: {why}（変更 {}）",
                Migration::WHAT,
                m.id,
                short(&p.change)
            ));
        }
    }
    Ok(Judged {
        doc,
        all,
        standings,
        lists,
        notes,
        closed,
        problems,
    })
}

fn short(s: &str) -> &str {
    s.get(..12).unwrap_or(s)
}

pub(crate) fn load_judged(tx: &Tx<'_>, roster: &Roster, id: &DocumentId) -> Result<Judged> {
    let office = tx
        .office_doc_id()?
        .map(|o| o.to_string())
        .unwrap_or_default();
    let refused = crate::departed::refused(tx, roster)?;
    judge_stored(&office, roster, &refused, tx.stored(id)?)
}

/// Loads a batch document from its chunks as read and judges it with `roster` and the redactions
/// this laptop found wrong (`refused`): no transaction needed.
fn judge_stored(
    office: &str,
    roster: &Roster,
    refused: &HashSet<String>,
    stored: kenshin_store::Stored,
) -> Result<Judged> {
    let (doc, all) = stored.load_batch()?;
    let replacements = crate::departed::replacements_but(roster, &all.meta.batch_id, refused);
    judge_batch(office, roster, doc, all, &replacements)
}

/// The batch document and the batch as the rules see it (for writers that do not touch sign-offs).
pub(crate) fn load_counted(tx: &Tx<'_>, id: &DocumentId) -> Result<(AutoCommit, Batch)> {
    let j = load_judged(tx, &roster(tx)?, id)?;
    j.writable()?;
    let counted = j.counted();
    Ok((j.doc, counted))
}

/// As [`load_counted`], to add a record: refused in a closed fiscal year (年度締め).
pub(crate) fn load_for_entry(tx: &Tx<'_>, id: &DocumentId) -> Result<(AutoCommit, Batch)> {
    let roster = roster(tx)?;
    let j = load_judged(tx, &roster, id)?;
    j.writable()?;
    crate::years::open_for_entries(&roster, j.all.meta.fiscal_year)?;
    let counted = j.counted();
    Ok((j.doc, counted))
}

/// Judges a batch again and writes its sign-off and board projections. A batch whose document
/// cannot be read at all is shown with why (it never stops the office from opening).
pub(crate) fn project_batch(
    tx: &Tx<'_>,
    roster: &Roster,
    id: &DocumentId,
) -> Result<Option<Judged>> {
    let mut judged = None;
    let ids = std::slice::from_ref(id);
    project_batches(tx, roster, ids, Judgements::default(), |_, j| {
        judged = Some(j);
        Ok(())
    })?;
    Ok(judged)
}

/// Batches judged from their chunks as stored, each with the digest of those chunks. Judged before
/// a projection's write (so that samod's writes go on meanwhile), one counts in it only if the home
/// still holds the same chunks, the roster is the one its caller names ([`Judgements::with_roster`])
/// and the redactions found wrong are as they were.
#[derive(Default)]
pub(crate) struct Judgements {
    /// The digest of the roster they were judged with.
    roster: String,
    refused: HashSet<String>,
    judged: HashMap<DocumentId, (String, Result<Judged>)>,
}

impl Judgements {
    /// These, if judged with the roster of digest `roster`; else none.
    pub(crate) fn with_roster(self, roster: &str) -> Judgements {
        if self.roster == roster {
            self
        } else {
            Judgements::default()
        }
    }
}

/// What judging batches needs from the home, read in one transaction.
pub(crate) struct ToJudge {
    office: String,
    refused: HashSet<String>,
    stored: Vec<kenshin_store::Stored>,
}

impl ToJudge {
    pub(crate) fn read(tx: &Tx<'_>, roster: &Roster, ids: &[DocumentId]) -> Result<ToJudge> {
        let refused = crate::departed::refused(tx, roster)?;
        ToJudge::read_with(tx, ids, refused)
    }

    fn read_with(tx: &Tx<'_>, ids: &[DocumentId], refused: HashSet<String>) -> Result<ToJudge> {
        Ok(ToJudge {
            office: tx
                .office_doc_id()?
                .map(|o| o.to_string())
                .unwrap_or_default(),
            refused,
            stored: ids
                .iter()
                .map(|id| tx.stored(id))
                .collect::<kenshin_store::Result<_>>()?,
        })
    }

    /// Loads and judges each batch, on up to four cores (a cold sync brings hundreds at once), with
    /// `roster`, whose digest is `roster_digest`.
    pub(crate) fn judge(self, roster: &Roster, roster_digest: &str) -> Judgements {
        let ToJudge {
            office,
            refused,
            stored,
        } = self;
        let judged = crate::par::map(stored, |stored| {
            let (id, digest) = (stored.id().clone(), stored.digest());
            (
                id,
                (digest, judge_stored(&office, roster, &refused, stored)),
            )
        });
        Judgements {
            roster: roster_digest.to_string(),
            refused,
            judged: judged.into_iter().collect(),
        }
    }
}

/// [`project_batch`] for many batches, in order, each judged handed to `then` with its index in
/// `ids` (an id given again is judged once). Those `ready` judged from the chunks still held are
/// taken as they are; the others are judged now, a slice at a time, so that only a slice of judged
/// documents is held at once.
pub(crate) fn project_batches(
    tx: &Tx<'_>,
    roster: &Roster,
    ids: &[DocumentId],
    mut ready: Judgements,
    mut then: impl FnMut(usize, Judged) -> Result<()>,
) -> Result<()> {
    const SLICE: usize = 64;
    let refused = crate::departed::refused(tx, roster)?;
    if ready.refused != refused {
        ready.judged.clear();
    }
    let mut done = HashSet::new();
    for (first, slice) in ids.chunks(SLICE).enumerate() {
        let mut missing = Vec::new();
        for id in slice {
            let held = match ready.judged.get(id) {
                Some((digest, _)) => *digest == tx.document_digest(id)?,
                None => false,
            };
            if !held && !missing.contains(id) && !done.contains(id) {
                ready.judged.remove(id);
                missing.push(id.clone());
            }
        }
        if !missing.is_empty() {
            let now = ToJudge::read_with(tx, &missing, refused.clone())?.judge(roster, "");
            ready.judged.extend(now.judged);
        }
        for (i, id) in slice.iter().enumerate() {
            if !done.insert(id) {
                continue;
            }
            let Some((_, judged)) = ready.judged.remove(id) else {
                return Err(CoreError::Internal(format!("batch {id} was not judged")));
            };
            match judged {
                Ok(j) => {
                    tx.project_batch(&j.all, &j.standings, &j.problems)?;
                    then(first * SLICE + i, j)?;
                }
                Err(CoreError::Store(kenshin_store::StoreError::Shape { why, .. })) => {
                    tx.project_problems(
                        &id.to_string(),
                        &[format!("この業務の文書は読めません: {why}")],
                    )?;
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

/// Derives every projection again from the documents.
pub(crate) fn rebuild(tx: &Tx<'_>) -> Result<()> {
    tx.clear_projections()?;
    let Some(office_id) = tx.office_doc_id()? else {
        return Ok(());
    };
    if !tx.has_document(&office_id)? {
        return Ok(());
    }
    let roster = roster(tx)?;
    project_office(tx, &roster)?;
    let mut held = Vec::new();
    for b in tx.batches()? {
        let id = batch_doc_id(&b.batch_id)?;
        // A batch listed by the office whose document has not arrived yet has nothing to show.
        if tx.has_document(&id)? {
            held.push(id);
        }
    }
    project_batches(tx, &roster, &held, Judgements::default(), |_, judged| {
        project_register(tx, &judged.counted())
    })?;
    Ok(())
}

/// Projects a batch's vouchers and events, unless one of its lists has not arrived yet (it is
/// projected again when it does).
pub(crate) fn project_register(tx: &Tx<'_>, batch: &Batch) -> Result<()> {
    for list in &batch.lists {
        if !tx.has_document(&batch_doc_id(&list.doc_id)?)? {
            return Ok(());
        }
    }
    tx.project_register(batch)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Office, StepRecord};
    use kenshin_domain::ProcessId;

    /// A batch judged ahead of a projection's write (as `SyncHome::prejudge` does) is taken in it
    /// only while the home holds the chunks it was judged from and the roster is the same.
    #[test]
    fn a_batch_judged_ahead_counts_only_from_the_chunks_it_was_judged_from() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut office = Office::init(dir.path(), "テスト市", "決裁 太郎").expect("init");
        let b = office
            .new_batch(ProcessId::AnnualIssuance, "第1回", None)
            .expect("batch");
        let id = batch_doc_id(&b.batch_id).expect("id");
        // Judged with its chunks as they are, under the roster of digest "r".
        let ahead = |office: &mut Office| {
            office
                .home
                .read(|tx| {
                    let roster = roster(tx)?;
                    Ok::<_, CoreError>(
                        ToJudge::read(tx, &roster, std::slice::from_ref(&id))?.judge(&roster, "r"),
                    )
                })
                .expect("judged ahead")
        };
        let project = |office: &mut Office, ready: Judgements| {
            office
                .home
                .write(|tx| {
                    let mut signoffs = None;
                    let ids = std::slice::from_ref(&id);
                    project_batches(tx, &roster(tx)?, ids, ready, |_, j| {
                        signoffs = Some(j.all.signoffs.len());
                        Ok(())
                    })?;
                    Ok::<_, CoreError>(signoffs)
                })
                .expect("projected")
        };
        // A judgement the home would not make (unreadable), with the chunks' digest: taken as is.
        let mut odd = ahead(&mut office);
        for (_, judged) in odd.judged.values_mut() {
            *judged = Err(CoreError::Store(kenshin_store::StoreError::Shape {
                doc: id.to_string(),
                what: "batch document",
                why: "judged ahead".into(),
            }));
        }
        assert_eq!(
            project(&mut office, odd),
            None,
            "taken while the chunks are held"
        );
        let stale = ahead(&mut office);
        office
            .record(&b.batch_id, 1, Action::Do, StepRecord::default())
            .expect("recorded");
        assert_eq!(
            project(&mut office, stale),
            Some(1),
            "judged again: a sign-off was stored after judging ahead"
        );
        // The same id twice is judged once.
        let calls = office
            .home
            .write(|tx| {
                let mut calls = 0;
                let ids = [id.clone(), id.clone()];
                project_batches(tx, &roster(tx)?, &ids, Judgements::default(), |_, _| {
                    calls += 1;
                    Ok(())
                })?;
                Ok::<_, CoreError>(calls)
            })
            .expect("projected");
        assert_eq!(calls, 1);
        let other = ahead(&mut office).with_roster("another roster");
        assert!(other.judged.is_empty(), "judged with another roster");
        assert!(!ahead(&mut office).with_roster("r").judged.is_empty());
    }

    /// A copy of an index entry under another spelling of its document id (samod reads a UUID's
    /// text as well as its own) is that entry again: one batch per document, and a copy that
    /// differs is said.
    #[test]
    fn an_index_entry_under_another_spelling_of_its_id_is_the_same_batch() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut office = Office::init(dir.path(), "テスト市", "決裁 太郎").expect("init");
        office
            .new_batch(ProcessId::AnnualIssuance, "第1回", None)
            .expect("batch");
        let (id, mut index, roster) = office
            .home
            .read(|tx| {
                let id = tx.office_doc_id()?.expect("an office");
                let index = tx.read_office(&id)?;
                Ok::<_, CoreError>((id.to_string(), index, roster(tx)?))
            })
            .expect("read");
        let mut copy = index.batches[0].clone();
        let doc = batch_doc_id(&copy.meta.batch_id).expect("a document id");
        let spelt = uuid::Uuid::from_slice(doc.as_bytes())
            .expect("16 bytes")
            .hyphenated()
            .to_string();
        assert_eq!(batch_doc_id(&spelt).ok(), Some(doc), "the same document");
        copy.meta.batch_id = spelt;
        index.batches.push(copy.clone());
        let (valid, problems) = judge_index(&id, &index, &roster);
        assert_eq!(valid.len(), 1, "one batch");
        assert!(problems.is_empty(), "{problems:?}");
        copy.meta.label = "第1回（別）".into();
        index.batches.push(copy);
        let (valid, problems) = judge_index(&id, &index, &roster);
        assert_eq!((valid.len(), problems.len()), (1, 1), "{problems:?}");
    }
}
