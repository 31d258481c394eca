//! The office's data keys for sealed relay sync (中継用の暗号鍵): an admin makes one (and a new one
//! whenever a member is removed), each member receives it sealed to their laptop, and the sync
//! engine seals and opens the documents' twins with the keys this laptop holds.
//!
//! A fiscal year's documents are sealed under that year's key (年度の暗号鍵): each laptop writes its
//! own X25519 key for each year it holds documents of into the office document (the secret stays in
//! its home), and a laptop holding the year's key shares it to each of them, bound to the data key.
//! When the year is deleted every laptop destroys its secret for it: the shares in the office
//! document's history, and the blobs a relay keeps of the year, then open for no one.

use crate::error::{CoreError, Result};
use crate::trust;
use crate::{now, Office};
use kenshin_domain::dates::Month;
use kenshin_domain::fiscal_year;
use kenshin_domain::roster::{
    data_key_payload, DataKeyRecord, KeyShare, LaptopYearKey, RosterEntry, YearKeyShare,
};
use kenshin_store::docs::office;
use kenshin_store::{DocumentId, Tx};
use kenshin_trust::sealing::{self, DataKey, Keyring, Wrapped, YearSecret};
use kenshin_trust::{Keys, NoiseKeys, Roster};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};

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

    /// The keys this laptop holds toward a relay: what it can open of what a relay keeps (a deleted
    /// fiscal year's documents, sealed under that year's key, no longer).
    pub fn relay_keys(&mut self) -> Result<Keyring> {
        let (office_id, noise) = (&self.office_doc, self.keys.noise());
        self.home
            .read(|tx| keyring(tx, office_id, noise, &[]))
            .map(|(ring, _)| ring)
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
    let (ring, _) = held(tx, office_id, noise, carried, &read, &roster)?;
    let records = read
        .data_keys
        .iter()
        .map(|r| (format!("k:{}", r.id), Carried::DataKey(r.clone())));
    let shares = read
        .key_shares
        .iter()
        .map(|s| (format!("s:{}", s.id), Carried::KeyShare(s.clone())));
    let mirror = records
        .chain(shares)
        .map(|(id, c)| Ok((id, serde_json::to_string(&c)?)))
        .collect::<std::result::Result<_, serde_json::Error>>()
        .map_err(|e| CoreError::Internal(e.to_string()))?;
    Ok((ring, mirror))
}

/// Local setting: this laptop's X25519 secret for a fiscal year (see [`LaptopYearKey`]), destroyed
/// when the year is deleted.
fn year_secret_note(fiscal_year: i32) -> String {
    format!("year_secret:{fiscal_year}")
}

/// Local setting: when this laptop first wanted its key for a fiscal year written (see
/// [`WAIT_FOR_YEAR_KEY`]).
fn year_since_note(fiscal_year: i32) -> String {
    format!("year_secret_since:{fiscal_year}")
}

/// How long a laptop that wants its key for a year written waits to be given the year's key someone
/// else made before it makes one of its own (a share nobody can open, which any member may write,
/// holds it up no longer than this).
const WAIT_FOR_YEAR_KEY: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// Destroys this laptop's secret for a deleted fiscal year: what was sealed under the year's key
/// opens for no one after. Returns whether there was one.
pub(crate) fn forget_year_secret(tx: &Tx<'_>, fiscal_year: i32) -> Result<bool> {
    let note = year_secret_note(fiscal_year);
    let held = tx.local(&note)?.is_some();
    tx.remove_local(&note)?;
    tx.remove_local(&year_since_note(fiscal_year))?;
    Ok(held)
}

fn year_secret(tx: &Tx<'_>, fiscal_year: i32) -> Result<Option<YearSecret>> {
    Ok(tx
        .local(&year_secret_note(fiscal_year))?
        .and_then(|hex| YearSecret::from_hex(&hex).ok()))
}

/// A fiscal year's key this laptop holds, and the data key it is bound to (with its check).
struct HeldYear {
    fiscal_year: i32,
    bound: (String, DataKey),
    check: String,
    key: DataKey,
}

