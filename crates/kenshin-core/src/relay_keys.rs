//! The office's data keys for sealed relay sync (中継用の暗号鍵): an admin makes one (and a new one
//! whenever a member is removed), each member receives it sealed to their laptop, and the sync
//! engine seals and opens the documents' twins with the keys this laptop holds.

use crate::error::{CoreError, Result};
use crate::trust;
use crate::{now, Office};
use kenshin_domain::roster::{data_key_payload, DataKeyRecord, KeyShare, RosterEntry};
use kenshin_store::docs::office;
use kenshin_store::{DocumentId, Tx};
use kenshin_trust::sealing::{self, DataKey, Keyring, Wrapped};
use kenshin_trust::{Keys, NoiseKeys, Roster};
use serde::{Deserialize, Serialize};

/// A key record as a relay's keyring twin carries it: public (the key itself is only in shares,
/// sealed to each laptop), so a member whose office document lags can still open new work.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Carried {
    DataKey(DataKeyRecord),
    KeyShare(KeyShare),
}

/// The most a carried record may be (a share is about 300 bytes).
const MAX_CARRIED: usize = 4096;

fn share_of(key: &DataKey, office: &str, check: &str, member: &RosterEntry) -> Result<KeyShare> {
    let Wrapped { ephemeral, sealed } = sealing::wrap(key, office, check, &member.noise_key)
        .map_err(|e| CoreError::Internal(e.to_string()))?;
    Ok(KeyShare {
        id: uuid::Uuid::new_v4().simple().to_string(),
        check: check.to_string(),
        member: member.member.id.clone(),
        to: member.noise_key.clone(),
        ephemeral,
        sealed,
    })
}

/// A new epoch's key signed by `me` (an admin), with a share for each of `members`. Returns the
/// record, its shares, and the migration raising the office document to the schema with keys.
pub(crate) fn new_epoch<'m>(
    tx: &Tx<'_>,
    office_id: &DocumentId,
    keys: &Keys,
    me: &str,
    members: impl IntoIterator<Item = &'m RosterEntry>,
) -> Result<(DataKeyRecord, Vec<KeyShare>)> {
    let read = tx.read_office(office_id)?;
    let roster = trust::judge_roster(tx, office_id, &read)?;
    // After the newest that holds: a record nobody may sign does not move the count.
    let epoch = match read
        .data_keys
        .iter()
        .filter(|r| roster.data_key_holds(r).is_some())
        .map(|r| r.epoch)
        .max()
    {
        None => 0,
        Some(newest) => newest
            .checked_add(1)
            .ok_or_else(|| CoreError::Internal("no epoch after the newest data key".into()))?,
    };
    let office = office_id.to_string();
    let key = DataKey::generate();
    let check = key.check(&office, epoch);
    let mut record = DataKeyRecord {
        id: uuid::Uuid::new_v4().simple().to_string(),
        epoch,
        check: check.clone(),
        by: me.to_string(),
        at: now(),
        signature: String::new(),
    };
    record.signature = keys.sign(&data_key_payload(&office, &record));
    let shares = members
        .into_iter()
        .map(|m| share_of(&key, &office, &check, m))
        .collect::<Result<_>>()?;
    Ok((record, shares))
}

/// Writes an epoch's record and shares into the office document (being written), raising it.
pub(crate) fn put_epoch(
    doc: &mut automerge::AutoCommit,
    migration: Option<&kenshin_domain::signed::Migration>,
    record: &DataKeyRecord,
    shares: &[KeyShare],
) -> std::result::Result<(), automerge::AutomergeError> {
    if let Some(m) = migration {
        office::migrate(doc, m)?;
    }
    office::add_data_key(doc, record)?;
    for s in shares {
        office::add_key_share(doc, s)?;
    }
    Ok(())
}

impl Office {
    /// 中継用の暗号鍵を作る (admin only): the office's first data key, or a new epoch that seals
    /// everything from now on. Every current member receives it sealed to their laptop.
    pub fn new_data_key(&mut self) -> Result<DataKeyRecord> {
        self.require_admin("make the office's data key")?;
        let (office_id, me, keys) = (&self.office_doc, &self.me.id, &self.keys);
        self.home.write(|tx| make_data_key(tx, office_id, keys, me))
    }
}

/// A new epoch for every current member, written into the office document in `tx`.
pub(crate) fn make_data_key(
    tx: &Tx<'_>,
    office_id: &DocumentId,
    keys: &Keys,
    me: &str,
) -> Result<DataKeyRecord> {
    let roster = trust::roster(tx)?;
    let (record, shares) = new_epoch(tx, office_id, keys, me, current_members(&roster))?;
    let migration = crate::members::raise_office(tx, office_id, office::KEYS_SCHEMA, keys, me)?;
    crate::members::put_in_office(tx, office_id, |doc| {
        put_epoch(doc, migration.as_ref(), &record, &shares)
    })?;
    Ok(record)
}

/// The key of record `r`, from a share of it sealed to this laptop.
fn held_key(
    noise: &NoiseKeys,
    office: &str,
    r: &DataKeyRecord,
    shares: &[KeyShare],
) -> Option<DataKey> {
    let mine = noise.public_hex();
    shares
        .iter()
        .filter(|s| s.check == r.check && s.to == mine)
        .find_map(|s| {
            let wrapped = Wrapped {
                ephemeral: s.ephemeral.clone(),
                sealed: s.sealed.clone(),
            };
            sealing::unwrap(noise.secret(), office, r.epoch, &r.check, &mine, &wrapped).ok()
        })
}

