//! Sync at office scale over loopback TCP, printed as one table with bare samod measured in the same run.
//!
//! `cargo bench -p kenshin-core --bench sync` (150,000 vouchers; `KENSHIN_BENCH_ROWS=N` for another size).
//! - Cold sync: a new laptop joins an office holding a 150,000-voucher batch and runs `sync --once`
//!   (handshake, every document, the register projected and queryable). Baseline: two bare samod
//!   repos (in memory, no authentication, no encryption) moving one document holding the same rows.
//! - Sign-off propagation: the hub records a step through `Office::record` (SQLite, as the CLI does);
//!   measured until the connected laptop's own board shows it. Baseline: a small change between two
//!   connected bare samod repos, until the other repo's change stream reports it.
//!
//! Bytes on the wire are counted by a forwarding proxy between the two laptops.

use kenshin_core::domain::{Action, ProcessId};
use kenshin_core::sync::Syncing;
use kenshin_core::{create_demo, join, Office, StepRecord};
use samod::{Repo, Transport};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

const COLD_RUNS: usize = 3;
const SIGNOFFS: usize = 20;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
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

/// A laptop that accepted a fresh invite from the hub.
fn new_laptop(hub: &std::path::Path, name: &str) -> tempfile::TempDir {
    let invite = Office::open(hub, None)
        .unwrap()
        .invite(name, kenshin_core::domain::Role::Section, false)
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

/// Bare samod: one document holding the rows as one bytes value, from one in-memory repo to another.
async fn bare_cold(rows: &[u8]) -> Duration {
    use automerge::transaction::Transactable;
    let a = Repo::build_tokio().load().await;
    let b = Repo::build_tokio().load().await;
    let mut doc = automerge::Automerge::new();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(
            automerge::ROOT,
            "rows",
            automerge::ScalarValue::Bytes(rows.to_vec()),
        )?;
        Ok(())
    })
    .unwrap();
    let handle = a.create(doc).await.unwrap();
    let (listener, addr) = bare_listener(a.clone()).await;
    let started = Instant::now();
    let dialer = b
        .dial_tcp(
            url::Url::parse(&format!("tcp://{addr}")).unwrap(),
            samod::BackoffConfig::default(),
        )
        .unwrap();
    dialer.established().await.unwrap();
    let found = b.find(handle.document_id().clone()).await.unwrap().unwrap();
    let took = started.elapsed();
    assert!(found.with_document(|d| d.get_heads()) == handle.with_document(|d| d.get_heads()));
    listener.abort();
    took
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