/// The keyring of [`keyring`], on the office document and roster as read, with the years' keys this
/// laptop holds (opened with its secret for the year and the data key each is bound to). A year's
/// key seals when it is bound to the data key that seals.
fn held(
    tx: &Tx<'_>,
    office_id: &DocumentId,
    noise: &NoiseKeys,
    carried: &[String],
    read: &kenshin_store::Office,
    roster: &Roster,
) -> Result<(Keyring, Vec<HeldYear>)> {
    let in_office = read.data_keys.len();
    let mut records = read.data_keys.clone();
    let mut shares = read.key_shares.clone();
    for text in carried.iter().filter(|t| t.len() <= MAX_CARRIED) {
        match serde_json::from_str(text) {
            Ok(Carried::DataKey(r)) => records.push(r),
            Ok(Carried::KeyShare(s)) => shares.push(s),
            Err(e) => tracing::warn!(%e, "a record the relay carries does not read"),
        }
    }
    let office = office_id.to_string();
    let members: HashSet<&str> = current_members(roster)
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
    let sealing = ring.sealing_key().map(|(check, _)| check.to_string());
    // This laptop's secret for each year a share is sealed for.
    let shared: BTreeSet<i32> = read.year_key_shares.iter().map(|s| s.fiscal_year).collect();
    let secrets = shared
        .into_iter()
        .map(|year| Ok((year, year_secret(tx, year)?)))
        .collect::<Result<HashMap<_, _>>>()?;
    let mut years = Vec::new();
    for s in &read.year_key_shares {
        if ring.holds(&s.check) {
            continue;
        }
        let secret = secrets.get(&s.fiscal_year).and_then(Option::as_ref);
        let Some(secret) = secret.filter(|k| k.public_hex() == s.to) else {
            continue;
        };
        let Some((epoch, bound)) = ring.data_key(&s.bound).map(|(e, k)| (e, k.clone())) else {
            continue;
        };
        let wrapped = Wrapped {
            ephemeral: s.ephemeral.clone(),
            sealed: s.sealed.clone(),
        };
        let Ok(key) = sealing::unwrap_year(
            secret,
            &bound,
            &s.bound,
            &office,
            s.fiscal_year,
            &s.check,
            &wrapped,
        ) else {
            continue;
        };
        let seals = sealing.as_deref() == Some(s.bound.as_str());
        ring.add_year(s.fiscal_year, epoch, &s.check, key.clone(), seals)
            .map_err(|e| CoreError::Internal(e.to_string()))?;
        years.push(HeldYear {
            fiscal_year: s.fiscal_year,
            bound: (s.bound.clone(), bound),
            check: s.check.clone(),
            key,
        });
    }
    Ok((ring, years))
}

/// Gives each current member of `roster` (as last judged) who lacks it a share of every key this
/// laptop holds (a member who joined after the key was made), and what the years' keys lack (see
/// [`lacking_year_keys`]), in one change. Shares need no signature: each opens only to its check.
/// Returns how many records were written.
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
    let wanted = wanted_years(tx, office_id, roster, &read)?;
    let missing = Missing::of(tx, office_id, noise, roster, &read, &wanted)?;
    if missing.len() == 0 {
        return Ok(0);
    }
    let (mut doc, _) = match trust::office_for_writing(tx, office_id) {
        // Raised by a newer Kenshin: this laptop writes nothing into it.
        Err(CoreError::Closed { .. }) => return Ok(0),
        opened => opened?,
    };
    let before = doc.get_heads();
    missing.write(&mut doc)?;
    tx.save_office(office_id, &mut doc, &before)?;
    Ok(missing.len())
}

/// What the office document lacks of the keys this laptop holds or makes: shares of the data keys
/// ([`lacking_shares`]), and the years' keys and shares ([`lacking_year_keys`]).
pub(crate) struct Missing {
    shares: Vec<KeyShare>,
    year_keys: Vec<LaptopYearKey>,
    year_shares: Vec<YearKeyShare>,
}

