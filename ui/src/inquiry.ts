// 問合せ: an institution phones; type the voucher number, see who it is and where it stands, type who called
// and the answer, Enter logs it.
import type { RegisterEntry } from "./bindings";
import { api } from "./api";
import { h, replace } from "./dom";
import { eventText, t, voucherStatusText } from "./i18n";
import { attempt, label, say } from "./state";

const recent: string[] = [];

export async function inquiryScreen(root: HTMLElement): Promise<void> {
  const voucher = h("input", { name: "voucher", placeholder: "20000001", size: 14, autofocus: true, inputmode: "numeric" });
  const from = h("input", { name: "from", size: 24, list: "institutions" });
  const answer = h("input", { name: "answer", size: 36 });
  const found = h("div", { class: "found" });
  const log = h("ul", { class: "logged" });
  let timer = 0;
  voucher.addEventListener("input", () => {
    clearTimeout(timer);
    timer = window.setTimeout(async () => {
      const q = voucher.value.trim();
      if (q.length < 4) return replace(found);
      const page = await attempt(() => api.registerPage(q, 0, 1));
      showVoucher(found, page?.hits[0]);
    }, 120);
  });
  const submit = async (e: Event) => {
    e.preventDefault();
    const logged = await attempt(() => api.logInquiry(voucher.value, from.value, answer.value));
    if (!logged) return;
    if (!recent.includes(logged.note.from)) recent.unshift(logged.note.from);
    say(`${t("Logged")}: ${logged.note.voucher_no} ${logged.note.on} (${logged.batch_label})`);
    log.prepend(h("li", {}, `${logged.note.on} ${logged.note.voucher_no} ${logged.voucher?.name ?? t("Not in the register")} — ${logged.note.from}: ${logged.note.text}`));
    voucher.value = "";
    answer.value = "";
    replace(found);
    voucher.focus();
  };
  replace(
    root,
    h("h2", {}, t("Inquiries")),
    h(
      "form",
      { class: "inquiry", onsubmit: submit },
      label(t("Voucher number"), voucher),
      label(t("Who called"), from),
      label(t("Answer"), answer),
      h("button", { type: "submit", class: "primary" }, t("Log the call")),
      h("datalist", { id: "institutions" }, recent.map((r) => h("option", { value: r }))),
    ),
    found,
    log,
  );
  voucher.focus();
}

function showVoucher(box: HTMLElement, e: RegisterEntry | undefined): void {
  if (!e) return replace(box, h("p", { class: "warn" }, t("Not in the register")));
  replace(
    box,
    h("p", {}, h("strong", {}, `${e.voucher_no} ${e.name}`), ` ${e.kana} ${e.birth} `, h("span", { class: `badge ${e.status}` }, voucherStatusText(e.status)), ` ${e.process} ${e.batch_label}`),
    e.events.length > 0 && h("ul", {}, e.events.map((ev) => h("li", {}, `${eventText(ev.kind)} ${ev.on ?? ""} ${ev.detail}`))),
  );
}
