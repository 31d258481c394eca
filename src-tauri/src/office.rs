//! The first screen and the roster from the window: what the home holds when the app opens (locked, no
//! office yet, joined and waiting for the roster, ready), and making an office, opening the demo,
//! joining with an invite file, and inviting a laptop.

use crate::{files, sync, Answer, AppState, Refusal, Session};
use kenshin_core::domain::Role;
use kenshin_core::{CoreError, Joined, Office};
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

#[tauri::command]
pub fn opening(state: tauri::State<'_, AppState>) -> Answer<Opening> {
    let home = state.home()?;
    if home.needs_passphrase()? {
        return Ok(Opening::Locked);
    }
    match Office::open(&home, None) {
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
/// refused from then on; its entries the admin had seen keep counting.
#[tauri::command]
pub fn remove_member(state: tauri::State<'_, AppState>, member_id: String) -> Answer<Session> {
    state.office()?.remove_member(&member_id)?;
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
