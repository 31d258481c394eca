// 業務ボード: every batch as a row of its steps, coloured by state; filters; a selected step's details.
import type { BoardBatch, BoardStep, SignOffView, Status } from "./bindings";
import { PROCESSES } from "./bindings";
import { api } from "./api";
import { h, replace } from "./dom";
import { actionText, currentLang, markingText, processText, sentBackText, statusText, t } from "./i18n";
import { attempt, countsText, fmtTime, label } from "./state";
import { newBatchForm } from "./new_batch";
import { returnsForm } from "./returns";
import { stepForm } from "./step_form";

const filters = { process: "", month: "", state: "" };
/// Past fiscal years' finished batches are shown only when asked for.
let showAll = false;
let selected: { batch: string; step: number } | null = null;

/// The month a batch is about: YYYY-MM in its label, else the month it was created.
function monthOf(b: BoardBatch): string {
  return /(\d{4})-(\d{2})/.exec(b.label)?.[0] ?? b.created_at.slice(0, 7);
}

const STATE_GROUPS: Record<string, Status[]> = {
  open: ["open"],
  waiting: ["awaiting_verify", "awaiting_approval"],
  sent_back: ["sent_back"],
  blocked: ["blocked"],
  complete: ["done", "verified", "approved"],
};

/// A step needs attention when an entry for it does not count (invalid) or was flagged by the
/// causal check and not yet verified again.
function attention(s: BoardStep): "invalid" | "flagged" | null {
  if (s.history.some((e) => e.standing.standing === "flagged")) return "flagged";
  if (s.history.some((e) => e.standing.standing === "invalid")) return "invalid";
  return null;
}

function standingText(e: SignOffView): string {
  switch (e.standing.standing) {
    case "valid":
      return "";
    case "flagged":
      return `${t("Flagged")}: ${e.standing.why}`;
    case "resolved":
      return `${t("Verified again")}: ${e.standing.why}`;
    case "invalid":
      return `${t("Does not count")}: ${e.standing.why}`;
    case "replaced":
      return `${t("Replaced")}: ${e.standing.by_list}`;
  }
}

/// Why a sent-back step is to be redone, who said so and when (the core names the send-back that
/// reopened it as the step's decisive entry); nothing for another step.
export function sentBackLine(s: BoardStep): HTMLElement | null {
  const e = s.status === "sent_back" ? s.decisive : null;
  return e?.send_back != null ? h("p", { class: "sent-back" }, sentBackText(e)) : null;
}

function stepTitle(s: BoardStep): string {
  const who = s.decisive ? ` — ${s.decisive.by_name} ${fmtTime(s.decisive.at)} ${countsText(s.decisive.counts)}` : "";
  const waits = s.waiting.length ? ` — ${t("blocked by")}: ${s.waiting.map((w) => `${t("Step")}${w.step} ${actionText(w.needs)}`).join(", ")}` : "";
  const flag = attention(s) ? ` — ⚠ ${t(attention(s) === "flagged" ? "Flagged" : "Does not count")}` : s.awaiting_review ? ` — ${t("Awaiting review")}` : "";
  return `${t("Step")}${s.step} ${currentLang() === "ja" ? s.ja : `${s.ja} / ${s.en}`}: ${statusText(s.status)}${who}${waits}${flag}`;
}

