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
    board
        .first()
        .and_then(|b| b.steps.first())
        .is_some_and(|s| s.decisive.is_some())
}

/// A section laptop `name` joins the office on `hub`, whose engine then listens on loopback: the
/// laptop's home, the engine and its address.
async fn joined_and_served(
    office: &mut Office,
    hub: &Path,
    name: &str,
) -> (tempfile::TempDir, Syncing, String) {
    let invite = office.invite(name, Role::Section, false).unwrap();
    let laptop = tempfile::tempdir().unwrap();
    join(
        laptop.path(),
        &serde_json::to_string(&invite).unwrap(),
        "invite",
    )
    .unwrap();
    let serving = Syncing::start(hub).await.unwrap();
    let bound = serving.engine.listen("127.0.0.1:0").await.unwrap();
    (laptop, serving, bound.to_string())
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
    let (laptop_dir, serving, bound) = joined_and_served(&mut office, hub, "課 花子").await;
    let laptop = laptop_dir.path();
    sync_once(laptop, &bound).await;
    serving.stop().await.unwrap();
    assert!(!decided(laptop, &batches[1]));

    // The hub records a step; its batch document's chunks reach the laptop's home as samod would
    // store them, with no projection after (the process killed in between).
    office
        .record(&batches[1], 1, Action::Do, StepRecord::default())
        .unwrap();
    copy_chunks(hub, laptop, &batches[1]);
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

/// A laptop back after a week offline syncs with a hub that writes all the while: everything either
/// wrote is on both. (At 150,000 vouchers the hub's own writers starved samod's stores and a received
/// change was dropped on "database is locked"; the store's writer queue, `gate`, is tested for
/// fairness where it is, and the office bench's week-offline row runs this at that size.)
#[tokio::test(flavor = "multi_thread")]
async fn a_hub_writing_while_it_serves_stores_everything_it_receives() {
    let hub_dir = tempfile::tempdir().unwrap();
    let hub = hub_dir.path();
    let mut office = kenshin_core::create_demo(hub, 500).unwrap();
    let (laptop_dir, serving, bound) = joined_and_served(&mut office, hub, "課 三郎").await;
    let laptop = laptop_dir.path();
    let sync = || async {
        let syncing = Syncing::start(laptop).await.unwrap();
        syncing
            .once(&bound, Duration::from_secs(120))
            .await
            .unwrap();
    };
    sync().await;

    let mut away = Office::open(laptop, None).unwrap();
    for i in 0..5 {
        away.new_batch(ProcessId::Reissue, &format!("留守 {i}"), Some(2026))
            .unwrap();
    }
    let hub_path = hub.to_path_buf();
    let writer = std::thread::spawn(move || {
        let mut office = Office::open(&hub_path, Some("委託 一郎")).unwrap();
        let calls = office
            .new_batch(ProcessId::EligibilityInquiry, "本庁 問合せ", Some(2026))
            .unwrap();
        for v in office.register_page("", 0, 100).unwrap().hits {
            office
                .log_inquiry(
                    &v.subject.voucher_no,
                    "城南中央クリニック",
                    "有効な受診券です",
                    None,
                    Some(&calls.batch_id),
                )
                .unwrap();
        }
        for i in 0..10 {
            office
                .new_batch(ProcessId::Reissue, &format!("本庁 {i}"), Some(2026))
                .unwrap();
        }
    });
    sync().await;
    writer.join().unwrap();
    sync().await;
    serving.stop().await.unwrap();
    let labels = |home: &Path| -> Vec<String> {
        let mut office = Office::open(home, None).unwrap();
        let mut labels: Vec<String> = office
            .batches()
            .unwrap()
            .into_iter()
            .map(|b| b.label)
            .collect();
        labels.sort();
        labels
    };
    assert_eq!(labels(hub), labels(laptop));
    assert!(labels(hub).iter().any(|l| l == "留守 4"));
    assert!(labels(laptop).iter().any(|l| l == "本庁 9"));
}

/// A record projects its batch as the sync engine would, and marks the projection with what it was
/// made from: the engine, starting, finds the mark holds and does not judge the batch again (probed
/// by taking its sign-off rows out behind the engine's back: they stay out). On the laptop where a
/// clerk records, that was a second judgement and a second durable commit after every record.
#[tokio::test(flavor = "multi_thread")]
async fn the_engine_does_not_judge_again_a_batch_a_record_projected() {
    let hub_dir = tempfile::tempdir().unwrap();
    let hub = hub_dir.path();
    let mut office = kenshin_core::create_demo(hub, 200).unwrap();
    let batch = office
        .new_batch(ProcessId::AnnualIssuance, "記録の投影", Some(2026))
        .unwrap()
        .batch_id;
    office
        .record(&batch, 1, Action::Do, StepRecord::default())
        .unwrap();
    assert!(decided(hub, &batch));
    let recorded = office.projection_dump().unwrap();
    kenshin_store::connect(hub)
        .unwrap()
        .execute("DELETE FROM p_signoffs WHERE batch_id = ?1", [&batch])
        .unwrap();
    assert!(!decided(hub, &batch), "the probe shows on the board");
    let started = Syncing::start(hub).await.unwrap();
    started.stop().await.unwrap();
    assert!(
        !decided(hub, &batch),
        "the engine judged the recorded batch again"
    );
    office.rebuild_projections().unwrap();
    assert_eq!(
        office.projection_dump().unwrap(),
        recorded,
        "what the record projected is what a rebuild gives"
    );
}

/// An import writes its production list's rows into the register from the rows in hand and notes
/// so: neither the record that follows, nor a list of another kind, nor an engine's start reads
/// the list back (probed by taking a voucher out behind their backs: it stays out). A five-year
/// office's first start after its imports read 150,000 rows back for each year before it listened.
#[tokio::test(flavor = "multi_thread")]
async fn an_imported_register_is_not_read_back() {
    use kenshin_core::domain::ListKind;
    use kenshin_core::exchange::synth::{municipal_csv, subjects};
    use kenshin_core::exchange::TextEncoding;
    let hub_dir = tempfile::tempdir().unwrap();
    let hub = hub_dir.path();
    let mut office = Office::init(hub, "テスト市", "決裁 太郎").unwrap();
    office
        .add_member("委託 一郎", Role::Contractor, false)
        .unwrap();
    let batch = office
        .new_batch(ProcessId::MonthlyIssuance, "2026-05", Some(2026))
        .unwrap()
        .batch_id;
    let mut office = Office::open(hub, Some("委託 一郎")).unwrap();
    let people = subjects(5, 2026, 300, 70_000_001);
    office
        .import(
            ListKind::Production,
            &batch,
            "本番リスト.csv",
            &municipal_csv(&people, TextEncoding::Utf8Bom),
        )
        .unwrap();
    let pulled = format!(
        "受診券整理番号,引抜理由\r\n{},転出\r\n",
        people[0].voucher_no
    );
    office
        .import(
            ListKind::Pullouts,
            &batch,
            "引抜き者リスト.csv",
            pulled.as_bytes(),
        )
        .unwrap();
    let targets = kenshin_core::domain::workflow::parse_count("targets=300").unwrap();
    office
        .record(
            &batch,
            1,
            Action::Do,
            StepRecord {
                counts: [targets].into(),
                ..StepRecord::default()
            },
        )
        .unwrap();
    let recorded = office.projection_dump().unwrap();
    let probe = &people[7].voucher_no;
    let held = |office: &mut Office| office.find_vouchers(probe, 10).unwrap().total;
    assert_eq!(held(&mut office), 1);
    kenshin_store::connect(hub)
        .unwrap()
        .execute("DELETE FROM p_vouchers WHERE voucher_no = ?1", [probe])
        .unwrap();
    assert_eq!(held(&mut office), 0, "the probe shows in a search");
    let started = Syncing::start(hub).await.unwrap();
    started.stop().await.unwrap();
    assert_eq!(held(&mut office), 0, "the engine read the list back");
    office.rebuild_projections().unwrap();
    assert_eq!(
        office.projection_dump().unwrap(),
        recorded,
        "what the import projected is what a rebuild gives"
    );
}

/// A member joining changes no judgement of a batch whose records they did not sign: a laptop that
/// serves them judges no batch again (probed by taking a batch's board out behind its back: it stays
/// out; at five years the serving laptop judged about 250 batches on the joiner's first sync). A
/// record whose signer's entry had not arrived counts once it does.
#[tokio::test(flavor = "multi_thread")]
async fn a_member_joining_judges_only_the_batches_they_signed_again() {
    let hub_dir = tempfile::tempdir().unwrap();
    let hub = hub_dir.path();
    let mut office = Office::init(hub, "テスト市", "決裁 太郎").unwrap();
    let [probed, later] = ["第1回", "第2回"].map(|label| {
        office
            .new_batch(ProcessId::AnnualIssuance, label, Some(2026))
            .unwrap()
            .batch_id
    });
    office
        .record(&probed, 1, Action::Do, StepRecord::default())
        .unwrap();
    let (section_dir, serving, bound) = joined_and_served(&mut office, hub, "課 花子").await;
    let section = section_dir.path();
    sync_once(section, &bound).await;
    assert!(decided(hub, &probed));
    let db = kenshin_store::connect(hub).unwrap();
    for table in ["p_board", "p_signoffs"] {
        db.execute(
            &format!("DELETE FROM {table} WHERE batch_id = ?1"),
            [&probed],
        )
        .unwrap();
    }
    assert!(!decided(hub, &probed), "the probe shows on the board");

    // An invite, and the new laptop's first sync: the hub judges nothing again.
    let invite = office.invite("課 次郎", Role::Section, false).unwrap();
    let joiner_dir = tempfile::tempdir().unwrap();
    let joiner = joiner_dir.path();
    join(joiner, &serde_json::to_string(&invite).unwrap(), "invite").unwrap();
    sync_once(joiner, &bound).await;
    serving.stop().await.unwrap();
    assert!(
        !decided(hub, &probed),
        "the hub judged a batch again when a member who signed nothing in it joined"
    );

    // The new member records; the record reaches the first section laptop before the new member's
    // roster entry does (as a relay might deliver them), and counts for nothing until it arrives.
    Office::open(joiner, None)
        .unwrap()
        .record(&later, 1, Action::Do, StepRecord::default())
        .unwrap();
    copy_chunks(joiner, section, &later);
    Syncing::start(section).await.unwrap().stop().await.unwrap();
    assert!(!decided(section, &later), "signed by no one in the roster");
    let serving = Syncing::start(hub).await.unwrap();
    let bound = serving
        .engine
        .listen("127.0.0.1:0")
        .await
        .unwrap()
        .to_string();
    sync_once(section, &bound).await;
    serving.stop().await.unwrap();
    assert!(
        decided(section, &later),
        "the new member's entry arrived and their record counts"
    );
}

/// One sync of `home` with the engine at `peer`.
async fn sync_once(home: &Path, peer: &str) {
    let syncing = Syncing::start(home).await.unwrap();
    syncing.once(peer, Duration::from_secs(60)).await.unwrap();
}

/// A document's chunks copied from one home into another, as samod would store them there.
fn copy_chunks(from: &Path, to: &Path, batch: &str) {
    let chunks: Vec<(String, Vec<u8>)> = {
        let db = kenshin_store::connect(from).unwrap();
        let mut stmt = db
            .prepare("SELECT key, data FROM chunks WHERE key LIKE ?1 || '/%'")
            .unwrap();
        let rows = stmt
            .query_map([batch], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        rows.map(|r| r.unwrap()).collect()
    };
    assert!(!chunks.is_empty());
    let db = kenshin_store::connect(to).unwrap();
    for (key, data) in &chunks {
        db.execute(
            "INSERT OR IGNORE INTO chunks (key, data) VALUES (?1, ?2)",
            rusqlite::params![key, data],
        )
        .unwrap();
    }
}
