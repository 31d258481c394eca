//! The desktop app's commands: thin over kenshin-core, returning the same serde types the CLI prints.
//! Their TypeScript definitions are generated from these types (`bindings`), and a test checks that
//! `ui/src/bindings.ts` is current.

pub mod bindings;
mod erasure;
mod files;
mod office;
mod refusal;
mod screen_lock;
mod sign_in;
mod sync;

pub use refusal::{FieldSaid, Refusal};

use kenshin_core::domain::batch::BatchProposal;
use kenshin_core::domain::lists::ListDifference;
use kenshin_core::domain::register::VoucherNote;
use kenshin_core::domain::retention::Retention;
use kenshin_core::domain::{fiscal_year, Action, BatchRef, ListKind, Member, ProcessId};
use kenshin_core::exchange::archive::Month;
use kenshin_core::exchange::print::Layout;
use kenshin_core::exchange::{report, Table};
use kenshin_core::{
    ArchiveCheck, BoardBatch, ClosedYear, CoreError, Exported, Found, HomeDir, ImportPreview,
    ImportSummary, InquiryLogged, ListRef, ListText, Office, ReportKind, RosterEntry, SignOffView,
    StepRecord, WorkingBoard,
};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tauri::Manager;
use ts_rs::TS;

/// Which home the app shows, and as whom.
pub struct AppState {
    /// The home, unlocked once its passphrase is typed (the key lives only here, and is wiped when
    /// the app ends).
    home: Mutex<HomeDir>,
    /// Who the window acts as: the member signed in with their secret, or locked.
    who: Mutex<sign_in::Who>,
    /// The office kept open for that member (see `office`), with the member it was opened as.
    open: Mutex<Option<(Option<String>, Office)>>,
    /// The home's sync engine, running in this process while the window is open.
    sync: sync::AppSync,
    /// The files the clerk chose in the dialog, by the tokens the page holds.
    files: files::ChosenFiles,
    /// The list the evidence view shows, read once (a list never changes) and paged from memory.
    shown_list: Mutex<Option<std::sync::Arc<ListText>>>,
    /// This laptop's home was destroyed (契約終了): nothing opens it again (which would make a new,
    /// empty one) until the window goes back to its first screen.
    erased: std::sync::atomic::AtomicBool,
    /// The 消去証明 of this laptop's destruction on an admin's order, to save where the clerk says.
    erased_certificate: Mutex<Option<String>>,
}

/// A page of a list's rows for the evidence view (リストの内容), and how the list differs from the one
/// it is checked against.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ListPage {
    pub list: ListRef,
    pub fields: Vec<String>,
    /// Rows matching the search.
    pub total: usize,
    pub offset: usize,
    pub rows: Vec<Vec<String>>,
    pub difference: Option<ListDifference>,
    /// The deletions of departed persons' rows that made the list, newest first.
    pub redacted: Vec<kenshin_core::RedactedNote>,
}

/// Who is using the app, in which office.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Session {
    pub office: String,
    pub home: String,
    pub me: Member,
    pub members: Vec<RosterEntry>,
    /// Whether `me` has set their own secret on this laptop (the window asks until they have).
    pub secret: bool,
    /// The members who are deputies (代決者) now, by id.
    pub deputies: Vec<String>,
    /// Who can sign in on this laptop (the header's chooser).
    pub here: Vec<kenshin_core::MemberHere>,
    /// Idle time before the window locks.
    pub idle_seconds: u32,
    /// The office's settings (an admin changes them on the sync screen).
    pub settings: kenshin_core::domain::settings::OfficeSettings,
}

/// A step to record, as the UI sends it.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct RecordRequest {
    pub batch: String,
    pub step: u8,
    pub action: Action,
    /// By the catalogue's names (`envelopes`), 0 or more.
    #[ts(type = "Record<string, number>")]
    pub counts: std::collections::BTreeMap<String, i64>,
    pub note: Option<String>,
    pub send_back: Option<String>,
    /// 取下げ・代決・後閲, or a plain entry.
    pub ask: kenshin_core::domain::workflow::Ask,
}

/// A new batch, as the window's form sends it.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewBatch {
    pub process: ProcessId,
    /// YYYY-MM: the month the batch is for (its fiscal year follows).
    #[ts(type = "string")]
    pub month: Month,
    pub label: String,
}

/// A call logged at the inquiry desk, as the window's form sends it.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct InquiryRequest {
    pub voucher: String,
    pub from: String,
    pub answer: String,
    /// The day of the call as typed (2026-12-04, 令和8年12月4日); today when empty.
    pub on: String,
    /// The process 4 batch it counts toward (its id); the newest open one when None.
    pub batch: Option<String>,
}

