//! Query projections: plain SQLite tables derived from the documents, for fast reads (board, roster,
//! batch list). They hold nothing the documents do not; `rebuild` makes them again from scratch.

use crate::docs::batch::Batch;
use crate::docs::office::RosterEntry;
use crate::error::Result;
use crate::home::Tx;
use chrono::{DateTime, Utc};
use kenshin_domain::trust::Standing;
use kenshin_domain::workflow::{Ask, Marking, Waiting};
use kenshin_domain::BatchRef;
use kenshin_domain::{derive, Action, Member, ProcessId, Role, Status};
use rusqlite::{params, OptionalExtension, Row};
use samod_core::DocumentId;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS p_members (
    member_id  TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    approver   INTEGER NOT NULL,
    admin      INTEGER NOT NULL,
    added_by   TEXT,
    added_at   TEXT NOT NULL,
    sign_key   TEXT NOT NULL,
    noise_key  TEXT NOT NULL,
    signature  TEXT NOT NULL,
    removed_at TEXT,
    deputy     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS p_roster_problems (
    member_id TEXT NOT NULL,
    name      TEXT NOT NULL,
    why       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS p_batches (
    batch_id    TEXT PRIMARY KEY,
    process     TEXT NOT NULL,
    label       TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS p_signoffs (
    batch_id  TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    entry_id  TEXT NOT NULL,
    step      INTEGER NOT NULL,
    action    TEXT NOT NULL,
    by_member TEXT NOT NULL,
    at        TEXT NOT NULL,
    counts    TEXT NOT NULL,
    note      TEXT,
    send_back TEXT,
    standing  TEXT NOT NULL,
    marking   TEXT,
    PRIMARY KEY (batch_id, seq)
);
CREATE TABLE IF NOT EXISTS p_problems (
    doc_id   TEXT NOT NULL,
    entry_id TEXT,
    what     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS p_problems_doc ON p_problems(doc_id, entry_id);
CREATE TABLE IF NOT EXISTS p_board (
    batch_id     TEXT NOT NULL,
    step         INTEGER NOT NULL,
    status       TEXT NOT NULL,
    waiting      TEXT NOT NULL,
    decisive_seq INTEGER,
    awaiting_review INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (batch_id, step)
);
";

const TABLES: [&str; 6] = [
    "p_members",
    "p_problems",
    "p_roster_problems",
    "p_batches",
    "p_signoffs",
    "p_board",
];

/// One sign-off as the board shows it, with the recorder's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SignOffView {
    #[ts(type = "number")]
    pub seq: i64,
    pub id: String,
    pub step: u8,
    pub action: Action,
    pub by: String,
    pub by_name: String,
    pub at: DateTime<Utc>,
    #[ts(type = "Record<string, number>")]
    pub counts: BTreeMap<String, i64>,
    pub note: Option<String>,
    pub send_back: Option<String>,
    /// What this laptop makes of the entry: valid, flagged, resolved, or invalid (and why).
    pub standing: Standing,
    /// What later changes did to it (改ざんの疑い): deleted, overwritten or altered. It is judged as
    /// it was signed all the same.
    pub tampered: Vec<String>,
    /// 取下げ・代決・後閲.
    pub marking: Option<Marking>,
}

/// A member as this laptop judges the roster: their signed entry and whether they were removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgedMember<'a> {
    pub entry: &'a RosterEntry,
    pub removed_at: Option<DateTime<Utc>>,
    /// A deputy (代決者) now.
    pub deputy: bool,
}

/// A roster entry that does not hold, and why (shown, never used).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RosterProblem {
    pub member_id: String,
    pub name: String,
    pub why: String,
}

/// One step on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BoardStep {
    pub step: u8,
    pub ja: &'static str,
    pub en: &'static str,
    pub kind: kenshin_domain::StepKind,
    pub by_role: Role,
    /// The step whose record this one checks (a verify's work, an approval's verify).
    pub subject: Option<u8>,
    pub status: Status,
    pub waiting: Vec<Waiting>,
    /// The entry that makes the step what it is (who and when).
    pub decisive: Option<SignOffView>,
    /// Every entry for the step, oldest first.
    pub history: Vec<SignOffView>,
    /// 代決 not yet reviewed (後閲待ち).
    pub awaiting_review: bool,
    /// What the member the board was read for may record at this step now (set by the core, from
    /// the rules; the projection itself is the same for every member).
    pub may: Option<Action>,
    /// And what they may ask besides (取下げ・代決・後閲), set the same way.
    pub asks: Vec<Ask>,
}

