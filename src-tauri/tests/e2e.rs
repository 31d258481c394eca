//! The real app window under Xvfb, driven through tauri-driver and WebKitWebDriver (W3C WebDriver over
//! HTTP): a contractor records a step, a section member verifies it and an approver approves it from the
//! inbox, the board shows it, a refused action shows its message, the register shows Japanese text,
//! an import is checked before it is written, and the month's archive is exported and checked. A home
//! protected by a passphrase opens only from the window's unlock form. Two windows on two homes sync
//! through the engines inside the apps: a contractor works offline, resumes, and the section's inbox
//! and the contractor's board follow without a reload. An approver deletes the rows of persons who
//! left the insurer from the 保存期間 table.
//! Screenshots go to `test-artifacts/e2e/`.

mod webdriver;

use kenshin_core::domain::register::VoucherStatus;
use kenshin_core::domain::ProcessId;
use kenshin_core::sync::{save_settings, SyncSettings};
use serde_json::json;
use webdriver::{screenshot, Window, PIN};

/// The words of Latin letters the window shows (text, placeholders and the choices of its lists),
/// for the Japanese-only check.
const ENGLISH_SHOWN: &str = "const words = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || el.closest('script,style') || el.getClientRects().length === 0) continue;
    for (const w of walker.currentNode.textContent.match(/[A-Za-z][A-Za-z_=]{2,}/g) ?? []) words.add(w);
  }
  for (const el of document.querySelectorAll('input[placeholder]')) {
    for (const w of el.placeholder.match(/[A-Za-z][A-Za-z_=]{2,}/g) ?? []) words.add(w);
  }
  for (const el of document.querySelectorAll('select option')) {
    for (const w of el.textContent.match(/[A-Za-z][A-Za-z_=]{2,}/g) ?? []) words.add(w);
  }
  return [...words];";

/// The member ids of `names` in the office.
fn ids_of<const N: usize>(office: &mut kenshin_core::Office, names: [&str; N]) -> [String; N] {
    let members = office.members().expect("members");
    names.map(|name| {
        members
            .iter()
            .find(|m| m.member.name == name)
            .map(|m| m.member.id.clone())
            .expect("member")
    })
}

/// One test at a time: two apps under Xvfb at once would share two cores.
static ONE_WINDOW: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The app's engine on `home` listens on loopback only, without LAN discovery, and dials `peers`.
fn loopback_sync(home: &std::path::Path, listen: &str, peers: &[&str]) {
    save_settings(
        home,
        &SyncSettings {
            listen: listen.into(),
            lan: false,
            paused: false,
            peers: peers.iter().map(|p| p.to_string()).collect(),
        },
    )
    .expect("sync settings");
}

