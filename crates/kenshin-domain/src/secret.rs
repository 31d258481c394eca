//! A member's own secret on a laptop (暗証番号・パスフレーズ): what a new one must be, and how long
//! someone waits after wrong tries. The sealing itself is the store's; these are the rules.

use chrono::{DateTime, Duration, Utc};
use thiserror::Error;

/// The shortest secret taken: six characters (a six-digit PIN at least).
pub const MIN_LEN: usize = 6;
/// Wrong tries in a row allowed before each further try waits.
pub const FREE_TRIES: u32 = 5;
/// The first wait, doubled with each further wrong try, up to [`LONGEST_WAIT`].
const FIRST_WAIT_SECONDS: i64 = 30;
const LONGEST_WAIT_SECONDS: i64 = 15 * 60;

/// Why a new secret is not taken.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WeakSecret {
    #[error("a secret needs at least {min} characters")]
    TooShort { min: usize },
    /// 111111, aaaaaa.
    #[error("a secret of one repeated character is guessed at once")]
    OneCharacter,
    /// 123456, 987654, abcdef.
    #[error("a run of consecutive characters (123456) is guessed at once")]
    Run,
}

/// Checks a new secret before it seals anything.
pub fn check_new(secret: &str) -> Result<(), WeakSecret> {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < MIN_LEN {
        return Err(WeakSecret::TooShort { min: MIN_LEN });
    }
    if chars.iter().all(|c| *c == chars[0]) {
        return Err(WeakSecret::OneCharacter);
    }
    let steps: Vec<i64> = chars
        .windows(2)
        .map(|w| w[1] as i64 - w[0] as i64)
        .collect();
    if steps.iter().all(|s| *s == 1) || steps.iter().all(|s| *s == -1) {
        return Err(WeakSecret::Run);
    }
    Ok(())
}

/// Wrong tries in a row on this laptop, and when the last was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tries {
    pub wrong: u32,
    pub last: DateTime<Utc>,
}

impl Tries {
    /// The stored form: `3 2026-12-04T10:00:00Z`.
    pub fn to_text(&self) -> String {
        format!("{} {}", self.wrong, self.last.to_rfc3339())
    }

    /// None for text this build did not write (the count starts again; the wait is a courtesy
    /// against guessing, the Argon2 cost is the protection).
    pub fn from_text(text: &str) -> Option<Tries> {
        let (wrong, last) = text.split_once(' ')?;
        Some(Tries {
            wrong: wrong.parse().ok()?,
            last: DateTime::parse_from_rfc3339(last).ok()?.with_timezone(&Utc),
        })
    }
}

/// How long a try waits after `wrong` wrong tries in a row: nothing for the first five, then 30
/// seconds, doubling, at most 15 minutes.
pub fn wait_after(wrong: u32) -> Option<Duration> {
    let over = wrong.checked_sub(FREE_TRIES)?;
    let seconds = FIRST_WAIT_SECONDS
        .saturating_mul(1i64 << over.min(20))
        .min(LONGEST_WAIT_SECONDS);
    Some(Duration::seconds(seconds))
}

/// Whether a try may be made `now`; Err with the seconds still to wait.
pub fn may_try(tries: Option<&Tries>, now: DateTime<Utc>) -> Result<(), i64> {
    let Some(t) = tries else { return Ok(()) };
    match wait_after(t.wrong) {
        // Whole seconds, rounded up: "wait 30 s" the moment after the fifth.
        Some(wait) if now < t.last + wait => {
            Err(((t.last + wait - now).num_milliseconds() + 999) / 1000)
        }
        _ => Ok(()),
    }
}

/// Tries left before the next wrong one makes the member wait.
pub fn tries_left(wrong: u32) -> u32 {
    FREE_TRIES.saturating_sub(wrong)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn new_secrets() {
        for (secret, want) in [
            ("", Err(WeakSecret::TooShort { min: 6 })),
            ("12345", Err(WeakSecret::TooShort { min: 6 })),
            ("111111", Err(WeakSecret::OneCharacter)),
            ("123456", Err(WeakSecret::Run)),
            ("987654", Err(WeakSecret::Run)),
            ("abcdefg", Err(WeakSecret::Run)),
            ("あいうえ", Err(WeakSecret::TooShort { min: 6 })),
            ("135790", Ok(())),
            ("112233", Ok(())),
            ("はなこのひみつ", Ok(())),
            ("correct horse", Ok(())),
        ] {
            assert_eq!(check_new(secret), want, "{secret:?}");
        }
    }

    #[test]
    fn waits_after_five_wrong_tries() {
        let at = Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap();
        let tries = |wrong| Tries { wrong, last: at };
        for (wrong, after, want) in [
            (0, 0, Ok(())),
            (4, 0, Ok(())),
            (5, 0, Err(30)),
            (5, 29, Err(1)),
            (5, 30, Ok(())),
            (6, 10, Err(50)),
            (9, 0, Err(480)),
            (10, 0, Err(900)),
            (40, 0, Err(900)),
            (40, 900, Ok(())),
        ] {
            let now = at + Duration::seconds(after);
            assert_eq!(
                may_try(Some(&tries(wrong)), now),
                want,
                "{wrong} wrong, {after} s later"
            );
        }
        assert_eq!(may_try(None, at), Ok(()));
        assert_eq!((tries_left(0), tries_left(4), tries_left(7)), (5, 1, 0));
    }

    #[test]
    fn tries_are_kept_as_text() {
        let t = Tries {
            wrong: 3,
            last: Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap(),
        };
        assert_eq!(Tries::from_text(&t.to_text()), Some(t));
        assert_eq!(Tries::from_text("x"), None);
        assert_eq!(Tries::from_text("3 yesterday"), None);
    }
}
