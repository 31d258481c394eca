//! The home's encryption key. The SQLite file (and its WAL) is encrypted by SQLCipher with a random
//! 256-bit key made when the home is. The home folder holds only `key.json`, which says where that key
//! is, so a copied home folder without it reveals nothing:
//! - `laptop`: in a file outside the home, `$XDG_CONFIG_HOME/kenshin/keys/<home id>.key` (mode 0600),
//!   protected by the laptop's login;
//! - `passphrase`: in `key.json` itself, sealed with XChaCha20-Poly1305 under a key derived from a
//!   passphrase by Argon2id, so a lost laptop reveals nothing without the passphrase.
//!
//! Nothing here keeps a key or a passphrase: a front end unlocks a home once ([`HomeDir::unlock`])
//! and hands the [`HomeDir`] to every open; the key is wiped from memory when the last holder drops
//! it, and a typed passphrase as soon as the key is derived. Setting a passphrase re-encrypts the
//! database under a new key (`PRAGMA rekey`), so a key file copied earlier opens nothing.

use crate::error::{Result, StoreError};
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::XChaCha20Poly1305;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

/// The file in the home folder that says where the key is.
pub const KEY_FILE: &str = "key.json";
/// Where a passphrase comes from when the home needs one and nobody typed it.
pub const PASSPHRASE_ENV: &str = "KENSHIN_PASSPHRASE";
/// Argon2id cost: 64 MiB and 3 passes (OWASP's first recommendation), about 0.3 s here.
pub(crate) const ARGON_M_KIB: u32 = 64 * 1024;
pub(crate) const ARGON_T: u32 = 3;
/// SQLCipher's page: 16 KiB rather than its 4 KiB, since each page pays for its own IV and HMAC (the
/// 150,000-row import took 2.1 s with 4 KiB pages and 1.8 s with 16 KiB, medians of 5).
const CIPHER_PAGE_SIZE: i64 = 16_384;
/// How each page is authenticated: HMAC-SHA256, which this CPU computes with its own instructions
/// (SHA-NI) at 1.8 GB/s, against 0.8 GB/s for SQLCipher's default SHA-512 (`openssl speed`): a page
/// read from the file is decrypted and checked in some 11 µs rather than 23 (docs/PERFORMANCE.md,
/// "Pages checked with HMAC-SHA256"). A 256-bit tag keyed with a 256-bit key.
const PAGE_MAC: &str = "HMAC_SHA256";
/// The MAC of homes made before (SQLCipher 4's default): they open as they are.
const EARLIER_PAGE_MAC: &str = "HMAC_SHA512";
/// SQLite's plaintext header: a home from before encryption starts with it.
const PLAIN_HEADER: &[u8] = b"SQLite format 3\0";

type Key = Zeroizing<[u8; 32]>;

/// A home's database key, unlocked (and the key it had before a passphrase change that did not
/// finish). Wiped from memory when the last holder drops it.
#[derive(Clone)]
struct HomeKey {
    key: Arc<Key>,
    before: Option<Arc<Key>>,
}

/// A home folder, and its key once unlocked. Front ends unlock a passphrase-protected home once and
/// hand this to every open; a home whose key is in the laptop's key file needs nothing more.
#[derive(Clone)]
pub struct HomeDir {
    path: PathBuf,
    key: Option<HomeKey>,
}

impl HomeDir {
    pub fn new(path: impl Into<PathBuf>) -> HomeDir {
        HomeDir {
            path: path.into(),
            key: None,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether opening it still needs a passphrase (it is protected by one and not unlocked).
    pub fn needs_passphrase(&self) -> Result<bool> {
        Ok(self.key.is_none() && matches!(read_slot(&self.path)?, Some(Slot::Passphrase { .. })))
    }

    /// Unlocks a passphrase-protected home (Argon2id, once). The passphrase is not kept.
    pub fn unlock(self, passphrase: &str) -> Result<HomeDir> {
        let dir = &self.path;
        let Some(slot @ Slot::Passphrase { .. }) = read_slot(dir)? else {
            return Ok(self);
        };
        let (key, before) = unseal_all(dir, &slot, Some(passphrase))?;
        Ok(HomeDir {
            key: Some(HomeKey {
                key: Arc::new(key),
                before: before.map(Arc::new),
            }),
            ..self
        })
    }
}

impl std::fmt::Debug for HomeDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        write!(
            f,
            "HomeDir({}, unlocked: {})",
            self.path.display(),
            self.key.is_some()
        )
    }
}

