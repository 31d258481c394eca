//! The one facade both front ends call. An [`Office`] is a home opened as one member: it records
//! steps, manages batches and the roster, and reads the board. Each call that changes something
//! commits to SQLite before it returns `Ok`, and a refused call changes nothing.

mod archive;
mod demo;
mod departed;
mod erasure;
mod error;
mod evidence;
mod lists;
mod members;
mod par;
mod register;
mod relay_keys;
mod reports;
mod secret;
pub mod sync;
mod trust;
mod upgrade;
mod voucher;
mod years;

pub use archive::{pinned_anchor, verify_archive, ArchiveCheck, Exported};
pub use demo::{create_demo, create_demo_years};
pub use departed::RedactedNote;
pub use erasure::{
    erase_on_order, erasure_ordered, sync_with_the_section, Erased, Erasures, LastSync,
    OrderReceived, RemovedLaptop, Unlock,
};
pub use error::{Blank, CoreError, Result};
pub use kenshin_domain as domain;
pub use kenshin_exchange as exchange;
pub use kenshin_store::StoreError;
pub use kenshin_store::{needs_passphrase, set_passphrase, HomeDir, PASSPHRASE_ENV};
pub use kenshin_store::{
    BatchRef, BoardBatch, BoardStep, Found, ListRef, RegisterEntry, RosterEntry, SignOffView,
    VoucherEvent, VoucherStatus,
};
pub use lists::{ImportPreview, ImportSummary, ListText, IMPORTABLE};
pub use members::{join, InviteFile, Joined};
pub use register::InquiryLogged;
pub use reports::ReportKind;
pub use secret::{members_here, MemberHere, Signer};
pub use voucher::VoucherCheck;
pub use years::ClosedYear;

use chrono::{DateTime, SubsecRound, Utc};
use kenshin_domain::batch::BatchProposal;
use kenshin_domain::dates::Month;
use kenshin_domain::decide::decide;
use kenshin_domain::roster::{member_payload, signoff_payload};
use kenshin_domain::signed::{batch_id_bytes, Migration, Signed};
use kenshin_domain::workflow::{acting, marking_for, may_ask, Ask};
use kenshin_domain::{fiscal_year, Action, Member, ProcessId, Refusal, Role, SignOff};
use kenshin_store::docs::{batch, office};
use kenshin_store::{batch_doc_id, new_document_id, DocumentId, Home, NewList, Tx, OFFICE_DOC};
use kenshin_trust::Keys;
use std::collections::BTreeMap;
use trust::{keys_setting, ANCHOR, ME};

/// The home in `dir`, which must hold a database already (opening never makes one).
fn open_home(home_dir: &HomeDir) -> Result<Home> {
    let dir = home_dir.path();
    if !dir.join(kenshin_store::DB_FILE).exists() {
        return Err(CoreError::NoOffice {
            home: dir.display().to_string(),
        });
    }
    Ok(Home::open(home_dir)?)
}

/// The office's members as this laptop judges them, read without signing in (a peer's name on the
/// sync screen).
pub fn members_of(home: impl Into<HomeDir>) -> Result<Vec<RosterEntry>> {
    open_home(&home.into())?.read(|tx| Ok(tx.members()?))
}

/// A request to record a step.
#[derive(Debug, Clone, Default)]
pub struct StepRecord {
    /// Counts as given by the person (対象者数, 封入数) by their names in the catalogue.
    pub counts: BTreeMap<String, i64>,
    pub note: Option<String>,
    pub send_back: Option<String>,
    /// 取下げ・代決・後閲, or a plain entry.
    pub ask: Ask,
}

/// A home, opened as one member of its office.
/// 今の業務: the board as the window opens on it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct WorkingBoard {
    pub batches: Vec<BoardBatch>,
    /// Finished batches of past fiscal years left out.
    pub hidden: usize,
}

pub struct Office {
    home: Home,
    office_doc: DocumentId,
    me: Member,
    keys: std::sync::Arc<Keys>,
}

fn non_empty(s: &str, what: Blank) -> Result<String> {
    let s = s.trim();
    if s.is_empty() {
        return Err(CoreError::Empty { what });
    }
    Ok(s.to_string())
}

fn new_member(name: String, role: Role, approver: bool, admin: bool) -> Member {
    Member {
        id: uuid::Uuid::new_v4().simple().to_string(),
        name,
        role,
        approver,
        admin,
    }
}

