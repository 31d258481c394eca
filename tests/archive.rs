//! The monthly archive (事跡) and print output, through the real `kenshin` binary: export, verify,
//! every kind of tampering named, byte-identical exports, and the PDFs rendered by poppler.

mod support;

use chrono::{DateTime, Datelike, FixedOffset, Utc};
use serde_json::Value;
use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::process::Command;
use support::Laptop;

/// The month (in Japan's time) the demo recorded its sign-offs in, read from the board.
fn demo_month(l: &Laptop) -> String {
    let board = l.json(&["board"]);
    let at = board[0]["steps"][0]["history"][0]["at"]
        .as_str()
        .expect("the demo's first batch has a recorded step")
        .parse::<DateTime<Utc>>()
        .unwrap()
        .with_timezone(&FixedOffset::east_opt(9 * 3600).unwrap());
    format!("{:04}-{:02}", at.year(), at.month())
}

fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().to_string(), data)
        })
        .collect()
}

fn repack(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in files {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn file<'a>(files: &'a [(String, Vec<u8>)], name: &str) -> &'a [u8] {
    &files.iter().find(|(n, _)| n == name).unwrap().1
}

fn replace(files: &mut [(String, Vec<u8>)], name: &str, data: Vec<u8>) {
    files.iter_mut().find(|(n, _)| n == name).unwrap().1 = data;
}