#[test]
fn a_step_goes_from_contractor_to_approval_through_the_window() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let home = tempfile::tempdir().expect("home");
    let mut office = kenshin_core::create_demo(home.path(), 0).expect("demo office");
    office
        .new_batch(ProcessId::MonthlyIssuance, "E2E 月次", Some(2026))
        .expect("batch");
    office
        .new_batch(ProcessId::Reissue, "E2E 再交付", None)
        .expect("a reissue batch");
    let [contractor, verifier, approver] =
        ids_of(&mut office, ["委託 一郎", "検認 花子", "決裁 太郎"]);
    // A voucher the demo's May batch mailed, for a returned envelope.
    let mailed = office
        .register_page("", 0, 1_000)
        .expect("the register")
        .hits
        .into_iter()
        .find(|e| e.status == VoucherStatus::Sent && e.batch_label.ends_with("-05 月次"))
        .map(|e| e.subject.voucher_no)
        .expect("a mailed voucher");
    drop(office);
    loopback_sync(home.path(), "127.0.0.1:0", &[]);

    let (d, window) = Window::open(home.path());
    let display = d.display.clone();
    // The home's member chooses a PIN before anything else.
    d.sign_in(PIN);
    d.wait("body[data-ready=board]");
    eprintln!("first board after {:?}", window.launched.elapsed());
    screenshot(&display, "01-board");

    // A contractor records step 1 of the new batch from the board.
    d.act_as(&contractor);
    let cell = "tr[data-batch='E2E 月次'] .step[data-step='1']";
    assert_eq!(
        d.script(
            &format!("return document.querySelector(\"{cell}\").dataset.status"),
            json!([])
        ),
        "open"
    );
    d.click(cell);
    // A count that cannot be read is said at the field, and nothing is recorded.
    d.type_into("#step-detail input[name=counts]", "対象者数=たくさん");
    d.click("#step-detail button[data-action=do]"); // refused before any confirmation
    d.until("the count refused at its field", || {
        d.text("#step-detail .field-error[data-field=counts]")
            .contains("件数が読めません")
    });
    d.type_into("#step-detail input[name=counts]", "対象者数=１２");
    sign(&d, "#step-detail button[data-action=do]");
    let said = d.message();
    assert!(
        said.contains("記録しました") && said.contains("委託 一郎"),
        "{said}"
    );
    d.wait("tr[data-batch='E2E 月次'] .step[data-step='2'][data-status=awaiting_verify]");

    // 取下げ: before anyone verifies it, the contractor takes the entry back (confirmed like every
    // signature); the step is open again with both entries in its history, and is done again.
    d.click(cell);
    d.click("#step-detail button[data-action=withdraw]");
    d.wait("[data-action=confirm-sign]");
    assert!(d.text(".confirm-sign").contains("取下げ"));
    d.click("[data-action=confirm-sign]");
    d.wait(&format!("{cell}[data-status=open]"));
    d.click(cell);
    assert!(d
        .text("#step-detail table.history")
        .contains("実施（取下げ）"));
    screenshot(&display, "02a-withdrawn");
    d.type_into("#step-detail input[name=counts]", "対象者数=12");
    sign(&d, "#step-detail button[data-action=do]");
    d.wait("tr[data-batch='E2E 月次'] .step[data-step='2'][data-status=awaiting_verify]");

    // A refused action shows its reason: step 4 of the June batch with a count the lists contradict.
    d.click("tr[data-batch$='-06 月次'] .step[data-step='4']");
    d.type_into("#step-detail input[name=counts]", "production=1");
    sign(&d, "#step-detail button[data-action=do]");
    let said = d.message();
    assert!(
        said.contains("本番件数が1と入力されましたが、本番リストでは48です"),
        "{said}"
    );
    screenshot(&display, "02-refused");

    // The section member verifies it from the inbox, with the evidence shown.
    d.act_as(&verifier);
    d.screen("inbox");
    let item = "li[data-batch='E2E 月次'][data-step='2']";
    assert!(d.text(item).contains("対象者数 12"), "{}", d.text(item));
    screenshot(&display, "03-inbox");
    // A workflow rule the core refuses on reaches the window in Japanese: a send-back without a reason.
    sign(&d, &format!("{item} button[data-action=send-back]"));
    assert_eq!(d.message(), "できません: 差戻しには理由を入力してください");
    d.script(
        "document.getElementById('message').replaceChildren()",
        json!([]),
    );
    // The confirmation states who signs what, the counts and the lists; Escape goes back unsigned.
    d.click(&format!("{item} button[data-action=verify]"));
    let shown = d.wait_text(".confirm-sign");
    assert!(
        shown.contains("検認 花子") && shown.contains("対象者数 12") && shown.contains("工程"),
        "{shown}"
    );
    screenshot(&display, "03b-confirm-sign");
    d.script(
        "document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))",
        json!([]),
    );
    d.until("the confirmation closed, nothing signed", || {
        d.find(".confirm-sign").is_none()
    });
    assert!(d
        .find(&format!("{item} button[data-action=verify]"))
        .is_some());
    sign(&d, &format!("{item} button[data-action=verify]"));
    assert!(d.message().contains("記録しました"));
    // The signed item stays where it was, marked, with nothing left to click: the rows below it
    // do not move up under the pointer.
    d.wait(&format!("{item}.signed"));
    assert!(d.find(&format!("{item} button")).is_none());

    // The approver approves it from the inbox; the board shows both.
    d.act_as(&approver);
    d.screen("inbox");
    // The approver's card shows the verify it rests on and the work under it, with its counts.
    let card = d.text("li[data-batch='E2E 月次'][data-step='3']");
    assert!(
        card.contains("検認 花子") && card.contains("対象者数 12"),
        "{card}"
    );
    sign(
        &d,
        "li[data-batch='E2E 月次'][data-step='3'] button[data-action=approve]",
    );
    assert!(d.message().contains("決裁 太郎"));
    d.screen("board");
    d.wait("tr[data-batch='E2E 月次'] .step[data-step='2'][data-status=verified]");
    d.wait("tr[data-batch='E2E 月次'] .step[data-step='3'][data-status=approved]");
    d.wait("tr[data-batch='E2E 月次'] .step[data-step='4'][data-status=open]");
    screenshot(&display, "04-board-approved");

    // A send-back is said where the work is: its reason, who and when, on the step to redo.
    d.act_as(&verifier);
    d.screen("inbox");
    let checked = "li[data-batch$='75歳到達'][data-step='2']";
    d.type_into(
        &format!("{checked} input[name=reason]"),
        "対象者数を数え直してください",
    );
    sign(&d, &format!("{checked} button[data-action=send-back]"));
    assert!(d.message().contains("記録しました"));
    d.act_as(&contractor);
    d.screen("inbox");
    let said = d.wait_text("li[data-batch$='75歳到達'][data-step='1'] .sent-back");
    assert!(
        said.contains("対象者数を数え直してください") && said.contains("検認 花子"),
        "{said}"
    );
    screenshot(&display, "04b-sent-back");

    // The inquiry desk, seen once: kept while nothing it read changes.
    d.screen("inquiry");

    // The register searches kana in half width and shows the voucher in Japanese.
    d.screen("register");
    d.type_into("input[name=query]", "ﾔﾏ");
    let first_row = "return document.querySelector('.vrow[data-voucher]')?.textContent ?? ''";
    d.until("a kana search result", || {
        let row = d.script(first_row, json!([]));
        row.as_str().is_some_and(|r| r.contains("ヤマ"))
    });
    let count = d.text(".searchbar .count");
    assert!(count.ends_with("件"), "{count}");
    // A row chosen stays marked; its detail gives the birth in 和暦 (西暦 on hover), the age at the
    // fiscal year's end, and what can be done with the voucher.
    d.click(".vrow[data-voucher]");
    let chosen = d.script(
        "return document.querySelector('.vrow.selected')?.dataset.voucher ?? ''",
        json!([]),
    );
    let chosen = chosen.as_str().expect("a chosen row").to_string();
    assert!(!chosen.is_empty());
    let detail = d.wait_text(".history-panel h3");
    assert!(detail.starts_with(&chosen), "{detail}");
    let birth = d.text(".history-panel p span[title]");
    assert!(
        ["昭和", "平成"].iter().any(|e| birth.starts_with(e)) && birth.ends_with('日'),
        "{birth}"
    );
    assert!(d.text(".history-panel p").contains("歳（年度末）"));
    screenshot(&display, "05-register");
    // Back from another screen, with nothing it read changed, the register is as the clerk left it:
    // their search and the chosen row.
    d.screen("board");
    d.screen("register");
    assert_eq!(
        d.script(
            "return [document.querySelector('input[name=query]').value,
                     document.querySelector('.vrow.selected')?.dataset.voucher]",
            json!([])
        ),
        json!(["ﾔﾏ", chosen])
    );
    // A reissue asked for at the window joins the request list of a reissue batch.
    d.script(
        "const s = document.querySelector('select[name=reissue-batch]');
         s.value = [...s.options].find(o => o.textContent === 'E2E 再交付').value;",
        json!([]),
    );
    d.click("button[data-action=request-reissue]");
    d.until("the request recorded", || {
        let m = d.message();
        m.contains("再交付申請") && m.contains(&chosen) && m.contains("E2E 再交付")
    });
    d.script("document.body.dataset.ready = '';", json!([]));
    d.click("button[data-action=voucher-inquiry]");
    d.wait("body[data-ready=inquiry]");
    // The kept inquiry desk is drawn again for the voucher the register hands it.
    d.until("the inquiry desk on the chosen voucher", || {
        d.script(
            "return document.querySelector('form.inquiry input[name=voucher]').value",
            json!([]),
        ) == json!(chosen)
    });

    // An import is checked before anything is written: every problem with its line and column.
    d.screen("imports");
    let bad = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/bad_production_cp932.csv");
    d.choose_file("path", &bad);
    d.click("button[data-action=check]");
    d.wait(".problems li");
    let problems = d.text(".problems");
    assert!(
        problems.contains("2:4: 生年月日「R8.13.1」: 存在しない日付です"),
        "{problems}"
    );
    screenshot(&display, "06-import-problems");
    // A good CP932 file into the new batch: no problems, and its first rows as they will be stored.
    d.script(
        "const s = document.querySelector('select[name=batch]');
         s.value = [...s.options].find(o => o.text.endsWith('E2E 月次')).value;
         document.querySelector('select[name=kind]').value = 'production';",
        json!([]),
    );
    let good = bad.with_file_name("production_cp932.csv");
    d.choose_file("path", &good);
    // The chosen file by its name (WebDriver reads text in a clipped box as empty: read the DOM).
    let shown = d.script(
        "return document.querySelector('[data-file=path]').textContent",
        json!([]),
    );
    assert_eq!(shown, json!("production_cp932.csv"));
    d.click("button[data-action=check]");
    d.wait("table.sample");
    let sample = d.text("table.sample");
    assert!(
        sample.contains("髙橋 﨑子") && sample.contains("タカハシ サキコ"),
        "{sample}"
    );
    assert!(d.text(".preview p.ok").contains("12"));
    screenshot(&display, "07-import-preview");
    d.click("button[data-action=import]");
    assert!(d.message().contains("取り込みました"));
    // The same file again is asked about, with its numbers, and refused until the clerk ticks the box.
    d.click("button[data-action=check]");
    let warned = d.wait_text("[data-warning=same_rows]");
    assert!(warned.contains("同じ内容の本番リスト（12件"), "{warned}");
    screenshot(&display, "07b-import-same-rows");
    d.script(
        "document.querySelector('#message').textContent = ''",
        json!([]),
    );
    d.click("button[data-action=import]");
    assert!(d.message().contains("確認が必要です"));

    // The month's archive (事跡) from the window, then checked there and from the file alone.
    d.screen("archive");
    let out = tempfile::tempdir().expect("out dir");
    let zip = out.path().join("事跡.zip");
    // This month in Japan's time, where the demo's records are.
    d.script(
        "document.querySelector('select[name=month]').value =
           new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 7);",
        json!([]),
    );
    d.choose_file("archive-out", &zip);
    // This month is not over: the window says so and writes nothing until the clerk confirms.
    d.click("button[data-action=archive-export]");
    assert!(d
        .wait_text("[data-doubt=month_open]")
        .contains("この月はまだ終わっていません"));
    assert!(!zip.exists(), "nothing written before the clerk confirms");
    screenshot(&display, "08a-archive-doubts");
    d.click("input[name=confirm-archive]");
    d.click("button[data-action=archive-export]");
    let said = d.message();
    assert!(said.contains("事跡を保存しました"), "{said}");
    d.choose_file("archive-file", &zip);
    d.click("button[data-action=archive-verify]");
    d.wait("[data-verdict=ok]");
    screenshot(&display, "08-archive");
    let bytes = std::fs::read(&zip).expect("the archive was written");
    let check = kenshin_core::verify_archive("事跡.zip", &bytes, |_| Ok(None)).expect("an archive");
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    // Sealed for carrying: the file is an AES zip, and the window checks it with the passphrase.
    let sealed = out.path().join("事跡-sealed.zip");
    d.choose_file("archive-out", &sealed);
    // The passphrase is typed twice; two that differ are said at the field, and nothing is written.
    d.type_into("input[name=archive-seal]", "秋の事跡 2026");
    d.type_into("input[name=archive-seal-again]", "秋の事跡 2062");
    d.click("button[data-action=archive-export]");
    d.until("the passphrases differ", || {
        d.text(".field-error").contains("一致しません")
    });
    assert!(!sealed.exists());
    d.type_into("input[name=archive-seal-again]", "秋の事跡 2026");
    d.click("button[data-action=archive-export]");
    d.wait("[data-doubt=month_open]");
    d.click("input[name=confirm-archive]");
    d.click("button[data-action=archive-export]");
    d.until("the sealed archive", || sealed.exists());
    let bytes = std::fs::read(&sealed).expect("the sealed archive");
    assert!(kenshin_core::exchange::is_sealed(&bytes));
    d.choose_file("archive-file", &sealed);
    d.script(
        "document.querySelector('.verdict').replaceChildren()",
        json!([]),
    );
    d.click("button[data-action=archive-verify]");
    d.until("the passphrase asked for", || {
        d.text("#message").contains("暗号化されています")
    });
    d.type_into("input[name=archive-unseal]", "秋の事跡 2026");
    d.click("button[data-action=archive-verify]");
    d.wait("[data-verdict=ok]");
    assert!(check.signoffs > 20, "{check:?}");
    // 年度締め, asked twice: the contractor acting here may not close a year, and the window says
    // so in the office's words; nothing is closed.
    d.script(
        "document.querySelector('#message').replaceChildren()",
        json!([]),
    );
    d.click("button[data-action=close-year]");
    d.click("button[data-action=confirm-close-year]");
    let said = d.message();
    assert!(said.contains("年度締めはできません"), "{said}");
    assert!(d
        .text(".closed-years")
        .contains("締めた年度はまだありません"));
    screenshot(&display, "08b-year-close-refused");
    // 保存期間: this year's records are kept, until 31 March five years after the next.
    let kept = d.text(".retention");
    assert!(
        kept.contains("保存中") && kept.contains("令和8年度") && kept.contains("資格喪失者"),
        "{kept}"
    );
    // The reissued vouchers as a PDF to print.
    let pdf = out.path().join("reissues.pdf");
    d.script(
        "const s = document.querySelector('select[name=print-batch]');
         s.value = [...s.options].find(o => o.dataset.process === '3').value;",
        json!([]),
    );
    d.choose_file("print-out", &pdf);
    // The PDF is saved only after its preview: what goes on paper, and how many sheets.
    assert!(d.find("button[data-action=print]:disabled").is_some());
    d.click("button[data-action=print-preview]");
    d.wait(".print-preview [data-sheets]");
    screenshot(&display, "08b-print-preview");
    // Not before the section has verified recipients and count (step 6): the core refuses, nothing
    // is written.
    let clear = "document.getElementById('message').replaceChildren()";
    d.script(clear, json!([]));
    d.click("button[data-action=print]");
    assert!(d.message().contains("工程6（検認）の後に印刷します"));
    assert!(!pdf.exists());
    d.act_as(&verifier);
    d.screen("inbox");
    // The verifier opens the evidence: the list's rows as stored, searchable, by their Japanese names.
    let reissue = "li[data-batch='2026-07 再発行'][data-step='6']";
    d.click(&format!(
        "{reissue} button[data-open-list=reissue_requests]"
    ));
    d.wait(".list-view .lrow[data-row='0']");
    let head = d.script(
        "return document.querySelector('.list-view .lrow.head').textContent",
        json!([]),
    );
    assert!(
        head.as_str().is_some_and(|h| h.contains("受診券整理番号")),
        "{head}"
    );
    screenshot(&display, "08c-list-view");
    let first = d.script(
        "return document.querySelector(\".list-view .lrow[data-row='0'] span\").textContent",
        json!([]),
    );
    d.type_into("input[name=list-search]", first.as_str().expect("a cell"));
    d.until("the search found the row", || {
        d.text(".list-found").starts_with("1")
    });
    d.script(
        "document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))",
        json!([]),
    );
    d.until("the list closed", || d.find(".list-view").is_none());
    sign(&d, &format!("{reissue} button[data-action=verify]"));
    assert!(d.message().contains("記録しました"));
    d.screen("archive");
    d.script(
        "const s = document.querySelector('select[name=print-batch]');
         s.value = [...s.options].find(o => o.dataset.process === '3').value;",
        json!([]),
    );
    d.choose_file("print-out", &pdf);
    d.click("button[data-action=print-preview]");
    d.wait(".print-preview [data-sheets]");
    d.script(clear, json!([]));
    d.click("button[data-action=print]");
    assert!(d.message().contains("保存しました"));
    assert!(std::fs::read(&pdf).expect("the PDF").starts_with(b"%PDF"));
    // An issuing batch prints the standard voucher, as cards here, after its preview.
    let cards = out.path().join("cards.pdf");
    d.script(
        "const s = document.querySelector('select[name=print-batch]');
         s.value = [...s.options].find(o => o.dataset.process === '1-2').value;
         s.dispatchEvent(new Event('change'));
         document.querySelector('select[name=print-layout]').value = 'card';",
        json!([]),
    );
    d.choose_file("print-out", &cards);
    d.click("button[data-action=print-preview]");
    let preview = d.wait_text(".print-preview [data-sheets]");
    assert!(preview.starts_with("受診券 印刷分:"), "{preview}");
    screenshot(&display, "08d-voucher-preview");
    d.script(clear, json!([]));
    d.click("button[data-action=print]");
    assert!(d.message().contains("保存しました"), "{}", d.message());
    assert!(std::fs::read(&cards).expect("the PDF").starts_with(b"%PDF"));

    // A batch made from the window: the label proposed in the office's words, a second batch of the
    // same process and month warned about, and nothing made until the clerk says so.
    // The demo's batches are this fiscal year's.
    let fy = kenshin_core::domain::fiscal_year(chrono::Local::now().date_naive());
    let (may, august) = (format!("{fy}-05"), format!("{fy}-08"));
    // 令和8年8月: a month as the office writes it.
    let era = |m: &str| {
        let month: kenshin_core::domain::dates::Month = m.parse().expect("a month");
        kenshin_core::domain::dates::era_month(month.first_day())
    };
    let monthly = |m: &str| format!("{} 月次発行", era(m));
    let (made, again) = (monthly(&august), format!("{} （追加）", monthly(&august)));
    d.screen("board");
    d.click("button[data-action=new-batch]");
    let month = |m: &str| {
        d.script(
            "const i = document.querySelector('form.new-batch select[name=month]');
             i.value = arguments[0]; i.dispatchEvent(new Event('change'));",
            json!([m]),
        );
    };
    let label_is = |want: &str| {
        d.until(want, || {
            d.script(
                "return document.querySelector('form.new-batch input[name=label]').value",
                json!([]),
            ) == want
        })
    };
    // The demo's 「YYYY-05 月次」 is May's already.
    month(&may);
    label_is(&monthly(&may));
    d.wait("form.new-batch [data-warning=same_month]");
    month(&august);
    label_is(&made);
    d.until("no warning for August", || {
        d.find("form.new-batch [data-warning]").is_none()
    });
    d.click("button[data-action=make-batch]");
    assert!(d.message().contains("バッチを作成しました"));
    d.wait(&format!("tr[data-batch='{made}']"));
    d.click("button[data-action=new-batch]");
    month(&august);
    d.wait("form.new-batch [data-warning=same_label]");
    d.type_into("form.new-batch input[name=label]", &again);
    d.wait("form.new-batch [data-warning=same_month]");
    screenshot(&display, "new-batch-same-month");
    d.click("button[data-action=make-batch]");
    assert!(d
        .wait_text("form.new-batch .field-error")
        .contains("チェックを入れてください"));
    assert!(d.find(&format!("tr[data-batch='{again}']")).is_none());
    d.type_into("form.new-batch input[name=label]", " ");
    d.click("button[data-action=make-batch]");
    d.until("the empty label refused at the field", || {
        d.text("form.new-batch .field-error") == "名称を入力してください"
    });
    d.type_into("form.new-batch input[name=label]", &again);
    d.click("form.new-batch input[name=confirm]");
    d.click("button[data-action=make-batch]");
    d.wait(&format!("tr[data-batch='{again}']"));

    // The inquiry desk: bad input is said at its field in Japanese and nothing is logged; a call is
    // logged with its day, and with several batches taking calls the clerk chooses one.
    d.screen("inquiry");
    assert!(d.text("form.inquiry .counts-toward").contains("問合せ"));
    d.type_into("form.inquiry input[name=voucher]", "12x4");
    d.type_into("form.inquiry input[name=on]", "2999-01-01");
    d.click("form.inquiry button[type=submit]");
    assert_eq!(
        d.wait_text(".field-error[data-field=voucher]"),
        "受診券整理番号は4〜16桁の数字です"
    );
    assert_eq!(
        d.text(".field-error[data-field=from]"),
        "問合せ元を入力してください"
    );
    assert!(d
        .text(".field-error[data-field=on]")
        .contains("2999-01-01）が今日より後です"));
    assert!(d.find("ul.logged li").is_none());
    // The answer to read out, as soon as the number is typed: valid, the self-pay, the
    // 契約とりまとめ機関 and the current sheet, from the office's insurer settings.
    let today = chrono::Local::now().date_naive();
    d.type_into("form.inquiry input[name=on]", &today.to_string());
    d.type_into("form.inquiry input[name=voucher]", "20000004");
    d.until("the answer to read out", || {
        d.text("form.inquiry .check-answer").starts_with("有効（")
    });
    let answer = d.text("form.inquiry .check-answer");
    assert!(
        answer.contains("自己負担 基本:無料") && answer.contains("契約とりまとめ機関 集合B"),
        "{answer}"
    );
    screenshot(&display, "inquiry-answer");
    d.type_into("form.inquiry input[name=voucher]", "39999999");
    d.until("a number not in the register", || {
        d.text("form.inquiry .check-answer") == "対象外（受診券リストにありません）"
    });
    let yesterday = today - chrono::Duration::days(1);
    let log_call = |voucher: &str, answer: &str| {
        d.type_into("form.inquiry input[name=voucher]", voucher);
        d.type_into("form.inquiry input[name=from]", "城南クリニック");
        d.click("form.inquiry input[name=verdict][value='無効']");
        d.type_into("form.inquiry input[name=answer]", answer);
        d.type_into(
            "form.inquiry input[name=on]",
            &kenshin_core::domain::dates::era_long(yesterday),
        );
        d.click("form.inquiry button[type=submit]");
    };
    log_call("20000001", "資格喪失");
    let logged = d.wait_text("ul.logged li");
    assert!(
        logged.starts_with(&yesterday.to_string())
            && logged.ends_with("城南クリニック: 無効：資格喪失"),
        "{logged}"
    );
    assert_eq!(d.text(".field-error[data-field=on]"), "");
    screenshot(&display, "inquiry-desk");
    // A second batch taking calls, made from the board: now the desk asks which one.
    d.screen("board");
    d.click("button[data-action=new-batch]");
    d.script(
        "const p = document.querySelector('form.new-batch select[name=process]');
         p.value = '4'; p.dispatchEvent(new Event('change'));",
        json!([]),
    );
    month(&august);
    let calls = format!("{} 問合せ", era(&august));
    label_is(&calls);
    d.click("button[data-action=make-batch]");
    d.wait(&format!("tr[data-batch='{calls}']"));
    d.screen("inquiry");
    log_call("20000002", "転居");
    assert_eq!(
        d.wait_text(".field-error[data-field=batch]"),
        "問合せを計上するバッチを選んでください"
    );
    d.script(
        "const b = document.querySelector('form.inquiry select[name=batch]');
         b.value = [...b.options].find(o => o.text === arguments[0]).value;",
        json!([calls]),
    );
    d.click("form.inquiry button[type=submit]");
    assert!(d.message().contains(&calls));

    // Returned mail at the May batch's data update step: the running count beside it, a voucher the
    // batch did not mail said at the field, a return recorded and counted.
    d.screen("board");
    d.click(&format!(
        "tr[data-batch='{fy}-05 月次'] .step[data-step='13']"
    ));
    let count = |d: &webdriver::Driver| -> usize {
        d.wait_text("form.returns .returned-count")
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .expect("a count")
    };
    let before = count(&d);
    d.type_into("form.returns input[name=return-voucher]", "99999999");
    d.click("button[data-action=record-return]");
    assert_eq!(
        d.wait_text("form.returns .field-error[data-field=voucher]"),
        "99999999 はこのバッチで発送していません"
    );
    d.type_into("form.returns input[name=return-voucher]", &mailed);
    d.script(
        "document.querySelector('form.returns select[name=return-reason]').value = '転居先不明'",
        json!([]),
    );
    d.click("button[data-action=record-return]");
    d.until("the return counted", || count(&d) == before + 1);
    assert!(d.message().contains(&format!("返戻 {mailed}")));
    assert_eq!(d.text("form.returns .field-error[data-field=voucher]"), "");
    screenshot(&display, "returned-mail");

    // Every screen on a laptop's screen: the tabs on one row, nothing wider than the window.
    for (w, h) in [(1024, 768), (1366, 768)] {
        d.resize(w, h);
        for screen in [
            "board", "inbox", "register", "inquiry", "imports", "archive", "sync",
        ] {
            d.screen(screen);
            let fits = d.script(
                "const tabs = [...document.querySelectorAll('nav button')].map(b => b.offsetTop);
                 return [new Set(tabs).size, document.documentElement.scrollWidth, window.innerWidth];",
                json!([]),
            );
            assert!(
                fits[0] == 1 && fits[1].as_i64() <= fits[2].as_i64(),
                "{screen} at {w}x{h}: tab rows, page width, window width = {fits}"
            );
            // The screen drawn (a screenshot is of what X shows, a paint later than the DOM).
            d.wait("main#screen > *");
            std::thread::sleep(std::time::Duration::from_millis(300));
            screenshot(&display, &format!("{w}x{h}-{screen}"));
            // Japanese only: no word of English shown but the app's name, the language
            // switch and the names an office uses as they are.
            let english = d.script(ENGLISH_SHOWN, json!([]));
            let english: Vec<&str> = english
                .as_array()
                .expect("words")
                .iter()
                .filter_map(|w| w.as_str())
                .filter(|w| {
                    ![
                        "Kenshin",
                        "English",
                        "PDF",
                        "CSV",
                        "ZIP",
                        "LAN",
                        "mDNS",
                        "Excel",
                        "XLSX",
                        "Shift_JIS",
                        "UTF",
                    ]
                    .contains(w)
                })
                .collect();
            assert!(english.is_empty(), "{screen} shows English: {english:?}");
        }
    }

    // English on request, keeping what is typed in the screen's forms.
    d.screen("sync");
    d.type_into("input[name=peer]", "課の端末:7787");
    d.click("header button.lang");
    d.wait("nav button[data-screen=board]");
    assert_eq!(d.text("nav button[data-screen=board]"), "Board");
    let kept = d.script(
        "return document.querySelector('input[name=peer]').value",
        json!([]),
    );
    assert_eq!(kept, json!("課の端末:7787"));

    d.call("DELETE", "", json!({}));
}

