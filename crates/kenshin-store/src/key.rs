//! The home's encryption key. The SQLite file (and its WAL) is encrypted by SQLCipher with a random
//! 256-bit key made when the home is. The home folder holds only `key.json`, which says where that key
//! is, so a copied home folder without it reveals nothing:
//! - `laptop`: in a file outside the home, `$XDG_CONFIG_HOME/kenshin/keys/<home id>.key` (mode 0600),
//!   protected by the laptop's login;
//! - `passphrase`: in `key.json` itself, sealed with XChaCha20-Poly1305 under a key derived from a
//!   passphrase by Argon2id, so a lost laptop reveals nothing without the passphrase.

use crate::error::{Result, StoreError};
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::XChaCha20Poly1305;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The file in the home folder that says where the key is.
pub const KEY_FILE: &str = "key.json";
/// Where a passphrase comes from when the home needs one and nobody typed it.
pub const PASSPHRASE_ENV: &str = "KENSHIN_PASSPHRASE";
/// Argon2id cost: 64 MiB and 3 passes (OWASP's first recommendation), about 0.3 s here.
const ARGON_M_KIB: u32 = 64 * 1024;
const ARGON_T: u32 = 3;
/// SQLCipher's page: 16 KiB rather than its 4 KiB, since each page pays for its own IV and HMAC (the
/// 150,000-row import took 2.1 s with 4 KiB pages and 1.8 s with 16 KiB, medians of 5).
const CIPHER_PAGE_SIZE: i64 = 16_384;
/// SQLite's plaintext header: a home from before encryption starts with it.
const PLAIN_HEADER: &[u8] = b"SQLite format 3\0";

type Key = [u8; 32];

#[derive(Serialize, Deserialize)]
#[serde(tag = "protection", rename_all = "lowercase")]
enum Slot {
    Laptop {
        home: String,
    },
    Passphrase {
        home: String,
        m_kib: u32,
        t: u32,
        salt: String,
        nonce: String,
        sealed: String,
    },
}

impl Slot {
    fn home(&self) -> &str {
        match self {
            Slot::Laptop { home } | Slot::Passphrase { home, .. } => home,
        }
    }
}

/// Keys already opened by this process, so the passphrase is derived once, not per connection.
static OPENED: Mutex<Option<HashMap<PathBuf, Key>>> = Mutex::new(None);
/// A passphrase given by the front end (typed at a prompt or in the window).
static GIVEN: Mutex<Option<String>> = Mutex::new(None);

/// Gives the passphrase for homes that need one (instead of `KENSHIN_PASSPHRASE`).
pub fn give_passphrase(passphrase: &str) {
    if let Ok(mut g) = GIVEN.lock() {
        *g = Some(passphrase.to_string());
    }
}

/// Whether opening the home in `dir` needs a passphrase.
pub fn needs_passphrase(dir: &Path) -> Result<bool> {
    Ok(matches!(read_slot(dir)?, Some(Slot::Passphrase { .. })))
}

fn keys_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("KENSHIN_KEYS") {
        return PathBuf::from(d);
    }
    std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("kenshin/keys")
}

fn key_err(dir: &Path, why: impl Into<String>) -> StoreError {
    StoreError::Key {
        path: dir.display().to_string(),
        why: why.into(),
    }
}

