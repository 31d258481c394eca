//! Sealing toward a relay: the office's data keys, each member's share of them, and the sealed blobs
//! a relay carries without being able to read them.
//!
//! - A data key is 32 random bytes; its *check* (a hash over the office, the epoch and the key) is
//!   what an admin signs, so a share that opens to another key is refused.
//! - A share seals the key to one laptop's X25519 key: a one-time X25519 key, HKDF-SHA256 over the
//!   shared secret, XChaCha20-Poly1305.
//! - A blob is `KS1 | epoch (u32 BE) | key id (8) | nonce (24) | ciphertext`, sealed with
//!   XChaCha20-Poly1305 under the epoch's key, with the office, the real document's id, the epoch and
//!   the key id as associated data: a blob copied into another document's twin does not open.
//! - A twin's id is derived from the real document's id under the office's naming key (from the
//!   first epoch's key, which every member receives): unlinkable to it without that key.
//! - A fiscal year's documents are sealed under that year's key instead (年度の暗号鍵), shared only
//!   to each laptop's X25519 key for that year and bound to the data key: when the year is deleted
//!   every laptop destroys its secret for it, and what a relay keeps of the year opens for no one.

use crate::BadKey;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

type Result<T> = std::result::Result<T, BadKey>;

const MAGIC: &[u8; 3] = b"KS1";
const HEADER: usize = 3 + 4 + 8 + 24;
/// The most a blob may hold: more than the largest list a batch may hold (512 MiB of rows); a whole
/// 150,000-voucher list is about 5 MB sealed.
pub const MAX_BLOB: usize = 640 * 1024 * 1024;

/// One epoch's data key. Wiped from memory when dropped.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    pub fn generate() -> DataKey {
        let mut k = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(&mut *k);
        DataKey(k)
    }

    /// The check an admin signs: SHA-256 over what the key is for and the key, hex.
    pub fn check(&self, office: &str, epoch: u32) -> String {
        let mut h = Sha256::new();
        h.update(b"kenshin data key check v1\0");
        h.update(office.as_bytes());
        h.update([0]);
        h.update(epoch.to_be_bytes());
        h.update(*self.0);
        hex::encode(h.finalize())
    }

    /// The check of a fiscal year's key bound to the data key whose check is `bound`.
    pub fn year_check(&self, office: &str, fiscal_year: i32, bound: &str) -> String {
        let mut h = Sha256::new();
        h.update(b"kenshin year key check v1\0");
        h.update(office.as_bytes());
        h.update([0]);
        h.update(fiscal_year.to_be_bytes());
        h.update(bound.as_bytes());
        h.update([0]);
        h.update(*self.0);
        hex::encode(h.finalize())
    }

    fn derive(&self, info: &[u8]) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        expand(&*self.0, info, &mut *out);
        out
    }
}

/// The short id of a key in a blob's header: the first 8 bytes of its check.
fn key_id(check: &str) -> Result<[u8; 8]> {
    let bytes = hex::decode(check).map_err(|_| BadKey(format!("check {check} is not hex")))?;
    bytes
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| BadKey(format!("check {check} is too short")))
}

/// Whether `hex_key` is an X25519 public key (32 bytes, hex).
pub fn is_public_key(hex_key: &str) -> bool {
    public_key(hex_key).is_ok()
}

fn public_key(hex_key: &str) -> Result<PublicKey> {
    let bytes: [u8; 32] = hex::decode(hex_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| BadKey(format!("{hex_key} is not an X25519 public key")))?;
    Ok(PublicKey::from(bytes))
}

/// HKDF-SHA256 of `ikm` for `info`, filling `out` (16 or 32 bytes here).
fn expand(ikm: &[u8], info: &[u8], out: &mut [u8]) {
    Hkdf::<Sha256>::new(None, ikm)
        .expand(info, out)
        .expect("16 or 32 bytes is a valid HKDF length");
}

/// What a share is sealed for: a data key to a laptop's lasting key, or a year's key to a laptop's
/// key for that year, bound to a data key (whose bytes go into the share's key too).
#[derive(Clone, Copy)]
enum ShareOf<'k> {
    Laptop,
    Year(&'k DataKey),
}

