//! Kenshin at office scale: one table, three office sizes, every figure beside a baseline measured in the
//! same run on the same machine (these machines are noisy; compare ratios across runs, not figures).
//!
//! `cargo bench -p kenshin-core --bench office` (sizes 1,000, 15,000 and 150,000 vouchers, and
//! 150,000 a year over five fiscal years; `KENSHIN_BENCH_SIZES=1000,15000x5` for others). The test suite runs it on 1,000 vouchers
//! over one and two years, repeating each measure a tenth as often (`KENSHIN_BENCH_QUICK`). An office of
//! several years is also looked up in turn with the one-year office of its size (`lookups_in_turn`). A
//! second table: offices of 10, 100 and 300 small batches (`KENSHIN_BENCH_BATCHES`), as years of work
//! leave them.
//!
//! Each office is the demo office with N synthetic vouchers in the year's annual batch. Measures that
//! need a process of their own (cold open, merge) run in a child process (this binary again with
//! `--child`), which reports its time and its peak RSS (VmHWM).

use kenshin_core::domain::rows::Subject;
use kenshin_core::domain::{Action, ListKind, ProcessId, Role};
use kenshin_core::exchange::archive::Month;
use kenshin_core::exchange::synth::{municipal_csv, subjects, Rng};
use kenshin_core::exchange::{import, TextEncoding};
use kenshin_core::sync::Syncing;
use kenshin_core::{create_demo_years, join, Office, StepRecord};
use samod::{Repo, Transport};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

const RUNS: usize = 3;
/// Cold opens take a few milliseconds each and move with the moment: the median of three did not
/// hold still between runs.
const OPENS: usize = 21;
const PAGES: usize = 200;
const LOOKUPS: usize = 2_000;
const SIGNOFFS: usize = 200;
const OFFLINE_EDITS: usize = 1_000;

/// `n`, or a tenth of it with `KENSHIN_BENCH_QUICK` set: the test suite only checks that every row
/// runs (on an unoptimised build, 200 sign-offs and 3,000 inquiries took 11 of its minutes).
fn times(n: usize) -> usize {
    if std::env::var_os("KENSHIN_BENCH_QUICK").is_some() {
        (n / 10).max(1)
    } else {
        n
    }
}

// ---------------------------------------------------------------------------------------------
// Figures

fn pct(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn median(v: Vec<Duration>) -> Duration {
    pct(v, 0.5)
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 1.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.3} ms")
    }
}

/// A median and a 99th percentile.
fn p50_p99((p50, p99): (Duration, Duration)) -> String {
    format!("{} / {}", ms(p50), ms(p99))
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// Kenshin's figure beside the baseline's, and their ratio.
fn versus(kenshin: Duration, baseline: Duration) -> String {
    let ratio = kenshin.as_secs_f64() / baseline.as_secs_f64().max(1e-9);
    format!("{} / {} ({ratio:.1}x)", ms(kenshin), ms(baseline))
}

/// One row of the table: a measure and its cell at each size.
struct Line {
    measure: &'static str,
    target: &'static str,
    cells: Vec<String>,
}

/// This process's peak resident set (VmHWM), in kB.
fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// Child processes: one measure each, reported as `<ms> <peak kB>` on stdout.

fn child(args: &[String]) {
    let dir = Path::new(&args[1]);
    let started = Instant::now();
    match args[0].as_str() {
        "open" => {
            // What the window opens on.
            let mut office = Office::open(dir, None).unwrap();
            let board = office.working_board(false).unwrap();
            assert!(!board.batches.is_empty());
        }
        "open-sqlite" => {
            let conn = kenshin_store::connect(dir).unwrap();
            let mut stmt = conn.prepare("SELECT * FROM p_board").unwrap();
            let columns = stmt.column_count();
            let mut rows = stmt.query([]).unwrap();
            let mut n = 0;
            while let Some(r) = rows.next().unwrap() {
                for c in 0..columns {
                    let _: rusqlite::types::Value = r.get(c).unwrap();
                }
                n += 1;
            }
            assert!(n > 0);
        }
        "merge" => {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                Syncing::start(dir)
                    .await
                    .unwrap()
                    .once(&args[2], Duration::from_secs(120))
                    .await
                    .unwrap();
            });
        }
        other => panic!("unknown child measure {other}"),
    }
    println!("{} {}", started.elapsed().as_secs_f64() * 1e3, peak_kb());
}

/// Runs a child measure; (time, peak RSS in bytes).
fn in_child(args: &[&str]) -> (Duration, u64) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--child")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "child {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut f = text.split_whitespace();
    let ms: f64 = f.next().unwrap().parse().unwrap();
    let kb: u64 = f.next().unwrap().parse().unwrap();
    (Duration::from_secs_f64(ms / 1e3), kb * 1024)
}

// ---------------------------------------------------------------------------------------------
// Baselines

/// SQLite inserting the same rows into a table of the register's shape and indexes, with the same
/// durability settings, in one transaction.
fn sqlite_insert(rows: &[Subject]) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("baseline.sqlite3")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.execute_batch(
        "CREATE TABLE v (voucher_no TEXT NOT NULL, fiscal_year INTEGER NOT NULL, batch_id TEXT NOT NULL,
           name TEXT NOT NULL, kana TEXT NOT NULL, birth TEXT NOT NULL, sex TEXT NOT NULL, postal TEXT NOT NULL,
           address TEXT NOT NULL, kana_key TEXT NOT NULL, name_key TEXT NOT NULL,
           PRIMARY KEY (voucher_no, fiscal_year)) WITHOUT ROWID;
         CREATE INDEX v_kana ON v(kana_key); CREATE INDEX v_name ON v(name_key);
         CREATE INDEX v_postal ON v(postal); CREATE INDEX v_batch ON v(batch_id);",
    )
    .unwrap();
    let start = Instant::now();
    let tx = conn.unchecked_transaction().unwrap();
    {
        let mut put = tx
            .prepare("INSERT INTO v VALUES (?1, 2026, 'b', ?2, ?3, ?4, ?5, ?6, ?7, ?3, ?2)")
            .unwrap();
        for s in rows {
            put.execute(rusqlite::params![
                s.voucher_no,
                s.name,
                s.kana,
                s.birth.to_string(),
                s.sex,
                s.postal,
                s.address
            ])
            .unwrap();
        }
    }
    tx.commit().unwrap();
    start.elapsed()
}