#[test]
fn a_protected_home_opens_only_with_its_passphrase() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    assert!(std::env::var_os(kenshin_core::PASSPHRASE_ENV).is_none());
    let home = tempfile::tempdir().expect("home");
    drop(kenshin_core::create_demo(home.path(), 0).expect("demo office"));
    // A document's text that is markup is shown as text, never run.
    const MARKUP: &str = "<img src=x onerror=document.title=1>";
    kenshin_core::Office::open(home.path(), None)
        .and_then(|mut o| o.new_batch(ProcessId::Encouragement, MARKUP, None))
        .expect("a batch labelled with markup");
    loopback_sync(home.path(), "127.0.0.1:0", &[]);
    kenshin_core::set_passphrase(home.path(), "春の健診 2026").expect("passphrase");

    let bus = webdriver::SessionBus::start();
    let (d, _window) = Window::open_with(
        home.path(),
        &[("DBUS_SESSION_BUS_ADDRESS", bus.address.as_str())],
    );
    d.wait("body[data-ready=unlock]");
    assert!(d.text("#unlock").contains("パスフレーズで保護されています"));
    d.type_into("#unlock input[name=passphrase]", "春の健診 2025");
    d.click("#unlock button[type=submit]");
    d.until("the wrong passphrase refused", || {
        d.text("#message").contains("パスフレーズが違います")
    });
    screenshot(&d.display, "09-unlock");
    d.type_into("#unlock input[name=passphrase]", "春の健診 2026");
    d.click("#unlock button[type=submit]");
    d.sign_in(PIN);
    d.wait("body[data-ready=board]");
    assert!(d.text("header h1").contains("デモ市"));
    assert!(d.text("table").contains(MARKUP));
    // The shell is hardened: no image made from the label, no eval under the content security
    // policy, and no Tauri API on `window`.
    let hardened = d.script(
        "let evals = true;
         try { new Function('return 1')(); } catch (e) { evals = false; }
         return [document.querySelectorAll('img').length, document.title, evals, typeof window.__TAURI__];",
        json!([]),
    );
    assert_eq!(
        hardened,
        json!([0, "Kenshin 特定健診受診券", false, "undefined"])
    );
    // The desktop's screen lock locks the window at once.
    bus.screen_locked();
    d.wait(".overlay.lock form[data-form=sign-in]");
    d.sign_in(PIN);
    d.wait("body[data-ready=board]");
    // The page has no dialog of its own, and a command given a path the page typed reads nothing:
    // files come only from the dialogs the shell opens.
    let typed = d.script(
        "const call = (cmd, args) => window.__TAURI_INTERNALS__.invoke(cmd, args)
           .then(() => 'done', (e) => typeof e === 'string' ? e : (e.code ?? JSON.stringify(e)));
         return Promise.all([
           call('plugin:dialog|open', { options: {} }),
           call('preview_import', { kind: 'targets', batch: 'x', file: '/etc/passwd' }),
         ]);",
        json!([]),
    );
    let typed: Vec<String> = serde_json::from_value(typed).expect("two answers");
    assert!(typed[0].contains("not allowed"), "{typed:?}");
    assert_eq!(typed[1], "file.not_chosen");
    d.call("DELETE", "", json!({}));
}

