//! The voucher register (受診券リスト) as a projection: every voucher of every production list, and what
//! happened to it (pulled out, returned, reissued, inquiries, checkup taken), derived from the batch
//! documents and their lists.

use crate::docs::batch::Batch;
use crate::error::Result;
use crate::home::Tx;
use chrono::NaiveDate;
use kenshin_domain::age::age_on;
use kenshin_domain::dates::era_long;
use kenshin_domain::evidence::{send_step, voucher_year};
use kenshin_domain::fiscal::fiscal_year_end;
use kenshin_domain::register::{EventKind, NoteKind, VoucherStatus};
use kenshin_domain::rows::{CheckupResult, CoverageLoss, Pullout, ReissueSheet, Returned, Subject};
use kenshin_domain::text::{kana_key, name_key, Query};
use kenshin_domain::ListKind;
use rusqlite::{params, OptionalExtension, Row, ToSql};
use serde::Serialize;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS p_vouchers (
    voucher_no  TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    batch_id    TEXT NOT NULL,
    name        TEXT NOT NULL,
    kana        TEXT NOT NULL,
    birth       TEXT NOT NULL,
    sex         TEXT NOT NULL,
    postal      TEXT NOT NULL,
    address     TEXT NOT NULL,
    kana_key    TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    PRIMARY KEY (voucher_no, fiscal_year)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS p_voucher_events (
    voucher_no  TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    batch_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    on_date     TEXT,
    detail      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS p_register_counts (
    prefix      TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (prefix, fiscal_year)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS p_voucher_events_voucher ON p_voucher_events(voucher_no, fiscal_year);
CREATE INDEX IF NOT EXISTS p_voucher_events_batch ON p_voucher_events(batch_id);
";

/// The register's search indexes, apart so that a bulk load can build them after inserting.
/// `p_vouchers_in_order` is the register in its order (year, kana, number) with every column: a page
/// of a year or of a kana prefix reads its rows from it alone, a few pages of the file, where rows
/// read from the table by number lay each on a page of its own (a kana lookup's p99 at five years
/// of 150,000: 1.4 ms, now 0.25 ms). It costs disk and a list's projection: see PERFORMANCE.md.
pub(crate) const VOUCHER_INDEXES: &str = "
CREATE INDEX IF NOT EXISTS p_vouchers_in_order ON p_vouchers(fiscal_year, kana_key, voucher_no,
    batch_id, name, kana, birth, sex, postal, address, name_key);
CREATE INDEX IF NOT EXISTS p_vouchers_name ON p_vouchers(name_key);
CREATE INDEX IF NOT EXISTS p_vouchers_postal ON p_vouchers(postal);
CREATE INDEX IF NOT EXISTS p_vouchers_batch ON p_vouchers(batch_id);
";

/// A load at least this large, and as large as what the register holds, builds the indexes afterwards:
/// sorting once is about twice as fast as 150,000 inserts in kana order.
const BULK_LOAD: usize = 10_000;

pub(crate) const TABLES: [&str; 3] = ["p_vouchers", "p_voucher_events", "p_register_counts"];

/// The register's vouchers are counted by fiscal year and by kana prefix up to this many characters
/// (`p_register_counts`; the empty prefix counts the year). A search's total is then a row a year:
/// counting read every match, and a prefix typed a character at a time matches many (サ: 94,212 in
/// the demo's five years of 150,000). A longer prefix (a surname and more) matches few and is
/// counted from the index.
const COUNTED_PREFIX: usize = 4;

/// Changes to `p_register_counts`, gathered over a write of the register and then written at once
/// (a batch projected again with the same vouchers writes none).
#[derive(Default)]
pub(crate) struct CountChanges(HashMap<(String, i32), i64>);

impl CountChanges {
    /// A voucher of `year` whose kana key is `kana` added (`by` 1) or removed (-1).
    fn add(&mut self, year: i32, kana: &str, by: i64) {
        // Where each prefix ends, from the empty one to the whole key.
        let ends = kana.char_indices().map(|(i, _)| i).chain([kana.len()]);
        for end in ends.take(COUNTED_PREFIX + 1) {
            *self.0.entry((kana[..end].to_string(), year)).or_default() += by;
        }
    }

    pub(crate) fn write(self, sql: &rusqlite::Transaction<'_>) -> Result<()> {
        let mut put = sql.prepare_cached(
            "INSERT INTO p_register_counts(prefix, fiscal_year, n) VALUES (?1, ?2, ?3)
             ON CONFLICT DO UPDATE SET n = n + excluded.n",
        )?;
        let mut gone = sql.prepare_cached(
            "DELETE FROM p_register_counts WHERE prefix = ?1 AND fiscal_year = ?2 AND n <= 0",
        )?;
        for ((prefix, year), by) in self.0 {
            if by != 0 {
                put.execute(params![prefix, year, by])?;
            }
            if by < 0 {
                gone.execute(params![prefix, year])?;
            }
        }
        Ok(())
    }
}

/// Counts the register again from its vouchers (a home from before `p_register_counts`), in one
/// transaction: another process writing the register meanwhile waits, whether it counts or not. The
/// prefixes are taken as every write takes them ([`CountChanges::add`]), not by SQLite's `substr`,
/// whose `length` stops at a NUL a peer's list may hold.
pub(crate) fn count_again(sql: &rusqlite::Connection) -> Result<()> {
    let tx = rusqlite::Transaction::new_unchecked(sql, rusqlite::TransactionBehavior::Immediate)?;
    tx.execute("DELETE FROM p_register_counts", [])?;
    let mut counts = CountChanges::default();
    {
        let mut vouchers = tx.prepare("SELECT fiscal_year, kana_key FROM p_vouchers")?;
        let mut rows = vouchers.query([])?;
        while let Some(r) = rows.next()? {
            counts.add(r.get(0)?, &r.get::<_, String>(1)?, 1);
        }
    }
    counts.write(&tx)?;
    Ok(tx.commit()?)
}

/// Something that happened to a voucher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct VoucherEvent {
    pub kind: EventKind,
    pub on: Option<NaiveDate>,
    pub detail: String,
    pub batch_id: String,
}

/// A voucher as the register shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RegisterEntry {
    #[serde(flatten)]
    pub subject: Subject,
    /// 生年月日 in the era calendar (昭和27年5月3日).
    pub birth_ja: String,
    /// 年度末年齢: the age on the fiscal year's last day, the day the target rule reads it.
    pub age: i32,
    pub fiscal_year: i32,
    pub batch_id: String,
    pub batch_label: String,
    pub process: String,
    pub status: VoucherStatus,
    pub events: Vec<VoucherEvent>,
}

/// A page of search results and how many matched in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Found {
    #[ts(type = "number")]
    pub total: u64,
    pub hits: Vec<RegisterEntry>,
    /// The page's places whose voucher is not shown (one of a batch this laptop does not hold),
    /// counted from the page's first place: they keep their place, so rows after them do not move.
    pub unshown: Vec<usize>,
}