export async function boardScreen(root: HTMLElement): Promise<void> {
  const board = await attempt(() => api.workingBoard(showAll));
  if (!board) return;
  const batches = board.batches;
  const toggle = (all: boolean) => () => {
    showAll = all;
    void boardScreen(root);
  };
  const past = showAll
    ? h("p", { class: "hint past" }, h("button", { "data-action": "working-only", onclick: toggle(false) }, t("Show the current work only")))
    : board.hidden > 0
      ? h("p", { class: "hint past", "data-hidden": board.hidden }, `${t("Finished batches of past fiscal years are not shown")}（${board.hidden}${t(" batches")}） `, h("button", { "data-action": "show-past", onclick: toggle(true) }, t("Show them")))
      : null;
  const months = [...new Set(batches.map(monthOf))].sort();
  const select = (key: keyof typeof filters, options: [string, string][]) =>
    h(
      "select",
      {
        name: key,
        onchange: (e: Event) => {
          filters[key] = (e.target as HTMLSelectElement).value;
          void boardScreen(root);
        },
      },
      options.map(([v, text]) => h("option", { value: v, selected: filters[key] === v }, text)),
    );
  const shown = batches.filter(
    (b) =>
      (!filters.process || b.process === filters.process) &&
      (!filters.month || monthOf(b) === filters.month) &&
      (!filters.state || b.steps.some((s) => STATE_GROUPS[filters.state].includes(s.status))),
  );
  const detail = h("section", { class: "detail", id: "step-detail" }, t("Select a step on the board."));
  const rows = shown.map((b) =>
    h(
      "tr",
      { "data-batch": b.label },
      h(
        "th",
        {},
        h("span", { class: "process" }, b.process),
        " ",
        b.label,
        b.tampering.length > 0 && h("span", { class: "tampering", title: b.tampering.join("\n") }, ` ⚠ ${t("Suspected tampering")}`),
      ),
      h(
        "td",
        {},
        h(
          "div",
          { class: "steps" },
          b.steps.map((s) =>
            h(
              "button",
              {
                class: `step ${s.status}${attention(s) ? ` ${attention(s)}` : ""}${s.awaiting_review ? " awaiting-review" : ""}${selected?.batch === b.batch_id && selected.step === s.step ? " selected" : ""}`,
                title: stepTitle(s),
                "data-step": s.step,
                "data-status": s.status,
                onclick: () => {
                  selected = { batch: b.batch_id, step: s.step };
                  showDetail(detail, b, s, () => void boardScreen(root));
                  root.querySelectorAll(".step.selected").forEach((el) => el.classList.remove("selected"));
                  root.querySelector(`tr[data-batch="${CSS.escape(b.label)}"] .step[data-step="${s.step}"]`)?.classList.add("selected");
                },
              },
              h("span", { class: "no" }, s.step),
              h("span", { class: "name" }, s.ja),
              attention(s) && h("span", { class: "flag" }, "⚠"),
            ),
          ),
        ),
      ),
    ),
  );
  replace(
    root,
    h(
      "div",
      { class: "filters" },
      label(t("Process"), select("process", [["", t("All")], ...PROCESSES.map((p): [string, string] => [p, `${p} ${processText(p)}`])])),
      label(t("Month"), select("month", [["", t("All")], ...months.map((m): [string, string] => [m, m])])),
      label(
        t("State"),
        select("state", [
          ["", t("All")],
          ...Object.keys(STATE_GROUPS).map((k): [string, string] => [k, k === "waiting" ? statusText("awaiting_verify") + "/" + statusText("awaiting_approval") : k === "complete" ? statusText("done") : statusText(k as Status)]),
        ]),
      ),
      h("button", { type: "button", "data-action": "new-batch", onclick: () => newBatchForm(detail, () => void boardScreen(root)) }, t("New batch")),
      h("span", { class: "legend" }, (["open", "awaiting_verify", "awaiting_approval", "sent_back", "blocked", "done"] as Status[]).map((s) => h("span", { class: `step ${s}` }, statusText(s)))),
    ),
    h("table", { class: "board" }, h("tbody", {}, rows)),
    past,
    detail,
  );
  if (selected) {
    const b = batches.find((x) => x.batch_id === selected?.batch);
    const s = b?.steps.find((x) => x.step === selected?.step);
    if (b && s) showDetail(detail, b, s, () => void boardScreen(root));
  }
}

function showDetail(box: HTMLElement, b: BoardBatch, s: BoardStep, refresh: () => void): void {
  replace(
    box,
    h("h3", {}, `${b.process} ${b.label} — ${t("Step")}${s.step} ${s.ja}${currentLang() === "ja" ? "" : ` (${s.en})`}`),
    h("p", { class: `status ${s.status}` }, statusText(s.status)),
    b.tampering.length > 0 &&
      h(
        "div",
        { class: "tampering" },
        h("strong", {}, `⚠ ${t("Suspected tampering")}`),
        h("p", {}, t("Entries deleted or changed after they were written count as they were signed; what was done to them:")),
        h("ul", {}, b.tampering.map((w) => h("li", {}, w))),
      ),
    s.waiting.length > 0 && h("p", {}, `${t("blocked by")}: ${s.waiting.map((w) => `${t("Step")}${w.step} ${actionText(w.needs)}${w.sent_back ? ` (${t("Send back")})` : ""}`).join(", ")}`),
    sentBackLine(s),
    s.awaiting_review && h("p", { class: "awaiting-review" }, t("Approved by a deputy; the approver has not reviewed it yet")),
    h(
      "table",
      { class: "history" },
      h("caption", {}, t("History")),
      s.history.map((e) =>
        h(
          "tr",
          { class: `standing ${e.standing.standing}` },
          h("td", {}, fmtTime(e.at)),
          h("td", {}, e.by_name),
          h("td", {}, e.marking ? `${actionText(e.action)}（${markingText(e.marking.kind)}）` : actionText(e.action)),
          h("td", {}, countsText(e.counts)),
          h("td", {}, e.send_back ? `差戻し「${e.send_back}」` : (e.note ?? "")),
          h("td", { class: "why" }, [standingText(e), ...e.tampered.map((w) => ` ⚠ ${w}`)].join("")),
        ),
      ),
    ),
    stepForm(b, s, refresh),
    s.kind === "data_update" && s.status !== "blocked" && returnsForm(b.batch_id),
  );
}
