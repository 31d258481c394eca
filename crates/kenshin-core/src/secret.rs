//! Signing in as a member on this laptop (本人確認): a member whose signing key is sealed under their
//! own secret acts only once the secret opens it. Wrong tries are counted in the home, so five in a
//! row make the next one wait even after a restart.

use crate::error::{CoreError, Result};
use crate::trust::{kept_keys, keys_setting};
use crate::{find_member, now, Office};
use kenshin_domain::secret::{check_new, may_try, tries_left, Tries};
use kenshin_domain::Member;
use kenshin_store::{open_with_secret, seal_with_secret, Home, HomeDir, Tx};
use kenshin_trust::{KeptKeys, Keys};
use std::sync::Arc;

/// A member who proved, on this laptop, that they are themselves: their keys, opened. Front ends
/// keep it while the member works (the window until it locks) and open the office with it.
#[derive(Clone)]
pub struct Signer {
    pub(crate) member: Member,
    pub(crate) keys: Arc<Keys>,
}

impl Signer {
    pub fn member(&self) -> &Member {
        &self.member
    }
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the keys.
        write!(f, "Signer({})", self.member.name)
    }
}

/// A member whose keys are on this laptop: whom the window lets sign in here.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct MemberHere {
    pub member: Member,
    /// Whether they have set their own secret (暗証番号) here.
    pub secret: bool,
    /// The laptop's own member (whose key proves the laptop on the wire).
    pub owner: bool,
}

/// The members who can sign in on this laptop, read without signing in.
pub fn members_here(home: impl Into<HomeDir>) -> Result<Vec<MemberHere>> {
    crate::open_home(&home.into())?.read(|tx| {
        let owner = tx.local(crate::trust::ME)?;
        let mut here = Vec::new();
        for m in tx.members()? {
            if let Some(kept) = kept_keys(tx, &m.member.id)? {
                here.push(MemberHere {
                    owner: owner.as_deref() == Some(m.member.id.as_str()),
                    member: m.member,
                    secret: matches!(kept, KeptKeys::Sealed { .. }),
                });
            }
        }
        Ok(here)
    })
}

fn tries_setting(member: &str) -> String {
    format!("secret-tries:{member}")
}

fn read_tries(tx: &Tx<'_>, member: &str) -> Result<Option<Tries>> {
    Ok(tx
        .local(&tries_setting(member))?
        .as_deref()
        .and_then(Tries::from_text))
}

/// Whom `acting_as` names (the home's own member when None), and their keys as kept here.
fn kept(tx: &Tx<'_>, acting_as: Option<&str>, dir: &std::path::Path) -> Result<(Member, KeptKeys)> {
    let no_office = || CoreError::NoOffice {
        home: dir.display().to_string(),
    };
    let who = match acting_as {
        Some(who) => who.to_string(),
        None => tx.local(crate::trust::ME)?.ok_or_else(no_office)?,
    };
    let me = find_member(&tx.members()?, &who)?;
    let keys = kept_keys(tx, &me.id)?.ok_or_else(|| CoreError::KeysElsewhere {
        member: me.name.clone(),
    })?;
    Ok((me, keys))
}

/// Signs in as `acting_as` (the home's own member when None) with their secret, if they have one.
pub(crate) fn sign_in(
    home: &mut Home,
    dir: &HomeDir,
    acting_as: Option<&str>,
    secret: Option<&str>,
) -> Result<Signer> {
    let (member, kept) = home.read(|tx| kept(tx, acting_as, dir.path()))?;
    let (sealed, noise) = match kept {
        KeptKeys::Open(keys) => {
            return Ok(Signer {
                member,
                keys: Arc::new(keys),
            })
        }
        KeptKeys::Sealed { sealed, noise } => (sealed, noise),
    };
    let Some(secret) = secret else {
        return Err(CoreError::SecretNeeded {
            member: member.name,
        });
    };
    // The wait is judged and the try counted in one write, before the secret is tried, so tries
    // made at once by several processes each count; a try that opens the key is forgotten.
    let setting = tries_setting(&member.id);
    let wrong = home.write(|tx| {
        let tries = read_tries(tx, &member.id)?;
        if let Err(seconds) = may_try(tries.as_ref(), now()) {
            return Err(CoreError::SecretWait {
                member: member.name.clone(),
                seconds,
            });
        }
        let wrong = tries.map_or(0, |t| t.wrong) + 1;
        tx.set_local(&setting, &Tries { wrong, last: now() }.to_text())?;
        Ok(wrong)
    })?;
    match open_with_secret(&sealed, secret)? {
        Some(seed) => {
            home.write(|tx| Ok::<_, CoreError>(tx.remove_local(&setting)?))?;
            let keys =
                KeptKeys::opened(&seed, &noise).map_err(|e| CoreError::Internal(e.to_string()))?;
            Ok(Signer {
                member,
                keys: Arc::new(keys),
            })
        }
        None => Err(CoreError::WrongSecret {
            member: member.name,
            left: tries_left(wrong),
        }),
    }
}

impl Office {
    /// Whether this member's signing key is sealed under their own secret on this laptop.
    pub fn has_secret(&mut self) -> Result<bool> {
        let id = self.me.id.clone();
        self.home
            .read(|tx| Ok(matches!(kept_keys(tx, &id)?, Some(KeptKeys::Sealed { .. }))))
    }

    /// Sets or changes this member's own secret: their signing key is sealed under it, and every
    /// later sign-in on this laptop needs it. (Opening this office already took the old one.)
    pub fn set_secret(&mut self, new: &str) -> Result<()> {
        check_new(new)?;
        let sealed = seal_with_secret(new, self.keys.seed().as_slice())?;
        let text = self.keys.to_sealed_text(&sealed);
        let id = self.me.id.clone();
        self.home.write(|tx| {
            tx.set_local(&keys_setting(&id), &text)?;
            Ok::<_, CoreError>(tx.remove_local(&tries_setting(&id))?)
        })
    }
}
