// What the forms that record notes share: today's date, a problem said at its field, a refusal shown
// where it belongs.
import type { FieldSaid, NoteField, Refusal } from "./bindings";
import { h, replace } from "./dom";
import type { Child } from "./dom";
import { api } from "./api";
import { fieldText, refusalText, t } from "./i18n";
import { attempt, say } from "./state";

const pad = (n: number) => String(n).padStart(2, "0");

/// YYYY-MM of a local date.
export function ym(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}`;
}

/// Today, YYYY-MM-DD (local).
export function today(): string {
  const d = new Date();
  return `${ym(d)}-${pad(d.getDate())}`;
}

/// A problem said under its field; empty ones take no room.
export function fieldError(field: NoteField | "batch"): HTMLElement {
  return h("p", { class: "error field-error", "data-field": field, role: "alert" });
}

/// Says each problem at its field (and clears the others).
export function showProblems(boxes: Partial<Record<NoteField, HTMLElement>>, problems: FieldSaid[]): void {
  for (const [field, box] of Object.entries(boxes)) {
    replace(box, problems.filter((p) => p.field === field).map(fieldText).join(" "));
  }
}

/// A form's refusal: at its fields when it names them, else on the message line.
export function refused(e: unknown, boxes: Partial<Record<NoteField, HTMLElement>>): void {
  const fields = (e as Partial<Refusal>).fields;
  if (fields?.length) showProblems(boxes, fields);
  else say(refusalText(e), "error");
}

/// Names of the files chosen so far, by token (a redrawn form shows its file again).
const chosenNames = new Map<string, string>();

/// A file chosen with the system's dialog, which the shell opens and keeps the path of: the button
/// asks for it, the chosen file's name is shown in a box of fixed width, and the token that names it
/// to the commands is kept in a hidden input named `name`.
export function fileField(name: string, how: { ext: string[]; save?: () => string }): { field: HTMLElement; input: HTMLInputElement; file: () => string } {
  const input = h("input", { type: "hidden", name });
  const shown = h("span", { class: "file-name", "data-file": name }, t("No file chosen"));
  const show = () => {
    const base = chosenNames.get(input.value) ?? "";
    replace(shown, base || t("No file chosen"));
    shown.title = base;
  };
  input.addEventListener("change", show);
  const choose = async () => {
    const f = await attempt(() => api.chooseFile(how.ext, how.save ? how.save() : null));
    if (f) {
      chosenNames.set(f.token, f.name);
      input.value = f.token;
      input.dispatchEvent(new Event("change"));
    }
  };
  const button = h("button", { type: "button", "data-choose": name, onclick: () => void choose() }, t("Choose…"));
  return { field: h("span", { class: "file-field" }, button, shown, input), input, file: () => input.value };
}

/// A question asked in place before what cannot be undone (名簿から削除, 削除, 年度締め, ...): what happens,
/// the button that does it (`confirm-ACTION`) and 取消 (`cancel-ACTION`).
export function askInPlace(
  box: Element,
  action: string,
  question: Child[],
  confirm: { label: string; run: () => Promise<void> },
  cancel: () => void,
): void {
  replace(
    box,
    ...question,
    h("button", { type: "button", class: "danger", "data-action": `confirm-${action}`, onclick: () => void confirm.run() }, confirm.label),
    " ",
    h("button", { type: "button", "data-action": `cancel-${action}`, onclick: cancel }, t("Cancel")),
  );
}
