//! The first screen and the roster from the window: what the home holds when the app opens (locked, no
//! office yet, joined and waiting for the roster, ready), and making an office, opening the demo,
//! joining with an invite file, and inviting a laptop.

use crate::{files, sync, Answer, AppState, Refusal, Session};
use kenshin_core::domain::erasure::ErasureCertificate;
use kenshin_core::domain::Role;
use kenshin_core::{display_time, CoreError, Joined, Office};
use serde::Serialize;
use tauri::AppHandle;
use ts_rs::TS;

/// What the window opens on.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Opening {
    /// The home waits for its passphrase.
    Locked,
    /// A new laptop: join with an invite, make an office, or open the demo.
    NoOffice,
    /// Joined with an invite; the roster has not arrived yet (the engine is dialling the inviter).
    Joining,
    /// The home's member (or each member of this laptop) has a secret: sign in first.
    SignIn,
    Ready {
        session: Box<Session>,
    },
}

/// Opened off the window's thread: the first open after an upgrade brings the home up to date
/// (seconds on a home of five years), and the window says so meanwhile.
#[tauri::command]
pub async fn opening(state: tauri::State<'_, AppState>) -> Answer<Opening> {
    // The first screen again after a destroyed home: a new laptop from here.
    state.set_erased(false);
    let home = state.home()?;
    if home.needs_passphrase()? {
        return Ok(Opening::Locked);
    }
    let opened = tauri::async_runtime::spawn_blocking(move || Office::open(&home, None).map(drop))
        .await
        .map_err(Refusal::internal)?;
    match opened {
        Ok(_) => Ok(Opening::Ready {
            session: Box::new(state.session()?),
        }),
        Err(CoreError::NoOffice { .. }) => Ok(Opening::NoOffice),
        Err(CoreError::NotSynced { .. }) => Ok(Opening::Joining),
        Err(CoreError::SecretNeeded { .. }) => Ok(Opening::SignIn),
        Err(e) => Err(e.into()),
    }
}

/// 新しい事務所を作る: this laptop founds the office and is its first admin.
#[tauri::command]
pub fn create_office(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    office_name: String,
    my_name: String,
) -> Answer<Session> {
    Office::init(&state.home()?, &office_name, &my_name)?;
    sync::spawn_start(&app);
    state.session()
}

