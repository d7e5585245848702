// Interactions: the log filtered by task, version, audience, status, rating
// and time (filters live in the URL, so a filtered view can be shared), and
// one interaction's detail: what the client sent next to what the adapter
// received, the answer, its feedback, and a form to rate and correct it.
import { call, json } from "../api";
import { field, h, notice, select, table } from "../dom";
import { fromLocalInput, ms, num, time, toLocalInput, when } from "../format";
import { taskOptions, type PageContext } from "../page";

interface Summary {
  id: string;
  created_at: number;
  task: string;
  adapter_version: string | null;
  audience: string | null;
  user: string | null;
  status: string;
  latency_ms: number;
  feedback_summary: { up: number; down: number };
}
interface Feedback {
  user: string | null;
  rating: 1 | -1;
  score: number | null;
  comment: string | null;
  correction: string | null;
  updated_at: number;
}
interface Detail extends Summary {
  adapter: string | null;
  route: string | null;
  tone: string | null;
  error: string | null;
  client_messages: Array<{ role?: string; content?: unknown }>;
  upstream_messages: Array<{ role?: string; content?: unknown }>;
  response_text: string | null;
  feedback: Feedback[];
  usage: { total_tokens: number | null };
}

const FILTERS = ["task", "version", "audience", "status", "rating", "since", "until"] as const;

export async function interactionsPage(ctx: PageContext): Promise<void> {
  if (ctx.path[0]) return detail(ctx, ctx.path[0]);
  const p = ctx.params;
  const since = p.get("since");
  const until = p.get("until");
  const form = h(
    "form",
    { class: "filters", "aria-label": "Filter interactions" },
    field("Task", select("task", taskOptions(ctx.models), p.get("task") ?? "")),
    field("Version", h("input", { name: "version", value: p.get("version") ?? "" })),
    field("Audience", h("input", { name: "audience", value: p.get("audience") ?? "" })),
    field(
      "Status",
      select(
        "status",
        [["", "any"], ...["ok", "upstream_error", "client_aborted", "timeout"].map((s): [string, string] => [s, s])],
        p.get("status") ?? "",
      ),
    ),
    field(
      "Rating",
      select(
        "rating",
        [
          ["", "any"],
          ["1", "rated up"],
          ["-1", "rated down"],
        ],
        p.get("rating") ?? "",
      ),
    ),
    field(
      "From (UTC)",
      h("input", { type: "datetime-local", name: "since", value: since ? toLocalInput(Number(since)) : "" }),
    ),
    field(
      "Until (UTC)",
      h("input", { type: "datetime-local", name: "until", value: until ? toLocalInput(Number(until)) : "" }),
    ),
    h("button", { type: "submit" }, "Apply filters"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const next = new URLSearchParams();
    for (const name of FILTERS) {
      const value = String(data.get(name) ?? "").trim();
      if (!value) continue;
      next.set(name, name === "since" || name === "until" ? String(fromLocalInput(value) ?? "") : value);
    }
    ctx.setParams(next);
  });
  ctx.root.append(form);

  const query: Record<string, string> = { limit: "25" };
  for (const name of FILTERS) {
    const value = p.get(name);
    if (value) query[name] = value;
  }
  if (p.get("cursor")) query.cursor = p.get("cursor")!;
  const page = await json<{ data: Summary[]; next_cursor: string | null }>("/v1/interactions", { query });
  if (!ctx.live()) return;
  ctx.root.append(
    table(
      "Interactions, newest first",
      [
        {
          label: "Time",
          cell: (r) => h("a", { href: `#/interactions/${encodeURIComponent(r.id)}` }, when(r.created_at)),
        },
        { label: "Task", cell: (r) => r.task },
        { label: "Version", cell: (r) => r.adapter_version ?? "–" },
        { label: "Audience", cell: (r) => r.audience ?? "–" },
        { label: "Status", cell: (r) => r.status },
        { label: "Latency", cell: (r) => ms(r.latency_ms), numeric: true },
        { label: "Feedback", cell: (r) => `▲ ${r.feedback_summary.up} ▼ ${r.feedback_summary.down}` },
      ],
      page.data,
      (r) => ({ "data-id": r.id }),
    ),
  );
  const nav = h("p", { class: "pager" });
  if (p.get("cursor")) {
    const first = new URLSearchParams(p);
    first.delete("cursor");
    nav.append(h("a", { href: `#/interactions?${first}` }, "First page"), " ");
  }
  if (page.next_cursor) {
    const next = new URLSearchParams(p);
    next.set("cursor", page.next_cursor);
    nav.append(h("a", { href: `#/interactions?${next}` }, "Next page"));
  }
  ctx.root.append(nav);
}