/// One batch on the board: a row of its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BoardBatch {
    #[serde(flatten)]
    pub batch: BatchRef,
    pub steps: Vec<BoardStep>,
    /// 改ざんの疑い: entries deleted or changed after they were written, and entries that cannot be
    /// read, as this laptop found them in the batch's history.
    pub tampering: Vec<String>,
}

fn sql_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn parse_time(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
}

fn conversion<E: std::error::Error + Send + Sync + 'static>(e: E) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
}

pub(crate) fn text_error(s: String) -> rusqlite::Error {
    conversion(std::io::Error::other(s))
}

impl Tx<'_> {
    /// Replaces the roster and batch index projections: `members` are the entries that hold (as the
    /// caller judged them from the anchor), `problems` those that do not, `batches` the index
    /// entries that hold.
    pub fn project_office(
        &self,
        batches: &[BatchRef],
        members: &[JudgedMember<'_>],
        problems: &[RosterProblem],
    ) -> Result<()> {
        let tx = self.sql();
        tx.execute("DELETE FROM p_members", [])?;
        tx.execute("DELETE FROM p_roster_problems", [])?;
        let mut m = tx.prepare_cached(
            "INSERT INTO p_members(member_id, name, role, approver, admin, added_by, added_at,
                                   sign_key, noise_key, signature, removed_at, deputy)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for JudgedMember {
            entry: e,
            removed_at,
            deputy,
        } in members
        {
            m.execute(params![
                e.member.id,
                e.member.name,
                e.member.role.as_str(),
                e.member.approver,
                e.member.admin,
                e.added_by,
                sql_time(e.added_at),
                e.sign_key,
                e.noise_key,
                e.signature,
                removed_at.map(sql_time),
                deputy
            ])?;
        }
        let mut p = tx.prepare_cached(
            "INSERT INTO p_roster_problems(member_id, name, why) VALUES (?1, ?2, ?3)",
        )?;
        for problem in problems {
            p.execute(params![problem.member_id, problem.name, problem.why])?;
        }
        // The index changes by a batch or two at a time and holds some 250 a year: only the rows
        // that differ are written.
        type Row = (String, String, i64, String, String);
        let mut held: HashMap<String, Row> = tx
            .prepare_cached(
                "SELECT batch_id, process, label, fiscal_year, created_by, created_at FROM p_batches",
            )?
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?),
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut b = tx.prepare_cached(
            "INSERT OR REPLACE INTO p_batches(batch_id, process, label, fiscal_year, created_by,
                                              created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for r in batches {
            let row: Row = (
                r.process.code().to_string(),
                r.label.clone(),
                i64::from(r.fiscal_year),
                r.created_by.clone(),
                sql_time(r.created_at),
            );
            if held.remove(&r.batch_id).is_some_and(|was| was == row) {
                continue;
            }
            b.execute(params![r.batch_id, row.0, row.1, row.2, row.3, row.4])?;
        }
        let mut gone = tx.prepare_cached("DELETE FROM p_batches WHERE batch_id = ?1")?;
        for batch_id in held.keys() {
            gone.execute([batch_id])?;
        }
        Ok(())
    }

    /// Replaces one batch's sign-off and board projections with what its document holds.
    /// `standings` holds what this laptop makes of each sign-off (in log order); only entries that
    /// count derive the workflow state. `judged` adds what the caller found wrong with the batch's
    /// other records (lists, notes, its meta), shown beside its tampering.
    pub fn project_batch(
        &self,
        batch: &Batch,
        standings: &[Standing],
        judged: &[String],
    ) -> Result<()> {
        let tx = self.sql();
        let id = &batch.meta.batch_id;
        tx.prepare_cached("DELETE FROM p_signoffs WHERE batch_id = ?1")?
            .execute([id])?;
        tx.prepare_cached("DELETE FROM p_board WHERE batch_id = ?1")?
            .execute([id])?;
        // What a list's rows held is kept: a list never changes (see `readable_rows`).
        tx.prepare_cached(
            "DELETE FROM p_problems WHERE doc_id = ?1
             AND (entry_id IS NULL OR (entry_id NOT LIKE 'list:%' AND entry_id NOT LIKE 'sheet:%'))",
        )?
        .execute([id])?;
        let mut p = tx
            .prepare_cached("INSERT INTO p_problems(doc_id, entry_id, what) VALUES (?1, ?2, ?3)")?;
        for what in batch.problems.iter().chain(judged) {
            p.execute(params![id, Option::<String>::None, what])?;
        }
        for (e, prov) in batch.signoffs.iter().zip(&batch.provenance) {
            for what in &prov.tampered {
                p.execute(params![id, e.id, what])?;
            }
        }
        let mut s = tx.prepare_cached(
            "INSERT INTO p_signoffs(batch_id, seq, entry_id, step, action, by_member, at, counts, note, send_back, standing, marking)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        let mut counted = Vec::new();
        let mut counted_seq = Vec::new();
        for (seq, e) in batch.signoffs.iter().enumerate() {
            let standing = standings.get(seq).cloned().unwrap_or(Standing::Invalid {
                why: "not judged".into(),
            });
            if standing.counts() {
                counted.push(e.clone());
                counted_seq.push(seq);
            }
            let standing = serde_json::to_string(&standing).unwrap_or_default();
            let counts = serde_json::to_string(&e.counts).unwrap_or_else(|_| "{}".into());
            s.execute(params![
                id,
                seq as i64,
                e.id,
                e.step,
                e.action.as_str(),
                e.by,
                sql_time(e.at),
                counts,
                e.note,
                e.send_back,
                standing,
                e.marking
                    .as_ref()
                    .and_then(|m| serde_json::to_string(m).ok())
            ])?;
        }
        let mut b = tx.prepare_cached(
            "INSERT INTO p_board(batch_id, step, status, waiting, decisive_seq, awaiting_review)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for st in derive(batch.meta.process.process(), &counted) {
            let waiting = serde_json::to_string(&st.waiting).unwrap_or_else(|_| "[]".into());
            b.execute(params![
                id,
                st.step,
                st.status.as_str(),
                waiting,
                st.decisive.map(|i| counted_seq[i] as i64),
                st.awaiting_review
            ])?;
        }
        Ok(())
    }

    /// Empties every projection; the caller projects each document again.
    pub fn clear_projections(&self) -> Result<()> {
        for t in TABLES.iter().chain(&crate::register::TABLES) {
            self.sql().execute(&format!("DELETE FROM {t}"), [])?;
        }
        self.sql()
            .execute("DELETE FROM local WHERE key LIKE 'projected:%'", [])?;
        Ok(())
    }

    /// What a batch's projection was made from (`mark`: the roster's and the document's digests),
    /// if it was made since the projections were last cleared.
    pub fn projected_from(&self, batch_doc: &DocumentId) -> Result<Option<String>> {
        self.local(&format!("projected:{batch_doc}"))
    }

    pub fn set_projected_from(&self, batch_doc: &DocumentId, mark: &str) -> Result<()> {
        self.set_local(&format!("projected:{batch_doc}"), mark)
    }

    /// Every projection row, as text, for comparing a rebuilt projection with the original.
    pub fn projection_dump(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for t in TABLES.iter().chain(&crate::register::TABLES) {
            let mut stmt = self.sql().prepare(&format!("SELECT * FROM {t}"))?;
            let n = stmt.column_count();
            let rows = stmt.query_map([], |r| {
                let cells: Vec<String> = (0..n)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<rusqlite::Result<_>>()?;
                Ok(format!("{t}: {}", cells.join(" | ")))
            })?;
            for row in rows {
                out.push(row?);
            }
        }
        // Rows in a canonical order: a rebuild may insert them in another.
        out.sort();
        Ok(out)
    }

    /// The current members: entries that hold, without those removed.
    pub fn members(&self) -> Result<Vec<RosterEntry>> {
        let mut stmt = self.sql().prepare_cached(
            "SELECT member_id, name, role, approver, admin, added_by, added_at, sign_key, noise_key, signature
             FROM p_members WHERE removed_at IS NULL ORDER BY added_at, member_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(RosterEntry {
                member: Member {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    role: r.get::<_, String>(2)?.parse().map_err(text_error)?,
                    approver: r.get(3)?,
                    admin: r.get(4)?,
                },
                added_by: r.get(5)?,
                added_at: parse_time(&r.get::<_, String>(6)?)?,
                sign_key: r.get(7)?,
                noise_key: r.get(8)?,
                signature: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The members removed from the roster, by id.
    pub fn removed_members(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .sql()
            .prepare_cached("SELECT member_id FROM p_members WHERE removed_at IS NOT NULL")?;
        let ids = stmt.query_map([], |r| r.get(0))?;
        Ok(ids.collect::<rusqlite::Result<_>>()?)
    }

    /// The current members who are deputies (代決者), as the roster was last judged.
    pub fn deputies(&self) -> Result<Vec<String>> {
        let mut stmt = self.sql().prepare_cached(
            "SELECT member_id FROM p_members WHERE deputy AND removed_at IS NULL ORDER BY member_id",
        )?;
        let ids = stmt.query_map([], |r| r.get(0))?;
        Ok(ids.collect::<rusqlite::Result<_>>()?)
    }

    /// Roster entries that do not hold, and why.
    pub fn roster_problems(&self) -> Result<Vec<RosterProblem>> {
        let mut stmt = self.sql().prepare_cached(
            "SELECT member_id, name, why FROM p_roster_problems ORDER BY member_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(RosterProblem {
                member_id: r.get(0)?,
                name: r.get(1)?,
                why: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The batch with the id `batch_id`, if the index holds it (one lookup, not a read of them all).
    pub fn batch(&self, batch_id: &str) -> Result<Option<BatchRef>> {
        let mut stmt = self.sql().prepare_cached(
            "SELECT batch_id, process, label, fiscal_year, created_by, created_at FROM p_batches
             WHERE batch_id = ?1",
        )?;
        Ok(stmt.query_row([batch_id], batch_ref).optional()?)
    }

    pub fn batches(&self) -> Result<Vec<BatchRef>> {
        let mut stmt = self.sql().prepare_cached(
            "SELECT batch_id, process, label, fiscal_year, created_by, created_at FROM p_batches
             ORDER BY created_at, batch_id",
        )?;
        let rows = stmt.query_map([], batch_ref)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The board, read from the projections: every batch (or one) with every step's state.
    pub fn board(&self, only: Option<&str>) -> Result<Vec<BoardBatch>> {
        let batches = match only {
            Some(id) => self.batch(id)?.into_iter().collect(),
            None => self.batches()?,
        };
        self.board_of(batches)
    }

    /// 今の業務: the board without the batches of fiscal years before `fiscal_year` whose every step
    /// is done and none awaits an approver's review, and of `closed` years (which take no entries);
    /// and how many were left out. Five years of an office are some 250 batches; the clerk works on
    /// a few. Read without touching the batches left out beyond their steps' states.
    pub fn working_board(
        &self,
        fiscal_year: i32,
        closed: &[i32],
    ) -> Result<(Vec<BoardBatch>, usize)> {
        // A batch of a year gone by is shown unless its every step is finished (one that has no
        // steps is shown: something is wrong with it): its own steps are read, not the whole board.
        let mut stmt = self.sql().prepare_cached(
            "SELECT batch_id, process, label, fiscal_year, created_by, created_at FROM p_batches b
             WHERE fiscal_year NOT IN (SELECT value FROM json_each(?2))
               AND (fiscal_year >= ?1 OR (
                 SELECT min(s.status IN ('done', 'verified', 'approved') AND NOT s.awaiting_review)
                 FROM p_board s WHERE s.batch_id = b.batch_id) IS NOT 1)
             ORDER BY created_at, batch_id",
        )?;
        let closed: Vec<String> = closed.iter().map(i32::to_string).collect();
        let closed = format!("[{}]", closed.join(","));
        let working = stmt
            .query_map(params![fiscal_year, closed], batch_ref)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let all: usize = self
            .sql()
            .query_row("SELECT count(*) FROM p_batches", [], |r| r.get(0))?;
        let left_out = all.saturating_sub(working.len());
        Ok((self.board_of(working)?, left_out))
    }

    fn board_of(&self, batches: Vec<BatchRef>) -> Result<Vec<BoardBatch>> {
        let mut out = Vec::new();
        // Every batch's problems in one read (a board of a hundred batches is a hundred fewer).
        let mut problems: HashMap<String, Vec<String>> = HashMap::new();
        {
            let mut stmt = self.sql().prepare_cached(
                "SELECT doc_id, what FROM p_problems
                 WHERE entry_id IS NULL OR entry_id LIKE 'list:%' OR entry_id LIKE 'sheet:%'
                 ORDER BY rowid",
            )?;
            for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))? {
                let (doc, what) = row?;
                problems.entry(doc).or_default().push(what);
            }
        }
        for batch in batches {
            let signoffs = self.signoff_views(&batch.batch_id)?;
            let process = batch.process.process();
            let mut stmt = self.sql().prepare_cached(
                "SELECT step, status, waiting, decisive_seq, awaiting_review FROM p_board
                 WHERE batch_id = ?1 ORDER BY step",
            )?;
            let rows = stmt.query_map([&batch.batch_id], |r| {
                Ok((
                    r.get::<_, u8>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, bool>(4)?,
                ))
            })?;
            let mut steps = Vec::new();
            for row in rows {
                let (no, status, waiting, decisive, awaiting_review) = row?;
                let Some(step) = process.step(no) else {
                    continue;
                };
                let status = Status::parse(&status)
                    .ok_or_else(|| text_error(format!("unknown status {status:?}")))?;
                steps.push(BoardStep {
                    step: no,
                    ja: step.ja,
                    en: step.en,
                    kind: step.kind,
                    by_role: step.by,
                    subject: step.subject,
                    status,
                    waiting: waiting_from_json(&waiting).map_err(text_error)?,
                    decisive: decisive.and_then(|d| signoffs.iter().find(|s| s.seq == d).cloned()),
                    history: signoffs.iter().filter(|s| s.step == no).cloned().collect(),
                    awaiting_review,
                    may: None,
                    asks: Vec::new(),
                });
            }
            let tampering = problems.remove(&batch.batch_id).unwrap_or_default();
            out.push(BoardBatch {
                batch,
                steps,
                tampering,
            });
        }
        Ok(out)
    }

    /// Records problems found in a document that is not projected otherwise (the office document,
    /// or a batch document that cannot be read at all).
    pub fn project_problems(&self, doc_id: &str, problems: &[String]) -> Result<()> {
        self.sql()
            .prepare_cached("DELETE FROM p_problems WHERE doc_id = ?1")?
            .execute([doc_id])?;
        let mut insert = self.sql().prepare_cached(
            "INSERT INTO p_problems(doc_id, entry_id, what) VALUES (?1, NULL, ?2)",
        )?;
        for what in problems {
            insert.execute(params![doc_id, what])?;
        }
        Ok(())
    }

    /// When `member` signed each of their entries this laptop holds (for the header's 未同期の記録).
    pub fn signed_by(&self, member: &str) -> Result<Vec<DateTime<Utc>>> {
        let mut stmt = self
            .sql()
            .prepare_cached("SELECT at FROM p_signoffs WHERE by_member = ?1")?;
        let times = stmt.query_map([member], |r| parse_time(&r.get::<_, String>(0)?))?;
        Ok(times.collect::<rusqlite::Result<_>>()?)
    }

    fn signoff_views(&self, batch_id: &str) -> Result<Vec<SignOffView>> {
        let mut stmt = self.sql().prepare_cached(
            "SELECT s.seq, s.entry_id, s.step, s.action, s.by_member, coalesce(m.name, s.by_member),
                    s.at, s.counts, s.note, s.send_back, s.standing,
                    (SELECT json_group_array(p.what) FROM p_problems p
                     WHERE p.doc_id = s.batch_id AND p.entry_id = s.entry_id),
                    s.marking
             FROM p_signoffs s LEFT JOIN p_members m ON m.member_id = s.by_member
             WHERE s.batch_id = ?1 ORDER BY s.seq",
        )?;
        let rows = stmt.query_map([batch_id], signoff_view)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn batch_ref(r: &Row<'_>) -> rusqlite::Result<BatchRef> {
    Ok(BatchRef {
        batch_id: r.get(0)?,
        process: r
            .get::<_, String>(1)?
            .parse::<ProcessId>()
            .map_err(conversion)?,
        label: r.get(2)?,
        fiscal_year: r.get(3)?,
        created_by: r.get(4)?,
        created_at: parse_time(&r.get::<_, String>(5)?)?,
        nonce: String::new(),
        signature: String::new(),
    })
}

fn signoff_view(r: &Row<'_>) -> rusqlite::Result<SignOffView> {
    Ok(SignOffView {
        seq: r.get(0)?,
        id: r.get(1)?,
        step: r.get(2)?,
        action: r.get::<_, String>(3)?.parse().map_err(text_error)?,
        by: r.get(4)?,
        by_name: r.get(5)?,
        at: parse_time(&r.get::<_, String>(6)?)?,
        counts: serde_json::from_str(&r.get::<_, String>(7)?).map_err(conversion)?,
        note: r.get(8)?,
        send_back: r.get(9)?,
        standing: serde_json::from_str(&r.get::<_, String>(10)?).map_err(conversion)?,
        tampered: serde_json::from_str(&r.get::<_, String>(11)?).map_err(conversion)?,
        marking: r
            .get::<_, Option<String>>(12)?
            .map(|m| serde_json::from_str(&m))
            .transpose()
            .map_err(conversion)?,
    })
}

fn waiting_from_json(s: &str) -> std::result::Result<Vec<Waiting>, String> {
    serde_json::from_str(s).map_err(|e| e.to_string())
}
