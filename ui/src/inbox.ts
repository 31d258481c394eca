// 承認待ち・作業: what waits for this member's verify or approval, with the evidence; or, for a contractor,
// the work that can be done next.
import type { BoardBatch, BoardStep } from "./bindings";
import { api } from "./api";
import { h, replace } from "./dom";
import { statusText, t } from "./i18n";
import { actionFor, app, attempt, countsText, fmtTime, listKindText } from "./state";
import { stepForm } from "./step_form";

export async function inboxScreen(root: HTMLElement): Promise<void> {
  const batches = await attempt(() => api.board());
  if (!batches) return;
  const mine: [BoardBatch, BoardStep][] = [];
  for (const b of batches) for (const s of b.steps) if (actionFor(s)) mine.push([b, s]);
  const section = app.session?.me.role === "section";
  const waiting = mine.filter(([, s]) => s.status === "awaiting_verify" || s.status === "awaiting_approval");
  const work = mine.filter(([, s]) => !(s.status === "awaiting_verify" || s.status === "awaiting_approval"));
  const refresh = () => void inboxScreen(root);
  const items = await Promise.all((section ? waiting : work).map(([b, s]) => item(b, s, refresh)));
  replace(
    root,
    h("h2", {}, section ? t("Waiting for your verify or approval") : t("What you can do next")),
    items.length ? h("ul", { class: "inbox" }, items) : h("p", { class: "empty" }, t("Nothing waits for you.")),
    section && work.length > 0 && [h("h2", {}, t("What you can do next")), h("ul", { class: "inbox" }, await Promise.all(work.map(([b, s]) => item(b, s, refresh))))],
  );
}

async function item(b: BoardBatch, s: BoardStep, refresh: () => void): Promise<HTMLElement> {
  // The evidence: the record of the work this step checks, and the batch's lists.
  const subject = b.steps.find((x) => x.step === s.step - 1);
  const evidence = s.status === "awaiting_verify" || s.status === "awaiting_approval" ? subject?.decisive : null;
  const lists = evidence ? ((await attempt(() => api.lists(b.batch_id))) ?? []) : [];
  return h(
    "li",
    { "data-batch": b.label, "data-step": s.step },
    h("div", { class: "what" }, h("span", { class: "process" }, b.process), ` ${b.label} — ${t("Step")}${s.step} ${s.ja}`, h("span", { class: `badge ${s.status}` }, statusText(s.status))),
    evidence &&
      h(
        "div",
        { class: "evidence" },
        h("strong", {}, `${t("Evidence")}: `),
        `${t("Step")}${subject?.step} ${subject?.ja} — ${evidence.by_name} ${fmtTime(evidence.at)} `,
        h("code", {}, countsText(evidence.counts)),
        evidence.note ? ` 「${evidence.note}」` : "",
        lists.length > 0 && h("div", { class: "lists" }, `${t("Lists")}: `, lists.map((l) => h("span", { class: "list", title: l.sha256 }, `${listKindText(l.list_kind)} ${l.row_count}${t("rows")}`))),
      ),
    stepForm(b, s, refresh),
  );
}
