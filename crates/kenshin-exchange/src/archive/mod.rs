//! The monthly archive of records (事跡): one zip an auditor can read years later without Kenshin.
//!
//! ```text
//! README.txt            what each file is (Japanese, then English)
//! manifest.json         office, month, exporter, batches with their heads, and every file's sha256
//! manifest.sig          the exporting member's Ed25519 signature over manifest.json's bytes
//! roster.json           the office's signed roster: members with public keys, invites, removals
//! signoffs.json         the month's sign-offs as signed, each with what the exporter made of it
//! signoffs.csv          the same as a table (UTF-8 with BOM); signoffs_cp932.csv in CP932
//! notes.csv             the month's inquiries and returned mail; notes_cp932.csv in CP932
//! access.csv            the month's lookups in the register (who, when, what, which vouchers shown)
//! access.json           the same lookups as signed, each with what the exporter made of it
//! tampering.csv         what the exporter found deleted or changed in the documents (改ざんの疑い)
//! documents/<id>.automerge   the office, batch and access log documents, whole history included:
//!                       `archive verify` judges every record again from them
//! summary.pdf           one page per batch: its steps at the month's end and the month's sign-offs
//! batches/NN_<process>_<label>/MM_<list>.csv   each list imported that month; _cp932.csv beside it
//! ```
//!
//! Writing is deterministic: files in a fixed order, fixed zip timestamps, no export time (the
//! manifest says "as of" the latest record it holds), and Ed25519 signatures are deterministic.
//! Checking signatures against the roster is the caller's (it needs the roster rules); this module
//! writes, reads and checks hashes.

use crate::decode::{encode_cp932_marked, TextEncoding};
use crate::pdf::PdfError;
use crate::report::{self, Cell, Table};
use chrono::{DateTime, Utc};
use kenshin_domain::register::{Lookup, NoteKind, VoucherNote};
use kenshin_domain::roster::{Invite, Removal, RosterEntry};
use kenshin_domain::trust::Standing;
use kenshin_domain::{Action, ListKind, SignOff, Status};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::io::{Cursor, Read, Write};

mod summary;
use summary::summary_pdf;

/// 2: the documents themselves, access.json and tampering.csv.
pub const FORMAT: &str = "kenshin-archive/2";
/// Archives this build reads (the first format has no documents to judge again).
const FORMATS: [&str; 2] = ["kenshin-archive/1", FORMAT];
pub const ACCESS: &str = "access.json";
pub const DELETIONS: &str = "deletions.json";
pub const REDACTIONS: &str = "redactions.json";
pub const DOCUMENTS: &str = "documents/";
pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "manifest.sig";
pub const ROSTER: &str = "roster.json";
pub const SIGNOFFS: &str = "signoffs.json";
const README: &str = "README.txt";
/// More than any month holds (a 150,000-voucher month unpacks to about 60 MB).
const MAX_UNPACKED: u64 = 2 << 30;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error(transparent)]
    Pdf(#[from] PdfError),
    #[error("writing the archive: {0}")]
    Write(String),
    #[error("{0} is not a Kenshin archive: {1}")]
    NotAnArchive(String, String),
}

pub use kenshin_domain::dates::{jst, Month};

/// Who someone is, as the archive names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// The office's signed roster, as held when the archive was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedRoster {
    /// The office document's id: every signature names it.
    pub office: String,
    pub office_name: String,
    /// The founder's Ed25519 key (hex), where every roster entry's authority starts.
    pub anchor: String,
    pub members: Vec<RosterEntry>,
    pub invites: Vec<Invite>,
    pub removals: Vec<Removal>,
}

/// A sign-off as signed, with what the exporting laptop made of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedSignOff {
    #[serde(flatten)]
    pub entry: SignOff,
    pub by_name: String,
    pub judged: Standing,
}

/// A batch's part of `signoffs.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedBatch {
    pub batch_id: String,
    pub process: String,
    pub label: String,
    pub fiscal_year: i32,
    pub signoffs: Vec<ArchivedSignOff>,
}

