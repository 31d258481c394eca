// The window: header (office, screens, acting member, language), a message line, and the current screen.
import { api, asked, isShowing, sameAnswers, showing, type Asked } from "./api";
import { archiveScreen } from "./archive";
import { boardScreen } from "./board";
import { h, replace } from "./dom";
import { currentLang, refusalText, setLang, t } from "./i18n";
import { importsScreen } from "./imports";
import { inboxScreen, updateInbox } from "./inbox";
import { inquiryScreen } from "./inquiry";
import { registerScreen } from "./register";
import { app, FRESH, say, SAID, SESSION } from "./state";
import { today } from "./forms";
import { destroyedScreen, redrawRoster, refreshErasures, refreshSync, standingLine, syncScreen } from "./sync";
import { changeSecret, lockShowing, lockWhenIdle, memberOption, signIn, signInAgain } from "./sign_in";
import { joiningScreen, welcomeScreen } from "./welcome";
import type { CertificateView, Opening, Session } from "./bindings";
import { listen } from "@tauri-apps/api/event";

const SCREENS: [string, string, (root: HTMLElement) => Promise<void>][] = [
  ["board", "Board", boardScreen],
  ["inbox", "My work", inboxScreen],
  ["register", "Register", registerScreen],
  ["inquiry", "Inquiries", inquiryScreen],
  ["imports", "Imports & reports", importsScreen],
  ["archive", "Archive & print", archiveScreen],
  ["sync", "Sync", syncScreen],
];
let current = "board";

/// The header's chooser: the members who can sign in on this laptop.
function memberOptions(session: Session): HTMLOptionElement[] {
  return session.here.map((m) => memberOption(m, session.me.id));
}

/// The session follows the roster when a member joins or leaves on another laptop: the header's
/// 担当者 chooser (not while it is open) and the sync screen's roster are drawn again.
async function followRoster(): Promise<void> {
  const session = await api.session().catch(() => null);
  const ids = (s: Session) => s.members.map((m) => m.id).join();
  if (!session || !app.session || ids(session) === ids(app.session)) return;
  app.session = session;
  forgetOthers();
  const select = document.querySelector<HTMLSelectElement>("select[name=acting-as]");
  if (select && document.activeElement !== select) replace(select, memberOptions(session));
  if (current === "sync") redrawRoster();
}

/// Screens kept while the clerk goes round them, each with what it read while shown: shown again as
/// the clerk left it (their search, scroll and typing) while every answer is the same, drawn again
/// when one differs or it did anything but read. WebKit keeps the high-water mark of every screen
/// built again (PERFORMANCE.md, "Where the window's memory goes"). Emptied when the header is drawn
/// again (another member, the other language); a screen is drawn again on a new day (its forms'
/// dates), and the others when the session or the roster changes (what a member may do).
/// `watch`: notes a kept screen's DOM changing while it is hidden (a lookup or search landing after
/// the clerk left): it is then drawn again.
type Kept = { main: HTMLElement; asked: Asked; day: string; scroll: number; viewports: [HTMLElement, number][]; watch?: MutationObserver };
const kept = new Map<string, Kept>();
/// Moves on when the header is drawn again: a show or draw begun before does not finish.
let generation = 0;
/// Only the latest show finishes.
let shows = 0;

function forgetOthers(): void {
  for (const id of kept.keys()) if (id !== current) kept.delete(id);
}

/// Whether a kept screen shows what a fresh draw would: the same day, the same answers.
async function unchanged(k: Kept): Promise<boolean> {
  return k.day === today() && (await sameAnswers(k.asked));
}

/// Draws screen `id` into `main`, keeping it while it stays the one shown.
async function draw(main: HTMLElement, id: string): Promise<void> {
  const screen = SCREENS.find(([s]) => s === id);
  if (!screen) return;
  const began = generation;
  const reads = asked();
  showing(reads);
  // The screen drawn again is no longer the kept one.
  kept.delete(id);
  await screen[2](main);
  if (began === generation && isShowing(reads)) kept.set(id, { main, asked: reads, day: today(), scroll: 0, viewports: [] });
  else if (kept.get(id)?.main === main) kept.delete(id);
}

