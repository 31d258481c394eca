//! Helpers for scenarios (a module of each scenario test): a laptop is a real home folder driven through the real `kenshin` binary.
// Each scenario uses some of these helpers, not all.
#![allow(dead_code)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

/// The `kenshin` binary cargo built for these tests.
pub fn kenshin_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kenshin"))
}

/// A file of `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

/// This month in Japan's time (YYYY-MM): the month whose archive holds what a test just did.
pub fn month_now() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
        .format("%Y-%m")
        .to_string()
}

/// The text of a PDF, as poppler's pdftotext reads it (a form feed ends each page).
pub fn pdf_text(pdf: &std::path::Path) -> String {
    let out = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A refusal says each of its causes once: no part of the line between ": " comes again.
pub fn said_once(line: &str) {
    let parts: Vec<&str> = line.split(": ").filter(|p| p.len() > 8).collect();
    for (i, part) in parts.iter().enumerate() {
        assert!(
            !parts[i + 1..].contains(part),
            "{part:?} said twice: {line}"
        );
    }
}

/// One laptop: a home folder of its own.
pub struct Laptop {
    pub home: tempfile::TempDir,
    /// Set on every command this laptop runs (a keys folder, a passphrase).
    pub env: Vec<(String, PathBuf)>,
}

impl Default for Laptop {
    fn default() -> Self {
        Self::new()
    }
}

impl Laptop {
    /// Exports this month's archive into a folder of its own and checks that it verifies whole
    /// (no `NG` line); returns the folder (kept alive) and the zip.
    pub fn verified_archive(&self) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("temp folder");
        let zip = dir.path().join("事跡.zip");
        let zip_text = zip.to_str().expect("utf-8 path");
        self.ok(&[
            "archive",
            "export",
            "--month",
            &month_now(),
            "--out",
            zip_text,
        ]);
        let report = self.ok(&["archive", "verify", zip_text]);
        // A problem is a line of its own ("NG …"); an office's id may hold the letters NG.
        assert!(!report.lines().any(|l| l.starts_with("NG ")), "{report}");
        (dir, zip)
    }

    pub fn new() -> Laptop {
        Laptop {
            home: tempfile::tempdir().expect("temp home"),
            env: Vec::new(),
        }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(kenshin_bin());
        c.arg("--home").arg(self.home.path()).args(args);
        c.env_remove("KENSHIN_HOME").env_remove("KENSHIN_AS");
        c.envs(self.env.iter().map(|(k, v)| (k, v)));
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run kenshin")
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "kenshin {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs a command that must be refused: non-zero exit, one line on stderr, nothing on stdout.
    pub fn refused(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8(out.stderr).expect("utf-8 stderr");
        assert!(
            !out.status.success(),
            "kenshin {args:?} should have been refused"
        );
        assert_eq!(
            stderr.lines().count(),
            1,
            "one line on stderr, got {stderr:?}"
        );
        assert!(out.stdout.is_empty(), "a refusal prints nothing on stdout");
        let line = stderr.trim_end().to_string();
        said_once(&line);
        line
    }

    /// Runs a command that must be refused with several lines (an import's problems); returns them.
    pub fn refused_lines(&self, args: &[&str]) -> Vec<String> {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "kenshin {args:?} should have been refused"
        );
        assert!(out.stdout.is_empty(), "a refusal prints nothing on stdout");
        String::from_utf8(out.stderr)
            .expect("utf-8 stderr")
            .lines()
            .map(str::to_string)
            .collect()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(&all)).expect("json output")
    }

    /// Founds an office with a cast: 決裁 太郎 (founder, approver), 検認 花子 (section),
    /// 決裁 次郎 (section, approver), 委託 一郎 and 委託 二郎 (contractors).
    pub fn office_with_cast(&self) {
        self.ok(&[
            "office",
            "init",
            "--name",
            "テスト市 健康推進課",
            "--me",
            "決裁 太郎",
        ]);
        for (name, role, approver) in [
            ("検認 花子", "section", false),
            ("決裁 次郎", "section", true),
            ("委託 一郎", "contractor", false),
            ("委託 二郎", "contractor", false),
        ] {
            let mut args = vec!["member", "add", "--name", name, "--role", role];
            if approver {
                args.push("--approver");
            }
            self.ok(&args);
        }
    }

    /// A batch of fiscal 2026, the year the fixture files are written for.
    pub fn new_batch(&self, process: &str, label: &str) -> String {
        self.batch_of_year(process, label, 2026)
    }

    /// Imports a fixture file as `who`.
    pub fn import(&self, who: &str, kind: &str, batch: &str, fixture_name: &str) -> String {
        self.import_file(who, kind, batch, &fixture(fixture_name))
    }

    /// Imports a list file as `who`.
    pub fn import_file(
        &self,
        who: &str,
        kind: &str,
        batch: &str,
        file: &std::path::Path,
    ) -> String {
        self.ok(&[
            "--as",
            who,
            "import",
            kind,
            "--batch",
            batch,
            file.to_str().expect("utf-8 path"),
        ])
    }

    /// A 1-2 batch of the cast's office whose fixture vouchers were mailed: 30000004, 05 and 09
    /// pulled out.
    pub fn mailed_batch(&self) -> String {
        self.office_with_cast();
        let b = self.new_batch("1-2", "2026-05 月次");
        self.import("委託 一郎", "production", &b, "production_cp932.csv");
        self.import("委託 一郎", "pullouts", &b, "pullouts_cp932.csv");
        for (who, verb, no, extra) in [
            ("委託 一郎", "do", "1", &[][..]),
            ("検認 花子", "verify", "2", &[]),
            ("決裁 太郎", "approve", "3", &[]),
            ("委託 一郎", "do", "4", &[]),
            ("検認 花子", "verify", "5", &[]),
            ("決裁 太郎", "approve", "6", &[]),
            ("委託 一郎", "do", "7", &[]),
            ("検認 花子", "verify", "8", &[]),
            ("委託 一郎", "do", "9", &["--count", "envelopes=9"]),
            ("検認 花子", "verify", "10", &[]),
            ("委託 一郎", "do", "11", &[]),
        ] {
            self.ok(&step_args(who, verb, &b, no, extra));
        }
        b
    }

    /// The first column of a report on a batch (the voucher numbers of most).
    pub fn report_column(&self, report: &str, batch: &str) -> Vec<String> {
        self.json(&["report", report, "--batch", batch])["rows"]
            .as_array()
            .expect("a report's rows")
            .iter()
            .map(|r| r[0].as_str().expect("text").to_string())
            .collect()
    }

    /// The board of one batch, as JSON.
    pub fn board(&self, batch: &str) -> Value {
        self.json(&["board", "--batch", batch])[0].clone()
    }

    /// What every document looks like now: office and batch heads.
    pub fn heads(&self, batch: &str) -> (Value, Value) {
        (
            self.json(&["heads"]),
            self.json(&["heads", "--batch", batch]),
        )
    }
}

