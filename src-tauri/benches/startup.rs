//! App start to first board on the 150,000-voucher demo office, and the app's memory at rest, under Xvfb.
//! `cargo bench -p kenshin-desktop --bench startup` (needs what the e2e tests need: Xvfb, tauri-driver).

#[path = "../tests/webdriver/mod.rs"]
mod webdriver;

use std::time::{Duration, Instant};
use webdriver::{app_rss_kb, Window};

const RUNS: usize = 3;

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
        d.wait("body[data-ready=board]");
        starts.push(window.launched.elapsed());
        // At rest: the board drawn, nothing asked for a while.
        std::thread::sleep(Duration::from_secs(3));
        rss.push(app_rss_kb().unwrap_or((0, 0)));
        // The register's first page of all 150,000 vouchers.
        d.screen("register");
        d.wait(".vrow[data-voucher]");
    }
    starts.sort();
    rss.sort();
    println!("| measure (median of {RUNS}) | value |");
    println!("|---|---|");
    println!(
        "| app start to first board, 150,000-voucher office | {:.0} ms |",
        starts[RUNS / 2].as_secs_f64() * 1e3
    );
    let (own, all) = rss[RUNS / 2];
    println!(
        "| app RSS at rest (board shown): app process | {:.1} MB |",
        own as f64 / 1024.0
    );
    println!(
        "| ... with its WebKit processes (web content, network) | {:.1} MB |",
        all as f64 / 1024.0
    );
}