#[test]
fn a_member_signs_in_with_their_pin_and_an_idle_window_locks() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let home = tempfile::tempdir().expect("home");
    let mut office = kenshin_core::create_demo(home.path(), 0).expect("demo office");
    // The home's own member is the founder, 決裁 太郎, the demo's approver.
    let [approver, verifier, jiro] = ids_of(&mut office, ["決裁 太郎", "検認 花子", "委託 二郎"]);
    assert_eq!(office.me().id, approver);
    drop(office);
    loopback_sync(home.path(), "127.0.0.1:0", &[]);
    let (d, _window) = Window::open_with(home.path(), &[("KENSHIN_IDLE_SECONDS", "5")]);
    // The home's member chooses a PIN first: a weak one is refused, two that differ are caught.
    d.wait("body[data-ready=sign-in]");
    assert!(d
        .text("form[data-form=sign-in]")
        .contains("暗証番号を決めてください"));
    d.type_into("input[name=new-secret]", "123456");
    d.type_into("input[name=new-secret-again]", "123456");
    d.click("form[data-form=sign-in] button[type=submit]");
    d.until("a run refused", || {
        d.text("form[data-form=sign-in] .message")
            .contains("連続した文字")
    });
    screenshot(&d.display, "14-first-pin");
    d.sign_in(PIN);
    d.wait("body[data-ready=board]");

    // Switching to the approver asks for the approver's own PIN (chosen above); a wrong one is
    // refused and the window stays with the member it had.
    d.act_as(&verifier);
    d.choose_member(&approver);
    d.type_into("form[data-form=sign-in] input[name=secret]", "246801");
    d.click("form[data-form=sign-in] button[type=submit]");
    d.until("the wrong PIN refused", || {
        d.text("form[data-form=sign-in] .message")
            .contains("暗証番号が違います")
    });
    screenshot(&d.display, "15-wrong-pin");
    d.click("[data-action=cancel-sign-in]");
    d.until("still the member it was", || {
        d.script(
            "return document.querySelector('select[name=acting-as]').value",
            json!([]),
        ) == json!(verifier)
    });
    d.act_as(&approver);
    assert!(d.text("select[name=acting-as]").contains("決裁 太郎"));
    // The office's admin sets the idle time for every laptop (this window's test time overrides it).
    d.screen("sync");
    d.type_into("input[name=idle-minutes]", "15");
    d.click("[data-action=save-office-settings]");
    assert!(
        d.message().contains("自動ロックまで（分） 15"),
        "{}",
        d.message()
    );
    // And the insurer's data on every voucher: a wrong check digit is refused in Japanese; a
    // self-pay changed is signed for every laptop.
    d.type_into("input[name=insurer-no]", "00139999");
    d.click("[data-action=save-insurer]");
    assert!(d.message().contains("検証番号"), "{}", d.message());
    d.type_into("input[name=insurer-no]", "00139998");
    d.script(
        "document.querySelector('select[name=self-pay-basic]').value = 'fixed';",
        json!([]),
    );
    d.type_into("input[name=self-pay-basic-amount]", "500");
    d.click("[data-action=save-insurer]");
    assert!(
        d.message().contains("保存しました: 保険者情報 00139998"),
        "{}",
        d.message()
    );
    screenshot(&d.display, "16-insurer-settings");
    // 検認 花子 forgot her PIN: the admin resets it (she is added again with new keys), and she
    // chooses a new one at her next sign-in.
    d.click(&format!(
        "tr[data-member='{verifier}'] [data-action=reset-member]"
    ));
    d.click("[data-action=confirm-reset]");
    d.until("the reset said", || {
        d.message().contains("暗証番号を再設定しました")
    });
    let hanako = d.script(
        "return [...document.querySelectorAll('select[name=acting-as] option')]
           .find(o => o.textContent.includes('検認 花子')).value",
        json!([]),
    );
    let hanako = hanako.as_str().expect("her new id").to_string();
    assert_ne!(hanako, verifier);
    d.choose_member(&hanako);
    assert!(d
        .find("form[data-form=sign-in] input[name=new-secret]")
        .is_some());
    d.sign_in(PIN);
    d.act_as(&approver);
    // 役割の変更: the admin makes 委託 二郎 a section member from now on.
    d.click(&format!(
        "tr[data-member='{jiro}'] [data-action=change-role]"
    ));
    d.script(
        "document.querySelector('select[name=change-role]').value = 'section'",
        json!([]),
    );
    d.click("[data-action=confirm-role]");
    d.until("the role changed", || {
        d.message().contains("役割を変更しました")
    });
    assert!(d
        .text(&format!("tr[data-member='{jiro}']"))
        .contains("健康推進課"));

    // Left idle, the window locks: the screen is hidden, and the same member signs in to find
    // what they had typed.
    d.screen("register");
    d.type_into("input[name=query]", "ケンシン");
    d.until("the window locked", || {
        d.script(
            "return document.body.dataset.ready === 'sign-in'
               && !!document.querySelector('.overlay.lock form[data-form=sign-in]')",
            json!([]),
        ) == json!(true)
    });
    assert!(d
        .text("form[data-form=sign-in]")
        .contains("画面をロックしました"));
    screenshot(&d.display, "16-locked");
    d.sign_in(PIN);
    assert_eq!(
        d.script(
            "return document.querySelector('input[name=query]').value",
            json!([])
        ),
        json!("ケンシン")
    );
    d.call("DELETE", "", json!({}));
}