impl From<&Path> for HomeDir {
    fn from(p: &Path) -> HomeDir {
        HomeDir::new(p)
    }
}

impl From<&PathBuf> for HomeDir {
    fn from(p: &PathBuf) -> HomeDir {
        HomeDir::new(p)
    }
}

impl From<PathBuf> for HomeDir {
    fn from(p: PathBuf) -> HomeDir {
        HomeDir::new(p)
    }
}

impl From<&HomeDir> for HomeDir {
    fn from(h: &HomeDir) -> HomeDir {
        h.clone()
    }
}

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
        /// While a new passphrase is being set: the key the database had, sealed the same way,
        /// so that a crash before the database is re-encrypted loses nothing.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous: Option<Sealed>,
    },
}

#[derive(Serialize, Deserialize, Clone)]
struct Sealed {
    nonce: String,
    sealed: String,
}

impl Slot {
    fn home(&self) -> &str {
        match self {
            Slot::Laptop { home } | Slot::Passphrase { home, .. } => home,
        }
    }
}

/// Homes whose database file this process has looked at for an earlier build's plaintext (done
/// only before the first connection: see `open_encrypted`). Paths only, never keys.
static CHECKED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

/// Whether opening the home in `dir` needs a passphrase.
pub fn needs_passphrase(dir: &Path) -> Result<bool> {
    HomeDir::new(dir).needs_passphrase()
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

/// Writes a small file whole: to a temporary name, synced, then renamed over the old one. The
/// temporary name is this writer's own, so two writers of one file never write into each other's.
fn write_synced(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("{}-{n}.tmp", std::process::id()));
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

/// Destroys a home for good (端末の消去). The key first, where it is kept (the laptop's key file, and
/// `key.json`, which holds it sealed under a passphrase), each overwritten with zeros, synced and
/// removed: what remains of the database anywhere (a copy, a disk's spare blocks) is ciphertext
/// nobody can open (cryptographic erasure, NIST SP 800-88). Then the database and its journal files
/// the same way, and the folder when nothing else is in it. The caller has closed every connection
/// to the home.
pub fn destroy(home: &HomeDir) -> Result<()> {
    let dir = home.path();
    let erase = |path: &Path| {
        overwrite_and_remove(path)
            .map_err(|e| key_err(dir, format!("cannot destroy {}: {e}", path.display())))
    };
    if let Some(Slot::Laptop { home } | Slot::Passphrase { home, .. }) = read_slot(dir)? {
        erase(&laptop_key_path(&home))?;
    }
    erase(&dir.join(KEY_FILE))?;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        erase(&dir.join(format!("{}{suffix}", crate::DB_FILE)))?;
    }
    // Left in place when it holds something else (not the home's).
    let _ = std::fs::remove_dir(dir);
    Ok(())
}

/// Overwrites a file with zeros, syncs it and removes it; a file that is not there is done.
fn overwrite_and_remove(path: &Path) -> std::io::Result<()> {
    let mut f = match std::fs::OpenOptions::new().write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut left = f.metadata()?.len();
    let zeros = vec![0u8; 1 << 20];
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        f.write_all(&zeros[..n])?;
        left -= n as u64;
    }
    f.sync_all()?;
    drop(f);
    std::fs::remove_file(path)?;
    if let Some(parent) = path.parent() {
        std::fs::File::open(parent)?.sync_all()?;
    }
    Ok(())
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
    let text = Zeroizing::new(hex::encode(key.as_slice()));
    let made = path
        .parent()
        .map(private_dir)
        .transpose()
        .and_then(|_| write_synced(&path, text.as_bytes(), true));
    made.map_err(|e| key_err(dir, format!("cannot write the key {}: {e}", path.display())))
}

/// The passphrase a command line gives in the environment (scripts), if any.
fn env_passphrase() -> Option<Zeroizing<String>> {
    std::env::var(PASSPHRASE_ENV).ok().map(Zeroizing::new)
}

pub(crate) fn derive(
    passphrase: &str,
    salt: &[u8],
    m_kib: u32,
    t: u32,
) -> std::result::Result<Key, String> {
    let params = Params::new(m_kib, t, 1, Some(32)).map_err(|e| e.to_string())?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, out.as_mut_slice())
        .map_err(|e| e.to_string())?;
    Ok(out)
}

fn read_laptop_key(dir: &Path, home: &str) -> Result<Key> {
    let path = laptop_key_path(home);
    let text = Zeroizing::new(std::fs::read_to_string(&path).map_err(|e| {
        key_err(
            dir,
            format!(
                "its key {} is not on this laptop ({e}); a copied home opens only where its key is",
                path.display()
            ),
        )
    })?);
    decode_key(text.trim()).ok_or_else(|| key_err(dir, format!("{} is not a key", path.display())))
}