/// A list imported during the month, with its canonical rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSnapshot {
    pub doc_id: String,
    pub kind: ListKind,
    pub source_name: String,
    pub encoding: String,
    pub created_by: Named,
    pub created_at: DateTime<Utc>,
    pub row_count: u64,
    pub sha256: String,
    /// Canonical rows (a header of field names, tab-separated, one row per line).
    pub rows: Vec<u8>,
}

/// One step at the month's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepAtEnd {
    pub step: u8,
    pub status: Status,
}

/// A batch touched during the month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRecords {
    pub batch: ArchivedBatch,
    pub process: &'static kenshin_domain::Process,
    /// The batch document's heads when exported.
    pub heads: Vec<String>,
    pub steps: Vec<StepAtEnd>,
    pub notes: Vec<(VoucherNote, String)>,
    pub lists: Vec<ListSnapshot>,
}

/// Everything a month's archive holds, gathered by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthRecords {
    pub month: Month,
    pub roster: ArchivedRoster,
    pub exporter: Named,
    pub batches: Vec<BatchRecords>,
    /// The month's lookups in the register (照会記録), oldest first, with who looked and what the
    /// exporter made of each.
    pub lookups: Vec<ArchivedLookup>,
    /// What the exporter found deleted or changed in the documents, or not counting, for people.
    pub tampering: Vec<(String, String)>,
    /// The month's deletions at the end of keeping.
    pub deletions: Vec<ArchivedDeletion>,
    /// The month's deletions of departed persons' rows.
    pub redactions: Vec<ArchivedRedaction>,
    /// The documents the month's records come from (office, batches, access logs): id and bytes.
    pub documents: Vec<(String, Vec<u8>)>,
}

/// A deletion at the end of keeping decided in the month (保存期間満了による削除), as signed: which
/// fiscal year, who decided and when, and the batches it took (by label). No personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedDeletion {
    #[serde(flatten)]
    pub purge: kenshin_domain::retention::Purge,
    pub by_name: String,
    pub batches: Vec<String>,
}

/// A deletion of departed persons' rows decided in the month (資格喪失者の削除), as signed: which
/// lists lost how many rows, who decided and when, and the batches' labels. No personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedRedaction {
    #[serde(flatten)]
    pub redaction: kenshin_domain::retention::Redaction,
    pub by_name: String,
    /// The labels of the batches whose lists it replaced.
    pub batches: Vec<String>,
}

/// A lookup as signed, with who looked and what the exporting laptop made of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedLookup {
    /// The access log document that holds it.
    pub log: String,
    #[serde(flatten)]
    pub lookup: Lookup,
    pub by_name: String,
    pub judged: Standing,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub office: String,
    pub office_name: String,
    pub month: Month,
    pub exported_by: Named,
    /// The latest time of any record in the archive (an export has no clock in it).
    pub as_of: Option<DateTime<Utc>>,
    pub contains_personal_data: bool,
    pub batches: Vec<ManifestBatch>,
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestBatch {
    pub batch_id: String,
    pub process: String,
    pub label: String,
    pub fiscal_year: i32,
    pub heads: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    pub what: String,
}

/// `manifest.sig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestSignature {
    pub member: String,
    pub sign_key: String,
    /// Ed25519 over the exact bytes of manifest.json, hex.
    pub signature: String,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn json<T: Serialize>(value: &T) -> Result<Vec<u8>, ArchiveError> {
    let mut bytes =
        serde_json::to_vec_pretty(value).map_err(|e| ArchiveError::Write(e.to_string()))?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn time_ja(t: DateTime<Utc>) -> String {
    t.with_timezone(&jst()).format("%Y-%m-%d %H:%M").to_string()
}

pub fn action_ja(a: Action) -> &'static str {
    match a {
        Action::Do => "実施",
        Action::Verify => "検認",
        Action::Approve => "決裁",
    }
}

pub fn standing_ja(s: &Standing) -> String {
    match s {
        Standing::Valid => "有効".into(),
        Standing::Flagged { why } => format!("要確認: {why}"),
        Standing::Resolved { why, .. } => format!("解消済: {why}"),
        Standing::Invalid { why } => format!("無効: {why}"),
        Standing::Replaced { by_list } => format!("差し替え済（資格喪失者の削除）: {by_list}"),
    }
}