#[test]
fn the_evidence_of_150000_vouchers_opens_with_its_differences() {
    use kenshin_core::domain::ListKind;
    use kenshin_core::exchange::synth::{municipal_csv, subjects};
    use kenshin_core::exchange::TextEncoding;
    let _one = ONE_WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let home = tempfile::tempdir().expect("home");
    let mut office = kenshin_core::create_demo(home.path(), 0).expect("demo office");
    let [contractor, verifier] = ids_of(&mut office, ["委託 一郎", "検認 花子"]);
    let batch = office
        .new_batch(ProcessId::MonthlyIssuance, "E2E 15万", Some(2026))
        .expect("batch");
    // The targets, and a production list without the first three and with two the targets lack.
    let targets = subjects(1, 2026, 150_000, 60_000_001);
    let added = subjects(2, 2026, 2, 70_000_001);
    let production: Vec<_> = targets[3..].iter().chain(&added).cloned().collect();
    let csv = |people: &[_]| municipal_csv(people, TextEncoding::Cp932);
    let started = std::time::Instant::now();
    office
        .import(
            ListKind::Targets,
            &batch.batch_id,
            "対象者.csv",
            &csv(&targets),
        )
        .expect("targets");
    office
        .import(
            ListKind::Production,
            &batch.batch_id,
            "本番.csv",
            &csv(&production),
        )
        .expect("production");
    eprintln!("two 150,000-row lists imported in {:?}", started.elapsed());
    drop(office);
    kenshin_core::Office::open(home.path(), Some(&contractor))
        .and_then(|mut o| {
            o.record(
                &batch.batch_id,
                1,
                kenshin_core::domain::Action::Do,
                kenshin_core::StepRecord {
                    // One fewer than the target list holds: nothing checks step 1's count when it
                    // is recorded, the reviewer sees it beside the list.
                    counts: [("targets".to_string(), 149_999)].into(),
                    ..Default::default()
                },
            )
        })
        .expect("step 1");
    loopback_sync(home.path(), "127.0.0.1:0", &[]);

    let (d, _window) = Window::open(home.path());
    d.sign_in(PIN);
    d.wait("body[data-ready=board]");
    d.act_as(&verifier);
    d.screen("inbox");
    let item = "li[data-batch='E2E 15万'][data-step='2']";
    let recount = d.wait_text(&format!("{item} .recount.differs[data-recount=targets]"));
    assert!(recount.contains("対象者リスト 150000行"), "{recount}");
    d.click(&format!("{item} button[data-open-list=production]"));
    d.wait(".list-view .lrow[data-row='0']");
    // What production adds to the targets and leaves out of them, by voucher number.
    let differs = |what: &str| {
        d.script(
            &format!("return document.querySelector('.list-difference [data-difference={what}]').textContent"),
            json!([]),
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
    };
    let (more, fewer) = (differs("added"), differs("left_out"));
    assert!(
        more.contains(&added[0].voucher_no) && more.contains('2'),
        "{more}"
    );
    assert!(
        fewer.contains(&targets[0].voucher_no) && fewer.contains('3'),
        "{fewer}"
    );
    // All 149,999 rows scroll: the last one is drawn at the bottom.
    d.script(
        "const v = document.querySelector('.list-viewport'); v.scrollTop = v.scrollHeight;",
        json!([]),
    );
    d.wait(".list-view .lrow[data-row='149998']");
    let last = d.script(
        "return document.querySelector(\".list-view .lrow[data-row='149998'] span\").textContent",
        json!([]),
    );
    assert_eq!(last, json!(added[1].voucher_no));
    screenshot(&d.display, "17-evidence-150000");
    d.call("DELETE", "", json!({}));
}

/// Clicks a sign-off's button and signs in the confirmation that states what is signed.
fn sign(d: &webdriver::Driver, button: &str) {
    d.click(button);
    d.wait("[data-action=confirm-sign]");
    d.click("[data-action=confirm-sign]");
}

/// Records step 1 of `batch` from the board with `counts`, as the contractor's window does.
fn record_step_1(d: &webdriver::Driver, batch: &str, counts: &str) {
    d.screen("board");
    d.click(&format!("tr[data-batch='{batch}'] .step[data-step='1']"));
    d.type_into("#step-detail input[name=counts]", counts);
    sign(d, "#step-detail button[data-action=do]");
    assert!(d.message().contains("記録しました"));
}

/// The header's sync line (its whole text: the button may cut it short on screen).
fn sync_line(d: &webdriver::Driver) -> String {
    d.script(
        "return document.getElementById('sync-state').textContent",
        json!([]),
    )
    .as_str()
    .unwrap_or_default()
    .to_string()
}

#[test]
fn two_windows_sync_a_contractor_working_offline() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    // The section's laptop: the demo office, with a batch for the contractor.
    let section = tempfile::tempdir().expect("section home");
    let mut office = kenshin_core::create_demo(section.path(), 0).expect("demo office");
    for label in ["E2E 同期", "E2E 再接続"] {
        office
            .new_batch(ProcessId::MonthlyIssuance, label, Some(2026))
            .expect("batch");
    }
    let verifier = office
        .members()
        .expect("members")
        .into_iter()
        .find(|m| m.member.name == "検認 花子")
        .expect("the verifier")
        .member
        .id;
    drop(office);
    let hub = format!("127.0.0.1:{}", webdriver::free_port());
    loopback_sync(section.path(), &hub, &[]);
    let (s, section_window) = Window::open(section.path());
    s.sign_in(PIN);
    s.wait("body[data-ready=board]");

    // The section's admin invites the contractor's laptop from the sync screen.
    let out = tempfile::tempdir().expect("out dir");
    let invite = out.path().join("委託 次郎.kenshin-invite");
    s.screen("sync");
    s.type_into("input[name=invite-name]", "委託 次郎");
    s.choose_file("invite-out", &invite);
    s.click("button[data-action=invite]");
    let fingerprint = s.wait_text(".invite-made .fingerprint");
    assert!(invite.exists(), "the invite file was written");

    // A new laptop opens on the first screen and joins with the file and the section's address.
    let contractor = tempfile::tempdir().expect("contractor home");
    loopback_sync(contractor.path(), "127.0.0.1:0", &[]);
    let (c, _contractor_window) = Window::open(contractor.path());
    c.wait("body[data-ready=welcome]");
    screenshot(&c.display, "10-first-screen");
    c.choose_file("invite-file", &invite);
    c.type_into("input[name=inviter]", &hub);
    c.click("button[data-action=join]");
    assert_eq!(c.wait_text(".joining .fingerprint"), fingerprint);
    c.sign_in(PIN);
    c.wait("body[data-ready=board]");
    assert!(c.text("select[name=acting-as]").contains("委託 次郎"));
    c.screen("sync");
    c.until("the section's laptop connected", || {
        c.find("table.peers tr[data-connected=yes]").is_some()
    });
    screenshot(&c.display, "11-sync-contractor");
    s.screen("sync");
    s.until(
        "the contractor's laptop connected, and in the roster",
        || {
            s.text("table.peers").contains("委託 次郎")
                && s.text("table.roster").contains("委託 次郎")
        },
    );
    // The roster says when each laptop was last seen, and who may approve or administer.
    s.until("the contractor's laptop seen, in the roster", || {
        let seen = s.script(
            "return [...document.querySelectorAll('table.roster tbody tr')]
               .find(r => r.textContent.includes('委託 次郎'))
               ?.querySelector('[data-seen]')?.textContent ?? ''",
            json!([]),
        );
        seen == json!("たった今") || seen.as_str().is_some_and(|t| t.ends_with("分前"))
    });
    assert!(s.text("table.roster").contains("管理者"));
    screenshot(&s.display, "12-sync-section");

    // The contractor pauses sync, records step 1 offline, and the header counts it as unsent.
    c.click("button[data-action=pause]");
    c.wait("button[data-action=resume]");
    record_step_1(&c, "E2E 同期", "targets=7");
    c.until("the unsent entry in the header", || {
        c.find("#sync-state[data-unsent='1']").is_some()
    });
    let header = sync_line(&c);
    assert!(
        header.contains("同期停止中") && header.contains("未同期の記録 1件"),
        "{header}"
    );
    screenshot(&c.display, "13-contractor-offline");

    // The section's inbox has nothing from it while the contractor is offline.
    s.act_as(&verifier);
    s.screen("inbox");
    let item = "li[data-batch='E2E 同期'][data-step='2']";
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert!(s.find(item).is_none(), "nothing arrives while paused");

    // Resumed: the section's inbox shows it without a reload; the section verifies.
    c.screen("sync");
    c.click("button[data-action=resume]");
    c.wait("button[data-action=pause]");
    s.until("the contractor's entry in the section's inbox", || {
        s.find(item).is_some()
    });
    assert!(s.text(item).contains("対象者数 7"), "{}", s.text(item));
    screenshot(&s.display, "14-section-inbox-live");
    sign(&s, &format!("{item} button[data-action=verify]"));
    assert!(s.message().contains("記録しました"));

    // The contractor's board shows the verify, and nothing waits to be sent.
    c.screen("board");
    c.until("the verify on the contractor's board", || {
        c.find("tr[data-batch='E2E 同期'] .step[data-step='2'][data-status=verified]")
            .is_some()
    });
    c.until("nothing unsent", || {
        c.find("#sync-state[data-unsent='0']").is_some()
    });
    assert!(sync_line(&c).contains("最終同期"), "{}", sync_line(&c));
    screenshot(&c.display, "15-contractor-verified");

    // The section's app is killed. The contractor works on; when the section's laptop is back, its
    // board holds everything from before and the contractor's new entry arrives by itself.
    drop(s);
    drop(section_window);
    c.screen("sync");
    c.until("the section's laptop gone", || {
        c.find("table.peers tr[data-connected=no]").is_some()
    });
    record_step_1(&c, "E2E 再接続", "targets=9");
    c.until("the entry waiting", || {
        c.find("#sync-state[data-unsent='1']").is_some()
    });
    // Opened again, the section's window asks its member's PIN (chosen in the first window).
    let (s, _section_window) = Window::open(section.path());
    s.sign_in(PIN);
    s.wait("body[data-ready=board]");
    s.until("the contractor's new entry on the section's board", || {
        s.find("tr[data-batch='E2E 再接続'] .step[data-step='2'][data-status=awaiting_verify]")
            .is_some()
    });
    assert!(s
        .find("tr[data-batch='E2E 同期'] .step[data-step='2'][data-status=verified]")
        .is_some());
    c.until("sent", || c.find("#sync-state[data-unsent='0']").is_some());
    screenshot(&s.display, "16-section-back");

    // The admin removes the contractor's laptop from the roster (asked twice), ordering it destroyed
    // (消去命令, offered for a contractor); it is cut off at once, is handed the order when it dials
    // again, and destroys itself, handing its certificate back.
    s.screen("sync");
    c.screen("sync");
    c.wait("table.peers tr[data-connected=yes]");
    s.script(
        "[...document.querySelectorAll('table.roster tr')]
           .find((r) => r.textContent.includes('委託 次郎'))
           .querySelector('button[data-action=remove-member]').click()",
        json!([]),
    );
    assert!(
        s.find("input[name=erase-too]:checked").is_some(),
        "ordering the erasure is offered, checked, for a contractor"
    );
    s.click("button[data-action=confirm-remove]");
    assert!(
        s.message().contains("名簿から削除しました"),
        "{}",
        s.message()
    );
    assert!(!s.text("table.roster").contains("委託 次郎"));
    let destroyed = c.wait_text("[data-handed-back=yes]");
    assert!(
        destroyed.contains("消去証明を課の端末に渡しました"),
        "{destroyed}"
    );
    assert!(
        c.text("h2").contains("管理者の命令により"),
        "{}",
        c.text("h2")
    );
    assert!(c.text("table.certificate").contains("管理者の消去命令"));
    assert!(
        !contractor.path().join("kenshin.sqlite3").exists(),
        "the home is gone"
    );
    screenshot(&c.display, "17-contractor-removed-and-destroyed");
    // The section's window shows the certificate it was handed.
    s.until("the certificate on the section's sync screen", || {
        s.find("td[data-erasure]")
            .is_some_and(|_| s.text("div.erasures").contains("消去済み"))
    });
    assert!(s.text("div.certificate-received").contains("委託 次郎"));
    assert!(
        !s.text("table.peers").contains("委託 次郎"),
        "a removed laptop is no longer a peer"
    );
    s.script(
        "document.querySelector('div.erasures').previousElementSibling.scrollIntoView()",
        json!([]),
    );
    screenshot(&s.display, "22-section-erasures");
    c.call("DELETE", "", json!({}));
    s.call("DELETE", "", json!({}));
}

