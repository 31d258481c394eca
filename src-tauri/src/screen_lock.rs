//! The desktop's screen lock locks the window too: the session's screensaver says so on D-Bus
//! (`ActiveChanged(true)` of org.freedesktop.ScreenSaver, or GNOME's own). Without a session bus
//! (a machine with no desktop session) there is nothing to follow, and the idle lock still holds.

use crate::AppState;
use tauri::{AppHandle, Emitter, Manager};

/// The event the window locks on.
pub const LOCKED: &str = "locked";

/// Follows the screensaver from now on. Called on the main thread, whose GLib main loop (GTK's)
/// delivers the signals.
#[cfg(target_os = "linux")]
pub fn follow(app: &AppHandle) {
    let Ok(bus) = gio::bus_get_sync(gio::BusType::Session, gio::Cancellable::NONE) else {
        return;
    };
    for interface in ["org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver"] {
        let app = app.clone();
        bus.signal_subscribe(
            None,
            Some(interface),
            Some("ActiveChanged"),
            None,
            None,
            gio::DBusSignalFlags::NONE,
            move |_, _, _, _, _, params| {
                if params.get::<(bool,)>().is_some_and(|(active,)| active) {
                    lock_now(&app);
                }
            },
        );
    }
    // The subscriptions live as long as the connection: the app's whole life.
    std::mem::forget(bus);
}

#[cfg(not(target_os = "linux"))]
pub fn follow(_app: &AppHandle) {}

fn lock_now(app: &AppHandle) {
    if app.state::<AppState>().lock_now().is_ok() {
        let _ = app.emit(LOCKED, ());
    }
}