/// A register row, by column position in `p_vouchers` (voucher_no, fiscal_year, batch_id, name, kana, birth,
/// sex, postal, address, kana_key, name_key), then the batch's label and process.
fn subject(r: &Row<'_>) -> rusqlite::Result<Subject> {
    let birth: String = r.get(5)?;
    Ok(Subject {
        voucher_no: r.get(0)?,
        name: r.get(3)?,
        kana: r.get(4)?,
        birth: birth.parse().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })?,
        sex: r.get(6)?,
        postal: r.get(7)?,
        address: r.get(8)?,
    })
}

/// The sheet number of a reissue event's detail ("20000001-R1 (申請番号)").
pub fn sheet_of(detail: &str) -> &str {
    detail.split(" (").next().unwrap_or(detail)
}

/// A batch as the register shows it: label, process, whether its vouchers were sent.
type BatchShown = (String, String, bool);

/// The batches the home's reads of the register showed, kept while no projection changed: the
/// home's own write transactions forget them (its lookups' notes in `access_pending` touch no
/// projection), and another connection's commit (the sync engine's, samod's) changes SQLite's
/// `data_version`.
#[derive(Default)]
pub(crate) struct ShownBatches {
    version: Option<i64>,
    batches: HashMap<String, Option<BatchShown>>,
}

impl ShownBatches {
    /// Forgets the batches kept when another connection committed since `version`.
    fn as_of(&mut self, version: i64) {
        if self.version != Some(version) {
            self.forget();
            self.version = Some(version);
        }
    }

    pub(crate) fn forget(&mut self) {
        self.version = None;
        self.batches.clear();
    }
}

/// How a page of the register finds its rows.
#[derive(Clone, Copy)]
enum Walk {
    /// Straight along an index whose rows come in the register's order and hold every column:
    /// `p_vouchers_in_order` for the vouchers of a year or of a kana prefix within it, the table's
    /// own key for one voucher number (a voucher a year, side by side).
    InOrder,
    /// Matches in another order (a postal code, a name, seven digits that may be either): the
    /// page is chosen from the matches' keys, then only its rows are read.
    ByKey,
}

/// How a page of the register reads its vouchers' events.
#[derive(Clone, Copy)]
enum EventsRead {
    /// Each voucher's own (a page, or a few hits).
    EachVoucher,
    /// The year's at once (every voucher of that year).
    TheYear(i32),
}

/// The query of a page of the register: its vouchers in the register's order (newest year, kana,
/// number), each with whether it has events. `filter` takes `args` parameters; the limit and offset
/// follow. Their batches are read apart, once each: a join first walked every voucher of every batch.
fn page_sql(walk: Walk, filter: &str, args: usize) -> String {
    let (limit, offset) = (args + 1, args + 2);
    let order = "ORDER BY v.fiscal_year DESC, v.kana_key, v.voucher_no";
    let page = format!("WHERE {filter} {order} LIMIT ?{limit} OFFSET ?{offset}");
    let from = match walk {
        Walk::InOrder => format!("p_vouchers v {page}"),
        Walk::ByKey => format!(
            "(SELECT voucher_no, fiscal_year FROM p_vouchers v {page}) page
             JOIN p_vouchers v USING (voucher_no, fiscal_year) {order}"
        ),
    };
    format!(
        "SELECT v.*, EXISTS (SELECT 1 FROM p_voucher_events e
             WHERE e.voucher_no = v.voucher_no AND e.fiscal_year = v.fiscal_year) FROM {from}"
    )
}

/// Upper bound for a prefix range over UTF-8 text.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

