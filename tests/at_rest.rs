//! Personal data at rest: the home's database is encrypted. A copied home folder without its key
//! reveals no names and does not open; a home protected by a passphrase opens only with it.

mod support;

use std::path::{Path, PathBuf};
use support::Laptop;

/// A laptop whose key file goes into a folder of the test's own, outside the home.
fn laptop_with_keys() -> (Laptop, tempfile::TempDir) {
    let keys = tempfile::tempdir().unwrap();
    let mut l = Laptop::new();
    l.env
        .push(("KENSHIN_KEYS".into(), keys.path().to_path_buf()));
    l.ok(&["demo", "--vouchers", "300"]);
    (l, keys)
}

/// Names, kana, addresses and voucher numbers the home holds, as its register shows them.
fn personal_strings(l: &Laptop) -> Vec<String> {
    let found = l.json(&["voucher", "find", "ヤマ"]);
    let hits = found["hits"].as_array().unwrap();
    assert!(hits.len() >= 5, "the demo has people named ヤマ…");
    hits.iter()
        .take(5)
        .flat_map(|h| {
            ["name", "kana", "address", "voucher_no"].map(|k| h[k].as_str().unwrap().to_string())
        })
        .collect()
}

/// `kenshin home passphrase` with the new passphrase given in the environment.
fn set_passphrase(l: &Laptop, new: &str) -> std::process::Output {
    l.command(&["home", "passphrase"])
        .env("KENSHIN_NEW_PASSPHRASE", new)
        .output()
        .unwrap()
}

/// The `key.json` of a home whose key is the one file in `keys` (as it was before a passphrase).
fn key_json_of_laptop(keys: &Path) -> String {
    let file = std::fs::read_dir(keys)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let home = file.file_stem().unwrap().to_str().unwrap().to_string();
    serde_json::json!({ "protection": "laptop", "home": home }).to_string()
}

fn every_file(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(every_file(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

fn assert_reveals_nothing(dir: &Path, secrets: &[String]) {
    let files = every_file(dir);
    assert!(files.iter().any(|(p, _)| p.ends_with("kenshin.sqlite3")));
    for (path, bytes) in &files {
        assert!(
            !bytes.starts_with(b"SQLite format 3"),
            "{} is a plaintext SQLite file",
            path.display()
        );
        for s in secrets {
            assert!(
                !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                "{} holds {s:?} in the clear",
                path.display()
            );
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

#[test]
fn a_copied_home_reveals_no_names_and_opens_only_where_its_key_is() {
    let (l, keys) = laptop_with_keys();
    l.ok(&[
        "inquiry",
        "log",
        "--voucher",
        "10000143",
        "--from",
        "城南クリニック",
        "--answer",
        "有効",
    ]);
    let mut secrets = personal_strings(&l);
    secrets.push("城南クリニック".into());
    // The keys folder is its owner's alone, and so is each key file.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(keys.path()), 0o700);
    for key in std::fs::read_dir(keys.path()).unwrap() {
        assert_eq!(mode(&key.unwrap().path()), 0o600);
    }
    // The strings are in the database (its register table holds them in plain columns), so their
    // absence from the bytes on disk is the encryption's doing.
    let names_in_db: i64 = {
        std::env::set_var("KENSHIN_KEYS", keys.path());
        let db = kenshin_store::connect(l.home.path()).unwrap();
        db.query_row(
            "SELECT count(*) FROM p_vouchers WHERE name = ?1",
            [&secrets[0]],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(names_in_db, 1);
    assert_reveals_nothing(l.home.path(), &secrets);
    let key_files: Vec<_> = std::fs::read_dir(keys.path()).unwrap().collect();
    assert_eq!(key_files.len(), 1, "one key, outside the home");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = key_files[0]
            .as_ref()
            .unwrap()
            .metadata()
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "only the laptop's user reads the key");
    }

    // The home folder copied to another laptop (another keys folder): refused, and nothing written.
    let elsewhere = Laptop::new();
    copy_dir(l.home.path(), elsewhere.home.path());
    let mut thief = elsewhere;
    let no_keys = tempfile::tempdir().unwrap();
    thief
        .env
        .push(("KENSHIN_KEYS".into(), no_keys.path().to_path_buf()));
    let before = every_file(thief.home.path());
    let err = thief.refused(&["voucher", "find", "ヤマ"]);
    assert!(err.contains("is not on this laptop"), "{err}");
    assert_eq!(
        every_file(thief.home.path()),
        before,
        "a refused open changes nothing"
    );
    assert_eq!(std::fs::read_dir(no_keys.path()).unwrap().count(), 0);
    // With the key (as on the laptop it came from), the same copy opens.
    thief.env = l.env.clone();
    assert_eq!(
        thief.json(&["voucher", "find", "ヤマ"])["total"],
        l.json(&["voucher", "find", "ヤマ"])["total"]
    );
}

#[test]
fn a_passphrase_protects_the_home_and_a_lost_laptop_reveals_nothing() {
    let (mut l, keys) = laptop_with_keys();
    let secrets = personal_strings(&l);
    // Someone copies the home and its laptop key file before the passphrase is set.
    let stolen = tempfile::tempdir().unwrap();
    copy_dir(keys.path(), &stolen.path().join("keys"));
    let short = set_passphrase(&l, "short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 8 characters"));
    let set = set_passphrase(&l, "夏の健診 2026");
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    // The laptop's key file is gone: the passphrase is now the only way in, even on this laptop.
    assert_eq!(std::fs::read_dir(keys.path()).unwrap().count(), 0);
    assert_reveals_nothing(l.home.path(), &secrets);
    let key_json = std::fs::read_to_string(l.home.path().join("key.json")).unwrap();
    assert!(key_json.contains("\"passphrase\"") && !key_json.contains("夏の健診"));
    // The database was encrypted again under a new key: the earlier key file opens nothing, even
    // with the key.json that pointed to it.
    let copy = stolen.path().join("home");
    copy_dir(l.home.path(), &copy);
    let laptop_slot = key_json_of_laptop(&stolen.path().join("keys"));
    std::fs::write(copy.join("key.json"), laptop_slot).unwrap();
    let thief = Laptop {
        home: tempfile::tempdir_in(stolen.path()).unwrap(),
        env: vec![("KENSHIN_KEYS".into(), stolen.path().join("keys"))],
    };
    copy_dir(&copy, thief.home.path());
    let err = thief.refused(&["board"]);
    assert!(err.contains("the key does not open"), "{err}");

    let err = l.refused(&["board"]);
    assert!(
        err.contains("protected by a passphrase") && err.contains("KENSHIN_PASSPHRASE"),
        "{err}"
    );
    l.env
        .push(("KENSHIN_PASSPHRASE".into(), "夏の健診 2025".into()));
    let err = l.refused(&["board"]);
    assert!(err.contains("the passphrase is wrong"), "{err}");
    l.env.pop();
    l.env
        .push(("KENSHIN_PASSPHRASE".into(), "夏の健診 2026".into()));
    assert!(
        l.json(&["voucher", "find", "ヤマ"])["total"]
            .as_u64()
            .unwrap()
            >= 5
    );

    // Changing it needs the old one, and then only the new one opens the home.
    let changed = set_passphrase(&l, "冬の健診 2027");
    assert!(
        changed.status.success(),
        "{}",
        String::from_utf8_lossy(&changed.stderr)
    );
    assert!(l.refused(&["board"]).contains("the passphrase is wrong"));
    l.env.pop();
    l.env
        .push(("KENSHIN_PASSPHRASE".into(), "冬の健診 2027".into()));
    l.ok(&["board"]);
}
