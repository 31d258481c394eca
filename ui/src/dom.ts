// A small DOM helper: h("div", { class: "x", onclick: f }, child, "text").
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;
export type Child = Node | string | number | null | undefined | false | Child[];

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v);
    else if (k === "value" && "value" in el) (el as HTMLInputElement).value = String(v);
    // Through the CSSOM: the content security policy refuses style attributes.
    else if (k === "style") el.style.cssText = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/// The rows a virtual list draws now: those in view and two more, each from its page of `size` or a
/// placeholder while that page loads (a page not asked for yet is asked for), placed at its height.
export function rowsInView<T>(
  viewport: HTMLElement,
  at: { height: number; size: number; total: number },
  pages: Map<number, T[] | "loading">,
  load: (page: number) => void,
  draw: (item: T | undefined, i: number) => HTMLElement,
): HTMLElement[] {
  const first = Math.floor(viewport.scrollTop / at.height);
  const visible = Math.ceil(viewport.clientHeight / at.height) + 2;
  const out: HTMLElement[] = [];
  for (let i = first; i < Math.min(at.total, first + visible); i++) {
    const page = pages.get(Math.floor(i / at.size));
    if (page === undefined) load(Math.floor(i / at.size));
    const el = draw(Array.isArray(page) ? page[i % at.size] : undefined, i);
    el.style.top = `${i * at.height}px`;
    out.push(el);
  }
  return out;
}
