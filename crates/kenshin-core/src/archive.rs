//! The monthly archive (事跡): gathered from the home as this laptop judges it, signed by the
//! member exporting it, and checked again from the file alone (no home needed).

use crate::error::Result;
use crate::trust::{self, ANCHOR};
use automerge::AutoCommit;
use kenshin_domain::filing::{archive_doubts, ArchiveDoubt, FiledBatch};
use kenshin_domain::trust::{at_end, AtEnd, Standing};
use kenshin_domain::{derive, finished, SignOff};
use kenshin_exchange::archive::{
    self, document_path, ArchivedBatch, ArchivedDeletion, ArchivedLookup, ArchivedRedaction,
    ArchivedRoster, ArchivedSignOff, BatchRecords, ListSnapshot, Month, MonthRecords, Named,
    Opened, StepAtEnd, ACCESS, DELETIONS, REDACTIONS, ROSTER, SIGNOFFS,
};
use kenshin_store::docs::office;
use kenshin_store::{batch_doc_id, AccessLog, Home, HomeDir, Office, Tx};
use kenshin_trust::{verify, Roster};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};

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
    /// What to ask before filing it (no sign-off in it, the month not over yet).
    pub doubts: Vec<ArchiveDoubt>,
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
    /// Each batch as the archive holds it (its document's heads, finished there or not, its
    /// lists), for the filing.
    #[serde(skip)]
    #[ts(skip)]
    pub held: Vec<FiledBatch>,
}

