//! Files the clerk chose in the system's dialog (開く・保存). The shell opens the dialog itself and
//! keeps the chosen path; the page gets a token and the file's name. A command reads or writes only a
//! file chosen this way, never a path the page typed, and the page has no dialog of its own (its
//! capabilities hold none).

use crate::{Answer, AppState, Refusal};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;
use ts_rs::TS;

/// Where the tests' answers come from instead of a dialog (the GTK dialog cannot be driven from
/// WebDriver): a file of paths, one taken per dialog. Set only by whoever starts the app.
#[cfg(debug_assertions)]
const ANSWERS_ENV: &str = "KENSHIN_DIALOG_ANSWERS";

/// A chosen file as the page knows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Chosen {
    /// What a command is given to name the file.
    pub token: String,
    /// Its name, to show.
    pub name: String,
}

/// Which dialog chose a file: one opened to read is never written, one chosen to save is never read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Open,
    Save,
}

#[derive(Default)]
pub(crate) struct ChosenFiles(Mutex<HashMap<String, (PathBuf, Purpose)>>);

impl ChosenFiles {
    /// The path behind a token given for `purpose`; any other token is refused.
    fn path(&self, token: &str, purpose: Purpose) -> Answer<PathBuf> {
        self.0
            .lock()
            .map_err(Refusal::internal)?
            .get(token)
            .filter(|(_, p)| *p == purpose)
            .map(|(path, _)| path.clone())
            .ok_or_else(|| {
                Refusal::new(
                    "file.not_chosen",
                    "ファイルが選ばれていません。「選択…」で選び直してください",
                    "no file was chosen for this: choose it again",
                )
            })
    }

    fn keep(&self, path: PathBuf, purpose: Purpose) -> Answer<Chosen> {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let name = crate::file_name(&path.to_string_lossy());
        self.0
            .lock()
            .map_err(Refusal::internal)?
            .insert(token.clone(), (path, purpose));
        Ok(Chosen { token, name })
    }
}

/// The next answer of the tests' file, if they set one (an empty line: cancelled). A release build
/// has no such hook.
#[cfg(not(debug_assertions))]
fn test_answer() -> Option<Option<PathBuf>> {
    None
}

#[cfg(debug_assertions)]
fn test_answer() -> Option<Option<PathBuf>> {
    let file = std::env::var_os(ANSWERS_ENV)?;
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let mut lines = text.lines();
    let first = lines.next().map(str::to_string);
    let rest: Vec<&str> = lines.collect();
    let _ = std::fs::write(&file, rest.join("\n"));
    Some(first.filter(|l| !l.is_empty()).map(PathBuf::from))
}

/// Opens the system's dialog: to open a file of the kinds `ext`, or (`save` given: the name it
/// proposes) to save one. None when the clerk cancelled.
#[tauri::command]
pub async fn choose_file(
    app: AppHandle,
    state: tauri::State<'_, AppState>,
    ext: Vec<String>,
    save: Option<String>,
) -> Answer<Option<Chosen>> {
    let purpose = if save.is_some() {
        Purpose::Save
    } else {
        Purpose::Open
    };
    let path = match test_answer() {
        Some(answer) => answer,
        None => {
            let exts: Vec<&str> = ext.iter().map(String::as_str).collect();
            let label = ext.join("・").to_uppercase();
            let dialog = app.dialog().file().add_filter(label, &exts);
            let picked = match save {
                Some(name) => dialog.set_file_name(name).blocking_save_file(),
                None => dialog.blocking_pick_file(),
            };
            picked.and_then(|p| p.into_path().ok())
        }
    };
    path.map(|p| state.files.keep(p, purpose)).transpose()
}

/// The path and name of a file chosen in a save dialog, to write.
pub(crate) fn chosen(state: &AppState, token: &str) -> Answer<(PathBuf, String)> {
    let path = state.files.path(token, Purpose::Save)?;
    let name = crate::file_name(&path.to_string_lossy());
    Ok((path, name))
}

/// The path and name of a file chosen in an open dialog, for a reader that caps what it takes.
pub(crate) fn opened(state: &AppState, token: &str) -> Answer<(PathBuf, String)> {
    let path = state.files.path(token, Purpose::Open)?;
    let name = crate::file_name(&path.to_string_lossy());
    Ok((path, name))
}

/// Reads a file chosen in an open dialog, whole.
pub(crate) fn read_chosen(state: &AppState, token: &str) -> Answer<(String, Vec<u8>)> {
    let path = state.files.path(token, Purpose::Open)?;
    let name = crate::file_name(&path.to_string_lossy());
    let bytes = std::fs::read(&path).map_err(|e| Refusal::cannot_read(&name, e))?;
    Ok((name, bytes))
}

/// Writes a chosen file whole (a temporary file renamed over it).
pub(crate) fn write_chosen(path: &Path, bytes: &[u8]) -> Answer<()> {
    kenshin_core::exchange::write_whole(path, bytes)
        .map_err(|e| Refusal::cannot_write(&crate::file_name(&path.to_string_lossy()), e))
}
