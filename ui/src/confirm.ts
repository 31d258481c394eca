// 記録の確認: every sign-off is stated in full before it is signed (who signs what, the counts, the
// lists it covers with their rows, the note or the send-back's reason); Enter signs, Escape cancels.
import type { Ask, BoardBatch, BoardStep } from "./bindings";
import { api } from "./api";
import { h } from "./dom";
import { markingText, roleText, t } from "./i18n";
import { app, countsText, fmtTime, listKindText } from "./state";

export type Signing = {
  batch: BoardBatch;
  step: BoardStep;
  action: "do" | "verify" | "approve";
  /// 取下げ・代決・後閲, or a plain entry.
  ask: Ask;
  counts: Record<string, number>;
  note: string | null;
  sendBack: string | null;
};

/// Shows what is about to be signed; resolves true when the member confirms it.
export async function confirmSigning(s: Signing): Promise<boolean> {
  const lists = (await api.lists(s.batch.batch_id).catch(() => null)) ?? [];
  const me = app.session?.me;
  const what =
    s.sendBack !== null ? t("Send back") : s.ask !== "plain" ? markingText(s.ask) : s.action === "do" ? t("Do") : s.action === "verify" ? t("Verify") : t("Approve");
  const row = (label: string, value: string) => h("tr", {}, h("th", {}, label), h("td", {}, value));
  // A verify or an approval signs for the record before it: its counts are what is agreed to.
  // A 取下げ or a 後閲 is about the step's own standing entry.
  const subject = s.ask === "withdraw" || s.ask === "review" ? s.step.decisive : s.batch.steps.find((x) => x.step === s.step.subject)?.decisive;
  return new Promise((resolve) => {
    const done = (yes: boolean) => {
      document.removeEventListener("keydown", keys, true);
      overlay.remove();
      resolve(yes);
    };
    // Escape goes back from anywhere; Enter presses the button that has the focus (記録する first).
    const keys = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        done(false);
      }
    };
    const sign = h("button", { type: "button", class: "primary", "data-action": "confirm-sign", onclick: () => done(true) }, t("Sign as shown"));
    const overlay = h(
      "div",
      { class: "overlay", role: "dialog", "aria-modal": "true", "aria-labelledby": "confirm-title" },
      h(
        "div",
        { class: "card confirm-sign" },
        h("h2", { id: "confirm-title" }, t("Check before signing")),
        h(
          "table",
          { class: "signing" },
          row(t("Signed by"), me ? `${me.name}（${roleText(me.role)}）` : ""),
          row(t("Batch"), `${s.batch.process} ${s.batch.label}`),
          row(t("Step"), `${s.step.step} ${s.step.ja}`),
          row(t("Action"), what),
          subject
            ? row(t("Record checked"), `${t("Step")}${subject.step} ${subject.by_name} ${fmtTime(subject.at)} ${countsText(subject.counts)}`)
            : row(t("Counts"), Object.keys(s.counts).length ? countsText(s.counts) : t("None")),
          row(t("Lists"), lists.length ? lists.map((l) => `${listKindText(l.list_kind)} ${l.row_count}${t("rows")}`).join("、") : t("None")),
          s.sendBack !== null ? row(t("Reason"), s.sendBack || t("None")) : row(t("Note"), s.note ?? t("None")),
        ),
        h("p", { class: "hint" }, t("Enter signs; Escape goes back without signing.")),
        h("div", { class: "buttons" }, sign, h("button", { type: "button", "data-action": "cancel-sign", onclick: () => done(false) }, t("Cancel"))),
      ),
    );
    document.addEventListener("keydown", keys, true);
    document.body.append(overlay);
    sign.focus();
  });
}