impl Tx<'_> {
    /// Writes a batch's vouchers and events into the register again. Returns the voucher numbers its
    /// production list shares with another batch of the same year, with that batch (those rows are not
    /// added): an import refuses on them; a rebuild keeps the first batch's.
    pub fn project_register(&self, batch: &Batch) -> Result<Vec<(String, String)>> {
        let production = match batch.current_list(ListKind::Production) {
            Some(list) => self.readable_rows::<Subject>(batch, list)?,
            None => Vec::new(),
        };
        let clashes = self.project_vouchers(batch, &production)?;
        self.project_events(batch)?;
        Ok(clashes)
    }

    /// Writes a batch's vouchers into the register from its production list's rows (given by an import
    /// that has them at hand, so 150,000 rows are not read back). Returns the clashes as
    /// `project_register` does.
    pub fn project_vouchers(
        &self,
        batch: &Batch,
        production: &[Subject],
    ) -> Result<Vec<(String, String)>> {
        let sql = self.sql();
        let id = batch.meta.batch_id.as_str();
        let (mut clashes, mut counts) = (Vec::new(), CountChanges::default());
        let removed = self.delete_vouchers(id, &mut counts)?;
        let year = voucher_year(batch.meta.process, batch.meta.fiscal_year);
        // What the register holds without the batch's old vouchers (their counts are not written yet).
        let bulk = production.len() >= BULK_LOAD
            && production.len() as u64 >= self.vouchers_held()?.saturating_sub(removed);
        if bulk {
            sql.execute_batch(
                "DROP INDEX p_vouchers_in_order; DROP INDEX p_vouchers_name;
                 DROP INDEX p_vouchers_postal; DROP INDEX p_vouchers_batch;",
            )?;
        }
        {
            let mut put = sql.prepare_cached(
                "INSERT INTO p_vouchers(voucher_no, fiscal_year, batch_id, name, kana, birth, sex,
                    postal, address, kana_key, name_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT DO NOTHING",
            )?;
            for s in production {
                let kana = kana_key(&s.kana);
                let added = put.execute(params![
                    s.voucher_no,
                    year,
                    id,
                    s.name,
                    s.kana,
                    s.birth.to_string(),
                    s.sex,
                    s.postal,
                    s.address,
                    kana,
                    name_key(&s.name),
                ])?;
                match added {
                    0 => clashes.push(s.voucher_no.clone()),
                    _ => counts.add(year, &kana, 1),
                }
            }
        }
        counts.write(sql)?;
        if bulk {
            sql.execute_batch(VOUCHER_INDEXES)?;
        }
        let clashes = clashes
            .into_iter()
            .map(|no| {
                let holder = self.voucher_batch(&no, year)?.unwrap_or_default();
                Ok((no, holder))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(clashes)
    }

    /// Deletes a batch's vouchers from the register, taking them from `counts`. Returns how many.
    pub(crate) fn delete_vouchers(&self, batch_id: &str, counts: &mut CountChanges) -> Result<u64> {
        let mut delete = self.sql().prepare_cached(
            "DELETE FROM p_vouchers WHERE batch_id = ?1 RETURNING fiscal_year, kana_key",
        )?;
        let mut rows = delete.query([batch_id])?;
        let mut removed = 0;
        while let Some(r) = rows.next()? {
            counts.add(r.get(0)?, &r.get::<_, String>(1)?, -1);
            removed += 1;
        }
        Ok(removed)
    }

    /// Writes what happened to a batch's vouchers (pull-outs, returns, reissues, inquiries, checkups) again.
    pub fn project_events(&self, batch: &Batch) -> Result<()> {
        let sql = self.sql();
        let id = batch.meta.batch_id.as_str();
        sql.prepare_cached("DELETE FROM p_voucher_events WHERE batch_id = ?1")?
            .execute([id])?;
        let year = voucher_year(batch.meta.process, batch.meta.fiscal_year);
        let mut event = sql.prepare_cached(
            "INSERT INTO p_voucher_events(voucher_no, fiscal_year, batch_id, kind, on_date, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut put = |no: &str, kind: EventKind, on: Option<NaiveDate>, detail: &str| {
            event.execute(params![
                no,
                year,
                id,
                kind.as_str(),
                on.map(|d| d.to_string()),
                detail
            ])
        };
        if let Some(list) = batch.current_list(ListKind::Pullouts) {
            for p in self.readable_rows::<Pullout>(batch, list)? {
                put(&p.voucher_no, EventKind::PulledOut, None, &p.reason)?;
            }
        }
        for list in batch.lists_of(ListKind::Returned) {
            for r in self.readable_rows::<Returned>(batch, list)? {
                put(
                    &r.voucher_no,
                    EventKind::Returned,
                    Some(r.returned_on),
                    &r.reason,
                )?;
            }
        }
        if let Some(list) = batch.current_list(ListKind::Reissues) {
            for s in self.readable_rows::<ReissueSheet>(batch, list)? {
                let detail = format!("{} ({})", s.sheet_no, s.application_no);
                put(&s.voucher_no, EventKind::Reissued, None, &detail)?;
            }
        }
        // Loss lists add up month by month; a later list naming a voucher again corrects it.
        let mut losses: BTreeMap<String, CoverageLoss> = BTreeMap::new();
        for list in batch.lists_of(ListKind::CoverageLoss) {
            for l in self.readable_rows::<CoverageLoss>(batch, list)? {
                losses.insert(l.voucher_no.clone(), l);
            }
        }
        for l in losses.values() {
            put(
                &l.voucher_no,
                EventKind::CoverageLost,
                Some(l.lost_on),
                &l.reason,
            )?;
        }
        if let Some(list) = batch.current_list(ListKind::CheckupResults) {
            for c in self.readable_rows::<CheckupResult>(batch, list)? {
                put(
                    &c.voucher_no,
                    EventKind::CheckupTaken,
                    Some(c.checked_on),
                    "",
                )?;
            }
        }
        for n in &batch.notes {
            let (kind, detail) = match n.kind {
                NoteKind::Inquiry => (EventKind::Inquiry, format!("{}: {}", n.from, n.text)),
                NoteKind::Returned => (EventKind::Returned, n.text.clone()),
            };
            put(&n.voucher_no, kind, Some(n.on), &detail)?;
        }
        drop(event);
        self.note_doubled_sheets(batch)
    }

    /// Two laptops that reissued one voucher offline each made its next sheet: after the merge
    /// the register holds one sheet number from two batches. Each such sheet is a problem on every
    /// batch that made it, found again over the whole register whenever a reissue batch is
    /// projected (so one resolved on either side goes from both), never taken as both valid.
    fn note_doubled_sheets(&self, batch: &Batch) -> Result<()> {
        if batch.meta.process != kenshin_domain::ProcessId::Reissue {
            return Ok(());
        }
        let sql = self.sql();
        sql.execute("DELETE FROM p_problems WHERE entry_id LIKE 'sheet:%'", [])?;
        // A reissue event's detail is "<sheet> (<application>)".
        let mut stmt = sql.prepare_cached(
            "WITH sheets AS (
                SELECT DISTINCT batch_id, fiscal_year,
                       substr(detail, 1, instr(detail || ' (', ' (') - 1) AS sheet
                FROM p_voucher_events WHERE kind = 'reissued')
             SELECT s.batch_id, s.sheet FROM sheets s
             WHERE EXISTS (SELECT 1 FROM sheets o WHERE o.sheet = s.sheet
                           AND o.fiscal_year = s.fiscal_year AND o.batch_id <> s.batch_id)",
        )?;
        let doubled = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut put = sql
            .prepare_cached("INSERT INTO p_problems(doc_id, entry_id, what) VALUES (?1, ?2, ?3)")?;
        for (doc, sheet) in doubled {
            let what = format!(
                "再交付の二重発行: {sheet} が別のバッチでも作成されています。どちらかの作成（工程5）を差し戻すまで、この券は「要確認」と答えます"
            );
            put.execute(params![doc, format!("sheet:{sheet}"), what])?;
        }
        Ok(())
    }

    /// The day (UTC instant) a batch's vouchers were mailed: when its send step became complete.
    pub fn sent_at(&self, batch_id: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        let process: Option<String> = self
            .sql()
            .query_row(
                "SELECT process FROM p_batches WHERE batch_id = ?1",
                [batch_id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(step) = process.and_then(|p| p.parse().ok()).and_then(send_step) else {
            return Ok(None);
        };
        let at: Option<String> = self
            .sql()
            .query_row(
                "SELECT s.at FROM p_board b JOIN p_signoffs s
                    ON s.batch_id = b.batch_id AND s.seq = b.decisive_seq
                 WHERE b.batch_id = ?1 AND b.step = ?2 AND b.status IN ('done', 'verified', 'approved')",
                params![batch_id, step],
                |r| r.get(0),
            )
            .optional()?;
        Ok(at.and_then(|t| t.parse().ok()))
    }

    /// A list's rows for the register; a list that does not read (a member signed a reference to a
    /// broken document) is shown on its batch and projects nothing, so it never stops the office.
    fn readable_rows<R: kenshin_domain::rows::Row>(
        &self,
        batch: &Batch,
        list: &crate::ListRef,
    ) -> Result<Vec<R>> {
        match self.list_rows::<R>(list) {
            Ok(rows) => Ok(rows),
            Err(crate::StoreError::Shape { why, .. }) => {
                // A list never changes, so neither does this: kept until projections are rebuilt.
                self.sql().execute(
                    "INSERT INTO p_problems(doc_id, entry_id, what) SELECT ?1, ?2, ?3
                     WHERE NOT EXISTS (SELECT 1 FROM p_problems WHERE doc_id = ?1 AND entry_id = ?2)",
                    params![
                        batch.meta.batch_id,
                        format!("list:{}", list.doc_id),
                        format!("リスト {} ({}) は読めません: {why}", list.doc_id, list.list_kind.ja())
                    ],
                )?;
                Ok(Vec::new())
            }
            Err(e) => Err(e),
        }
    }

    /// A batch's label, when the home knows the batch.
    pub fn batch_label(&self, batch_id: &str) -> Result<Option<String>> {
        Ok(self
            .sql()
            .query_row(
                "SELECT label FROM p_batches WHERE batch_id = ?1",
                [batch_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Each voucher (number, fiscal year) whose holder lost coverage on or before `by`, as the loss
    /// lists that count here say (資格喪失者), by fiscal year.
    pub fn coverage_lost_by(&self, by: NaiveDate) -> Result<BTreeMap<i32, BTreeSet<String>>> {
        let mut stmt = self.sql().prepare_cached(
            "SELECT DISTINCT voucher_no, fiscal_year FROM p_voucher_events
             WHERE kind = ?1 AND on_date <= ?2",
        )?;
        let rows = stmt.query_map(
            params![EventKind::CoverageLost.as_str(), by.to_string()],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i32>(1)?)),
        )?;
        let mut out: BTreeMap<i32, BTreeSet<String>> = BTreeMap::new();
        for row in rows {
            let (no, year) = row?;
            out.entry(year).or_default().insert(no);
        }
        Ok(out)
    }

    /// The batch holding a voucher number in a year.
    pub fn voucher_batch(&self, voucher_no: &str, fiscal_year: i32) -> Result<Option<String>> {
        Ok(self
            .sql()
            .query_row(
                "SELECT batch_id FROM p_vouchers WHERE voucher_no = ?1 AND fiscal_year = ?2",
                params![voucher_no, fiscal_year],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// One voucher of a year, with its history.
    pub fn register_entry(
        &self,
        voucher_no: &str,
        fiscal_year: i32,
    ) -> Result<Option<RegisterEntry>> {
        let (found, _) = self.register_query(
            "v.voucher_no = ?1 AND v.fiscal_year = ?2",
            &[&voucher_no, &fiscal_year],
            0,
            1,
            Walk::InOrder,
            EventsRead::EachVoucher,
        )?;
        Ok(found.into_iter().next())
    }

    /// Searches the register: by voucher number (and postal code, for 7 digits), kana prefix, name prefix or
    /// postal code. Returns at most `limit` entries, newest year first, and how many matched.
    pub fn find_vouchers(
        &self,
        query: Option<&Query>,
        offset: usize,
        limit: usize,
    ) -> Result<Found> {
        let (filter, args, walk): (&str, Vec<String>, Walk) = match query {
            None => ("1 = 1", Vec::new(), Walk::InOrder),
            Some(Query::Number { digits }) if digits.len() == 7 => (
                "(v.voucher_no = ?1 OR v.postal = ?1)",
                vec![digits.clone()],
                Walk::ByKey,
            ),
            Some(Query::Number { digits }) => {
                ("v.voucher_no = ?1", vec![digits.clone()], Walk::InOrder)
            }
            Some(Query::Postal(p)) => ("v.postal = ?1", vec![p.clone()], Walk::ByKey),
            Some(Query::Kana(k)) => (
                "v.kana_key >= ?1 AND v.kana_key < ?2",
                vec![k.clone(), prefix_end(k)],
                Walk::InOrder,
            ),
            Some(Query::Name(n)) => (
                "v.name_key >= ?1 AND v.name_key < ?2",
                vec![n.clone(), prefix_end(n)],
                Walk::ByKey,
            ),
        };
        let args: Vec<&dyn ToSql> = args.iter().map(|a| a as &dyn ToSql).collect();
        match query {
            None => return self.find_by_year(filter, &args, "", offset, limit),
            Some(Query::Kana(k)) => return self.find_by_year(filter, &args, k, offset, limit),
            _ => {}
        }
        let read = EventsRead::EachVoucher;
        let (hits, unshown) = self.register_query(filter, &args, offset, limit, walk, read)?;
        // A first page that is not full holds every match (a lookup by number, mostly).
        let places = hits.len() + unshown.len();
        let total = match offset == 0 && places < limit {
            true => places as u64,
            false => self.count_where(filter, &args)?,
        };
        Ok(Found {
            total,
            hits,
            unshown,
        })
    }

    /// A search read a fiscal year at a time, newest first, each year's matches in kana order from
    /// the index that leads with the year: a page reads its own rows, where sorting every year's
    /// matches read them all (a blank page of the register at five years of 150,000 sorted 750,000
    /// keys: 180 ms against 15 ms at one year). `prefix` is the kana searched ("": every voucher).
    /// Each year's matches are counted from `p_register_counts` (a prefix longer than it keeps, from
    /// the index): the total, and the years a page deep in the register passes over whole. Within
    /// its year a page starts where those counts say ([`Tx::page_start`]).
    fn find_by_year(
        &self,
        filter: &str,
        args: &[&dyn ToSql],
        prefix: &str,
        mut skip: usize,
        limit: usize,
    ) -> Result<Found> {
        let filter = format!("v.fiscal_year = ?{} AND {filter}", args.len() + 1);
        let from_key = format!("{filter} AND v.kana_key >= ?{}", args.len() + 2);
        let counted = prefix.chars().count() <= COUNTED_PREFIX;
        let years: Vec<(i32, u64)> = self
            .sql()
            .prepare_cached(
                "SELECT fiscal_year, n FROM p_register_counts WHERE prefix = ?1
                 ORDER BY fiscal_year DESC",
            )?
            .query_map([if counted { prefix } else { "" }], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        // `left`: the page's places not taken yet, whether their voucher is shown or not (one of
        // a batch the home does not hold is not), so that pages do not move.
        let (mut total, mut hits, mut unshown, mut left) = (0, Vec::new(), Vec::new(), limit);
        for (year, n) in years {
            let mut with_year = args.to_vec();
            with_year.push(&year);
            let matched = match counted {
                true => n,
                false => self.count_where(&filter, &with_year)?,
            };
            total += matched;
            if matched <= skip as u64 {
                skip -= matched as usize;
            } else if left > 0 {
                let (walk, read) = (Walk::InOrder, EventsRead::EachVoucher);
                let (page, unshown_here) = match counted && skip > 0 {
                    true => {
                        let (key, skip) = self.page_start(year, prefix, skip as u64)?;
                        with_year.push(&key);
                        self.register_query(&from_key, &with_year, skip as usize, left, walk, read)?
                    }
                    false => self.register_query(&filter, &with_year, skip, left, walk, read)?,
                };
                // Places are counted from the page's first, as the window lays them out.
                let (taken, places) = (hits.len() + unshown.len(), page.len() + unshown_here.len());
                unshown.extend(unshown_here.into_iter().map(|p| taken + p));
                hits.extend(page);
                let here = usize::try_from(matched - skip as u64).unwrap_or(usize::MAX);
                left -= left.min(here.max(places));
                skip = 0;
            }
        }
        Ok(Found {
            total,
            hits,
            unshown,
        })
    }

    /// Where a page that skips `skip` of `prefix`'s matches in `year` starts: the kana key its group
    /// starts at, and how many matches of the group come before it. The counts are walked down a
    /// character at a time (a key equal to the prefix sorts before the longer ones). OFFSET walked
    /// every voucher before the page, 75,000 for one in the middle of a year of 150,000 (a page
    /// anywhere at one year: 2.3 ms, now 0.85 ms); now only those of its group.
    fn page_start(&self, year: i32, prefix: &str, mut skip: u64) -> Result<(String, u64)> {
        let mut exact = self.sql().prepare_cached(
            "SELECT count(*) FROM p_vouchers WHERE fiscal_year = ?1 AND kana_key = ?2",
        )?;
        let mut next = self.sql().prepare_cached(
            "SELECT prefix, n FROM p_register_counts
             WHERE prefix > ?1 AND prefix < ?2 AND fiscal_year = ?3 ORDER BY prefix LIMIT 1",
        )?;
        let mut at = prefix.to_string();
        'down: for _ in prefix.chars().count()..COUNTED_PREFIX {
            let equal: u64 = exact.query_row(params![year, at], |r| r.get(0))?;
            let mut left = match skip.checked_sub(equal) {
                Some(left) if left > 0 => left,
                _ => break,
            };
            // The groups one character longer, in order: each found past the last one's.
            let mut after = at.clone();
            while let Some((group, n)) = next
                .query_row(params![after, prefix_end(&at), year], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?))
                })
                .optional()?
            {
                if left < n {
                    (at, skip) = (group, left);
                    continue 'down;
                }
                left -= n;
                after = prefix_end(&group);
            }
            // Counts that do not add up: the page walks from here.
            break;
        }
        Ok((at, skip))
    }

    /// How many vouchers `filter` matches.
    fn count_where(&self, filter: &str, args: &[&dyn ToSql]) -> Result<u64> {
        Ok(self
            .sql()
            .prepare_cached(&format!("SELECT count(*) FROM p_vouchers v WHERE {filter}"))?
            .query_row(args, |r| r.get(0))?)
    }

    /// Every voucher of a year, for lists made from the register (encouragement).
    pub fn register_year(&self, fiscal_year: i32) -> Result<Vec<RegisterEntry>> {
        let read = EventsRead::TheYear(fiscal_year);
        let args: [&dyn ToSql; 1] = [&fiscal_year];
        let (entries, _) = self.register_query(
            "v.fiscal_year = ?1",
            &args,
            0,
            usize::MAX,
            Walk::InOrder,
            read,
        )?;
        Ok(entries)
    }

    /// A batch's label, process and whether its vouchers were sent, as the register shows them; none
    /// for a batch the home does not hold (its vouchers are not shown).
    fn batch_shown(&self, batch_id: &str) -> Result<Option<BatchShown>> {
        let row = |r: &Row<'_>| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?));
        let found = self
            .sql()
            .prepare_cached("SELECT label, process FROM p_batches WHERE batch_id = ?1")?
            .query_row([batch_id], row)
            .optional()?;
        let Some((label, process)) = found else {
            return Ok(None);
        };
        let was_sent = match process.parse().ok().and_then(send_step) {
            Some(step) => self
                .sql()
                .prepare_cached(
                    "SELECT status IN ('done', 'verified', 'approved') FROM p_board
                     WHERE batch_id = ?1 AND step = ?2",
                )?
                .query_row(params![batch_id, step], |r| r.get::<_, bool>(0))
                .optional()?
                .unwrap_or(false),
            None => false,
        };
        Ok(Some((label, process, was_sent)))
    }

    /// A page of the register, and its places whose voucher is not shown (one of a batch the home
    /// does not hold), counted from the page's first.
    fn register_query(
        &self,
        filter: &str,
        args: &[&dyn ToSql],
        offset: usize,
        limit: usize,
        walk: Walk,
        read: EventsRead,
    ) -> Result<(Vec<RegisterEntry>, Vec<usize>)> {
        let mut stmt = self
            .sql()
            .prepare_cached(&page_sql(walk, filter, args.len()))?;
        let (limit, offset) = (
            i64::try_from(limit).unwrap_or(i64::MAX),
            i64::try_from(offset).unwrap_or(i64::MAX),
        );
        let mut args = args.to_vec();
        args.extend([&limit as &dyn ToSql, &offset]);
        let rows = stmt.query_map(args.as_slice(), |r| {
            Ok((
                subject(r)?,
                r.get::<_, i32>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(11)?,
            ))
        })?;
        let rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        // Columns of p_voucher_events: voucher_no, fiscal_year, batch_id, kind, on_date, detail.
        let event = |r: &Row<'_>| -> rusqlite::Result<(String, VoucherEvent)> {
            let kind: String = r.get(3)?;
            let on: Option<String> = r.get(4)?;
            Ok((
                r.get(0)?,
                VoucherEvent {
                    kind: kind.parse().map_err(crate::projection::text_error)?,
                    on: on.and_then(|d| d.parse().ok()),
                    detail: r.get(5)?,
                    batch_id: r.get(2)?,
                },
            ))
        };
        // A whole year reads the year's events once; a page, each voucher its own.
        let mut by_voucher: HashMap<(String, i32), Vec<VoucherEvent>> = HashMap::new();
        if let EventsRead::TheYear(year) = read {
            let mut stmt = self.sql().prepare_cached(
                "SELECT * FROM p_voucher_events WHERE fiscal_year = ?1 ORDER BY on_date, rowid",
            )?;
            for e in stmt.query_map([year], event)? {
                let (no, e) = e?;
                by_voucher.entry((no, year)).or_default().push(e);
            }
        }
        let mut events = self.sql().prepare_cached(
            "SELECT * FROM p_voucher_events WHERE voucher_no = ?1 AND fiscal_year = ?2 ORDER BY on_date, rowid",
        )?;
        // The batches shown are kept between reads while the home is unchanged: a lookup by number
        // at five years shows a voucher of each year's annual batch, and reading five batches' label
        // and board took a fifth of its time. The data version is read in this read's snapshot.
        let mut own = HashMap::new();
        let mut kept = match self.shown {
            Some(home) => {
                let version = self
                    .sql()
                    .pragma_query_value(None, "data_version", |r| r.get(0))?;
                let mut kept = home
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                kept.as_of(version);
                Some(kept)
            }
            None => None,
        };
        let batches = match kept.as_deref_mut() {
            Some(kept) => &mut kept.batches,
            None => &mut own,
        };
        let today = chrono::Local::now().date_naive();
        let (mut entries, mut unshown) = (Vec::with_capacity(rows.len()), Vec::new());
        for (place, (subject, year, batch_id, has_events)) in rows.into_iter().enumerate() {
            let held = match batches.entry(batch_id.clone()) {
                Entry::Occupied(held) => held.into_mut(),
                Entry::Vacant(new) => new.insert(self.batch_shown(&batch_id)?),
            };
            let Some((label, process, was_sent)) = held.clone() else {
                unshown.push(place);
                continue;
            };
            let list = match read {
                // Most vouchers have none: the page says which, so only those are read.
                _ if !has_events => Vec::new(),
                EventsRead::TheYear(_) => by_voucher
                    .remove(&(subject.voucher_no.clone(), year))
                    .unwrap_or_default(),
                EventsRead::EachVoucher => events
                    .query_map(params![subject.voucher_no, year], event)?
                    .map(|e| e.map(|(_, e)| e))
                    .collect::<rusqlite::Result<Vec<_>>>()?,
            };
            // A loss of coverage shows from its day on.
            let now = list
                .iter()
                .filter(|e| e.kind != EventKind::CoverageLost || e.on.is_none_or(|d| d <= today))
                .map(|e| e.kind);
            let status = VoucherStatus::of(now, was_sent);
            entries.push(RegisterEntry {
                birth_ja: era_long(subject.birth),
                age: age_on(subject.birth, fiscal_year_end(year)),
                subject,
                fiscal_year: year,
                batch_id,
                batch_label: label,
                process,
                status,
                events: list,
            });
        }
        Ok((entries, unshown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page of a year, or of a kana prefix within it, reads its rows from the index in the
    /// register's order alone: none from the table, and no sort. It fails if the index lacks a
    /// column the page shows, or is not in the page's order.
    #[test]
    fn a_page_in_order_reads_the_index_alone() {
        let dir = tempfile::tempdir().unwrap();
        let mut home = crate::Home::open(dir.path()).unwrap();
        let kana = "v.kana_key >= ?1 AND v.kana_key < ?2";
        for (filter, args) in [
            ("v.fiscal_year = ?1 AND 1 = 1".to_string(), 1),
            (
                "v.fiscal_year = ?1 AND 1 = 1 AND v.kana_key >= ?2".into(),
                2,
            ),
            (format!("v.fiscal_year = ?3 AND {kana}"), 3),
            (
                format!("v.fiscal_year = ?3 AND {kana} AND v.kana_key >= ?4"),
                4,
            ),
        ] {
            let plan = plan_of(&mut home, &filter, args);
            let read = |what: &str| plan.iter().any(|step| step.contains(what));
            assert!(
                read("COVERING INDEX p_vouchers_in_order"),
                "{filter}: {plan:?}"
            );
            assert!(
                !read("PRIMARY KEY") && !read("TEMP B-TREE"),
                "{filter}: {plan:?}"
            );
        }
    }

    #[test]
    fn a_lookup_by_number_reads_its_years_along_the_key_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut home = crate::Home::open(dir.path()).unwrap();
        for (filter, args) in [
            ("v.voucher_no = ?1", 1),
            ("v.voucher_no = ?1 AND v.fiscal_year = ?2", 2),
        ] {
            let plan = plan_of(&mut home, filter, args);
            let read = |what: &str| plan.iter().any(|step| step.contains(what));
            assert!(read("USING PRIMARY KEY"), "{filter}: {plan:?}");
            assert!(
                !read("TEMP B-TREE") && !read("p_vouchers_in_order"),
                "{filter}: {plan:?}"
            );
        }
    }

    /// The steps of the plan of a page read in order with `filter`.
    fn plan_of(home: &mut crate::Home, filter: &str, args: usize) -> Vec<String> {
        let sql = format!(
            "EXPLAIN QUERY PLAN {}",
            page_sql(Walk::InOrder, filter, args)
        );
        home.read(|tx| -> Result<Vec<String>> {
            let mut stmt = tx.sql().prepare(&sql)?;
            // Unbound parameters: a plan needs none.
            let rows = stmt.raw_query().mapped(|r| r.get(3));
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .unwrap()
    }

    /// A voucher counts under its year and under each prefix of its kana key up to
    /// [`COUNTED_PREFIX`] characters, each once (a key shorter than that, under the key itself).
    #[test]
    fn a_voucher_counts_under_each_prefix_of_its_kana_once() {
        for (kana, prefixes) in [
            ("", &[""][..]),
            ("ア", &["", "ア"]),
            ("サイハナ", &["", "サ", "サイ", "サイハ", "サイハナ"]),
            ("サイトウタロウ", &["", "サ", "サイ", "サイト", "サイトウ"]),
        ] {
            let mut counts = CountChanges::default();
            counts.add(2026, kana, 1);
            counts.add(2027, kana, -1);
            let mut got: Vec<_> = counts.0.into_iter().collect();
            got.sort();
            let mut want: Vec<_> = prefixes
                .iter()
                .flat_map(|p| [((p.to_string(), 2026), 1), ((p.to_string(), 2027), -1)])
                .collect();
            want.sort();
            assert_eq!(got, want, "{kana}");
        }
    }

    /// Pages of one voucher and of three, at every offset, blank and by kana prefixes shorter than,
    /// as long as and longer than the counts keep, are SQLite's sort of the register: keys equal
    /// to a prefix come before the longer ones, groups missing from a year are passed over.
    #[test]
    fn a_page_starts_where_the_counts_say() {
        const GONE: &str = "00000999";
        let dir = tempfile::tempdir().unwrap();
        let mut home = crate::Home::open(dir.path()).unwrap();
        let keys = [
            (
                2026,
                &[
                    "サ",
                    "サ",
                    "サイ",
                    "サイト",
                    "サイトウ",
                    "サイトウタロウ",
                    "サイトウハナコ",
                ][..],
            ),
            (
                2026,
                &[
                    "ア",
                    "アイ",
                    "サカ",
                    "サカモト",
                    "サイトウ",
                    "ン",
                    "サイトウイチロウ",
                ],
            ),
            (
                2025,
                &["サイトウ", "サイトウタロウ", "サ", "タナカ", "サカ"],
            ),
            (2024, &["サカモトジロウ", "ア"]),
        ];
        home.write(|tx| -> Result<()> {
            let sql = tx.sql();
            for (b, year) in [(1, 2024), (2, 2025), (3, 2026)] {
                sql.execute(
                    "INSERT INTO p_batches VALUES (?1, '1-1', 'l', ?2, 'm', '')",
                    params![format!("b{b}"), year],
                )?;
            }
            let (mut no, mut counts) = (0, CountChanges::default());
            for (year, kanas) in keys {
                for kana in kanas {
                    // Numbers out of the kana order.
                    no += 1;
                    sql.execute(
                        "INSERT INTO p_vouchers VALUES (?1, ?2, ?3, '', ?4, '1950-01-01', '', '', '', ?4, '')",
                        params![format!("{:08}", no * 37 % 101), year, format!("b{}", year - 2023), kana],
                    )?;
                    counts.add(year, kana, 1);
                }
            }
            // Vouchers of a batch the home does not hold: counted, never shown, and their places
            // in a page left empty (the pages after them do not move). One in the first year of
            // a page, one in a later year.
            for (year, kana) in [(2026, "サイトウジロウ"), (2024, "サカモトサブロウ")] {
                sql.execute(
                    "INSERT INTO p_vouchers VALUES (?1, ?2, 'gone', '', ?3, '1950-01-01', '', '', '', ?3, '')",
                    params![GONE, year, kana],
                )?;
                counts.add(year, kana, 1);
            }
            counts.write(sql)
        })
        .unwrap();
        for prefix in ["", "サ", "サイ", "サイトウ", "サイトウタ"] {
            let query = (!prefix.is_empty()).then(|| Query::Kana(prefix.into()));
            let want: Vec<(String, i32)> = home
                .read(|tx| -> Result<_> {
                    let mut stmt = tx.sql().prepare(
                        "SELECT voucher_no, fiscal_year FROM p_vouchers WHERE kana_key >= ?1
                         AND kana_key < ?2 ORDER BY fiscal_year DESC, kana_key, voucher_no",
                    )?;
                    let rows = stmt.query_map([prefix, &prefix_end(prefix)], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?;
                    Ok(rows.collect::<rusqlite::Result<_>>()?)
                })
                .unwrap();
            for size in [1, 3] {
                for offset in 0..want.len() + 1 {
                    let found = home
                        .read(|tx| tx.find_vouchers(query.as_ref(), offset, size))
                        .unwrap();
                    let got: Vec<_> = found
                        .hits
                        .into_iter()
                        .map(|h| (h.subject.voucher_no, h.fiscal_year))
                        .collect();
                    let end = want.len().min(offset + size);
                    let page = &want[offset.min(end)..end];
                    let shown = page.iter().filter(|(no, _)| no != GONE);
                    let at = format!("{prefix:?} at {offset}, {size}");
                    assert_eq!(got, shown.cloned().collect::<Vec<_>>(), "{at}");
                    // The unshown vouchers' places in the page are said.
                    let unshown: Vec<usize> =
                        (0..page.len()).filter(|p| page[*p].0 == GONE).collect();
                    assert_eq!(found.unshown, unshown, "{at}");
                    assert_eq!(found.total as usize, want.len());
                }
            }
        }
        // A search in another order (every voucher here has the same postal code) counts the
        // unshown vouchers in a first page that is not full, as the counts do.
        let all = keys.iter().map(|(_, k)| k.len()).sum::<usize>() + 2;
        for size in [all, all + 1] {
            let query = Query::Postal(String::new());
            let found = home
                .read(|tx| tx.find_vouchers(Some(&query), 0, size))
                .unwrap();
            assert_eq!((found.total as usize, found.hits.len()), (all, all - 2));
            assert_eq!(found.unshown.len(), 2);
        }
    }

    /// The batches a read of the register showed are kept between reads, and given up when the
    /// home changes: by its own write, or by another connection's (the sync engine's). It fails if
    /// a label written meanwhile is not shown, or a batch that arrived still hides its vouchers.
    #[test]
    fn the_batches_shown_follow_every_write() {
        let dir = tempfile::tempdir().unwrap();
        let (mut home, mut other) = (
            crate::Home::open(dir.path()).unwrap(),
            crate::Home::open(dir.path()).unwrap(),
        );
        let write = |home: &mut crate::Home, sql: &str| {
            home.write(|tx| -> Result<()> { Ok(tx.sql().execute_batch(sql)?) })
                .unwrap()
        };
        write(
            &mut home,
            "INSERT INTO p_batches VALUES ('b1', '1-1', 'first', 2026, 'm', '');
             INSERT INTO p_vouchers VALUES ('00000001', 2026, 'b1', '', 'ア', '1950-01-01', '', '', '', 'ア', '');
             INSERT INTO p_vouchers VALUES ('00000001', 2025, 'b2', '', 'ア', '1950-01-01', '', '', '', 'ア', '');",
        );
        let shown = |home: &mut crate::Home| -> Vec<String> {
            let number = Query::Number {
                digits: "00000001".into(),
            };
            let found = home
                .read(|tx| tx.find_vouchers(Some(&number), 0, 10))
                .unwrap();
            found.hits.into_iter().map(|h| h.batch_label).collect()
        };
        assert_eq!(shown(&mut home), ["first"]);
        write(&mut other, "UPDATE p_batches SET label = 'second'");
        assert_eq!(shown(&mut home), ["second"]);
        write(&mut home, "UPDATE p_batches SET label = 'third'");
        assert_eq!(shown(&mut home), ["third"]);
        write(
            &mut other,
            "INSERT INTO p_batches VALUES ('b2', '1-1', 'arrived', 2025, 'm', '')",
        );
        assert_eq!(shown(&mut home), ["third", "arrived"]);
    }
}
