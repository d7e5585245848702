// Exports: pick a format and filters, start a background job (POST
// /v1/exports), watch its progress, download the JSONL; and the named feeds
// with their cursors (watermarks): download the next run, acknowledge it.
import { call, download, json } from "../api";
import { field, h, notice, select, table } from "../dom";
import { fromLocalInput, num, time } from "../format";
import { taskOptions, type PageContext } from "../page";

const FORMATS = ["openai-sft", "openai-dpo", "trl-sft", "trl-dpo", "trl-kto"];
const POLL_MS = 1000;

interface Job {
  id: string;
  status: string;
  format: string;
  rows_done: number;
  rows_total: number | null;
  error: string | null;
  file: string | null;
}
interface Feed {
  name: string;
  spec: Record<string, unknown>;
  watermark: number | null;
  created_at: number;
}

/** The export spec fields shared by jobs and feeds, read from a form. */
function specFrom(form: HTMLFormElement): Record<string, unknown> {
  const d = new FormData(form);
  const spec: Record<string, unknown> = { format: d.get("format") };
  for (const name of ["task", "version", "audience"]) {
    const v = String(d.get(name) ?? "").trim();
    if (v) spec[name] = v;
  }
  const minScore = String(d.get("min_score") ?? "");
  if (minScore) spec.min_score = Number(minScore);
  for (const name of ["since", "until"]) {
    const t = fromLocalInput(String(d.get(name) ?? ""));
    if (t !== null) spec[name] = t;
  }
  spec.redact = d.get("redact") === "on";
  spec.dedup = d.get("dedup") === "on";
  return spec;
}

function specFields(ctx: PageContext, prefix: string): HTMLElement[] {
  const id = (n: string) => `${prefix}-${n}`;
  return [
    field(
      "Format",
      Object.assign(
        select(
          "format",
          FORMATS.map((f): [string, string] => [f, f]),
        ),
        { id: id("format") },
      ),
    ),
    field("Task", Object.assign(select("task", taskOptions(ctx.models, "every task")), { id: id("task") })),
    field("Version", h("input", { name: "version", id: id("version") })),
    field("Audience", h("input", { name: "audience", id: id("audience") })),
    field(
      "Minimum score",
      h("input", { type: "number", name: "min_score", min: "0", max: "1", step: "0.05", id: id("min") }),
    ),
    field("From (UTC)", h("input", { type: "datetime-local", name: "since", id: id("since") })),
    field("Until (UTC)", h("input", { type: "datetime-local", name: "until", id: id("until") })),
    h(
      "div",
      { class: "checks" },
      h("label", { class: "inline" }, h("input", { type: "checkbox", name: "redact", checked: true }), " Redact PII"),
      h(
        "label",
        { class: "inline" },
        h("input", { type: "checkbox", name: "dedup", checked: true }),
        " Drop duplicates",
      ),
    ),
  ];
}

export async function exportsPage(ctx: PageContext): Promise<void> {
  const progress = h("progress", { max: "1", value: "0", "aria-label": "Export progress" });
  const status = h("p", { class: "job-status", role: "status", "aria-live": "polite" });
  const jobBox = h("div", { class: "job", hidden: true }, progress, status);
  const jobForm = h(
    "form",
    { class: "grid-form", "aria-label": "Start an export" },
    h("h2", null, "Export training data"),
    ...specFields(ctx, "job"),
    h("button", { type: "submit" }, "Start export"),
    jobBox,
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  ctx.onLeave(() => clearTimeout(timer));

  const showJob = (job: Job) => {
    jobBox.hidden = false;
    const total = job.rows_total ?? 0;
    progress.max = Math.max(total, 1);
    progress.value = job.status === "complete" ? progress.max : job.rows_done;
    status.replaceChildren(
      `Export ${job.id}: ${job.status}, ${num(job.rows_done)} of ${job.rows_total === null ? "?" : num(total)} rows`,
      job.error ? ` (${job.error})` : "",
    );
    if (job.status === "complete" && job.file) {
      const btn = h("button", { type: "button" }, "Download JSONL");
      btn.addEventListener("click", async () => {
        await download(await call(job.file!), `${job.id}.${job.format}.jsonl`);
      });
      status.append(" ", btn);
    }
  };
  const poll = async (id: string) => {
    if (!ctx.live()) return;
    try {
      const job = await json<Job>(`/v1/exports/${encodeURIComponent(id)}`);
      if (!ctx.live()) return;
      showJob(job);
      if (job.status !== "complete" && job.status !== "errored" && job.status !== "failed") {
        timer = setTimeout(() => void poll(id), POLL_MS);
      }
    } catch (error) {
      notice(jobForm, (error as Error).message, "error");
    }
  };
  jobForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const job = await json<Job>("/v1/exports", { method: "POST", body: specFrom(jobForm) });
      ctx.setParams(new URLSearchParams({ job: job.id }));
    } catch (error) {
      notice(jobForm, (error as Error).message, "error");
    }
  });
  ctx.root.append(jobForm);
  const jobId = ctx.params.get("job");
  if (jobId) void poll(jobId);

  await feeds(ctx);
}