fn read_slot(dir: &Path) -> Result<Option<Slot>> {
    let path = dir.join(KEY_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| key_err(dir, format!("{KEY_FILE} is not readable: {e}"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(key_err(dir, format!("cannot read {KEY_FILE}: {e}"))),
    }
}

/// Writes a small file whole: to a temporary name, synced, then renamed over the old one.
fn write_synced(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let _ = private;
    let mut f = options.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    if let Some(parent) = path.parent() {
        std::fs::File::open(parent)?.sync_all()?;
    }
    Ok(())
}

fn write_slot(dir: &Path, slot: &Slot) -> Result<()> {
    let json = serde_json::to_vec_pretty(slot).expect("a key slot serialises");
    write_synced(&dir.join(KEY_FILE), &json, false)
        .map_err(|e| key_err(dir, format!("cannot write {KEY_FILE}: {e}")))
}

fn laptop_key_path(home: &str) -> PathBuf {
    keys_dir().join(format!("{home}.key"))
}

/// Makes the keys folder, readable by its owner only (0700).
fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn write_laptop_key(dir: &Path, home: &str, key: &Key) -> Result<()> {
    let path = laptop_key_path(home);
    let made = path
        .parent()
        .map(private_dir)
        .transpose()
        .and_then(|_| write_synced(&path, hex::encode(key).as_bytes(), true));
    made.map_err(|e| key_err(dir, format!("cannot write the key {}: {e}", path.display())))
}

fn passphrase() -> Option<String> {
    GIVEN
        .lock()
        .ok()
        .and_then(|g| g.clone())
        .or_else(|| std::env::var(PASSPHRASE_ENV).ok())
}

fn derive(passphrase: &str, salt: &[u8], m_kib: u32, t: u32) -> std::result::Result<Key, String> {
    let params = Params::new(m_kib, t, 1, Some(32)).map_err(|e| e.to_string())?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut out)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

fn unseal(dir: &Path, slot: &Slot) -> Result<Key> {
    match slot {
        Slot::Laptop { home } => {
            let path = laptop_key_path(home);
            let text = std::fs::read_to_string(&path).map_err(|e| {
                key_err(
                    dir,
                    format!(
                        "its key {} is not on this laptop ({e}); a copied home opens only where its key is",
                        path.display()
                    ),
                )
            })?;
            decode_key(text.trim())
                .ok_or_else(|| key_err(dir, format!("{} is not a key", path.display())))
        }
        Slot::Passphrase {
            m_kib,
            t,
            salt,
            nonce,
            sealed,
            ..
        } => {
            let given = passphrase().ok_or_else(|| {
                key_err(
                    dir,
                    format!(
                        "the home is protected by a passphrase: type it, or set {PASSPHRASE_ENV}"
                    ),
                )
            })?;
            let bad = |what: &str| key_err(dir, format!("{KEY_FILE}: {what} is not valid hex"));
            let salt = hex::decode(salt).map_err(|_| bad("salt"))?;
            let nonce = hex::decode(nonce).map_err(|_| bad("nonce"))?;
            let sealed = hex::decode(sealed).map_err(|_| bad("sealed"))?;
            if nonce.len() != 24 {
                return Err(key_err(
                    dir,
                    format!("{KEY_FILE}: the nonce is not 24 bytes"),
                ));
            }
            let kek = derive(&given, &salt, *m_kib, *t).map_err(|e| key_err(dir, e))?;
            let opened = XChaCha20Poly1305::new(&kek.into())
                .decrypt(nonce.as_slice().into(), sealed.as_slice())
                .map_err(|_| key_err(dir, "the passphrase is wrong"))?;
            opened
                .try_into()
                .map_err(|_| key_err(dir, format!("{KEY_FILE}: the sealed key is not 32 bytes")))
        }
    }
}

fn decode_key(text: &str) -> Option<Key> {
    hex::decode(text).ok()?.try_into().ok()
}

/// The home folder as the cache knows it: one entry however the path is spelled.
fn cache_key(dir: &Path) -> PathBuf {
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}

fn remember(dir: &Path, key: Key) {
    if let Ok(mut opened) = OPENED.lock() {
        opened
            .get_or_insert_with(HashMap::new)
            .insert(cache_key(dir), key);
    }
}

fn opened(dir: &Path) -> Option<Key> {
    let opened = OPENED.lock().ok()?;
    opened.as_ref()?.get(&cache_key(dir)).copied()
}

/// The key of the home in `dir` (from where `key.json` says), making one for a new home.
fn home_key(dir: &Path) -> Result<Key> {
    let key = match read_slot(dir)? {
        Some(slot) => unseal(dir, &slot)?,
        None => {
            if dir.join(crate::DB_FILE).exists() && !is_plaintext(dir)? {
                return Err(key_err(
                    dir,
                    format!("the database is encrypted but {KEY_FILE}, which says where its key is, is missing"),
                ));
            }
            let home = uuid::Uuid::new_v4().simple().to_string();
            let key: Key = XChaCha20Poly1305::generate_key(&mut OsRng).into();
            // The key is on disk before anything is encrypted with it.
            write_laptop_key(dir, &home, &key)?;
            write_slot(dir, &Slot::Laptop { home })?;
            key
        }
    };
    Ok(key)
}

fn is_plaintext(dir: &Path) -> Result<bool> {
    let path = dir.join(crate::DB_FILE);
    let mut head = [0u8; 16];
    match std::fs::File::open(&path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
    {
        Ok(()) => Ok(head == PLAIN_HEADER),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(key_err(dir, format!("cannot read {}: {e}", path.display()))),
    }
}

fn pragma_key(key: &Key) -> String {
    format!("x'{}'", hex::encode(key))
}

/// Opens the home's database with its key: the first thing said on the connection.
pub(crate) fn open_encrypted(dir: &Path) -> Result<Connection> {
    let path = dir.join(crate::DB_FILE);
    let key = match opened(dir) {
        Some(key) => key,
        None => {
            // Only before this process's first connection: closing a file descriptor of the
            // database drops every POSIX lock the process holds on it, SQLite's included, and
            // another process could then take the WAL away from under a live connection.
            let key = home_key(dir)?;
            if is_plaintext(dir)? {
                encrypt_in_place(dir, &key)?;
            }
            remember(dir, key);
            key
        }
    };
    let open_err = |source| StoreError::Open {
        path: path.display().to_string(),
        source,
    };
    let conn = Connection::open(&path).map_err(open_err)?;
    conn.pragma_update(None, "key", pragma_key(&key))
        .map_err(open_err)?;
    conn.pragma_update(None, "cipher_page_size", CIPHER_PAGE_SIZE)
        .map_err(open_err)?;
    // A wrong key shows only when a page is read.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| {
        key_err(
            dir,
            format!("the key does not open {}: {e}", path.display()),
        )
    })?;
    Ok(conn)
}

/// Encrypts a home written before encryption: exported into a new encrypted file, which then
/// replaces the old one. A crash before the rename leaves the plaintext home, encrypted next time.
fn encrypt_in_place(dir: &Path, key: &Key) -> Result<()> {
    let path = dir.join(crate::DB_FILE);
    let tmp = dir.join(format!("{}.encrypting", crate::DB_FILE));
    let _ = std::fs::remove_file(&tmp);
    let conn = Connection::open(&path)?;
    // Everything in the WAL goes into the file first; an empty WAL cannot replay onto the new one.
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let quoted = tmp.display().to_string().replace('\'', "''");
    conn.execute_batch(&format!(
        "ATTACH DATABASE '{quoted}' AS sealed KEY \"{}\";
         PRAGMA sealed.cipher_page_size = {CIPHER_PAGE_SIZE};
         SELECT sqlcipher_export('sealed');
         PRAGMA sealed.user_version = {version};
         DETACH DATABASE sealed;",
        pragma_key(key)
    ))?;
    drop(conn);
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .and_then(|_| std::fs::rename(&tmp, &path))
        .map_err(|e| {
            key_err(
                dir,
                format!(
                    "cannot replace {} with its encrypted copy: {e}",
                    path.display()
                ),
            )
        })?;
    for stale in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("{}{stale}", crate::DB_FILE)));
    }
    Ok(())
}

