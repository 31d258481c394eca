// 保険者情報: what every voucher says of the insurer (number, name, address, phone, the 契約とりまとめ機関,
// the 支払代行機関, the year's 有効期限 and the self-pay of each part of the checkup). An admin changes
// it; the core checks it whole (the number's check digit, the phone) and signs it for every laptop.
import type { Insurer, InsurerForm, SelfPay } from "./bindings";
import { api } from "./api";
import { h } from "./dom";
import { t } from "./i18n";
import { app, attempt, label, say } from "./state";

/// The parts of a checkup whose self-pay a voucher states, as the office names them.
const categories = () =>
  [
    ["basic", t("Checkup (basic)")],
    ["detailed", t("Checkup (detailed)")],
    ["extra", t("Extra items")],
    ["dock", t("Health dock")],
  ] as const;

/// A self-pay as the core reads it: free, N%, N円, max:N円.
function payText(kind: string, amount: string): string {
  switch (kind) {
    case "percent":
      return `${amount}%`;
    case "fixed":
      return `${amount}円`;
    case "insurer_max":
      return `max:${amount}円`;
    default:
      return "free";
  }
}

function payAmount(p: SelfPay): string {
  return p.kind === "free" ? "" : String(p.value);
}

export function insurerForm(): HTMLElement {
  const admin = app.session?.me.admin ?? false;
  const i: Insurer | null = app.session?.settings.insurer ?? null;
  const field = (name: string, value: string, size = 24) => h("input", { name, value, size, autocomplete: "off", disabled: !admin });
  const number = field("insurer-no", i?.number ?? "", 10);
  const name = field("insurer-name", i?.name ?? "");
  const address = field("insurer-address", i?.address ?? "", 36);
  const phone = field("insurer-phone", i?.phone ?? "", 14);
  const org = field("contract-org", i ? (i.contract_org_code ? `${i.contract_org}:${i.contract_org_code}` : i.contract_org) : "", 16);
  const agentNo = field("payment-agent-no", i?.payment_agent_no ?? "", 10);
  const agentName = field("payment-agent-name", i?.payment_agent_name ?? "");
  const valid = field("valid-until", i?.valid_until ?? "", 12);
  const pays = categories().map(([code, text]) => {
    const current = i?.self_pay[code] ?? { kind: "free" };
    const kind = h(
      "select",
      { name: `self-pay-${code}`, disabled: !admin },
      [
        ["free", t("Free")],
        ["percent", t("Share (%)")],
        ["fixed", t("Fixed (yen)")],
        ["insurer_max", t("Insurer pays up to (yen)")],
      ].map(([v, l]) => h("option", { value: v, selected: current.kind === v }, l)),
    );
    const amount = h("input", { name: `self-pay-${code}-amount`, value: payAmount(current), size: 7, inputmode: "numeric", disabled: !admin });
    return { code, text, kind, amount };
  });
  const submit = async (e: Event) => {
    e.preventDefault();
    const form: InsurerForm = {
      number: number.value,
      name: name.value,
      address: address.value,
      phone: phone.value,
      contract_org: org.value,
      payment_agent_no: agentNo.value,
      payment_agent_name: agentName.value,
      valid_until: valid.value,
      self_pay: pays.map((p) => `${p.code}=${payText(p.kind.value, p.amount.value.trim())}`),
    };
    const s = await attempt(() => api.setInsurer(form));
    if (!s) return;
    app.session = s;
    say(`${t("Saved")}: ${t("Insurer")} ${s.settings.insurer?.number ?? ""}`);
  };
  return h(
    "form",
    { class: "insurer-settings", onsubmit: submit, novalidate: true },
    h(
      "div",
      { class: "form-grid" },
      label(t("Insurer number"), number),
      label(t("Insurer name"), name),
      label(t("Insurer address"), address),
      label(t("Insurer phone"), phone),
      label(t("Contract organisation"), org),
      label(t("Payment agent number"), agentNo),
      label(t("Payment agent name"), agentName),
      label(t("Valid until (this fiscal year)"), valid),
    ),
    h(
      "table",
      { class: "self-pay" },
      h("caption", {}, t("Self-pay at the window")),
      h("tbody", {}, pays.map((p) => h("tr", {}, h("th", {}, p.text), h("td", {}, p.kind), h("td", {}, p.amount)))),
    ),
    admin ? h("button", { type: "submit", "data-action": "save-insurer" }, t("Save")) : h("span", { class: "hint" }, t("Only an office admin can change these.")),
  );
}
