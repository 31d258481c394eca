//! The sync engine inside the app: started when the home opens, stopped on quit, paused, resumed and
//! set up from the 同期 screen. What it hears reaches the window as `sync` events, so every screen
//! follows what peers send without a reload.

use crate::{Answer, AppState};
use kenshin_core::domain::sync::{Refusal, SyncProgress, SyncStanding};
use kenshin_core::sync::{self, Event, PeerView, Serving, SyncFault, SyncSettings, Syncing};
use kenshin_core::{CoreError, HomeDir};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};
use ts_rs::TS;

/// The app's engine: running, paused, or kept from running by a fault.
#[derive(Default)]
pub struct AppSync {
    engine: tokio::sync::Mutex<Engine>,
    /// The latest refusal from each address, until a connection there succeeds.
    refused: std::sync::Mutex<Vec<Refused>>,
    /// The running engine, told of the window's writes (reachable without waiting for `engine`).
    running: std::sync::Mutex<Option<sync::Engine>>,
}

/// A handshake refused at `address`: by that laptop (`by_peer`) or by this one, and why.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Refused {
    pub address: String,
    pub by_peer: bool,
    pub why: Refusal,
}

#[derive(Default)]
struct Engine {
    running: Option<Syncing>,
    serving: Serving,
}

/// The 同期 screen and the header's sync state.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncView {
    pub settings: SyncSettings,
    pub running: bool,
    /// Where other laptops reach this one, while listening.
    pub listening: Option<String>,
    pub faults: Vec<SyncFault>,
    pub peers: Vec<PeerView>,
    pub refused: Vec<Refused>,
    pub standing: SyncStanding,
    /// The documents this laptop holds of those it knows of (while the engine runs).
    pub progress: SyncProgress,
}

/// What the window hears: an engine event, or the engine having started or stopped.
const EVENT: &str = "sync";

impl AppSync {
    /// Starts the engine as the home's settings say (nothing when paused). A fault is kept for the
    /// window; the app works on offline.
    pub async fn start(&self, app: &AppHandle, home: &HomeDir) {
        let mut engine = self.engine.lock().await;
        if engine.running.is_some() {
            return;
        }
        engine.serving = Serving::default();
        let started = match sync::settings(home) {
            Ok(s) if s.paused => Ok(None),
            Ok(s) => Syncing::serve(home, &s).await.map(Some),
            Err(e) => Err(e),
        };
        match started {
            Ok(Some((syncing, serving))) => {
                let mut events = syncing.engine.subscribe();
                let app = app.clone();
                // Ends when the engine stops (its channel closes).
                tauri::async_runtime::spawn(async move {
                    use tokio::sync::broadcast::error::RecvError;
                    loop {
                        match events.recv().await {
                            Ok(e) => {
                                app.state::<AppState>().sync.note(&e);
                                let _ = app.emit(EVENT, &e);
                                // A removed laptop may have been handed an order to destroy it.
                                if matches!(e, Event::Refused { by_peer: true, .. }) {
                                    crate::erasure::spawn_obey(&app);
                                }
                            }
                            Err(RecvError::Lagged(_)) => {}
                            Err(RecvError::Closed) => break,
                        }
                    }
                });
                if let Ok(mut running) = self.running.lock() {
                    *running = Some(syncing.engine.clone());
                }
                engine.running = Some(syncing);
                engine.serving = serving;
            }
            // Nothing to sync before the first screen makes or joins an office.
            Ok(None) | Err(CoreError::NoOffice { .. }) => {}
            Err(CoreError::EngineRunning { .. }) => {
                engine.serving.faults.push(SyncFault::EngineRunning)
            }
            Err(e) => engine
                .serving
                .faults
                .push(SyncFault::Engine { why: e.to_string() }),
        }
        let _ = app.emit(EVENT, serde_json::json!({"event": "started"}));
    }

    /// Stops the engine; everything it received is in the home when this returns.
    pub async fn stop(&self, app: &AppHandle) {
        let mut engine = self.engine.lock().await;
        if let Ok(mut running) = self.running.lock() {
            *running = None;
        }
        if let Some(syncing) = engine.running.take() {
            if let Err(e) = syncing.stop().await {
                engine
                    .serving
                    .faults
                    .push(SyncFault::Engine { why: e.to_string() });
            }
        }
        engine.serving.listening = None;
        let _ = app.emit(EVENT, serde_json::json!({"event": "stopped"}));
    }

    /// The window wrote to the home: the engine sends it on now.
    pub fn committed(&self) {
        if let Ok(running) = self.running.lock() {
            if let Some(engine) = running.as_ref() {
                engine.committed();
            }
        }
    }

    /// Keeps what the sync screen shows of refusals.
    fn note(&self, e: &Event) {
        let Ok(mut refused) = self.refused.lock() else {
            return;
        };
        match e {
            Event::Refused {
                address,
                by_peer,
                why,
            } => {
                refused.retain(|r| &r.address != address);
                refused.push(Refused {
                    address: address.clone(),
                    by_peer: *by_peer,
                    why: why.clone(),
                });
            }
            Event::Connected { address, .. } => refused.retain(|r| &r.address != address),
            _ => {}
        }
    }

    async fn restart(&self, app: &AppHandle, home: &HomeDir) -> Answer<SyncView> {
        self.stop(app).await;
        self.start(app, home).await;
        self.view(home).await
    }

    async fn view(&self, home: &HomeDir) -> Answer<SyncView> {
        let engine = self.engine.lock().await;
        let (live, progress) = engine
            .running
            .as_ref()
            .map(|s| (s.engine.status(), s.engine.progress()))
            .unwrap_or_default();
        let seen = sync::overview(home, &live)?;
        Ok(SyncView {
            settings: seen.settings,
            running: engine.running.is_some(),
            listening: engine.serving.listening.map(|a| a.to_string()),
            faults: engine.serving.faults.clone(),
            refused: self.refused.lock().map(|r| r.clone()).unwrap_or_default(),
            peers: seen.peers,
            standing: seen.standing,
            progress,
        })
    }
}

/// Starts the engine in the background (the window opens without waiting for it).
pub fn spawn_start(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        if let Ok(home) = state.home() {
            state.sync.start(&app, &home).await;
        }
    });
}

#[tauri::command]
pub async fn sync_view(state: tauri::State<'_, AppState>) -> Answer<SyncView> {
    state.sync.view(&state.home()?).await
}

/// Keeps new settings and restarts the engine under them (pause and resume are settings too).
#[tauri::command]
pub async fn sync_settings(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    settings: SyncSettings,
) -> Answer<SyncView> {
    let home = state.home()?;
    sync::save_settings(&home, &settings)?;
    state.sync.restart(&app, &home).await
}

/// 今すぐ同期: a fresh engine dials every peer at once instead of waiting for its backoff.
#[tauri::command]
pub async fn sync_now(app: AppHandle, state: tauri::State<'_, AppState>) -> Answer<SyncView> {
    state.sync.restart(&app, &state.home()?).await
}
