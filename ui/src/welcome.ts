// The first screen of a new laptop: join the office with an invite file, make a new office, or open the
// demo; then, while joining, what has arrived of what the office holds, until the board opens.
import { listen } from "@tauri-apps/api/event";
import type { Joined, Refused, Session } from "./bindings";
import { api } from "./api";
import { h, replace } from "./dom";
import { fileField } from "./forms";
import { refusalText, t } from "./i18n";
import { label } from "./state";
import { refusedText } from "./sync";

type Ready = (s: Session) => Promise<void>;

function failed(box: HTMLElement, err: unknown): void {
  box.className = "message error";
  box.textContent = `${t("Refused")}: ${refusalText(err)}`;
}

export function welcomeScreen(root: HTMLElement, ready: Ready): void {
  const message = h("div", { id: "message", class: "message", role: "status" });
  const invite = fileField("invite-file", { ext: ["kenshin-invite", "json"] });
  const peer = h("input", { name: "inviter", size: 22, placeholder: "192.168.1.10:7787", autocomplete: "off" });
  const officeName = h("input", { name: "office-name", size: 24, autocomplete: "off" });
  const myName = h("input", { name: "my-name", size: 16, autocomplete: "off" });
  const busy = (b: boolean) => root.querySelectorAll("button").forEach((x) => ((x as HTMLButtonElement).disabled = b));
  // One choice at a time: the buttons wait while it runs, and come back with its refusal.
  const act = (f: () => Promise<void>) => async () => {
    busy(true);
    try {
      await f();
    } catch (err) {
      failed(message, err);
      busy(false);
    }
  };
  replace(
    root,
    h("header", {}, h("h1", {}, "Kenshin", h("small", {}, t("Specific health checkup vouchers")))),
    message,
    h(
      "main",
      { id: "screen", class: "welcome" },
      h(
        "section",
        { class: "card" },
        h("h2", {}, t("Join with an invite file")),
        h("p", {}, t("The office's admin gives you an invite file. Choose it, and give the address of the admin's laptop if this network does not find it by itself.")),
        label(t("Invite file"), invite.field),
        label(t("Address of the admin's laptop (optional)"), peer),
        h(
          "button",
          {
            "data-action": "join",
            onclick: act(async () => joiningScreen(root, ready, await api.joinOffice(invite.file(), peer.value))),
          },
          t("Join"),
        ),
      ),
      h(
        "section",
        { class: "card" },
        h("h2", {}, t("Make a new office")),
        h("p", {}, t("This laptop founds the office and you are its first admin.")),
        label(t("Office name"), officeName),
        label(t("Your name"), myName),
        h(
          "button",
          {
            "data-action": "create",
            onclick: act(async () => ready(await api.createOffice(officeName.value, myName.value))),
          },
          t("Make the office"),
        ),
      ),
      h(
        "section",
        { class: "card" },
        h("h2", {}, t("Open the demo")),
        h("p", {}, t("A made-up office with synthetic residents, to try everything. No real personal data.")),
        h(
          "button",
          {
            "data-action": "demo",
            onclick: act(async () => {
              message.className = "message";
              message.textContent = t("Making the demo office (about 10 seconds)…");
              await ready(await api.openDemo());
            }),
          },
          t("Open the demo"),
        ),
      ),
    ),
  );
  document.body.dataset.ready = "welcome";
}

/// Joined: the documents received of those known so far (the roster names the batches, a batch its
/// lists), and why a peer refused. The board opens once everything known has arrived; from when the
/// roster is here, the clerk may open it sooner and the rest arrives meanwhile.
export async function joiningScreen(root: HTMLElement, ready: Ready, joined: Joined | null): Promise<void> {
  const count = h("strong", { class: "received" }, "0 / 1");
  const bar = h("progress", { max: 1, value: 0 });
  const bytes = h("span", { class: "bytes" });
  const why = h("div", { class: "message", role: "status", id: "message" });
  let sooner = false;
  const openNow = h(
    "button",
    { "data-action": "open-board", disabled: true, onclick: () => (sooner = true) },
    t("Open the board now (the rest arrives meanwhile)"),
  );
  replace(
    root,
    h("header", {}, h("h1", {}, "Kenshin", h("small", {}, joined?.office_name ?? ""))),
    why,
    h(
      "main",
      { id: "screen", class: "joining" },
      h("h2", {}, t("Joining the office")),
      joined &&
        h(
          "p",
          {},
          `${joined.name} — ${t("Read this fingerprint aloud with the admin who made the invite")}: `,
          h("strong", { class: "fingerprint" }, joined.fingerprint),
        ),
      h("p", {}, t("Documents received"), ": ", count, " ", bytes),
      h("p", {}, bar),
      h("p", { class: "hint" }, t("Waiting for the admin's laptop. The board opens by itself when everything has arrived.")),
      h("p", {}, openNow),
    ),
  );
  document.body.dataset.ready = "joining";
  const stop = await listen<{ event: string } & Partial<Refused>>("sync", (e) => {
    if (e.payload.event === "refused") {
      why.className = "message error";
      why.textContent = refusedText(e.payload as Refused);
    }
  });
  for (;;) {
    const [o, view] = await Promise.all([api.opening().catch(() => null), api.syncView().catch(() => null)]);
    const p = view?.progress;
    if (p && p.of > 0) {
      count.textContent = `${p.held} / ${p.of}`;
      bar.max = p.of;
      bar.value = p.held;
      bytes.textContent = `(${(p.bytes / 1e6).toFixed(1)} MB)`;
    }
    if (o?.state === "ready") {
      if (sooner || (p && p.held >= p.of)) {
        stop();
        await ready(o.session);
        return;
      }
      openNow.disabled = false;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
