// Background export (EXPORTS Workflow): writes the same JSONL the streaming
// endpoint would, in parts of about PART_ROWS rows to R2, reporting progress
// to export_jobs after each part. Each part is one durable step whose result
// (the next cursor) is cached by the Workflow engine; the example builder's
// state (dedup hashes, waiting DPO answers, counts) is saved to R2 beside the
// part, so a step that fails is retried from the previous part's state and a
// restarted instance resumes after the last finished part, not from row one.
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { systemClock, type Clock } from "../clock";
import { ExampleBuilder } from "../export/example-builder";
import { toExportPlan } from "../export/export-spec";
import { countExportRows, fetchExportPage, type PageCursor } from "./export-source";
import { EXPORT_PAGE_SIZE } from "./jsonl-stream";
import { getJob, lineagePartKey, partKey, stateKey, updateJob } from "./job-store";

export interface ExportParams {
  jobId: string;
  tenant: string;
}

export const PART_ROWS = 5000;

interface PartResult {
  cursor: PageCursor | null;
  rowsDone: number;
  done: boolean;
}

export class ExportWorkflow extends WorkflowEntrypoint<Env, ExportParams> {
  /** The runtime constructs the class, so the clock is a field a subclass (or a test) replaces. */
  protected clock: Clock = systemClock;

  override async run(event: WorkflowEvent<ExportParams>, step: WorkflowStep): Promise<void> {
    const { jobId, tenant } = event.payload;
    const db = this.env.DB;
    const job = await step.do("load job", async () => {
      const found = await getJob(db, tenant, jobId);
      if (!found) throw new Error(`export job ${jobId} not found`);
      return { spec: found.spec };
    });
    const { filters, options } = toExportPlan(job.spec);
    try {
      const total = await step.do("count rows", async () => {
        const n = await countExportRows(db, tenant, filters);
        await updateJob(db, tenant, jobId, { status: "running", rowsTotal: n }, this.clock.nowMs());
        return n;
      });
      let previous: PartResult = { cursor: null, rowsDone: 0, done: total === 0 };
      let part = 0;
      while (!previous.done) {
        const from = previous;
        const index = part;
        previous = await step.do(
          `part ${index}`,
          { retries: { limit: 5, delay: "1 second", backoff: "exponential" } },
          () => this.writePart(tenant, jobId, index, from, filters, options),
        );
        part++;
      }
      await step.do("finish", async () => {
        const builder = await this.loadBuilder(tenant, jobId, part - 1, options);
        const tail = builder.finish();
        if (tail.length) {
          await this.env.BLOBS.put(partKey(tenant, jobId, part), tail.map((l) => `${l}\n`).join(""));
          await this.env.BLOBS.put(lineagePartKey(tenant, jobId, part), jsonl(builder.takeLineage()));
        }
        const parts = tail.length ? part + 1 : part;
        await updateJob(
          db,
          tenant,
          jobId,
          { status: "complete", parts, stats: builder.stats() as never },
          this.clock.nowMs(),
        );
      });
    } catch (error) {
      await step.do("mark failed", async () => {
        await updateJob(db, tenant, jobId, { status: "failed", error: String(error) }, this.clock.nowMs());
      });
      throw error;
    }
  }

  private async loadBuilder(
    tenant: string,
    jobId: string,
    part: number,
    options: ReturnType<typeof toExportPlan>["options"],
  ) {
    if (part < 0) return new ExampleBuilder(options);
    const saved = await this.env.BLOBS.get(stateKey(tenant, jobId, part));
    if (!saved) throw new Error(`export ${jobId}: state of part ${part} is missing`);
    return ExampleBuilder.fromState(options, await saved.json());
  }

  private async writePart(
    tenant: string,
    jobId: string,
    part: number,
    from: PartResult,
    filters: ReturnType<typeof toExportPlan>["filters"],
    options: ReturnType<typeof toExportPlan>["options"],
  ): Promise<PartResult> {
    const builder = await this.loadBuilder(tenant, jobId, part - 1, options);
    let cursor = from.cursor;
    let rows = 0;
    let done = false;
    let text = "";
    while (rows < PART_ROWS) {
      const page = await fetchExportPage(this.env.DB, tenant, filters, cursor, EXPORT_PAGE_SIZE);
      rows += page.rows.length;
      for (const line of builder.pushAll(page.rows)) text += `${line}\n`;
      cursor = page.next;
      if (!cursor) {
        done = true;
        break;
      }
    }
    // Part and state are written before the step reports success; a retry
    // overwrites both, so a half-done attempt leaves nothing behind.
    await this.env.BLOBS.put(partKey(tenant, jobId, part), text);
    await this.env.BLOBS.put(lineagePartKey(tenant, jobId, part), jsonl(builder.takeLineage()));
    await this.env.BLOBS.put(stateKey(tenant, jobId, part), JSON.stringify(builder.toState()));
    const rowsDone = from.rowsDone + rows;
    await updateJob(
      this.env.DB,
      tenant,
      jobId,
      { rowsDone, parts: part + 1, stats: builder.stats() as never },
      this.clock.nowMs(),
    );
    return { cursor, rowsDone, done };
  }
}

const jsonl = (items: readonly object[]) => items.map((item) => `${JSON.stringify(item)}\n`).join("");
