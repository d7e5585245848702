// The console's shell: hash routes (#/versions, #/interactions/<id>, …) so
// one static index.html serves every page offline, the navigation, and the
// sign-in gate. Pages are plain functions of a PageContext.
import "uplot/dist/uPlot.min.css";
import { json, session, setUnauthorizedHandler } from "./api";
import { clear, h } from "./dom";
import type { Model, Page, PageContext } from "./page";
import { exportsPage } from "./pages/exports";
import { interactionsPage } from "./pages/interactions";
import { keysPage } from "./pages/keys";
import { manifestPage } from "./pages/manifest";
import { overviewPage } from "./pages/overview";
import { rolloutsPage } from "./pages/rollouts";
import { signInPage } from "./pages/sign-in";
import { versionsPage } from "./pages/versions";

const PAGES: Array<[string, string, Page]> = [
  ["overview", "Overview", overviewPage],
  ["versions", "Versions", versionsPage],
  ["rollouts", "Rollouts", rolloutsPage],
  ["interactions", "Interactions", interactionsPage],
  ["exports", "Exports", exportsPage],
  ["manifest", "Manifest", manifestPage],
  ["keys", "Keys", keysPage],
];

const app = document.getElementById("app")!;
let models: Model[] | null = null;
let cleanups: Array<() => void> = [];
let generation = 0;
let signInMessage: string | null = null;

setUnauthorizedHandler(() => {
  session.end();
  models = null;
  signInMessage = `Signed out: the gateway no longer accepts this key (revoked, expired or unknown).`;
  if (location.hash !== "#/sign-in") location.hash = "#/sign-in";
  else void render();
});

function parseHash(): { name: string; path: string[]; params: URLSearchParams } {
  const raw = location.hash.replace(/^#\/?/, "");
  const [pathPart, query = ""] = raw.split("?", 2);
  const [name = "", ...path] = pathPart.split("/").map(decodeURIComponent);
  return { name, path, params: new URLSearchParams(query) };
}

function nav(current: string, tenant: string): HTMLElement {
  const signOut = () => {
    session.end();
    models = null;
    location.hash = "#/sign-in";
  };
  return h(
    "header",
    { class: "top" },
    h("a", { class: "skip", href: "#main" }, "Skip to content"),
    h("span", { class: "brand" }, "Switchyard", h("span", { class: "tenant", "data-testid": "tenant" }, tenant)),
    h(
      "nav",
      { "aria-label": "Console" },
      h(
        "ul",
        null,
        PAGES.map(([name, label]) =>
          h("li", null, h("a", { href: `#/${name}`, "aria-current": name === current ? "page" : null }, label)),
        ),
      ),
    ),
    h("button", { type: "button", class: "secondary", onclick: signOut }, "Sign out"),
  );
}

async function render(): Promise<void> {
  const gen = ++generation;
  for (const fn of cleanups.splice(0)) fn();
  const { name, path, params } = parseHash();
  const key = session.key();
  const tenant = session.tenant();
  clear(app);
  if (!key || !tenant || name === "sign-in") {
    if (key && tenant && name === "sign-in") session.end();
    const message = signInMessage;
    signInMessage = null;
    signInPage(app, message, (m) => {
      models = m;
      location.hash = "#/versions";
    });
    return;
  }
  const page = PAGES.find(([n]) => n === name) ?? PAGES[0];
  if (page[0] !== name) {
    location.hash = `#/${page[0]}`;
    return;
  }
  const main = h("main", { id: "main", tabindex: "-1" });
  app.append(nav(name, tenant), main);
  document.title = `${page[1]} · Switchyard console`;
  try {
    models ??= (await json<{ data: Model[] }>("/v1/models")).data;
  } catch (error) {
    if (gen === generation) main.append(h("p", { class: "notice error" }, String(error)));
    return;
  }
  if (gen !== generation) return;
  const ctx: PageContext = {
    root: main,
    path,
    params,
    tenant,
    models,
    setParams(next) {
      const qs = next.toString();
      location.hash = `#/${[name, ...path].map(encodeURIComponent).join("/")}${qs ? `?${qs}` : ""}`;
    },
    onLeave: (fn) => cleanups.push(fn),
    invalidateModels: () => {
      models = null;
    },
    live: () => gen === generation,
  };
  main.append(h("h1", null, page[1]));
  try {
    await page[2](ctx);
  } catch (error) {
    if (ctx.live())
      main.append(h("p", { class: "notice error", role: "alert" }, String((error as Error).message ?? error)));
  }
}

window.addEventListener("hashchange", () => void render());
void render();