/// A returned envelope recorded at a batch's data update step (データ更新), as the window sends it.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ReturnRequest {
    /// The batch's id.
    pub batch: String,
    pub voucher: String,
    /// 宛所不明, 転居先不明, ...
    pub reason: String,
    /// The day it came back as typed; today when empty.
    pub on: String,
}

/// A return recorded, and the batch's count of returns with it (None if it could not be counted:
/// the return is recorded all the same).
#[derive(Debug, Clone, Serialize, TS)]
pub struct ReturnRecorded {
    pub note: VoucherNote,
    pub returned: Option<usize>,
}

/// A report to write to a file.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ExportRequest {
    /// `postal-counts`, `pullouts`, ...
    pub kind: String,
    pub batch: String,
    /// A spreadsheet, or CSV in Shift_JIS or UTF-8.
    pub out: kenshin_core::exchange::FileOut,
    /// The chosen file's token (see `files`).
    pub file: String,
}

pub(crate) type Answer<T> = Result<T, Refusal>;

impl AppState {
    pub fn new(home: PathBuf) -> AppState {
        AppState {
            home: Mutex::new(HomeDir::new(home)),
            who: Mutex::default(),
            open: Mutex::new(None),
            sync: sync::AppSync::default(),
            shown_list: Mutex::new(None),
            files: files::ChosenFiles::default(),
            erased: Default::default(),
            erased_certificate: Mutex::new(None),
        }
    }

    pub(crate) fn home(&self) -> Answer<HomeDir> {
        if self.erased.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(Refusal::new(
                "erasure.done",
                "この端末の記録は消去されました。最初の画面に戻ってください",
                "this laptop's home was destroyed: go back to the first screen",
            ));
        }
        Ok(self.home.lock().map_err(Refusal::internal)?.clone())
    }

    /// A write's answer; once it succeeded the engine sends it on at once.
    pub(crate) fn wrote<T, E>(&self, answer: Result<T, E>) -> Result<T, E> {
        if answer.is_ok() {
            self.sync.committed();
        }
        answer
    }
}

/// A file's name, as the window says it (never its whole path).
pub(crate) fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map_or(path.to_string(), |n| n.to_string_lossy().into_owned())
}

impl AppState {
    /// Who is using the app now, in which office.
    pub(crate) fn session(&self) -> Answer<Session> {
        let mut office = self.office()?;
        let settings = office.settings()?;
        Ok(Session {
            office: office.name()?,
            home: self.home()?.path().display().to_string(),
            me: office.me().clone(),
            members: office.members()?,
            secret: office.has_secret()?,
            deputies: office.deputies()?,
            here: kenshin_core::members_here(&self.home()?)?,
            idle_seconds: sign_in::idle_seconds(&settings),
            settings,
        })
    }
}

#[tauri::command]
fn session(state: tauri::State<'_, AppState>) -> Answer<Session> {
    state.session()
}

/// Opens a passphrase-protected home with the passphrase typed in the window.
#[tauri::command]
async fn unlock(
    app: tauri::AppHandle,
    state: tauri::State<'_, AppState>,
    passphrase: String,
) -> Answer<office::Opening> {
    let passphrase = zeroize::Zeroizing::new(passphrase);
    let unlocked = state.home()?.unlock(&passphrase)?;
    *state.home.lock().map_err(Refusal::internal)? = unlocked;
    state.close_office()?;
    // Sync starts once the home opens (before anyone signs in: it needs no member's secret).
    sync::spawn_start(&app);
    office::opening(state).await
}

#[tauri::command]
fn board(state: tauri::State<'_, AppState>) -> Answer<Vec<BoardBatch>> {
    Ok(state.office()?.board(None)?)
}

/// 今の業務 (the board and the inbox): past fiscal years' finished batches left out unless `all`.
#[tauri::command]
fn working_board(state: tauri::State<'_, AppState>, all: bool) -> Answer<WorkingBoard> {
    Ok(state.office()?.working_board(all)?)
}

#[tauri::command]
fn record(state: tauri::State<'_, AppState>, request: RecordRequest) -> Answer<SignOffView> {
    let recorded = state
        .office()?
        .record(
            &request.batch,
            request.step,
            request.action,
            StepRecord {
                counts: request.counts,
                note: request.note,
                send_back: request.send_back,
                ask: request.ask,
            },
        )
        .map_err(Refusal::from);
    state.wrote(recorded)
}

