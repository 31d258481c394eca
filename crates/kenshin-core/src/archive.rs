//! The monthly archive (事跡): gathered from the home as this laptop judges it, signed by the
//! member exporting it, and checked again from the file alone (no home needed).

use crate::error::Result;
use crate::trust::{self, ANCHOR};
use crate::Office;
use kenshin_domain::trust::Standing;
use kenshin_domain::{derive, SignOff};
use kenshin_exchange::archive::{
    self, ArchivedBatch, ArchivedRoster, ArchivedSignOff, BatchRecords, ListSnapshot, Month,
    MonthRecords, Named, Opened, StepAtEnd, ROSTER, SIGNOFFS,
};
use kenshin_store::{batch_doc_id, Home, Tx};
use kenshin_sync::{verify, Roster};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

/// What an export wrote.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Exported {
    #[ts(type = "string")]
    pub month: Month,
    #[ts(type = "number")]
    pub batches: usize,
    #[ts(type = "number")]
    pub signoffs: usize,
    #[ts(type = "number")]
    pub lists: usize,
    #[ts(type = "number")]
    pub notes: usize,
    /// Lookups in the register (照会記録) that month.
    #[ts(type = "number")]
    pub lookups: usize,
    #[ts(type = "number")]
    pub bytes: usize,
}

/// What `archive verify` found. The archive holds only if `problems` is empty.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ArchiveCheck {
    pub office: String,
    pub office_name: String,
    pub anchor: String,
    #[ts(type = "string")]
    pub month: Month,
    pub exported_by: Named,
    #[ts(type = "number")]
    pub files: usize,
    #[ts(type = "number")]
    pub signoffs: usize,
    pub problems: Vec<String>,
}

impl Office {
    /// The month's archive as zip bytes, signed by this member.
    pub fn archive_export(&mut self, month: Month) -> Result<(Vec<u8>, Exported)> {
        let office_doc = self.office_doc.clone();
        let exporter = Named {
            id: self.me.id.clone(),
            name: self.me.name.clone(),
        };
        // Lookups still waiting on this laptop go into the access log first, so the archive has them.
        self.home
            .write(|tx| Ok::<_, crate::CoreError>(tx.flush_lookups(&office_doc)?))?;
        let records = self
            .home
            .read(|tx| gather(tx, &office_doc, month, exporter))?;
        let keys = &self.keys;
        let bytes = archive::write(&records, |manifest| (keys.sign_key(), keys.sign(manifest)))?;
        let sum = |f: fn(&BatchRecords) -> usize| records.batches.iter().map(f).sum();
        let exported = Exported {
            month,
            batches: records.batches.len(),
            signoffs: sum(|b| b.batch.signoffs.len()),
            lists: sum(|b| b.lists.len()),
            notes: sum(|b| b.notes.len()),
            lookups: records.lookups.len(),
            bytes: bytes.len(),
        };
        Ok((bytes, exported))
    }
}

