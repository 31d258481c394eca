// 受診券リスト: search by number, kana, name or postal code; all 150,000 rows scroll in a virtual list that
// fetches pages as they come into view; the chosen voucher's history and what can be done with it beside
// it (log a call about it, record its envelope as returned).
import type { Found, RegisterEntry } from "./bindings";
import { api, forgetReads } from "./api";
import { h, replace, rowsInView } from "./dom";
import { eventText, sexText, t, voucherStatusText } from "./i18n";
import { askAbout } from "./inquiry";
import { reissueForm } from "./reissue";
import { returnsForm } from "./returns";
import { attempt } from "./state";

const ROW = 30;
const PAGE = 200;

export async function registerScreen(root: HTMLElement): Promise<void> {
  let query = "";
  let total = 0;
  // A page's places: null for a voucher this laptop does not show (one of a batch it does not hold).
  const pages = new Map<number, (RegisterEntry | null)[] | "loading">();
  const search = h("input", { type: "search", name: "query", placeholder: t("Search: number, kana, name, postal code"), size: 40, autofocus: true });
  const count = h("span", { class: "count" });
  const spacer = h("div", { class: "spacer" });
  const rows = h("div", { class: "rows" });
  const viewport = h("div", { class: "viewport", tabindex: 0 }, spacer, rows);
  const history = h("aside", { class: "history-panel" });
  let selected = "";
  const choose = (e: RegisterEntry) => {
    selected = e.voucher_no;
    rows.querySelectorAll(".vrow.selected").forEach((r) => r.classList.remove("selected"));
    rows.querySelector(`.vrow[data-voucher="${CSS.escape(e.voucher_no)}"]`)?.classList.add("selected");
    showHistory(history, e);
  };

  const header = h(
    "div",
    { class: "vrow head" },
    [t("Voucher number"), t("Name"), t("Kana"), t("Birth"), t("Age"), t("Sex"), t("Postal"), t("Address"), t("Batch"), t("Status")].map((c) => h("span", {}, c)),
  );

  const draw = () => {
    const out = rowsInView(viewport, { height: ROW, size: PAGE, total }, pages, (p) => void load(p), (e) =>
        e
          ? h(
              "div",
              { class: `vrow ${e.status}${e.voucher_no === selected ? " selected" : ""}`, "data-voucher": e.voucher_no, onclick: () => choose(e) },
              h("span", {}, e.voucher_no),
              h("span", {}, e.name),
              h("span", {}, e.kana),
              h("span", { title: e.birth }, e.birth_ja),
              h("span", { title: t("Age at the end of the fiscal year") }, e.age),
              h("span", {}, sexText(e.sex)),
              h("span", {}, `${e.postal.slice(0, 3)}-${e.postal.slice(3)}`),
              h("span", { title: e.address }, e.address),
              h("span", {}, `${e.process} ${e.batch_label}`),
              h("span", { class: `badge ${e.status}` }, voucherStatusText(e.status), e.events.length ? ` +${e.events.length}` : ""),
            )
          : e === null
            ? h("div", { class: "vrow unshown" }, h("span", {}, t("A voucher of a batch this laptop does not hold")))
            : h("div", { class: "vrow loading" }, "…"),
    );
    replace(rows, out);
  };

  const load = async (page: number) => {
    pages.set(page, "loading");
    const asked = query;
    const found = await attempt(() => api.registerPage(asked, page * PAGE, PAGE));
    if (!found || asked !== query) return;
    pages.set(page, placed(found));
    draw();
  };

  const run = async () => {
    pages.clear();
    forgetReads("register_page");
    const found = await attempt(() => api.registerPage(query, 0, PAGE));
    if (!found) return;
    total = Number(found.total);
    pages.set(0, placed(found));
    // The chosen voucher's detail as this search finds it, or none.
    const again = found.hits.find((e) => e.voucher_no === selected);
    if (again) showHistory(history, again);
    else {
      selected = "";
      replace(history);
    }
    count.textContent = `${total.toLocaleString()} ${t("found")}`;
    spacer.style.height = `${total * ROW}px`;
    viewport.scrollTop = 0;
    draw();
    if (found.hits.length === 1) choose(found.hits[0]);
  };

  let timer = 0;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => {
      query = search.value;
      void run();
    }, 150);
  });
  viewport.addEventListener("scroll", () => requestAnimationFrame(draw));
  replace(root, h("div", { class: "register" }, h("div", { class: "searchbar" }, search, count), h("div", { class: "table" }, header, viewport), history));
  await run();
  search.focus();
}

/// The page's hits in their places, with null where a voucher is not shown.
function placed(found: Found): (RegisterEntry | null)[] {
  const out: (RegisterEntry | null)[] = [...found.hits];
  for (const at of found.unshown) out.splice(at, 0, null);
  return out;
}

function showHistory(box: HTMLElement, e: RegisterEntry): void {
  replace(
    box,
    h("h3", {}, `${e.voucher_no} ${e.name}`),
    h(
      "p",
      {},
      e.kana,
      h("br"),
      h("span", { title: e.birth }, e.birth_ja),
      ` ${e.age}${t(" years at the end of the fiscal year")} ${sexText(e.sex)}`,
      h("br"),
      `〒${e.postal.slice(0, 3)}-${e.postal.slice(3)} ${e.address}`,
    ),
    h("p", {}, `${e.process} ${e.batch_label} (${e.fiscal_year})`, " ", h("span", { class: `badge ${e.status}` }, voucherStatusText(e.status))),
    h("h4", {}, t("History")),
    e.events.length ? h("ul", {}, e.events.map((ev) => h("li", {}, h("strong", {}, eventText(ev.kind)), ` ${ev.on ?? ""} ${ev.detail}`))) : h("p", {}, "—"),
    h(
      "div",
      { class: "voucher-actions" },
      h("button", { type: "button", "data-action": "voucher-inquiry", onclick: () => askAbout(e.voucher_no) }, t("Log a call about it")),
    ),
    e.status === "sent" && returnsForm(e.batch_id, e.voucher_no),
    reissueForm(e.voucher_no),
  );
}