/// A record's counts beside the rows of the lists that give them (the evidence a reviewer reads).
#[tauri::command]
fn recounts(
    state: tauri::State<'_, AppState>,
    batch: String,
    counts: std::collections::BTreeMap<String, i64>,
) -> Answer<Vec<kenshin_core::domain::evidence::Recount>> {
    Ok(state.office()?.recounts(&batch, &counts)?)
}

#[tauri::command]
fn propose_batch(
    state: tauri::State<'_, AppState>,
    process: ProcessId,
    month: Month,
    label: Option<String>,
) -> Answer<BatchProposal> {
    Ok(state
        .office()?
        .propose_batch(process, month, label.as_deref())?)
}

#[tauri::command]
fn new_batch(state: tauri::State<'_, AppState>, request: NewBatch) -> Answer<BatchRef> {
    let fiscal = fiscal_year(request.month.first_day());
    let made = state
        .office()?
        .new_batch(request.process, &request.label, Some(fiscal))
        .map_err(Refusal::from);
    state.wrote(made)
}

#[tauri::command]
fn lists(state: tauri::State<'_, AppState>, batch: String) -> Answer<Vec<ListRef>> {
    Ok(state.office()?.lists(&batch)?)
}

#[tauri::command]
fn register_page(
    state: tauri::State<'_, AppState>,
    query: String,
    offset: usize,
    limit: usize,
) -> Answer<Found> {
    Ok(state
        .office()?
        .register_page(&query, offset, limit.min(500))?)
}

/// A page of one of a batch's lists, searched (any width), for the evidence view.
#[tauri::command]
fn list_page(
    state: tauri::State<'_, AppState>,
    batch: String,
    list: String,
    search: String,
    offset: usize,
    limit: usize,
) -> Answer<ListPage> {
    let cached = state.shown_list.lock().map_err(Refusal::internal)?.clone();
    let shown = match cached.filter(|l| l.list.doc_id == list) {
        Some(l) => l,
        None => {
            let read = std::sync::Arc::new(state.office()?.list_text(&batch, &list)?);
            *state.shown_list.lock().map_err(Refusal::internal)? = Some(read.clone());
            read
        }
    };
    let (fields, total, rows) =
        kenshin_core::domain::lists::page(&shown.text, &search, offset, limit.min(500));
    Ok(ListPage {
        list: shown.list.clone(),
        fields,
        total,
        offset,
        rows,
        difference: shown.difference.clone(),
        redacted: shown.redacted.clone(),
    })
}

/// The process 4 batches that take calls now, newest first: the inquiry desk asks which one a call
/// counts toward when there are several.
#[tauri::command]
fn inquiry_batches(state: tauri::State<'_, AppState>) -> Answer<Vec<BatchRef>> {
    Ok(state.office()?.open_inquiry_batches()?)
}

/// 受診券の確認: whether a voucher (or a reissued sheet) serves on the day of the checkup, in the
/// one line the clerk reads out.
#[tauri::command]
fn check_voucher(
    state: tauri::State<'_, AppState>,
    voucher: String,
    on: String,
) -> Answer<kenshin_core::VoucherCheck> {
    Ok(state.office()?.check_voucher(&voucher, Some(&on))?)
}

#[tauri::command]
fn log_inquiry(
    state: tauri::State<'_, AppState>,
    request: InquiryRequest,
) -> Answer<InquiryLogged> {
    let logged = state.office()?.log_inquiry(
        &request.voucher,
        &request.from,
        &request.answer,
        Some(&request.on),
        request.batch.as_deref(),
    );
    state.wrote(logged.map_err(Refusal::from))
}

/// The returned envelopes a batch counts, for the data update step's running count.
#[tauri::command]
fn returned_count(state: tauri::State<'_, AppState>, batch: String) -> Answer<usize> {
    Ok(state.office()?.returned_count(&batch)?)
}

#[tauri::command]
fn record_return(
    state: tauri::State<'_, AppState>,
    request: ReturnRequest,
) -> Answer<ReturnRecorded> {
    let mut office = state.office()?;
    let note = office.record_return(
        &request.batch,
        &request.voucher,
        Some(&request.on),
        &request.reason,
    );
    let recorded = note.map(|note| ReturnRecorded {
        returned: office.returned_count(&request.batch).ok(),
        note,
    });
    state.wrote(recorded.map_err(Refusal::from))
}

/// A reissue request taken at the window (再交付申請), as the register's detail sends it.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ReissueRequestForm {
    /// The process 3 batch's id.
    pub batch: String,
    pub voucher: String,
    /// 紛失, 汚損, ...
    pub reason: String,
    /// The day it was asked for as typed; today when empty.
    pub on: String,
}

