// 返戻: returned envelopes recorded at a batch's data update step (データ更新): scan or type the voucher
// number, pick the reason, the day it came back (today unless changed); the batch's running count beside
// the step that checks it.
import { api } from "./api";
import { h, replace } from "./dom";
import { fieldError, refused, showProblems, today } from "./forms";
import { t } from "./i18n";
import { label, say } from "./state";

const REASONS = ["宛所不明", "転居先不明", "受取拒否", "保管期間経過", "その他"];

/// The form for `batch`'s returns, with `voucher` filled in when it is about one.
export function returnsForm(batch: string, voucher_no = ""): HTMLElement {
  const voucher = h("input", { name: "return-voucher", size: 14, inputmode: "numeric", placeholder: "20000001", value: voucher_no });
  const reason = h("select", { name: "return-reason" }, REASONS.map((r) => h("option", { value: r }, r)));
  const detail = h("input", { name: "return-detail", size: 18, placeholder: t("Details (optional)") });
  const on = h("input", { name: "return-on", size: 12, value: today() });
  const count = h("span", { class: "returned-count" });
  const boxes = { voucher: fieldError("voucher"), text: fieldError("text"), on: fieldError("on") };
  const counted = (n: number) => replace(count, `${t("Returned so far")}: ${n}${t(" entries")}`);
  void api.returnedCount(batch).then(counted, () => undefined);
  const submit = async (e: Event) => {
    e.preventDefault();
    showProblems(boxes, []);
    const more = detail.value.trim();
    try {
      const recorded = await api.recordReturn({
        batch,
        voucher: voucher.value,
        reason: more ? `${reason.value}：${more}` : reason.value,
        on: on.value,
      });
      say(`${t("Recorded")}: ${t("Returned mail")} ${recorded.note.voucher_no} ${recorded.note.on}`);
      if (recorded.returned !== null) counted(recorded.returned);
      voucher.value = "";
      detail.value = "";
      voucher.focus();
    } catch (e) {
      refused(e, boxes);
    }
  };
  return h(
    "form",
    { class: "returns", onsubmit: submit, novalidate: true },
    h("h4", {}, t("Returned mail"), " ", count),
    h("div", {}, label(t("Voucher number"), voucher), boxes.voucher),
    h("div", {}, label(t("Reason"), reason), detail, boxes.text),
    h("div", {}, label(t("Day it came back"), on), boxes.on),
    h("button", { type: "submit", class: "primary", "data-action": "record-return" }, t("Record the return")),
  );
}