pub(crate) fn current_members(roster: &Roster) -> impl Iterator<Item = &RosterEntry> {
    roster
        .members()
        .filter(|m| roster.current(&m.member.id).is_some())
}

/// The keys this laptop holds (opened with its X25519 secret), from the office document and the
/// records `carried` by a relay's keyring twin; and the office document's records as that twin
/// carries them (id, JSON). A carried record that does not parse is skipped.
///
/// Only a key of the office document seals, when a current admin signed it and every share of it
/// there is sealed to a current member's laptop (two admins removing members at once each share their
/// new key with the member the other removed: neither seals until an admin makes another). Only the
/// office document's first epoch names the twins. What the relay carries only opens.
pub(crate) fn keyring(
    tx: &Tx<'_>,
    office_id: &DocumentId,
    noise: &NoiseKeys,
    carried: &[String],
) -> Result<(Keyring, Vec<(String, String)>)> {
    let read = tx.read_office(office_id)?;
    let roster = trust::judge_roster(tx, office_id, &read)?;
    let in_office = read.data_keys.len();
    let mut records = read.data_keys.clone();
    let mut shares = read.key_shares.clone();
    let mut mirror = Vec::new();
    for r in &records {
        mirror.push((format!("k:{}", r.id), Carried::DataKey(r.clone())));
    }
    for s in &shares {
        mirror.push((format!("s:{}", s.id), Carried::KeyShare(s.clone())));
    }
    for text in carried.iter().filter(|t| t.len() <= MAX_CARRIED) {
        match serde_json::from_str(text) {
            Ok(Carried::DataKey(r)) => records.push(r),
            Ok(Carried::KeyShare(s)) => shares.push(s),
            Err(e) => tracing::warn!(%e, "a record the relay carries does not read"),
        }
    }
    let office = office_id.to_string();
    let members: std::collections::HashSet<&str> = current_members(&roster)
        .map(|m| m.noise_key.as_str())
        .collect();
    let mut ring = Keyring::new(&office);
    for (i, r) in records.iter().enumerate() {
        let Some(current) = roster.data_key_holds(r) else {
            continue;
        };
        if current {
            ring.note_epoch(r.epoch);
        }
        let Some(key) = held_key(noise, &office, r, &shares) else {
            continue;
        };
        let from_office = i < in_office;
        if from_office && r.epoch == 0 {
            ring.name_with(&r.check, &key);
        }
        let only_members = read
            .key_shares
            .iter()
            .filter(|s| s.check == r.check)
            .all(|s| members.contains(s.to.as_str()));
        ring.add(
            r.epoch,
            &r.check,
            key,
            from_office && current && only_members,
        )
        .map_err(|e| CoreError::Internal(e.to_string()))?;
    }
    let mirror = mirror
        .into_iter()
        .map(|(id, c)| Ok((id, serde_json::to_string(&c)?)))
        .collect::<std::result::Result<_, serde_json::Error>>()
        .map_err(|e| CoreError::Internal(e.to_string()))?;
    Ok((ring, mirror))
}

/// Gives each current member of `roster` (as last judged) who lacks it a share of every key this
/// laptop holds (a member who joined after the key was made). Shares need no signature: each opens
/// only to its signed check. Returns how many were written.
pub(crate) fn share_missing(
    tx: &Tx<'_>,
    office_id: &DocumentId,
    noise: &NoiseKeys,
    roster: &Roster,
) -> Result<usize> {
    if !tx.has_document(office_id)? {
        return Ok(0);
    }
    let read = tx.read_office(office_id)?;
    let new = lacking_shares(office_id, noise, roster, &read)?;
    if new.is_empty() {
        return Ok(0);
    }
    let (mut doc, _) = trust::office_for_writing(tx, office_id)?;
    let before = doc.get_heads();
    for s in &new {
        office::add_key_share(&mut doc, s)?;
    }
    tx.save_office(office_id, &mut doc, &before)?;
    Ok(new.len())
}

/// The shares of the keys this laptop holds that current members of `roster` lack in `read` (the
/// office document as read in the transaction that writes them).
pub(crate) fn lacking_shares(
    office_id: &DocumentId,
    noise: &NoiseKeys,
    roster: &Roster,
    read: &kenshin_store::Office,
) -> Result<Vec<KeyShare>> {
    let office = office_id.to_string();
    let mut new = Vec::new();
    for r in &read.data_keys {
        if roster.data_key_holds(r).is_none() {
            continue;
        }
        let lacking: Vec<&RosterEntry> = current_members(roster)
            .filter(|m| {
                !read
                    .key_shares
                    .iter()
                    .any(|s| s.check == r.check && s.to == m.noise_key)
            })
            .collect();
        if lacking.is_empty() {
            continue;
        }
        let Some(key) = held_key(noise, &office, r, &read.key_shares) else {
            continue;
        };
        for m in lacking {
            new.push(share_of(&key, &office, &r.check, m)?);
        }
    }
    Ok(new)
}
