// リストの内容: a list a step covers, opened from the evidence. Every row scrolls in a virtual table
// (only the visible rows exist; pages of 200 are fetched as they come into view), searchable in any
// width, with how the list differs from the one it is checked against (who it adds, who it leaves out).
import type { ListPage, ListRef } from "./bindings";
import { FIELD_JA } from "./bindings";
import { api } from "./api";
import { h, replace, rowsInView } from "./dom";
import { currentLang, lostBy, t } from "./i18n";
import { attempt, fmtTime, listKindText } from "./state";

const ROW = 26;
const PAGE = 200;

/// Opens a batch's list over the screen; Escape or 閉じる closes it.
export function openList(batch: { batch_id: string; label: string }, list: ListRef): void {
  const field = (f: string) => (currentLang() === "ja" ? (FIELD_JA[f] ?? f) : f);
  const search = h("input", { name: "list-search", type: "search", size: 24, placeholder: t("Search the list"), autocomplete: "off" });
  const found = h("span", { class: "list-found" });
  const difference = h("div", { class: "list-difference" });
  const head = h("div", { class: "lrow head" });
  const rows = h("div", { class: "rows" });
  const spacer = h("div", { class: "spacer" });
  const viewport = h("div", { class: "viewport list-viewport", tabindex: 0 }, spacer, rows);
  let pages = new Map<number, string[][] | "loading">();
  let total = 0;
  let asked = "";

  const columns = (n: number) => `repeat(${n}, minmax(90px, 1fr))`;
  const draw = () => {
    const out = rowsInView(viewport, { height: ROW, size: PAGE, total }, pages, (p) => void load(p), (row, i) => {
      const el = h("div", { class: row ? "lrow" : "lrow loading", "data-row": i }, row ? row.map((c) => h("span", { title: c }, c)) : "…");
      el.style.gridTemplateColumns = head.style.gridTemplateColumns;
      return el;
    });
    replace(rows, out);
  };
  const shown = (p: ListPage) => {
    total = p.total;
    spacer.style.height = `${total * ROW}px`;
    head.style.gridTemplateColumns = columns(p.fields.length);
    replace(head, p.fields.map((f) => h("span", {}, field(f))));
    replace(found, `${total}${t(" rows found")}`);
  };
  const load = async (page: number) => {
    pages.set(page, "loading");
    const forSearch = asked;
    const p = await attempt(() => api.listPage(batch.batch_id, list.doc_id, forSearch, page * PAGE, PAGE));
    if (!p || forSearch !== asked) return;
    pages.set(page, p.rows);
    shown(p);
    if (page === 0) showDifference(p);
    draw();
  };
  const showDifference = (p: ListPage) => {
    // 資格喪失者の削除: why the list has fewer rows than when its step was recorded.
    const redacted = p.redacted.map((r) =>
      h(
        "p",
        { "data-redacted": r.removed },
        `${t("Departed persons' rows deleted")}（${r.by_name} ${fmtTime(r.at)}）: ${lostBy(r.lost_by)}、${r.removed}${t("rows")}（${t("before")} ${r.rows_before}${t("rows")}）`,
      ),
    );
    const d = p.difference;
    if (!d) return replace(difference, redacted);
    const names = (xs: string[], n: number) => (n === 0 ? t("none") : `${n}${t(" people")}: ${xs.join("、")}${n > xs.length ? " …" : ""}`);
    replace(
      difference,
      redacted,
      h("p", {}, `${t("Compared with")} ${listKindText(d.against)}（${d.against_rows}${t("rows")}）`),
      h("p", { "data-difference": "added" }, `${t("Not in it")}: ${names(d.added, Number(d.added_count))}`),
      h("p", { "data-difference": "left_out" }, `${t("Left out")}: ${names(d.left_out, Number(d.left_out_count))}`),
      h(
        "p",
        { "data-difference": "pulled_out" },
        `${t("Pulled out")}: ${names(
          d.pulled_out.map(([no, why]) => `${no}（${why}）`),
          Number(d.pulled_out_count),
        )}`,
      ),
    );
  };
  const research = () => {
    asked = search.value;
    pages = new Map();
    viewport.scrollTop = 0;
    void load(0);
  };

  const close = () => {
    document.removeEventListener("keydown", keys, true);
    overlay.remove();
  };
  const keys = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close();
    }
  };
  search.addEventListener("input", research);
  viewport.addEventListener("scroll", draw);
  const overlay = h(
    "div",
    { class: "overlay", role: "dialog", "aria-modal": "true" },
    h(
      "div",
      { class: "card list-view", "data-list": list.doc_id },
      h(
        "div",
        { class: "list-view-head" },
        h("h2", {}, `${listKindText(list.list_kind)} — ${batch.label}（${list.row_count}${t("rows")}）`),
        h("button", { type: "button", "data-action": "close-list", onclick: close }, t("Close")),
      ),
      difference,
      h("div", { class: "form-row" }, search, found),
      head,
      viewport,
    ),
  );
  document.addEventListener("keydown", keys, true);
  document.body.append(overlay);
  search.focus();
  void load(0);
}
