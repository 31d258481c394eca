//! The desktop window on the 150,000-voucher demo office, under Xvfb: app start to its first screen, the
//! app's memory at rest, and its memory after 1,000 actions over the window while a peer's entries
//! arrive (the app runs all day).
//! `cargo bench -p kenshin-desktop --bench startup` (needs what the e2e tests need: Xvfb, tauri-driver).

#[path = "../tests/webdriver/mod.rs"]
mod webdriver;

use kenshin_core::domain::{ProcessId, Role};
use kenshin_core::sync::{save_settings, SyncSettings, Syncing};
use kenshin_core::{join, Office};
use serde_json::json;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use webdriver::{app_rss_kb, free_port, wait_for, webkit_rss_split_kb, Driver, Window, PIN};

const RUNS: usize = 3;
const ACTIONS: usize = 1_000;

fn main() {
    let home = tempfile::tempdir().expect("home");
    let made = Instant::now();
    kenshin_core::create_demo(home.path(), 150_000).expect("demo office");
    println!(
        "demo office with 150,000 vouchers made in {:.2} s",
        made.elapsed().as_secs_f64()
    );
    let mut starts = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..RUNS {
        let (d, window) = Window::open(home.path());
        // The first screen is the sign-in (本人確認); the board comes once the member gives their PIN.
        d.wait("body[data-ready=sign-in]");
        starts.push(window.launched.elapsed());
        d.sign_in(PIN);
        d.wait("body[data-ready=board]");
        // At rest: the board drawn, nothing asked for a while.
        std::thread::sleep(Duration::from_secs(3));
        rss.push(app_rss_kb().unwrap_or((0, 0)));
        // The register's first page of all 150,000 vouchers.
        d.screen("register");
        d.wait(".vrow[data-voucher]");
    }
    starts.sort();
    rss.sort();
    let day = all_day(home.path());

    println!("| measure (median of {RUNS}) | value |");
    println!("|---|---|");
    println!(
        "| app start to its first screen (the sign-in), 150,000-voucher office | {:.0} ms |",
        starts[RUNS / 2].as_secs_f64() * 1e3
    );
    let (own, all) = rss[RUNS / 2];
    println!(
        "| app RSS at rest (board shown): app process | {} |",
        mb(own)
    );
    println!(
        "| ... with its WebKit processes (web content, network) | {} |",
        mb(all)
    );
    println!(
        "| app RSS with WebKit, one run: at start → after {} → after {ACTIONS} actions ({:.0} s, {} entries arriving from a peer) | {} → {} → {} ({}) |",
        ACTIONS / 2,
        day.took.as_secs_f64(),
        day.arrived,
        mb(day.start),
        mb(day.half),
        mb(day.after),
        growth(day.start, day.half, day.after)
    );
    println!(
        "| ... the app process alone | {} → {} → {} ({}) |",
        mb(day.start_own),
        mb(day.half_own),
        mb(day.after_own),
        growth(day.start_own, day.half_own, day.after_own)
    );
    println!(
        "| ... WebKit's processes: anonymous (heaps) / file-backed (libraries, fonts), start → after | {} / {} → {} / {} |",
        mb(day.start_split.0),
        mb(day.start_split.1),
        mb(day.after_split.0),
        mb(day.after_split.1)
    );
}

/// Growth over the whole run, and over its second half (a leak keeps growing; caches fill and stop).
fn growth(start: u64, half: u64, after: u64) -> String {
    let pct = |from: u64, to: u64| (to as f64 / from as f64 - 1.0) * 100.0;
    format!(
        "{:+.1} % in all, {:+.1} % in the second half",
        pct(start, after),
        pct(half, after)
    )
}

fn mb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

/// RSS in kB, the app process and with its WebKit processes: at start, halfway, after.
struct Day {
    start_own: u64,
    start: u64,
    /// WebKit's processes: anonymous and file-backed, at start and after.
    start_split: (u64, u64),
    after_split: (u64, u64),
    half_own: u64,
    half: u64,
    after_own: u64,
    after: u64,
    took: Duration,
    arrived: usize,
}