impl Missing {
    /// What `read` (the office document as read in `tx`) lacks, for the members of `roster` and
    /// the [`wanted_years`].
    pub(crate) fn of(
        tx: &Tx<'_>,
        office_id: &DocumentId,
        noise: &NoiseKeys,
        roster: &Roster,
        read: &kenshin_store::Office,
        wanted: &BTreeSet<i32>,
    ) -> Result<Missing> {
        let shares = lacking_shares(office_id, noise, roster, read)?;
        let (year_keys, year_shares) =
            lacking_year_keys(tx, office_id, noise, roster, read, wanted)?;
        Ok(Missing {
            shares,
            year_keys,
            year_shares,
        })
    }

    fn len(&self) -> usize {
        self.shares.len() + self.year_keys.len() + self.year_shares.len()
    }

    /// Writes the records into the office document being written.
    pub(crate) fn write(&self, doc: &mut automerge::AutoCommit) -> Result<()> {
        for s in &self.shares {
            office::add_key_share(doc, s)?;
        }
        for k in &self.year_keys {
            office::add_laptop_year_key(doc, k)?;
        }
        for s in &self.year_shares {
            office::add_year_key_share(doc, s)?;
        }
        Ok(())
    }
}

/// How many fiscal years before the current one the access logs' months give a laptop years it
/// wants keys for (see [`wanted_years`]).
const LOG_YEARS: i32 = 10;

/// The fiscal years, from the current one, a joining laptop presents its keys for: those of the
/// access logs' months a laptop wants keys for, and the next.
const JOINING_YEARS: std::ops::RangeInclusive<i32> = -LOG_YEARS..=1;

/// This laptop's keys for the years of [`JOINING_YEARS`] that `roster` (as this laptop last judged
/// it) has not deleted, made now where it has none: a joining laptop presents them with its roster
/// entry, and the laptop that admits it writes those of the years it wants, and shares to them the
/// years' keys it holds, in the same change (a new laptop's first sync then waits for no second
/// exchange of the office document, which costs in proportion to the batches).
pub(crate) fn joining_year_keys(
    tx: &Tx<'_>,
    noise: &NoiseKeys,
    roster: &Roster,
) -> Result<Vec<LaptopYearKey>> {
    let current = fiscal_year(crate::local_day(now()));
    JOINING_YEARS
        .map(|year| current + year)
        .filter(|year| !roster.purged(*year))
        .map(|year| {
            Ok(LaptopYearKey {
                id: uuid::Uuid::new_v4().simple().to_string(),
                fiscal_year: year,
                laptop: noise.public_hex(),
                key: own_year_secret(tx, year)?.public_hex().to_string(),
            })
        })
        .collect()
}

/// The year's keys a joining laptop (`laptop`) presented that the laptop admitting it writes: its
/// own X25519 keys not `written` yet, one for each of `years` (the [`wanted_years`] of the laptop
/// admitting it), each under an id of that laptop's making (an id names the record it replaces).
pub(crate) fn joiner_year_keys(
    presented: &[LaptopYearKey],
    laptop: &str,
    written: &[LaptopYearKey],
    years: &BTreeSet<i32>,
) -> Vec<LaptopYearKey> {
    let written: HashSet<(i32, &str)> = written
        .iter()
        .filter(|k| k.laptop == laptop)
        .map(|k| (k.fiscal_year, k.key.as_str()))
        .collect();
    let mut taken = HashSet::new();
    presented
        .iter()
        .filter(|k| k.laptop == laptop && years.contains(&k.fiscal_year))
        .filter(|k| sealing::is_public_key(&k.key))
        .filter(|k| !written.contains(&(k.fiscal_year, k.key.as_str())))
        .filter(|k| taken.insert(k.fiscal_year))
        .map(|k| LaptopYearKey {
            id: uuid::Uuid::new_v4().simple().to_string(),
            ..k.clone()
        })
        .collect()
}

/// This laptop's secret for `year`, made when it has none.
fn own_year_secret(tx: &Tx<'_>, year: i32) -> Result<YearSecret> {
    if let Some(secret) = year_secret(tx, year)? {
        return Ok(secret);
    }
    let secret = YearSecret::generate();
    tx.set_local(&year_secret_note(year), &secret.to_hex())?;
    Ok(secret)
}

/// The most keys of one laptop for one year that are given the year's key (any member may write
/// one in a laptop's name: see docs/SECURITY.md); which are taken follows the document's order.
const KEYS_PER_LAPTOP_YEAR: usize = 4;

