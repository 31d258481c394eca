//! A home written before encryption is encrypted in place when this build opens it, losing nothing.

use kenshin_store::{Home, StoreError, DB_FILE, KEY_FILE};

#[test]
fn a_plaintext_home_is_encrypted_on_open_and_keeps_its_data() {
    let keys = tempfile::tempdir().unwrap();
    std::env::set_var("KENSHIN_KEYS", keys.path());
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