/// The arguments of `kenshin --as WHO step VERB --batch B --step N EXTRA...`.
pub fn step_args<'a>(
    who: &'a str,
    verb: &'a str,
    batch: &'a str,
    step: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec!["--as", who, "step", verb, "--batch", batch, "--step", step];
    args.extend_from_slice(extra);
    args
}

/// A step of a board as JSON.
pub fn step(board: &Value, no: u64) -> &Value {
    board["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["step"] == no)
        .expect("step on the board")
}

/// A board as every laptop of the office sees it: without what its own member may do next.
pub fn shared(board: &Value) -> Value {
    let mut b = board.clone();
    for s in b["steps"].as_array_mut().into_iter().flatten() {
        if let Some(o) = s.as_object_mut() {
            o.remove("may");
            o.remove("asks");
        }
    }
    b
}

/// The months of fiscal `fy`, April to March, as YYYY-MM.
pub fn months_of(fy: i32) -> Vec<String> {
    (3..15)
        .map(|m| format!("{}-{:02}", fy + m / 12, m % 12 + 1))
        .collect()
}

impl Laptop {
    /// A batch of fiscal year `fy`; its id.
    pub fn batch_of_year(&self, process: &str, label: &str, fy: i32) -> String {
        self.ok(&[
            "batch",
            "new",
            "--process",
            process,
            "--label",
            label,
            "--fiscal-year",
            &fy.to_string(),
        ])
        .trim()
        .to_string()
    }

    /// `n` synthetic residents of fiscal `fy` imported as `kind` into `batch` by `who`.
    pub fn import_residents(
        &self,
        who: &str,
        kind: &str,
        batch: &str,
        fy: i32,
        n: usize,
    ) -> Vec<kenshin_core::domain::rows::Subject> {
        use kenshin_core::exchange::synth::{municipal_csv, subjects};
        let people = subjects(fy as u64, fy, n, 50_000_001);
        let dir = tempfile::tempdir().expect("temp folder");
        let file = dir.path().join(format!("{kind}.csv"));
        std::fs::write(
            &file,
            municipal_csv(&people, kenshin_core::exchange::TextEncoding::Cp932),
        )
        .expect("write the list");
        self.import_file(who, kind, batch, &file);
        people
    }

    /// A loss-of-coverage list (資格喪失者リスト) of `lost` (voucher number, 喪失日) imported into `batch`
    /// (process 4) by the contractor; the list's id.
    pub fn import_losses(&self, batch: &str, lost: &[(&str, &str)]) -> String {
        let dir = tempfile::tempdir().expect("temp folder");
        let file = dir.path().join("losses.csv");
        let mut text = String::from("受診券整理番号,資格喪失日,保険者番号,喪失事由\n");
        for (no, on) in lost {
            text.push_str(&format!("{no},{on},00131011,転出\n"));
        }
        std::fs::write(&file, text).expect("write the list");
        let out = self.json(&[
            "--as",
            "委託 一郎",
            "import",
            "coverage-loss",
            "--batch",
            batch,
            file.to_str().expect("utf-8 path"),
        ]);
        out["list_id"].as_str().expect("the list's id").to_string()
    }

    /// A copy of this home (its log folded in first), as another laptop's.
    pub fn copy(&self) -> Laptop {
        self.db_size();
        let l = Laptop::new();
        for f in std::fs::read_dir(self.home.path()).expect("the home") {
            let f = f.expect("a file");
            if !f.file_name().to_string_lossy().ends_with("-shm") {
                std::fs::copy(f.path(), l.home.path().join(f.file_name())).expect("copy");
            }
        }
        l
    }

    /// 年度締め of fiscal `fy` by the home's member: every month archived and checked here first.
    pub fn close_year(&self, fy: i32) {
        let dir = tempfile::tempdir().expect("temp folder");
        for m in months_of(fy) {
            let out = dir.path().join(format!("{m}.zip"));
            let out = out.to_str().expect("utf-8 path");
            self.ok(&["archive", "export", "--month", &m, "--out", out]);
            self.ok(&["archive", "verify", out]);
        }
        self.ok(&["year", "close", "--fiscal-year", &fy.to_string()]);
    }

    /// The size of the home's database file, with its write-ahead log folded in.
    pub fn db_size(&self) -> u64 {
        let db = kenshin_store::connect(self.home.path()).expect("open the home");
        db.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .expect("checkpoint");
        drop(db);
        std::fs::metadata(self.home.path().join("kenshin.sqlite3"))
            .expect("the database file")
            .len()
    }

    /// Checks that the register's kept counts (by fiscal year and kana prefix of up to 4
    /// characters) are its vouchers counted again (none when it holds none: a deleted year's go
    /// with it).
    pub fn register_counts_agree(&self) {
        let db = kenshin_store::connect(self.home.path()).expect("open the home");
        let rows = |sql: &str| -> Vec<(String, i32, i64)> {
            let mut stmt = db.prepare(sql).expect("prepare");
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("read")
        };
        assert_eq!(
            rows("SELECT prefix, fiscal_year, n FROM p_register_counts ORDER BY 1, 2"),
            rows(
                "WITH k(len) AS (VALUES (0), (1), (2), (3), (4))
                 SELECT substr(kana_key, 1, len), fiscal_year, count(*) FROM p_vouchers, k
                 WHERE length(kana_key) >= len GROUP BY 1, 2 ORDER BY 1, 2"
            ),
            "the register's counts"
        );
    }

    /// How many chunks of the document `doc` the home holds.
    pub fn chunks_of(&self, doc: &str) -> i64 {
        let db = kenshin_store::connect(self.home.path()).expect("open the home");
        db.query_row(
            "SELECT count(*) FROM chunks WHERE key > ?1 || '/' AND key < ?1 || '0'",
            [doc],
            |r| r.get(0),
        )
        .expect("count")
    }
}