/// 契約終了 from the contractor's window: refused while no section laptop answers (nothing
/// destroyed), then, with the section's app back, the laptop syncs, its home goes and the 消去証明 is
/// saved; the section's window checks that certificate against the roster.
#[test]
fn a_contractor_laptop_ends_its_contract_from_the_window() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let section = tempfile::tempdir().expect("section home");
    let mut office = kenshin_core::create_demo(section.path(), 0).expect("demo office");
    let invite = office
        .invite("委託 三郎", kenshin_core::domain::Role::Contractor, false)
        .expect("invite");
    let [ichiro] = ids_of(&mut office, ["委託 一郎"]);
    drop(office);
    let hub = format!("127.0.0.1:{}", webdriver::free_port());
    loopback_sync(section.path(), &hub, &[]);
    let contractor = tempfile::tempdir().expect("contractor home");
    let home = contractor.path().join("home");
    kenshin_core::join(
        &home,
        &serde_json::to_string(&invite).expect("invite json"),
        "invite",
    )
    .expect("joined");
    loopback_sync(&home, "127.0.0.1:0", &[&hub]);

    let (s, section_window) = Window::open(section.path());
    s.sign_in(PIN);
    s.wait("body[data-ready=board]");
    let (c, _contractor_window) = Window::open(&home);
    c.sign_in(PIN);
    c.wait("body[data-ready=board]");
    c.screen("sync");
    c.until("the section's laptop connected", || {
        c.find("table.peers tr[data-connected=yes]").is_some()
    });

    // The section's app is closed: the contract end is refused and the home stays whole.
    drop(s);
    drop(section_window);
    let out = tempfile::tempdir().expect("out dir");
    let certificate = out.path().join("消去証明-委託 三郎.json");
    c.click("button[data-action=leave]");
    c.choose_file("certificate-out", &certificate);
    c.click("button[data-action=confirm-leave]");
    c.until("the refusal", || {
        c.text("#message").contains("何も消去していません")
    });
    assert!(home.join("kenshin.sqlite3").exists(), "nothing destroyed");
    assert!(!certificate.exists());
    screenshot(&c.display, "18-contract-end-refused");

    // The section's app is back: the laptop syncs whole, then its home is destroyed.
    let (s, _section_window) = Window::open(section.path());
    s.sign_in(PIN);
    s.wait("body[data-ready=board]");
    c.until("the section's laptop connected again", || {
        c.find("table.peers tr[data-connected=yes]").is_some()
    });
    c.click("button[data-action=confirm-leave]");
    let saved = c.wait_text("[data-saved]");
    assert!(saved.contains("消去証明を保存しました"), "{saved}");
    // What the test's window keeps beside the home (its webview's data, the dialogs' answers) stays.
    let left: Vec<String> = std::fs::read_dir(&home)
        .expect("the test's files")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        left.iter()
            .all(|n| !n.starts_with("kenshin") && n != "key.json"),
        "the database and the key are gone: {left:?}"
    );
    assert!(c.text("table.certificate").contains("委託 三郎"));
    screenshot(&c.display, "19-contract-ended");

    // It was handed back to the section's laptop on the way out, and the section checks the file too.
    s.screen("sync");
    s.until("the certificate handed back", || {
        s.find("div.certificate-received")
            .is_some_and(|_| s.text("div.certificate-received").contains("委託 三郎"))
    });
    s.choose_file("certificate-in", &certificate);
    s.click("button[data-action=check-certificate]");
    let checked = s.wait_text(".certificate-checked");
    assert!(
        checked.contains("消去証明を確認しました") && checked.contains("委託 三郎"),
        "{checked}"
    );
    screenshot(&s.display, "20-certificate-checked");

    // Edited, it does not hold.
    let text = std::fs::read_to_string(&certificate).expect("certificate");
    let edited = out.path().join("書換え.json");
    std::fs::write(&edited, text.replace("委託 三郎", "委託 四郎")).expect("edited");
    s.choose_file("certificate-in", &edited);
    s.click("button[data-action=check-certificate]");
    s.until("the refusal", || {
        s.text("#message").contains("消去証明は正しくありません")
    });

    // 委託 一郎 is removed without ordering their laptop's erasure; the admin orders it afterwards
    // from 端末の消去, asked in place.
    s.script(
        "[...document.querySelectorAll('table.roster tr')]
           .find((r) => r.textContent.includes('委託 一郎'))
           .querySelector('button[data-action=remove-member]').click()",
        json!([]),
    );
    s.click("input[name=erase-too]");
    assert!(s.find("input[name=erase-too]:checked").is_none());
    s.click("button[data-action=confirm-remove]");
    let state = format!("td[data-erasure='{ichiro}']");
    assert_eq!(s.wait_text(&state), "命令なし");
    s.click(&format!(
        "tr[data-removed='{ichiro}'] button[data-action=order-erasure]"
    ));
    s.click("button[data-action=confirm-order-erasure]");
    s.until("the order given", || s.text(&state).starts_with("命令 "));
    assert!(s.message().contains("消去を命じました"), "{}", s.message());
    c.call("DELETE", "", json!({}));
    s.call("DELETE", "", json!({}));
}