/// The key a slot holds (and, for a passphrase slot, the key the database had before a passphrase
/// change that may not have finished). `given` is the passphrase typed, if any.
fn unseal_all(dir: &Path, slot: &Slot, given: Option<&str>) -> Result<(Key, Option<Key>)> {
    match slot {
        Slot::Laptop { home } => Ok((read_laptop_key(dir, home)?, None)),
        Slot::Passphrase {
            m_kib,
            t,
            salt,
            nonce,
            sealed,
            previous,
            ..
        } => {
            let from_env = env_passphrase();
            let given = given
                .or(from_env.as_deref().map(String::as_str))
                .ok_or_else(|| {
                    key_err(
                        dir,
                        format!(
                        "the home is protected by a passphrase: type it, or set {PASSPHRASE_ENV}"
                    ),
                    )
                })?;
            let bad = |what: &str| key_err(dir, format!("{KEY_FILE}: {what} is not valid hex"));
            let salt = hex::decode(salt).map_err(|_| bad("salt"))?;
            let kek = derive(given, &salt, *m_kib, *t).map_err(|e| key_err(dir, e))?;
            let open = |nonce: &str, sealed: &str| -> Result<Key> {
                let nonce = hex::decode(nonce).map_err(|_| bad("nonce"))?;
                let sealed = hex::decode(sealed).map_err(|_| bad("sealed"))?;
                if nonce.len() != 24 {
                    return Err(key_err(
                        dir,
                        format!("{KEY_FILE}: the nonce is not 24 bytes"),
                    ));
                }
                let opened = Zeroizing::new(
                    XChaCha20Poly1305::new(kek.as_slice().into())
                        .decrypt(nonce.as_slice().into(), sealed.as_slice())
                        .map_err(|_| StoreError::WrongPassphrase {
                            path: dir.display().to_string(),
                        })?,
                );
                let mut key = Zeroizing::new([0u8; 32]);
                if opened.len() != 32 {
                    return Err(key_err(
                        dir,
                        format!("{KEY_FILE}: the sealed key is not 32 bytes"),
                    ));
                }
                key.copy_from_slice(&opened);
                Ok(key)
            };
            let key = open(nonce, sealed)?;
            let before = match previous {
                Some(p) => Some(open(&p.nonce, &p.sealed)?),
                None => None,
            };
            Ok((key, before))
        }
    }
}

fn decode_key(text: &str) -> Option<Key> {
    let bytes = Zeroizing::new(hex::decode(text).ok()?);
    let mut key = Zeroizing::new([0u8; 32]);
    if bytes.len() != 32 {
        return None;
    }
    key.copy_from_slice(&bytes);
    Some(key)
}

/// The keys to try on the home's database: its key, and the one it had before an unfinished
/// passphrase change. Makes the key of a new home (written to disk before anything uses it).
fn home_keys(home: &HomeDir) -> Result<(Key, Option<Key>)> {
    let dir = home.path();
    if let Some(k) = &home.key {
        return Ok((
            Zeroizing::new(**k.key),
            k.before.as_ref().map(|b| Zeroizing::new(***b)),
        ));
    }
    match read_slot(dir)? {
        Some(slot) => unseal_all(dir, &slot, None),
        None => {
            if dir.join(crate::DB_FILE).exists() && !is_plaintext(dir)? {
                return Err(key_err(
                    dir,
                    format!("the database is encrypted but {KEY_FILE}, which says where its key is, is missing"),
                ));
            }
            let id = uuid::Uuid::new_v4().simple().to_string();
            let mut key = Zeroizing::new([0u8; 32]);
            OsRng.fill_bytes(key.as_mut_slice());
            // The key is on disk before anything is encrypted with it.
            write_laptop_key(dir, &id, &key)?;
            write_slot(dir, &Slot::Laptop { home: id })?;
            Ok((key, None))
        }
    }
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

fn pragma_key(key: &Key) -> Zeroizing<String> {
    Zeroizing::new(format!(
        "x'{}'",
        *Zeroizing::new(hex::encode(key.as_slice()))
    ))
}

/// A connection to the database keyed with `key`, its pages' MAC this build's or, for a home made
/// before, SQLCipher's default; or why the key does not open it.
fn keyed(dir: &Path, key: &Key) -> Result<std::result::Result<Connection, StoreError>> {
    match keyed_with(dir, key, PAGE_MAC)? {
        Ok(conn) => Ok(Ok(conn)),
        Err(wrong) => Ok(keyed_with(dir, key, EARLIER_PAGE_MAC)?.map_err(|_| wrong)),
    }
}

fn keyed_with(
    dir: &Path,
    key: &Key,
    mac: &str,
) -> Result<std::result::Result<Connection, StoreError>> {
    let path = dir.join(crate::DB_FILE);
    let open_err = |source| StoreError::Open {
        path: path.display().to_string(),
        source,
    };
    let conn = Connection::open(&path).map_err(open_err)?;
    // The first read below may wait for another process's recovery or checkpoint of the WAL.
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(open_err)?;
    conn.pragma_update(None, "key", &*pragma_key(key))
        .map_err(open_err)?;
    // A wrong key is reported below, once, not logged by SQLCipher onto a command's stderr (its
    // default log is set up when the key is given, so this comes after).
    conn.pragma_update(None, "cipher_log_level", "NONE")
        .map_err(open_err)?;
    conn.pragma_update(None, "cipher_page_size", CIPHER_PAGE_SIZE)
        .map_err(open_err)?;
    conn.pragma_update(None, "cipher_hmac_algorithm", mac)
        .map_err(open_err)?;
    // A wrong key shows only when a page is read, as "not a database"; any other failure of that
    // first read is the disk's, said as such.
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(Ok(conn)),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            Ok(Err(key_err(
                dir,
                format!("the key does not open {}: {e}", path.display()),
            )))
        }
        Err(_) if crate::error::out_of_space(&conn) => Err(StoreError::DiskFull),
        Err(e) => Err(open_err(e)),
    }
}

