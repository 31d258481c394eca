//! The roster's signed records (名簿) and the canonical bytes every signature covers.
//!
//! Signatures cover a canonical encoding, never the document's own bytes: the same entry read from
//! any laptop's copy of a document encodes the same way. Each encoding names what it is and the office
//! (and batch) it belongs to, so a signed entry cannot be replayed into another office or batch.

use crate::catalogue::Role;
use crate::signed::{encode, time};
use crate::workflow::{Member, SignOff};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A member as the roster holds them: who they are, their public keys, and who vouched for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct RosterEntry {
    #[serde(flatten)]
    pub member: Member,
    /// Ed25519 public key (hex) that signs this member's entries.
    pub sign_key: String,
    /// X25519 public key (hex) that authenticates this member's laptop on the wire.
    pub noise_key: String,
    /// The admin who added them, `invite:<id>` for a member who joined with an invite, or `None`
    /// for the founder (who signs their own entry with the office's anchor key).
    pub added_by: Option<String>,
    pub added_at: DateTime<Utc>,
    /// Signature (hex) over [`member_payload`] by the key `added_by` names.
    pub signature: String,
}

/// An invite (招待) an admin made for one laptop: the joiner signs their own entry with the invite's
/// key, and the invite says what role that entry may have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    pub id: String,
    pub name: String,
    pub role: crate::Role,
    pub approver: bool,
    /// Ed25519 public key (hex) of the invite; its secret travels in the invite file only.
    pub key: String,
    pub by: String,
    pub at: DateTime<Utc>,
    /// The admin's signature over [`invite_payload`].
    pub signature: String,
}

/// 照合番号: eight characters the admin's laptop shows when it makes an invite and the joining laptop
/// shows when it reads the file; read aloud, they show the file is the one the admin made.
pub fn invite_fingerprint(office: &str, anchor: &str, invite_key: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("kenshin-invite/{office}/{anchor}/{invite_key}").as_bytes());
    format!("{:02X}{:02X}-{:02X}{:02X}", d[0], d[1], d[2], d[3])
}

/// A member's removal, signed by an admin. Entries by the removed member that the admin did not list
/// in `kept` (what they had seen of that member's work when removing them) count for nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    pub member: String,
    pub by: String,
    pub at: DateTime<Utc>,
    /// Ids of the sign-offs by the member that stay valid.
    pub kept: Vec<String>,
    pub signature: String,
}

/// An admin's change of a member's role and approver authority (役割の変更). The last that holds,
/// made by an entry's time, is the member's then: what they recorded before keeps the authority it
/// was recorded with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleChange {
    pub id: String,
    pub member: String,
    pub role: Role,
    pub approver: bool,
    pub by: String,
    pub at: DateTime<Utc>,
    pub signature: String,
}

pub fn role_change_payload(office: &str, c: &RoleChange) -> Vec<u8> {
    encode(serde_json::json!({
        "v": "kenshin/role/1", "office": office, "id": c.id, "member": c.member,
        "role": c.role.as_str(), "approver": c.approver, "by": c.by, "at": time(c.at),
    }))
}

/// An admin's designation of a member as deputy (代決者), or its end (`deputy` false). The last that
/// holds before an entry decides whether its 代決 counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeputySetting {
    pub id: String,
    pub member: String,
    pub deputy: bool,
    pub by: String,
    pub at: DateTime<Utc>,
    pub signature: String,
}

pub fn deputy_payload(office: &str, d: &DeputySetting) -> Vec<u8> {
    encode(serde_json::json!({
        "v": "kenshin/deputy/1", "office": office, "id": d.id, "member": d.member,
        "deputy": d.deputy, "by": d.by, "at": time(d.at),
    }))
}

pub fn member_payload(office: &str, e: &RosterEntry) -> Vec<u8> {
    encode(serde_json::json!({
        "v": "kenshin/member/1", "office": office,
        "id": e.member.id, "name": e.member.name, "role": e.member.role.as_str(),
        "approver": e.member.approver, "admin": e.member.admin,
        "sign_key": e.sign_key, "noise_key": e.noise_key,
        "added_by": e.added_by, "added_at": time(e.added_at),
    }))
}

pub fn invite_payload(office: &str, i: &Invite) -> Vec<u8> {
    encode(serde_json::json!({
        "v": "kenshin/invite/1", "office": office, "id": i.id, "name": i.name,
        "role": i.role.as_str(), "approver": i.approver, "key": i.key, "by": i.by, "at": time(i.at),
    }))
}

pub fn removal_payload(office: &str, r: &Removal) -> Vec<u8> {
    encode(serde_json::json!({
        "v": "kenshin/removal/1", "office": office, "member": r.member, "by": r.by,
        "at": time(r.at), "kept": r.kept,
    }))
}

