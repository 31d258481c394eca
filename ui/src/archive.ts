// 事跡・印刷: the month's records as one signed zip, checking an archive, and the print PDFs.
import { api } from "./api";
import { h, replace } from "./dom";
import { askInPlace, fileField, ym } from "./forms";
import { archiveDoubtText, currentLang, lostBy, reportText, t } from "./i18n";
import type { ClosedYear, DepartedDue, Retention } from "./bindings";
import { attempt, fmtTime, label, say } from "./state";

/// The months to file, newest first, last month chosen: month-end filing is done in the days after
/// the month closes. Named as the office writes them (令和8年11月).
function monthSelect(): HTMLSelectElement {
  const era = new Intl.DateTimeFormat("ja-JP-u-ca-japanese", { era: "long", year: "numeric", month: "long" });
  const months: string[] = [];
  const d = new Date();
  d.setDate(1);
  for (let i = 0; i < 25; i++) {
    months.push(ym(d));
    d.setMonth(d.getMonth() - 1);
  }
  const name = (m: string) => (currentLang() === "ja" ? era.format(new Date(`${m}-01T00:00:00`)) : m);
  return h("select", { name: "month" }, months.map((m) => h("option", { value: m, selected: m === months[1] }, name(m))));
}

/// A passphrase that seals (or opens) an archive for carrying; empty for none.
function sealInput(name: string): HTMLInputElement {
  return h("input", { name, type: "password", size: 14, autocomplete: "off" });
}

