//! Who works in the window (本人確認): a member signs in with their own secret, the window locks when
//! left idle, and a member changes their secret. A member who has none yet sets it before their
//! first act in the window (`kenshin` scripts of members without one keep working).

use crate::{Answer, AppState, Refusal, Session};
use kenshin_core::domain::settings::OfficeSettings;
use kenshin_core::{members_here, MemberHere, Office, Signer};
use serde::Serialize;
use ts_rs::TS;
use zeroize::Zeroizing;

/// Who the window acts as.
#[derive(Default)]
pub(crate) enum Who {
    /// The home's own member, when they have no secret yet (the window asks them to set one).
    #[default]
    HomeMember,
    SignedIn(Signer),
    /// Locked (idle, or on request): nothing opens until someone signs in.
    Locked {
        last: Option<String>,
    },
}

/// The sign-in (and lock) screen: the members who can sign in on this laptop, and who was last.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SignInView {
    pub members: Vec<MemberHere>,
    /// The member id to offer first.
    pub last: Option<String>,
}

/// Idle time before the window locks: the office's setting, unless `KENSHIN_IDLE_SECONDS` says
/// otherwise (the tests' seconds).
pub(crate) fn idle_seconds(settings: &OfficeSettings) -> u32 {
    // The tests' seconds, in a debug build only.
    let test = cfg!(debug_assertions)
        .then(|| std::env::var("KENSHIN_IDLE_SECONDS").ok()?.parse().ok())
        .flatten();
    test.unwrap_or(settings.idle_minutes * 60)
}

/// The office the window works in, kept open between commands (one connection to the home, not one
/// per command), for the member it was opened as.
pub(crate) struct OpenOffice<'a>(std::sync::MutexGuard<'a, Option<(Option<String>, Office)>>);

impl std::ops::Deref for OpenOffice<'_> {
    type Target = Office;
    fn deref(&self) -> &Office {
        // Made only around a `Some`.
        &self.0.as_ref().expect("an open office").1
    }
}

impl std::ops::DerefMut for OpenOffice<'_> {
    fn deref_mut(&mut self) -> &mut Office {
        &mut self.0.as_mut().expect("an open office").1
    }
}

impl Drop for OpenOffice<'_> {
    /// Between commands the office keeps its connection and the pages it used last (8 MiB), not
    /// all it read: the window runs all day, and the register's 150,000 rows would otherwise stay
    /// in its cache.
    fn drop(&mut self) {
        if let Some((_, office)) = self.0.as_ref() {
            // Failing, it only keeps the memory until the next time.
            let _ = office.shrink_memory();
        }
        release_freed_memory();
    }
}

/// Hands the pages a command freed back to the system. glibc keeps freed memory in its arenas, so
/// a window used all day would grow with what its busiest moments held (+20 to +34 % over 1,000
/// actions, against +2 % with a trim after each; trimming once a second, or on another thread, gave
/// +20 %). A trim takes 0.2 ms (median) to 8 ms on the 150,000-voucher office.
fn release_freed_memory() {
    #[cfg(target_os = "linux")]
    // SAFETY: malloc_trim only returns free pages of the allocator's own heaps to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

impl AppState {
    /// The office as the member who works in the window: the one kept open when it is theirs and
    /// they are still in the roster, else opened again.
    pub(crate) fn office(&self) -> Answer<OpenOffice<'_>> {
        let who = self.who.lock().map_err(Refusal::internal)?;
        let wanted = match &*who {
            Who::HomeMember => None,
            Who::SignedIn(signer) => Some(signer.member().id.clone()),
            Who::Locked { .. } => {
                return Err(Refusal::new(
                    "session.locked",
                    "画面がロックされています。暗証番号を入力してください",
                    "the window is locked: sign in again",
                ))
            }
        };
        let mut open = self.open.lock().map_err(Refusal::internal)?;
        let kept = match open.as_mut() {
            Some((member, office)) if *member == wanted => office.refresh().is_ok(),
            _ => false,
        };
        if !kept {
            *open = None;
            let home = self.home()?;
            let office = match &*who {
                Who::SignedIn(signer) => Office::open_as(&home, signer)?,
                _ => Office::open(&home, None)?,
            };
            *open = Some((wanted, office));
        }
        Ok(OpenOffice(open))
    }

    /// The office opened as the member the window acts as, taken out to be destroyed: from here
    /// nothing opens the home again (see [`AppState::home`]) until [`AppState::set_erased`] says so.
    pub(crate) fn take_office(&self) -> Answer<Office> {
        drop(self.office()?);
        self.set_erased(true);
        let taken = self
            .open
            .lock()
            .map_err(Refusal::internal)
            .and_then(|mut open| {
                open.take()
                    .ok_or_else(|| Refusal::internal("the office was not open"))
            });
        if taken.is_err() {
            self.set_erased(false);
        }
        Ok(taken?.1)
    }

    /// After this laptop's home was destroyed: a new laptop, as if the app had never opened one, once
    /// the window is back on its first screen (see [`AppState::home`]).
    pub(crate) fn forget_home(&self) {
        if let Ok(mut who) = self.who.lock() {
            *who = Who::default();
        }
        if let Ok(mut home) = self.home.lock() {
            *home = kenshin_core::HomeDir::new(home.path());
        }
    }

    /// The member signed in, when one is.
    pub(crate) fn signer(&self) -> Option<Signer> {
        match &*self.who.lock().ok()? {
            Who::SignedIn(signer) => Some(signer.clone()),
            _ => None,
        }
    }

    /// While set, nothing opens the home (see [`AppState::home`]).
    pub(crate) fn set_erased(&self, erased: bool) {
        self.erased
            .store(erased, std::sync::atomic::Ordering::SeqCst);
    }

    /// Closes the office kept open (its copy of the member's key goes with it): on a lock, a new
    /// member, a new secret or another home.
    pub(crate) fn close_office(&self) -> Answer<()> {
        *self.open.lock().map_err(Refusal::internal)? = None;
        Ok(())
    }
}

