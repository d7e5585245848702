// A tiny DOM builder: every text goes in through textContent (never
// innerHTML), so data from the API cannot inject markup into the console.
type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, unknown>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2).toLowerCase(), value as EventListener);
    } else if (name === "class") {
      el.className = String(value);
    } else if (name === "value" && "value" in el) {
      (el as HTMLInputElement).value = String(value);
    } else if (name === "checked" || name === "selected" || name === "disabled") {
      (el as unknown as Record<string, boolean>)[name] = Boolean(value);
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

let fieldIds = 0;
/** A labelled control: the label's `for` names the control, so screen readers and clicks find it. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || `f${++fieldIds}`;
  control.id = id;
  const hintEl = hint ? h("small", { id: `${id}-hint`, class: "hint" }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hintEl);
}

export function select(name: string, options: Array<[string, string]>, value = ""): HTMLSelectElement {
  return h(
    "select",
    { name },
    options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)),
  );
}

export interface Column<T> {
  label: string;
  cell: (row: T) => Child;
  numeric?: boolean;
}

/** A plain data table with a caption and column headers; `rowAttrs` tags rows for tests and links. */
export function table<T>(caption: string, columns: Column<T>[], rows: T[], rowAttrs?: (row: T) => Attrs): HTMLElement {
  const head = h(
    "tr",
    null,
    columns.map((c) => h("th", { scope: "col", class: c.numeric ? "num" : null }, c.label)),
  );
  const body = rows.map((row) =>
    h(
      "tr",
      rowAttrs?.(row) ?? null,
      columns.map((c) => h("td", { class: c.numeric ? "num" : null }, c.cell(row))),
    ),
  );
  const empty = rows.length === 0 ? h("p", { class: "empty" }, "Nothing to show.") : null;
  return h(
    "div",
    { class: "table-wrap" },
    h("table", null, h("caption", null, caption), h("thead", null, head), h("tbody", null, body)),
    empty,
  );
}

/** The page's polite live region: status and errors are announced, not only shown. */
export function notice(root: HTMLElement, text: string, kind: "info" | "error" = "info"): void {
  let box = root.querySelector<HTMLElement>(":scope > .notice");
  if (!box) {
    box = h("p", { class: "notice", role: "status", "aria-live": "polite" });
    root.prepend(box);
  }
  box.className = `notice ${kind}`;
  box.textContent = text;
}

export function clear(el: HTMLElement): void {
  el.replaceChildren();
}