/// Protects the home with a passphrase (or changes it): the key is sealed in `key.json` and the
/// laptop's key file, if any, is removed. The database itself is not rewritten.
pub fn set_passphrase(dir: &Path, new: &str) -> Result<()> {
    if new.chars().count() < 8 {
        return Err(key_err(dir, "a passphrase needs at least 8 characters"));
    }
    let slot = read_slot(dir)?.ok_or_else(|| {
        key_err(
            dir,
            format!("there is no home here ({KEY_FILE} is missing)"),
        )
    })?;
    let key = home_key(dir)?;
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let kek = derive(new, &salt, ARGON_M_KIB, ARGON_T).map_err(|e| key_err(dir, e))?;
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = XChaCha20Poly1305::new(&kek.into())
        .encrypt(&nonce, key.as_slice())
        .map_err(|e| key_err(dir, e.to_string()))?;
    write_slot(
        dir,
        &Slot::Passphrase {
            home: slot.home().to_string(),
            m_kib: ARGON_M_KIB,
            t: ARGON_T,
            salt: hex::encode(salt),
            nonce: hex::encode(nonce),
            sealed: hex::encode(sealed),
        },
    )?;
    if let Slot::Laptop { home } = &slot {
        let _ = std::fs::remove_file(laptop_key_path(home));
    }
    give_passphrase(new);
    Ok(())
}