/// Copying the home's SQLite file to another folder over a loopback socket (what handing over a
/// copy of the database would cost); (time, bytes).
fn copy_over_socket(db: &Path) -> (Duration, u64) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let target = tempfile::tempdir().unwrap();
    let out = target.path().join("copy.sqlite3");
    let started = Instant::now();
    let receiver = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut f = std::fs::File::create(&out).unwrap();
        let n = std::io::copy(&mut s, &mut f).unwrap();
        f.sync_all().unwrap();
        n
    });
    let mut file = std::fs::File::open(db).unwrap();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        s.write_all(&buf[..n]).unwrap();
    }
    drop(s);
    let bytes = receiver.join().unwrap();
    (started.elapsed(), bytes)
}

/// The rows written as a UTF-8 CSV and deflated into a zip: what any export of the month's list costs.
fn csv_zip(people: &[Subject]) -> Duration {
    let started = Instant::now();
    let mut w = csv::Writer::from_writer(Vec::new());
    for s in people {
        w.write_record([
            &s.voucher_no,
            &s.name,
            &s.kana,
            &s.birth.to_string(),
            &s.sex,
            &s.postal,
            &s.address,
        ])
        .unwrap();
    }
    let csv = w.into_inner().unwrap();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(
        "list.csv",
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated),
    )
    .unwrap();
    zip.write_all(&csv).unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    assert!(!bytes.is_empty());
    started.elapsed()
}

/// Forwards connections to `target`, counting the bytes in both directions as they pass.
async fn counting_proxy(target: String, bytes: Arc<AtomicU64>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    async fn pipe(
        mut from: tokio::net::tcp::OwnedReadHalf,
        mut to: tokio::net::tcp::OwnedWriteHalf,
        bytes: Arc<AtomicU64>,
    ) {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n) = from.read(&mut buf).await {
            if n == 0 || to.write_all(&buf[..n]).await.is_err() {
                break;
            }
            bytes.fetch_add(n as u64, Ordering::SeqCst);
        }
        let _ = to.shutdown().await;
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let server = TcpStream::connect(&target).await.unwrap();
            client.set_nodelay(true).unwrap();
            server.set_nodelay(true).unwrap();
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::spawn(pipe(cr, sw, bytes.clone()));
            tokio::spawn(pipe(sr, cw, bytes.clone()));
        }
    });
    addr
}

async fn bare_listener(repo: Repo) -> (tokio::task::JoinHandle<()>, std::net::SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = repo
        .make_acceptor(url::Url::parse(&format!("tcp://{addr}")).unwrap())
        .unwrap();
    let task = tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            s.set_nodelay(true).unwrap();
            acceptor.accept(Transport::from_tokio_io(s)).unwrap();
        }
    });
    (task, addr)
}

/// `b` dialling the bare listener at `addr`, once connected.
async fn bare_dial(b: &Repo, addr: std::net::SocketAddr) -> samod::DialerHandle {
    let dialer = b
        .dial_tcp(
            url::Url::parse(&format!("tcp://{addr}")).unwrap(),
            samod::BackoffConfig::default(),
        )
        .unwrap();
    dialer.established().await.unwrap();
    dialer
}

/// Bare samod (no authentication, no encryption, in memory): small changes between two connected
/// repos, each timed until the other side's change stream reports it.
async fn bare_small_changes(n: usize) -> Vec<Duration> {
    use automerge::transaction::Transactable;
    use futures::StreamExt;
    let a = Repo::build_tokio().load().await;
    let b = Repo::build_tokio().load().await;
    let handle = a.create(automerge::Automerge::new()).await.unwrap();
    let (listener, addr) = bare_listener(a.clone()).await;
    let _dialer = bare_dial(&b, addr).await;
    let other = b.find(handle.document_id().clone()).await.unwrap().unwrap();
    let mut changes = other.changes();
    let mut out = Vec::new();
    for i in 0..n {
        let started = Instant::now();
        handle.with_document(|d| {
            d.transact::<_, _, automerge::AutomergeError>(|tx| {
                tx.put(automerge::ROOT, "n", i as i64)?;
                Ok(())
            })
            .unwrap()
        });
        changes.next().await.unwrap();
        out.push(started.elapsed());
    }
    listener.abort();
    out
}

/// Bare automerge: the two laptops' copies of the edited batch document merged in memory.
fn bare_merge(a: &Path, b: &Path, batch_doc: &str) -> Duration {
    let chunks = |home: &Path| -> Vec<Vec<u8>> {
        let conn = kenshin_store::connect(home).unwrap();
        let mut stmt = conn
            .prepare("SELECT data FROM chunks WHERE key LIKE ?1 || '/%' ORDER BY key DESC")
            .unwrap();
        let found: Vec<Vec<u8>> = stmt
            .query_map([batch_doc], |r| r.get(0))
            .unwrap()
            .map(|c| c.unwrap())
            .collect();
        assert!(!found.is_empty(), "the batch document's chunks");
        found
    };
    let load = |chunks: &[Vec<u8>]| {
        let mut doc = automerge::AutoCommit::new();
        for c in chunks {
            doc.load_incremental(c).unwrap();
        }
        doc
    };
    let (chunks_a, chunks_b) = (chunks(a), chunks(b));
    let started = Instant::now();
    let mut doc_a = load(&chunks_a);
    let mut doc_b = load(&chunks_b);
    doc_a.merge(&mut doc_b).unwrap();
    started.elapsed()
}

