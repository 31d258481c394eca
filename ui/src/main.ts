// The window: header (office, screens, acting member, language), a message line, and the current screen.
import { api } from "./api";
import { archiveScreen } from "./archive";
import { boardScreen } from "./board";
import { h, replace } from "./dom";
import { currentLang, roleText, setLang, t } from "./i18n";
import { importsScreen } from "./imports";
import { inboxScreen } from "./inbox";
import { inquiryScreen } from "./inquiry";
import { registerScreen } from "./register";
import { app, attempt } from "./state";

const SCREENS: [string, string, (root: HTMLElement) => Promise<void>][] = [
  ["board", "Board", boardScreen],
  ["inbox", "My work", inboxScreen],
  ["register", "Register", registerScreen],
  ["inquiry", "Inquiries", inquiryScreen],
  ["imports", "Imports & reports", importsScreen],
  ["archive", "Archive & print", archiveScreen],
];
let current = "board";

async function render(): Promise<void> {
  const root = document.getElementById("app");
  const session = app.session;
  if (!root || !session) return;
  const main = h("main", { id: "screen", "data-screen": current });
  const member = h(
    "select",
    {
      name: "acting-as",
      onchange: async (e: Event) => {
        const s = await attempt(() => api.actAs((e.target as HTMLSelectElement).value));
        if (s) app.session = s;
        await render();
      },
    },
    session.members.map((m) =>
      h("option", { value: m.id, selected: m.id === session.me.id }, `${m.name}（${roleText(m.role)}${m.approver ? "・決裁" : ""}）`),
    ),
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
          h("button", { class: id === current ? "active" : "", "data-screen": id, title: `Alt+${i + 1}`, onclick: () => { current = id; void render(); } }, t(name)),
        ),
      ),
      h("div", { class: "who" }, h("label", {}, t("Acting as"), " ", member), h("button", { class: "lang", onclick: () => { setLang(currentLang() === "ja" ? "en" : "ja"); void render(); } }, currentLang() === "ja" ? "English" : "日本語")),
    ),
    h("div", { id: "message", class: "message", role: "status" }),
    main,
  );
  const screen = SCREENS.find(([id]) => id === current);
  if (screen) await screen[2](main);
  document.body.dataset.ready = current;
}

// Alt+1..6 switch screens: the office works from the keyboard.
window.addEventListener("keydown", (e) => {
  const n = Number(e.key);
  if (e.altKey && n >= 1 && n <= SCREENS.length) {
    current = SCREENS[n - 1][0];
    void render();
  }
});

/// A home protected by a passphrase: asked for here, and nothing else shows until it opens.
function unlockForm(root: HTMLElement, why: string): void {
  const input = h("input", { type: "password", name: "passphrase", size: 30, autofocus: true, autocomplete: "off" });
  const message = h("div", { id: "message", class: "message error" }, why);
  const form = h(
    "form",
    { id: "unlock" },
    h("h1", {}, "Kenshin"),
    h("p", {}, t("This laptop's data is protected by a passphrase.")),
    h("label", {}, t("Passphrase"), " ", input),
    " ",
    h("button", { type: "submit" }, t("Open")),
    message,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void (async () => {
      try {
        app.session = await api.unlock(input.value);
        await render();
      } catch (err) {
        message.textContent = String(err);
        input.select();
      }
    })();
  });
  replace(root, form);
  document.body.dataset.ready = "unlock";
}

setLang(currentLang());
void (async () => {
  const root = document.getElementById("app");
  if (!root) return;
  if (await api.locked().catch(() => false)) {
    try {
      app.session = await api.session();
    } catch (err) {
      unlockForm(root, String(err));
      return;
    }
  } else {
    const s = await attempt(() => api.session());
    if (!s) {
      root.append(h("div", { id: "message", class: "message error" }, "session failed"));
      return;
    }
    app.session = s;
  }
  await render();
})();