fn gather(
    tx: &Tx<'_>,
    office_doc: &kenshin_store::DocumentId,
    month: Month,
    exporter: Named,
) -> Result<MonthRecords> {
    let (_, office) = tx.load_office(office_doc)?;
    let roster = trust::roster(tx)?;
    let names: HashMap<&str, &str> = office
        .members
        .iter()
        .map(|m| (m.member.id.as_str(), m.member.name.as_str()))
        .collect();
    let named = |id: &str| Named {
        id: id.to_string(),
        name: names.get(id).copied().unwrap_or(id).to_string(),
    };
    let mut batches = office.batches.clone();
    batches.sort_by(|a, b| (a.created_at, &a.batch_id).cmp(&(b.created_at, &b.batch_id)));
    let mut out = Vec::new();
    for meta in batches {
        let id = batch_doc_id(&meta.batch_id)?;
        if !tx.has_document(&id)? {
            continue;
        }
        let mut j = trust::load_judged(tx, &roster, &id)?;
        let signoffs: Vec<ArchivedSignOff> = j
            .all
            .signoffs
            .iter()
            .zip(&j.standings)
            .filter(|(e, _)| month.holds(e.at))
            .map(|(e, s)| ArchivedSignOff {
                entry: e.clone(),
                by_name: named(&e.by).name,
                judged: s.clone(),
            })
            .collect();
        let notes: Vec<_> = j
            .all
            .notes
            .iter()
            .filter(|n| month.holds(n.at))
            .map(|n| (n.clone(), named(&n.by).name))
            .collect();
        let mut lists = Vec::new();
        for list in &j.all.lists {
            if !tx.has_document(&batch_doc_id(&list.doc_id)?)? {
                continue;
            }
            let (m, rows) = tx.list_snapshot(list)?;
            if month.holds(m.created_at) {
                lists.push(ListSnapshot {
                    doc_id: list.doc_id.clone(),
                    kind: m.list_kind,
                    source_name: m.source_name,
                    encoding: m.encoding,
                    created_by: named(&m.created_by),
                    created_at: m.created_at,
                    row_count: m.row_count,
                    sha256: m.sha256,
                    rows,
                });
            }
        }
        if signoffs.is_empty()
            && notes.is_empty()
            && lists.is_empty()
            && !month.holds(meta.created_at)
        {
            continue;
        }
        // The steps as they stood at the month's end: only entries that count, recorded by then.
        let end = month.end();
        let by_end: Vec<SignOff> = j
            .all
            .signoffs
            .iter()
            .zip(&j.standings)
            .filter(|(e, s)| s.counts() && e.at <= end)
            .map(|(e, _)| e.clone())
            .collect();
        let process = meta.process.process();
        let steps = derive(process, &by_end)
            .into_iter()
            .map(|s| StepAtEnd {
                step: s.step,
                status: s.status,
            })
            .collect();
        out.push(BatchRecords {
            batch: ArchivedBatch {
                batch_id: meta.batch_id.clone(),
                process: meta.process.code().to_string(),
                label: meta.label.clone(),
                fiscal_year: meta.fiscal_year,
                signoffs,
            },
            process,
            heads: j.doc.get_heads().iter().map(|h| h.to_string()).collect(),
            steps,
            notes,
            lists,
        });
    }
    // The roster as judged here: entries that do not hold are not evidence of anyone's authority.
    let archived_roster = ArchivedRoster {
        office: office_doc.to_string(),
        office_name: office.name.clone(),
        anchor: tx.local(ANCHOR)?.unwrap_or_default(),
        members: office
            .members
            .iter()
            .filter(|m| roster.member(&m.member.id) == Some(*m))
            .cloned()
            .collect(),
        invites: office
            .invites
            .iter()
            .filter(|i| roster.invite(&i.id) == Some(*i))
            .cloned()
            .collect(),
        removals: office
            .removals
            .iter()
            .filter(|r| roster.removal(&r.member) == Some(*r))
            .cloned()
            .collect(),
    };
    let lookups = tx
        .lookups_in(&office.access_logs, &month.to_string())?
        .into_iter()
        .map(|l| {
            let by = named(&l.by);
            (l, by)
        })
        .collect();
    Ok(MonthRecords {
        month,
        roster: archived_roster,
        exporter,
        batches: out,
        lookups,
    })
}

/// The anchor key this home pinned for `office`: `archive verify` run on a member's laptop holds
/// an archive to the office's real founding key. An archive naming another office is refused here
/// (a copy rebuilt under another office id would otherwise check out against its own roster); to
/// check another office's archive, give its anchor key.
pub fn pinned_anchor(dir: &Path, office: &str) -> Result<Option<String>> {
    if !dir.join(kenshin_store::DB_FILE).exists() {
        return Ok(None);
    }
    Home::open(dir)?.read(|tx| match tx.office_doc_id()?.map(|id| id.to_string()) {
        None => Ok(None),
        Some(mine) if mine == office => Ok(tx.local(ANCHOR)?),
        Some(mine) => Err(crate::CoreError::Invalid(format!(
            "this archive is of office {office}, not of this laptop's office {mine}: give that office's anchor key with --anchor to check it"
        ))),
    })
}

