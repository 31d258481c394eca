// 同期: the laptop's sync engine, which runs inside the app. The header's state line, and the screen
// with every peer, pause and resume, a peer's address for networks without mDNS, and 今すぐ同期.
import type { CertificateView, ErasuresView, Refused, RemovedLaptopView, Role, SyncFault, SyncSettings, SyncStanding, SyncView } from "./bindings";
import { api } from "./api";
import { insurerForm } from "./insurer";
import { h, replace } from "./dom";
import { askInPlace, fileField } from "./forms";
import { roleText, t } from "./i18n";
import { app, attempt, fmtTime, label, newSession, say } from "./state";

/// "3分前", "2時間前", or the date when older than a day.
export function ago(ms: number, now = Date.now()): string {
  const minutes = Math.max(0, Math.floor((now - ms) / 60000));
  if (minutes < 1) return t("just now");
  if (minutes < 60) return `${minutes}${t(" min ago")}`;
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)}${t(" h ago")}`;
  return at(ms);
}

function at(ms: number): string {
  return fmtTime(new Date(ms).toISOString());
}

/// The header's line: last sync and what waits, a warning when it has waited too long.
export function standingLine(view: SyncView): { text: string; warn: boolean } {
  const s: SyncStanding = view.standing;
  const parts: string[] = [];
  if (view.settings.paused) parts.push(t("Sync paused"));
  else if (!view.running) parts.push(t("Not syncing"));
  parts.push(s.last_with && s.last_at !== null ? `${t("Last sync")}: ${s.last_with}${t(" with, ")}${ago(s.last_at)}` : t("Never synced"));
  if (s.unsent > 0) parts.push(`${t("Unsynced entries")} ${s.unsent}${t(" entries")}`);
  for (const w of s.warnings) {
    parts.push(
      w.kind === "unsent"
        ? `⚠ ${t("Not received by the section since")} ${at(w.since)}`
        : `⚠ ${w.member}: ${w.since === null ? t("never seen") : `${t("not seen since")} ${at(w.since)}`}`,
    );
  }
  return { text: parts.join(" ・ "), warn: s.warnings.length > 0 || view.faults.length > 0 || view.refused.length > 0 };
}

export function faultText(f: SyncFault): string {
  switch (f.kind) {
    case "port_in_use":
      return `${f.listen}: ${t("the port is in use by another program; choose another port below. This laptop works offline until then.")}`;
    case "listen":
      return `${f.listen}: ${t("cannot listen")} (${f.why})`;
    case "lan":
      return `${t("Laptops on the LAN cannot be found automatically; add their addresses below.")} (${f.why})`;
    case "engine_running":
      return t("Another Kenshin (kenshin serve or kenshin sync) is syncing this laptop's data; this window syncs once it stops.");
    case "engine":
      return `${t("Sync could not start")}: ${f.why}`;
  }
}

/// A refused handshake in the clerk's words: who refused whom, and why.
export function refusedText(r: Refused): string {
  const w = r.why;
  const why = (() => {
    switch (w.kind) {
      case "other_office":
        return t("That laptop belongs to another office.");
      case "not_member":
        return t("That laptop is not in this office's roster.");
      case "removed":
        return `${w.name}${t(" was removed from the roster.")}`;
      case "wrong_key":
        return `${t("The laptop's key is not the one the roster holds for")} ${w.name}`;
      case "invite":
        return t("The invite does not admit this laptop (used, expired, or made for another laptop).");
      case "other":
        // Only an earlier Kenshin refuses without a reason; on this side, the connection broke.
        return r.by_peer ? t("That laptop runs an older Kenshin: update it.") : t("The connection ended before it could be judged.");
    }
  })();
  return r.by_peer ? `${r.address} ${t("refused to sync with this laptop")}: ${why}` : `${t("This laptop refused the connection from")} ${r.address}: ${why}`;
}

/// The screen: what peers change (state, refusals, peers) above, the forms below. A peer's event
/// redraws only the part above (`refreshSync`), so an invite's 照合番号, a question asked in the
/// roster or a half-typed address stays while laptops come and go.
export async function syncScreen(root: HTMLElement): Promise<void> {
  const view = await attempt(() => api.syncView());
  if (!view) return;
  const settings: SyncSettings = { ...view.settings, peers: [...view.settings.peers] };
  const apply = (next: SyncSettings, said: string) => applySettings(root, next, said);
  const listen = h("input", { name: "listen", value: settings.listen, size: 22, autocomplete: "off" });
  const lan = h("input", { type: "checkbox", name: "lan", checked: settings.lan });
  const peer = h("input", { name: "peer", size: 22, placeholder: "192.168.1.20:7787", autocomplete: "off" });
  const live = h("div", { id: "sync-live" });
  fillLive(live, view, root);
  replace(
    root,
    h("h2", {}, t("Sync")),
    live,
    h("h3", {}, t("Invite a laptop")),
    inviteForm(),
    h("h3", {}, t("Roster")),
    rosterList(root),
    app.session?.me.role === "contractor"
      ? [h("h3", {}, t("End of contract")), leavingForm()]
      : [h("h3", {}, t("Erasure of laptops")), erasuresList(), h("h3", {}, t("Check an erasure certificate")), certificateCheck()],
    h("h3", {}, t("The office's settings")),
    officeSettingsForm(),
    h("h3", {}, t("Insurer")),
    insurerForm(),
    h("h3", {}, t("Settings")),
    h(
      "form",
      {
        class: "sync-settings",
        onsubmit: (e: Event) => {
          e.preventDefault();
          void apply({ ...settings, listen: listen.value.trim(), lan: lan.checked }, t("Saved"));
        },
      },
      label(t("This laptop's address (HOST:PORT)"), listen),
      h("label", { class: "check" }, lan, t("Find laptops on the LAN automatically (mDNS)")),
      h("button", { type: "submit", "data-action": "save-settings" }, t("Save")),
    ),
    h(
      "form",
      {
        class: "sync-peers",
        onsubmit: (e: Event) => {
          e.preventDefault();
          const address = peer.value.trim();
          if (address) void apply({ ...settings, peers: [...settings.peers, address] }, t("Added"));
        },
      },
      label(t("Add a laptop by address"), peer),
      h("button", { type: "submit", "data-action": "add-peer" }, t("Add")),
      h(
        "ul",
        { class: "peer-addresses" },
        settings.peers.map((a) =>
          h(
            "li",
            {},
            a,
            " ",
            h(
              "button",
              {
                type: "button",
                "data-action": "remove-peer",
                onclick: () => void apply({ ...settings, peers: settings.peers.filter((p) => p !== a) }, t("Removed")),
              },
              t("Remove"),
            ),
          ),
        ),
      ),
    ),
  );
}

/// Redraws what peers change on the sync screen, if it is shown.
export async function refreshSync(): Promise<void> {
  const live = document.getElementById("sync-live");
  const root = document.getElementById("screen");
  const view = await api.syncView().catch(() => null);
  if (!live || !root || !view) return;
  fillLive(live, view, root);
}

/// Draws the roster again from the session, if the sync screen is shown (a member joined or left).
export function redrawRoster(): void {
  const root = document.getElementById("screen");
  const roster = root?.querySelector("table.roster");
  if (root && roster) roster.replaceWith(rosterList(root));
}

async function applySettings(root: HTMLElement, next: SyncSettings, said: string): Promise<void> {
  if (await attempt(() => api.syncSettings(next))) {
    await syncScreen(root);
    say(said);
  }
}

/// When each member's laptop was last seen, from the latest view (the roster shows it).
let lastSeen = new Map<string, number | null>();

function seenText(member: string): string {
  if (member === app.session?.me.id) return t("This laptop");
  const s = lastSeen.get(member);
  return s === undefined ? t("never seen") : s === null ? "—" : ago(s);
}

function fillLive(live: HTMLElement, view: SyncView, root: HTMLElement): void {
  lastSeen = new Map(view.peers.map((p) => [p.member, p.last_seen]));
  // Only the roster's times change: a question asked in it stays.
  root.querySelectorAll<HTMLElement>("td[data-seen]").forEach((td) => (td.textContent = seenText(td.dataset.seen ?? "")));
  const state = view.settings.paused
    ? t("Paused: this laptop works offline. Resume to send and receive.")
    : view.running
      ? view.listening
        ? `${t("Syncing. Other laptops reach this one at")} ${view.listening}`
        : t("Syncing (not accepting other laptops)")
      : t("Not syncing");
  const rows = view.peers.map((p) =>
    h(
      "tr",
      { "data-member": p.member, "data-connected": p.connected ? "yes" : "no" },
      h("td", {}, p.name),
      h("td", {}, p.role ? roleText(p.role) : t("relay")),
      h("td", {}, p.address ?? ""),
      h("td", { class: p.connected ? "ok" : "" }, p.connected ? t("Connected") : t("Not connected")),
      h("td", {}, p.last_seen === null ? "—" : ago(p.last_seen)),
      h("td", {}, p.last_synced === null ? "—" : ago(p.last_synced)),
      h("td", { class: "num" }, p.pending),
    ),
  );
  replace(
    live,
    h("p", { class: "sync-state", "data-running": view.running ? "yes" : "no" }, state),
    view.running &&
      view.progress.held < view.progress.of &&
      h("p", { class: "sync-progress" }, `${t("Receiving documents")}: ${view.progress.held} / ${view.progress.of}`, " ", h("progress", { max: view.progress.of, value: view.progress.held })),
    view.faults.map((f) => h("p", { class: "message error fault", "data-fault": f.kind }, faultText(f))),
    view.refused.map((r) =>
      h("p", { class: "message error refused", "data-refusal": r.why.kind, title: r.why.kind === "other" ? r.why.why : "" }, refusedText(r)),
    ),
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        {
          "data-action": view.settings.paused ? "resume" : "pause",
          onclick: () =>
            void applySettings(
              root,
              { ...view.settings, paused: !view.settings.paused },
              view.settings.paused ? t("Sync resumed") : t("Sync paused"),
            ),
        },
        view.settings.paused ? t("Resume sync") : t("Pause sync (offline)"),
      ),
      " ",
      h(
        "button",
        {
          "data-action": "sync-now",
          disabled: view.settings.paused,
          onclick: async () => {
            if (await attempt(() => api.syncNow())) {
              await refreshSync();
              say(t("Dialling every laptop now"));
            }
          },
        },
        t("Sync now"),
      ),
    ),
    h(
      "table",
      { class: "peers" },
      h(
        "thead",
        {},
        h("tr", {}, [t("Member"), t("Role"), t("Network address"), t("Connection"), t("Last seen"), t("Last synced"), t("Documents to sync")].map((c) => h("th", {}, c))),
      ),
      h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 7 }, t("No laptop met yet.")))),
    ),
  );
}

/// 事務所の設定: what holds for every laptop of the office; an admin changes it, others read it.
function officeSettingsForm(): HTMLElement {
  const current = app.session?.settings;
  if (!current) return h("div");
  const admin = app.session?.me.admin ?? false;
  const idle = h("input", { type: "number", name: "idle-minutes", min: 1, max: 120, value: current.idle_minutes, size: 4, disabled: !admin });
  return h(
    "form",
    {
      class: "office-settings",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        // The settings as they are now (the insurer's may have changed since this form was drawn).
        const now = app.session?.settings ?? current;
        const s = await attempt(() => api.setSettings({ ...now, idle_minutes: Number(idle.value) }));
        if (!s) return;
        app.session = s;
        say(`${t("Saved")}: ${t("Lock after (minutes idle)")} ${s.settings.idle_minutes}`);
      },
    },
    label(t("Lock after (minutes idle)"), idle),
    admin ? h("button", { type: "submit", "data-action": "save-office-settings" }, t("Save")) : h("span", { class: "hint" }, t("Only an office admin can change these.")),
  );
}

/// 端末の招待 (admins): the invite file to hand over, and its 照合番号 to read aloud.
function inviteForm(): HTMLElement {
  if (!app.session?.me.admin) return h("p", { class: "hint" }, t("Only an office admin can invite laptops."));
  const name = h("input", { name: "invite-name", size: 16, autocomplete: "off" });
  const role = h(
    "select",
    { name: "invite-role" },
    h("option", { value: "contractor" }, t("Contractor")),
    h("option", { value: "section" }, t("Section")),
  );
  const approver = h("input", { type: "checkbox", name: "invite-approver" });
  const out = fileField("invite-out", { ext: ["kenshin-invite"], save: () => `${name.value || "招待"}.kenshin-invite` });
  const made = h("p", { class: "invite-made" });
  return h(
    "form",
    {
      class: "sync-invite",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const m = await attempt(() => api.makeInvite(name.value, role.value as Role, approver.checked, out.file()));
        if (!m) return;
        say(`${t("Invite saved")}: ${m.name}`);
        replace(made, `${t("Fingerprint to read aloud")}: `, h("strong", { class: "fingerprint" }, m.fingerprint));
      },
    },
    label(t("Name"), name),
    label(t("Role"), role),
    h("label", { class: "check" }, approver, t("Approver (決裁権限)")),
    label(t("File"), out.field),
    h("button", { type: "submit", "data-action": "invite" }, t("Save the invite file")),
    made,
  );
}

/// 名簿: the office's members; an admin removes one after saying so twice (the row asks in place).
function rosterList(root: HTMLElement): HTMLElement {
  const session = app.session;
  if (!session) return h("div");
  const admin = session.me.admin;
  const row = (m: (typeof session.members)[number]) => {
    const cell = h("td", {});
    const ask = () => {
      const erase = h("input", { type: "checkbox", name: "erase-too", checked: m.role === "contractor" });
      askInPlace(
        cell,
        "remove",
        [
          `${m.name} ${t("is removed from the roster: that laptop is cut off and can no longer sync.")} `,
          h("label", { class: "check" }, erase, t("Also order that laptop to destroy its records (消去命令)")),
          " ",
        ],
        {
          label: t("Remove"),
          run: async () => {
            const s = await attempt(() => api.removeMember(m.id, erase.checked));
            if (!s) return;
            newSession(s);
            await syncScreen(root);
            say(`${t("Removed from the roster")}: ${m.name}`);
          },
        },
        () => void syncScreen(root),
      );
    };
    const deputy = session.deputies.includes(m.id);
    // 代決者: a section member who is not an approver may be designated (and undesignated).
    if (admin && m.role === "section" && !m.approver) {
      const toggle = async () => {
        const s = await attempt(() => api.setDeputy(m.id, !deputy));
        if (!s) return;
        app.session = s;
        await syncScreen(root);
        say(`${deputy ? t("No longer a deputy") : t("Now a deputy")}: ${m.name}`);
      };
      cell.append(h("button", { "data-action": "deputy", onclick: () => void toggle() }, deputy ? t("End deputy") : t("Make deputy")), " ");
    }
    // 暗証番号の再設定: a member of this laptop who forgot theirs is added again with new keys (asked
    // in place, like a removal).
    const reset = () =>
      askInPlace(
        cell,
        "reset",
        [`${m.name}${t(" gets new keys and chooses a new PIN at their next sign-in; what they recorded keeps counting.")} `],
        {
          label: t("Reset the PIN"),
          run: async () => {
            const s = await attempt(() => api.resetMember(m.id));
            if (!s) return;
            newSession(s);
            await syncScreen(root);
            say(`${t("PIN reset")}: ${m.name}`);
          },
        },
        () => void syncScreen(root),
      );
    // 役割の変更: the member's role and approver authority from now on (asked in place).
    const change = () => {
      const role = h(
        "select",
        { name: "change-role" },
        h("option", { value: "section", selected: m.role === "section" }, t("Section")),
        h("option", { value: "contractor", selected: m.role === "contractor" }, t("Contractor")),
      );
      const approver = h("input", { type: "checkbox", name: "change-approver", checked: m.approver });
      replace(
        cell,
        role,
        " ",
        h("label", { class: "check" }, approver, t("Approver (決裁権限)")),
        " ",
        h(
          "button",
          {
            "data-action": "confirm-role",
            onclick: async () => {
              const s = await attempt(() => api.changeRole(m.id, role.value as Role, approver.checked));
              if (!s) return;
              newSession(s);
              await syncScreen(root);
              say(`${t("Role changed")}: ${m.name}`);
            },
          },
          t("Change"),
        ),
        " ",
        h("button", { "data-action": "cancel-role", onclick: () => void syncScreen(root) }, t("Cancel")),
      );
    };
    if (admin && m.id !== session.me.id) {
      cell.append(h("button", { "data-action": "change-role", onclick: change }, t("Change the role")), " ");
    }
    if (admin && m.id !== session.me.id && session.here.some((x) => x.member.id === m.id && !x.owner)) {
      cell.append(h("button", { "data-action": "reset-member", onclick: reset }, t("Reset the PIN")), " ");
    }
    if (admin && m.id !== session.me.id) {
      cell.append(h("button", { "data-action": "remove-member", onclick: ask }, t("Remove from the roster")));
    }
    const powers = [m.admin && t("Office admin"), m.approver && t("Approver"), deputy && t("Deputy")].filter(Boolean).join("・");
    return h("tr", { "data-member": m.id }, h("td", {}, m.name), h("td", {}, roleText(m.role)), h("td", {}, powers), h("td", { "data-seen": m.id }, seenText(m.id)), cell);
  };
  return h(
    "table",
    { class: "peers roster" },
    h("thead", {}, h("tr", {}, [t("Member"), t("Role"), t("Authority"), t("Last seen"), ""].map((x) => h("th", {}, x)))),
    h("tbody", {}, session.members.map(row)),
  );
}

/// What a 消去証明 says: who, of which office, what the laptop held, why, its last sync and
/// destruction.
function certificateLines(c: CertificateView): HTMLElement {
  const row = (k: string, v: string) => h("tr", {}, h("th", {}, k), h("td", {}, v));
  return h(
    "table",
    { class: "certificate" },
    row(t("Office"), c.office_name),
    row(t("Member"), c.member_name),
    row(t("Held"), `${c.documents}${t(" documents")}・${c.vouchers}${t(" vouchers")}`),
    row(t("Batches held"), c.batches.join("、") || "—"),
    row(t("Why"), c.ordered ? t("The admin's erasure order") : t("End of contract (after a whole sync)")),
    c.ordered ? [] : [row(t("Synced with"), c.synced_with), row(t("Synced at"), c.synced_at)],
    row(t("Destroyed"), c.destroyed_at),
  );
}

/// This laptop's records are gone (契約終了, or an admin's order): the screen says so with the
/// certificate, and how it reaches the section.
export function destroyedScreen(c: CertificateView, title: string): void {
  say(title);
  const screen = document.getElementById("screen") ?? document.body;
  const saved = (name: string) => h("p", { class: "message ok", "data-saved": name }, `${t("The erasure certificate was saved")}: ${name}${t(". Hand it to the section.")}`);
  const how = c.saved
    ? saved(c.saved)
    : c.handed_back
      ? h("p", { class: "message ok", "data-handed-back": "yes" }, t("The erasure certificate was handed to the section's laptop."))
      : c.ordered
        ? h("p", { class: "message error" }, t("The erasure certificate could not be handed to the section's laptop: save it and hand the file to the section."))
        : [h("p", { class: "message error" }, t("The certificate could not be saved. Copy it below and hand it to the section.")), h("textarea", { readonly: true, rows: 12, cols: 70 }, c.text)];
  // On an order, the file is for the section's records too (or the only way, when not handed back).
  const save = () => {
    const out = fileField("certificate-out", { ext: ["json"], save: () => `消去証明-${c.member_name}.json` });
    const box = h("div", { class: "save-certificate" });
    replace(
      box,
      label(t("Save the certificate to"), out.field),
      h(
        "button",
        {
          "data-action": "save-certificate",
          onclick: async () => {
            const name = await attempt(() => api.saveErasedCertificate(out.file()));
            if (name) replace(box, saved(name));
          },
        },
        t("Save the certificate"),
      ),
    );
    return box;
  };
  replace(
    screen,
    h("h2", {}, title),
    how,
    certificateLines(c),
    c.ordered ? save() : [],
    h("button", { "data-action": "first-screen", onclick: () => window.location.reload() }, t("To the first screen")),
  );
}

/// 端末の消去 (section): removed members' laptops, where an admin orders one destroyed (asked in
/// place), and the certificates destroyed laptops handed back. Filled again when one is handed back.
function erasuresList(): HTMLElement {
  const box = h("div", { class: "erasures" });
  void fillErasures(box);
  return box;
}

/// The sync screen's 端末の消去, read again (a destroyed laptop handed back its certificate).
export async function refreshErasures(): Promise<void> {
  const box = document.querySelector<HTMLElement>("div.erasures");
  if (box) await fillErasures(box);
}

async function fillErasures(box: HTMLElement, given?: ErasuresView): Promise<void> {
  const v = given ?? (await attempt(() => api.erasures()));
  if (!v) return;
  const admin = app.session?.me.admin ?? false;
  const certified = new Set(v.certificates.map((c) => c.member_name));
  const row = (r: RemovedLaptopView) => {
    const cell = h("td", {});
    const ask = () =>
      askInPlace(
        cell,
        "order-erasure",
        [`${r.name} ${t("is told to destroy its records the next time it connects to a laptop of this office. Its work not yet synced is lost.")} `],
        {
          label: t("Order the erasure"),
          run: async () => {
            const next = await attempt(() => api.orderErasure(r.member_id));
            if (!next) return;
            await fillErasures(box, next);
            say(`${t("Erasure ordered")}: ${r.name}`);
          },
        },
        () => void fillErasures(box),
      );
    if (admin && r.ordered_at === null && !certified.has(r.name)) {
      cell.append(h("button", { "data-action": "order-erasure", onclick: ask }, t("Order the erasure")));
    }
    const state = certified.has(r.name) ? t("Erased") : r.ordered_at !== null ? `${t("Ordered")} ${r.ordered_at}` : t("Not ordered");
    return h("tr", { "data-removed": r.member_id }, h("td", {}, r.name), h("td", {}, roleText(r.role)), h("td", { "data-erasure": r.member_id }, state), cell);
  };
  replace(
    box,
    v.removed.length === 0
      ? h("p", { class: "hint" }, t("No laptop was removed from the roster."))
      : h("table", { class: "peers removed" }, h("tbody", {}, v.removed.map(row))),
    h("h4", {}, t("Erasure certificates received")),
    v.certificates.length === 0 ? h("p", { class: "hint" }, t("None yet.")) : v.certificates.map((c) => h("div", { class: "certificate-received" }, certificateLines(c))),
  );
}

/// 契約終了 (a contractor's own laptop): after one whole sync with a section laptop, this laptop's
/// records and key are destroyed and the signed 消去証明 is saved for the section. Asked in place.
function leavingForm(): HTMLElement {
  const box = h("div", { class: "leaving" });
  const out = fileField("certificate-out", { ext: ["json"], save: () => `消去証明-${app.session?.me.name ?? ""}.json` });
  const done = (c: CertificateView) => destroyedScreen(c, t("This laptop's records were destroyed"));
  const ask = () =>
    replace(
      box,
      h("p", {}, t("This laptop syncs once with a section laptop, then its records and key are destroyed: nothing of the office remains on it. You sign the erasure certificate.")),
      label(t("Save the certificate to"), out.field),
      h(
        "button",
        {
          class: "danger",
          "data-action": "confirm-leave",
          onclick: async (e: Event) => {
            const b = e.currentTarget as HTMLButtonElement;
            b.disabled = true;
            say(t("Syncing with the section, then destroying…"));
            const c = await attempt(() => api.leaveOffice(out.file()));
            b.disabled = false;
            if (c) done(c);
          },
        },
        t("Sync and destroy"),
      ),
      " ",
      h("button", { "data-action": "cancel-leave", onclick: () => replace(box, start()) }, t("Cancel")),
    );
  const start = () => h("button", { "data-action": "leave", onclick: ask }, t("End the contract (destroy this laptop's records)"));
  replace(box, start());
  return box;
}

/// 消去証明の確認 (section): a certificate from a contractor laptop, checked against the roster.
function certificateCheck(): HTMLElement {
  const file = fileField("certificate-in", { ext: ["json"] });
  const shown = h("div", { class: "certificate-checked" });
  return h(
    "form",
    {
      class: "certificate-check",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const c = await attempt(() => api.checkCertificate(file.file()));
        if (!c) return replace(shown);
        say(`${t("The erasure certificate holds")}: ${c.member_name}`);
        replace(shown, h("p", { class: "message ok" }, t("The erasure certificate holds")), certificateLines(c));
      },
    },
    label(t("Certificate file"), file.field),
    h("button", { type: "submit", "data-action": "check-certificate" }, t("Check")),
    shown,
  );
}