/// Shows screen `id`: as it was if nothing it read changed, else drawn again.
async function show(id: string): Promise<void> {
  const was = document.getElementById("screen");
  if (!was) return render();
  const began = generation;
  const mine = ++shows;
  // WebKit forgets a detached element's scroll position; the page's is the window's.
  const leaving = kept.get(current);
  if (leaving?.main === was) {
    leaving.scroll = document.scrollingElement?.scrollTop ?? 0;
    leaving.viewports = [...was.querySelectorAll<HTMLElement>(".viewport")].filter((e) => e.scrollTop > 0).map((e) => [e, e.scrollTop]);
    leaving.watch = new MutationObserver(() => (leaving.asked.fresh = true));
    leaving.watch.observe(was, { subtree: true, childList: true, characterData: true, attributes: true });
  }
  current = id;
  document.querySelectorAll<HTMLElement>("nav button[data-screen]").forEach((b) => b.classList.toggle("active", b.dataset.screen === id));
  const message = document.getElementById("message");
  if (message) {
    message.className = "message";
    replace(message);
  }
  const k = kept.get(id);
  const answered = k !== undefined && (await unchanged(k));
  // Another screen was chosen, or another member signed in, meanwhile.
  if (mine !== shows || began !== generation) return;
  // (Kept only if it was not let go meanwhile: a hand-off, the roster.)
  const same = answered && kept.get(id) === k ? k : undefined;
  const main = same ? same.main : h("main", { id: "screen", "data-screen": id });
  showing(null);
  k?.watch?.disconnect();
  document.getElementById("screen")?.replaceWith(main);
  if (same) {
    showing(same.asked);
    if (document.scrollingElement) document.scrollingElement.scrollTop = same.scroll;
    for (const [el, top] of same.viewports) {
      el.scrollTop = top;
      el.dispatchEvent(new Event("scroll"));
    }
    main.querySelector<HTMLElement>("[autofocus]")?.focus();
    if (id === "sync") await refreshSync();
  } else {
    if (document.scrollingElement) document.scrollingElement.scrollTop = 0;
    await draw(main, id);
  }
  if (mine === shows && began === generation) document.body.dataset.ready = id;
}

async function render(): Promise<void> {
  const root = document.getElementById("app");
  const session = app.session;
  if (!root || !session) return;
  generation++;
  kept.clear();
  const main = h("main", { id: "screen", "data-screen": current });
  const member = h(
    "select",
    {
      name: "acting-as",
      // Another member signs in with their own secret; cancelled, the chooser shows who it was.
      onchange: async (e: Event) => {
        const select = e.target as HTMLSelectElement;
        const now = app.session ?? session;
        const s = await signIn({ members: now.here, chosen: select.value, cancellable: true, opaque: false, title: t("Sign in") });
        if (s) app.session = s;
        else select.value = now.me.id;
        if (s) await render();
      },
    },
    memberOptions(session),
  );
  replace(
    root,
    h(
      "header",
      {},
      h("h1", {}, "Kenshin", h("small", {}, session.office)),
      h(
        "nav",
        {},
        SCREENS.map(([id, name], i) =>
          h("button", { class: id === current ? "active" : "", "data-screen": id, title: `Alt+${i + 1}`, onclick: () => void show(id) }, t(name)),
        ),
      ),
      h(
        "div",
        { class: "status-row" },
        h("button", { id: "sync-state", class: `sync-state${syncLine.warn ? " warn" : ""}`, title: syncLine.text, "data-unsent": syncLine.unsent, onclick: () => void show("sync") }, syncLine.text),
        h(
          "div",
          { class: "who" },
          h("label", {}, t("Acting as"), " ", member),
          h("button", { class: "change-secret", "data-action": "change-secret", onclick: () => void changeSecret().then((s) => s && say(t("PIN changed."))) }, t("Change PIN")),
          h("button", { class: "lock", "data-action": "lock", onclick: () => void api.lock().then(locked) }, t("Lock")),
          h("button", { class: "lang", onclick: () => void switchLang() }, currentLang() === "ja" ? "English" : "日本語"),
        ),
      ),
    ),
    h("div", { id: "message", class: "message", role: "status" }),
    main,
  );
  await draw(main, current);
  document.body.dataset.ready = current;
  await showSyncState();
}

