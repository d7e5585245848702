// Rollouts: start one with a form, watch its step, share and decisions live
// (polled while the page is open), pause/resume/abort/evaluate, and the
// history of every transition with its reason and the numbers behind it.
import { adminPath, call, json } from "../api";
import { field, h, notice, select, table } from "../dom";
import { decisionNumbers } from "../decision-stats";
import { when as whenTime } from "../format";
import { versionsOf, type PageContext } from "../page";

const POLL_MS = 5000;

type Raw = Record<string, unknown>;
interface Rollout extends Raw {
  id: string;
  task: string;
  candidate: string;
  baseline?: string | null;
  state: string;
  step?: number | null;
  share?: number | null;
}

const str = (v: unknown) =>
  v === null || v === undefined ? "–" : typeof v === "object" ? JSON.stringify(v) : String(v);
/** Shares are percents of the task's traffic (5, 25, …). */
const share = (v: unknown) => (typeof v === "number" ? `${v}%` : "–");
const decisionOf = (r: Raw) => (r.latest_decision ?? r.decision ?? r.last_decision ?? null) as Raw | null;
const historyOf = (r: Raw) =>
  Array.isArray(r.history) ? (r.history as Raw[]) : Array.isArray(r.events) ? (r.events as Raw[]) : [];
const at = (e: Raw) => (e.at ?? e.created_at ?? e.time) as number | undefined;

function numbers(d: Raw | null): HTMLElement | string {
  return d ? decisionNumbers(d.stats ?? d.numbers ?? d.statistics) : "–";
}

export async function rolloutsPage(ctx: PageContext): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  ctx.onLeave(() => clearTimeout(timer));
  const id = ctx.path[0];
  if (id) return detail(ctx, id, (fn) => (timer = setTimeout(fn, POLL_MS)));

  const holder = h("div", { id: "rollout-list" });
  ctx.root.append(holder, startForm(ctx));
  const refresh = async () => {
    if (!ctx.live()) return;
    const { data } = await json<{ data: Rollout[] }>(adminPath("/rollouts"));
    if (!ctx.live()) return;
    holder.replaceChildren(
      table(
        "Rollouts, refreshed every 5 seconds",
        [
          { label: "Rollout", cell: (r) => h("a", { href: `#/rollouts/${encodeURIComponent(r.id)}` }, r.id) },
          { label: "Task", cell: (r) => r.task },
          { label: "Candidate vs baseline", cell: (r) => `${r.candidate} vs ${r.baseline ?? "–"}` },
          { label: "State", cell: (r) => h("span", { class: `state state-${r.state}` }, r.state) },
          { label: "Step", cell: (r) => str(r.step), numeric: true },
          { label: "Candidate share", cell: (r) => share(r.share), numeric: true },
          { label: "Latest decision", cell: (r) => decisionText(decisionOf(r)) },
        ],
        data,
        (r) => ({ "data-rollout": r.id, "data-state": r.state }),
      ),
    );
    timer = setTimeout(() => void refresh().catch(() => {}), POLL_MS);
  };
  await refresh();
}

const decisionText = (d: Raw | null) => (d ? `${str(d.action ?? d.decision)}: ${str(d.reason)}` : "none yet");