fn share_cipher(
    shared: &[u8; 32],
    of: ShareOf<'_>,
    office: &str,
    check: &str,
    to: &str,
) -> XChaCha20Poly1305 {
    let mut key = Zeroizing::new([0u8; 32]);
    let mut ikm = Zeroizing::new(Vec::with_capacity(64));
    ikm.extend_from_slice(shared);
    let label = match of {
        ShareOf::Laptop => "kenshin key share v1",
        ShareOf::Year(bound) => {
            ikm.extend_from_slice(&bound.0[..]);
            "kenshin year key share v1"
        }
    };
    let info = format!("{label}\0{office}\0{check}\0{to}");
    expand(&ikm, info.as_bytes(), &mut *key);
    XChaCha20Poly1305::new((&*key).into())
}

/// A version 4 UUID (as automerge-repo takes) derived from `what` under `key`.
fn uuid_of(key: &[u8], what: &str) -> [u8; 16] {
    let mut out = [0u8; 16];
    expand(key, what.as_bytes(), &mut out);
    out[6] = (out[6] & 0x0f) | 0x40;
    out[8] = (out[8] & 0x3f) | 0x80;
    out
}

/// A key sealed to one laptop: the one-time public key and the sealed key, both hex.
pub struct Wrapped {
    pub ephemeral: String,
    pub sealed: String,
}

/// Seals `key` (whose check is `check`) to the laptop whose X25519 public key is `to` (hex).
pub fn wrap(key: &DataKey, office: &str, check: &str, to: &str) -> Result<Wrapped> {
    seal_share(key, ShareOf::Laptop, office, check, to)
}

/// Seals a fiscal year's `key` (whose check is `check`) to a laptop's X25519 key for that year
/// (`to`, hex), bound to the data key `bound`: only a holder of both opens it.
pub fn wrap_year(
    key: &DataKey,
    bound: &DataKey,
    office: &str,
    check: &str,
    to: &str,
) -> Result<Wrapped> {
    seal_share(key, ShareOf::Year(bound), office, check, to)
}

fn seal_share(
    key: &DataKey,
    of: ShareOf<'_>,
    office: &str,
    check: &str,
    to: &str,
) -> Result<Wrapped> {
    let recipient = public_key(to)?;
    let mut seed = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(&mut *seed);
    let ephemeral = StaticSecret::from(*seed);
    let shared = ephemeral.diffie_hellman(&recipient);
    // One key per one-time X25519 key: a zero nonce is never reused under it.
    let sealed = share_cipher(shared.as_bytes(), of, office, check, to)
        .encrypt(&XNonce::default(), &key.0[..])
        .map_err(|_| BadKey("sealing a key share failed".into()))?;
    Ok(Wrapped {
        ephemeral: hex::encode(PublicKey::from(&ephemeral).as_bytes()),
        sealed: hex::encode(sealed),
    })
}

/// Opens a share with this laptop's X25519 secret; the key must match `check` for `epoch`.
pub fn unwrap(
    secret: &[u8],
    office: &str,
    epoch: u32,
    check: &str,
    to: &str,
    wrapped: &Wrapped,
) -> Result<DataKey> {
    let key = open_share(secret, ShareOf::Laptop, office, check, to, wrapped)?;
    if key.check(office, epoch) != check {
        return Err(BadKey(
            "the share opens to another key than its check".into(),
        ));
    }
    Ok(key)
}

/// Opens a share of fiscal year `fiscal_year`'s key with this laptop's secret for that year and the
/// data key it is bound to (whose check is `bound_check`); the key must match `check`.
#[allow(clippy::too_many_arguments)]
pub fn unwrap_year(
    secret: &YearSecret,
    bound: &DataKey,
    bound_check: &str,
    office: &str,
    fiscal_year: i32,
    check: &str,
    wrapped: &Wrapped,
) -> Result<DataKey> {
    let key = open_share(
        &secret.secret[..],
        ShareOf::Year(bound),
        office,
        check,
        &secret.public,
        wrapped,
    )?;
    if key.year_check(office, fiscal_year, bound_check) != check {
        return Err(BadKey(
            "the share opens to another key than its check".into(),
        ));
    }
    Ok(key)
}

