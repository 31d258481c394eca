// 取込・帳票: choose a CSV, see every problem and every doubt before anything is written, import;
// show and save reports.
import type { FileOut, ListKind } from "./bindings";
import { FIELD_JA, REPORT_JA } from "./bindings";
import { api } from "./api";
import { h, replace } from "./dom";
import { fileField } from "./forms";
import { currentLang, importWarningText, reportText, t } from "./i18n";
import { attempt, label, listKindText, say } from "./state";

const KINDS: ListKind[] = ["targets", "rehearsal", "production", "pullouts", "returned", "reissue_requests", "checkup_results", "coverage_loss"];
const REPORTS = Object.keys(REPORT_JA);

export async function importsScreen(root: HTMLElement): Promise<void> {
  const batches = (await attempt(() => api.board())) ?? [];
  const batchSelect = () => h("select", { name: "batch" }, batches.map((b) => h("option", { value: b.batch_id }, `${b.process} ${b.label}`)));
  const batch = batchSelect();
  const kind = h("select", { name: "kind" }, KINDS.map((k) => h("option", { value: k }, listKindText(k))));
  const file = fileField("path", { ext: ["csv", "txt"] });
  const result = h("div", { class: "preview" });
  // Ticked only after a check that had doubts; cleared by the next check.
  const confirm = h("input", { type: "checkbox", name: "confirm-import" });

  const check = async () => {
    confirm.checked = false;
    const p = await attempt(() => api.previewImport(kind.value as ListKind, batch.value, file.file()));
    if (!p) return replace(result);
    if (p.problems.length) {
      return replace(
        result,
        h("p", { class: "error" }, `${p.problems.length} ${t("problems")}`),
        h("ul", { class: "problems" }, p.problems.map((x) => h("li", {}, `${x.line}${x.column ? ":" + x.column : ""}: ${currentLang() === "ja" ? x.ja : x.why}`))),
      );
    }
    const [fields, ...rows] = p.sample;
    replace(
      result,
      h("p", { class: "ok" }, `${t("No problems: ready to import")} — ${p.summary?.rows} ${t("rows")} (${p.summary?.encoding})`),
      p.warnings.length > 0 && [
        h("ul", { class: "warnings" }, p.warnings.map((w) => h("li", { "data-warning": w.warning }, importWarningText(w)))),
        h("label", { class: "check" }, confirm, t("Import it all the same")),
      ],
      fields && h("table", { class: "sample" }, h("thead", {}, h("tr", {}, fields.map((f) => h("th", { title: f }, currentLang() === "ja" ? (FIELD_JA[f] ?? f) : f)))), h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c)))))),
    );
  };
  // A tick given for one file, kind or batch does not carry over to another.
  const forget = () => {
    confirm.checked = false;
    replace(result);
  };
  for (const el of [batch, kind, file.input]) el.addEventListener("change", forget);
  const doImport = async () => {
    const s = await attempt(() => api.importList(kind.value as ListKind, batch.value, file.file(), confirm.checked));
    if (s) {
      say(`${t("Imported")}: ${s.batch_label} ${listKindText(s.list_kind)} ${s.rows} ${t("rows")} (${s.encoding})`);
      replace(result);
    }
  };

  const rBatch = batchSelect();
  const rKind = h("select", { name: "report" }, REPORTS.map((k) => h("option", { value: k }, reportText(k))));
  // The file's kind, as the core names it (FileOut): a spreadsheet, or CSV in an encoding.
  const out = h(
    "select",
    { name: "out" },
    h("option", { value: "csv_cp932" }, "CSV (Shift_JIS)"),
    h("option", { value: "csv_utf8" }, "CSV (UTF-8)"),
    h("option", { value: "xlsx" }, "Excel (XLSX)"),
  );
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
    const kind = out.value as FileOut;
    const ext = kind === "xlsx" ? "xlsx" : "csv";
    const chosen = await attempt(() => api.chooseFile([ext], `${reportText(rKind.value)}.${ext}`));
    if (!chosen) return;
    const written = await attempt(() => api.exportReport({ kind: rKind.value, batch: rBatch.value, out: kind, file: chosen.token }));
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
      label(t("File"), file.field),
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
      label(t("Format"), out),
      h("button", { type: "button", onclick: () => void show() }, t("Show")),
      h("button", { type: "button", class: "primary", onclick: () => void saveAs() }, t("Save…")),
    ),
    table,
  );
}