function startForm(ctx: PageContext): HTMLElement {
  const task = select(
    "task",
    ctx.models.map((m): [string, string] => [m.id, m.id]),
  );
  const candidate = select("candidate", []);
  const baseline = select("baseline", []);
  const fill = () => {
    const versions = versionsOf(ctx.models, task.value);
    candidate.replaceChildren(...versions.map((v) => h("option", { value: v }, v)));
    baseline.replaceChildren(
      h("option", { value: "" }, "current default"),
      ...versions.map((v) => h("option", { value: v }, v)),
    );
    if (versions.length > 1) candidate.value = versions[versions.length - 1];
  };
  task.addEventListener("change", fill);
  fill();
  const steps = h("input", { name: "steps", value: "5, 25, 50, 100", inputmode: "numeric" });
  const minFeedback = h("input", { type: "number", name: "min_feedback", min: "1", placeholder: "default" });
  const minSeconds = h("input", { type: "number", name: "min_step_seconds", min: "0", placeholder: "default" });
  const maxDrop = h("input", {
    type: "number",
    name: "max_positive_rate_drop",
    min: "0",
    max: "1",
    step: "0.01",
    placeholder: "0.05",
  });
  const perSegment = h("input", { type: "checkbox", name: "per_segment", id: "per-segment" });
  const form = h(
    "form",
    { class: "grid-form", "aria-label": "Start a rollout" },
    h("h2", null, "Start a rollout"),
    field("Task", task),
    field("Candidate version", candidate),
    field("Baseline version", baseline),
    field("Steps (candidate share, %)", steps),
    field("Minimum feedback per arm per step", minFeedback),
    field("Minimum seconds per step", minSeconds),
    field("Largest positive-rate drop allowed", maxDrop),
    h(
      "label",
      { for: "per-segment", class: "inline" },
      perSegment,
      " Guard every audience (no audience left worse off)",
    ),
    h("button", { type: "submit" }, "Start rollout"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body: Raw = { task: task.value, candidate: candidate.value };
    if (baseline.value) body.baseline = baseline.value;
    const stepList = steps.value
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    if (stepList.length) body.steps = stepList;
    if (minFeedback.value) body.min_feedback = Number(minFeedback.value);
    if (minSeconds.value) body.min_step_seconds = Number(minSeconds.value);
    const guards: Raw = {};
    if (maxDrop.value) guards.max_positive_rate_drop = Number(maxDrop.value);
    if (perSegment.checked) guards.per_segment = "audience";
    if (Object.keys(guards).length) body.guards = guards;
    try {
      const r = await json<Rollout>(adminPath("/rollouts"), { method: "POST", body });
      location.hash = `#/rollouts/${encodeURIComponent(r.id)}`;
    } catch (error) {
      notice(form, (error as Error).message, "error");
    }
  });
  return form;
}

async function detail(ctx: PageContext, id: string, again: (fn: () => void) => void): Promise<void> {
  ctx.root.querySelector("h1")!.textContent = `Rollout ${id}`;
  const body = h("div", { "aria-live": "polite" });
  ctx.root.append(h("p", null, h("a", { href: "#/rollouts" }, "← All rollouts")), body);
  const act = async (action: string) => {
    try {
      await call(adminPath(`/rollouts/${encodeURIComponent(id)}/${action}`), { method: "POST" });
      await draw();
    } catch (error) {
      notice(ctx.root, (error as Error).message, "error");
    }
  };
  const draw = async () => {
    const r = await json<Rollout>(adminPath(`/rollouts/${encodeURIComponent(id)}`));
    if (!ctx.live()) return;
    const active = r.state === "running" || r.state === "paused";
    const d = decisionOf(r);
    body.replaceChildren(
      h(
        "dl",
        { class: "facts", "data-testid": "rollout" },
        [
          ["Task", r.task],
          ["Candidate", r.candidate],
          ["Baseline", str(r.baseline)],
          ["State", h("span", { class: `state state-${r.state}`, "data-testid": "rollout-state" }, r.state)],
          ["Step", h("span", { "data-testid": "rollout-step" }, str(r.step))],
          ["Candidate share", h("span", { "data-testid": "rollout-share" }, share(r.share))],
          ["Latest decision", decisionText(d)],
          ["Numbers behind it", numbers(d)],
        ].map(([k, v]) => [h("dt", null, k), h("dd", null, v)]),
      ),
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          { type: "button", onclick: () => void act("evaluate"), disabled: r.state !== "running" },
          "Evaluate now",
        ),
        r.state === "paused"
          ? h("button", { type: "button", onclick: () => void act("resume") }, "Resume")
          : h(
              "button",
              { type: "button", class: "secondary", onclick: () => void act("pause"), disabled: !active },
              "Pause",
            ),
        h(
          "button",
          {
            type: "button",
            class: "danger",
            disabled: !active,
            onclick: () => {
              if (confirm("Abort this rollout? The baseline takes all traffic again.")) void act("abort");
            },
          },
          "Abort",
        ),
      ),
      h("h2", null, "History"),
      table(
        "Every transition, newest last",
        [
          { label: "Time", cell: (e) => whenTime(at(e)) },
          { label: "Action", cell: (e) => str(e.action ?? e.type ?? e.decision) },
          { label: "Share", cell: (e) => `${share(e.from_share)} → ${share(e.to_share)}` },
          { label: "Reason", cell: (e) => str(e.reason) },
          { label: "Numbers", cell: (e) => numbers(e) },
        ],
        historyOf(r),
      ),
    );
    if (active) again(() => void draw().catch(() => {}));
  };
  await draw();
}