fn open_share(
    secret: &[u8],
    of: ShareOf<'_>,
    office: &str,
    check: &str,
    to: &str,
    wrapped: &Wrapped,
) -> Result<DataKey> {
    let secret: [u8; 32] = secret
        .try_into()
        .map_err(|_| BadKey("the laptop's X25519 secret is not 32 bytes".into()))?;
    let secret = StaticSecret::from(secret);
    if PublicKey::from(&secret).as_bytes()[..] != hex::decode(to).unwrap_or_default()[..] {
        return Err(BadKey("the share is sealed to another laptop".into()));
    }
    let shared = secret.diffie_hellman(&public_key(&wrapped.ephemeral)?);
    let sealed = hex::decode(&wrapped.sealed).map_err(|_| BadKey("share is not hex".into()))?;
    let plain = Zeroizing::new(
        share_cipher(shared.as_bytes(), of, office, check, to)
            .decrypt(&XNonce::default(), &sealed[..])
            .map_err(|_| BadKey("the share does not open".into()))?,
    );
    let bytes: [u8; 32] = plain[..]
        .try_into()
        .map_err(|_| BadKey("the share holds no key".into()))?;
    Ok(DataKey(Zeroizing::new(bytes)))
}

/// A laptop's X25519 secret for one fiscal year, kept only in its home and destroyed with the
/// year. Wiped from memory when dropped.
pub struct YearSecret {
    secret: Zeroizing<[u8; 32]>,
    /// The public key shares are sealed to, hex.
    public: String,
}

impl YearSecret {
    fn new(secret: Zeroizing<[u8; 32]>) -> YearSecret {
        let public = hex::encode(PublicKey::from(&StaticSecret::from(*secret)).as_bytes());
        YearSecret { secret, public }
    }

    pub fn generate() -> YearSecret {
        let mut k = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(&mut *k);
        YearSecret::new(k)
    }

    /// From its hex, as the home keeps it.
    pub fn from_hex(text: &str) -> Result<YearSecret> {
        let bytes = Zeroizing::new(
            hex::decode(text).map_err(|_| BadKey("a year's secret is not hex".into()))?,
        );
        let key: [u8; 32] = bytes[..]
            .try_into()
            .map_err(|_| BadKey("a year's secret is not 32 bytes".into()))?;
        Ok(YearSecret::new(Zeroizing::new(key)))
    }

    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(*self.secret))
    }

    /// The public key shares are sealed to, hex.
    pub fn public_hex(&self) -> &str {
        &self.public
    }
}

/// Why a blob did not open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unopened {
    /// Sealed under an epoch's key this laptop does not hold.
    NoKey { epoch: u32 },
    /// Sealed under a fiscal year's key this laptop does not hold (yet), bound to an epoch's key it
    /// holds.
    NoYearKey { epoch: u32 },
    /// Not a blob, cut short, too large, altered, or sealed for another document.
    Broken(String),
}

/// A key a keyring holds.
#[derive(Clone)]
struct Held {
    /// The epoch a blob's header names: the data key's, or that of the data key a year's key is
    /// bound to.
    epoch: u32,
    key: DataKey,
    check: String,
    /// The fiscal year of a year's key; none for a data key.
    year: Option<i32>,
}

/// The data keys and years' keys this laptop holds, and those it seals with.
#[derive(Clone, Default)]
pub struct Keyring {
    office: String,
    /// The naming key, and the check of the first epoch's key it comes from.
    naming: Option<(String, Zeroizing<[u8; 32]>)>,
    /// Data keys and years' keys, by id.
    keys: BTreeMap<[u8; 8], Held>,
    /// The newest epoch this laptop holds a key of that may seal.
    sealing: Option<[u8; 8]>,
    /// The key each fiscal year's documents are sealed under (bound to the sealing data key).
    years: BTreeMap<i32, [u8; 8]>,
    /// The newest epoch that holds, whether or not this laptop holds its key.
    newest: Option<u32>,
}

impl Keyring {
    pub fn new(office: &str) -> Keyring {
        Keyring {
            office: office.to_string(),
            ..Keyring::default()
        }
    }

    /// Adds an epoch's key. `seals`: it may seal new work (the caller judged it: a current admin
    /// signed it, and no one outside the roster holds it).
    pub fn add(&mut self, epoch: u32, check: &str, key: DataKey, seals: bool) -> Result<()> {
        let id = key_id(check)?;
        if seals {
            self.note_epoch(epoch);
            let newer = self
                .sealing
                .and_then(|s| self.keys.get(&s))
                .is_none_or(|h| epoch > h.epoch);
            if newer {
                self.sealing = Some(id);
            }
        }
        self.hold(id, epoch, key, check, None);
        Ok(())
    }