/// The fiscal years a laptop may seal documents of, and so writes its key for: those of the judged
/// batch index, the current one, and those of the access logs' months within the last ten (a log's
/// month is a hint anyone may write), but none deleted (`read` being the office document, `roster`
/// as judged, perhaps before a deletion `read` holds).
pub(crate) fn wanted_years(
    tx: &Tx<'_>,
    office_id: &DocumentId,
    roster: &Roster,
    read: &kenshin_store::Office,
) -> Result<BTreeSet<i32>> {
    let mut wanted: BTreeSet<i32> = tx.batches()?.iter().map(|b| b.fiscal_year).collect();
    let current = fiscal_year(crate::local_day(now()));
    wanted.insert(current);
    for log in &read.access_logs {
        if let Ok(month) = log.month.parse::<Month>() {
            let year = fiscal_year(month.first_day());
            if (current - LOG_YEARS..=current).contains(&year) {
                wanted.insert(year);
            }
        }
    }
    // Judged again when `read` holds a deletion `roster` does not (a roster judged before `read`
    // was, or a deletion that does not hold).
    let unjudged = read.purges.iter().any(|p| !roster.purged(p.fiscal_year));
    let fresh = unjudged
        .then(|| trust::judge_roster(tx, office_id, read))
        .transpose()?;
    wanted.retain(|y| !fresh.as_ref().unwrap_or(roster).purged(*y));
    Ok(wanted)
}