#[test]
fn an_approver_deletes_departed_persons_rows_from_the_window() {
    use kenshin_core::domain::ListKind;
    use kenshin_core::exchange::synth::{municipal_csv, subjects};
    use kenshin_core::exchange::TextEncoding;
    let _one = ONE_WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("home");
    let mut office = kenshin_core::create_demo(dir.path(), 0).expect("demo office");
    // 令和6年度: a monthly batch of 40 residents, two of whom lost coverage in that year; the year
    // archived month by month and closed. Their rows are due since 1 April 2026.
    let monthly = office
        .new_batch(ProcessId::MonthlyIssuance, "令和6年度 月次", Some(2024))
        .expect("batch")
        .batch_id;
    let people = subjects(2024, 2024, 40, 60_000_001);
    office
        .import(
            ListKind::Production,
            &monthly,
            "本番.csv",
            &municipal_csv(&people, TextEncoding::Cp932),
        )
        .expect("production list");
    let calls = office
        .new_batch(
            ProcessId::EligibilityInquiry,
            "令和6年度 問合せ",
            Some(2024),
        )
        .expect("batch")
        .batch_id;
    let losses = format!(
        "受診券整理番号,資格喪失日,保険者番号,喪失事由\n{},2024-10-01,00139998,転出\n{},2025-01-15,00139998,社保加入\n",
        people[1].voucher_no, people[2].voucher_no
    );
    office
        .import(
            ListKind::CoverageLoss,
            &calls,
            "喪失.csv",
            losses.as_bytes(),
        )
        .expect("loss list");
    for month in kenshin_core::domain::filing::months_of(2024) {
        let (bytes, _) = office.archive_export(month).expect("archive");
        office.file_archive(month, &bytes).expect("filed");
    }
    office.close_year(2024).expect("closed");
    drop(office);

    let (d, window) = Window::open(dir.path());
    d.sign_in(PIN);
    d.wait("body[data-ready=board]");
    d.screen("archive");
    let row = d.wait_text("tr[data-departed='2']");
    assert!(
        row.contains("資格喪失者") && row.contains("2人") && row.contains("削除できます"),
        "{row}"
    );
    // Asked in place; cancelled, nothing happens.
    d.click("button[data-action=purge-departed]");
    d.click("button[data-action=cancel-purge-departed]");
    d.wait("button[data-action=purge-departed]");
    d.click("button[data-action=purge-departed]");
    let asked = d.text("tr[data-departed='2']");
    assert!(asked.contains("2人の行を"), "{asked}");
    d.click("button[data-action=confirm-purge-departed]");
    assert!(
        d.message().contains("資格喪失者の行を削除しました"),
        "{}",
        d.message()
    );
    let row = d.wait_text("tr[data-departed='0']");
    assert!(row.contains("該当なし"), "{row}");
    screenshot(&d.display, "21-departed-deleted");
    drop(d);
    drop(window);
    // Gone from the register; everyone else is there (read as a member without a secret here).
    let mut office = kenshin_core::Office::open(dir.path(), Some("検認 花子")).expect("office");
    let mut found = |no: &str| office.find_vouchers(no, 5).expect("search").total;
    assert_eq!(found(&people[1].voucher_no), 0);
    assert_eq!(found(&people[3].voucher_no), 1);
}
