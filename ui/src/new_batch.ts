// A new batch (回) from the window: the process and month, a label proposed in the office's words
// (「令和8年5月 月次発行」) that the clerk may change, and a warning before a second batch of the
// same process and month is made.
import type { BatchProposal, ProcessId } from "./bindings";
import { BATCH_LABEL_MAX, PROCESSES } from "./bindings";
import { api } from "./api";
import { h, replace } from "./dom";
import { ym } from "./forms";
import { processText, t } from "./i18n";
import { attempt, label, say } from "./state";

/// 令和8年5月: the era calendar, as the office writes months.
const eraMonth = new Intl.DateTimeFormat("ja-JP-u-ca-japanese", { era: "long", year: "numeric", month: "long" });

/// The months a batch may be for: last fiscal year's April to next fiscal year's March.
function monthOptions(selected: string): HTMLOptionElement[] {
  const now = new Date();
  const fiscal = now.getMonth() >= 3 ? now.getFullYear() : now.getFullYear() - 1;
  return Array.from({ length: 36 }, (_, i) => {
    const d = new Date(fiscal - 1, 3 + i, 1);
    const value = ym(d);
    return h("option", { value, selected: value === selected }, `${eraMonth.format(d)}（${value}）`);
  });
}

export function newBatchForm(box: HTMLElement, made: () => void): void {
  const process = h(
    "select",
    { name: "process" },
    PROCESSES.map((p) => h("option", { value: p, selected: p === "1-2" }, `${p} ${processText(p)}`)),
  );
  const month = h("select", { name: "month" }, monthOptions(ym(new Date())));
  const name = h("input", { name: "label", size: 28, maxlength: BATCH_LABEL_MAX, required: true });
  const problem = h("p", { class: "error field-error", role: "alert" });
  const warnings = h("div", { class: "warnings" });
  const confirm = h("input", { name: "confirm", type: "checkbox" });
  let proposal: BatchProposal | null = null;
  // The label follows the process and month until the clerk types their own.
  let edited = false;
  // Answers can come back out of order: only the latest question's counts.
  let asked = 0;
  name.addEventListener("input", () => {
    edited = true;
    void propose();
  });
  const propose = async (): Promise<BatchProposal | null> => {
    const n = ++asked;
    const p = await attempt(() => api.proposeBatch(process.value as ProcessId, month.value, edited ? name.value : null));
    if (!p || n !== asked) return null;
    proposal = p;
    if (!edited) name.value = p.label;
    replace(
      warnings,
      p.warnings.length > 0 && [
        p.warnings.map((w) =>
          h("p", { class: "warn", "data-warning": w.kind }, `${t(w.kind === "same_label" ? "A batch of this process already has this label" : "A batch of this process is already for this month")}: ${w.label}`),
        ),
        p.warnings.some((w) => w.kind === "same_month") && label(t("Make it all the same"), confirm),
      ],
    );
    return p;
  };
  // Another process or month is another question: the tick was for the one before.
  const changed = () => {
    confirm.checked = false;
    void propose();
  };
  process.addEventListener("change", changed);
  month.addEventListener("change", changed);
  const submit = async (e: Event) => {
    e.preventDefault();
    // Judged on what the form says now, not on an answer to what it said a keystroke ago.
    if (!(await propose())) return;
    const text = name.value.trim();
    const why =
      !month.value ? t("Choose the month") :
      text === "" ? t("Give the batch a label") :
      [...text].length > BATCH_LABEL_MAX ? `${t("The label is too long")} (${BATCH_LABEL_MAX}${t(" characters at most")})` :
      proposal?.warnings.some((w) => w.kind === "same_label") ? t("A batch of this process already has this label") :
      proposal?.warnings.some((w) => w.kind === "same_month") && !confirm.checked ? t("Tick the box to make a second batch for this month") :
      "";
    replace(problem, why);
    if (why) return;
    const batch = await attempt(() => api.newBatch({ process: process.value as ProcessId, month: month.value, label: text }));
    if (!batch) return;
    say(`${t("Batch made")}: ${batch.process} ${batch.label}`);
    made();
  };
  replace(
    box,
    h("h3", {}, t("New batch")),
    h(
      "form",
      { class: "new-batch", onsubmit: submit, novalidate: true },
      label(t("Process"), process),
      label(t("Month"), month),
      label(t("Label"), name),
      h("button", { type: "submit", class: "primary", "data-action": "make-batch" }, t("Make the batch")),
      warnings,
      problem,
    ),
  );
  void propose();
}