/// Adds a request to a reissue batch's request list (a new list with the rows it had and this one).
#[tauri::command]
fn request_reissue(
    state: tauri::State<'_, AppState>,
    request: ReissueRequestForm,
) -> Answer<ImportSummary> {
    let on = Some(request.on.as_str()).filter(|d| !d.trim().is_empty());
    let requested = state
        .office()?
        .request_reissue(&request.batch, &request.voucher, on, &request.reason)
        .map_err(Refusal::from);
    state.wrote(requested)
}

#[tauri::command]
fn preview_import(
    state: tauri::State<'_, AppState>,
    kind: ListKind,
    batch: String,
    file: String,
) -> Answer<ImportPreview> {
    let (name, bytes) = files::read_chosen(&state, &file)?;
    Ok(state
        .office()?
        .preview_import(kind, &batch, &name, &bytes)?)
}

/// Imports a list; one the preview has doubts about (the same rows again, more rows than the list
/// they come from) only once the clerk has `confirmed` it.
#[tauri::command]
fn import_list(
    state: tauri::State<'_, AppState>,
    kind: ListKind,
    batch: String,
    file: String,
    confirmed: bool,
) -> Answer<ImportSummary> {
    let (name, bytes) = files::read_chosen(&state, &file)?;
    let imported = state
        .office()?
        .import_confirmed(kind, &batch, &name, &bytes, confirmed)
        .map_err(Refusal::from);
    state.wrote(imported)
}

#[tauri::command]
fn report_table(state: tauri::State<'_, AppState>, kind: String, batch: String) -> Answer<Table> {
    let kind: ReportKind = kind.parse().map_err(Refusal::internal)?;
    Ok(state.office()?.report(kind, &batch)?)
}

#[tauri::command]
fn export_report(state: tauri::State<'_, AppState>, request: ExportRequest) -> Answer<String> {
    let kind: ReportKind = request.kind.parse().map_err(Refusal::internal)?;
    let table = state.office()?.report(kind, &request.batch)?;
    let bytes = report::file_bytes(&table, request.out).map_err(CoreError::from)?;
    let (path, name) = files::chosen(&state, &request.file)?;
    files::write_chosen(&path, &bytes)?;
    Ok(name)
}

/// A month's archive as made, and whether it was written (one with doubts is written only once the
/// clerk confirmed it).
#[derive(Debug, Clone, Serialize, TS)]
pub struct ArchiveFiled {
    pub exported: Exported,
    pub written: bool,
}

/// The month's archive (事跡), signed by the acting member, written to `path`; when the month holds
/// no sign-off or is not over, only once `confirmed`.
#[tauri::command]
fn archive_export(
    state: tauri::State<'_, AppState>,
    month: Month,
    file: String,
    passphrase: Option<String>,
    confirmed: bool,
) -> Answer<ArchiveFiled> {
    let (path, _) = files::chosen(&state, &file)?;
    let (bytes, exported) = state.office()?.archive_export(month)?;
    if !confirmed && !exported.doubts.is_empty() {
        return Ok(ArchiveFiled {
            exported,
            written: false,
        });
    }
    // With a passphrase, sealed for carrying (an AES-256 zip holding the archive).
    let passphrase = passphrase.filter(|p| !p.is_empty());
    let (path, bytes) = kenshin_core::exchange::carried(&path, bytes, passphrase.as_deref())?;
    files::write_chosen(&path, &bytes)?;
    Ok(ArchiveFiled {
        exported,
        written: true,
    })
}

/// Checks an archive, holding it to the anchor key this laptop pinned for its office. A sealed
/// archive is opened with its passphrase first.
#[tauri::command]
fn archive_verify(
    state: tauri::State<'_, AppState>,
    file: String,
    passphrase: Option<String>,
) -> Answer<ArchiveCheck> {
    let (name, mut bytes) = files::read_chosen(&state, &file)?;
    if kenshin_core::exchange::is_sealed(&bytes) {
        let p = passphrase
            .filter(|p| !p.is_empty())
            .ok_or_else(|| Refusal::needs_passphrase(&name))?;
        bytes = kenshin_core::exchange::unseal(&name, &bytes, &p)?.1;
    }
    let home = state.home()?;
    let check = kenshin_core::verify_archive(&name, &bytes, |office| {
        kenshin_core::pinned_anchor(&home, office)
    })?;
    // Checked whole on a laptop of its office: the month is filed (月次の保存), which a fiscal
    // year's close (年度締め) counts.
    if check.problems.is_empty() && kenshin_core::pinned_anchor(&home, &check.office)?.is_some() {
        state.office()?.file_archive(check.month, &bytes)?;
    }
    Ok(check)
}

