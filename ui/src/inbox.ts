// 承認待ち・作業: what waits for this member's verify or approval, with the evidence; or, for a contractor,
// the work that can be done next. Nothing moves under the pointer: an item signed here or elsewhere is
// marked in place, one that arrives from a peer is added at the end marked 新着, and the list is put in
// order again only when the clerk asks (更新) or comes back to the screen.
import type { BoardBatch, BoardStep, SignOffView } from "./bindings";
import { api } from "./api";
import { h, replace } from "./dom";
import { statusText, t } from "./i18n";
import { actionFor, app, attempt, countsText, fmtTime, listKindText } from "./state";
import { stepForm } from "./step_form";
import { sentBackLine } from "./board";
import { openList } from "./list_view";

type Item = [BoardBatch, BoardStep];
/// An item as it waits: the same step waiting again (sent back after it was signed) is a new item.
const key = ([b, s]: Item) => `${b.batch_id}#${s.step}#${s.status}`;

/// What waits for the acting member, in two groups: to review (section) and to do.
async function waiting(): Promise<{ review: Item[]; work: Item[] } | null> {
  // Past years' finished batches wait for no one.
  const batches = (await attempt(() => api.workingBoard(false)))?.batches;
  if (!batches) return null;
  const mine: Item[] = [];
  for (const b of batches) for (const s of b.steps) if (actionFor(s) || s.asks.some((a) => a === "review" || a === "deputy")) mine.push([b, s]);
  const isReview = ([, s]: Item) => s.status === "awaiting_verify" || s.status === "awaiting_approval" || s.asks.includes("review");
  return { review: mine.filter(isReview), work: mine.filter((i) => !isReview(i)) };
}

export async function inboxScreen(root: HTMLElement): Promise<void> {
  const found = await waiting();
  if (!found) return;
  const section = app.session?.me.role === "section";
  const [first, second] = section ? [found.review, found.work] : [found.work, []];
  const list = async (items: Item[], group: string) =>
    h("ul", { class: "inbox", "data-group": group }, await Promise.all(items.map((i) => item(i, false))));
  replace(
    root,
    h(
      "div",
      { class: "inbox-head" },
      h("h2", {}, section ? t("Waiting for your verify or approval") : t("What you can do next")),
      h("button", { type: "button", "data-action": "refresh-inbox", onclick: () => void inboxScreen(root) }, t("Refresh")),
    ),
    await list(first, "first"),
    h("p", { class: "empty", hidden: first.length > 0 }, t("Nothing waits for you.")),
    section && [h("h2", { class: "second-head", hidden: second.length === 0 }, t("What you can do next")), await list(second, "second")],
  );
}

/// What arrived from peers, without moving what is shown: items no longer waiting are marked done
/// in place, new ones are added at the end of their group.
export async function updateInbox(root: HTMLElement): Promise<void> {
  const found = await waiting();
  if (!found || !root.querySelector("ul.inbox")) return;
  const section = app.session?.me.role === "section";
  const groups: [string, Item[]][] = section ? [["first", found.review], ["second", found.work]] : [["first", found.work]];
  const now = new Set([...found.review, ...found.work].map(key));
  root.querySelectorAll<HTMLElement>("ul.inbox > li[data-key]").forEach((li) => {
    if (!now.has(li.dataset.key ?? "") && !li.classList.contains("signed")) markDone(li, t("Recorded elsewhere"));
  });
  for (const [group, items] of groups) {
    const ul = root.querySelector(`ul.inbox[data-group=${group}]`);
    for (const i of items) {
      const shown = () => root.querySelector(`li[data-key="${key(i)}"]`);
      if (!ul || shown()) continue;
      const li = await item(i, true);
      // Updates come in bursts: another may have added it while this one read its lists.
      if (!shown()) ul.append(li);
    }
  }
  root.querySelectorAll<HTMLElement>("p.empty").forEach((p) => (p.hidden = !!root.querySelector("ul.inbox[data-group=first] > li")));
  root.querySelectorAll<HTMLElement>("h2.second-head").forEach((h2) => (h2.hidden = !root.querySelector("ul.inbox[data-group=second] > li")));
}

/// An item that no longer waits stays where it is, said done, with nothing left to click.
function markDone(li: HTMLElement, said: string): void {
  li.classList.add("signed");
  li.querySelector("form")?.replaceWith(h("p", { class: "done-here" }, said));
}

async function item([b, s]: Item, arrived: boolean): Promise<HTMLElement> {
  // The evidence: the record of the work this step checks, and the batch's lists.
  const subject = b.steps.find((x) => x.step === s.subject);
  const evidence = s.status === "awaiting_verify" || s.status === "awaiting_approval" ? subject?.decisive : null;
  const lists = evidence ? ((await attempt(() => api.lists(b.batch_id))) ?? []) : [];
  // An approval rests on a verify, which rests on the work: the approver sees both records.
  const work = s.status === "awaiting_approval" ? b.steps.find((x) => x.step === subject?.subject) : undefined;
  // Each count a list gives, beside that list's rows: a typed 対象者数 the target list contradicts shows.
  const recounted = async (e: SignOffView) => ((await attempt(() => api.recounts(b.batch_id, e.counts as Record<string, number>))) ?? []);
  const record = async (step: BoardStep, e: SignOffView) =>
    h(
      "div",
      { class: "record", "data-record": step.step },
      `${t("Step")}${step.step} ${step.ja} — ${e.by_name} ${fmtTime(e.at)} `,
      h("code", {}, countsText(e.counts)),
      (await recounted(e)).map((r) =>
        h(
          "span",
          { class: `recount${r.differs ? " differs" : ""}`, "data-recount": r.count },
          ` ${r.differs ? "⚠ " : ""}${listKindText(r.list)} ${r.rows}${t("rows")}`,
          r.removed > 0 ? `（${t("since then, departed persons' rows deleted")}: ${r.removed}${t("rows")}）` : "",
        ),
      ),
      e.note ? ` 「${e.note}」` : "",
    );
  const li: HTMLElement = h(
    "li",
    { "data-batch": b.label, "data-step": s.step, "data-key": key([b, s]), class: arrived ? "arrived" : undefined },
    h(
      "div",
      { class: "what" },
      h("span", { class: "process" }, b.process),
      ` ${b.label} — ${t("Step")}${s.step} ${s.ja}`,
      h("span", { class: `badge ${s.status}` }, statusText(s.status)),
      arrived && h("span", { class: "badge new" }, t("New")),
    ),
    sentBackLine(s),
    s.awaiting_review && h("p", { class: "awaiting-review" }, t("Approved by a deputy; the approver has not reviewed it yet")),
    evidence &&
      h(
        "div",
        { class: "evidence" },
        h("strong", {}, `${t("Evidence")}: `),
        subject && (await record(subject, evidence)),
        work?.decisive && (await record(work, work.decisive)),
        lists.length > 0 && h("div", { class: "lists" }, `${t("Lists")}: `, lists.map((l) => h("button", { type: "button", class: "list", title: t("Open the list"), "data-open-list": l.list_kind, onclick: () => openList(b, l) }, `${listKindText(l.list_kind)} ${l.row_count}${t("rows")}`))),
      ),
    stepForm(b, s, () => markDone(li, t("Recorded"))),
  );
  return li;
}