async function feeds(ctx: PageContext): Promise<void> {
  const section = h("section", { "aria-labelledby": "feeds-title" }, h("h2", { id: "feeds-title" }, "Feeds"));
  ctx.root.append(section);
  const { data } = await json<{ data: Feed[] }>("/v1/exports/feeds");
  if (!ctx.live()) return;
  const cursors = new Map<string, string>();
  const runNext = async (feed: Feed, cell: HTMLElement) => {
    const res = await call(`/v1/exports/feeds/${encodeURIComponent(feed.name)}/next`);
    const cursor = res.headers.get("x-switchyard-feed-cursor");
    const bytes = await download(res, `${feed.name}.jsonl`);
    if (cursor) cursors.set(feed.name, cursor);
    const ack = h("button", { type: "button", class: "secondary" }, "Acknowledge this run");
    ack.addEventListener("click", async () => {
      await call(`/v1/exports/feeds/${encodeURIComponent(feed.name)}/ack`, {
        method: "POST",
        body: { cursor: cursors.get(feed.name) },
      });
      ctx.setParams(new URLSearchParams({ acked: feed.name }));
    });
    cell.replaceChildren(`Downloaded ${num(bytes)} bytes; cursor `, h("code", null, cursor ?? "–"), " ", ack);
  };
  section.append(
    table(
      "Named feeds: each run returns feedback newer than the last acknowledged cursor",
      [
        { label: "Name", cell: (f) => f.name },
        { label: "Format", cell: (f) => String(f.spec.format ?? "") },
        { label: "Filters", cell: (f) => h("code", null, JSON.stringify({ ...f.spec, format: undefined })) },
        { label: "Cursor (feedback up to)", cell: (f) => (f.watermark ? time(f.watermark) : "start") },
        {
          label: "Next run",
          cell: (f) => {
            const cell = h("span");
            cell.append(
              h(
                "button",
                {
                  type: "button",
                  onclick: () => void runNext(f, cell).catch((e) => notice(section, e.message, "error")),
                },
                "Download next run",
              ),
            );
            return cell;
          },
        },
      ],
      data,
    ),
  );
  const name = h("input", { name: "name", required: true, pattern: "[a-z0-9][a-z0-9_-]{0,31}", id: "feed-name" });
  const feedForm = h(
    "form",
    { class: "grid-form", "aria-label": "Create a feed" },
    h("h3", null, "New feed"),
    field("Feed name", name, "lowercase letters, digits, - and _"),
    ...specFields(ctx, "feed"),
    h("button", { type: "submit" }, "Create feed"),
  );
  feedForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await json("/v1/exports/feeds", { method: "POST", body: { name: name.value, ...specFrom(feedForm) } });
      ctx.setParams(new URLSearchParams({ feed: name.value }));
    } catch (error) {
      notice(feedForm, (error as Error).message, "error");
    }
  });
  if (ctx.params.get("acked"))
    notice(section, `Feed ${ctx.params.get("acked")} acknowledged: its next run starts after that cursor.`);
  section.append(feedForm);
}