    fn hold(&mut self, id: [u8; 8], epoch: u32, key: DataKey, check: &str, year: Option<i32>) {
        self.keys.entry(id).or_insert(Held {
            epoch,
            key,
            check: check.to_string(),
            year,
        });
    }

    /// Adds a fiscal year's key, bound to a data key of `epoch`. `seals`: its documents are sealed
    /// under it (the caller judged it bound to the sealing data key; of several, the lowest check).
    pub fn add_year(
        &mut self,
        fiscal_year: i32,
        epoch: u32,
        check: &str,
        key: DataKey,
        seals: bool,
    ) -> Result<()> {
        let id = key_id(check)?;
        self.hold(id, epoch, key, check, Some(fiscal_year));
        if seals {
            let lower = self
                .years
                .get(&fiscal_year)
                .and_then(|s| self.keys.get(s))
                .is_none_or(|h| check < h.check.as_str());
            if lower {
                self.years.insert(fiscal_year, id);
            }
        }
        Ok(())
    }

    fn held(&self, check: &str) -> Option<&Held> {
        self.keys
            .get(&key_id(check).ok()?)
            .filter(|h| h.check == check)
    }

    /// Whether this laptop holds the key (a data key or a year's) whose check is `check`.
    pub fn holds(&self, check: &str) -> bool {
        self.held(check).is_some()
    }

    /// The data key whose check is `check` (never a year's), with its epoch.
    pub fn data_key(&self, check: &str) -> Option<(u32, &DataKey)> {
        self.held(check)
            .filter(|h| h.year.is_none())
            .map(|h| (h.epoch, &h.key))
    }

    /// The data key new work is sealed under, with its check.
    pub fn sealing_key(&self) -> Option<(&str, &DataKey)> {
        let h = self.keys.get(&self.sealing?)?;
        Some((&h.check, &h.key))
    }

    /// Whether this laptop holds a key that seals fiscal year `fiscal_year`'s documents.
    pub fn seals_year(&self, fiscal_year: i32) -> bool {
        self.years.contains_key(&fiscal_year)
    }

    /// Names the twins with the first epoch's key (of two made offline at once, the lower check).
    pub fn name_with(&mut self, check: &str, key: &DataKey) {
        if self.naming.as_ref().is_none_or(|(c, _)| check < c.as_str()) {
            self.naming = Some((check.to_string(), key.derive(b"kenshin twin ids v1")));
        }
    }

    /// An epoch that holds, whose key this laptop may not have.
    pub fn note_epoch(&mut self, epoch: u32) {
        self.newest = Some(self.newest.map_or(epoch, |n| n.max(epoch)));
    }

    /// The epoch new work is sealed under, if this laptop holds it.
    pub fn sealing_epoch(&self) -> Option<u32> {
        self.sealing
            .and_then(|s| self.keys.get(&s))
            .map(|h| h.epoch)
    }

    /// The newest epoch that holds, when this laptop cannot seal with it (it lacks the key, or the
    /// key may not seal): it seals no new work.
    pub fn missing_epoch(&self) -> Option<u32> {
        let newest = self.newest?;
        (self.sealing_epoch() != Some(newest)).then_some(newest)
    }

    /// Whether this laptop can find and seal twins at all.
    pub fn can_seal(&self) -> bool {
        self.naming.is_some() && self.missing_epoch().is_none() && self.sealing.is_some()
    }

    /// Whether this laptop holds the first epoch's key, which names the twins.
    pub fn named(&self) -> bool {
        self.naming.is_some()
    }

    /// The twin of document `doc` (its 16-byte id).
    pub fn twin_id(&self, doc: &str) -> Option<[u8; 16]> {
        let (_, naming) = self.naming.as_ref()?;
        Some(uuid_of(
            &naming[..],
            &format!("twin\0{}\0{doc}", self.office),
        ))
    }

    /// The keyring twin's id: from the office's id alone, since a member who holds no key yet must
    /// find it. It carries only what may be public (signed checks, shares sealed to each laptop).
    pub fn keyring_twin_id(office: &str) -> [u8; 16] {
        uuid_of(b"kenshin keyring twin v1", office)
    }

    fn aad(&self, doc: &str, epoch: u32, id: &[u8; 8]) -> Vec<u8> {
        let mut aad = format!("kenshin sealed v1\0{}\0{doc}\0", self.office).into_bytes();
        aad.extend(epoch.to_be_bytes());
        aad.extend(id);
        aad
    }

