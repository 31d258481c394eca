// 再交付申請 at the window: from a voucher's detail in the register, the request joins a reissue
// batch's request list (process 3), with its reason and the day it was asked (today unless changed).
// Problems are said at their fields; the core decides whether the batch still takes requests.
import { api } from "./api";
import type { BoardBatch } from "./bindings";
import { h } from "./dom";
import { fieldError, refused, showProblems, today } from "./forms";
import { t } from "./i18n";
import { label, listKindText, say } from "./state";

const REASONS = ["紛失", "汚損", "破損", "住所変更", "その他"];

export function reissueForm(voucher_no: string): HTMLElement {
  const batch = h("select", { name: "reissue-batch" });
  const reason = h("select", { name: "reissue-reason" }, REASONS.map((r) => h("option", { value: r }, r)));
  const detail = h("input", { name: "reissue-detail", size: 18, placeholder: t("Details (optional)") });
  const on = h("input", { name: "reissue-on", size: 12, value: today() });
  const boxes = { voucher: fieldError("voucher"), text: fieldError("text"), on: fieldError("on") };
  // The reissue batches, newest first (which still take requests is the core's to say).
  void api.board().then((all: BoardBatch[]) => {
    for (const b of all.filter((b) => b.process === "3").reverse()) batch.append(h("option", { value: b.batch_id }, b.label));
  });
  const submit = async (e: Event) => {
    e.preventDefault();
    showProblems(boxes, []);
    const more = detail.value.trim();
    try {
      const s = await api.requestReissue({ batch: batch.value, voucher: voucher_no, reason: more ? `${reason.value}：${more}` : reason.value, on: on.value });
      say(`${t("Recorded")}: ${t("Reissue request")} ${voucher_no} — ${s.batch_label} ${listKindText(s.list_kind)} ${s.rows}${t(" entries")}`);
    } catch (err) {
      refused(err, boxes);
    }
  };
  return h(
    "form",
    { class: "reissue-request", onsubmit: submit, novalidate: true },
    h("h4", {}, t("Reissue request")),
    h("div", {}, label(t("Reissue batch"), batch), boxes.voucher),
    h("div", {}, label(t("Reason"), reason), detail, boxes.text),
    h("div", {}, label(t("Day asked"), on), boxes.on),
    h("button", { type: "submit", class: "primary", "data-action": "request-reissue" }, t("Request a reissue")),
  );
}
