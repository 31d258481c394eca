//! 今の業務: the board the window opens on leaves out the finished batches of past fiscal years (at
//! five years an office holds some 250 batches), and shows them when asked.

use kenshin_core::create_demo_years;

#[test]
fn the_board_opens_on_the_current_work_and_shows_past_years_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = create_demo_years(dir.path(), 2, 120).unwrap();
    let all = office.board(None).unwrap();
    let working = office.working_board(false).unwrap();
    let this_year = all.iter().map(|b| b.batch.fiscal_year).max().unwrap();
    let finished = |b: &kenshin_core::BoardBatch| {
        b.steps.iter().all(|s| {
            matches!(
                s.status,
                kenshin_core::domain::Status::Done
                    | kenshin_core::domain::Status::Verified
                    | kenshin_core::domain::Status::Approved
            ) && !s.awaiting_review
        })
    };
    let past_finished: Vec<_> = all
        .iter()
        .filter(|b| b.batch.fiscal_year < this_year && finished(b))
        .collect();
    assert_eq!(working.hidden, past_finished.len());
    assert_eq!(working.batches.len() + working.hidden, all.len());
    for b in &working.batches {
        assert!(
            b.batch.fiscal_year >= this_year || !finished(b),
            "{} is past and finished",
            b.batch.label
        );
    }
    // What the member may do on each shown batch is as the whole board says.
    for b in &working.batches {
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

    // Closed (every month filed first), the past year's batches take no entries: all left out.
    let past = this_year - 1;
    for month in kenshin_core::domain::filing::months_of(past) {
        let (bytes, _) = office.archive_export(month).unwrap();
        office.file_archive(month, &bytes).unwrap();
    }
    office.close_year(past).unwrap();
    let working = office.working_board(false).unwrap();
    let of_past = all.iter().filter(|b| b.batch.fiscal_year == past).count();
    assert_eq!(working.hidden, of_past);
    assert!(working
        .batches
        .iter()
        .all(|b| b.batch.fiscal_year == this_year));
}