/// Opens the home's database with its key: the first thing said on the connection.
pub(crate) fn open_encrypted(home: &HomeDir) -> Result<Connection> {
    let dir = home.path();
    let first = CHECKED
        .lock()
        .map(|mut c| c.get_or_insert_with(HashSet::new).insert(cache_path(dir)))
        .unwrap_or(false);
    let (key, before) = home_keys(home)?;
    // Only before this process's first connection: closing a file descriptor of the database
    // drops every POSIX lock the process holds on it, SQLite's included, and another process
    // could then take the WAL away from under a live connection.
    if first && is_plaintext(dir)? {
        encrypt_in_place(dir, &key)?;
    }
    match keyed(dir, &key)? {
        Ok(conn) => Ok(conn),
        Err(wrong) => {
            // A passphrase change that did not finish: the database still has its earlier key.
            let Some(before) = before else {
                return Err(wrong);
            };
            let conn = keyed(dir, &before)??;
            finish_rekey(dir, &conn, &key)?;
            Ok(conn)
        }
    }
}

/// The home folder as the check above knows it: one entry however the path is spelled.
fn cache_path(dir: &Path) -> PathBuf {
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
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
    conn.execute_batch(&Zeroizing::new(format!(
        "ATTACH DATABASE '{quoted}' AS sealed KEY \"{}\";
         PRAGMA sealed.cipher_page_size = {CIPHER_PAGE_SIZE};
         PRAGMA sealed.cipher_hmac_algorithm = {PAGE_MAC};
         SELECT sqlcipher_export('sealed');
         PRAGMA sealed.user_version = {version};
         DETACH DATABASE sealed;",
        *pragma_key(key)
    )))?;
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

/// Re-encrypts the whole database under `key` (SQLCipher's `PRAGMA rekey`, one transaction), then
/// drops the earlier key from `key.json`. Needs the home to itself: SQLCipher 4 re-keys a database
/// only out of WAL mode.
fn finish_rekey(dir: &Path, conn: &Connection, key: &Key) -> Result<()> {
    let busy = |e: rusqlite::Error| {
        key_err(
            dir,
            format!("the home is open in another Kenshin (the app, or kenshin serve): close it and try again ({e})"),
        )
    };
    conn.busy_timeout(std::time::Duration::from_secs(2))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
        .map_err(busy)?;
    if mode != "delete" {
        return Err(busy(rusqlite::Error::InvalidQuery));
    }
    conn.pragma_update(None, "rekey", &*pragma_key(key))
        .map_err(|e| key_err(dir, format!("re-encrypting the database failed: {e}")))?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    if let Some(Slot::Passphrase {
        home,
        m_kib,
        t,
        salt,
        nonce,
        sealed,
        ..
    }) = read_slot(dir)?
    {
        write_slot(
            dir,
            &Slot::Passphrase {
                home: home.clone(),
                m_kib,
                t,
                salt,
                nonce,
                sealed,
                previous: None,
            },
        )?;
        let _ = std::fs::remove_file(laptop_key_path(&home));
    }
    Ok(())
}

/// Protects the home with a passphrase (or changes it): the database is re-encrypted under a new
/// key sealed in `key.json` under the passphrase, and the laptop's key file, if any, is removed; a
/// key file or a `key.json` copied earlier opens nothing any more. Returns the home, unlocked.
pub fn set_passphrase(home: impl Into<HomeDir>, new: &str) -> Result<HomeDir> {
    let home = &home.into();
    let dir = home.path();
    if new.chars().count() < 8 {
        return Err(StoreError::ShortPassphrase);
    }
    let slot = read_slot(dir)?.ok_or_else(|| {
        key_err(
            dir,
            format!("there is no home here ({KEY_FILE} is missing)"),
        )
    })?;
    // Opening it first proves the current key (and finishes any earlier change).
    let conn = crate::home::connect(home)?;
    let (current, _) = home_keys(home)?;
    let mut fresh = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(fresh.as_mut_slice());
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let kek = derive(new, &salt, ARGON_M_KIB, ARGON_T).map_err(|e| key_err(dir, e))?;
    let seal = |key: &Key| -> Result<Sealed> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = XChaCha20Poly1305::new(kek.as_slice().into())
            .encrypt(&nonce, key.as_slice())
            .map_err(|e| key_err(dir, e.to_string()))?;
        Ok(Sealed {
            nonce: hex::encode(nonce),
            sealed: hex::encode(sealed),
        })
    };
    let sealed = seal(&fresh)?;
    // First the new key beside the old one, then the database, then the old key goes.
    write_slot(
        dir,
        &Slot::Passphrase {
            home: slot.home().to_string(),
            m_kib: ARGON_M_KIB,
            t: ARGON_T,
            salt: hex::encode(salt),
            nonce: sealed.nonce,
            sealed: sealed.sealed,
            previous: Some(seal(&current)?),
        },
    )?;
    finish_rekey(dir, &conn, &fresh)?;
    Ok(HomeDir {
        path: dir.to_path_buf(),
        key: Some(HomeKey {
            key: Arc::new(fresh),
            before: None,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A passphrase change cut off after `key.json` holds the new key but before the database was
    /// encrypted again: the home still opens with the new passphrase, and finishes the change.
    #[test]
    fn an_interrupted_passphrase_change_loses_nothing() {
        let keys = tempfile::tempdir().unwrap();
        std::env::set_var("KENSHIN_KEYS", keys.path());
        let dir = tempfile::tempdir().unwrap();
        let home = HomeDir::new(dir.path());
        let mut h = crate::Home::open(&home).unwrap();
        h.write(|tx| tx.set_local("probe", "残る")).unwrap();
        drop(h);
        let Some(Slot::Laptop { home: id }) = read_slot(dir.path()).unwrap() else {
            panic!("a laptop key");
        };
        let old = read_laptop_key(dir.path(), &id).unwrap();
        let mut fresh = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(fresh.as_mut_slice());
        let salt = [7u8; 16];
        let kek = derive("新しい合言葉です", &salt, 8, 1).unwrap();
        let seal = |key: &Key| {
            let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
            let sealed = XChaCha20Poly1305::new(kek.as_slice().into())
                .encrypt(&nonce, key.as_slice())
                .unwrap();
            Sealed {
                nonce: hex::encode(nonce),
                sealed: hex::encode(sealed),
            }
        };
        let s = seal(&fresh);
        write_slot(
            dir.path(),
            &Slot::Passphrase {
                home: id.clone(),
                m_kib: 8,
                t: 1,
                salt: hex::encode(salt),
                nonce: s.nonce,
                sealed: s.sealed,
                previous: Some(seal(&old)),
            },
        )
        .unwrap();
        let unlocked = HomeDir::new(dir.path()).unlock("新しい合言葉です").unwrap();
        let mut h = crate::Home::open(&unlocked).unwrap();
        assert_eq!(
            h.read(|tx| tx.local("probe")).unwrap().as_deref(),
            Some("残る")
        );
        drop(h);
        // Finished: the old key opens nothing, the key file is gone, key.json holds one key.
        assert!(keyed(dir.path(), &old).unwrap().is_err());
        assert!(keyed(dir.path(), &fresh).unwrap().is_ok());
        assert!(!laptop_key_path(&id).exists());
        assert!(matches!(
            read_slot(dir.path()).unwrap(),
            Some(Slot::Passphrase { previous: None, .. })
        ));
    }
}