pub fn signoff_payload(office: &str, batch: &str, e: &SignOff) -> Vec<u8> {
    let mut v = serde_json::json!({
        "v": "kenshin/signoff/1", "office": office, "batch": batch,
        "id": e.id, "step": e.step, "action": e.action.as_str(), "by": e.by, "at": time(e.at),
        "counts": e.counts, "note": e.note, "send_back": e.send_back, "heads_seen": e.heads_seen,
    });
    // 取下げ・代決・後閲 came with form 2; a plain entry keeps form 1, so entries signed before
    // still check.
    if let Some(m) = &e.marking {
        v["v"] = "kenshin/signoff/2".into();
        v["marking"] = serde_json::json!({ "kind": m.as_str(), "of": m.of() });
    }
    encode(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, Role};

    fn entry() -> SignOff {
        SignOff {
            id: "e1".into(),
            step: 4,
            action: Action::Do,
            by: "m1".into(),
            at: "2026-05-01T09:00:00.123Z".parse().unwrap(),
            counts: [("envelopes".to_string(), 12)].into(),
            note: None,
            send_back: None,
            heads_seen: vec!["ab".into()],
            signature: String::new(),
            marking: None,
        }
    }

    #[test]
    fn payloads_name_their_kind_office_and_batch() {
        let e = entry();
        let a = signoff_payload("office-1", "batch-1", &e);
        assert_eq!(a, signoff_payload("office-1", "batch-1", &e.clone()));
        assert_ne!(a, signoff_payload("office-1", "batch-2", &e));
        assert_ne!(a, signoff_payload("office-2", "batch-1", &e));
        let text = String::from_utf8(a).unwrap();
        assert!(
            text.starts_with(r#"{"action":"do","at":"2026-05-01T09:00:00.123Z","batch":"batch-1""#),
            "{text}"
        );
        // The signature itself is never part of what is signed.
        let mut signed = e.clone();
        signed.signature = "ff".into();
        assert_eq!(
            signoff_payload("o", "b", &e),
            signoff_payload("o", "b", &signed)
        );
    }

    #[test]
    fn every_field_that_matters_changes_the_payload() {
        let base = entry();
        let changes: Vec<fn(&mut SignOff)> = vec![
            |e| e.step = 5,
            |e| e.action = Action::Verify,
            |e| e.by = "m2".into(),
            |e| e.at = "2026-05-01T09:00:00.124Z".parse().unwrap(),
            |e| {
                e.counts.insert("envelopes".into(), 13);
            },
            |e| e.note = Some("x".into()),
            |e| e.send_back = Some("why".into()),
            |e| e.heads_seen.clear(),
            |e| e.marking = Some(crate::workflow::Marking::Deputy),
            |e| {
                e.marking = Some(crate::workflow::Marking::Withdraw { of: "e0".into() });
            },
        ];
        // A 取下げ of one entry is not a 取下げ of another, nor a 後閲 of it.
        let of = |m| {
            let mut e = base.clone();
            e.marking = Some(m);
            signoff_payload("o", "b", &e)
        };
        use crate::workflow::Marking::{Review, Withdraw};
        assert_ne!(
            of(Withdraw { of: "a".into() }),
            of(Withdraw { of: "b".into() })
        );
        assert_ne!(
            of(Withdraw { of: "a".into() }),
            of(Review { of: "a".into() })
        );
        for change in changes {
            let mut e = base.clone();
            change(&mut e);
            assert_ne!(
                signoff_payload("o", "b", &base),
                signoff_payload("o", "b", &e),
                "{e:?}"
            );
        }
        let member = RosterEntry {
            member: Member {
                id: "m".into(),
                name: "n".into(),
                role: Role::Section,
                approver: true,
                admin: false,
            },
            sign_key: "aa".into(),
            noise_key: "bb".into(),
            added_by: None,
            added_at: base.at,
            signature: String::new(),
        };
        let mut promoted = member.clone();
        promoted.member.admin = true;
        assert_ne!(member_payload("o", &member), member_payload("o", &promoted));
    }
}

/// An admin's new data key for the office (中継用の暗号鍵): the key that seals documents toward a
/// relay from this epoch on. The record holds only the key's check (a hash), never the key; each
/// member receives the key in a [`KeyShare`] sealed to their laptop's X25519 key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataKeyRecord {
    pub id: String,
    /// Counts up from 0: the highest epoch that holds seals new work.
    pub epoch: u32,
    /// The key's check, hex (see `kenshin_trust::sealing`): a share must open to this key.
    pub check: String,
    pub by: String,
    pub at: DateTime<Utc>,
    pub signature: String,
}

pub fn data_key_payload(office: &str, r: &DataKeyRecord) -> Vec<u8> {
    encode(serde_json::json!({
        "v": "kenshin/data-key/1", "office": office, "id": r.id, "epoch": r.epoch,
        "check": r.check, "by": r.by, "at": time(r.at),
    }))
}

/// One epoch's data key, sealed to one member's laptop. Unsigned: it can only open to the key whose
/// check an admin signed, so whoever holds the key may give it to a member who lacks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyShare {
    pub id: String,
    /// The check of the key inside (the [`DataKeyRecord`] it belongs to).
    pub check: String,
    pub member: String,
    /// The X25519 public key (hex) it is sealed to: the member's laptop's, as the roster holds it.
    pub to: String,
    /// The sealer's one-time X25519 public key, hex.
    pub ephemeral: String,
    /// The key, sealed (hex).
    pub sealed: String,
}

/// One laptop's X25519 public key for one fiscal year (年度ごとの端末鍵): the year's data keys are
/// sealed to it, and the laptop destroys its secret when the year is deleted, so the shares that
/// stay in the office document's history (and the blobs a relay keeps) open for no one after.
/// Unsigned: a share to it is bound to the office's data key as well, so a key written by someone
/// outside the office opens nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaptopYearKey {
    pub id: String,
    pub fiscal_year: i32,
    /// The laptop's lasting X25519 public key (hex), as the roster holds it.
    pub laptop: String,
    /// The year's X25519 public key (hex).
    pub key: String,
}

/// A fiscal year's data key (年度の暗号鍵), sealed to one [`LaptopYearKey`] and bound to the office's
/// data key whose check is `bound`: opening it takes both the year's secret and that data key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearKeyShare {
    pub id: String,
    pub fiscal_year: i32,
    /// The check of the office's data key it is bound to.
    pub bound: String,
    /// The check of the year's key inside.
    pub check: String,
    /// The year public key (hex) it is sealed to.
    pub to: String,
    /// The sealer's one-time X25519 public key, hex.
    pub ephemeral: String,
    /// The key, sealed (hex).
    pub sealed: String,
}
