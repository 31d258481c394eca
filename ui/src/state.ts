// What every screen shares: the session, messages, and the member's permissions on a step.
import type { BoardStep, Session } from "./bindings";
import { h, replace } from "./dom";
import { t } from "./i18n";

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

/// Runs a command, showing its refusal if it fails. (A success says itself; the line stays until the
/// next message or screen.)
export async function attempt<T>(f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (e) {
    say(String(e), "error");
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

export function countsText(counts: { [key in string]?: number }): string {
  return Object.entries(counts)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}

export function label(text: string, input: HTMLElement): HTMLLabelElement {
  return h("label", {}, h("span", {}, text), input);
}