export async function archiveScreen(root: HTMLElement): Promise<void> {
  const batches = (await attempt(() => api.board())) ?? [];

  const month = monthSelect();
  const out = fileField("archive-out", { ext: ["zip"], save: () => `事跡-${month.value}.zip` });
  const seal = sealInput("archive-seal");
  const sealAgain = sealInput("archive-seal-again");
  const sealProblem = h("p", { class: "error field-error", role: "alert" });
  // Asked once the archive is made: no sign-off in it, the month not over.
  const doubts = h("div", { class: "doubts" });
  const confirm = h("input", { type: "checkbox", name: "confirm-archive" });
  const forget = () => {
    confirm.checked = false;
    replace(doubts);
  };
  month.addEventListener("change", forget);
  const exportArchive = async () => {
    replace(sealProblem);
    if (seal.value !== sealAgain.value) return replace(sealProblem, t("The two passphrases differ"));
    const filed = await attempt(() => api.archiveExport(month.value, out.file(), seal.value, confirm.checked));
    if (!filed) return;
    const e = filed.exported;
    if (!filed.written) {
      return replace(
        doubts,
        h("p", {}, t("Before saving, check:")),
        h("ul", { class: "warnings" }, e.doubts.map((d) => h("li", { "data-doubt": d.doubt }, archiveDoubtText(d)))),
        h("label", { class: "check" }, confirm, t("File it all the same")),
      );
    }
    forget();
    say(`${t("Archive saved")}: ${e.month} — ${e.batches} ${t("batches")}, ${e.signoffs} ${t("sign-offs")}, ${e.lists} ${t("lists")}, ${e.lookups} ${t("lookups")}`);
  };

  const file = fileField("archive-file", { ext: ["zip"] });
  const unseal = sealInput("archive-unseal");
  const verdict = h("div", { class: "verdict" });
  const verify = async () => {
    const c = await attempt(() => api.archiveVerify(file.file(), unseal.value));
    if (!c) return;
    if (c.problems.length === 0) say(t("OK: every hash and signature checks out"));
    const head = h("p", {}, `${c.month} ${c.office_name} — ${t("exported by")} ${c.exported_by.name}, ${c.files} ${t("files")}, ${c.signoffs} ${t("sign-offs")}`);
    replace(
      verdict,
      head,
      c.problems.length === 0
        ? h("p", { class: "ok", "data-verdict": "ok" }, t("OK: every hash and signature checks out"))
        : [h("p", { class: "error", "data-verdict": "bad" }, `${c.problems.length} ${t("problems")}`), h("ul", { class: "problems" }, c.problems.map((p) => h("li", {}, p)))],
    );
  };

  // 年度締め: an approver closes a fiscal year once it is over and every month of it was archived.
  const years = h("div", { class: "closed-years" });
  const showClosed = (closed: ClosedYear[]) =>
    replace(
      years,
      closed.length === 0
        ? h("p", { class: "hint" }, t("No fiscal year is closed yet"))
        : h("ul", {}, closed.map((c) => h("li", { "data-closed": c.fiscal_year }, `${c.year_ja} — ${t("closed by")} ${c.by} ${fmtTime(c.at)}`))),
    );
  const fiscalNow = (() => {
    const d = new Date();
    return d.getMonth() >= 3 ? d.getFullYear() : d.getFullYear() - 1;
  })();
  const eraYear = new Intl.DateTimeFormat("ja-JP-u-ca-japanese", { era: "long", year: "numeric" });
  const fiscal = h(
    "select",
    { name: "close-year" },
    [1, 2, 3, 4, 5].map((back) => {
      const fy = fiscalNow - back;
      return h("option", { value: fy, selected: back === 1 }, `${eraYear.format(new Date(`${fy}-04-01T00:00:00`))}${t("fiscal year suffix")}`);
    }),
  );
  const closeAsk = h("span", {});
  const askClose = () =>
    askInPlace(
      closeAsk,
      "close-year",
      [`${fiscal.selectedOptions[0]?.textContent ?? ""} ${t("takes no new entries once closed.")} `],
      {
        label: t("Close the year"),
        run: async () => {
          replace(closeAsk);
          const closed = await attempt(() => api.yearClose(Number(fiscal.value)));
          if (!closed) return;
          showClosed(closed);
          say(`${t("Fiscal year closed")}: ${fiscal.selectedOptions[0]?.textContent ?? ""}`);
        },
      },
      () => replace(closeAsk),
    );
  fiscal.addEventListener("change", () => replace(closeAsk));
  const closed = await attempt(() => api.closedYears());
  if (closed) showClosed(closed);

  // 保存期間: each fiscal year kept until when; an approver deletes a closed one past its keeping.
  const kept = h("div", { class: "retention" });
  // 資格喪失者: their rows go from every list once the fiscal year after they left is over.
  const departedRow = (d: DepartedDue) => {
    const cell = h("td", {});
    const ask = () =>
      askInPlace(
        cell,
        "purge-departed",
        [`${d.persons}${t(" people")}${t("'s rows are deleted from every list, on every laptop; only the decision stays.")} `],
        {
          label: t("Delete"),
          run: async () => {
            const after = await attempt(() => api.purgeDeparted());
            if (!after) return;
            showKept(after);
            say(`${t("Departed persons' rows deleted")}: ${d.persons}${t(" people")}`);
          },
        },
        () => replace(cell, deleteButton()),
      );
    const deleteButton = () => h("button", { type: "button", "data-action": "purge-departed", onclick: ask }, t("Delete"));
    const open = d.open_years.length > 0;
    if (d.persons > 0 && !open) replace(cell, deleteButton());
    const state = d.persons === 0 ? t("None due") : open ? t("Past their keeping (close the year first)") : t("Due for deletion");
    return h(
      "tr",
      { "data-departed": d.persons },
      h("td", { title: d.rule }, t("Persons who left the insurer")),
      h("td", {}, `${d.persons}${t(" people")}`),
      h("td", {}, lostBy(d.lost_by)),
      h("td", {}, state),
      cell,
    );
  };
  const showKept = ({ years, departed }: Retention) =>
    replace(
      kept,
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, [t("Fiscal year"), t("Batches"), t("Kept until"), t("State"), ""].map((x) => h("th", {}, x)))),
        h(
          "tbody",
          {},
          years.map((y) => {
            const cell = h("td", {});
            const ask = () =>
              askInPlace(
                cell,
                "purge",
                [`${y.year_ja} ${t("is deleted from every laptop; only the decision stays.")} `],
                {
                  label: t("Delete"),
                  run: async () => {
                    const after = await attempt(() => api.purgeYear(y.fiscal_year));
                    if (!after) return;
                    showKept(after);
                    say(`${t("Records deleted")}: ${y.year_ja}`);
                  },
                },
                () => replace(cell, deleteButton()),
              );
            const deleteButton = () => h("button", { type: "button", "data-action": "purge", onclick: ask }, t("Delete"));
            if (y.due && !y.deleted) replace(cell, deleteButton());
            const state = y.deleted ? t("Deleted") : y.due ? (y.closed ? t("Due for deletion") : t("Past its keeping (close the year first)")) : t("Kept");
            return h("tr", { "data-year": y.fiscal_year }, h("td", {}, y.year_ja), h("td", {}, String(y.batches)), h("td", {}, y.kept_until), h("td", {}, state), cell);
          }),
          departedRow(departed),
        ),
      ),
    );
  const keeping = await attempt(() => api.retention());
  if (keeping) showKept(keeping);

  // Printing: what goes on paper is shown first; the PDF is saved only after its preview.
  const printable = batches.filter((b) => b.process !== "4");
  const pBatch = h("select", { name: "print-batch" }, printable.map((b) => h("option", { value: b.batch_id, "data-process": b.process }, `${b.process} ${b.label}`)));
  const layout = h(
    "select",
    { name: "print-layout" },
    h("option", { value: "a4" }, t("A4 for window envelopes")),
    h("option", { value: "card" }, t("Cards (four to a page)")),
  );
  const pOut = fileField("print-out", { ext: ["pdf"], save: () => `${reportText(previewOf())}.pdf` });
  const preview = h("div", { class: "report print-preview" });
  const printButton = h("button", { type: "button", class: "primary", "data-action": "print", disabled: true, title: t("Preview before saving the PDF"), onclick: () => void print() }, t("Save PDF"));
  // What a batch prints, and the report that previews it.
  const paper = () => {
    const process = pBatch.selectedOptions[0]?.dataset.process;
    if (process === "3") return { report: "reissues", print: "reissues" };
    if (process === "5") return { report: "encouragement", print: "postcards" };
    return { report: "vouchers", print: `vouchers-${layout.value}` };
  };
  const previewOf = () => paper().report;
  const showLayout = () => {
    const process = pBatch.selectedOptions[0]?.dataset.process;
    layout.disabled = process === "3" || process === "5";
  };
  showLayout();
  pBatch.addEventListener("change", () => {
    printButton.disabled = true;
    showLayout();
    replace(preview);
  });
  const showPreview = async () => {
    const tb = await attempt(() => api.reportTable(previewOf(), pBatch.value));
    if (!tb) return;
    replace(
      preview,
      h("p", { "data-sheets": tb.rows.length }, `${tb.title}: ${tb.rows.length} ${t("sheets to print")}`),
      h("table", {}, h("thead", {}, h("tr", {}, tb.headers.map((x) => h("th", {}, x)))), h("tbody", {}, tb.rows.slice(0, 50).map((r) => h("tr", {}, r.map((c) => h("td", {}, c)))))),
    );
    printButton.disabled = false;
  };
  const print = async () => {
    const written = await attempt(() => api.printPdf(paper().print, pBatch.value, pOut.file()));
    if (written) say(`${t("Saved")}: ${written}`);
  };

  replace(
    root,
    h("h2", {}, t("Monthly archive (事跡)")),
    h("p", { class: "hint" }, t("Every batch touched in the month: lists, sign-offs, inquiries and returns, the register's access log, a PDF summary, signed. Contains personal data.")),
    h(
      "div",
      { class: "form-row" },
      label(t("Month"), month),
      label(t("File"), out.field),
      label(t("Passphrase to seal (optional)"), seal),
      label(t("Passphrase again"), sealAgain),
      h("button", { type: "button", class: "primary", "data-action": "archive-export", onclick: () => void exportArchive() }, t("Export")),
    ),
    sealProblem,
    doubts,
    h("h2", {}, t("Check an archive")),
    h(
      "div",
      { class: "form-row" },
      label(t("File"), file.field),
      label(t("Passphrase (sealed)"), unseal),
      h("button", { type: "button", "data-action": "archive-verify", onclick: () => void verify() }, t("Check")),
    ),
    verdict,
    h("h2", {}, t("Closing a fiscal year (年度締め)")),
    h("p", { class: "hint" }, t("Once the year is over and each of its months was archived after it ended, an approver closes it: its batches stay readable and take no new entries.")),
    h(
      "div",
      { class: "form-row" },
      label(t("Fiscal year"), fiscal),
      h("button", { type: "button", "data-action": "close-year", onclick: askClose }, t("Close the year")),
      closeAsk,
    ),
    years,
    h("h2", {}, t("Keeping and deletion (保存期間)")),
    h("p", { class: "hint" }, t("Records are kept five years from the fiscal year after they were made (基準第10条); those of a person who left the insurer, to the end of the fiscal year after they left. Once a closed year is past that, an approver deletes it: from every laptop, with its space given back.")),
    kept,
    h("h2", {}, t("Print")),
    h("p", { class: "hint" }, t("Issuing batches: the standard voucher, on A4 for window envelopes or as cards. Reissue batches: vouchers for window envelopes. Encouragement batches: the postcards' address list.")),
    h(
      "div",
      { class: "form-row" },
      label(t("Batch"), pBatch),
      label(t("Layout"), layout),
      h("button", { type: "button", "data-action": "print-preview", onclick: () => void showPreview() }, t("Preview")),
      label(t("File"), pOut.field),
      printButton,
    ),
    preview,
  );
}