impl Office {
    /// Founds an office in a new home: the first member is section, approver and admin.
    pub fn init(home: impl Into<HomeDir>, office_name: &str, me_name: &str) -> Result<Office> {
        let home_dir = home.into();
        let dir = home_dir.path();
        let office_name = non_empty(office_name, Blank::OfficeName)?;
        let me = new_member(
            non_empty(me_name, Blank::YourName)?,
            Role::Section,
            true,
            true,
        );
        let keys = new_keys()?;
        let mut home = Home::open(&home_dir)?;
        let office_doc = home.write(|tx| {
            if let Some(id) = tx.office_doc_id()? {
                let existing = tx.read_office(&id)?;
                return Err(CoreError::AlreadyInitialised {
                    home: dir.display().to_string(),
                    office: existing.name,
                });
            }
            let id = new_document_id();
            let founder = signed_entry(&id.to_string(), me.clone(), &keys, None, &keys);
            let mut doc = office::create(&office_name, &founder)?;
            tx.save_office(&id, &mut doc, &[])?;
            tx.set_local(OFFICE_DOC, &id.to_string())?;
            tx.set_local(ME, &me.id)?;
            tx.set_local(ANCHOR, &keys.sign_key())?;
            tx.set_local(&keys_setting(&me.id), &keys.to_secret_text())?;
            upgrade::current(tx)?;
            trust::project_office(tx, &trust::roster(tx)?)?;
            // The office seals toward a relay from the start.
            relay_keys::make_data_key(tx, &id, &keys, &me.id)?;
            Ok(id)
        })?;
        Ok(Office {
            home,
            office_doc,
            me,
            keys: std::sync::Arc::new(keys),
        })
    }

    /// Opens the home in `dir` as its own member, or as `acting_as` (a member's name or id) whose
    /// keys are on this laptop. A member with a secret is refused here: see [`Office::sign_in`].
    pub fn open(home: impl Into<HomeDir>, acting_as: Option<&str>) -> Result<Office> {
        let home_dir = home.into();
        let mut home = open_home(&home_dir)?;
        let signer = secret::sign_in(&mut home, &home_dir, acting_as, None)?;
        Office::opened(home, &home_dir, &signer)
    }

    /// Proves a member on this laptop: their secret opens their signing key (a member who has set
    /// none needs none). Five wrong tries in a row make the next wait.
    pub fn sign_in(
        home: impl Into<HomeDir>,
        acting_as: Option<&str>,
        secret: Option<&str>,
    ) -> Result<Signer> {
        let home_dir = home.into();
        let mut home = open_home(&home_dir)?;
        secret::sign_in(&mut home, &home_dir, acting_as, secret)
    }

    /// Opens the home as a member who signed in (still in the roster: a member removed since is
    /// refused).
    pub fn open_as(home: impl Into<HomeDir>, signer: &Signer) -> Result<Office> {
        let home_dir = home.into();
        let home = open_home(&home_dir)?;
        Office::opened(home, &home_dir, signer)
    }

    fn opened(mut home: Home, home_dir: &HomeDir, signer: &Signer) -> Result<Office> {
        let dir = home_dir.path();
        let (office_doc, me, stale) = home.read(|tx| {
            let id = tx.office_doc_id()?.ok_or_else(|| CoreError::NoOffice {
                home: dir.display().to_string(),
            })?;
            if !tx.has_document(&id)? {
                return Err(CoreError::NotSynced {
                    home: dir.display().to_string(),
                });
            }
            let me = find_member(&tx.members()?, &signer.member.id)?;
            Ok::<_, CoreError>((id, me, upgrade::needed(tx)?))
        })?;
        if stale {
            upgrade::run(&mut home)?;
        }
        Ok(Office {
            home,
            office_doc,
            me,
            keys: signer.keys.clone(),
        })
    }

    /// Reads this member again from the roster (a role changed, a removal arrived since the office
    /// was opened): a front end that keeps an office open calls it before each use. A member no
    /// longer in the roster is refused.
    pub fn refresh(&mut self) -> Result<()> {
        let id = self.me.id.clone();
        self.me = self.home.read(|tx| find_member(&tx.members()?, &id))?;
        Ok(())
    }

