// The form that records a step: counts, note, and for verify/approve a send-back with its reason;
// and what the member may ask besides: 取下げ of their own work, 代決 as a deputy, 後閲 of a 代決.
import type { Ask, BoardBatch, BoardStep } from "./bindings";
import { api } from "./api";
import { h } from "./dom";
import { refusalText, t } from "./i18n";
import { actionFor, countsTyped, say } from "./state";
import { confirmSigning } from "./confirm";

/// The button of each ask, its action and its words.
const ASKS: Record<Exclude<Ask, "plain">, { action: "do" | "approve"; label: string; kind: string }> = {
  withdraw: { action: "do", label: "Withdraw", kind: "danger" },
  deputy: { action: "approve", label: "Approve as deputy", kind: "primary" },
  review: { action: "approve", label: "Review", kind: "primary" },
};

export function stepForm(batch: BoardBatch, step: BoardStep, done: () => void): HTMLElement | null {
  const action = actionFor(step);
  const asks = step.asks.filter((a): a is Exclude<Ask, "plain"> => a !== "plain");
  if (!action && asks.length === 0) return null;
  const counts = h("input", { name: "counts", placeholder: t("envelopes=405 pulled=3"), size: 28 });
  const countsProblem = h("p", { class: "error field-error", "data-field": "counts", role: "alert" });
  const note = h("input", { name: "note", placeholder: t("Note"), size: 24 });
  const reason = h("input", { name: "reason", placeholder: t("Reason"), size: 24 });
  const send = async (sendBack: string | null, ask: Ask = "plain") => {
    const act = ask === "plain" ? action : ASKS[ask].action;
    if (!act) return;
    const typed = countsTyped(act === "do" && ask === "plain" ? counts.value : "");
    countsProblem.textContent = "bad" in typed ? `${t("Cannot read the count")}「${typed.bad}」${t(" (for example 封入数=405)")}` : "";
    if ("bad" in typed) return;
    const noteText = note.value.trim() || null;
    if (!(await confirmSigning({ batch, step, action: act, ask, counts: typed.counts, note: noteText, sendBack }))) return;
    try {
      const entry = await api.record({
        batch: batch.batch_id,
        step: step.step,
        action: act,
        counts: typed.counts,
        note: noteText,
        send_back: sendBack,
        ask,
      });
      say(`${t("Recorded")}: ${batch.label} ${t("Step")}${step.step} ${entry.by_name}`);
      done();
    } catch (e) {
      say(refusalText(e), "error");
    }
  };
  const verb = action === "do" ? t("Do") : action === "verify" ? t("Verify") : t("Approve");
  const askButtons = asks.map((a) =>
    h("button", { type: "button", class: ASKS[a].kind, "data-action": a, onclick: () => void send(null, a) }, t(ASKS[a].label)),
  );
  if (!action) return h("form", { class: "step-form", "data-batch": batch.label, "data-step": step.step, onsubmit: (e: Event) => e.preventDefault() }, note, askButtons);
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
    askButtons,
  );
}
