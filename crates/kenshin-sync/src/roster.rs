//! Which roster entries hold, checked from the office's anchor (the founder's key, pinned in every
//! home when it was founded or joined) down through admins and invites, and who signed a sign-off.

use crate::identity::verify;
use kenshin_domain::roster::{
    invite_payload, member_payload, removal_payload, signoff_payload, Invite, Removal, RosterEntry,
};
use kenshin_domain::{Member, SignOff};
use std::collections::BTreeMap;

/// The roster as this laptop judges it.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    pub office: String,
    valid: BTreeMap<String, RosterEntry>,
    /// Entries that do not hold, and why.
    pub invalid: Vec<(RosterEntry, String)>,
    removals: BTreeMap<String, Removal>,
    invites: BTreeMap<String, Invite>,
}

const INVITE_PREFIX: &str = "invite:";

impl Roster {
    /// Checks every entry. `anchor` is the founder's Ed25519 key as this home pinned it.
    pub fn check(
        office: &str,
        anchor: &str,
        entries: &[RosterEntry],
        invites: &[Invite],
        removals: &[Removal],
    ) -> Roster {
        let mut r = Roster {
            office: office.to_string(),
            ..Roster::default()
        };
        let mut pending: Vec<&RosterEntry> = entries.iter().collect();
        // Admins vouch for members and invites; repeat until nothing new holds.
        loop {
            let before = r.valid.len() + r.invites.len();
            for inv in invites {
                if !r.invites.contains_key(&inv.id)
                    && r.admin_signed(&inv.by, &invite_payload(office, inv), &inv.signature)
                {
                    r.invites.insert(inv.id.clone(), inv.clone());
                }
            }
            pending.retain(|e| match r.vouched(anchor, e) {
                Some(()) => {
                    r.valid.insert(e.member.id.clone(), (*e).clone());
                    false
                }
                None => true,
            });
            if r.valid.len() + r.invites.len() == before {
                break;
            }
        }
        for e in pending {
            let why = r.why_not(anchor, e);
            r.invalid.push((e.clone(), why));
        }
        for rm in removals {
            if r.admin_signed(&rm.by, &removal_payload(office, rm), &rm.signature) {
                r.removals.insert(rm.member.clone(), rm.clone());
            }
        }
        r
    }

    fn admin_signed(&self, by: &str, payload: &[u8], signature: &str) -> bool {
        self.valid
            .get(by)
            .is_some_and(|a| a.member.admin && verify(&a.sign_key, payload, signature).is_ok())
    }

    fn vouched(&self, anchor: &str, e: &RosterEntry) -> Option<()> {
        let payload = member_payload(&self.office, e);
        let ok = match e.added_by.as_deref() {
            None => e.sign_key == anchor && verify(anchor, &payload, &e.signature).is_ok(),
            Some(by) => match by.strip_prefix(INVITE_PREFIX) {
                Some(invite) => self.invites.get(invite).is_some_and(|inv| {
                    inv.name == e.member.name
                        && inv.role == e.member.role
                        && inv.approver == e.member.approver
                        && !e.member.admin
                        && !self
                            .valid
                            .values()
                            .any(|v| v.added_by.as_deref() == Some(by))
                        && verify(&inv.key, &payload, &e.signature).is_ok()
                }),
                None => self.admin_signed(by, &payload, &e.signature),
            },
        };
        ok.then_some(())
    }

    fn why_not(&self, anchor: &str, e: &RosterEntry) -> String {
        match e.added_by.as_deref() {
            None if e.sign_key != anchor => {
                "claims to be the founder but is not the office's anchor key".into()
            }
            None => "the founder's signature does not match".into(),
            Some(by) => match by.strip_prefix(INVITE_PREFIX) {
                Some(invite) if !self.invites.contains_key(invite) => {
                    format!("joined with invite {invite}, which no admin signed")
                }
                Some(invite) => {
                    format!("does not match invite {invite}, or the invite was already used")
                }
                None if !self.valid.get(by).is_some_and(|a| a.member.admin) => {
                    format!("added by {by}, who is not an admin of the roster")
                }
                None => format!("the signature of {by} does not match"),
            },
        }
    }

    /// A member whose entry holds (removed or not).
    pub fn member(&self, id: &str) -> Option<&RosterEntry> {
        self.valid.get(id)
    }

    pub fn members(&self) -> impl Iterator<Item = &RosterEntry> {
        self.valid.values()
    }

    pub fn invite(&self, id: &str) -> Option<&Invite> {
        self.invites.get(id)
    }

    /// Whether an invite has been used by an entry that holds.
    pub fn invite_used(&self, id: &str) -> bool {
        let by = format!("{INVITE_PREFIX}{id}");
        self.valid
            .values()
            .any(|v| v.added_by.as_deref() == Some(by.as_str()))
    }

    pub fn removal(&self, id: &str) -> Option<&Removal> {
        self.removals.get(id)
    }

    /// A member who may sync now: in the roster, and not removed.
    pub fn current(&self, id: &str) -> Option<&RosterEntry> {
        self.valid
            .get(id)
            .filter(|_| !self.removals.contains_key(id))
    }

    /// The current member whose laptop holds this X25519 key.
    pub fn by_noise_key(&self, key: &str) -> Option<&RosterEntry> {
        self.valid
            .values()
            .find(|e| e.noise_key == key && !self.removals.contains_key(&e.member.id))
    }

