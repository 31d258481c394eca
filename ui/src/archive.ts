// 事跡・印刷: the month's records as one signed zip, checking an archive, and the print PDFs.
import { open, save } from "@tauri-apps/plugin-dialog";
import { api } from "./api";
import { h, replace } from "./dom";
import { ym } from "./forms";
import { t } from "./i18n";
import { attempt, label, say } from "./state";

/// Last month (YYYY-MM): month-end filing is done in the days after the month closes.
function lastMonth(): string {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() - 1);
  return ym(d);
}

function pathInput(name: string, placeholder: string): HTMLInputElement {
  return h("input", { name, size: 48, placeholder });
}

/// A passphrase that seals (or opens) an archive for carrying; empty for none.
function sealInput(name: string): HTMLInputElement {
  return h("input", { name, type: "password", size: 16, autocomplete: "off" });
}

export async function archiveScreen(root: HTMLElement): Promise<void> {
  const batches = (await attempt(() => api.board())) ?? [];

  const month = h("input", { name: "month", type: "month", value: lastMonth() });
  const out = pathInput("archive-out", t("Where to save the archive"));
  const seal = sealInput("archive-seal");
  const exportArchive = async () => {
    const e = await attempt(() => api.archiveExport(month.value, out.value, seal.value));
    if (e) say(`${t("Archive saved")}: ${e.month} — ${e.batches} ${t("batches")}, ${e.signoffs} ${t("sign-offs")}, ${e.lists} ${t("lists")}, ${e.lookups} ${t("lookups")} → ${out.value}`);
  };

  const file = pathInput("archive-file", t("Choose the archive, or type where it is"));
  const unseal = sealInput("archive-unseal");
  const verdict = h("div", { class: "verdict" });
  const verify = async () => {
    const c = await attempt(() => api.archiveVerify(file.value, unseal.value));
    if (!c) return;
    const head = h("p", {}, `${c.month} ${c.office_name} — ${t("exported by")} ${c.exported_by.name}, ${c.files} ${t("files")}, ${c.signoffs} ${t("sign-offs")}`);
    replace(
      verdict,
      head,
      c.problems.length === 0
        ? h("p", { class: "ok", "data-verdict": "ok" }, t("OK: every hash and signature checks out"))
        : [h("p", { class: "error", "data-verdict": "bad" }, `${c.problems.length} ${t("problems")}`), h("ul", { class: "problems" }, c.problems.map((p) => h("li", {}, p)))],
    );
  };

  const printable = batches.filter((b) => b.process === "3" || b.process === "5");
  const pBatch = h("select", { name: "print-batch" }, printable.map((b) => h("option", { value: b.batch_id, "data-process": b.process }, `${b.process} ${b.label}`)));
  const pOut = pathInput("print-out", t("Where to save the PDF"));
  const print = async () => {
    const kind = pBatch.selectedOptions[0]?.dataset.process === "3" ? "reissues" : "postcards";
    const written = await attempt(() => api.printPdf(kind, pBatch.value, pOut.value));
    if (written) say(`${t("Saved")}: ${written}`);
  };

  const choose = (input: HTMLInputElement, saving: boolean, ext: string, name: () => string) =>
    h("button", {
      type: "button",
      onclick: async () => {
        const filters = [{ name: ext.toUpperCase(), extensions: [ext] }];
        const f = saving ? await save({ defaultPath: name(), filters }) : await open({ filters });
        if (typeof f === "string") input.value = f;
      },
    }, t("Choose…"));

  replace(
    root,
    h("h2", {}, t("Monthly archive (事跡)")),
    h("p", { class: "hint" }, t("Every batch touched in the month: lists, sign-offs, inquiries and returns, the register's access log, a PDF summary, signed. Contains personal data.")),
    h(
      "div",
      { class: "form-row" },
      label(t("Month"), month),
      label(t("File"), out),
      choose(out, true, "zip", () => `事跡-${month.value}.zip`),
      label(t("Passphrase to seal (optional)"), seal),
      h("button", { type: "button", class: "primary", "data-action": "archive-export", onclick: () => void exportArchive() }, t("Export")),
    ),
    h("h2", {}, t("Check an archive")),
    h(
      "div",
      { class: "form-row" },
      label(t("File"), file),
      choose(file, false, "zip", () => ""),
      label(t("Passphrase (sealed)"), unseal),
      h("button", { type: "button", "data-action": "archive-verify", onclick: () => void verify() }, t("Check")),
    ),
    verdict,
    h("h2", {}, t("Print")),
    h("p", { class: "hint" }, t("Reissue batches: vouchers for window envelopes. Encouragement batches: the postcards' address list.")),
    h(
      "div",
      { class: "form-row" },
      label(t("Batch"), pBatch),
      label(t("File"), pOut),
      choose(pOut, true, "pdf", () => "print.pdf"),
      h("button", { type: "button", class: "primary", "data-action": "print", onclick: () => void print() }, t("Save PDF")),
    ),
  );
}
