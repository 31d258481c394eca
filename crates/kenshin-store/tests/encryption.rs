//! A home written before encryption is encrypted in place when this build opens it, losing nothing; one
//! whose pages carry an earlier build's MAC opens as it is.

use kenshin_store::{Home, StoreError, DB_FILE, KEY_FILE};

/// One folder for the laptop keys of this file's tests, set once: they run at once, and the
/// variable is the process's.
fn keys_folder() {
    static KEYS: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        std::env::set_var("KENSHIN_KEYS", dir.path());
        dir
    });
}

#[test]
fn a_plaintext_home_is_encrypted_on_open_and_keeps_its_data() {
    keys_folder();
    let old = tempfile::tempdir().unwrap();
    let mut home = Home::open(old.path()).unwrap();
    home.write(|tx| tx.set_local("probe", "山田 太郎 城南市富士見"))
        .unwrap();
    drop(home);
    // A plaintext copy of it, as an earlier build kept it: no key.json, SQLite's own header.
    let plain_dir = tempfile::tempdir().unwrap();
    let plain = plain_dir.path().join(DB_FILE);
    kenshin_store::connect(old.path())
        .unwrap()
        .execute_batch(&format!(
            "ATTACH DATABASE '{}' AS plain KEY ''; SELECT sqlcipher_export('plain');
             PRAGMA plain.user_version = 3; DETACH DATABASE plain;",
            plain.display()
        ))
        .unwrap();
    let bytes = std::fs::read(&plain).unwrap();
    assert!(bytes.starts_with(b"SQLite format 3\0"));
    let secret = "山田 太郎".as_bytes();
    assert!(bytes.windows(secret.len()).any(|w| w == secret));

    let mut home = Home::open(plain_dir.path()).unwrap();
    let probe = home.read(|tx| tx.local("probe")).unwrap();
    assert_eq!(probe.as_deref(), Some("山田 太郎 城南市富士見"));
    drop(home);
    assert!(plain_dir.path().join(KEY_FILE).exists());
    for entry in std::fs::read_dir(plain_dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert!(!bytes.starts_with(b"SQLite format 3"), "{}", path.display());
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret),
            "{}",
            path.display()
        );
    }

    // Without its key.json, an encrypted database is refused, not mistaken for a new home.
    let orphan = tempfile::tempdir().unwrap();
    std::fs::copy(plain_dir.path().join(DB_FILE), orphan.path().join(DB_FILE)).unwrap();
    match Home::open(orphan.path()) {
        Err(StoreError::Key { why, .. }) => assert!(why.contains("key.json"), "{why}"),
        other => panic!("expected a key error, got {:?}", other.err()),
    }
    assert!(!orphan.path().join(KEY_FILE).exists());
}

/// A new home's pages are authenticated with HMAC-SHA256; a home made before, whose pages carry
/// SQLCipher's default HMAC-SHA512, opens as it is and keeps its data.
#[test]
fn a_home_made_with_the_earlier_page_mac_opens_and_keeps_its_data() {
    keys_folder();
    let mac = |dir: &std::path::Path| -> String {
        kenshin_store::connect(dir)
            .unwrap()
            .query_row("PRAGMA cipher_hmac_algorithm", [], |r| r.get(0))
            .unwrap()
    };
    let new = tempfile::tempdir().unwrap();
    let mut home = Home::open(new.path()).unwrap();
    home.write(|tx| tx.set_local("probe", "山田 太郎")).unwrap();
    drop(home);
    assert_eq!(mac(new.path()), "HMAC_SHA256");

    // A copy as an earlier build made it: the same key (the same key.json), SHA-512 pages.
    let earlier = tempfile::tempdir().unwrap();
    let copy = earlier.path().join(DB_FILE);
    let conn = kenshin_store::connect(new.path()).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    conn.execute_batch(&format!(
        "ATTACH DATABASE '{}' AS earlier;
         PRAGMA earlier.cipher_page_size = 16384;
         PRAGMA earlier.cipher_hmac_algorithm = HMAC_SHA512;
         SELECT sqlcipher_export('earlier');
         PRAGMA earlier.user_version = {version}; DETACH DATABASE earlier;",
        copy.display()
    ))
    .unwrap();
    drop(conn);
    std::fs::copy(new.path().join(KEY_FILE), earlier.path().join(KEY_FILE)).unwrap();
    let bytes = std::fs::read(&copy).unwrap();
    assert!(!bytes.windows(6).any(|w| w == "山田".as_bytes()));
    let mut home = Home::open(earlier.path()).unwrap();
    let probe = home.read(|tx| tx.local("probe")).unwrap();
    assert_eq!(probe.as_deref(), Some("山田 太郎"));
    home.write(|tx| tx.set_local("probe", "山田 花子")).unwrap();
    drop(home);
    assert_eq!(mac(earlier.path()), "HMAC_SHA512");
    let probe = Home::open(earlier.path())
        .unwrap()
        .read(|tx| tx.local("probe"))
        .unwrap();
    assert_eq!(probe.as_deref(), Some("山田 花子"));
}
