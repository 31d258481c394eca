//! Process 1-2 (monthly new issuance) from step 1 to step 15 through the CLI against a real home,
//! with one send-back at step 5.

mod support;

use support::{step, step_args, Laptop};

#[test]
fn monthly_issuance_runs_end_to_end_with_a_send_back_at_step_5() {
    let l = Laptop::new();
    l.office_with_cast();
    let b = l.new_batch("1-2", "2026-05 月次");
    let rec = |who: &str, verb: &str, no: &str, extra: &[&str]| {
        l.ok(&step_args(who, verb, &b, no, extra))
    };
    let c = "委託 一郎";
    let v = "検認 花子";
    let a = "決裁 太郎";

    rec(c, "do", "1", &["--count", "targets=412"]);
    rec(v, "verify", "2", &[]);
    rec(a, "approve", "3", &[]);
    rec(
        c,
        "do",
        "4",
        &["--count", "production=412", "--count", "pulled_out=7"],
    );

    // The verifier finds the count list wrong and sends step 4 back.
    rec(
        v,
        "verify",
        "5",
        &["--send-back", "件数リストの合計が不一致"],
    );
    let board = l.board(&b);
    assert_eq!(step(&board, 4)["status"], "sent_back");
    assert_eq!(
        step(&board, 4)["decisive"]["send_back"],
        "件数リストの合計が不一致"
    );
    assert_eq!(step(&board, 5)["status"], "blocked");
    assert_eq!(step(&board, 5)["waiting"][0]["sent_back"], true);
    // Nothing after the send-back can go ahead.
    l.refused(&step_args(a, "approve", &b, "6", &[]));

    let redo = [
        "--count",
        "production=412",
        "--count",
        "pulled_out=7",
        "--note",
        "件数リスト再作成",
    ];
    rec(c, "do", "4", &redo);
    rec(v, "verify", "5", &[]);
    rec(a, "approve", "6", &[]);
    rec(
        "委託 二郎",
        "do",
        "7",
        &["--count", "pulled_out=7", "--count", "blank=2"],
    );
    rec(v, "verify", "8", &[]);
    rec(c, "do", "9", &["--count", "envelopes=405"]);
    rec(v, "verify", "10", &[]);
    rec(c, "do", "11", &["--count", "sent=405"]);
    rec(c, "do", "12", &[]);
    rec(c, "do", "13", &["--count", "returned=3"]);
    rec(v, "verify", "14", &[]);
    let recorded = rec(c, "do", "15", &["--count", "calls=2", "--json"]);
    let recorded: serde_json::Value = serde_json::from_str(&recorded).unwrap();

    let board = l.board(&b);
    let statuses: Vec<&str> = board["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "done", "verified", "approved", "done", "verified", "approved", "done", "verified",
            "done", "verified", "done", "done", "done", "verified", "done"
        ]
    );
    // The send-back stays in the history, with its reason, beside the redo and the final verify.
    let history_5 = step(&board, 5)["history"].as_array().unwrap();
    assert_eq!(history_5.len(), 2);
    assert_eq!(history_5[0]["send_back"], "件数リストの合計が不一致");
    assert_eq!(history_5[0]["by_name"], v);
    assert!(history_5[1]["send_back"].is_null());
    let history_4 = step(&board, 4)["history"].as_array().unwrap();
    assert_eq!(history_4.len(), 2);
    assert_eq!(step(&board, 4)["decisive"]["note"], "件数リスト再作成");
    assert_eq!(step(&board, 9)["decisive"]["counts"]["envelopes"], 405);
    assert_eq!(step(&board, 7)["decisive"]["by_name"], "委託 二郎");
    // What a command reports is what the board then shows.
    assert_eq!(step(&board, 15)["decisive"], recorded);

    // Projections are derived: rebuilding them from the documents gives the same board.
    let before = l.json(&["board"]);
    l.ok(&["projections", "rebuild"]);
    assert_eq!(l.json(&["board"]), before);

    // The human board shows the same, in Japanese by default and in English on request.
    let text = l.ok(&["board", "--batch", &b]);
    assert!(
        text.contains("検認済") && text.contains("決裁済") && text.contains("envelopes=405"),
        "{text}"
    );
    let text_en = l.ok(&["board", "--batch", "2026-05 月次", "--lang", "en"]);
    assert!(text_en.contains("verified"), "{text_en}");
}

#[test]
fn the_board_lists_every_batch_and_blocked_steps_say_what_they_wait_for() {
    let l = Laptop::new();
    l.office_with_cast();
    let b1 = l.new_batch("1-2", "2026-05 月次");
    let b2 = l.new_batch("2", "2027 4~5月 75歳到達");
    l.ok(&[
        "--as",
        "委託 一郎",
        "step",
        "do",
        "--batch",
        &b2,
        "--step",
        "1",
    ]);
    let board = l.json(&["board"]);
    let ids: Vec<&str> = board
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["batch_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [b1.as_str(), b2.as_str()]);
    assert_eq!(board[1]["steps"].as_array().unwrap().len(), 16);
    let s3 = step(&board[1], 3);
    assert_eq!(s3["status"], "blocked");
    assert_eq!(s3["waiting"][0]["step"], 2);
    assert_eq!(s3["waiting"][0]["needs"], "verify");
    assert_eq!(step(&board[1], 2)["status"], "awaiting_verify");
    let text = l.ok(&["board", "--batch", &b2]);
    assert!(text.contains("工程2の検認待ち"), "{text}");
}