/// The other language, keeping what is typed in the screen's forms (fields found again by name).
async function switchLang(): Promise<void> {
  type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  const isBox = (f: Field): f is HTMLInputElement => f instanceof HTMLInputElement && f.type === "checkbox";
  // Each field by its name and its place among those of that name (the inbox has a note field per item).
  const fields = () => {
    const seen = new Map<string, number>();
    return [...document.querySelectorAll<Field>("#screen input[name], #screen select[name], #screen textarea[name]")].map((f) => {
      const n = seen.get(f.name) ?? 0;
      seen.set(f.name, n + 1);
      return [`${f.name}#${n}`, f] as const;
    });
  };
  const typed = fields().map(([k, f]) => [k, isBox(f) ? f.checked : f.value] as const);
  setLang(currentLang() === "ja" ? "en" : "ja");
  await render();
  const again = new Map(fields());
  for (const [k, value] of typed) {
    const f = again.get(k);
    if (!f) continue;
    if (isBox(f)) f.checked = value === true;
    else f.value = String(value);
    // A chosen file shows its name again.
    if (f instanceof HTMLInputElement && f.type === "hidden") f.dispatchEvent(new Event("change"));
  }
}

/// The header's sync line as last read: a redrawn header shows it at once, then it is refreshed in
/// place (the rest of the header does not move).
let syncLine = { text: "…", warn: false, unsent: 0 };

async function showSyncState(): Promise<void> {
  const view = await api.syncView().catch(() => null);
  const badge = document.getElementById("sync-state");
  if (!badge || !view) return;
  syncLine = { ...standingLine(view), unsent: view.standing.unsent };
  badge.textContent = syncLine.text;
  badge.title = syncLine.text;
  badge.classList.toggle("warn", syncLine.warn);
  badge.dataset.unsent = String(syncLine.unsent);
}

/// Screens that show what peers send: drawn again when documents arrive and what they read changed.
/// A screen whose form has the focus waits until the clerk has left the field (and the click that
/// left it has landed), so nothing changes under their typing. (The register keeps its search: it is
/// drawn on request; the sync screen redraws only its peers' part.)
const LIVE = new Set(["board"]);
let redrawPending = false;

async function redraw(): Promise<void> {
  const main = document.getElementById("screen");
  const screen = SCREENS.find(([id]) => id === current);
  if (current === "sync") await refreshSync();
  // The inbox changes in place (nothing in it moves); the board is drawn again whole.
  if (current === "inbox" && main) {
    const k = kept.get("inbox");
    if (k?.main === main && (await sameAnswers(k.asked))) return;
    // Marked in place: put in order again when the clerk comes back.
    if (k) k.asked.fresh = true;
    if (document.getElementById("screen") === main) await updateInbox(main);
    return;
  }
  if (!main || !screen || !LIVE.has(current)) return;
  const active = document.activeElement;
  if (active && main.contains(active) && active.matches("input, textarea, select")) {
    redrawPending = true;
    return;
  }
  redrawPending = false;
  // Drawn again only when what it shows changed.
  const id = current;
  const k = kept.get(id);
  if (k?.main === main && (await unchanged(k))) return;
  if (current !== id || document.getElementById("screen") !== main) return;
  const next = h("main", { id: "screen", "data-screen": id });
  await draw(next, id);
  if (current !== id || document.getElementById("screen") !== main) return;
  main.replaceWith(next);
  document.body.dataset.synced = String(Number(document.body.dataset.synced ?? "0") + 1);
}

document.addEventListener("focusout", () => {
  if (redrawPending) setTimeout(() => void redraw(), 1000);
});