/// Bare samod: small changes between two connected repos, each timed until the other side sees it.
async fn bare_small_changes(n: usize) -> Vec<Duration> {
    use automerge::transaction::Transactable;
    use futures::StreamExt;
    let a = Repo::build_tokio().load().await;
    let b = Repo::build_tokio().load().await;
    let handle = a.create(automerge::Automerge::new()).await.unwrap();
    let (listener, addr) = bare_listener(a.clone()).await;
    let dialer = b
        .dial_tcp(
            url::Url::parse(&format!("tcp://{addr}")).unwrap(),
            samod::BackoffConfig::default(),
        )
        .unwrap();
    dialer.established().await.unwrap();
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

fn main() {
    let rows: usize = std::env::var("KENSHIN_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let hub_dir = tempfile::tempdir().unwrap();
    let hub = hub_dir.path();
    let t = Instant::now();
    create_demo(hub, rows).unwrap();
    eprintln!(
        "demo office with {rows} vouchers: {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // The baseline carries the same people as canonical rows, uncompressed (the list document holds
    // them deflated, so Kenshin moves fewer bytes than the baseline does).
    let fy = kenshin_core::domain::fiscal_year(chrono::Utc::now().date_naive());
    let people = kenshin_core::exchange::synth::subjects(fy as u64, fy, rows, 10_000_001);
    let production_rows = kenshin_core::domain::rows::encode(&people);
    let mut office = Office::open(hub, None).unwrap();

    rt.block_on(async {
        let serving = Syncing::start(hub).await.unwrap();
        let bound = serving.engine.listen("127.0.0.1:0").await.unwrap().to_string();
        let wire = Arc::new(AtomicU64::new(0));
        let proxy = counting_proxy(bound.clone(), wire.clone()).await;

        let mut cold = Vec::new();
        let mut cold_bytes = 0;
        for run in 0..COLD_RUNS {
            let laptop = new_laptop(hub, &format!("新人 {run}"));
            wire.store(0, Ordering::SeqCst);
            let started = Instant::now();
            Syncing::start(laptop.path())
                .await
                .unwrap()
                .once(&proxy, Duration::from_secs(120))
                .await
                .unwrap();
            cold.push(started.elapsed());
            tokio::time::sleep(Duration::from_millis(200)).await;
            cold_bytes = wire.load(Ordering::SeqCst);
            let mut joined = match Office::open(laptop.path(), None) {
                Ok(o) => o,
                Err(e) => panic!("{e}: the laptop is kept at {}", laptop.keep().display()),
            };
            let found = joined.register_page("", 0, 1).unwrap();
            let held = Office::open(hub, None).unwrap().register_page("", 0, 1).unwrap().total;
            assert_eq!(found.total, held, "the whole register is queryable on the new laptop");
        }
        let mut bare = Vec::new();
        for _ in 0..COLD_RUNS {
            bare.push(bare_cold(&production_rows).await);
        }

        // Sign-offs from the hub reaching a connected laptop.
        let laptop = new_laptop(hub, "受信 太郎");
        Syncing::start(laptop.path()).await.unwrap().once(&bound, Duration::from_secs(120)).await.unwrap();
        let mut batches = Vec::new();
        for i in 0..SIGNOFFS {
            let b = office.new_batch(ProcessId::AnnualIssuance, &format!("bench {i}"), None).unwrap();
            batches.push(b.batch_id);
        }
        let connected = Syncing::start(laptop.path()).await.unwrap();
        connected.engine.dial(&proxy, samod::BackoffConfig::default()).unwrap();
        let mut watcher = Office::open(laptop.path(), None).unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while watcher.batches().unwrap().len() < batches.len() + 5 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        wire.store(0, Ordering::SeqCst);
        let mut propagation = Vec::new();
        for b in &batches {
            let started = Instant::now();
            office.record(b, 1, Action::Do, StepRecord::default()).unwrap();
            loop {
                let board = watcher.board(Some(b)).unwrap();
                if board[0].steps[0].decisive.is_some() {
                    break;
                }
                assert!(started.elapsed() < Duration::from_secs(10), "the sign-off did not arrive");
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            propagation.push(started.elapsed());
        }
        let per_signoff = wire.load(Ordering::SeqCst) / SIGNOFFS as u64;
        let bare_small = bare_small_changes(SIGNOFFS).await;

        let (c, bc) = (median(cold), median(bare));
        let (p, bp) = (median(propagation.clone()), median(bare_small));
        println!();
        println!("| measure ({rows} vouchers, loopback, this machine) | kenshin | bare samod (same run) | ratio | target |");
        println!("|---|---|---|---|---|");
        println!(
            "| cold sync to a new laptop, median of {COLD_RUNS} | {} | {} | {:.2}x | < 3 s |",
            ms(c),
            ms(bc),
            c.as_secs_f64() / bc.as_secs_f64()
        );
        println!(
            "| one sign-off to a connected laptop, median of {SIGNOFFS} | {} | {} | {:.1}x | < 100 ms |",
            ms(p),
            ms(bp),
            p.as_secs_f64() / bp.as_secs_f64()
        );
        println!(
            "| bytes on the wire, cold sync | {cold_bytes} | {} (the rows alone) | | |",
            production_rows.len()
        );
        println!("| bytes on the wire per sign-off | {per_signoff} | | | |");
        let worst = propagation.iter().max().copied().unwrap_or_default();
        println!("| slowest sign-off | {} | | | |", ms(worst));
        connected.stop().await.unwrap();
        serving.stop().await.unwrap();
    });
}