/// A day at the window: the app syncs with a section laptop (an engine in this process) that logs an
/// inquiry every 200 ms, while the clerk goes round the screens, opens steps, searches and scrolls
/// the register: 1,000 actions. The app's RSS once it is in sync and at rest, and again after.
fn all_day(home: &Path) -> Day {
    let addr = format!("127.0.0.1:{}", free_port());
    let settings = |listen: &str, peers: Vec<String>| SyncSettings {
        listen: listen.into(),
        lan: false,
        paused: false,
        peers,
    };
    save_settings(home, &settings(&addr, vec![])).expect("the app's sync settings");
    // The founder chose their PIN in the window.
    let invite = Office::sign_in(home, None, Some(PIN))
        .and_then(|signer| Office::open_as(home, &signer))
        .and_then(|mut o| o.invite("窓口 花子", Role::Section, false))
        .expect("invite");
    let peer = tempfile::tempdir().expect("peer home");
    join(
        peer.path(),
        &serde_json::to_string(&invite).expect("invite json"),
        "invite",
    )
    .expect("join");

    let (d, _window) = Window::open(home);
    d.sign_in(PIN);
    d.wait("body[data-ready=board]");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (syncing, _) = rt
        .block_on(Syncing::serve(
            &peer.path().into(),
            &settings("127.0.0.1:0", vec![addr]),
        ))
        .expect("the peer's engine");
    wait_for("the peer in sync", Duration::from_secs(300), || {
        let p = syncing.engine.progress();
        p.of > 1 && p.held == p.of && Office::open(peer.path(), None).is_ok()
    });
    std::thread::sleep(Duration::from_secs(5));
    let (start_own, start) = app_rss_kb().expect("the app's RSS");
    let start_split = webkit_rss_split_kb().expect("WebKit's RSS");

    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (stop, engine, peer) = (stop.clone(), syncing.engine.clone(), peer.path().to_owned());
        std::thread::spawn(move || {
            let mut office = Office::open(&peer, None).expect("the peer's office");
            let calls = office
                .batches()
                .expect("batches")
                .into_iter()
                .find(|b| b.process == ProcessId::EligibilityInquiry)
                .expect("the demo's inquiry batch");
            let mut logged = 0;
            while !stop.load(Ordering::Relaxed) {
                office
                    .log_inquiry(
                        &format!("{}", 10_000_001 + logged % 150_000),
                        "ベンチ医院",
                        "有効",
                        None,
                        Some(&calls.batch_id),
                    )
                    .expect("an inquiry");
                engine.committed();
                logged += 1;
                std::thread::sleep(Duration::from_millis(200));
            }
            logged
        })
    };
    let began = Instant::now();
    let mut half = (0, 0);
    for i in 0..ACTIONS {
        if i == ACTIONS / 2 {
            half = app_rss_kb().expect("the app's RSS");
        }
        act(&d, i);
    }
    let took = began.elapsed();
    stop.store(true, Ordering::Relaxed);
    let arrived = writer.join().expect("the peer's writer");
    std::thread::sleep(Duration::from_secs(5));
    let (after_own, after) = app_rss_kb().expect("the app's RSS");
    let after_split = webkit_rss_split_kb().expect("WebKit's RSS");
    rt.block_on(syncing.stop())
        .expect("the peer's engine stops");
    Day {
        start_own,
        start,
        start_split,
        after_split,
        half_own: half.0,
        half: half.1,
        after_own,
        after,
        took,
        arrived,
    }
}

/// One of a clerk's actions, in turn: screens, a step's detail, a scroll and a search.
fn act(d: &Driver, i: usize) {
    match i % 8 {
        0 => d.screen("board"),
        1 => d.click("tr[data-batch] .step[data-step='1']"),
        2 => d.screen("inbox"),
        3 => d.screen("register"),
        4 => {
            d.script(
                "document.querySelector('.viewport').scrollTop += 20000",
                json!([]),
            );
        }
        5 => {
            let no = format!("{}", 10_000_001 + (i * 7_919) % 150_000);
            d.type_into("input[name=query]", &no);
            d.wait(&format!(".vrow[data-voucher='{no}']"));
        }
        6 => d.screen("inquiry"),
        _ => d.screen("sync"),
    }
}