void listen<{ event: string }>("sync", (e) => {
  if (!app.session) return;
  void showSyncState();
  if (["stored", "synced", "connected", "disconnected", "refused", "started", "stopped"].includes(e.payload.event)) {
    // The sync screen follows every change of a peer; the others only what arrived.
    if (e.payload.event === "stored" || current === "sync") void redraw();
    if (e.payload.event === "stored") void followRoster();
  }
  if (e.payload.event === "handed_back" && current === "sync") void refreshErasures();
});
// An admin's order destroyed this laptop (消去命令): whatever was on the screen is gone.
void listen<CertificateView>("erased", (e) => destroyedScreen(e.payload, t("This laptop's records were destroyed on the admin's order")));
document.addEventListener(SAID, () => void showSyncState());
document.addEventListener(FRESH, (e) => kept.delete((e as CustomEvent<string>).detail));
document.addEventListener(SESSION, () => {
  forgetOthers();
  const select = document.querySelector<HTMLSelectElement>("select[name=acting-as]");
  if (select && app.session) replace(select, memberOptions(app.session));
});
// "3分前" stays true.
setInterval(() => {
  if (app.session) void showSyncState();
}, 30000);

// Alt+1..6 switch screens: the office works from the keyboard.
window.addEventListener("keydown", (e) => {
  const n = Number(e.key);
  if (e.altKey && n >= 1 && n <= SCREENS.length) void show(SCREENS[n - 1][0]);
});

/// A home protected by a passphrase: asked for here, and nothing else shows until it opens.
function unlockForm(root: HTMLElement, why: string): void {
  const input = h("input", { type: "password", name: "passphrase", size: 30, autofocus: true, autocomplete: "off" });
  const message = h("div", { id: "message", class: "message error" }, why);
  const button = h("button", { type: "submit" }, t("Open"));
  const form = h(
    "form",
    { id: "unlock" },
    h("h1", {}, "Kenshin"),
    h("p", {}, t("This laptop's data is protected by a passphrase.")),
    h("label", {}, t("Passphrase"), " ", input),
    " ",
    button,
    message,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    // The first open after an upgrade brings the home up to date: seconds on a home of five years.
    message.className = "message";
    message.textContent = t("Opening the office…");
    void (async () => {
      try {
        await begin(root, await api.unlock(input.value));
      } catch (err) {
        message.className = "message error";
        message.textContent = refusalText(err);
        button.disabled = false;
        input.select();
      }
    })();
  });
  replace(root, form);
  document.body.dataset.ready = "unlock";
}

/// The office opens: its board, once the home's passphrase, the first screen or the roster allow,
/// and once its member has a secret of their own (asked for here the first time).
async function opened(s: Session): Promise<void> {
  app.session = s.secret ? s : await signInAgain(t("Choose your PIN"), s.me.id);
  await render();
}

/// The window locked: the screen stays behind an opaque sign-in, so what was typed is still there
/// for the same member; another member gets a fresh screen.
async function locked(): Promise<void> {
  const before = app.session?.me.id;
  // Nothing left open signs for whoever comes next: a confirmation or a list view is closed
  // (Escape, as the clerk would), any other card removed.
  document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
  for (const o of document.querySelectorAll(".overlay")) o.remove();
  const s = await signInAgain(t("The window is locked"));
  app.session = s;
  // What the member may do may have changed meanwhile.
  forgetOthers();
  if (s.me.id !== before) await render();
  else document.body.dataset.ready = current;
}

lockWhenIdle(() => app.session?.idle_seconds ?? null, locked);
// The desktop's screen lock locks the window too (the shell follows the screensaver).
void listen("locked", () => {
  if (app.session && !lockShowing()) void locked();
});

/// The first screen for what the home holds.
async function begin(root: HTMLElement, o: Opening): Promise<void> {
  switch (o.state) {
    case "locked":
      unlockForm(root, "");
      return;
    case "no_office":
      welcomeScreen(root, opened);
      return;
    case "joining":
      await joiningScreen(root, opened, null);
      return;
    case "sign_in":
      await opened(await signInAgain(t("Sign in")));
      return;
    case "ready":
      await opened(o.session);
  }
}

setLang(currentLang());
void (async () => {
  const root = document.getElementById("app");
  if (!root) return;
  try {
    // The first open after an upgrade brings the home up to date: seconds on a home of five years.
    replace(root, h("p", { class: "message" }, t("Opening the office…")));
    await begin(root, await api.opening());
  } catch (err) {
    replace(root, h("div", { id: "message", class: "message error" }, refusalText(err)));
  }
})();