    /// Who signed a sign-off, or why it counts for nothing.
    pub fn signer(&self, batch: &str, e: &SignOff) -> Result<Member, String> {
        let Some(m) = self.valid.get(&e.by) else {
            return Err(format!("signed as {}, who is not in the roster", e.by));
        };
        verify(
            &m.sign_key,
            &signoff_payload(&self.office, batch, e),
            &e.signature,
        )?;
        if let Some(rm) = self.removals.get(&e.by) {
            if !rm.kept.contains(&e.id) {
                return Err(format!(
                    "recorded by {} after their removal from the roster",
                    m.member.name
                ));
            }
        }
        Ok(m.member.clone())
    }
}

/// The `added_by` of an entry made with an invite.
pub fn invite_signer(invite_id: &str) -> String {
    format!("{INVITE_PREFIX}{invite_id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Keys;
    use kenshin_domain::Role;

    fn at() -> chrono::DateTime<chrono::Utc> {
        "2026-05-01T09:00:00Z".parse().unwrap()
    }

    fn entry(
        id: &str,
        keys: &Keys,
        role: Role,
        admin: bool,
        added_by: Option<String>,
        signer: &Keys,
    ) -> RosterEntry {
        let mut e = RosterEntry {
            member: Member {
                id: id.into(),
                name: id.into(),
                role,
                approver: admin,
                admin,
            },
            sign_key: keys.sign_key(),
            noise_key: keys.noise_key(),
            added_by,
            added_at: at(),
            signature: String::new(),
        };
        e.signature = signer.sign(&member_payload("o", &e));
        e
    }

    #[test]
    fn entries_hold_from_the_anchor_down() {
        let founder = Keys::generate().unwrap();
        let clerk = Keys::generate().unwrap();
        let joiner = Keys::generate().unwrap();
        let invite_keys = Keys::generate().unwrap();
        let mut invite = Invite {
            id: "i1".into(),
            name: "j".into(),
            role: Role::Contractor,
            approver: false,
            key: invite_keys.sign_key(),
            by: "f".into(),
            at: at(),
            signature: String::new(),
        };
        invite.signature = founder.sign(&invite_payload("o", &invite));
        let entries = vec![
            entry("f", &founder, Role::Section, true, None, &founder),
            entry(
                "c",
                &clerk,
                Role::Contractor,
                false,
                Some("f".into()),
                &founder,
            ),
            entry(
                "j",
                &joiner,
                Role::Contractor,
                false,
                Some(invite_signer("i1")),
                &invite_keys,
            ),
            // Signed by a member who is not an admin.
            entry(
                "x",
                &Keys::generate().unwrap(),
                Role::Section,
                false,
                Some("c".into()),
                &clerk,
            ),
            // A second founder.
            entry("y", &clerk, Role::Section, true, None, &clerk),
            // The invite used again, with another key.
            entry(
                "j",
                &clerk,
                Role::Contractor,
                false,
                Some(invite_signer("i1")),
                &invite_keys,
            ),
        ];
        let roster = Roster::check("o", &founder.sign_key(), &entries, &[invite.clone()], &[]);
        let valid: Vec<&str> = roster.members().map(|e| e.member.id.as_str()).collect();
        assert_eq!(valid, ["c", "f", "j"]);
        let why: Vec<&str> = roster.invalid.iter().map(|(_, w)| w.as_str()).collect();
        assert_eq!(
            why,
            [
                "added by c, who is not an admin of the roster",
                "claims to be the founder but is not the office's anchor key",
                "does not match invite i1, or the invite was already used",
            ]
        );
        // Under another anchor only that anchor's own founder entry holds.
        let other = Roster::check("o", &clerk.sign_key(), &entries, &[invite], &[]);
        let valid: Vec<&str> = other.members().map(|e| e.member.id.as_str()).collect();
        assert_eq!(valid, ["y"]);
    }

    #[test]
    fn removal_ends_syncing_and_later_entries() {
        let founder = Keys::generate().unwrap();
        let clerk = Keys::generate().unwrap();
        let entries = vec![
            entry("f", &founder, Role::Section, true, None, &founder),
            entry(
                "c",
                &clerk,
                Role::Contractor,
                false,
                Some("f".into()),
                &founder,
            ),
        ];
        let mut rm = Removal {
            member: "c".into(),
            by: "f".into(),
            at: at(),
            kept: vec!["e1".into()],
            signature: String::new(),
        };
        rm.signature = founder.sign(&removal_payload("o", &rm));
        let roster = Roster::check("o", &founder.sign_key(), &entries, &[], &[rm]);
        assert!(roster.current("c").is_none());
        assert!(roster.by_noise_key(&clerk.noise_key()).is_none());
        assert!(roster.by_noise_key(&founder.noise_key()).is_some());
        let signed = |id: &str| {
            let mut e = SignOff {
                id: id.into(),
                step: 1,
                action: kenshin_domain::Action::Do,
                by: "c".into(),
                at: at(),
                counts: Default::default(),
                note: None,
                send_back: None,
                heads_seen: vec![],
                signature: String::new(),
            };
            e.signature = clerk.sign(&signoff_payload("o", "b", &e));
            e
        };
        assert!(roster.signer("b", &signed("e1")).is_ok());
        assert_eq!(
            roster.signer("b", &signed("e2")),
            Err("recorded by c after their removal from the roster".into())
        );
        assert!(roster.signer("other-batch", &signed("e1")).is_err());
    }
}
