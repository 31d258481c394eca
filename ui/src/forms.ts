// What the forms that record notes share: today's date, a problem said at its field, a refusal shown
// where it belongs.
import type { FieldProblem, FormRefusal, NoteField } from "./bindings";
import { h, replace } from "./dom";
import { fieldProblemText } from "./i18n";
import { say } from "./state";

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
export function showProblems(boxes: Partial<Record<NoteField, HTMLElement>>, problems: FieldProblem[]): void {
  for (const [field, box] of Object.entries(boxes)) {
    replace(box, problems.filter((p) => p.field === field).map(fieldProblemText).join(" "));
  }
}

/// A form's refusal: at its fields when it names them, else on the message line.
export function refused(e: unknown, boxes: Partial<Record<NoteField, HTMLElement>>): void {
  const refusal = e as FormRefusal;
  if (refusal.fields?.length) showProblems(boxes, refusal.fields);
  else say(refusal.text ?? String(e), "error");
}