fn secret(s: Option<String>) -> Option<Zeroizing<String>> {
    s.map(Zeroizing::new)
}

/// Signs in as a member of this laptop with their secret; a member without one gives the new one
/// (typed twice in the window), which is set at once.
#[tauri::command]
pub fn act_as(
    state: tauri::State<'_, AppState>,
    member_id: String,
    secret_given: Option<String>,
    new_secret: Option<String>,
) -> Answer<Session> {
    let (given, new) = (secret(secret_given), secret(new_secret));
    let home = state.home()?;
    let signer = Office::sign_in(
        &home,
        Some(&member_id),
        given.as_deref().map(|s| s.as_str()),
    )?;
    let mut office = Office::open_as(&home, &signer)?;
    if !office.has_secret()? {
        let Some(new) = new else {
            return Err(first_secret(&signer));
        };
        office.set_secret(&new)?;
    }
    state.close_office()?;
    *state.who.lock().map_err(Refusal::internal)? = Who::SignedIn(signer);
    state.session()
}

fn first_secret(signer: &Signer) -> Refusal {
    let name = &signer.member().name;
    Refusal::new(
        "secret.first",
        format!("{name}さんの暗証番号はまだありません。6文字以上で決めて、2回入力してください"),
        format!("{name} has no secret yet: choose one of 6 characters or more and type it twice"),
    )
}

/// Changes the signed-in member's secret: the current one is asked again, so that a window left
/// open does not let someone else take the member over.
#[tauri::command]
pub fn change_secret(
    state: tauri::State<'_, AppState>,
    current: String,
    new_secret: String,
) -> Answer<Session> {
    let (current, new) = (Zeroizing::new(current), Zeroizing::new(new_secret));
    let home = state.home()?;
    let me = state.office()?.me().id.clone();
    let signer = Office::sign_in(&home, Some(&me), Some(&current))?;
    Office::open_as(&home, &signer)?.set_secret(&new)?;
    state.close_office()?;
    *state.who.lock().map_err(Refusal::internal)? = Who::SignedIn(signer);
    state.session()
}

impl Who {
    /// Who signed in last (offered first when the window asks again).
    fn last(&self) -> Option<String> {
        match self {
            Who::SignedIn(s) => Some(s.member().id.clone()),
            Who::Locked { last } => last.clone(),
            Who::HomeMember => None,
        }
    }
}

impl AppState {
    /// Locks the window: the member's opened key is dropped (wiped) and nothing opens until someone
    /// signs in again.
    pub(crate) fn lock_now(&self) -> Answer<()> {
        let mut who = self.who.lock().map_err(Refusal::internal)?;
        *who = Who::Locked { last: who.last() };
        self.close_office()
    }
}

/// ロック, or left idle.
#[tauri::command]
pub fn lock(state: tauri::State<'_, AppState>) -> Answer<()> {
    state.lock_now()
}

#[tauri::command]
pub fn sign_in_view(state: tauri::State<'_, AppState>) -> Answer<SignInView> {
    let last = state.who.lock().map_err(Refusal::internal)?.last();
    Ok(SignInView {
        members: members_here(&state.home()?)?,
        last,
    })
}