/// What this laptop writes in `tx` for the years' keys (`read` being the office document): its own
/// key for each of the `wanted` years ([`wanted_years`]), its secret kept in the home;
/// a share of each year's key it holds to each current member's laptop's key for that year that
/// lacks one; and, for a year it holds no key of that is bound to the data key that seals, a new one,
/// shared the same way, unless another laptop's key for the year was given one and this laptop
/// first wanted its own key written less than [`WAIT_FOR_YEAR_KEY`] ago (it waits to be given that
/// one).
fn lacking_year_keys(
    tx: &Tx<'_>,
    office_id: &DocumentId,
    noise: &NoiseKeys,
    roster: &Roster,
    read: &kenshin_store::Office,
    wanted: &BTreeSet<i32>,
) -> Result<(Vec<LaptopYearKey>, Vec<YearKeyShare>)> {
    let mine = noise.public_hex();
    let laptops: HashSet<&str> = current_members(roster)
        .map(|m| m.noise_key.as_str())
        .collect();
    if !laptops.contains(mine.as_str()) {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut per_laptop: HashMap<(i32, &str), usize> = HashMap::new();
    // Each current member's laptop's keys for each year, as (year, key).
    let mut recipients: BTreeSet<(i32, String)> = BTreeSet::new();
    for k in &read.laptop_year_keys {
        let n = per_laptop
            .entry((k.fiscal_year, k.laptop.as_str()))
            .or_default();
        if laptops.contains(k.laptop.as_str()) && *n < KEYS_PER_LAPTOP_YEAR {
            *n += 1;
            recipients.insert((k.fiscal_year, k.key.clone()));
        }
    }
    let mut new_keys = Vec::new();
    // This laptop's key for each year, and the years it first wanted its key written less than a
    // day ago.
    let (mut own, mut recent) = (HashMap::new(), HashSet::new());
    for &year in wanted {
        let secret = own_year_secret(tx, year)?;
        let since = match tx.local(&year_since_note(year))? {
            Some(t) => chrono::DateTime::parse_from_rfc3339(&t)
                .ok()
                .map(|t| t.to_utc()),
            None => {
                tx.set_local(&year_since_note(year), &now().to_rfc3339())?;
                Some(now())
            }
        };
        if since.is_some_and(|t| now() - t < WAIT_FOR_YEAR_KEY) {
            recent.insert(year);
        }
        let key = secret.public_hex().to_string();
        own.insert(year, key.clone());
        // Its own key counts whatever others wrote in its name.
        let written = read
            .laptop_year_keys
            .iter()
            .any(|k| k.fiscal_year == year && k.laptop == mine && k.key == key);
        recipients.insert((year, key.clone()));
        if !written {
            new_keys.push(LaptopYearKey {
                id: uuid::Uuid::new_v4().simple().to_string(),
                fiscal_year: year,
                laptop: mine.clone(),
                key,
            });
        }
    }
    let (ring, held) = held(tx, office_id, noise, &[], read, roster)?;
    let office = office_id.to_string();
    let mut shares = Vec::new();
    let mut share = |year: i32, key: &DataKey, bound: (&str, &DataKey), check: &str| {
        let shared: HashSet<&str> = read
            .year_key_shares
            .iter()
            .filter(|s| s.check == check)
            .map(|s| s.to.as_str())
            .collect();
        for (_, to) in recipients
            .iter()
            .filter(|(y, to)| *y == year && !shared.contains(to.as_str()))
        {
            // A key that is no X25519 key (anyone may write one) is given nothing.
            let Ok(Wrapped { ephemeral, sealed }) =
                sealing::wrap_year(key, bound.1, &office, check, to)
            else {
                continue;
            };
            shares.push(YearKeyShare {
                id: uuid::Uuid::new_v4().simple().to_string(),
                fiscal_year: year,
                bound: bound.0.to_string(),
                check: check.to_string(),
                to: to.clone(),
                ephemeral,
                sealed,
            });
        }
    };
    for h in held.iter().filter(|h| wanted.contains(&h.fiscal_year)) {
        share(h.fiscal_year, &h.key, (&h.bound.0, &h.bound.1), &h.check);
    }
    if let Some((bound_check, bound)) = ring.sealing_key().filter(|_| ring.can_seal()) {
        // Another laptop's key was given the year's key, and none was given to this laptop's (one
        // that was would seal, unless nobody can open it).
        let made = |year: i32| {
            let of_year = |s: &&YearKeyShare| s.fiscal_year == year && s.bound == bound_check;
            let mine = own.get(&year);
            let shares = || read.year_key_shares.iter().filter(of_year);
            shares().all(|s| Some(&s.to) != mine)
                && shares().any(|s| recipients.contains(&(year, s.to.clone())))
        };
        let wait = |year: i32| recent.contains(&year) && made(year);
        for &year in wanted
            .iter()
            .filter(|y| !ring.seals_year(**y) && !wait(**y))
        {
            let key = DataKey::generate();
            let check = key.year_check(&office, year, bound_check);
            share(year, &key, (bound_check, bound), &check);
        }
    }
    Ok((new_keys, shares))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The hub writes only the joining laptop's own X25519 keys, one for each year it wants, not
    /// written yet, under ids of its own.
    #[test]
    fn a_joiner_presents_its_own_keys_for_the_offices_years() {
        let key = |n: u8, fiscal_year: i32, laptop: &str| LaptopYearKey {
            id: format!("k{n}"),
            fiscal_year,
            laptop: laptop.into(),
            key: format!("{n:02x}").repeat(32),
        };
        let not_a_key = LaptopYearKey {
            key: "not a key".into(),
            ..key(2, 2026, "joiner")
        };
        let written = [key(1, 2024, "joiner")];
        let years = BTreeSet::from([2024, 2025, 2026]);
        for (presented, taken) in [
            (vec![key(2, 2026, "joiner")], vec![2]),
            (vec![key(2, 2026, "other")], vec![]),
            (vec![not_a_key], vec![]),
            (vec![key(2, 2027, "joiner"), key(3, 2023, "joiner")], vec![]),
            (vec![key(1, 2024, "joiner")], vec![]),
            (vec![key(2, 2024, "joiner")], vec![2]),
            (
                vec![key(2, 2026, "joiner"), key(3, 2026, "joiner")],
                vec![2],
            ),
            (
                (2..8)
                    .map(|n| key(n, 2021 + i32::from(n), "joiner"))
                    .collect(),
                vec![3, 4, 5],
            ),
        ] {
            let got = joiner_year_keys(&presented, "joiner", &written, &years);
            let keys: Vec<&str> = got.iter().map(|k| k.key.as_str()).collect();
            let want: Vec<String> = taken.iter().map(|&n| key(n, 0, "").key).collect();
            assert_eq!(keys, want, "{presented:?}");
            assert!(got.iter().all(|k| !k.id.starts_with('k')), "ids of its own");
        }
    }
}
