// 取込・帳票: pick a CSV, see every problem before anything is written, import; show and save reports.
import type { ListKind } from "./bindings";
import { open, save } from "@tauri-apps/plugin-dialog";
import { api } from "./api";
import { h, replace } from "./dom";
import { t } from "./i18n";
import { attempt, label, say } from "./state";

const KINDS: ListKind[] = ["targets", "rehearsal", "production", "pullouts", "returned", "reissue_requests", "checkup_results"];
const REPORTS = ["postal-counts", "pullouts", "returned", "age-check", "reissues", "reissue-check", "encouragement", "encouragement-counts", "inquiries"];

export async function importsScreen(root: HTMLElement): Promise<void> {
  const batches = (await attempt(() => api.board())) ?? [];
  const batchSelect = () => h("select", { name: "batch" }, batches.map((b) => h("option", { value: b.batch_id }, `${b.process} ${b.label}`)));
  const batch = batchSelect();
  const kind = h("select", { name: "kind" }, KINDS.map((k) => h("option", { value: k }, k)));
  const path = h("input", { name: "path", size: 48, placeholder: t("Choose the file, or type where it is") });
  const result = h("div", { class: "preview" });

  const check = async () => {
    const p = await attempt(() => api.previewImport(kind.value as ListKind, batch.value, path.value));
    if (!p) return;
    if (p.refusal) return replace(result, h("p", { class: "error" }, p.refusal));
    if (p.problems.length) {
      return replace(
        result,
        h("p", { class: "error" }, `${p.problems.length} ${t("problems")}`),
        h("ul", { class: "problems" }, p.problems.map((x) => h("li", {}, `${x.line}${x.column ? ":" + x.column : ""}: ${x.why}`))),
      );
    }
    const [fields, ...rows] = p.sample;
    replace(
      result,
      h("p", { class: "ok" }, `${t("No problems: ready to import")} — ${p.summary?.rows} ${t("rows")} (${p.summary?.encoding})`),
      fields && h("table", { class: "sample" }, h("thead", {}, h("tr", {}, fields.map((f) => h("th", {}, f)))), h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c)))))),
    );
  };
  const doImport = async () => {
    const s = await attempt(() => api.importList(kind.value as ListKind, batch.value, path.value));
    if (s) {
      say(`${t("Imported")}: ${s.batch_label} ${s.list_kind} ${s.rows} ${t("rows")} (${s.encoding})`);
      replace(result);
    }
  };

  const rBatch = batchSelect();
  const rKind = h("select", { name: "report" }, REPORTS.map((k) => h("option", { value: k }, k)));
  const format = h("select", { name: "format" }, h("option", { value: "csv" }, "CSV"), h("option", { value: "xlsx" }, "XLSX"));
  const encoding = h("select", { name: "encoding" }, h("option", { value: "cp932" }, "CP932 (Shift_JIS)"), h("option", { value: "utf8" }, "UTF-8 (BOM)"));
  const table = h("div", { class: "report" });
  const show = async () => {
    const tb = await attempt(() => api.reportTable(rKind.value, rBatch.value));
    if (!tb) return;
    replace(
      table,
      h("p", {}, `${tb.title}: ${tb.rows.length} ${t("rows")}`),
      h("table", {}, h("thead", {}, h("tr", {}, tb.headers.map((x) => h("th", {}, x)))), h("tbody", {}, tb.rows.slice(0, 100).map((r) => h("tr", {}, r.map((c) => h("td", {}, c)))))),
    );
  };
  const saveAs = async () => {
    const file = await save({ defaultPath: `${rKind.value}.${format.value}` });
    if (!file) return;
    const written = await attempt(() => api.exportReport({ kind: rKind.value, batch: rBatch.value, format: format.value, encoding: encoding.value, path: file }));
    if (written) say(`${t("Saved")}: ${written}`);
  };

  replace(
    root,
    h("h2", {}, t("Import a list")),
    h(
      "div",
      { class: "form-row" },
      label(t("Batch"), batch),
      label(t("Kind"), kind),
      label(t("File"), path),
      h("button", { type: "button", onclick: async () => { const f = await open({ filters: [{ name: "CSV", extensions: ["csv", "txt"] }] }); if (typeof f === "string") path.value = f; } }, t("Choose…")),
      h("button", { type: "button", onclick: () => void check(), "data-action": "check" }, t("Check")),
      h("button", { type: "button", class: "primary", onclick: () => void doImport(), "data-action": "import" }, t("Import")),
    ),
    result,
    h("h2", {}, t("Reports")),
    h(
      "div",
      { class: "form-row" },
      label(t("Batch"), rBatch),
      label(t("Kind"), rKind),
      label(t("Format"), format),
      label(t("Encoding"), encoding),
      h("button", { type: "button", onclick: () => void show() }, t("Show")),
      h("button", { type: "button", class: "primary", onclick: () => void saveAs() }, t("Save…")),
    ),
    table,
  );
}
