//! The evidence a reviewer opens (リストの内容): a list whole as stored, paged and searched, and how a
//! production list differs from the target list it is checked against, on a real home.

use kenshin_core::domain::lists::page;
use kenshin_core::domain::{ListKind, ProcessId};
use kenshin_core::exchange::synth::{municipal_csv, subjects};
use kenshin_core::exchange::TextEncoding;
use kenshin_core::{CoreError, Office};

#[test]
fn a_list_opens_whole_with_what_it_adds_and_leaves_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = Office::init(dir.path(), "テスト市", "決裁 太郎").unwrap();
    let batch = office
        .new_batch(
            ProcessId::MonthlyIssuance,
            "令和8年5月 月次発行",
            Some(2026),
        )
        .unwrap();
    let targets = subjects(1, 2026, 5_000, 60_000_001);
    let added = subjects(2, 2026, 2, 70_000_001);
    // Production: the targets but the first three, and two people the target list did not have.
    let production: Vec<_> = targets[3..].iter().chain(&added).cloned().collect();
    let csv = |people: &[_]| municipal_csv(people, TextEncoding::Cp932);
    office
        .import(
            ListKind::Targets,
            &batch.batch_id,
            "targets.csv",
            &csv(&targets),
        )
        .unwrap();
    let imported = office
        .import(
            ListKind::Production,
            &batch.batch_id,
            "production.csv",
            &csv(&production),
        )
        .unwrap();
    let pulled = &production[10].voucher_no;
    let pullouts = format!("受診券整理番号,引抜理由\r\n{pulled},転出\r\n");
    office
        .import(
            ListKind::Pullouts,
            &batch.batch_id,
            "pullouts.csv",
            pullouts.as_bytes(),
        )
        .unwrap();

    let shown = office
        .list_text(&batch.batch_id, &imported.list_id)
        .unwrap();
    assert_eq!(shown.list.list_kind, ListKind::Production);
    let d = shown
        .difference
        .expect("production is compared with the targets");
    assert_eq!((d.against, d.against_rows), (ListKind::Targets, 5_000));
    let numbers = |people: &[kenshin_core::domain::rows::Subject]| -> Vec<String> {
        people.iter().map(|p| p.voucher_no.clone()).collect()
    };
    assert_eq!((d.added, d.added_count), (numbers(&added), 2));
    assert_eq!((d.left_out, d.left_out_count), (numbers(&targets[..3]), 3));
    // Who the pull-out list takes out of it, with the reason.
    assert_eq!(d.pulled_out, vec![(pulled.clone(), "転出".to_string())]);
    assert_eq!(d.pulled_out_count, 1);

    let (fields, total, rows) = page(&shown.text, "", 4_990, 200);
    assert_eq!(
        (fields[0].as_str(), total, rows.len()),
        ("voucher_no", 4_999, 9)
    );
    let someone = &production[1_234];
    let (_, total, rows) = page(&shown.text, &someone.voucher_no, 0, 200);
    assert_eq!(
        (total, rows[0][0].as_str()),
        (1, someone.voucher_no.as_str())
    );

    // The target list is compared with nothing; a list the batch does not hold is refused.
    let lists = office.lists(&batch.batch_id).unwrap();
    let target_list = lists
        .iter()
        .find(|l| l.list_kind == ListKind::Targets)
        .unwrap();
    assert!(office
        .list_text(&batch.batch_id, &target_list.doc_id)
        .unwrap()
        .difference
        .is_none());
    assert!(matches!(
        office.list_text(&batch.batch_id, "no-such-list"),
        Err(CoreError::UnknownList { .. })
    ));
}

#[test]
fn a_list_with_doubts_is_imported_only_once_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = Office::init(dir.path(), "テスト市", "決裁 太郎").unwrap();
    let batch = office
        .new_batch(
            ProcessId::MonthlyIssuance,
            "令和8年6月 月次発行",
            Some(2026),
        )
        .unwrap();
    let csv = municipal_csv(&subjects(3, 2026, 50, 80_000_001), TextEncoding::Cp932);
    let import = |office: &mut Office, confirmed| {
        office.import_confirmed(
            ListKind::Targets,
            &batch.batch_id,
            "targets.csv",
            &csv,
            confirmed,
        )
    };
    import(&mut office, false).expect("the first import has no doubt");
    // The same rows again: refused until confirmed, and nothing is written meanwhile.
    let before = office.lists(&batch.batch_id).unwrap().len();
    assert!(matches!(
        import(&mut office, false),
        Err(CoreError::ImportUnconfirmed { warnings }) if !warnings.is_empty()
    ));
    assert_eq!(office.lists(&batch.batch_id).unwrap().len(), before);
    import(&mut office, true).expect("confirmed");
    assert_eq!(office.lists(&batch.batch_id).unwrap().len(), before + 1);
}

#[test]
fn a_reissue_request_taken_at_the_window_joins_the_request_list() {
    use kenshin_core::domain::register::FieldProblem;
    let dir = tempfile::tempdir().unwrap();
    let mut office = Office::init(dir.path(), "テスト市", "決裁 太郎").unwrap();
    let monthly = office
        .new_batch(
            ProcessId::MonthlyIssuance,
            "令和8年5月 月次発行",
            Some(2026),
        )
        .unwrap();
    let people = subjects(4, 2026, 20, 90_000_001);
    office
        .import(
            ListKind::Production,
            &monthly.batch_id,
            "production.csv",
            &municipal_csv(&people, TextEncoding::Cp932),
        )
        .unwrap();
    let reissue = office
        .new_batch(ProcessId::Reissue, "令和8年7月 再交付", Some(2026))
        .unwrap();
    let (first, second) = (&people[0].voucher_no, &people[1].voucher_no);
    let one = office
        .request_reissue(&reissue.batch_id, first, None, "紛失")
        .unwrap();
    assert_eq!((one.list_kind, one.rows), (ListKind::ReissueRequests, 1));
    let two = office
        .request_reissue(&reissue.batch_id, second, Some("2026-07-01"), "汚損")
        .unwrap();
    assert_eq!(two.rows, 2, "the list is made again with the rows it had");
    let text = office
        .list_text(&reissue.batch_id, &two.list_id)
        .unwrap()
        .text;
    assert!(text.contains(&format!("窓口-20260701-{second}")), "{text}");
    assert!(
        text.contains(&people[0].name) && text.contains("紛失"),
        "{text}"
    );
    // Refused at the field, nothing written: a voucher asked for already, one the register lacks,
    // no reason.
    for (voucher, reason, want) in [
        (first.as_str(), "紛失", "already requested"),
        ("99999999", "紛失", "not in the register"),
        (second.as_str(), " ", "must not be empty"),
    ] {
        let lists = office.lists(&reissue.batch_id).unwrap().len();
        match office.request_reissue(&reissue.batch_id, voucher, None, reason) {
            Err(CoreError::Fields(problems)) => assert!(
                problems
                    .iter()
                    .any(|p: &FieldProblem| p.to_string().contains(want)),
                "{problems:?}"
            ),
            other => panic!("{voucher}: {other:?}"),
        }
        assert_eq!(office.lists(&reissue.batch_id).unwrap().len(), lists);
    }
    // Only a process 3 batch takes requests.
    assert!(matches!(
        office.request_reissue(&monthly.batch_id, first, None, "紛失"),
        Err(CoreError::ListNotForProcess { .. })
    ));
}