/// Checks an archive from its bytes alone: every file's hash, the roster from its anchor, the
/// manifest's signature, and every sign-off's signature. `pin` gives the office's anchor key (hex)
/// when the caller knows it (an auditor's note, or the laptop's own pinned key): a copy re-signed
/// under another roster then fails.
pub fn verify_archive(
    name: &str,
    bytes: &[u8],
    pin: impl FnOnce(&str) -> Result<Option<String>>,
) -> Result<ArchiveCheck> {
    let opened = Opened::read(name, bytes)?;
    let mut problems = opened.hash_problems();
    let m = &opened.manifest;
    let mut check = ArchiveCheck {
        office: m.office.clone(),
        office_name: m.office_name.clone(),
        anchor: String::new(),
        month: m.month,
        exported_by: m.exported_by.clone(),
        files: m.files.len(),
        signoffs: 0,
        problems: Vec::new(),
    };
    match opened.json::<ArchivedRoster>(ROSTER) {
        Err(why) => problems.push(why),
        Ok(r) => {
            check.anchor = r.anchor.clone();
            // An archive holds no history: its roster records are taken in the order they are listed.
            let roster = Roster::check(
                &r.office,
                &r.anchor,
                &r.members,
                &r.invites,
                &r.removals,
                |a, b| a < b,
            );
            let anchor = pin(&r.office)?;
            problems.extend(roster_problems(&opened, &r, &roster, anchor.as_deref()));
            match opened.json::<Vec<ArchivedBatch>>(SIGNOFFS) {
                Err(why) => problems.push(why),
                Ok(batches) => {
                    for b in &batches {
                        check.signoffs += b.signoffs.len();
                        problems.extend(signoff_problems(&roster, b));
                    }
                }
            }
        }
    }
    check.problems = problems;
    Ok(check)
}

fn roster_problems(
    opened: &Opened,
    r: &ArchivedRoster,
    roster: &Roster,
    anchor: Option<&str>,
) -> Vec<String> {
    let mut problems = Vec::new();
    if r.office != opened.manifest.office {
        problems.push(format!(
            "{ROSTER}: is the roster of office {}, the manifest names {}",
            r.office, opened.manifest.office
        ));
    }
    if let Some(expected) = anchor {
        if !expected.eq_ignore_ascii_case(&r.anchor) {
            problems.push(format!(
                "{ROSTER}: its anchor key {} is not the office's {expected}",
                r.anchor
            ));
        }
    }
    for (e, why) in &roster.invalid {
        problems.push(format!(
            "{ROSTER}: the entry for {} does not hold: {why}",
            e.member.name
        ));
    }
    let sig = &opened.signature;
    let signer = roster.member(&sig.member);
    let why = match signer {
        _ if sig.member != opened.manifest.exported_by.id => Some(format!(
            "signed by {}, but the manifest says {} exported it",
            sig.member, opened.manifest.exported_by.name
        )),
        None => Some(format!(
            "signed by {}, who is not in the archive's roster",
            sig.member
        )),
        Some(m) if m.sign_key != sig.sign_key => Some(format!(
            "signed with a key that is not {}'s in the roster",
            m.member.name
        )),
        Some(m) => verify(&m.sign_key, &opened.manifest_bytes, &sig.signature)
            .err()
            .map(|why| format!("{why} (signer {})", m.member.name)),
    };
    if let Some(why) = why {
        problems.push(format!("{}: {why}", archive::SIGNATURE));
    }
    problems
}

fn signoff_problems(roster: &Roster, b: &ArchivedBatch) -> Vec<String> {
    b.signoffs
        .iter()
        .filter_map(|s| {
            let why = roster.signer(&b.batch_id, &s.entry).err()?;
            // An entry the exporter already judged invalid is evidence of a failed attempt, and
            // is expected not to hold; one it counted must.
            if let Standing::Invalid { .. } = s.judged {
                return None;
            }
            Some(format!(
                "{SIGNOFFS}: sign-off {} ({} {}, step {} {} by {} at {}): {why}",
                s.entry.id,
                b.process,
                b.label,
                s.entry.step,
                archive::action_ja(s.entry.action),
                s.by_name,
                s.entry
                    .at
                    .with_timezone(&archive::jst())
                    .format("%Y-%m-%d %H:%M")
            ))
        })
        .collect()
}