fn counts_text(counts: &BTreeMap<String, i64>) -> String {
    let parts: Vec<String> = counts.iter().map(|(k, v)| format!("{k}={v}")).collect();
    parts.join(" ")
}

fn list_ja(kind: ListKind) -> &'static str {
    match kind {
        ListKind::Targets => "対象者リスト",
        ListKind::Rehearsal => "リハーサルデータ",
        ListKind::Production => "本番リスト",
        ListKind::Pullouts => "引抜き者リスト",
        ListKind::PostalCounts => "郵便番号別件数リスト",
        ListKind::ReissueRequests => "再発行申請",
        ListKind::Returned => "返送リスト",
        ListKind::Reissues => "再発行分",
        ListKind::CheckupResults => "受診結果",
        ListKind::CoverageLoss => "資格喪失者リスト",
    }
}

/// A name safe in a zip path on every system (Windows forbids these characters).
fn path_part(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| {
            if c.is_control() || r#"/\:*?"<>|"#.contains(c) {
                '_'
            } else {
                c
            }
        })
        .take(40)
        .collect();
    cleaned.trim().trim_matches('.').to_string()
}

/// A table written twice: UTF-8 with a BOM (the original) and CP932 (for older Excel), where a
/// character CP932 cannot hold is written 〓.
fn both_encodings(
    files: &mut Vec<(String, Vec<u8>, String)>,
    stem: &str,
    table: &Table,
    what: &str,
) -> Result<usize, ArchiveError> {
    let utf8 = report::csv(table, TextEncoding::Utf8Bom)
        .map_err(|e| ArchiveError::Write(e.to_string()))?;
    let (cp932, marked) = encode_cp932_marked(std::str::from_utf8(&utf8[3..]).unwrap_or(""));
    files.push((format!("{stem}.csv"), utf8, format!("{what} (UTF-8, BOM)")));
    let note = if marked > 0 {
        format!("{what} (CP932; {marked} characters CP932 cannot hold are written 〓)")
    } else {
        format!("{what} (CP932)")
    };
    files.push((format!("{stem}_cp932.csv"), cp932, note));
    Ok(marked)
}

/// Canonical rows as a table with Japanese headers.
fn rows_table(list: &ListSnapshot) -> Table {
    let text = String::from_utf8_lossy(&list.rows);
    let mut lines = text.split_terminator('\n');
    let headers = lines
        .next()
        .unwrap_or("")
        .split('\t')
        .map(|f| crate::import::field_ja(f).to_string())
        .collect();
    let rows = lines
        .map(|l| l.split('\t').map(|c| Cell::Text(c.to_string())).collect())
        .collect();
    Table {
        title: list_ja(list.kind).to_string(),
        headers,
        rows,
    }
}