impl crate::Office {
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
            doubts: archive_doubts(
                month,
                crate::now()
                    .with_timezone(&kenshin_domain::dates::jst())
                    .date_naive(),
                sum(|b| b.batch.signoffs.len()),
            ),
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
    let (mut office_am, office) = tx.load_office(office_doc)?;
    let office_id = office_doc.to_string();
    let roster = trust::judge_roster(tx, office_doc, &office)?;
    let names: HashMap<&str, &str> = office
        .members
        .iter()
        .map(|m| (m.member.id.as_str(), m.member.name.as_str()))
        .collect();
    let named = |id: &str| Named {
        id: id.to_string(),
        name: names.get(id).copied().unwrap_or(id).to_string(),
    };
    let (batches, index_problems) = trust::judge_index(&office_id, &office, &roster);
    let deletions = roster
        .purges()
        .filter(|p| month.holds(p.at))
        .map(|p| ArchivedDeletion {
            purge: p.clone(),
            by_name: named(&p.by).name,
            batches: batches
                .iter()
                .filter(|b| b.fiscal_year == p.fiscal_year)
                .map(|b| b.label.clone())
                .collect(),
        })
        .collect();
    let label = |id: &String| {
        batches
            .iter()
            .find(|b| &b.batch_id == id)
            .map_or_else(|| id.clone(), |b| b.label.clone())
    };
    let redactions = roster
        .redactions()
        .into_iter()
        .filter(|r| month.holds(r.at))
        .map(|r| {
            let mut labels: Vec<String> = r
                .lists
                .iter()
                .flat_map(|l| l.batches.iter().map(label))
                .collect();
            labels.dedup();
            ArchivedRedaction {
                redaction: r.clone(),
                by_name: named(&r.by).name,
                batches: labels,
            }
        })
        .collect();
    let mut tampering: Vec<(String, String)> = office
        .problems
        .iter()
        .chain(&index_problems)
        .map(|p| (office_id.clone(), p.clone()))
        .collect();
    let mut documents = vec![(office_id.clone(), office_am.save())];
    let mut out = Vec::new();
    for meta in batches {
        let id = batch_doc_id(&meta.batch_id)?;
        if !tx.has_document(&id)? {
            continue;
        }
        let mut j = match trust::load_judged(tx, &roster, &id) {
            Ok(j) => j,
            Err(e) => {
                tampering.push((meta.batch_id.clone(), e.to_string()));
                continue;
            }
        };
        let counted = j.counted();
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
        let notes: Vec<_> = counted
            .notes
            .iter()
            .filter(|n| month.holds(n.at))
            .map(|n| (n.clone(), named(&n.by).name))
            .collect();
        let mut lists = Vec::new();
        for list in &counted.lists {
            if !tx.has_document(&batch_doc_id(&list.doc_id)?)? {
                continue;
            }
            let (m, rows) = match tx.list_snapshot(list) {
                Ok(read) => read,
                Err(kenshin_store::StoreError::Shape { why, .. }) => {
                    tampering.push((list.doc_id.clone(), format!("リストが読めません: {why}")));
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            if month.holds(list.at.unwrap_or(m.created_at)) {
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
        let by_end = at_month_end(&j, month);
        let process = meta.process.process();
        let steps = derive(process, &by_end)
            .into_iter()
            .map(|s| StepAtEnd {
                step: s.step,
                status: s.status,
            })
            .collect();
        tampering.extend(
            j.all
                .problems
                .iter()
                .chain(&j.problems)
                .map(|p| (meta.batch_id.clone(), p.clone())),
        );
        documents.push((meta.batch_id.clone(), j.doc.save()));
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
        office: office_id.clone(),
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
    let mut lookups = Vec::new();
    for (log_ref, log) in tx.access_logs_of(&office.access_logs, &month.to_string())? {
        let judged = judge_lookups(&roster, &log_ref.doc_id, &log);
        for ((lookup, standing), p) in log.lookups.iter().zip(judged).zip(&log.provenance) {
            for t in &p.tampered {
                tampering.push((log_ref.doc_id.clone(), t.clone()));
            }
            lookups.push(ArchivedLookup {
                log: log_ref.doc_id.clone(),
                by_name: named(&lookup.by).name,
                lookup: lookup.clone(),
                judged: standing,
            });
        }
        tampering.extend(
            log.problems
                .iter()
                .map(|p| (log_ref.doc_id.clone(), p.clone())),
        );
        if let Some(mut doc) = tx.load(&batch_doc_id(&log_ref.doc_id)?)? {
            documents.push((log_ref.doc_id.clone(), doc.save()));
        }
    }
    lookups.sort_by(|a, b| (a.lookup.at, &a.lookup.by).cmp(&(b.lookup.at, &b.lookup.by)));
    tampering.dedup();
    Ok(MonthRecords {
        month,
        roster: archived_roster,
        exporter,
        batches: out,
        lookups,
        tampering,
        deletions,
        redactions,
        documents,
    })
}

/// The sign-offs that count at the month's end, in causal order: recorded by then, after
/// everything they had seen (an entry whose declared time is before something it had seen does
/// not count by then).
fn at_month_end(j: &trust::Judged, month: Month) -> Vec<SignOff> {
    let at: Vec<_> = j.all.signoffs.iter().map(|e| e.at).collect();
    at_end(&at, month.end(), |a, b| j.all.saw(a, b))
        .into_iter()
        .zip(j.all.signoffs.iter().zip(&j.standings))
        .filter(|(end, (_, s))| *end == AtEnd::Counted && s.counts())
        .map(|(_, (e, _))| e.clone())
        .collect()
}

/// What a laptop makes of each lookup of an access log: signed by a member who looked (removed
/// since or not), once per signature; an unsigned one counts when a member vouched for it. The
/// signatures are checked on several cores (a month of a busy office holds tens of thousands).
pub(crate) fn judge_lookups(roster: &Roster, log_id: &str, log: &AccessLog) -> Vec<Standing> {
    let vouched = trust::vouched(roster, log_id, &log.migrations);
    let entries = || log.lookups.iter().zip(&log.provenance);
    let signed = crate::par::map(entries().collect(), |(l, p)| {
        roster.signed(log_id, l, vouched.by(&p.mark)).map(drop)
    });
    let mut seen = std::collections::HashSet::new();
    entries()
        .zip(signed)
        .map(|((l, p), signed)| {
            let key = match l.signature.is_empty() {
                true => &p.mark,
                false => &l.signature,
            };
            match signed {
                Err(why) => Standing::Invalid { why },
                Ok(()) if !seen.insert(key) => Standing::Invalid {
                    why: "a copy of a lookup already in the log (one counts once)".into(),
                },
                Ok(()) => Standing::Valid,
            }
        })
        .collect()
}

/// The anchor key this home pinned for `office`: `archive verify` run on a member's laptop holds
/// an archive to the office's real founding key. An archive naming another office is refused here
/// (a copy rebuilt under another office id would otherwise check out against its own roster); to
/// check another office's archive, give its anchor key.
pub fn pinned_anchor(home: impl Into<HomeDir>, office: &str) -> Result<Option<String>> {
    let home: HomeDir = home.into();
    if !home.path().join(kenshin_store::DB_FILE).exists() {
        return Ok(None);
    }
    Home::open(&home)?.read(|tx| match tx.office_doc_id()?.map(|id| id.to_string()) {
        None => Ok(None),
        Some(mine) if mine == office => Ok(tx.local(ANCHOR)?),
        Some(mine) => Err(crate::CoreError::OtherOfficeArchive {
            office: office.to_string(),
            mine,
        }),
    })
}

/// Checks an archive from its bytes alone: every file's hash, the manifest's signature, and every
/// record judged again as a laptop of the office would: the roster from its anchor (the office's
/// pinned key when `pin` gives it), then each batch's sign-offs and the month's lookups from the
/// documents the archive carries (their history included), compared with what the exporter said.
/// An archive of the first format has no documents: its sign-offs are judged in the order listed.
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
        held: Vec::new(),
    };
    match opened.json::<ArchivedRoster>(ROSTER) {
        Err(why) => problems.push(why),
        Ok(r) => {
            check.anchor = r.anchor.clone();
            let pinned = pin(&r.office)?;
            let anchor = pinned.clone().unwrap_or_else(|| r.anchor.clone());
            let office_doc = document(&opened, &r.office);
            let roster = match &office_doc {
                Some(Ok(office)) => trust::roster_of(&r.office, &anchor, office),
                // No document (the first format), or one that does not read: the listed roster.
                _ => Roster::check(
                    &r.office,
                    &anchor,
                    &r.members,
                    &r.invites,
                    &r.removals,
                    |a, b| a < b,
                ),
            };
            if let Some(Err(why)) = &office_doc {
                problems.push(why.clone());
            }
            problems.extend(roster_problems(&opened, &r, &roster, pinned.as_deref()));
            match opened.json::<Vec<ArchivedBatch>>(SIGNOFFS) {
                Err(why) => problems.push(why),
                Ok(batches) => {
                    for b in &batches {
                        check.signoffs += b.signoffs.len();
                        let (wrong, held) = rejudge_batch(&opened, &r.office, &roster, b);
                        problems.extend(wrong);
                        check.held.extend(held);
                    }
                }
            }
            if opened.files.contains_key(DELETIONS) {
                match opened.json::<Vec<ArchivedDeletion>>(DELETIONS) {
                    Err(why) => problems.push(why),
                    Ok(listed) => problems.extend(
                        listed
                            .iter()
                            .filter(|d| !roster.purges().any(|p| *p == d.purge))
                            .map(|d| {
                                format!(
                                    "{DELETIONS}: the deletion of fiscal year {} by {} is not one the office document holds",
                                    d.purge.fiscal_year, d.by_name
                                )
                            }),
                    ),
                }
            }
            if opened.files.contains_key(REDACTIONS) {
                match opened.json::<Vec<ArchivedRedaction>>(REDACTIONS) {
                    Err(why) => problems.push(why),
                    Ok(listed) => problems.extend(
                        listed
                            .iter()
                            .filter(|d| !roster.redactions().contains(&&d.redaction))
                            .map(|d| {
                                format!(
                                    "{REDACTIONS}: the deletion of departed persons' rows {} by {} is not one the office document holds",
                                    d.redaction.id, d.by_name
                                )
                            }),
                    ),
                }
            }
            if opened.files.contains_key(ACCESS) {
                match opened.json::<Vec<ArchivedLookup>>(ACCESS) {
                    Err(why) => problems.push(why),
                    Ok(lookups) => problems.extend(rejudge_lookups(&opened, &roster, &lookups)),
                }
            }
        }
    }
    check.problems = problems;
    Ok(check)
}

/// A document the archive carries, read (None when it carries none).
fn document(opened: &Opened, id: &str) -> Option<std::result::Result<Office, String>> {
    let bytes = opened.files.get(&document_path(id))?;
    Some(
        AutoCommit::load(bytes)
            .map_err(|e| e.to_string())
            .and_then(|mut doc| office::read(&mut doc))
            .map_err(|why| format!("{}: {why}", document_path(id))),
    )
}

fn load_doc(opened: &Opened, id: &str) -> Option<std::result::Result<AutoCommit, String>> {
    let bytes = opened.files.get(&document_path(id))?;
    Some(AutoCommit::load(bytes).map_err(|e| format!("{}: {e}", document_path(id))))
}

/// Each archived sign-off against what judging the batch's document gives here (or, with no
/// document, its signature and its signer's authority in the order listed).
/// Also what the archive holds of the batch, when it carries its document.
fn rejudge_batch(
    opened: &Opened,
    office: &str,
    roster: &Roster,
    b: &ArchivedBatch,
) -> (Vec<String>, Option<FiledBatch>) {
    let describe = |s: &ArchivedSignOff, why: &str| {
        format!(
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
        )
    };
    let judged = match load_doc(opened, &b.batch_id) {
        None => {
            // The first format: signatures, then authority in the listed order.
            let log: Vec<SignOff> = b.signoffs.iter().map(|s| s.entry.clone()).collect();
            let Ok(process) = b.process.parse::<kenshin_domain::ProcessId>() else {
                return (
                    vec![format!("{SIGNOFFS}: batch {} names no process", b.label)],
                    None,
                );
            };
            let standings = kenshin_domain::trust::judge(
                process.process(),
                &log,
                |_| kenshin_domain::trust::Arrival { heads_match: true },
                |e| roster.signer(&b.batch_id, e, None),
                |j, i| j < i,
            );
            let wrong = b
                .signoffs
                .iter()
                .zip(standings)
                .filter(|(s, now)| {
                    s.judged.counts() && !now.counts() && !matches!(now, Standing::Flagged { .. })
                })
                .map(|(s, now)| describe(s, &kenshin_exchange::archive::standing_ja(&now)))
                .collect();
            return (wrong, None);
        }
        Some(Err(why)) => return (vec![why], None),
        Some(Ok(mut doc)) => {
            let heads: Vec<String> = doc.get_heads().iter().map(|h| h.to_string()).collect();
            let listed = opened
                .manifest
                .batches
                .iter()
                .find(|m| m.batch_id == b.batch_id)
                .map(|m| m.heads.clone());
            let mut problems = Vec::new();
            if listed.as_ref() != Some(&heads) {
                problems.push(format!(
                    "{}: its heads are not the ones the manifest lists",
                    document_path(&b.batch_id)
                ));
            }
            match kenshin_store::docs::batch::read(&mut doc, &b.batch_id)
                .map_err(|why| format!("{}: {why}", document_path(&b.batch_id)))
                .and_then(|all| {
                    let replacements = crate::departed::replacements(None, roster, &b.batch_id)
                        .map_err(|e| e.to_string())?;
                    trust::judge_batch(office, roster, doc, all, &replacements)
                        .map_err(|e| e.to_string())
                }) {
                Err(why) => return (vec![why], None),
                Ok(j) => (j, heads, problems),
            }
        }
    };
    let (j, heads, mut problems) = judged;
    // Entries are archived in log order; a copy of an entry is matched to its own place.
    let mut used = vec![false; j.all.signoffs.len()];
    for s in &b.signoffs {
        let found = j
            .all
            .signoffs
            .iter()
            .enumerate()
            .position(|(k, e)| !used[k] && *e == s.entry)
            .map(|k| {
                used[k] = true;
                &j.standings[k]
            });
        match found {
            None => problems.push(describe(
                s,
                &match roster.signer(&b.batch_id, &s.entry, None) {
                    Err(why) => format!("{why}; and it is not in the batch's document"),
                    Ok(_) => "it is not in the batch's document".to_string(),
                },
            )),
            Some(now) if *now != s.judged => problems.push(describe(
                s,
                &format!(
                    "the archive says {}, but judged from the document it is {}",
                    kenshin_exchange::archive::standing_ja(&s.judged),
                    kenshin_exchange::archive::standing_ja(now)
                ),
            )),
            Some(_) => {}
        }
    }
    let counted = j.counted();
    let process = counted.meta.process.process();
    let held = FiledBatch {
        batch_id: b.batch_id.clone(),
        heads,
        finished: finished(process, &derive(process, &counted.signoffs)),
        lists: counted.lists.iter().map(|l| l.doc_id.clone()).collect(),
    };
    (problems, Some(held))
}

/// Each archived lookup against its access log document, judged here.
fn rejudge_lookups(opened: &Opened, roster: &Roster, lookups: &[ArchivedLookup]) -> Vec<String> {
    let mut problems = Vec::new();
    // Each log's lookups judged, and where each stands in the log by its time and signature (the
    // first not yet matched of those equal to it is the one an archived lookup matches).
    type Judged = (
        AccessLog,
        Vec<Standing>,
        HashMap<(i64, String), VecDeque<usize>>,
    );
    let mut logs: HashMap<&str, std::result::Result<Judged, String>> = HashMap::new();
    let place =
        |l: &kenshin_domain::register::Lookup| (l.at.timestamp_micros(), l.signature.clone());
    for a in lookups {
        let log = logs.entry(a.log.as_str()).or_insert_with(|| {
            let mut doc = load_doc(opened, &a.log)
                .unwrap_or_else(|| Err(format!("{}: missing", document_path(&a.log))))?;
            let log = kenshin_store::docs::access::read(&mut doc)
                .map_err(|why| format!("{}: {why}", document_path(&a.log)))?;
            let judged = judge_lookups(roster, &a.log, &log);
            let mut at: HashMap<_, VecDeque<usize>> = HashMap::new();
            for (k, l) in log.lookups.iter().enumerate() {
                at.entry(place(l)).or_default().push_back(k);
            }
            Ok((log, judged, at))
        });
        let why = match log {
            Err(why) => Some(why.clone()),
            Ok((log, judged, at)) => match at.get_mut(&place(&a.lookup)).and_then(|ks| {
                let i = ks.iter().position(|&k| log.lookups[k] == a.lookup)?;
                ks.remove(i)
            }) {
                None => Some("it is not in its access log document".to_string()),
                Some(k) if judged[k] != a.judged => Some(format!(
                    "the archive says {}, but judged from the document it is {}",
                    kenshin_exchange::archive::standing_ja(&a.judged),
                    kenshin_exchange::archive::standing_ja(&judged[k])
                )),
                Some(_) => None,
            },
        };
        if let Some(why) = why {
            problems.push(format!(
                "{ACCESS}: the lookup by {} at {}: {why}",
                a.by_name,
                a.lookup
                    .at
                    .with_timezone(&archive::jst())
                    .format("%Y-%m-%d %H:%M")
            ));
        }
    }
    problems.dedup();
    problems
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
