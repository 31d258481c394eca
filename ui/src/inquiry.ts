// 問合せ: an institution phones; type the voucher number, see the answer to read out (有効 / 無効 and
// why / 対象外, the self-pay, the 契約とりまとめ機関, the current sheet), who it is, where it stands and
// the calls about it so far, type who called, state the answer (有効 or 無効, and what was said), the day of the
// call (today unless changed) and, when several batches take calls, which one it counts toward.
import type { BatchRef, NoteField, RegisterEntry, VoucherCheck } from "./bindings";
import { api } from "./api";
import { h, replace } from "./dom";
import { eventText, t, voucherStatusText } from "./i18n";
import { fieldError, refused, showProblems, today } from "./forms";
import { attempt, drawFresh, label, say } from "./state";

const recent: string[] = [];
/// A voucher the register sent the clerk here about.
let about = "";

/// Opens the inquiry desk on `voucher` (from the register's detail).
export function askAbout(voucher: string): void {
  about = voucher;
  drawFresh("inquiry");
  document.querySelector<HTMLButtonElement>("nav button[data-screen=inquiry]")?.click();
}

export async function inquiryScreen(root: HTMLElement): Promise<void> {
  const batches = await attempt(() => api.inquiryBatches());
  if (!batches) return;
  const voucher = h("input", { name: "voucher", placeholder: "20000001", size: 14, autofocus: true, inputmode: "numeric" });
  const from = h("input", { name: "from", size: 24, list: "institutions" });
  const valid = h("input", { type: "radio", name: "verdict", value: "有効", checked: true });
  const invalid = h("input", { type: "radio", name: "verdict", value: "無効" });
  const answer = h("input", { name: "answer", size: 30, placeholder: t("What was said (optional)") });
  const on = h("input", { name: "on", size: 12, value: today() });
  const batch = batchChoice(batches);
  const found = h("div", { class: "found" });
  const log = h("ul", { class: "logged" });
  const problems: Record<NoteField, HTMLElement> = {
    voucher: fieldError("voucher"),
    from: fieldError("from"),
    text: fieldError("text"),
    on: fieldError("on"),
  };
  const batchProblem = fieldError("batch");
  // The answer to read out: the core judges the voucher (or sheet) on the day of the checkup.
  const verdict = h("p", { class: "check-answer", "aria-live": "polite" });
  let checked: VoucherCheck | undefined;
  let timer = 0;
  // Only the answer to the latest number and day is shown; an earlier one arriving late is dropped.
  let asked = 0;
  const clear = () => {
    replace(verdict);
    delete verdict.dataset.verdict;
    replace(found);
  };
  const look = () => {
    clearTimeout(timer);
    checked = undefined;
    // The answer stays in place, faded, until the new one comes: nothing below it moves.
    verdict.classList.add("stale");
    const mine = ++asked;
    timer = window.setTimeout(async () => {
      const q = voucher.value.trim();
      if (q.length < 4) return clear();
      let check: VoucherCheck;
      try {
        check = await api.checkVoucher(q, on.value);
      } catch {
        // Not a number yet, or not a date: said at the field when the call is logged.
        if (mine === asked) clear();
        return;
      }
      if (mine !== asked) return;
      checked = check;
      verdict.classList.remove("stale");
      replace(verdict, check.line);
      verdict.dataset.verdict = check.verdict.verdict;
      (check.verdict.verdict === "valid" ? valid : invalid).checked = true;
      showVoucher(found, check.entry ?? undefined);
    }, 150);
  };
  voucher.addEventListener("input", look);
  on.addEventListener("change", look);
  const submit = async (e: Event) => {
    e.preventDefault();
    showProblems(problems, []);
    replace(batchProblem);
    if (batches.length > 1 && !batch.value) return replace(batchProblem, t("Choose the batch the call counts toward"));
    const given = invalid.checked ? invalid.value : valid.value;
    const said = answer.value.trim();
    // Unless the clerk said or chose something else, the note keeps the answer read out.
    const agrees = checked && (checked.verdict.verdict === "valid") === valid.checked;
    const read = agrees ? checked?.line.slice(0, 200) : undefined;
    let logged;
    try {
      logged = await api.logInquiry({
        voucher: voucher.value,
        from: from.value,
        answer: said ? `${given}：${said}` : (read ?? given),
        on: on.value,
        batch: batch.value || null,
      });
    } catch (e) {
      return refused(e, problems);
    }
    if (!recent.includes(logged.note.from)) recent.unshift(logged.note.from);
    say(`${t("Logged")}: ${logged.note.voucher_no} ${logged.note.on} (${logged.batch_label})`);
    log.prepend(h("li", {}, `${logged.note.on} ${logged.note.voucher_no} ${logged.voucher?.name ?? t("Not in the register")} — ${logged.note.from}: ${logged.note.text}`));
    voucher.value = "";
    answer.value = "";
    valid.checked = true;
    checked = undefined;
    asked++;
    clear();
    voucher.focus();
  };
  replace(
    root,
    h("h2", {}, t("Inquiries")),
    h(
      "form",
      { class: "inquiry", onsubmit: submit, novalidate: true },
      h("div", {}, label(t("Voucher number"), voucher), problems.voucher),
      verdict,
      h("div", {}, label(t("Who called"), from), problems.from),
      h(
        "div",
        { class: "verdict" },
        h("span", {}, t("Answer")),
        h("label", {}, valid, t("Valid")),
        h("label", {}, invalid, t("Not valid")),
        answer,
        problems.text,
      ),
      h("div", {}, label(t("Day of the call"), on), problems.on),
      batches.length > 1 ? h("div", {}, label(t("Counts toward"), batch), batchProblem) : h("p", { class: "counts-toward" }, `${t("Counts toward")}: ${batches[0]?.label ?? t("No batch takes calls: make a process 4 batch on the board")}`),
      h("button", { type: "submit", class: "primary", disabled: batches.length === 0 }, t("Log the call")),
      h("datalist", { id: "institutions" }, recent.map((r) => h("option", { value: r }))),
    ),
    found,
    log,
  );
  if (about) {
    voucher.value = about;
    about = "";
    voucher.dispatchEvent(new Event("input"));
    from.focus();
  } else {
    voucher.focus();
  }
}

/// Which batch a call counts toward: asked for when several take calls (none chosen beforehand).
function batchChoice(batches: BatchRef[]): HTMLSelectElement {
  return h(
    "select",
    { name: "batch" },
    batches.length > 1 && h("option", { value: "" }, t("Choose…")),
    batches.map((b) => h("option", { value: b.batch_id, selected: batches.length === 1 }, b.label)),
  );
}

function showVoucher(box: HTMLElement, e: RegisterEntry | undefined): void {
  if (!e) return replace(box, h("p", { class: "warn" }, t("Not in the register")));
  const calls = e.events.filter((ev) => ev.kind === "inquiry");
  const other = e.events.filter((ev) => ev.kind !== "inquiry");
  replace(
    box,
    h("p", {}, h("strong", {}, `${e.voucher_no} ${e.name}`), ` ${e.kana} ${e.birth} `, h("span", { class: `badge ${e.status}` }, voucherStatusText(e.status)), ` ${e.process} ${e.batch_label}`),
    other.length > 0 && h("ul", {}, other.map((ev) => h("li", {}, `${eventText(ev.kind)} ${ev.on ?? ""} ${ev.detail}`))),
    h("h4", {}, `${t("Calls about this voucher so far")}: ${calls.length}`),
    calls.length > 0 && h("ul", { class: "earlier-calls" }, calls.map((ev) => h("li", {}, `${ev.on ?? ""} ${ev.detail}`))),
  );
}