/// デモを開く: the synthetic office (150,000 vouchers unless `KENSHIN_DEMO_VOUCHERS` says otherwise),
/// made off the window's thread.
#[tauri::command]
pub async fn open_demo(app: AppHandle, state: tauri::State<'_, AppState>) -> Answer<Session> {
    let home = state.home()?;
    let vouchers = std::env::var("KENSHIN_DEMO_VOUCHERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150_000);
    tauri::async_runtime::spawn_blocking(move || kenshin_core::create_demo(&home, vouchers))
        .await
        .map_err(Refusal::internal)??;
    sync::spawn_start(&app);
    state.session()
}

/// 招待ファイルで参加: accepts the invite, keeps the inviter's address (when given) among the peers to
/// dial, and starts the engine, which presents the invite there.
#[tauri::command]
pub fn join_office(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    file: String,
    peer: Option<String>,
) -> Answer<Joined> {
    let home = state.home()?;
    let mut settings = kenshin_core::sync::settings(&home)?;
    if let Some(peer) = peer.map(|p| p.trim().to_string()).filter(|p| !p.is_empty()) {
        settings.peers.push(peer);
    }
    // The address is checked before anything is written.
    kenshin_core::sync::check_settings(&settings)?;
    let (name, bytes) = files::read_chosen(&state, &file)?;
    let invite = String::from_utf8(bytes).map_err(|e| CoreError::BadInvite {
        file: name.clone(),
        why: e.to_string(),
    })?;
    let joined = kenshin_core::join(&home, &invite, &name)?;
    kenshin_core::sync::save_settings(&home, &settings)?;
    sync::spawn_start(&app);
    Ok(joined)
}

/// An invite made in the window: the name of its file and the 照合番号 to read aloud.
#[derive(Debug, Clone, Serialize, TS)]
pub struct InviteMade {
    pub name: String,
    pub file: String,
    pub fingerprint: String,
}

/// 端末の招待 (admin): the invite into the roster, its secret into the new file chosen.
#[tauri::command]
pub fn make_invite(
    state: tauri::State<'_, AppState>,
    name: String,
    role: Role,
    approver: bool,
    file: String,
) -> Answer<InviteMade> {
    let (path, file_name) = files::chosen(&state, &file)?;
    if path.exists() {
        let file = file_name;
        return Err(Refusal::new(
            "invite.file_exists",
            format!("「{file}」はすでにあります。招待ファイルは既存のファイルに上書きしません。別の名前で保存してください"),
            format!("{file} already exists; an invite is never written over another file"),
        ));
    }
    let file = state.wrote(
        state
            .office()?
            .invite(&name, role, approver)
            .map_err(Refusal::from),
    )?;
    let json = serde_json::to_vec_pretty(&file).map_err(Refusal::internal)?;
    files::write_chosen(&path, &json)?;
    Ok(InviteMade {
        name: file.invite.name.clone(),
        fingerprint: file.fingerprint(),
        file: file_name,
    })
}

/// 名簿から削除 (admin): that laptop is cut off at once on every laptop connected to this one, and
/// refused from then on; its entries the admin had seen keep counting. With `erase`, it is also
/// ordered destroyed (消去命令), told with the refusal of its next connection.
#[tauri::command]
pub fn remove_member(
    state: tauri::State<'_, AppState>,
    member_id: String,
    erase: bool,
) -> Answer<Session> {
    state.wrote(state.office()?.remove_member(&member_id, erase))?;
    state.session()
}

/// 代決者の指定 (admin): a section member may approve as deputy while the approver is absent, or no
/// longer; a signed setting every laptop judges.
#[tauri::command]
pub fn set_deputy(
    state: tauri::State<'_, AppState>,
    member_id: String,
    deputy: bool,
) -> Answer<Session> {
    state.office()?.set_deputy(&member_id, deputy)?;
    state.session()
}

/// 事務所の設定 (admin): the office's settings, whole, for every laptop.
#[tauri::command]
pub fn set_settings(
    state: tauri::State<'_, AppState>,
    settings: kenshin_core::domain::settings::OfficeSettings,
) -> Answer<Session> {
    state.office()?.set_settings(settings)?;
    state.session()
}

/// 保険者情報 (admin): the insurer's data every voucher carries; what the form names changes.
#[tauri::command]
pub fn set_insurer(
    state: tauri::State<'_, AppState>,
    form: kenshin_core::domain::voucher::InsurerForm,
) -> Answer<Session> {
    state.office()?.set_insurer(&form)?;
    state.session()
}

/// 役割の変更 (admin): a member's role and approver authority from now on.
#[tauri::command]
pub fn change_role(
    state: tauri::State<'_, AppState>,
    member_id: String,
    role: Role,
    approver: bool,
) -> Answer<Session> {
    state.office()?.change_role(&member_id, role, approver)?;
    state.session()
}

/// 暗証番号の再設定 (admin) for a member of this laptop who forgot theirs: added again with new keys;
/// they choose a new secret at their next sign-in.
#[tauri::command]
pub fn reset_member(state: tauri::State<'_, AppState>, member_id: String) -> Answer<Session> {
    state.office()?.reset_member_here(&member_id)?;
    state.session()
}

/// A 消去証明 as the window shows it (no personal data: what it held is counted, and batches named).
#[derive(Debug, Clone, Serialize, TS)]
pub struct CertificateView {
    pub office_name: String,
    pub member_name: String,
    pub batches: Vec<String>,
    #[ts(type = "number")]
    pub documents: u64,
    #[ts(type = "number")]
    pub vouchers: u64,
    pub synced_with: String,
    /// Empty when it was destroyed on an admin's order (no sync first).
    pub synced_at: String,
    pub destroyed_at: String,
    /// Whether an admin ordered it (消去命令).
    pub ordered: bool,
    /// Handed back to a section laptop on its last connection (else the file is the way).
    pub handed_back: bool,
    /// The file it was saved to; None when it could not be (the window then shows `text`, for
    /// copying: the home is gone, and the certificate must not be).
    pub saved: Option<String>,
    pub text: String,
}

impl CertificateView {
    pub(crate) fn of(
        c: &ErasureCertificate,
        handed_back: bool,
        saved: Option<String>,
        text: String,
    ) -> CertificateView {
        CertificateView {
            office_name: c.office_name.clone(),
            member_name: c.member_name.clone(),
            batches: c.held.batches.clone(),
            documents: c.held.documents,
            vouchers: c.held.vouchers,
            synced_with: c.synced_with.clone(),
            synced_at: c.synced_at.map(display_time).unwrap_or_default(),
            destroyed_at: display_time(c.destroyed_at),
            ordered: c.ordered.is_some(),
            handed_back,
            saved,
            text,
        }
    }
}

/// 契約終了 (the member of this laptop): one whole sync with a section laptop (the engine stopped for
/// it), then this laptop's home and key are destroyed and the member's signed 消去証明 is saved in
/// the file chosen. Refused, with nothing destroyed, when no section laptop answers or the file cannot
/// be written; the engine then runs again.
#[tauri::command]
pub async fn leave_office(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    file: String,
) -> Answer<CertificateView> {
    let (path, name) = files::chosen(&state, &file)?;
    let home = state.home()?;
    let canonical =
        |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let folder = path.parent().map(canonical).unwrap_or_default();
    if folder.starts_with(canonical(home.path())) {
        return Err(Refusal::new(
            "erasure.inside_home",
            "消去証明は、消去する記録のフォルダーの外に保存してください",
            "save the certificate outside the folder that is destroyed",
        ));
    }
    // Where the certificate goes is writable before anything is destroyed.
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .map_err(|e| Refusal::cannot_write(&name, e))?;
    if !existed {
        let _ = std::fs::remove_file(&path);
    }
    // Nothing opens the home from here (a new, empty one would be made): the window's other calls
    // are refused until it is destroyed or this is refused.
    let office = state.take_office()?;
    state.sync.stop(&app).await;
    let dir = home.clone();
    let erased = match kenshin_core::sync_with_the_section(&home, LAST_SYNC).await {
        Ok((synced, tried)) => {
            tauri::async_runtime::spawn_blocking(move || office.erase(&dir, synced, tried))
                .await
                .map_err(Refusal::internal)
                .and_then(|erased| erased.map_err(Refusal::from))
        }
        Err(e) => Err(e.into()),
    };
    let erased = match erased {
        Ok(e) => e,
        Err(refused) => {
            state.set_erased(false);
            sync::spawn_start(&app);
            return Err(refused);
        }
    };
    // The home is gone: the certificate is kept before anything else can fail.
    let text = serde_json::to_string_pretty(&erased.certificate).unwrap_or_default();
    let saved = files::write_chosen(&path, text.as_bytes())
        .ok()
        .map(|()| name);
    state.forget_home();
    let handed_back = erased.hand_back().await.is_ok();
    Ok(CertificateView::of(
        &erased.certificate,
        handed_back,
        saved,
        text,
    ))
}

/// How long the last sync before an erasure may take with each section laptop.
const LAST_SYNC: std::time::Duration = std::time::Duration::from_secs(60);

/// 消去証明の確認: a certificate a contractor laptop wrote when it was destroyed, checked against the
/// office's roster.
#[tauri::command]
pub fn check_certificate(
    state: tauri::State<'_, AppState>,
    file: String,
) -> Answer<CertificateView> {
    let (path, _) = files::opened(&state, &file)?;
    let c = state.office()?.check_erasure(&path)?;
    Ok(CertificateView::of(&c, false, None, String::new()))
}
