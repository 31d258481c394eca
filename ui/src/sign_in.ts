// 本人確認: a member works in the window only after their own secret (暗証番号) opened their key on
// this laptop. Signing in, the first secret of a member who has none, changing it, and the lock after
// an idle time all use one dialog over the window; a lock hides the screen but keeps what was typed.
import { api } from "./api";
import type { MemberHere, Session } from "./bindings";
import { h, replace } from "./dom";
import { refusalText, roleText, t } from "./i18n";

type Ask = {
  members: MemberHere[];
  chosen: string | null;
  /// Offer キャンセル (switching member); a lock or the first screen cannot be gone around.
  cancellable: boolean;
  /// Hide what is behind (a lock).
  opaque: boolean;
  title: string;
};

/// The sign-in shown now, and how to give it up (a lock replaces a member switch left open).
let open: { overlay: HTMLElement; opaque: boolean; cancel: () => void } | null = null;

/// Whether the window's lock is showing (its opaque sign-in).
export function lockShowing(): boolean {
  return open?.opaque ?? false;
}

/// A member as the choosers show them: 検認 花子（課・決裁）.
export function memberOption(m: MemberHere, chosen: string | null): HTMLOptionElement {
  return h("option", { value: m.member.id, selected: m.member.id === chosen }, `${m.member.name}（${roleText(m.member.role)}${m.member.approver ? "・決裁" : ""}）`);
}

/// Asks for a member's secret (or a new one, twice, when they have none yet) and signs them in;
/// resolves to the new session, or null when cancelled.
export function signIn(ask: Ask): Promise<Session | null> {
  open?.cancel();
  return new Promise((resolve) => {
    const before = document.body.dataset.ready ?? "";
    const message = h("div", { class: "message error", role: "alert" });
    const who = h(
      "select",
      { name: "sign-in-member" },
      ask.members.map((m) => memberOption(m, ask.chosen)),
    );
    const fields = h("div", { class: "secret-fields" });
    const secret = h("input", { type: "password", name: "secret", autocomplete: "off", size: 24 });
    const first = h("input", { type: "password", name: "new-secret", autocomplete: "new-password", size: 24 });
    const again = h("input", { type: "password", name: "new-secret-again", autocomplete: "new-password", size: 24 });
    const member = () => ask.members.find((m) => m.member.id === who.value);
    // A member with a secret types it; one without chooses one, typed twice.
    const showFields = () => {
      const m = member();
      message.textContent = "";
      if (!m || m.secret) {
        replace(fields, h("label", {}, h("span", {}, t("PIN")), secret));
      } else {
        replace(
          fields,
          h("p", { class: "hint" }, `${m.member.name}${t(" has no PIN yet: choose one of 6 characters or more.")}`),
          h("label", {}, h("span", {}, t("New PIN")), first),
          h("label", {}, h("span", {}, t("Again")), again),
        );
      }
      (m && !m.secret ? first : secret).focus();
    };
    who.addEventListener("change", showFields);
    const done = (s: Session | null) => {
      overlay.remove();
      if (open?.overlay === overlay) open = null;
      if (s === null) document.body.dataset.ready = before;
      resolve(s);
    };
    const form = h(
      "form",
      { class: "card sign-in", "data-form": "sign-in" },
      h("h2", { id: "sign-in-title" }, ask.title),
      h("label", {}, h("span", {}, t("Member")), who),
      fields,
      message,
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "submit", class: "primary" }, t("Sign in")),
        ask.cancellable ? h("button", { type: "button", "data-action": "cancel-sign-in", onclick: () => done(null) }, t("Cancel")) : null,
      ),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const m = member();
      if (!m) return;
      if (!m.secret && first.value !== again.value) {
        message.textContent = t("The two PINs differ.");
        again.select();
        return;
      }
      void (async () => {
        try {
          done(await api.actAs(m.member.id, m.secret ? secret.value : null, m.secret ? null : first.value));
        } catch (err) {
          message.textContent = refusalText(err);
          secret.value = "";
          (m.secret ? secret : first).focus();
        }
      })();
    });
    if (ask.cancellable) {
      form.addEventListener("keydown", (e) => {
        if (e.key === "Escape") done(null);
      });
    }
    const overlay = h(
      "div",
      { class: `overlay${ask.opaque ? " lock" : ""}`, role: "dialog", "aria-modal": "true", "aria-labelledby": "sign-in-title" },
      form,
    );
    open = { overlay, opaque: ask.opaque, cancel: () => done(null) };
    document.body.append(overlay);
    showFields();
    document.body.dataset.ready = "sign-in";
  });
}

/// The sign-in of a window that has no member yet (a secret on the home's member), or is locked.
export async function signInAgain(title: string, chosen: string | null = null): Promise<Session> {
  for (;;) {
    const view = await api.signInView();
    const s = await signIn({ members: view.members, chosen: chosen ?? view.last ?? view.members[0]?.member.id ?? null, cancellable: false, opaque: true, title });
    if (s) return s;
  }
}

/// Changing one's own secret: the current one first, then the new one twice.
export function changeSecret(): Promise<Session | null> {
  return new Promise((resolve) => {
    const current = h("input", { type: "password", name: "current-secret", autocomplete: "off", size: 24 });
    const first = h("input", { type: "password", name: "new-secret", autocomplete: "new-password", size: 24 });
    const again = h("input", { type: "password", name: "new-secret-again", autocomplete: "new-password", size: 24 });
    const message = h("div", { class: "message error", role: "alert" });
    const done = (s: Session | null) => {
      overlay.remove();
      resolve(s);
    };
    const form = h(
      "form",
      { class: "card sign-in", "data-form": "change-secret" },
      h("h2", { id: "change-secret-title" }, t("Change PIN")),
      h("label", {}, h("span", {}, t("Current PIN")), current),
      h("label", {}, h("span", {}, t("New PIN")), first),
      h("label", {}, h("span", {}, t("Again")), again),
      message,
      h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, t("Change")), h("button", { type: "button", onclick: () => done(null) }, t("Cancel"))),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (first.value !== again.value) {
        message.textContent = t("The two PINs differ.");
        again.select();
        return;
      }
      void api.changeSecret(current.value, first.value).then(done, (err: unknown) => {
        message.textContent = refusalText(err);
        current.select();
      });
    });
    form.addEventListener("keydown", (e) => {
      if (e.key === "Escape") done(null);
    });
    const overlay = h("div", { class: "overlay", role: "dialog", "aria-modal": "true", "aria-labelledby": "change-secret-title" }, form);
    document.body.append(overlay);
    current.focus();
  });
}

/// Locks the window after `seconds` without a key or the pointer; `locked` runs the sign-in.
export function lockWhenIdle(seconds: () => number | null, locked: () => Promise<void>): void {
  let last = Date.now();
  let locking = false;
  for (const e of ["keydown", "pointerdown", "pointermove", "wheel"]) {
    window.addEventListener(e, () => (last = Date.now()), { capture: true, passive: true });
  }
  setInterval(() => {
    // A member switch left open does not keep the window from locking; the lock itself does.
    const limit = seconds();
    if (limit === null || locking || lockShowing() || Date.now() - last < limit * 1000) return;
    locking = true;
    void api
      .lock()
      .then(locked)
      .finally(() => {
        locking = false;
        last = Date.now();
      });
  }, 1000);
}