/// 年度締め (approvers): closes a fiscal year once every month of it was archived; the years closed.
#[tauri::command]
fn year_close(state: tauri::State<'_, AppState>, fiscal_year: i32) -> Answer<Vec<ClosedYear>> {
    let mut office = state.office()?;
    office.close_year(fiscal_year)?;
    Ok(office.closed_years()?)
}

/// 保存期間: every fiscal year the office holds, kept until when, and what is due for deletion.
#[tauri::command]
fn retention(state: tauri::State<'_, AppState>) -> Answer<Retention> {
    Ok(state.office()?.retention()?)
}

/// 保存期間満了による削除 (approvers): a closed fiscal year past its keeping is deleted here, and from
/// every laptop on its next sync; the years as they are after.
#[tauri::command]
fn purge_year(state: tauri::State<'_, AppState>, fiscal_year: i32) -> Answer<Retention> {
    let mut office = state.office()?;
    office.purge_year(fiscal_year)?;
    Ok(office.retention()?)
}

/// 資格喪失者の削除 (approvers): the rows of persons who left the insurer, past their keeping, go from
/// every list here, and from every laptop on its next sync; what is kept as it is after.
#[tauri::command]
fn purge_departed(state: tauri::State<'_, AppState>) -> Answer<Retention> {
    let mut office = state.office()?;
    office.purge_departed()?;
    Ok(office.retention()?)
}

/// The fiscal years closed, oldest first.
#[tauri::command]
fn closed_years(state: tauri::State<'_, AppState>) -> Answer<Vec<ClosedYear>> {
    Ok(state.office()?.closed_years()?)
}

/// A print PDF: `reissues` (a reissue batch's vouchers), `vouchers-a4` or `vouchers-card` (an
/// issuing batch's standard vouchers), or `postcards` (the address list).
#[tauri::command]
fn print_pdf(
    state: tauri::State<'_, AppState>,
    kind: String,
    batch: String,
    file: String,
) -> Answer<String> {
    let (path, name) = files::chosen(&state, &file)?;
    let mut office = state.office()?;
    let bytes = match kind.as_str() {
        "reissues" => office.print_reissues(&batch),
        "vouchers-a4" => office.print_vouchers(&batch, Layout::A4),
        "vouchers-card" => office.print_vouchers(&batch, Layout::Card),
        "postcards" => office.print_postcards(&batch),
        other => return Err(Refusal::internal(format!("unknown print {other:?}"))),
    }?;
    files::write_chosen(&path, &bytes)?;
    Ok(name)
}

/// The home the app opens: `KENSHIN_HOME`, else the same default as the `kenshin` command.
pub fn default_home() -> PathBuf {
    if let Some(h) = std::env::var_os("KENSHIN_HOME") {
        return PathBuf::from(h);
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("kenshin")
}

/// Opens the window on `home`. A home with no office opens on the first screen (join, new office,
/// demo); a protected one on its passphrase.
pub fn run(home: PathBuf) -> Result<(), Box<dyn std::error::Error>> {
    let protected = kenshin_core::needs_passphrase(&home)?;
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(AppState::new(home))
        .setup(move |app| {
            // A protected home starts syncing when the window unlocks it.
            if !protected {
                sync::spawn_start(app.handle());
            }
            screen_lock::follow(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            session,
            office::opening,
            office::create_office,
            office::open_demo,
            office::join_office,
            office::make_invite,
            office::remove_member,
            office::leave_office,
            office::check_certificate,
            erasure::erasures,
            erasure::order_erasure,
            erasure::save_erased_certificate,
            office::set_deputy,
            office::set_settings,
            office::set_insurer,
            office::reset_member,
            office::change_role,
            unlock,
            sign_in::act_as,
            sign_in::change_secret,
            sign_in::lock,
            sign_in::sign_in_view,
            board,
            working_board,
            record,
            propose_batch,
            new_batch,
            lists,
            list_page,
            recounts,
            register_page,
            inquiry_batches,
            check_voucher,
            log_inquiry,
            returned_count,
            record_return,
            request_reissue,
            preview_import,
            import_list,
            report_table,
            export_report,
            archive_export,
            archive_verify,
            year_close,
            closed_years,
            retention,
            purge_year,
            purge_departed,
            print_pdf,
            sync::sync_view,
            sync::sync_settings,
            sync::sync_now,
            files::choose_file
        ])
        .build(tauri::generate_context!())?
        .run(|app, event| {
            // What the engine received is in the home before the app ends.
            if let tauri::RunEvent::Exit = event {
                let state = app.state::<AppState>();
                tauri::async_runtime::block_on(state.sync.stop(app));
            }
        });
    Ok(())
}
