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

setLang(currentLang());
void (async () => {
  const s = await attempt(() => api.session());
  if (s) {
    app.session = s;
    await render();
  } else {
    document.getElementById("app")?.append(h("div", { id: "message", class: "message error" }, "session failed"));
  }
})();
