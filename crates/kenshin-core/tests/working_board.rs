//! 今の業務: the board the window opens on leaves out the batches of closed fiscal years and the
//! finished batches of past ones (at five years an office holds some 250 batches), and shows them
//! when asked.

use kenshin_core::create_demo_years;

#[test]
fn the_board_opens_on_the_current_work_and_shows_past_years_when_asked() {
    // The demo's past year is closed, each of its months filed.
    let dir = tempfile::tempdir().unwrap();
    let mut office = create_demo_years(dir.path(), 2, 120).unwrap();
    let all = office.board(None).unwrap();
    let this_year = all.iter().map(|b| b.batch.fiscal_year).max().unwrap();
    let working = office.working_board(false).unwrap();
    let past = all
        .iter()
        .filter(|b| b.batch.fiscal_year < this_year)
        .count();
    assert!(past > 40, "a year of batches");
    assert_eq!(working.hidden, past);
    assert_eq!(working.batches.len() + working.hidden, all.len());
    // What the member may do on each shown batch is as the whole board says.
    for b in &working.batches {
        assert_eq!(b.batch.fiscal_year, this_year, "{}", b.batch.label);
        let same = all
            .iter()
            .find(|a| a.batch.batch_id == b.batch.batch_id)
            .unwrap();
        assert_eq!(
            serde_json::to_string(b).unwrap(),
            serde_json::to_string(same).unwrap()
        );
    }
    let shown = office.working_board(true).unwrap();
    assert_eq!((shown.batches.len(), shown.hidden), (all.len(), 0));
}

/// A year gone by that is not closed yet: its finished batches leave the board, and what is still
/// to do in it stays (last year's inquiry desk still open in April).
#[test]
fn a_past_year_not_closed_keeps_its_unfinished_batches_on_the_board() {
    use kenshin_core::domain::{Action, ProcessId};
    use kenshin_core::Office;
    let dir = tempfile::tempdir().unwrap();
    let mut office = Office::init(dir.path(), "テスト市", "決裁 太郎").unwrap();
    let now = kenshin_core::domain::fiscal::fiscal_year(chrono::Utc::now().date_naive());
    let batch = |office: &mut Office, label: &str, year: i32| {
        office
            .new_batch(ProcessId::EligibilityInquiry, label, Some(year))
            .unwrap()
            .batch_id
    };
    // Last year's inquiries, answered by the contractor and verified.
    let finished = batch(&mut office, "昨年度 済み", now - 1);
    office
        .add_member("委託 一郎", kenshin_core::domain::Role::Contractor, false)
        .unwrap();
    Office::open(dir.path(), Some("委託 一郎"))
        .unwrap()
        .record(&finished, 1, Action::Do, Default::default())
        .unwrap();
    office
        .record(&finished, 2, Action::Verify, Default::default())
        .unwrap();
    let open = batch(&mut office, "昨年度 作業中", now - 1);
    let current = batch(&mut office, "今年度", now);
    // The premise: every step of the finished one is done, and the other's first is not.
    let all = office.board(None).unwrap();
    let of = |id: &str| all.iter().find(|b| b.batch.batch_id == id).unwrap();
    assert!(of(&finished)
        .steps
        .iter()
        .all(|s| ["done", "verified"].contains(&s.status.as_str())));
    assert_ne!(of(&open).steps[0].status.as_str(), "done");

    let working = office.working_board(false).unwrap();
    let shown: Vec<&str> = working
        .batches
        .iter()
        .map(|b| b.batch.batch_id.as_str())
        .collect();
    assert_eq!(working.hidden, 1);
    assert!(!shown.contains(&finished.as_str()));
    assert!(
        shown.contains(&open.as_str()),
        "unfinished work of last year"
    );
    assert!(shown.contains(&current.as_str()), "this year's");
}
