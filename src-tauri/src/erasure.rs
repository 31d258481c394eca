//! 消去命令 in the window. The section's 同期 screen lists the removed members' laptops, where an
//! admin orders one destroyed (or does so with the removal), and the 消去証明 destroyed laptops
//! handed back. On a removed laptop, an order that arrives with a refusal destroys it at once, and
//! the window says so with the certificate.

use crate::office::CertificateView;
use crate::{files, sync, Answer, AppState, Refusal};
use kenshin_core::domain::Role;
use kenshin_core::{display_time, Unlock};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};
use ts_rs::TS;

/// A removed member's laptop, and when an admin ordered it destroyed.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RemovedLaptopView {
    pub member_id: String,
    pub name: String,
    pub role: Role,
    pub ordered_at: Option<String>,
}

/// 消去命令と消去証明, as the 同期 screen shows them.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ErasuresView {
    pub removed: Vec<RemovedLaptopView>,
    pub certificates: Vec<CertificateView>,
}

#[tauri::command]
pub fn erasures(state: tauri::State<'_, AppState>) -> Answer<ErasuresView> {
    let e = state.office()?.erasures()?;
    Ok(ErasuresView {
        removed: e
            .removed
            .into_iter()
            .map(|r| RemovedLaptopView {
                member_id: r.member.id,
                name: r.member.name,
                role: r.member.role,
                ordered_at: r.order.map(|o| display_time(o.at)),
            })
            .collect(),
        certificates: e
            .certificates
            .iter()
            .map(|c| CertificateView::of(c, true, None, String::new()))
            .collect(),
    })
}

/// 消去を命じる (admin): the removed member's laptop is told with the refusal of its next connection.
#[tauri::command]
pub fn order_erasure(state: tauri::State<'_, AppState>, member_id: String) -> Answer<ErasuresView> {
    state.wrote(state.office()?.order_erasure(&member_id))?;
    erasures(state)
}

/// What the window hears when this laptop was destroyed on an order: the certificate.
const ERASED: &str = "erased";

/// When an admin's order to destroy this laptop arrived: destroys it in the background and tells
/// the window.
pub(crate) fn spawn_obey(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Some(view) = obey(&app).await {
            let _ = app.emit(ERASED, &view);
        }
    });
}

async fn obey(app: &AppHandle) -> Option<CertificateView> {
    let state = app.state::<AppState>();
    let home = state.home().ok()?;
    let ordered = kenshin_core::erasure_ordered(&home).ok()??;
    // The member signed in signs the certificate; with nobody signed in (a removed member cannot
    // sign in again) the laptop is destroyed even so, the certificate unsigned.
    let signer = state.signer();
    // Nothing opens the home from here; the engine lets it go.
    state.set_erased(true);
    let _ = state.close_office();
    state.sync.stop(app).await;
    let dir = home.clone();
    let erased = tauri::async_runtime::spawn_blocking(move || {
        let unlock = signer.as_ref().map_or(Unlock::Unsigned, Unlock::Signer);
        kenshin_core::erase_on_order(&dir, ordered, unlock)
    })
    .await;
    let erased = match erased
        .map_err(|e| e.to_string())
        .and_then(|e| e.map_err(|e| e.to_string()))
    {
        Ok(e) => e,
        Err(why) => {
            // Not carried out (the order did not hold here, or the files could not go): sync again.
            eprintln!("kenshin: the erasure order was not carried out: {why}");
            state.set_erased(false);
            sync::spawn_start(app);
            return None;
        }
    };
    // The home is gone: the certificate is kept before anything else can fail.
    let text = serde_json::to_string_pretty(&erased.certificate).unwrap_or_default();
    if let Ok(mut kept) = state.erased_certificate.lock() {
        *kept = Some(text.clone());
    }
    state.forget_home();
    let handed_back = erased.hand_back().await.is_ok();
    Some(CertificateView::of(
        &erased.certificate,
        handed_back,
        None,
        text,
    ))
}

/// Saves the certificate of this laptop's destruction on an order in the file chosen.
#[tauri::command]
pub fn save_erased_certificate(state: tauri::State<'_, AppState>, file: String) -> Answer<String> {
    let (path, name) = files::chosen(&state, &file)?;
    let text = state
        .erased_certificate
        .lock()
        .map_err(Refusal::internal)?
        .clone()
        .ok_or_else(|| Refusal::internal("no certificate to save"))?;
    files::write_chosen(&path, text.as_bytes())?;
    Ok(name)
}
