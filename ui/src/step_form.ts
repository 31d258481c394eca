// The form that records a step: counts, note, and for verify/approve a send-back with its reason.
import type { BoardBatch, BoardStep } from "./bindings";
import { api } from "./api";
import { h } from "./dom";
import { refusalText, t } from "./i18n";
import { actionFor, countsTyped, say } from "./state";
import { confirmSigning } from "./confirm";

export function stepForm(batch: BoardBatch, step: BoardStep, done: () => void): HTMLElement | null {
  const action = actionFor(step);
  if (!action) return null;
  const counts = h("input", { name: "counts", placeholder: t("envelopes=405 pulled=3"), size: 28 });
  const countsProblem = h("p", { class: "error field-error", "data-field": "counts", role: "alert" });
  const note = h("input", { name: "note", placeholder: t("Note"), size: 24 });
  const reason = h("input", { name: "reason", placeholder: t("Reason"), size: 24 });
  const send = async (sendBack: string | null) => {
    const typed = countsTyped(action === "do" ? counts.value : "");
    countsProblem.textContent = "bad" in typed ? `${t("Cannot read the count")}「${typed.bad}」${t(" (for example 封入数=405)")}` : "";
    if ("bad" in typed) return;
    const noteText = note.value.trim() || null;
    if (!(await confirmSigning({ batch, step, action, counts: typed.counts, note: noteText, sendBack }))) return;
    try {
      const entry = await api.record({
        batch: batch.batch_id,
        step: step.step,
        action,
        counts: typed.counts,
        note: noteText,
        send_back: sendBack,
      });
      say(`${t("Recorded")}: ${batch.label} ${t("Step")}${step.step} ${entry.by_name}`);
      done();
    } catch (e) {
      say(refusalText(e), "error");
    }
  };
  const verb = action === "do" ? t("Do") : action === "verify" ? t("Verify") : t("Approve");
  return h(
    "form",
    {
      class: "step-form",
      "data-batch": batch.label,
      "data-step": step.step,
      onsubmit: (e: Event) => {
        e.preventDefault();
        void send(null);
      },
    },
    action === "do" ? [counts, note, countsProblem] : note,
    h("button", { type: "submit", class: "primary", "data-action": action }, verb),
    action !== "do" && [
      reason,
      h(
        "button",
        {
          type: "button",
          class: "danger",
          "data-action": "send-back",
          onclick: () => void send(reason.value.trim() || ""),
        },
        t("Send back"),
      ),
    ],
  );
}
