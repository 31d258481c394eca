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