    /// Gives back the memory the home's page cache holds but for the pages used last, for an office
    /// kept open between commands.
    pub fn shrink_memory(&self) -> Result<()> {
        Ok(self.home.shrink_memory()?)
    }

    /// The member this office is acting as.
    pub fn me(&self) -> &Member {
        &self.me
    }

    pub fn name(&mut self) -> Result<String> {
        let id = self.office_doc.clone();
        self.home.read(|tx| Ok(tx.read_office(&id)?.name))
    }

    pub fn members(&mut self) -> Result<Vec<RosterEntry>> {
        self.home.read(|tx| Ok(tx.members()?))
    }

    /// Roster entries that do not hold, and what the office document's history shows was deleted or
    /// changed (改ざんの疑い).
    pub fn roster_problems(&mut self) -> Result<Vec<kenshin_store::RosterProblem>> {
        self.home.read(|tx| Ok(tx.roster_problems()?))
    }

    /// Adds a member who uses this laptop (admin only): their keys are made and kept here, and the
    /// admin signs their roster entry. A member on another laptop joins with an invite instead.
    pub fn add_member(&mut self, name: &str, role: Role, approver: bool) -> Result<RosterEntry> {
        let name = non_empty(name, Blank::MemberName)?;
        if approver && role == Role::Contractor {
            return Err(CoreError::ContractorApprover);
        }
        if !self.me.admin {
            return Err(CoreError::NotAdmin {
                member: self.me.name.clone(),
                what: "add members",
            });
        }
        let keys = new_keys()?;
        let id = self.office_doc.clone();
        let entry = signed_entry(
            &id.to_string(),
            new_member(name, role, approver, false),
            &keys,
            Some(self.me.id.clone()),
            &self.keys,
        );
        self.home.write(|tx| {
            let (mut doc, _) = trust::office_for_writing(tx, &id)?;
            refuse_duplicate_name(tx, &entry.member.name)?;
            let before = doc.get_heads();
            office::add_member(&mut doc, &entry)?;
            tx.save_office(&id, &mut doc, &before)?;
            tx.set_local(&keys_setting(&entry.member.id), &keys.to_secret_text())?;
            trust::project_office(tx, &trust::roster(tx)?)
        })?;
        Ok(entry)
    }

    /// Starts a batch: one run of a process. Its meta is signed, and the batch's id derived from it.
    pub fn new_batch(
        &mut self,
        process: ProcessId,
        label: &str,
        fiscal: Option<i32>,
    ) -> Result<BatchRef> {
        let label = kenshin_domain::batch::check_label(label)?;
        let now = now();
        let office_id = self.office_doc.clone();
        let office = office_id.to_string();
        let mut meta = BatchRef {
            batch_id: String::new(),
            process,
            label,
            fiscal_year: fiscal.unwrap_or_else(|| fiscal_year(now.date_naive())),
            created_by: self.me.id.clone(),
            created_at: now,
            nonce: uuid::Uuid::new_v4().simple().to_string(),
            signature: String::new(),
        };
        meta.signature = self.keys.sign(&meta.payload(&office, ""));
        let batch_doc = DocumentId::try_from(batch_id_bytes(&office, &meta).to_vec())
            .map_err(|_| CoreError::Internal("a batch id could not be made".into()))?;
        meta.batch_id = batch_doc.to_string();
        self.home.write(|tx| {
            let (mut office_doc, _) = trust::office_for_writing(tx, &office_id)?;
            years::open_for_entries(&trust::roster(tx)?, meta.fiscal_year)?;
            if let Some(dup) = tx
                .batches()?
                .into_iter()
                .find(|b| b.process == meta.process && b.label == meta.label)
            {
                return Err(CoreError::DuplicateBatch {
                    process: dup.process.to_string(),
                    label: dup.label.clone(),
                    batch_id: dup.batch_id.clone(),
                });
            }
            let mut doc = batch::create(&office, &meta)?;
            doc.commit();
            tx.save(&batch_doc, &mut doc, &[])?;
            let before = office_doc.get_heads();
            office::add_batch(&mut office_doc, &office, &meta)?;
            tx.save_office(&office_id, &mut office_doc, &before)?;
            let roster = trust::roster(tx)?;
            trust::project_office(tx, &roster)?;
            trust::project_batch(tx, &roster, &batch_doc)?;
            Ok::<_, CoreError>(())
        })?;
        Ok(meta)
    }

