//! What this laptop makes of its documents: the roster judged from the office's anchor key, each
//! batch's sign-offs judged (signature, signer, authority, causal gating), and the projections written
//! from those judgements. Everything that decides a rule sees only the entries that count.

use crate::error::{CoreError, Result};
use automerge::AutoCommit;
use kenshin_domain::roster::RosterEntry;
use kenshin_domain::trust::{judge, Arrival, Standing};
use kenshin_domain::{Action, SignOff};
use kenshin_store::{batch_doc_id, Batch, DocumentId, JudgedMember, Office, RosterProblem, Tx};
use kenshin_sync::{Keys, Roster};

/// Local setting: the founder's Ed25519 key, pinned when this home founded or joined the office.
pub(crate) const ANCHOR: &str = "anchor";
/// Local setting naming the member this home is.
pub(crate) const ME: &str = "me";

/// Local setting holding a member's secret keys (only members who use this laptop).
pub(crate) fn keys_setting(member: &str) -> String {
    format!("keys:{member}")
}

pub(crate) fn load_keys(tx: &Tx<'_>, member: &str) -> Result<Option<Keys>> {
    match tx.local(&keys_setting(member))? {
        None => Ok(None),
        Some(text) => Ok(Some(
            Keys::from_secret_text(&text).map_err(|e| CoreError::Invalid(e.to_string()))?,
        )),
    }
}

/// The roster as this home judges it (empty before a joining home's first sync).
pub(crate) fn roster(tx: &Tx<'_>) -> Result<Roster> {
    let Some(id) = tx.office_doc_id()? else {
        return Ok(Roster::default());
    };
    if !tx.has_document(&id)? {
        return Ok(Roster::default());
    }
    let (_, office) = tx.load_office(&id)?;
    judge_roster(tx, &id, &office)
}

/// The roster of `office` (read from its document `id`) as this home judges it, from its anchor.
pub(crate) fn judge_roster(tx: &Tx<'_>, id: &DocumentId, office: &Office) -> Result<Roster> {
    let anchor = tx.local(ANCHOR)?.unwrap_or_default();
    Ok(Roster::check(
        &id.to_string(),
        &anchor,
        &office.members,
        &office.invites,
        &office.removals,
        office_order(office, None),
    ))
}

/// The causal order of an office's roster records (see `Roster::check`), with `added` a record
/// inserted at that index (a joiner not yet written): after everything.
pub(crate) fn office_order(
    office: &Office,
    added: Option<usize>,
) -> impl Fn(usize, usize) -> bool + '_ {
    move |a, b| {
        let shift = |i: usize| match added {
            Some(n) if i > n => Some(i - 1),
            Some(n) if i == n => None,
            _ => Some(i),
        };
        match (shift(a), shift(b)) {
            (None, _) => false,
            (_, None) => true,
            (Some(a), Some(b)) => office
                .past
                .get(b)
                .and_then(|p| p.get(a))
                .copied()
                .unwrap_or(false),
        }
    }
}

/// Writes the roster and batch index projections from the office document, as judged.
pub(crate) fn project_office(tx: &Tx<'_>, roster: &Roster) -> Result<()> {
    let Some(id) = tx.office_doc_id()? else {
        return Ok(());
    };
    let (_, office) = tx.load_office(&id)?;
    let members: Vec<JudgedMember<'_>> = roster
        .members()
        .map(|entry| JudgedMember {
            entry,
            removed_at: roster.removal(&entry.member.id).map(|r| r.at),
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
    // What was deleted or changed in the office document's history (改ざんの疑い).
    problems.extend(office.problems.iter().map(|why| RosterProblem {
        member_id: String::new(),
        name: "改ざんの疑い".into(),
        why: why.clone(),
    }));
    tx.project_office(&office, &members, &problems)?;
    Ok(())
}

/// A batch as stored, with what this laptop makes of each sign-off.
pub(crate) struct Judged {
    pub doc: AutoCommit,
    pub all: Batch,
    pub standings: Vec<Standing>,
}

impl Judged {
    /// The batch as the rules see it: only the sign-offs that count.
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

    fn counting(&self, keep: impl Fn(&SignOff, &Standing) -> bool) -> Batch {
        let mut b = self.all.clone();
        b.signoffs = self
            .all
            .signoffs
            .iter()
            .zip(&self.standings)
            .filter(|(e, s)| keep(e, s))
            .map(|(e, _)| e.clone())
            .collect();
        b
    }
}

pub(crate) fn judge_batch(roster: &Roster, doc: AutoCommit, all: Batch) -> Result<Judged> {
    let standings = judge(
        all.meta.process.process(),
        &all.signoffs,
        |i| Arrival {
            heads_match: all.provenance.get(i).is_some_and(|p| p.heads_match),
        },
        |e| roster.signer(&all.meta.batch_id, e),
        |j, i| {
            all.past
                .get(i)
                .and_then(|p| p.get(j))
                .copied()
                .unwrap_or(false)
        },
    );
    Ok(Judged {
        doc,
        all,
        standings,
    })
}

pub(crate) fn load_judged(tx: &Tx<'_>, roster: &Roster, id: &DocumentId) -> Result<Judged> {
    let (doc, all) = tx.load_batch(id)?;
    judge_batch(roster, doc, all)
}

/// The batch document and the batch as the rules see it (for writers that do not touch sign-offs).
pub(crate) fn load_counted(tx: &Tx<'_>, id: &DocumentId) -> Result<(AutoCommit, Batch)> {
    let j = load_judged(tx, &roster(tx)?, id)?;
    let counted = j.counted();
    Ok((j.doc, counted))
}

/// Judges a batch again and writes its sign-off and board projections.
pub(crate) fn project_batch(tx: &Tx<'_>, roster: &Roster, id: &DocumentId) -> Result<Batch> {
    let j = load_judged(tx, roster, id)?;
    tx.project_batch(&j.all, &j.standings)?;
    Ok(j.counted())
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
    for b in tx.batches()? {
        let id = batch_doc_id(&b.batch_id)?;
        // A batch listed by the office whose document has not arrived yet has nothing to show.
        if tx.has_document(&id)? {
            let counted = project_batch(tx, &roster, &id)?;
            project_register(tx, &counted)?;
        }
    }
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
