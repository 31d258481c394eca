//! What an engine's start projects: a batch document stored and never projected (a sync killed
//! between samod's write and the projection) is judged at the start, beside batches nothing changed.

use kenshin_core::domain::{Action, ProcessId, Role};
use kenshin_core::sync::Syncing;
use kenshin_core::{join, Office, StepRecord};
use std::path::Path;
use std::time::Duration;

fn decided(home: &Path, batch: &str) -> bool {
    let board = Office::open(home, None)
        .unwrap()
        .board(Some(batch))
        .unwrap();
    board[0].steps[0].decisive.is_some()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_start_judges_a_batch_stored_and_not_projected() {
    let hub_dir = tempfile::tempdir().unwrap();
    let hub = hub_dir.path();
    let mut office = Office::init(hub, "テスト市", "決裁 太郎").unwrap();
    let batches: Vec<String> = (0..3)
        .map(|i| {
            office
                .new_batch(ProcessId::AnnualIssuance, &format!("第{i}回"), Some(2026))
                .unwrap()
                .batch_id
        })
        .collect();
    let invite = office.invite("課 花子", Role::Section, false).unwrap();
    let laptop_dir = tempfile::tempdir().unwrap();
    let laptop = laptop_dir.path();
    join(laptop, &serde_json::to_string(&invite).unwrap(), "invite").unwrap();

    let serving = Syncing::start(hub).await.unwrap();
    let bound = serving
        .engine
        .listen("127.0.0.1:0")
        .await
        .unwrap()
        .to_string();
    let syncing = Syncing::start(laptop).await.unwrap();
    syncing.once(&bound, Duration::from_secs(60)).await.unwrap();
    serving.stop().await.unwrap();
    assert!(!decided(laptop, &batches[1]));

    // The hub records a step; its batch document's chunks reach the laptop's home as samod would
    // store them, with no projection after (the process killed in between).
    office
        .record(&batches[1], 1, Action::Do, StepRecord::default())
        .unwrap();
    let chunks: Vec<(String, Vec<u8>)> = {
        let db = kenshin_store::connect(hub).unwrap();
        let mut stmt = db
            .prepare("SELECT key, data FROM chunks WHERE key LIKE ?1 || '/%'")
            .unwrap();
        let rows = stmt
            .query_map([&batches[1]], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        rows.map(|r| r.unwrap()).collect()
    };
    assert!(!chunks.is_empty());
    {
        let db = kenshin_store::connect(laptop).unwrap();
        for (key, data) in &chunks {
            db.execute(
                "INSERT OR IGNORE INTO chunks (key, data) VALUES (?1, ?2)",
                rusqlite::params![key, data],
            )
            .unwrap();
        }
    }
    assert!(!decided(laptop, &batches[1]), "not projected yet");

    // The laptop's engine starts and stops: the changed batch is judged, the others as they were.
    let started = Syncing::start(laptop).await.unwrap();
    started.stop().await.unwrap();
    assert!(decided(laptop, &batches[1]));
    for b in [&batches[0], &batches[2]] {
        assert!(!decided(laptop, b));
    }
    let mut office = Office::open(laptop, None).unwrap();
    let before = office.board(None).unwrap();
    office.rebuild_projections().unwrap();
    assert_eq!(
        serde_json::to_string(&office.board(None).unwrap()).unwrap(),
        serde_json::to_string(&before).unwrap(),
        "the projections are what a rebuild gives"
    );
}