    /// The label proposed for a new batch of `process` for `month` (the clerk's own `label` when
    /// they typed one), and the batches of that process it would repeat.
    pub fn propose_batch(
        &mut self,
        process: ProcessId,
        month: Month,
        label: Option<&str>,
    ) -> Result<BatchProposal> {
        let existing = self.batches()?;
        Ok(kenshin_domain::batch::propose_batch(
            &existing, process, month, label,
        ))
    }

    pub fn batches(&mut self) -> Result<Vec<BatchRef>> {
        self.home.read(|tx| Ok(tx.batches()?))
    }

    /// Finds a batch by id, unique start of its id, or label.
    pub fn resolve_batch(&mut self, given: &str) -> Result<BatchRef> {
        let given_t = given.trim();
        // The window and scripts name a batch by its id: found without reading every batch.
        if let Some(b) = self
            .home
            .read(|tx| Ok::<_, CoreError>(tx.batch(given_t)?))?
        {
            return Ok(b);
        }
        let batches = self.batches()?;
        let matches: Vec<&BatchRef> = batches
            .iter()
            .filter(|b| {
                b.label == given_t || (given_t.len() >= 4 && b.batch_id.starts_with(given_t))
            })
            .collect();
        match matches.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(CoreError::UnknownBatch(given.to_string())),
            many => Err(CoreError::AmbiguousBatch {
                given: given.to_string(),
                candidates: many
                    .iter()
                    .map(|b| format!("{} ({} {})", b.batch_id, b.process, b.label))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Records a step (do, verify or approve, with or without a send-back) on a batch, if the rules allow.
    pub fn record(
        &mut self,
        batch_given: &str,
        step: u8,
        action: Action,
        request: StepRecord,
    ) -> Result<SignOffView> {
        let meta = self.resolve_batch(batch_given)?;
        for (name, n) in &request.counts {
            kenshin_domain::workflow::check_count(name, *n)?;
        }
        let counts = request.counts;
        let mut entry = SignOff {
            id: uuid::Uuid::new_v4().simple().to_string(),
            step,
            action,
            by: self.me.id.clone(),
            at: now(),
            counts,
            note: request.note.filter(|n| !n.trim().is_empty()),
            send_back: request.send_back,
            heads_seen: Vec::new(),
            signature: String::new(),
            marking: None,
        };
        let doc_id = batch_doc_id(&meta.batch_id)?;
        let me = self.me.clone();
        let office = self.office_doc.to_string();
        let keys = &self.keys;
        let (seq, standing) = self.home.write(|tx| {
            let roster = trust::roster(tx)?;
            let judged = trust::load_judged(tx, &roster, &doc_id)?;
            judged.writable()?;
            years::open_for_entries(&roster, meta.fiscal_year)?;
            let mut current = judged.for_entry(step, action, entry.send_back.is_some());
            let mut doc = judged.doc;
            // 取下げ・後閲 name the entry they are about; a 代決 is decided with a deputy's authority.
            entry.marking =
                marking_for(meta.process.process(), &current.signoffs, step, request.ask);
            let me = acting(
                me.clone(),
                entry.marking.as_ref(),
                roster.deputy_at(&me.id, entry.at),
            )?;
            // Load, decide (the rules and the step's evidence, pure), write.
            let lists = evidence::read(tx, &current, &entry)?;
            let accepted = decide(
                evidence::batch_of(&current),
                &current.signoffs,
                &me,
                &entry,
                &lists,
                local_day(entry.at),
            )
            .map_err(|r| evidence::refusal(tx, r))?;
            entry.counts = accepted.counts;
            entry.note = accepted.note;
            let made = accepted.made;
            let before = doc.get_heads();
            for list in &made {
                let list = tx.save_new_list(
                    &NewList {
                        office: &office,
                        batch: &meta.batch_id,
                        list_kind: list.kind,
                        encoding: "utf-8",
                        source_name: &format!("step {step}"),
                        row_count: list.row_count,
                        created_by: &me.id,
                        created_at: entry.at,
                    },
                    &list.rows,
                )?;
                let list = signed_list(keys, &office, &meta.batch_id, list);
                batch::add_list(&mut doc, &list)?;
                current.lists.push(list);
            }
            // What the recorder saw is part of what they sign; the lists the step makes go into
            // the same change as the entry.
            entry.heads_seen = before.iter().map(|h| h.to_string()).collect();
            entry.signature = keys.sign(&signoff_payload(&office, &meta.batch_id, &entry));
            if entry.marking.is_some() && current.schema < batch::MARKED_SCHEMA {
                let m = migration(keys, &office, &meta.batch_id, &me.id, batch::MARKED_SCHEMA);
                batch::migrate(&mut doc, &m)?;
            }
            batch::append_signoff(&mut doc, &entry)?;
            doc.commit();
            tx.save(&doc_id, &mut doc, &before)?;
            // Judged again from the document in hand (not loaded again), with the new entry.
            let all = batch::read(&mut doc, &meta.batch_id)
                .map_err(|why| CoreError::Internal(format!("batch {}: {why}", meta.label)))?;
            let replacements = departed::replacements(Some(tx), &roster, &meta.batch_id)?;
            let judged = trust::judge_batch(&office, &roster, doc, all, &replacements)?;
            tx.project_batch(&judged.all, &judged.standings, &judged.problems)?;
            let counted = judged.counted();
            if sync::registers_again(tx, &meta.batch_id, &counted)? {
                // Its register (up to 150,000 rows) is the sync engine's to project again, after
                // the record: the window does not wait for it.
                if !made.is_empty() {
                    tx.project_events(&current)?;
                }
            } else {
                // The rest as the sync engine projects a batch, marked: it need not judge it again.
                let batch = (meta.batch_id.as_str(), &doc_id);
                sync::project_counted(tx, &roster.signer_digests(), &judged.all, batch, &counted)?;
            }
            let seq = judged
                .all
                .signoffs
                .iter()
                .position(|e| e.id == entry.id)
                .unwrap_or(0);
            Ok::<_, CoreError>((seq as i64, judged.standings[seq].clone()))
        })?;
        Ok(SignOffView {
            seq,
            id: entry.id,
            step,
            action,
            by: me.id,
            by_name: me.name,
            at: entry.at,
            counts: entry.counts,
            note: entry.note,
            send_back: entry.send_back,
            standing,
            tampered: Vec::new(),
            marking: entry.marking,
        })
    }

    /// The board: every batch (or one) with the state of each step.
    pub fn board(&mut self, batch_given: Option<&str>) -> Result<Vec<BoardBatch>> {
        let only = match batch_given {
            Some(b) => Some(self.resolve_batch(b)?.batch_id),
            None => None,
        };
        self.board_with(|tx| Ok(tx.board(only.as_deref())?))
    }

    /// 今の業務, what the window opens on: the board without past fiscal years' finished batches and
    /// closed years' (which take no entries), and how many those are (`all`: every batch).
    pub fn working_board(&mut self, all: bool) -> Result<WorkingBoard> {
        let mut hidden = 0;
        let today = now()
            .with_timezone(&kenshin_domain::dates::jst())
            .date_naive();
        let fiscal_year = kenshin_domain::fiscal::fiscal_year(today);
        let batches = self.board_with(|tx| match all {
            true => Ok(tx.board(None)?),
            false => {
                let closed = trust::closed_years(tx)?;
                let (batches, left_out) = tx.working_board(fiscal_year, &closed)?;
                hidden = left_out;
                Ok(batches)
            }
        })?;
        Ok(WorkingBoard { batches, hidden })
    }

    /// The board `read` gives, with what the member may do at each step.
    fn board_with(
        &mut self,
        read: impl FnOnce(&Tx<'_>) -> Result<Vec<BoardBatch>>,
    ) -> Result<Vec<BoardBatch>> {
        // Whether the member is a deputy, as the roster was last judged (the board is read often).
        let me = &self.me;
        let (mut board, deputy) = self.home.read(|tx| {
            let deputy = tx.deputies()?.contains(&me.id);
            Ok::<_, CoreError>((read(tx)?, deputy))
        })?;
        for b in &mut board {
            // The rules see the entries that count, in log order.
            let mut counted: Vec<&SignOffView> = b
                .steps
                .iter()
                .flat_map(|s| &s.history)
                .filter(|e| e.standing.counts())
                .collect();
            counted.sort_by_key(|e| e.seq);
            let log: Vec<SignOff> = counted
                .into_iter()
                .map(|e| SignOff {
                    id: e.id.clone(),
                    step: e.step,
                    action: e.action,
                    by: e.by.clone(),
                    at: e.at,
                    counts: e.counts.clone(),
                    note: e.note.clone(),
                    send_back: e.send_back.clone(),
                    heads_seen: Vec::new(),
                    signature: String::new(),
                    marking: e.marking.clone(),
                })
                .collect();
            let process = b.batch.process.process();
            let may = kenshin_domain::may(process, &log, &self.me);
            let asks = may_ask(process, &log, &self.me, deputy);
            for ((step, may), asks) in b.steps.iter_mut().zip(may).zip(asks) {
                step.may = may;
                step.asks = asks;
            }
        }
        Ok(board)
    }

    /// The current heads of the office document, or of one batch's document (hex change hashes).
    pub fn heads(&mut self, batch_given: Option<&str>) -> Result<Vec<String>> {
        let doc_id = match batch_given {
            Some(b) => batch_doc_id(&self.resolve_batch(b)?.batch_id)?,
            None => self.office_doc.clone(),
        };
        self.home.read(|tx| {
            let mut doc = tx.load_required(&doc_id)?;
            Ok(doc.get_heads().iter().map(|h| h.to_string()).collect())
        })
    }

    /// Derives every projection again from the documents.
    pub fn rebuild_projections(&mut self) -> Result<()> {
        self.home.write(trust::rebuild)
    }

    /// Every projection row as text (to compare a rebuild with what was there).
    pub fn projection_dump(&mut self) -> Result<Vec<String>> {
        self.home.read(|tx| Ok(tx.projection_dump()?))
    }
}

fn new_keys() -> Result<Keys> {
    Keys::generate().map_err(|e| CoreError::Internal(e.to_string()))
}

/// A roster entry for `member` holding `keys`' public halves, signed by `signer`.
fn signed_entry(
    office: &str,
    member: Member,
    keys: &Keys,
    added_by: Option<String>,
    signer: &Keys,
) -> RosterEntry {
    let mut entry = RosterEntry {
        member,
        sign_key: keys.sign_key(),
        noise_key: keys.noise_key(),
        added_by,
        added_at: now(),
        signature: String::new(),
    };
    entry.signature = signer.sign(&member_payload(office, &entry));
    entry
}

/// A signed migration raising document `doc` (a batch, or the office) to `schema`: written in the
/// change that brings the first record a build before `schema` would misread.
pub(crate) fn migration(keys: &Keys, office: &str, doc: &str, by: &str, schema: i64) -> Migration {
    let mut m = Migration {
        id: uuid::Uuid::new_v4().simple().to_string(),
        schema,
        vouched: Vec::new(),
        by: by.to_string(),
        at: now(),
        signature: String::new(),
    };
    m.signature = keys.sign(&m.payload(office, doc));
    m
}

/// A list reference signed by its writer.
pub(crate) fn signed_list(keys: &Keys, office: &str, batch: &str, mut list: ListRef) -> ListRef {
    list.signature = keys.sign(&list.payload(office, batch));
    list
}

fn refuse_duplicate_name(tx: &Tx<'_>, name: &str) -> Result<()> {
    if tx.members()?.iter().any(|m| m.member.name == name) {
        return Err(CoreError::DuplicateMember(name.to_string()));
    }
    Ok(())
}

fn find_member(members: &[RosterEntry], who: &str) -> Result<Member> {
    members
        .iter()
        .find(|m| m.member.id == who || m.member.name == who)
        .map(|m| m.member.clone())
        .ok_or_else(|| CoreError::UnknownMember(who.to_string()))
}

/// Refusals name members by id; people read names.
fn name_members(tx: &Tx<'_>, refusal: Refusal) -> CoreError {
    match refusal {
        Refusal::AlreadyComplete {
            step,
            state,
            by,
            at,
        } => {
            let by = tx
                .members()
                .ok()
                .and_then(|ms| ms.into_iter().find(|m| m.member.id == by))
                .map(|m| m.member.name)
                .unwrap_or(by);
            Refusal::AlreadyComplete {
                step,
                state,
                by,
                at,
            }
            .into()
        }
        other => other.into(),
    }
}

/// Now, to the millisecond: the precision documents store times at.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

/// The office's calendar day at a time (ages and dates are judged in local days).
pub(crate) fn local_day(t: DateTime<Utc>) -> chrono::NaiveDate {
    t.with_timezone(&chrono::Local).date_naive()
}

/// When a time is printed for people: local ISO form.
pub fn display_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}