    /// Seals `plain` (of document `doc`) under its fiscal year's key when it belongs to one (none
    /// when this laptop holds no key for that year), else under the sealing epoch's key.
    pub fn seal(&self, doc: &str, fiscal_year: Option<i32>, plain: &[u8]) -> Option<Vec<u8>> {
        let id = match fiscal_year {
            Some(year) => *self.years.get(&year)?,
            None => self.sealing?,
        };
        let Held { epoch, key, .. } = self.keys.get(&id)?;
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut nonce);
        let aad = self.aad(doc, *epoch, &id);
        let sealed = XChaCha20Poly1305::new((&*key.0).into())
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .ok()?;
        let mut blob = Vec::with_capacity(HEADER + sealed.len());
        blob.extend(MAGIC);
        blob.extend(epoch.to_be_bytes());
        blob.extend(id);
        blob.extend(nonce);
        blob.extend(sealed);
        Some(blob)
    }

    /// Opens a blob of document `doc`'s twin.
    pub fn open(&self, doc: &str, blob: &[u8]) -> std::result::Result<Vec<u8>, Unopened> {
        let broken = |why: &str| Unopened::Broken(why.to_string());
        if blob.len() > MAX_BLOB {
            return Err(broken("too large"));
        }
        if blob.len() < HEADER + 16 || &blob[..3] != MAGIC {
            return Err(broken("not a sealed blob"));
        }
        let epoch = u32::from_be_bytes(blob[3..7].try_into().map_err(|_| broken("header"))?);
        let id: [u8; 8] = blob[7..15].try_into().map_err(|_| broken("header"))?;
        let Some(Held {
            epoch: held_epoch,
            key,
            ..
        }) = self.keys.get(&id)
        else {
            // This laptop holds that epoch's data key: the blob is under a year's key it lacks.
            let epoch_held = self
                .keys
                .values()
                .any(|h| h.year.is_none() && h.epoch == epoch);
            return Err(if epoch_held {
                Unopened::NoYearKey { epoch }
            } else {
                Unopened::NoKey { epoch }
            });
        };
        if *held_epoch != epoch {
            return Err(broken("the epoch does not match its key"));
        }
        let aad = self.aad(doc, epoch, &id);
        XChaCha20Poly1305::new((&*key.0).into())
            .decrypt(
                XNonce::from_slice(&blob[15..HEADER]),
                Payload {
                    msg: &blob[HEADER..],
                    aad: &aad,
                },
            )
            .map_err(|_| broken("does not open: altered, or sealed for another document"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Keys;

    fn ring(office: &str, keys: &[(u32, &DataKey)]) -> Keyring {
        let mut r = Keyring::new(office);
        for (epoch, key) in keys {
            let check = key.check(office, *epoch);
            if *epoch == 0 {
                r.name_with(&check, key);
            }
            r.add(*epoch, &check, (*key).clone(), true).unwrap();
        }
        r
    }

    #[test]
    fn a_share_opens_only_on_its_laptop_and_only_to_its_check() {
        let (alice, bob) = (Keys::generate().unwrap(), Keys::generate().unwrap());
        let key = DataKey::generate();
        let check = key.check("office", 0);
        let w = wrap(&key, "office", &check, &alice.noise_key()).unwrap();
        let alice_opens = |w: &Wrapped| {
            unwrap(
                alice.noise().secret(),
                "office",
                0,
                &check,
                &alice.noise_key(),
                w,
            )
        };
        assert_eq!(alice_opens(&w).unwrap().check("office", 0), check);
        for (secret, epoch, check_, to) in [
            (bob.noise().secret(), 0, check.as_str(), alice.noise_key()),
            (bob.noise().secret(), 0, check.as_str(), bob.noise_key()),
            (alice.noise().secret(), 1, check.as_str(), alice.noise_key()),
        ] {
            assert!(unwrap(secret, "office", epoch, check_, &to, &w).is_err());
        }
        // A share of another key, offered under this check, is refused.
        let other = DataKey::generate();
        let forged = wrap(&other, "office", &check, &alice.noise_key()).unwrap();
        let why = alice_opens(&forged).err().unwrap();
        assert!(why.0.contains("another key"), "{}", why.0);
    }

    #[test]
    fn blobs_open_with_their_epoch_for_their_document_only() {
        let (k0, k1) = (DataKey::generate(), DataKey::generate());
        let before = ring("office", &[(0, &k0)]);
        let after = ring("office", &[(0, &k0), (1, &k1)]);
        assert_eq!(after.sealing_epoch(), Some(1));
        assert_eq!(
            before.twin_id("d"),
            after.twin_id("d"),
            "twins keep their ids"
        );
        assert_ne!(after.twin_id("d"), after.twin_id("e"));
        let old = before.seal("d", None, b"old").unwrap();
        let new = after.seal("d", None, b"new").unwrap();
        assert_eq!(after.open("d", &old).unwrap(), b"old");
        assert_eq!(after.open("d", &new).unwrap(), b"new");
        assert_eq!(before.open("d", &old).unwrap(), b"old");
        assert_eq!(before.open("d", &new), Err(Unopened::NoKey { epoch: 1 }));
        assert!(matches!(after.open("e", &new), Err(Unopened::Broken(_))));
        let mut altered = new.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(matches!(
            after.open("d", &altered),
            Err(Unopened::Broken(_))
        ));
        assert!(matches!(
            after.open("d", &new[..20]),
            Err(Unopened::Broken(_))
        ));
        assert!(ring("other office", &[(0, &k0)]).open("d", &old).is_err());
    }

    #[test]
    fn a_years_key_opens_with_that_years_secret_and_its_data_key_only() {
        let office = "office";
        let k0 = DataKey::generate();
        let c0 = k0.check(office, 0);
        let mine = YearSecret::generate();
        let year = DataKey::generate();
        let check = year.year_check(office, 2019, &c0);
        let w = wrap_year(&year, &k0, office, &check, mine.public_hex()).unwrap();
        let opened = unwrap_year(&mine, &k0, &c0, office, 2019, &check, &w).unwrap();
        assert_eq!(opened.year_check(office, 2019, &c0), check);
        let back = YearSecret::from_hex(&mine.to_hex()).unwrap();
        assert_eq!(back.public_hex(), mine.public_hex());
        // Another laptop's secret (or the year's secret destroyed); the data key without the year's
        // secret (a relay that wrote a laptop's year key itself holds that secret, not the data
        // key); another year: nothing.
        let k1 = DataKey::generate();
        for (secret, bound, bound_check, fiscal_year) in [
            (&YearSecret::generate(), &k0, c0.as_str(), 2019),
            (&mine, &k1, c0.as_str(), 2019),
            (&mine, &k0, c0.as_str(), 2020),
        ] {
            let tried = unwrap_year(secret, bound, bound_check, office, fiscal_year, &check, &w);
            assert!(tried.is_err(), "opened for {fiscal_year}");
        }
        let forged = wrap_year(&k1, &k0, office, &check, mine.public_hex()).unwrap();
        let why = unwrap_year(&mine, &k0, &c0, office, 2019, &check, &forged);
        assert!(why.err().unwrap().0.contains("another key"));

        // A year's document is sealed under its year's key, or not at all; the data key alone does
        // not open it.
        let mut r = ring(office, &[(0, &k0)]);
        assert!(r.seal("d", Some(2019), b"year").is_none());
        assert!(!r.seals_year(2019));
        r.add_year(2019, 0, &check, opened, true).unwrap();
        assert!(r.seals_year(2019));
        let blob = r.seal("d", Some(2019), b"year").unwrap();
        assert_eq!(r.open("d", &blob).unwrap(), b"year");
        assert_eq!(
            ring(office, &[(0, &k0)]).open("d", &blob),
            Err(Unopened::NoYearKey { epoch: 0 })
        );
        assert_eq!(
            Keyring::new(office).open("d", &blob),
            Err(Unopened::NoKey { epoch: 0 })
        );
        assert!(r.open("e", &blob).is_err(), "sealed for its document only");
        assert!(
            r.holds(&check) && r.data_key(&check).is_none(),
            "a year's key binds nothing"
        );
        assert_eq!(r.data_key(&c0).map(|(e, _)| e), Some(0));
        assert_eq!(r.sealing_key().map(|(c, _)| c), Some(c0.as_str()));
    }

    #[test]
    fn a_laptop_without_the_newest_key_cannot_seal() {
        let k0 = DataKey::generate();
        let mut r = ring("office", &[(0, &k0)]);
        assert!(r.can_seal());
        r.note_epoch(1);
        assert_eq!(r.missing_epoch(), Some(1));
        assert!(!r.can_seal());
    }
}