/// Verifies `bytes` as a file in `dir`; returns (passed, stdout, stderr).
fn verify(l: &Laptop, dir: &Path, bytes: &[u8], extra: &[&str]) -> (bool, String, String) {
    let path = dir.join("check.zip");
    std::fs::write(&path, bytes).unwrap();
    let mut args = vec!["archive", "verify", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = l.run(&args);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Fails unless verify refuses `bytes` and says `expected` on stdout and stderr.
fn refused(l: &Laptop, dir: &Path, bytes: &[u8], expected: &str, case: &str) {
    let (ok, stdout, stderr) = verify(l, dir, bytes, &[]);
    assert!(!ok, "{case}: verify passed\n{stdout}");
    assert!(
        stderr.contains(expected),
        "{case}: stderr does not say {expected:?}:\n{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{case}: one line on stderr");
}

/// The manifest rewritten with `files`' hashes and signed again with the exporter's own key (read
/// from the home, as an insider with the laptop could).
fn resign(l: &Laptop, files: &mut [(String, Vec<u8>)]) {
    let mut manifest: Value = serde_json::from_slice(file(files, "manifest.json")).unwrap();
    for f in manifest["files"].as_array_mut().unwrap() {
        let path = f["path"].as_str().unwrap().to_string();
        f["sha256"] = sha256_hex(file(files, &path)).into();
    }
    let bytes = serde_json::to_vec_pretty(&manifest).unwrap();
    let sig: Value = serde_json::from_slice(file(files, "manifest.sig")).unwrap();
    let member = sig["member"].as_str().unwrap();
    let db = kenshin_store::connect(l.home.path()).unwrap();
    let secret: String = db
        .query_row(
            "SELECT value FROM local WHERE key = ?1",
            [format!("keys:{member}")],
            |r| r.get(0),
        )
        .unwrap();
    let keys = kenshin_trust::Keys::from_secret_text(&secret).unwrap();
    let new_sig = serde_json::json!({
        "member": member, "sign_key": keys.sign_key(), "signature": keys.sign(&bytes),
    });
    replace(files, "manifest.json", bytes);
    replace(files, "manifest.sig", serde_json::to_vec(&new_sig).unwrap());
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// A demo office, the month of its records, and a folder for files.
fn demo() -> (Laptop, String, tempfile::TempDir) {
    let l = Laptop::new();
    l.ok(&["demo"]);
    let month = demo_month(&l);
    (l, month, tempfile::tempdir().unwrap())
}

/// Exports the month to `path`; returns what the export says it wrote.
fn export(l: &Laptop, month: &str, path: &Path) -> Value {
    l.json(&[
        "archive",
        "export",
        "--month",
        month,
        "--out",
        path.to_str().unwrap(),
    ])
}

#[test]
fn an_archive_verifies_and_every_tampering_is_named() {
    let (l, month, dir) = demo();
    // Two lookups in the register, by two members: the access log (照会記録) goes into the archive.
    l.ok(&["--as", "委託 一郎", "voucher", "find", "ヤマ"]);
    l.ok(&["voucher", "find", "不在の名前"]);
    let (a, b) = (dir.path().join("a.zip"), dir.path().join("b.zip"));
    let summary = export(&l, &month, &a);
    assert_eq!(summary["batches"], 6, "{summary}");
    assert_eq!(summary["lookups"], 2, "{summary}");
    assert!(summary["signoffs"].as_u64().unwrap() > 20, "{summary}");
    assert!(summary["notes"].as_u64().unwrap() >= 4, "{summary}");
    export(&l, &month, &b);
    let original = std::fs::read(&a).unwrap();
    assert_eq!(
        original,
        std::fs::read(&b).unwrap(),
        "two exports of the same data are byte-identical"
    );

    let (ok, stdout, stderr) = verify(&l, dir.path(), &original, &[]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("OK"), "{stdout}");
    // Away from the office's laptops, too (no home): the archive stands on its own.
    let stranger = Laptop::new();
    assert!(verify(&stranger, dir.path(), &original, &[]).0);

    let files = entries(&original);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "README.txt",
        "manifest.json",
        "manifest.sig",
        "roster.json",
        "signoffs.json",
        "signoffs.csv",
        "signoffs_cp932.csv",
        "notes.csv",
        "notes_cp932.csv",
        "access.csv",
        "access_cp932.csv",
        "summary.pdf",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let access = String::from_utf8(file(&files, "access.csv").to_vec()).unwrap();
    let rows: Vec<&str> = access.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{access}");
    assert!(
        rows[0].contains(",委託 一郎,") && rows[0].contains(",ヤマ,"),
        "{access}"
    );
    // The columns end with the vouchers shown, then how the lookup was judged.
    let shown = |row: &str| row.trim_end().rsplit(',').nth(1).unwrap().to_string();
    assert!(
        shown(rows[0]).split(' ').count() >= 5,
        "the vouchers shown: {access}"
    );
    assert!(
        rows.iter().all(|r| r.trim_end().ends_with(",有効")),
        "{access}"
    );
    assert!(
        rows[1].contains(",不在の名前,0,"),
        "a search that found nobody is logged too: {access}"
    );
    assert!(names.iter().any(|n| n.ends_with("_production_cp932.csv")));
    let readme = String::from_utf8(file(&files, "README.txt").to_vec()).unwrap();
    assert!(readme.contains("summary.pdf") && readme.contains("個人情報"));

    // One byte flipped in any file.
    for (i, (name, data)) in files.iter().enumerate() {
        let mut changed = files.clone();
        let mut flipped = data.clone();
        let at = flipped.len() / 2;
        flipped[at] ^= 0x01;
        changed[i].1 = flipped;
        let expected = match name.as_str() {
            "manifest.json" | "manifest.sig" => "manifest".to_string(),
            other => format!("{other}: sha256"),
        };
        refused(
            &l,
            dir.path(),
            &repack(&changed),
            &expected,
            &format!("byte flipped in {name}"),
        );
    }
    // One byte flipped in the zip itself.
    let mut raw = original.clone();
    let mid = raw.len() / 2;
    raw[mid] ^= 0x01;
    assert!(!verify(&l, dir.path(), &raw, &[]).0, "a damaged zip fails");

    // A file removed, or one added.
    let without: Vec<_> = files
        .iter()
        .filter(|(n, _)| n != "summary.pdf")
        .cloned()
        .collect();
    refused(
        &l,
        dir.path(),
        &repack(&without),
        "summary.pdf: listed in the manifest but missing",
        "file removed",
    );
    let mut with = files.clone();
    with.push(("extra.csv".into(), b"a,b\r\n".to_vec()));
    refused(
        &l,
        dir.path(),
        &repack(&with),
        "extra.csv: in the archive but not in the manifest",
        "file added",
    );

    // A sign-off edited: the hash catches it; re-signing the manifest with the exporter's own
    // key does not help, since the sign-off carries its recorder's signature.
    let mut log: Value = serde_json::from_slice(file(&files, "signoffs.json")).unwrap();
    let entry = log
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .flat_map(|b| b["signoffs"].as_array_mut().unwrap().iter_mut())
        .find(|e| e["counts"].as_object().is_some_and(|c| !c.is_empty()))
        .expect("a sign-off with counts");
    let id = entry["id"].as_str().unwrap().to_string();
    let key = entry["counts"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    entry["counts"][&key] = (entry["counts"][&key].as_i64().unwrap() + 1).into();
    let mut edited = files.clone();
    replace(
        &mut edited,
        "signoffs.json",
        serde_json::to_vec_pretty(&log).unwrap(),
    );
    refused(
        &l,
        dir.path(),
        &repack(&edited),
        "signoffs.json: sha256",
        "sign-off edited",
    );
    resign(&l, &mut edited);
    refused(
        &l,
        dir.path(),
        &repack(&edited),
        &format!("signoffs.json: sign-off {id} ("),
        "sign-off edited, manifest re-signed",
    );
    let (_, stdout, _) = verify(&l, dir.path(), &repack(&edited), &[]);
    assert!(
        stdout.contains("the signature does not match the entry"),
        "{stdout}"
    );

    // The manifest signed by someone else, or a roster with another anchor.
    let mut other = files.clone();
    let mut sig: Value = serde_json::from_slice(file(&other, "manifest.sig")).unwrap();
    let forger = kenshin_trust::Keys::generate().unwrap();
    sig["sign_key"] = forger.sign_key().into();
    sig["signature"] = forger.sign(file(&other, "manifest.json")).into();
    replace(
        &mut other,
        "manifest.sig",
        serde_json::to_vec(&sig).unwrap(),
    );
    refused(
        &l,
        dir.path(),
        &repack(&other),
        "manifest.sig: signed with a key that is not",
        "manifest signed by another key",
    );
    let mut roster: Value = serde_json::from_slice(file(&files, "roster.json")).unwrap();
    let real_anchor = roster["anchor"].as_str().unwrap().to_string();
    roster["anchor"] = forger.sign_key().into();
    let mut reanchored = files.clone();
    replace(
        &mut reanchored,
        "roster.json",
        serde_json::to_vec_pretty(&roster).unwrap(),
    );
    resign(&l, &mut reanchored);
    refused(
        &l,
        dir.path(),
        &repack(&reanchored),
        "roster.json: its anchor key",
        "another anchor, on the office's laptop",
    );
    let (ok, stdout, _) = verify(
        &stranger,
        dir.path(),
        &repack(&reanchored),
        &["--anchor", &real_anchor],
    );
    assert!(!ok);
    // Judged from the office's own anchor, the roster holds; the archive's claim does not.
    assert!(stdout.contains("is not the office's"), "{stdout}");
    assert_eq!(stdout.matches("NG ").count(), 1, "{stdout}");

    // A laptop of another office does not take an archive of this one at its word.
    let neighbour = Laptop::new();
    neighbour.ok(&["office", "init", "--name", "隣町", "--me", "他人"]);
    refused(
        &neighbour,
        dir.path(),
        &repack(&files),
        "give that office's anchor key with --anchor",
        "an archive of another office",
    );
    let (ok, stdout, _) = verify(
        &neighbour,
        dir.path(),
        &repack(&files),
        &["--anchor", &real_anchor],
    );
    assert!(ok, "with the office's anchor: {stdout}");

    // Not an archive at all.
    let not = l.refused(&["archive", "verify", a.parent().unwrap().to_str().unwrap()]);
    assert!(
        not.contains("cannot read") && not.contains("directory"),
        "{not}"
    );
    let junk = dir.path().join("junk.zip");
    std::fs::write(&junk, b"PK not really").unwrap();
    let not = l.refused(&["archive", "verify", junk.to_str().unwrap()]);
    assert!(not.contains("is not a Kenshin archive"), "{not}");
    let bad_month = l.run(&["archive", "export", "--month", "2026-13", "--out", "x.zip"]);
    assert!(!bad_month.status.success());
    assert!(String::from_utf8_lossy(&bad_month.stderr).contains("is not YYYY-MM"));
}

/// A PDF's pages as greyscale images (pdftoppm), each (width, height, pixels).
fn render(pdf: &Path, dpi: u32) -> Vec<(usize, usize, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new("pdftoppm")
        .args(["-gray", "-r", &dpi.to_string()])
        .arg(pdf)
        .arg(dir.path().join("page"))
        .status()
        .expect(
            "pdftoppm (Debian package poppler-utils) must be installed: scripts/test installs it",
        );
    assert!(status.success());
    let mut pages: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    pages
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).unwrap();
            // Binary PGM: "P5\n<w> <h>\n255\n" then one byte per pixel.
            let mut fields = Vec::new();
            let mut at = 0;
            while fields.len() < 4 {
                let start = at;
                while !bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
                at += 1;
            }
            assert_eq!(fields[0], "P5");
            let (w, h) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
            (w, h, bytes[at..].to_vec())
        })
        .collect()
}

/// Dark pixels in a region given in millimetres of an A4 page.
fn ink(page: &(usize, usize, Vec<u8>), x: f32, y: f32, w: f32, h: f32) -> usize {
    let (pw, ph, px) = page;
    let sx = *pw as f32 / 210.0;
    let sy = *ph as f32 / 297.0;
    let (x0, x1) = ((x * sx) as usize, (((x + w) * sx) as usize).min(*pw));
    let (y0, y1) = ((y * sy) as usize, (((y + h) * sy) as usize).min(*ph));
    (y0..y1)
        .flat_map(|r| (x0..x1).map(move |c| (r, c)))
        .filter(|(r, c)| px[r * pw + c] < 128)
        .count()
}

#[test]
fn pdfs_render_with_text_where_it_belongs() {
    let (l, month, dir) = demo();

    // The archive's summary: a cover page, then one page per batch.
    let zip_path = dir.path().join("a.zip");
    let summary = export(&l, &month, &zip_path);
    let files = entries(&std::fs::read(&zip_path).unwrap());
    let pdf = dir.path().join("summary.pdf");
    std::fs::write(&pdf, file(&files, "summary.pdf")).unwrap();
    let pages = render(&pdf, 40);
    assert_eq!(
        pages.len() as u64,
        1 + summary["batches"].as_u64().unwrap(),
        "a cover page and one page per batch"
    );
    for (i, page) in pages.iter().enumerate() {
        assert!(
            ink(page, 15.0, 10.0, 150.0, 12.0) > 50,
            "page {} has a title",
            i + 1
        );
        assert!(
            ink(page, 15.0, 30.0, 180.0, 60.0) > 100,
            "page {} has a table",
            i + 1
        );
    }
    let text = support::pdf_text(&pdf);
    assert!(text.contains("事跡"), "{text}");
    assert!(text.contains("決裁 太郎"), "{text}");

    // Reissued vouchers: one sheet each, the address inside the envelope's window.
    let batch = "2026-07 再発行";
    let sheets = l.json(&["report", "reissues", "--batch", batch])["rows"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!sheets.is_empty());
    let reissues = dir.path().join("reissues.pdf");
    // Printed only once the section has verified recipients and count (step 6): the core says so,
    // whichever front end asks, and writes nothing.
    let why = l.refused(&[
        "print",
        "reissues",
        "--batch",
        batch,
        "--out",
        reissues.to_str().unwrap(),
    ]);
    assert!(why.contains("once step 6 is verified"), "{why}");
    assert!(!reissues.exists());
    l.ok(&support::step_args("検認 花子", "verify", batch, "6", &[]));
    l.ok(&[
        "print",
        "reissues",
        "--batch",
        batch,
        "--out",
        reissues.to_str().unwrap(),
    ]);
    let pages = render(&reissues, 50);
    assert_eq!(
        pages.len(),
        sheets.len(),
        "one A4 sheet per reissued voucher"
    );
    for page in &pages {
        // The window (23, 13) 90 x 45 mm holds the address; nothing sits just left of it or
        // between it and the fold, where the envelope would hide it.
        assert!(
            ink(page, 23.0, 13.0, 90.0, 45.0) > 200,
            "address in the window"
        );
        assert_eq!(
            ink(page, 7.0, 13.0, 15.0, 45.0),
            0,
            "nothing left of the window"
        );
        assert_eq!(
            ink(page, 23.0, 60.0, 90.0, 35.0),
            0,
            "nothing below the window"
        );
        assert!(
            ink(page, 30.0, 125.0, 150.0, 70.0) > 500,
            "the voucher's table"
        );
    }
    let text = support::pdf_text(&reissues);
    for row in &sheets {
        let sheet_no = row[0].as_str().unwrap();
        assert!(text.contains(sheet_no), "{sheet_no} printed:\n{text}");
    }

    // The postcards' address list: 45 rows a page.
    l.ok(&["batch", "new", "--process", "5", "--label", "勧奨 テスト"]);
    let people = l.json(&["report", "encouragement", "--batch", "勧奨 テスト"])["rows"]
        .as_array()
        .unwrap()
        .len();
    assert!(people > 0);
    let postcards = dir.path().join("postcards.pdf");
    l.ok(&[
        "print",
        "postcards",
        "--batch",
        "勧奨 テスト",
        "--out",
        postcards.to_str().unwrap(),
    ]);
    let pages = render(&postcards, 30);
    assert_eq!(pages.len(), people.div_ceil(45));
    assert!(ink(&pages[0], 15.0, 30.0, 180.0, 240.0) > 1000);
    assert!(support::pdf_text(&postcards).contains(&format!("全 {people} 件")));

    // A refused print writes nothing.
    let wrong = dir.path().join("wrong.pdf");
    let why = l.refused(&[
        "print",
        "postcards",
        "--batch",
        batch,
        "--out",
        wrong.to_str().unwrap(),
    ]);
    assert!(why.contains("process 5"), "{why}");
    assert!(!wrong.exists());
}

#[test]
fn a_sealed_archive_opens_only_with_its_passphrase() {
    let (l, month, dir) = demo();
    let out = dir.path().join("事跡.zip");
    let mut seal = l.command(&[
        "archive",
        "export",
        "--month",
        &month,
        "--out",
        out.to_str().unwrap(),
        "--encrypt",
    ]);
    let done = seal
        .env("KENSHIN_EXPORT_PASSPHRASE", "秋の事跡 2026")
        .output()
        .unwrap();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let sealed = std::fs::read(&out).unwrap();
    assert!(kenshin_core::exchange::is_sealed(&sealed));
    for clear in ["manifest.json", "決裁 太郎", "README"] {
        assert!(
            !sealed.windows(clear.len()).any(|w| w == clear.as_bytes()),
            "{clear} readable"
        );
    }
    let check = |passphrase: Option<&str>| {
        let mut c = l.command(&["archive", "verify", out.to_str().unwrap()]);
        if let Some(p) = passphrase {
            c.env("KENSHIN_EXPORT_PASSPHRASE", p);
        }
        c.stdin(std::process::Stdio::null()).output().unwrap()
    };
    let ok = check(Some("秋の事跡 2026"));
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let wrong = check(Some("春の事跡 2026"));
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("the passphrase is wrong"));
    let none = check(None);
    assert!(String::from_utf8_lossy(&none.stderr).contains("KENSHIN_EXPORT_PASSPHRASE"));
}
