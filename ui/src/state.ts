// What every screen shares: the session, messages, and the member's permissions on a step.
import type { BoardStep, ListKind, Session } from "./bindings";
import { COUNT_JA, LIST_KIND_JA } from "./bindings";
import { h, replace } from "./dom";
import { currentLang, refusalText, t } from "./i18n";

export const app = {
  session: null as Session | null,
};

/// Shows a result or a refusal at the top of the window (role=status for screen readers and tests).
export function say(text: string, kind: "ok" | "error" = "ok"): void {
  const box = document.getElementById("message");
  if (!box) return;
  box.className = `message ${kind}`;
  replace(box, kind === "error" ? `${t("Refused")}: ${text}` : text);
  // A result may be a new entry: the header's sync line counts it (main.ts listens).
  if (kind === "ok") document.dispatchEvent(new Event(SAID));
}

/// The event `say` sends after a success.
export const SAID = "kenshin:said";

/// Sets a new session from a command that changed the roster (a member reset, removed): the header's
/// chooser follows.
export function newSession(s: Session): void {
  app.session = s;
  document.dispatchEvent(new Event(SESSION));
}

export const SESSION = "kenshin:session";

/// Asks for `screen` to be drawn afresh the next time it is shown (another screen handed it something).
export function drawFresh(screen: string): void {
  document.dispatchEvent(new CustomEvent(FRESH, { detail: screen }));
}
export const FRESH = "kenshin:fresh";

/// Runs a command, showing its refusal if it fails. (A success says itself; the line stays until the
/// next message or screen.)
export async function attempt<T>(f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (e) {
    say(refusalText(e), "error");
    return undefined;
  }
}

/// What the acting member may do with a step now: the action the core says the rules allow, if any.
export function actionFor(step: BoardStep): "do" | "verify" | "approve" | null {
  return step.may;
}

export function fmtTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/// Counts as the office names them (対象者数 12・封入数 405); in English, as the core names them.
export function countsText(counts: { [key in string]?: number }): string {
  const ja = currentLang() === "ja";
  return Object.entries(counts)
    .map(([k, v]) => (ja ? `${COUNT_JA[k] ?? k} ${v}` : `${k}=${v}`))
    .join(ja ? "・" : " ");
}

/// Counts as typed (封入数=405 引抜き数=3, full-width digits too, or the core's names) by the core's
/// names; or the first part that is not a count.
export function countsTyped(text: string): { counts: Record<string, number> } | { bad: string } {
  const code = new Map(Object.entries(COUNT_JA).map(([k, ja]) => [ja, k]));
  const counts: Record<string, number> = {};
  for (const part of text.normalize("NFKC").split(/\s+/).filter((c) => c.length > 0)) {
    const [name, n, extra] = part.split("=");
    const value = Number(n);
    if (!name || n === undefined || extra !== undefined || !/^\d+$/.test(n) || !Number.isSafeInteger(value)) return { bad: part };
    counts[code.get(name) ?? name] = value;
  }
  return { counts };
}

/// A list kind as the office names it (本番リスト).
export function listKindText(kind: ListKind): string {
  return currentLang() === "ja" ? LIST_KIND_JA[kind] : kind;
}

export function label(text: string, input: HTMLElement): HTMLLabelElement {
  return h("label", {}, h("span", {}, text), input);
}