/// Bare samod (no authentication, no encryption, no judging, in memory): a new repo fetching every
/// document `home` holds from a repo that holds them, all asked for at once.
async fn bare_cold_fetch(home: &Path) -> Duration {
    use futures::future::join_all;
    let conn = kenshin_store::connect(home).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT key, data FROM chunks WHERE key LIKE '%/incremental/%' \
             OR key LIKE '%/snapshot/%' ORDER BY key",
        )
        .unwrap();
    let mut docs: std::collections::BTreeMap<String, automerge::Automerge> = Default::default();
    for row in stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })
        .unwrap()
    {
        let (key, data) = row.unwrap();
        let doc = key.split('/').next().unwrap().to_string();
        docs.entry(doc)
            .or_default()
            .load_incremental(&data)
            .unwrap();
    }
    let a = Repo::build_tokio().load().await;
    let mut ids = Vec::new();
    for doc in docs.into_values() {
        ids.push(a.create(doc).await.unwrap().document_id().clone());
    }
    let (listener, addr) = bare_listener(a.clone()).await;
    let b = Repo::build_tokio().load().await;
    let started = Instant::now();
    let _dialer = bare_dial(&b, addr).await;
    let found = join_all(ids.into_iter().map(|id| b.find(id))).await;
    let took = started.elapsed();
    assert!(found.into_iter().all(|f| f.unwrap().is_some()));
    listener.abort();
    took
}

/// The automerge-repo sync server of tests/relay (0.2.8) on a loopback port, storing in a
/// temporary folder.
struct BenchRelay {
    child: std::process::Child,
    url: String,
    data: tempfile::TempDir,
}