function messageList(title: string, messages: Detail["client_messages"]): HTMLElement {
  return h(
    "section",
    { class: "messages", "aria-label": title },
    h("h3", null, title),
    messages.map((m) =>
      h(
        "div",
        { class: `message role-${m.role ?? "unknown"}` },
        h("span", { class: "role" }, m.role ?? "?"),
        h("pre", null, typeof m.content === "string" ? m.content : JSON.stringify(m.content, null, 2)),
      ),
    ),
  );
}

async function detail(ctx: PageContext, id: string): Promise<void> {
  const it = await json<Detail>(`/v1/interactions/${encodeURIComponent(id)}`);
  if (!ctx.live()) return;
  ctx.root.querySelector("h1")!.textContent = "Interaction";
  ctx.root.append(
    h("p", null, h("a", { href: "#/interactions" }, "← All interactions")),
    h(
      "dl",
      { class: "facts" },
      [
        ["Id", it.id],
        ["Time", time(it.created_at)],
        ["Task", it.task],
        ["Adapter", `${it.adapter ?? "–"} @ ${it.adapter_version ?? "–"}`],
        ["Route rule", it.route ?? "–"],
        ["Tone", it.tone ?? "–"],
        ["Audience", it.audience ?? "–"],
        ["User", it.user ?? "–"],
        ["Status", it.error ? `${it.status}: ${it.error}` : it.status],
        ["Latency", ms(it.latency_ms)],
        ["Tokens", num(it.usage.total_tokens)],
      ].map(([k, v]) => [h("dt", null, k), h("dd", null, v)]),
    ),
    h(
      "div",
      { class: "side-by-side" },
      messageList("What the client sent", it.client_messages),
      messageList("What the adapter received", it.upstream_messages),
    ),
    h("h2", null, "Answer"),
    h("pre", { class: "answer", "data-testid": "answer" }, it.response_text ?? "(no text)"),
    h("h2", null, "Feedback"),
    it.feedback.length
      ? h(
          "ul",
          { class: "feedback", "data-testid": "feedback" },
          it.feedback.map((f) =>
            h(
              "li",
              null,
              h("strong", null, f.rating === 1 ? "▲ up" : "▼ down"),
              ` by ${f.user ?? "an API key"} at ${time(f.updated_at)}`,
              f.score !== null ? ` · score ${f.score}` : null,
              f.comment ? h("p", null, f.comment) : null,
              f.correction
                ? h("div", { class: "correction" }, h("span", null, "Correction"), h("pre", null, f.correction))
                : null,
            ),
          ),
        )
      : h("p", { class: "empty" }, "No feedback yet."),
    rateForm(ctx, it),
  );
}

function rateForm(ctx: PageContext, it: Detail): HTMLElement {
  const mine = it.feedback.find((f) => f.user === "console");
  const up = h("input", { type: "radio", name: "rating", value: "1", checked: mine?.rating !== -1, id: "rate-up" });
  const down = h("input", {
    type: "radio",
    name: "rating",
    value: "-1",
    checked: mine?.rating === -1,
    id: "rate-down",
  });
  const score = h("input", {
    type: "number",
    name: "score",
    min: "0",
    max: "1",
    step: "0.05",
    value: mine?.score ?? "",
  });
  const comment = h("input", { name: "comment", value: mine?.comment ?? "" });
  const correction = h("textarea", { name: "correction", rows: "5" }, mine?.correction ?? "");
  const form = h(
    "form",
    { class: "rate", "aria-label": "Rate and correct" },
    h("h2", null, "Rate and correct"),
    h(
      "fieldset",
      null,
      h("legend", null, "Rating"),
      h("label", { for: "rate-up", class: "inline" }, up, " Good answer"),
      h("label", { for: "rate-down", class: "inline" }, down, " Bad answer"),
    ),
    field("Score (0–1, optional)", score),
    field("Comment (optional)", comment),
    field("Correction: the answer it should have given (optional)", correction),
    h("button", { type: "submit" }, "Save feedback"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body: Record<string, unknown> = {
      request_id: it.id,
      rating: down.checked ? -1 : 1,
      // One operator row per interaction: feedback is idempotent per request id and user.
      user: "console",
    };
    if (score.value !== "") body.score = Number(score.value);
    if (comment.value.trim()) body.comment = comment.value.trim();
    if (correction.value.trim()) body.correction = correction.value;
    try {
      await call("/v1/feedback", { method: "POST", body });
      if (!ctx.live()) return;
      ctx.setParams(new URLSearchParams({ saved: String(Date.now()) }));
    } catch (error) {
      notice(form, (error as Error).message, "error");
    }
  });
  if (ctx.params.get("saved")) notice(form, "Feedback saved.");
  return form;
}