fn signoff_table(records: &MonthRecords) -> Table {
    let mut rows = Vec::new();
    for b in &records.batches {
        for s in &b.batch.signoffs {
            let e = &s.entry;
            rows.push(vec![
                b.batch.label.clone().into(),
                format!("{} {}", b.process.id, b.process.ja).into(),
                Cell::Int(i64::from(e.step)),
                b.process.step(e.step).map_or("", |st| st.ja).into(),
                action_ja(e.action).into(),
                s.by_name.clone().into(),
                time_ja(e.at).into(),
                counts_text(&e.counts).into(),
                e.note.clone().unwrap_or_default().into(),
                e.send_back.clone().unwrap_or_default().into(),
                standing_ja(&s.judged).into(),
                e.id.clone().into(),
            ]);
        }
    }
    Table {
        title: "記録".into(),
        headers: [
            "バッチ",
            "業務",
            "手順",
            "手順名",
            "区分",
            "記録者",
            "日時",
            "件数",
            "備考",
            "差戻し理由",
            "判定",
            "記録ID",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

fn notes_table(records: &MonthRecords) -> Table {
    let mut rows = Vec::new();
    for b in &records.batches {
        for (n, by_name) in &b.notes {
            rows.push(vec![
                b.batch.label.clone().into(),
                match n.kind {
                    NoteKind::Inquiry => "問合せ",
                    NoteKind::Returned => "返送",
                }
                .into(),
                n.on.to_string().into(),
                n.voucher_no.clone().into(),
                n.from.clone().into(),
                n.text.clone().into(),
                by_name.clone().into(),
                time_ja(n.at).into(),
            ]);
        }
    }
    Table {
        title: "問合せ・返送".into(),
        headers: [
            "バッチ",
            "種別",
            "日付",
            "受診券整理番号",
            "問合せ元",
            "内容",
            "対応者",
            "記録日時",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

fn access_table(records: &MonthRecords) -> Table {
    let rows = records
        .lookups
        .iter()
        .map(|a| {
            let l = &a.lookup;
            vec![
                time_ja(l.at).into(),
                a.by_name.clone().into(),
                l.by.clone().into(),
                l.query.clone().into(),
                Cell::Int(i64::try_from(l.matched).unwrap_or(i64::MAX)),
                l.shown.join(" ").into(),
                standing_ja(&a.judged).into(),
            ]
        })
        .collect();
    Table {
        title: "照会記録".into(),
        headers: [
            "日時",
            "照会者",
            "照会者ID",
            "検索語",
            "該当件数",
            "表示した受診券整理番号",
            "判定",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

fn redactions_table(records: &MonthRecords) -> Table {
    Table {
        title: "資格喪失者の削除".into(),
        headers: [
            "喪失日（この日以前）",
            "業務",
            "リスト",
            "削除前の行数",
            "削除後の行数",
            "決定者",
            "日時",
        ]
        .map(String::from)
        .to_vec(),
        rows: records
            .redactions
            .iter()
            .flat_map(|r| {
                r.redaction.lists.iter().map(move |l| {
                    vec![
                        r.redaction.lost_by.to_string().into(),
                        r.batches.join("、").into(),
                        l.list_kind.ja().into(),
                        l.old_rows.to_string().into(),
                        l.new_rows.to_string().into(),
                        r.by_name.clone().into(),
                        time_ja(r.redaction.at).into(),
                    ]
                })
            })
            .collect(),
    }
}

fn deletions_table(records: &MonthRecords) -> Table {
    Table {
        title: "保存期間満了による削除".into(),
        headers: ["年度", "削除した業務", "決定者", "日時"]
            .map(String::from)
            .to_vec(),
        rows: records
            .deletions
            .iter()
            .map(|d| {
                vec![
                    kenshin_domain::filing::year_ja(d.purge.fiscal_year).into(),
                    d.batches.join("、").into(),
                    d.by_name.clone().into(),
                    time_ja(d.purge.at).into(),
                ]
            })
            .collect(),
    }
}

fn tampering_table(records: &MonthRecords) -> Table {
    Table {
        title: "改ざんの疑い".into(),
        headers: ["文書", "内容"].map(String::from).to_vec(),
        rows: records
            .tampering
            .iter()
            .map(|(doc, what)| vec![doc.clone().into(), what.clone().into()])
            .collect(),
    }
}

/// Where an archive keeps a document.
pub fn document_path(id: &str) -> String {
    format!("{DOCUMENTS}{id}.automerge")
}

/// Writes the month's archive. `sign` signs the manifest's bytes with the exporter's key and
/// returns (sign key, signature), both hex.
pub fn write(
    records: &MonthRecords,
    sign: impl FnOnce(&[u8]) -> (String, String),
) -> Result<Vec<u8>, ArchiveError> {
    let mut files: Vec<(String, Vec<u8>, String)> = Vec::new();
    files.push((
        ROSTER.into(),
        json(&records.roster)?,
        "the office's signed roster".into(),
    ));
    let batches: Vec<&ArchivedBatch> = records.batches.iter().map(|b| &b.batch).collect();
    files.push((
        SIGNOFFS.into(),
        json(&batches)?,
        "the month's sign-offs as signed".into(),
    ));
    both_encodings(
        &mut files,
        "signoffs",
        &signoff_table(records),
        "the month's sign-offs",
    )?;
    both_encodings(
        &mut files,
        "notes",
        &notes_table(records),
        "the month's inquiries and returned mail",
    )?;
    both_encodings(
        &mut files,
        "access",
        &access_table(records),
        "the month's lookups in the register: who, when, what, which vouchers were shown",
    )?;
    files.push((
        ACCESS.into(),
        json(&records.lookups)?,
        "the month's lookups as signed".into(),
    ));
    both_encodings(
        &mut files,
        "tampering",
        &tampering_table(records),
        "what was found deleted or changed in the documents, or does not count",
    )?;
    // Only a month with a deletion has the file: other months' archives stay as they were.
    if !records.deletions.is_empty() {
        files.push((
            DELETIONS.into(),
            json(&records.deletions)?,
            "the month's deletions at the end of keeping, as signed".into(),
        ));
        both_encodings(
            &mut files,
            "deletions",
            &deletions_table(records),
            "the month's deletions at the end of keeping: which year, who decided, when",
        )?;
    }
    if !records.redactions.is_empty() {
        files.push((
            REDACTIONS.into(),
            json(&records.redactions)?,
            "the month's deletions of departed persons' rows, as signed".into(),
        ));
        both_encodings(
            &mut files,
            "redactions",
            &redactions_table(records),
            "the month's deletions of departed persons' rows: which lists, how many rows, who decided, when",
        )?;
    }
    for (id, bytes) in &records.documents {
        files.push((
            document_path(id),
            bytes.clone(),
            "an Automerge document with its whole history".into(),
        ));
    }
    for (i, b) in records.batches.iter().enumerate() {
        let dir = format!(
            "batches/{:02}_{}_{}",
            i + 1,
            b.batch.process,
            path_part(&b.batch.label)
        );
        for (j, list) in b.lists.iter().enumerate() {
            both_encodings(
                &mut files,
                &format!("{dir}/{:02}_{}", j + 1, list.kind.code()),
                &rows_table(list),
                &format!(
                    "{}: {} rows from {} (sha256 of canonical rows {})",
                    list_ja(list.kind),
                    list.row_count,
                    list.source_name,
                    list.sha256
                ),
            )?;
        }
    }
    files.push((
        "summary.pdf".into(),
        summary_pdf(records)?,
        "one page per batch, for reading and printing".into(),
    ));
    files.push((README.into(), readme(records), "this guide".into()));
    files.sort_by(|a, b| a.0.cmp(&b.0));

    let as_of = records
        .batches
        .iter()
        .flat_map(|b| {
            b.batch
                .signoffs
                .iter()
                .map(|s| s.entry.at)
                .chain(b.notes.iter().map(|(n, _)| n.at))
                .chain(b.lists.iter().map(|l| l.created_at))
        })
        .chain(records.lookups.iter().map(|a| a.lookup.at))
        .max();
    let manifest = Manifest {
        format: FORMAT.into(),
        office: records.roster.office.clone(),
        office_name: records.roster.office_name.clone(),
        month: records.month,
        exported_by: records.exporter.clone(),
        as_of,
        contains_personal_data: true,
        batches: records
            .batches
            .iter()
            .map(|b| ManifestBatch {
                batch_id: b.batch.batch_id.clone(),
                process: b.batch.process.clone(),
                label: b.batch.label.clone(),
                fiscal_year: b.batch.fiscal_year,
                heads: b.heads.clone(),
            })
            .collect(),
        files: files
            .iter()
            .map(|(path, bytes, what)| ManifestFile {
                path: path.clone(),
                sha256: sha256_hex(bytes),
                bytes: bytes.len() as u64,
                what: what.clone(),
            })
            .collect(),
    };
    let manifest_bytes = json(&manifest)?;
    let (sign_key, signature) = sign(&manifest_bytes);
    let sig = json(&ManifestSignature {
        member: records.exporter.id.clone(),
        sign_key,
        signature,
    })?;

    let ordered: Vec<(String, Vec<u8>)> = [
        (README.to_string(), readme(records)),
        (MANIFEST.to_string(), manifest_bytes),
        (SIGNATURE.to_string(), sig),
    ]
    .into_iter()
    .chain(
        files
            .into_iter()
            .filter(|(p, _, _)| p != README)
            .map(|(p, b, _)| (p, b)),
    )
    .collect();
    zip_in_order(ordered)
}

/// A zip of `files` in their order, each deflated on its own: the files are shared among as many
/// threads as the machine runs (deflating a month's lists was 40 % of its export), and each one's
/// deflated bytes are copied into the archive as they are. The bytes are those of one thread
/// deflating each file in turn.
fn zip_in_order(files: Vec<(String, Vec<u8>)>) -> Result<Vec<u8>, ArchiveError> {
    let io = |e: &dyn fmt::Display| ArchiveError::Write(e.to_string());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let deflate = |path: &str, bytes: &[u8]| -> zip::result::ZipResult<Vec<u8>> {
        let mut one = zip::ZipWriter::new(Cursor::new(Vec::new()));
        one.start_file(path, options)?;
        one.write_all(bytes)?;
        Ok(one.finish()?.into_inner())
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut deflated: Vec<(usize, zip::result::ZipResult<Vec<u8>>)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads.min(files.len()))
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((path, bytes)) = files.get(i) else {
                            return done;
                        };
                        done.push((i, deflate(path, bytes)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    drop(files);
    deflated.sort_by_key(|(i, _)| *i);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (_, one) in deflated {
        let mut one =
            zip::ZipArchive::new(Cursor::new(one.map_err(|e| io(&e))?)).map_err(|e| io(&e))?;
        zip.raw_copy_file(one.by_index_raw(0).map_err(|e| io(&e))?)
            .map_err(|e| io(&e))?;
    }
    Ok(zip.finish().map_err(|e| io(&e))?.into_inner())
}

/// An archive as read back: its files, manifest and signature.
#[derive(Debug)]
pub struct Opened {
    pub files: BTreeMap<String, Vec<u8>>,
    pub manifest: Manifest,
    pub manifest_bytes: Vec<u8>,
    pub signature: ManifestSignature,
}

impl Opened {
    pub fn read(name: &str, bytes: &[u8]) -> Result<Opened, ArchiveError> {
        let not = |why: String| ArchiveError::NotAnArchive(name.to_string(), why);
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| not(e.to_string()))?;
        let mut files = BTreeMap::new();
        let mut unpacked = 0u64;
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).map_err(|e| not(e.to_string()))?;
            if f.is_dir() {
                continue;
            }
            let path = f.name().to_string();
            let mut data = Vec::new();
            // Read no more than what is left of the cap: a crafted zip may claim any size.
            let left = MAX_UNPACKED.saturating_sub(unpacked);
            (&mut f)
                .take(left + 1)
                .read_to_end(&mut data)
                .map_err(|e| not(format!("{path}: {e}")))?;
            unpacked += data.len() as u64;
            if unpacked > MAX_UNPACKED {
                return Err(not(format!(
                    "it unpacks to more than {} MiB",
                    MAX_UNPACKED >> 20
                )));
            }
            if files.insert(path.clone(), data).is_some() {
                return Err(not(format!("{path} is in it twice")));
            }
        }
        let take = |file: &str| {
            files
                .get(file)
                .cloned()
                .ok_or_else(|| not(format!("it has no {file}")))
        };
        let manifest_bytes = take(MANIFEST)?;
        let manifest: Manifest =
            serde_json::from_slice(&manifest_bytes).map_err(|e| not(format!("{MANIFEST}: {e}")))?;
        if !FORMATS.contains(&manifest.format.as_str()) {
            return Err(not(format!(
                "{MANIFEST} says format {:?}, this Kenshin reads {}: update Kenshin to check it",
                manifest.format,
                FORMATS.join(" and ")
            )));
        }
        let signature: ManifestSignature = serde_json::from_slice(&take(SIGNATURE)?)
            .map_err(|e| not(format!("{SIGNATURE}: {e}")))?;
        Ok(Opened {
            files,
            manifest,
            manifest_bytes,
            signature,
        })
    }

    /// Every file against the manifest: missing, changed, or not listed.
    pub fn hash_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for f in &self.manifest.files {
            match self.files.get(&f.path) {
                None => problems.push(format!("{}: listed in the manifest but missing", f.path)),
                Some(bytes) if sha256_hex(bytes) != f.sha256 => problems.push(format!(
                    "{}: sha256 {} does not match the manifest's {} (the file was changed)",
                    f.path,
                    sha256_hex(bytes),
                    f.sha256
                )),
                Some(_) => {}
            }
        }
        for path in self.files.keys() {
            let listed = path == MANIFEST
                || path == SIGNATURE
                || self.manifest.files.iter().any(|f| &f.path == path);
            if !listed {
                problems.push(format!("{path}: in the archive but not in the manifest"));
            }
        }
        problems
    }

    /// A JSON file of the archive, if it holds and parses.
    pub fn json<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, String> {
        let bytes = self
            .files
            .get(path)
            .ok_or_else(|| format!("{path}: missing"))?;
        serde_json::from_slice(bytes).map_err(|e| format!("{path}: {e}"))
    }
}

fn readme(records: &MonthRecords) -> Vec<u8> {
    let r = &records.roster;
    let mut t = String::from("\u{FEFF}");
    t.push_str(&format!(
        "特定健診受診券 事跡 {month}\r\n{office}\r\n\r\n",
        month = records.month.ja(),
        office = r.office_name
    ));
    t.push_str(
        "この圧縮ファイルは、上記の月に行われた作業の記録（事跡）です。個人情報を含みます。\r\n\
         取扱いと保管は所属の規程に従ってください。Kenshin が無くても読めるよう、次の形式で保存しています。\r\n\r\n\
         README.txt          この説明\r\n\
         summary.pdf         バッチごとに1ページ：月末時点の各手順の状態と、当月の記録（確認・検認・決裁）\r\n\
         signoffs.csv        当月の記録の一覧（UTF-8, BOM付き）。signoffs_cp932.csv は Shift_JIS(CP932) 版\r\n\
         notes.csv           当月の問合せ対応と返送の記録。notes_cp932.csv は CP932 版\r\n\
         access.csv          当月の受診券リストの照会記録（日時・照会者・検索語・表示した受診券）。access_cp932.csv は CP932 版\r\n\
         access.json         同じ照会記録（署名付きの原本）と、出力した端末の判定\r\n\
         tampering.csv       文書の中で削除・変更された記録や数えない記録（改ざんの疑い）。tampering_cp932.csv は CP932 版\r\n\
         documents/          事務所・バッチ・照会記録の文書そのもの（Automerge 形式、変更履歴を含む）\r\n\
         batches/            当月に取り込んだリスト（バッチごとのフォルダ）。_cp932.csv は CP932 版\r\n\
         \x20                   CP932 で表せない文字は 〓 で書かれています。正本は UTF-8 版です。\r\n\
         signoffs.json       当月の記録（署名付きの原本）と、出力した端末の判定\r\n\
         roster.json         職員・委託事業者の名簿（公開鍵と署名付き）\r\n\
         manifest.json       全ファイルの SHA-256 ハッシュ、対象バッチ、出力者\r\n\
         manifest.sig        出力者による manifest.json への電子署名（Ed25519）\r\n\r\n\
         改ざんの確認: `kenshin archive verify このファイル.zip` を実行すると、全ファイルのハッシュ、\r\n\
         manifest の署名、各記録の署名を名簿に照らして検査します。Kenshin が無い場合も、各ファイルの\r\n\
         SHA-256 を manifest.json と比べられます（例: sha256sum, certutil -hashfile）。\r\n\r\n",
    );
    t.push_str(&format!(
        "事務所ID (office): {}\r\n名簿の起点となる鍵 (anchor): {}\r\n出力者: {}\r\n\r\n",
        r.office, r.anchor, records.exporter.name
    ));
    t.push_str("English\r\n-------\r\n");
    t.push_str(
        "The records of one month's work on Specific Health Checkup vouchers. Contains personal data.\r\n\
         summary.pdf: one page per batch (steps at the month's end, the month's sign-offs).\r\n\
         access.csv: every lookup in the register that month (when, who, what was searched, vouchers shown).\r\n\
         access.json: the same lookups as signed. tampering.csv: what was found deleted, changed, or not counting.\r\n\
         documents/: the Automerge documents themselves, whole history included; verify judges every record from them.\r\n\
         signoffs.csv / notes.csv / access.csv / batches/*.csv: tables in UTF-8 with BOM; *_cp932.csv are Shift_JIS copies\r\n\
         in which characters CP932 cannot hold are written as U+3013 (〓).\r\n\
         signoffs.json: the sign-offs as signed (Ed25519 over a canonical JSON naming office and batch).\r\n\
         roster.json: members with public keys, invites and removals, each signed; authority starts at the anchor.\r\n\
         manifest.json: sha256 of every file; manifest.sig: the exporter's Ed25519 signature over manifest.json.\r\n\
         Check it with `kenshin archive verify FILE.zip`, or compare sha256 sums by hand.\r\n",
    );
    t.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_bound_in_japan_time() {
        let m: Month = "2026-05".parse().unwrap();
        assert_eq!(m.to_string(), "2026-05");
        for bad in ["2026-5", "2026-13", "26-05", "2026/05", "", "2026-00"] {
            assert!(bad.parse::<Month>().is_err(), "{bad}");
        }
        // 30 April 15:00 UTC is 1 May 00:00 in Japan.
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert!(m.holds(t("2026-04-30T15:00:00Z")));
        assert!(!m.holds(t("2026-04-30T14:59:59Z")));
        assert!(m.holds(t("2026-05-31T14:59:59Z")));
        assert!(!m.holds(t("2026-05-31T15:00:00Z")));
        assert_eq!(m.end(), t("2026-05-31T14:59:59.999Z"));
        let dec: Month = "2026-12".parse().unwrap();
        assert_eq!(dec.end(), t("2026-12-31T14:59:59.999Z"));
    }

    #[test]
    fn path_parts_are_safe() {
        assert_eq!(path_part("2026/05 月次: 本番"), "2026_05 月次_ 本番");
        assert_eq!(path_part("..\\x"), "_x");
    }

    #[test]
    fn files_deflated_apart_give_the_bytes_of_one_writer() {
        // Text that compresses, bytes that do not, an empty file, Japanese names; more files than
        // threads, so that a thread deflates several.
        let mut noise = 7u64;
        let random: Vec<u8> = (0..300_000)
            .map(|_| {
                noise = noise
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                (noise >> 56) as u8
            })
            .collect();
        let mut files: Vec<(String, Vec<u8>)> = vec![
            ("README.txt".into(), b"guide".to_vec()),
            (
                "batches/01_1-1_年次/01_production.csv".into(),
                "受診券整理番号,氏名\r\n".repeat(20_000).into_bytes(),
            ),
            ("empty.csv".into(), Vec::new()),
            ("documents/random.bin".into(), random),
        ];
        files.extend((0..20).map(|i| {
            (
                format!("lists/{i:02}.csv"),
                format!("{i},山田\r\n").repeat(i * 100).into_bytes(),
            )
        }));

        let mut one = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644);
        for (path, bytes) in &files {
            one.start_file(path.as_str(), options).unwrap();
            one.write_all(bytes).unwrap();
        }
        let want = one.finish().unwrap().into_inner();

        let got = zip_in_order(files.clone()).unwrap();
        assert_eq!(got, want);
        let mut read = zip::ZipArchive::new(Cursor::new(got)).unwrap();
        for (i, (path, bytes)) in files.iter().enumerate() {
            let mut file = read.by_index(i).unwrap();
            assert_eq!(file.name(), path);
            let mut back = Vec::new();
            std::io::Read::read_to_end(&mut file, &mut back).unwrap();
            assert_eq!(&back, bytes);
        }
    }
}