impl BenchRelay {
    fn start() -> BenchRelay {
        use std::io::BufRead;
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/relay");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let data = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("node")
            .arg(dir.join("node_modules/@automerge/automerge-repo-sync-server/src/index.js"))
            .current_dir(&dir)
            .env("PORT", port.to_string())
            .env("DATA_DIR", data.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("node, and `npm install` in tests/relay (scripts/test does both)");
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        assert!(line.contains("Listening on port"), "{line}");
        std::thread::spawn(move || for _ in out.lines() {});
        BenchRelay {
            child,
            url: format!("ws://127.0.0.1:{port}"),
            data,
        }
    }

    /// The bytes of every file the relay stored.
    fn stored(&self) -> u64 {
        fn walk(dir: &Path) -> u64 {
            std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => walk(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        }
        walk(self.data.path())
    }

    /// Waits until the relay holds more than `before` and then stores nothing new for a second (a
    /// minute at most): a push may start after a second of quiet, and once measured 0 bytes.
    async fn settled(&self, before: u64) -> u64 {
        let started = Instant::now();
        let mut last = (self.stored(), Instant::now());
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let now = self.stored();
            if now != last.0 {
                last = (now, Instant::now());
            } else if (now > before || started.elapsed() > Duration::from_secs(60))
                && last.1.elapsed() > Duration::from_secs(1)
            {
                return now;
            }
        }
    }
}

impl Drop for BenchRelay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The engine on `home`, listening on a loopback port; and that address.
async fn serve_on_loopback(home: &Path) -> (Syncing, String) {
    let serving = Syncing::start(home).await.unwrap();
    let bound = serving.engine.listen("127.0.0.1:0").await.unwrap();
    (serving, bound.to_string())
}

/// How many vouchers the register of `home` holds.
fn register_total(home: &Path) -> u64 {
    let mut office = Office::open(home, None).unwrap();
    office.register_page("", 0, 1).unwrap().total
}

/// One `sync --once` of `home` with the laptop at `peer`.
async fn sync_once(home: &Path, peer: &str) {
    let syncing = Syncing::start(home).await.unwrap();
    syncing.once(peer, Duration::from_secs(120)).await.unwrap();
}

/// A new laptop joins the office on `hub` and syncs it whole through `proxy`: the laptop, the
/// time that took and the bytes `wire` counted.
async fn new_laptop_syncs(
    hub: &Path,
    proxy: &str,
    wire: &AtomicU64,
    (run, role): (usize, Role),
) -> (tempfile::TempDir, Duration, u64) {
    let laptop = invitee(hub, &format!("新人 {run} {}", role.as_str()), role);
    wire.store(0, Ordering::SeqCst);
    let t = Instant::now();
    sync_once(laptop.path(), proxy).await;
    let took = t.elapsed();
    tokio::time::sleep(Duration::from_millis(200)).await;
    (laptop, took, wire.load(Ordering::SeqCst))
}

/// One `sync --relay --once` of `home`.
async fn sync_once_relay(home: &Path, relay: &str) {
    let syncing = Syncing::start(home).await.unwrap();
    syncing
        .once_relay(relay, Duration::from_secs(600))
        .await
        .unwrap();
}

/// Through a relay between sites: the annual list imported at the section's site goes to a laptop at
/// another site that already holds the roster. Sealed, Kenshin's way; and the same documents plain,
/// with bare samod on both ends (in memory, no judging). Returns the laptop's cold sync and the bytes
/// the relay stored, sealed and plain.
async fn through_relay(file: &[u8], n: usize) -> ((Duration, u64), (Duration, u64)) {
    use futures::future::join_all;
    let site_dir = tempfile::tempdir().unwrap();
    let site = site_dir.path();
    let mut office = Office::init(site, "ベンチ市", "決裁 太郎").unwrap();
    let laptop = invitee(site, "中継 花子", Role::Section);
    // On the LAN once: the laptop takes the roster, and the site gives it the data key.
    let (serving, bound) = serve_on_loopback(site).await;
    for _ in 0..2 {
        sync_once(laptop.path(), &bound).await;
    }
    serving.stop().await.unwrap();
    let batch = office
        .new_batch(ProcessId::AnnualIssuance, "中継", Some(2026))
        .unwrap();
    office
        .import(ListKind::Production, &batch.batch_id, "bench.csv", file)
        .unwrap();

    let relay = BenchRelay::start();
    sync_once_relay(site, &relay.url).await;
    let t = Instant::now();
    sync_once_relay(laptop.path(), &relay.url).await;
    let down = t.elapsed();
    assert_eq!(
        register_total(laptop.path()),
        n as u64,
        "the whole register came sealed through the relay"
    );
    let sealed = (down, relay.settled(0).await);

    // Plain: the site's documents as they are, through another relay, bare samod on both ends.
    let docs: Vec<automerge::Automerge> = {
        let conn = kenshin_store::connect(site).unwrap();
        let mut stmt = conn
            .prepare("SELECT key, data FROM chunks ORDER BY key DESC")
            .unwrap();
        let mut by_doc: std::collections::BTreeMap<String, automerge::Automerge> =
            Default::default();
        for row in stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .unwrap()
        {
            let (key, data) = row.unwrap();
            let mut parts = key.split('/');
            let (Some(doc), Some("incremental" | "snapshot")) = (parts.next(), parts.next()) else {
                continue;
            };
            let doc = doc.to_string();
            by_doc
                .entry(doc)
                .or_default()
                .load_incremental(&data)
                .unwrap();
        }
        by_doc.into_values().collect()
    };
    let relay = BenchRelay::start();
    let empty = relay.stored();
    let url = url::Url::parse(&relay.url).unwrap();
    let (a, b) = (
        Repo::build_tokio().load().await,
        Repo::build_tokio().load().await,
    );
    let dialer = a
        .dial_websocket(url.clone(), samod::BackoffConfig::default())
        .unwrap();
    dialer.established().await.unwrap();
    let handles = join_all(docs.into_iter().map(|d| a.create(d))).await;
    let ids: Vec<_> = handles
        .iter()
        .map(|h| h.as_ref().unwrap().document_id().clone())
        .collect();
    let plain_bytes = relay.settled(empty).await;
    let t = Instant::now();
    let dialer = b
        .dial_websocket(url, samod::BackoffConfig::default())
        .unwrap();
    dialer.established().await.unwrap();
    let found = join_all(ids.into_iter().map(|id| b.find(id))).await;
    assert!(found.iter().all(|f| matches!(f, Ok(Some(_)))));
    let plain = (t.elapsed(), plain_bytes);
    a.stop().await;
    b.stop().await;
    (sealed, plain)
}

// ---------------------------------------------------------------------------------------------
// The measures at one size

struct Sized {
    import: (Duration, Duration),
    open: (Duration, Duration, u64, u64),
    by_number: (Duration, Duration, Duration),
    by_kana: (Duration, Duration),
    /// A lookup by number as the window makes it: the page cache given back after each command.
    by_number_window: (Duration, Duration),
    /// The register's window: a page of 200 with nothing searched, the first and then any.
    register_page: (Duration, Duration),
    cold_sync: (Duration, u64, Duration, u64),
    /// A new contractor laptop's cold sync: time, bytes on the wire.
    contractor_sync: (Duration, u64),
    signoff: (Duration, Duration, Duration, Duration),
    merge: (Duration, u64, Duration),
    /// A laptop back after a week offline: its sync, bytes on the wire, a sync with nothing new.
    reconnect: (Duration, u64, Duration),
    export: (Duration, Duration, u64),
    /// Through a relay: (sealed, plain), each (cold sync, bytes stored).
    relay: ((Duration, u64), (Duration, u64)),
    /// The office the measures used, kept for [`lookups_in_turn`].
    hub: tempfile::TempDir,
}

fn invitee(hub: &Path, name: &str, role: Role) -> tempfile::TempDir {
    let invite = Office::open(hub, None)
        .unwrap()
        .invite(name, role, false)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    join(
        dir.path(),
        &serde_json::to_string(&invite).unwrap(),
        "invite",
    )
    .unwrap();
    dir
}

fn measure((n, years): (usize, u32), rt: &tokio::runtime::Runtime) -> Sized {
    eprintln!("== {n} vouchers, {years} fiscal years");
    // Import: a CP932 municipal file, end to end, against SQLite inserting the rows.
    let people = subjects(42, 2026, n, 10_000_001);
    let file = municipal_csv(&people, TextEncoding::Cp932);
    let parsed = import::<Subject>("bench.csv", &file).unwrap().rows;
    let (mut imports, mut baseline) = (Vec::new(), Vec::new());
    for run in 0..times(RUNS) {
        let dir = tempfile::tempdir().unwrap();
        let mut office = Office::init(dir.path(), "ベンチ市", "決裁 太郎").unwrap();
        let batch = office
            .new_batch(ProcessId::AnnualIssuance, &format!("run {run}"), Some(2026))
            .unwrap();
        let t = Instant::now();
        office
            .import(ListKind::Production, &batch.batch_id, "bench.csv", &file)
            .unwrap();
        imports.push(t.elapsed());
        baseline.push(sqlite_insert(&parsed));
    }
    let import = (median(imports), median(baseline));
    let relay = rt.block_on(through_relay(&file, n));

    // The office the other measures use.
    let hub_dir = tempfile::tempdir().unwrap();
    let hub = hub_dir.path();
    create_demo_years(hub, years, n).unwrap();
    let mut office = Office::open(hub, None).unwrap();
    let hub_str = hub.to_str().unwrap();

    // Cold open in a new process, to the board drawn.
    let (mut opens, mut base_opens, mut open_rss, mut base_rss) = (vec![], vec![], 0, 0);
    for _ in 0..times(OPENS) {
        let (t, rss) = in_child(&["open", hub_str]);
        opens.push(t);
        open_rss = open_rss.max(rss);
        let (t, rss) = in_child(&["open-sqlite", hub_str]);
        base_opens.push(t);
        base_rss = base_rss.max(rss);
    }
    let open = (median(opens), median(base_opens), open_rss, base_rss);

    // Lookups by voucher number and by kana prefix.
    let fy = kenshin_core::domain::fiscal_year(chrono::Utc::now().date_naive());
    let residents = subjects(fy as u64, fy, n, 10_000_001);
    let mut rng = Rng::new(7);
    let mut pick = || residents[rng.below(n as u64) as usize].clone();
    let (mut number, mut kana, mut raw) = (vec![], vec![], vec![]);
    for _ in 0..times(LOOKUPS) {
        let s = pick();
        let t = Instant::now();
        // One voucher of that number a year (numbers are given again each year).
        assert!(office.find_vouchers(&s.voucher_no, 50).unwrap().total >= 1);
        number.push(t.elapsed());
        let prefix: String = s.kana.chars().take(3).collect();
        let t = Instant::now();
        assert!(office.find_vouchers(&prefix, 50).unwrap().total >= 1);
        kana.push(t.elapsed());
    }
    {
        let conn = kenshin_store::connect(hub).unwrap();
        let mut stmt = conn
            .prepare("SELECT name FROM p_vouchers WHERE voucher_no = ?1 AND fiscal_year = ?2")
            .unwrap();
        for _ in 0..times(LOOKUPS) {
            let s = pick();
            let t = Instant::now();
            let _: String = stmt
                .query_row(rusqlite::params![s.voucher_no, fy], |r| r.get(0))
                .unwrap();
            raw.push(t.elapsed());
        }
        conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
            .unwrap();
    }
    let by_number = (pct(number.clone(), 0.5), pct(number, 0.99), pct(raw, 0.5));
    let by_kana = (pct(kana.clone(), 0.5), pct(kana, 0.99));
    let mut pages = vec![];
    for i in 0..times(PAGES) {
        // Anywhere in the register: each year's annual list lies behind the newer years'.
        let at = i * 7_919 % (n * years as usize) / 200 * 200;
        let t = Instant::now();
        let page = office.register_page("", at, 200).unwrap();
        pages.push(t.elapsed());
        assert_eq!(page.hits.len(), 200);
    }
    let register_page = (pct(pages.clone(), 0.5), pct(pages, 0.99));
    // Lookups by number as the window makes them: it cuts its page cache back after each command.
    let mut window = vec![];
    for _ in 0..times(LOOKUPS) {
        let s = pick();
        office.shrink_memory().unwrap();
        let t = Instant::now();
        assert!(office.find_vouchers(&s.voucher_no, 50).unwrap().total >= 1);
        window.push(t.elapsed());
    }
    let by_number_window = (pct(window.clone(), 0.5), pct(window, 0.99));
    let copied = copy_over_socket(&hub.join("kenshin.sqlite3"));

    // Archive export of the month (the demo recorded everything this month).
    let month: Month = chrono::Utc::now()
        .with_timezone(&kenshin_core::exchange::archive::jst())
        .format("%Y-%m")
        .to_string()
        .parse()
        .unwrap();
    let (mut exports, mut zips, mut size) = (vec![], vec![], 0);
    for _ in 0..times(RUNS) {
        let t = Instant::now();
        let (bytes, _) = office.archive_export(month).unwrap();
        exports.push(t.elapsed());
        size = bytes.len() as u64;
        zips.push(csv_zip(&residents));
    }
    let export = (median(exports), median(zips), size);

    let (cold_sync, contractor_sync, signoff, merge, reconnect) = rt.block_on(async {
        let (serving, bound) = serve_on_loopback(hub).await;
        let wire = Arc::new(AtomicU64::new(0));
        let proxy = counting_proxy(bound.clone(), wire.clone()).await;

        // Cold sync: a new laptop joins and syncs everything, to its register queryable.
        let held = office.register_page("", 0, 1).unwrap().total;
        let (mut colds, mut bytes) = (vec![], 0);
        for run in 0..times(RUNS) {
            let (laptop, took, wired) =
                new_laptop_syncs(hub, &proxy, &wire, (run, Role::Section)).await;
            colds.push(took);
            bytes = wired;
            assert_eq!(
                register_total(laptop.path()),
                held,
                "the whole register is queryable on the new laptop"
            );
        }
        let cold_sync = (median(colds), bytes, copied.0, copied.1);
        // A new contractor laptop takes only the work it still has (委託先の最小保持).
        let (mut colds, mut bytes) = (vec![], 0);
        for run in 0..times(RUNS) {
            let (_laptop, took, wired) =
                new_laptop_syncs(hub, &proxy, &wire, (run, Role::Contractor)).await;
            colds.push(took);
            bytes = wired;
        }
        let contractor_sync = (median(colds), bytes);

        // A sign-off recorded on the hub, until a connected laptop's own board shows it.
        let laptop = invitee(hub, "受信 太郎", Role::Section);
        let mut batches = Vec::new();
        for i in 0..times(SIGNOFFS) {
            let b = office
                .new_batch(ProcessId::AnnualIssuance, &format!("bench {i}"), None)
                .unwrap();
            batches.push(b.batch_id);
        }
        let merge_batch = office
            .new_batch(ProcessId::EligibilityInquiry, "bench 問合せ", None)
            .unwrap()
            .batch_id;
        sync_once(laptop.path(), &bound).await;
        let connected = Syncing::start(laptop.path()).await.unwrap();
        connected
            .engine
            .dial(&bound, samod::BackoffConfig::default())
            .unwrap();
        let mut watcher = Office::open(laptop.path(), None).unwrap();
        let mut events = connected.engine.subscribe();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut propagation = Vec::new();
        for b in &batches {
            let t = Instant::now();
            office
                .record(b, 1, Action::Do, StepRecord::default())
                .unwrap();
            // As the app's window does after a write.
            serving.engine.committed();
            // As the window does: the board is read again when the engine says something arrived.
            while watcher.board(Some(b)).unwrap()[0].steps[0]
                .decisive
                .is_none()
            {
                assert!(
                    t.elapsed() < Duration::from_secs(10),
                    "the sign-off did not arrive"
                );
                let _ = tokio::time::timeout(Duration::from_secs(1), events.recv()).await;
            }
            propagation.push(t.elapsed());
        }
        let bare = bare_small_changes(times(SIGNOFFS)).await;
        let signoff = (
            pct(propagation.clone(), 0.5),
            pct(propagation, 0.99),
            pct(bare.clone(), 0.5),
            pct(bare, 0.99),
        );
        connected.stop().await.unwrap();

        // 1,000 + 1,000 inquiries logged offline on the hub and the laptop, then merged.
        let mut away = Office::open(laptop.path(), None).unwrap();
        for i in 0..times(OFFLINE_EDITS) {
            let no = format!("{}", 10_000_001 + (i % n));
            office
                .log_inquiry(&no, "ベンチ医院", "有効", None, Some(&merge_batch))
                .unwrap();
            away.log_inquiry(&no, "ベンチ診療所", "有効", None, Some(&merge_batch))
                .unwrap();
        }
        let bare_merged = bare_merge(hub, laptop.path(), &merge_batch);
        let (took, rss) = in_child(&["merge", laptop.path().to_str().unwrap(), &bound]);
        let notes = Office::open(laptop.path(), None)
            .unwrap()
            .board(Some(&merge_batch))
            .unwrap();
        assert!(!notes.is_empty());

        // A week offline: the laptop opens batches of its own; the hub, serving all the while,
        // records a week of the office's (a batch a day, each started, and 1,000 inquiries).
        sync_once(laptop.path(), &proxy).await;
        let mut away = Office::open(laptop.path(), None).unwrap();
        for day in 0..5 {
            away.new_batch(ProcessId::AnnualIssuance, &format!("留守 {day}"), None)
                .unwrap();
            let b = office
                .new_batch(ProcessId::AnnualIssuance, &format!("週 {day}"), None)
                .unwrap();
            office
                .record(&b.batch_id, 1, Action::Do, StepRecord::default())
                .unwrap();
        }
        for i in 0..times(OFFLINE_EDITS) {
            let no = format!("{}", 10_000_001 + (i % n));
            office
                .log_inquiry(&no, "ベンチ健診所", "有効", None, Some(&merge_batch))
                .unwrap();
        }
        wire.store(0, Ordering::SeqCst);
        let t = Instant::now();
        sync_once(laptop.path(), &proxy).await;
        let week = (t.elapsed(), wire.load(Ordering::SeqCst));
        let t = Instant::now();
        sync_once(laptop.path(), &proxy).await;
        let reconnect = (week.0, week.1, t.elapsed());
        serving.stop().await.unwrap();
        (
            cold_sync,
            contractor_sync,
            signoff,
            (took, rss, bare_merged),
            reconnect,
        )
    });
    Sized {
        import,
        open,
        by_number,
        by_kana,
        by_number_window,
        register_page,
        cold_sync,
        contractor_sync,
        signoff,
        merge,
        reconnect,
        export,
        relay,
        hub: hub_dir,
    }
}

/// Lookups as `measure` makes them (a number, then a kana prefix), made in turn on two offices of
/// the same people a year, open side by side: the one-year office and one of several years. A
/// busy moment of the machine slows both alike, so the ratio of their figures is the offices' own;
/// measured minutes apart, it moved between 0.7 and 1.9 from run to run with nothing changed.
/// Returns p50 and p99 by number, then by kana, for each office.
fn lookups_in_turn(offices: [&Path; 2], n: usize) -> [[(Duration, Duration); 2]; 2] {
    let mut open = offices.map(|hub| Office::open(hub, None).unwrap());
    let fy = kenshin_core::domain::fiscal_year(chrono::Utc::now().date_naive());
    let residents = subjects(fy as u64, fy, n, 10_000_001);
    let mut rng = Rng::new(11);
    let mut took: [[Vec<Duration>; 2]; 2] = Default::default();
    for i in 0..times(LOOKUPS) {
        let s = &residents[rng.below(n as u64) as usize];
        let prefix: String = s.kana.chars().take(3).collect();
        // Which office goes first alternates, so that neither always finds the code warm.
        for k in [i % 2, 1 - i % 2] {
            for (what, query) in [&s.voucher_no, &prefix].into_iter().enumerate() {
                let t = Instant::now();
                assert!(open[k].find_vouchers(query, 50).unwrap().total >= 1);
                took[what][k].push(t.elapsed());
            }
        }
    }
    took.map(|by| by.map(|t| (pct(t.clone(), 0.5), pct(t, 0.99))))
}

/// An office of `batches` small batches (one sign-off each), as years of monthly work leave them:
/// a new laptop's cold sync of it, then a sync with nothing new (medians of `RUNS`).
fn many_batches(batches: usize, rt: &tokio::runtime::Runtime) -> ManyBatches {
    eprintln!("== {batches} batches");
    let hub_dir = tempfile::tempdir().unwrap();
    let hub = hub_dir.path();
    let mut office = Office::init(hub, "ベンチ市", "決裁 太郎").unwrap();
    for i in 0..batches {
        let b = office
            .new_batch(ProcessId::AnnualIssuance, &format!("第{i}回"), None)
            .unwrap();
        office
            .record(&b.batch_id, 1, Action::Do, StepRecord::default())
            .unwrap();
    }
    rt.block_on(async {
        let (serving, bound) = serve_on_loopback(hub).await;
        let wire = Arc::new(AtomicU64::new(0));
        let proxy = counting_proxy(bound.clone(), wire.clone()).await;
        let (mut colds, mut again, mut bytes) = (vec![], vec![], 0);
        for run in 0..times(RUNS) {
            let (laptop, took, wired) =
                new_laptop_syncs(hub, &proxy, &wire, (run, Role::Section)).await;
            colds.push(took);
            bytes = wired;
            let t = Instant::now();
            sync_once(laptop.path(), &proxy).await;
            again.push(t.elapsed());
            let board = Office::open(laptop.path(), None)
                .unwrap()
                .board(None)
                .unwrap();
            assert_eq!(
                board.len(),
                batches,
                "every batch on the new laptop's board"
            );
        }
        serving.stop().await.unwrap();
        let mut bare = Vec::new();
        for _ in 0..times(RUNS) {
            bare.push(bare_cold_fetch(hub).await);
        }
        ManyBatches {
            cold: median(colds),
            again: median(again),
            bytes,
            bare: median(bare),
        }
    })
}

/// What `many_batches` measured.
struct ManyBatches {
    cold: Duration,
    again: Duration,
    bytes: u64,
    /// Bare samod fetching the same documents.
    bare: Duration,
}

/// The numbers an environment variable lists, comma-separated (none when it is empty).
fn numbers(var: &str, default: &str) -> Vec<usize> {
    std::env::var(var)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse()
                .unwrap_or_else(|_| panic!("{var}: numbers, comma-separated"))
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        return child(&args[i + 1..]);
    }
    // A size is N vouchers a year, or NxY: the demo office over Y fiscal years (each year's annual
    // list of N, 49 batches a year gone by).
    let sizes: Vec<(usize, u32)> = std::env::var("KENSHIN_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,15000,150000,150000x5".into())
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            let (n, y) = s.trim().split_once('x').unwrap_or((s.trim(), "1"));
            match (n.parse(), y.parse()) {
                (Ok(n), Ok(y)) => (n, y),
                _ => panic!("KENSHIN_BENCH_SIZES: sizes like 150000 or 150000x5, comma-separated"),
            }
        })
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let batch_counts = numbers("KENSHIN_BENCH_BATCHES", "10,100,300");
    let many: Vec<_> = batch_counts.iter().map(|&b| many_batches(b, &rt)).collect();
    let all: Vec<Sized> = sizes.iter().map(|&size| measure(size, &rt)).collect();
    let cell = |f: &dyn Fn(&Sized) -> String| all.iter().map(f).collect::<Vec<_>>();
    let lines = vec![
        Line {
            measure: "import to a queryable register (CP932 file, end to end) / SQLite inserting the rows",
            target: "< 2 s",
            cells: cell(&|s| versus(s.import.0, s.import.1)),
        },
        Line {
            measure: "cold open to the board, new process / SQLite reading the board's rows",
            target: "< 1 s",
            cells: cell(&|s| versus(s.open.0, s.open.1)),
        },
        Line {
            measure: "peak RSS of that process / of the SQLite one",
            target: "",
            cells: cell(&|s| format!("{} / {}", mb(s.open.2), mb(s.open.3))),
        },
        Line {
            measure: "lookup by voucher number p50 / p99 / SQLite primary key p50",
            target: "p99 < 1 ms",
            cells: cell(&|s| format!("{} / {} / {}", ms(s.by_number.0), ms(s.by_number.1), ms(s.by_number.2))),
        },
        Line {
            measure: "lookup by kana prefix (3 characters, 50 shown) p50 / p99",
            target: "",
            cells: cell(&|s| p50_p99(s.by_kana)),
        },
        Line {
            measure: "lookup by voucher number as the window makes it (its page cache cut back after each command) p50 / p99",
            target: "p99 < 1 ms",
            cells: cell(&|s| p50_p99(s.by_number_window)),
        },
        Line {
            measure: "the register's window: a page of 200, nothing searched p50 / p99",
            target: "",
            cells: cell(&|s| p50_p99(s.register_page)),
        },
        Line {
            measure: "cold sync of the office to a new laptop / copying the SQLite file over a socket",
            target: "< 3 s",
            cells: cell(&|s| versus(s.cold_sync.0, s.cold_sync.2)),
        },
        Line {
            measure: "bytes on the wire, cold sync / the SQLite file",
            target: "",
            cells: cell(&|s| format!("{} / {}", mb(s.cold_sync.1), mb(s.cold_sync.3))),
        },
        Line {
            measure: "cold sync to a new contractor laptop (the work it still has) / bytes on the wire",
            target: "",
            cells: cell(&|s| format!("{} / {}", ms(s.contractor_sync.0), mb(s.contractor_sync.1))),
        },
        Line {
            measure: "a sign-off in one window → the other laptop's board p50 / p99 (bare samod round trip p50 / p99)",
            target: "p99 < 50 ms",
            cells: cell(&|s| {
                format!(
                    "{} / {} ({} / {})",
                    ms(s.signoff.0),
                    ms(s.signoff.1),
                    ms(s.signoff.2),
                    ms(s.signoff.3)
                )
            }),
        },
        Line {
            measure: "merge after 1,000 + 1,000 offline inquiries (sync, judge, project) / bare automerge merge",
            target: "< 1 s",
            cells: cell(&|s| versus(s.merge.0, s.merge.2)),
        },
        Line {
            measure: "reconnect after a week offline (5 + 5 batches, 1,000 inquiries on the hub) / a sync with nothing new",
            target: "",
            cells: cell(&|s| versus(s.reconnect.0, s.reconnect.2)),
        },
        Line {
            measure: "bytes on the wire, reconnect after a week",
            target: "",
            cells: cell(&|s| mb(s.reconnect.1)),
        },
        Line {
            measure: "peak RSS of the merging laptop's process",
            target: "< 400 MB",
            cells: cell(&|s| mb(s.merge.1)),
        },
        Line {
            measure: "through a relay: cold sync of the annual list to a laptop at another site, sealed / plain (bare samod)",
            target: "",
            cells: cell(&|s| versus(s.relay.0 .0, s.relay.1 .0)),
        },
        Line {
            measure: "bytes the relay stored, sealed / plain",
            target: "≤ 1.3x",
            cells: cell(&|s| {
                format!(
                    "{} / {} ({:.2}x)",
                    mb(s.relay.0 .1),
                    mb(s.relay.1 .1),
                    s.relay.0 .1 as f64 / s.relay.1 .1.max(1) as f64
                )
            }),
        },
        Line {
            measure: "archive export of the month / the list as CSV in a zip",
            target: "< 5 s",
            cells: cell(&|s| versus(s.export.0, s.export.1)),
        },
        Line {
            measure: "archive size",
            target: "",
            cells: cell(&|s| mb(s.export.2)),
        },
    ];
    if !sizes.is_empty() {
        println!();
        let heads: Vec<String> = sizes
            .iter()
            .map(|(n, y)| match y {
                1 => format!("{n} vouchers"),
                y => format!("{n} vouchers × {y} years"),
            })
            .collect();
        println!(
            "| measure (kenshin / baseline in the same run) | {} | target |",
            heads.join(" | ")
        );
        println!("|---|{}---|", "---|".repeat(sizes.len()));
        for l in lines {
            println!("| {} | {} | {} |", l.measure, l.cells.join(" | "), l.target);
        }
    }
    // Each office of several years beside the one-year office of the same size, looked up in turn.
    for (i, &(n, y)) in sizes.iter().enumerate() {
        let Some(one) = sizes.iter().position(|&s| s == (n, 1)).filter(|_| y > 1) else {
            continue;
        };
        let [number, kana] = lookups_in_turn([all[one].hub.path(), all[i].hub.path()], n);
        println!();
        println!("| lookups made in turn on the two offices ({n} vouchers a year) | 1 year | {y} years | {y} y / 1 y (p50, p99) | target |");
        println!("|---|---|---|---|---|");
        for (what, [a, b], target) in [
            ("by voucher number p50 / p99", number, "≤ 1.2"),
            ("by kana prefix p50 / p99", kana, ""),
        ] {
            let ratio = |f: fn(&(Duration, Duration)) -> Duration| {
                f(&b).as_secs_f64() / f(&a).as_secs_f64().max(1e-9)
            };
            println!(
                "| {what} | {} | {} | {:.2}, {:.2} | {target} |",
                p50_p99(a),
                p50_p99(b),
                ratio(|d| d.0),
                ratio(|d| d.1)
            );
        }
    }
    if many.is_empty() {
        return;
    }
    // Years of batches: each figure beside the smallest office's, measured in the same run.
    println!();
    let heads: Vec<String> = batch_counts
        .iter()
        .map(|b| format!("{b} batches"))
        .collect();
    println!(
        "| measure (ratio to {} batches) | {} | target |",
        batch_counts[0],
        heads.join(" | ")
    );
    println!("|---|{}---|", "---|".repeat(batch_counts.len()));
    let ratio = |f: &dyn Fn(&ManyBatches) -> Duration| {
        let first = f(&many[0]);
        many.iter()
            .map(|m| {
                let ratio = f(m).as_secs_f64() / first.as_secs_f64().max(1e-9);
                format!("{} ({ratio:.1}x)", ms(f(m)))
            })
            .collect::<Vec<_>>()
            .join(" | ")
    };
    println!(
        "| a new laptop's cold sync | {} | ≤ 3x from 10 to 300 |",
        ratio(&|m| m.cold)
    );
    println!(
        "| ... bare samod fetching the same documents | {} | |",
        ratio(&|m| m.bare)
    );
    println!(
        "| a sync with nothing new | {} | ≤ 3x from 10 to 300 |",
        ratio(&|m| m.again)
    );
    println!(
        "| bytes on the wire, cold sync | {} | |",
        many.iter()
            .map(|m| mb(m.bytes))
            .collect::<Vec<_>>()
            .join(" | ")
    );
}
