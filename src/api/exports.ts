// Training-data exports: streamed JSONL, named feeds of fresh feedback, and
// background jobs (EXPORTS Workflow) whose file is served from R2. Handlers
// only validate, scope by tenant and wire the export modules together.
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env";
import { exportNotReady, feedExists, invalidValue, notFound } from "../errors";
import { toExportPlan } from "../export/export-spec";
import { ExportOptionsError, resolveExportOptions } from "../export/options";
import { signFeedCursor, verifyFeedCursor } from "../export-store/feed-cursor";
import { ackFeed, createFeed, feedView, getFeed, listFeeds, resetFeed } from "../export-store/feed-store";
import { createJob, getJob, jobView, lineagePartKey, newJobId } from "../export-store/job-store";
import { jsonlStream, ndjsonResponse } from "../export-store/jsonl-stream";
import { listFeedErasures, readRunLineage, writeFeedLineage } from "../export-store/lineage-store";
import { partsStream } from "../export-store/parts-stream";
import {
  AckFeedSchema,
  ResetFeedSchema,
  CreateFeedSchema,
  ExportSpecSchema,
  FeedErasuresQuery,
  FeedLineageQuery,
  FeedNameParam,
  JobIdParam,
  TrainingDataQuerySchema,
} from "../schemas/exports";
import { BooleanParam } from "../schemas/query-params";
import { BEARER, defineRoute, jsonResponse, type ApiDocs } from "./define-route";
import { jsonBody, validationHook, queryParams } from "./validation-hook";

const NextQuery = z.object({ include_stats: BooleanParam.optional() });
const security = BEARER;
const ndjson = (description: string) => ({ description, content: { "application/x-ndjson": z.string() } });

function checkOptions(options: Parameters<typeof resolveExportOptions>[0]) {
  try {
    resolveExportOptions(options);
  } catch (error) {
    if (error instanceof ExportOptionsError) throw invalidValue(error.message, error.param);
    throw error;
  }
}

export const exportsApi = new Hono<AppEnv>();

async function requireFeed(db: D1Database, tenant: string, name: string) {
  const feed = await getFeed(db, tenant, name);
  if (!feed) throw notFound(`Feed '${name}'`, "name");
  return feed;
}

const trainingDataRoute = defineRoute({
  method: "get",
  path: "/v1/exports/training-data",
  summary: "Stream rated interactions as training data (JSONL, one example a line)",
  security,
  request: { query: TrainingDataQuerySchema },
  responses: { 200: ndjson("One example per line in the requested format") },
});
exportsApi.on(trainingDataRoute.method, trainingDataRoute.path, ...queryParams(TrainingDataQuerySchema), async (c) => {
  const query = c.req.valid("query");
  const { filters, options } = toExportPlan(query);
  checkOptions(options);
  const tenant = c.get("tenant").tenant;
  return ndjsonResponse(jsonlStream({ db: c.env.DB, tenant, filters, options, statsTrailer: query.include_stats }));
});

const createFeedRoute = defineRoute({
  method: "post",
  path: "/v1/exports/feeds",
  summary: "Create a named feed: an export that returns only feedback newer than its last acknowledged run",
  security,
  request: { body: { schema: CreateFeedSchema, required: true } },
  responses: { 201: jsonResponse("The feed"), 409: jsonResponse("A feed of that name exists") },
});
exportsApi.on(createFeedRoute.method, createFeedRoute.path, ...jsonBody(CreateFeedSchema), async (c) => {
  const { name, ...spec } = c.req.valid("json");
  checkOptions(toExportPlan(spec).options);
  const tenant = c.get("tenant").tenant;
  if (!(await createFeed(c.env.DB, tenant, name, spec, c.get("clock").nowMs()))) {
    throw feedExists(name);
  }
  return c.json(feedView((await getFeed(c.env.DB, tenant, name))!), 201);
});

const listFeedsRoute = defineRoute({
  method: "get",
  path: "/v1/exports/feeds",
  summary: "The tenant's feeds",
  security,
  responses: { 200: jsonResponse("Feeds") },
});
exportsApi.on(listFeedsRoute.method, listFeedsRoute.path, async (c) => {
  return c.json({ object: "list", data: (await listFeeds(c.env.DB, c.get("tenant").tenant)).map(feedView) }, 200);
});

const nextRoute = defineRoute({
  method: "get",
  path: "/v1/exports/feeds/:name/next",
  summary: "The feed's next run: examples whose feedback arrived since the last acknowledged run",
  security,
  request: { params: FeedNameParam, query: NextQuery },
  responses: {
    200: ndjson("JSONL; header x-switchyard-feed-cursor is the cursor to acknowledge"),
    404: jsonResponse("No such feed"),
  },
});
exportsApi.on(
  nextRoute.method,
  nextRoute.path,
  ...queryParams(NextQuery),
  zValidator("param", FeedNameParam, validationHook),
  async (c) => {
    const { name } = c.req.valid("param");
    const tenant = c.get("tenant").tenant;
    const feed = await requireFeed(c.env.DB, tenant, name);
    const upTo = c.get("clock").nowMs();
    const { filters, options } = toExportPlan(feed.spec);
    const stream = jsonlStream({
      db: c.env.DB,
      tenant,
      filters: { ...filters, feedbackAfter: feed.watermark, feedbackUpTo: upTo },
      options,
      statsTrailer: c.req.valid("query").include_stats,
      onLineage: (entries) => writeFeedLineage(c.env.DB, tenant, name, upTo, entries),
    });
    const cursor = await signFeedCursor(c.get("config").feedbackSigningKey, tenant, name, upTo);
    return ndjsonResponse(stream, { "x-switchyard-feed-cursor": cursor });
  },
);

const ackRoute = defineRoute({
  method: "post",
  path: "/v1/exports/feeds/:name/ack",
  summary: "Acknowledge a run: the next run starts after its cursor",
  security,
  request: { params: FeedNameParam, body: { schema: AckFeedSchema, required: true } },
  responses: { 200: jsonResponse("New watermark"), 404: jsonResponse("No such feed") },
});
exportsApi.on(
  ackRoute.method,
  ackRoute.path,
  zValidator("param", FeedNameParam, validationHook),
  ...jsonBody(AckFeedSchema),
  async (c) => {
    const { name } = c.req.valid("param");
    const tenant = c.get("tenant").tenant;
    await requireFeed(c.env.DB, tenant, name);
    const key = c.get("config").feedbackSigningKey;
    const upTo = await verifyFeedCursor(key, tenant, name, c.req.valid("json").cursor);
    if (upTo === null) {
      throw invalidValue(
        "Invalid 'cursor': pass the x-switchyard-feed-cursor of a run of this feed, unchanged.",
        "cursor",
      );
    }
    if (!(await ackFeed(c.env.DB, tenant, name, upTo, c.get("clock").nowMs())))
      throw notFound(`Feed '${name}'`, "name");
    return c.json(feedView((await getFeed(c.env.DB, tenant, name))!), 200);
  },
);

const resetRoute = defineRoute({
  method: "post",
  path: "/v1/exports/feeds/:name/reset",
  summary: "Set the watermark to a given time, backwards too, so the next run serves feedback from there again",
  security,
  request: { params: FeedNameParam, body: { schema: ResetFeedSchema, required: true } },
  responses: { 200: jsonResponse("New watermark"), 404: jsonResponse("No such feed") },
});
exportsApi.on(
  resetRoute.method,
  resetRoute.path,
  zValidator("param", FeedNameParam, validationHook),
  ...jsonBody(ResetFeedSchema),
  async (c) => {
    const { name } = c.req.valid("param");
    const tenant = c.get("tenant").tenant;
    const { watermark } = c.req.valid("json");
    if (!(await resetFeed(c.env.DB, tenant, name, watermark, c.get("clock").nowMs()))) {
      throw notFound(`Feed '${name}'`, "name");
    }
    return c.json(feedView((await getFeed(c.env.DB, tenant, name))!), 200);
  },
);

const LINEAGE_PAGE = 500;

/** Pages of JSONL read on demand, so a long lineage holds one page in memory. */
function pagedJsonl(next: (after: number) => Promise<{ key: number; line: string }[]>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const page = await next(after);
        if (page.length === 0) return controller.close();
        after = page.at(-1)!.key;
        controller.enqueue(encoder.encode(page.map((p) => `${p.line}\n`).join("")));
      },
    },
    { highWaterMark: 0 },
  );
}

const lineageRoute = defineRoute({
  method: "get",
  path: "/v1/exports/feeds/:name/lineage",
  summary: "A run's lineage file: per example its example_id, line, interaction ids, feedback ids and adapter versions",
  security,
  request: { params: FeedNameParam, query: FeedLineageQuery },
  responses: {
    200: ndjson("One lineage entry per example of the run, in line order"),
    404: jsonResponse("No such feed"),
  },
});
exportsApi.on(
  lineageRoute.method,
  lineageRoute.path,
  zValidator("param", FeedNameParam, validationHook),
  ...queryParams(FeedLineageQuery),
  async (c) => {
    const { name } = c.req.valid("param");
    const tenant = c.get("tenant").tenant;
    await requireFeed(c.env.DB, tenant, name);
    const upTo = await verifyFeedCursor(c.get("config").feedbackSigningKey, tenant, name, c.req.valid("query").cursor);
    if (upTo === null) {
      throw invalidValue(
        "Invalid 'cursor': pass the x-switchyard-feed-cursor of a run of this feed, unchanged.",
        "cursor",
      );
    }
    return ndjsonResponse(
      pagedJsonl(async (after) =>
        (await readRunLineage(c.env.DB, tenant, name, upTo, after, LINEAGE_PAGE)).map((r) => ({
          key: r.line,
          line: r.lineage,
        })),
      ),
    );
  },
);

const erasuresRoute = defineRoute({
  method: "get",
  path: "/v1/exports/feeds/:name/erasures",
  summary: "Example ids this feed served whose data has been erased since a cursor: drop them from downstream datasets",
  security,
  request: { params: FeedNameParam, query: FeedErasuresQuery },
  responses: { 200: jsonResponse("Erased example ids, oldest first"), 404: jsonResponse("No such feed") },
});
exportsApi.on(
  erasuresRoute.method,
  erasuresRoute.path,
  zValidator("param", FeedNameParam, validationHook),
  ...queryParams(FeedErasuresQuery),
  async (c) => {
    const { name } = c.req.valid("param");
    const tenant = c.get("tenant").tenant;
    await requireFeed(c.env.DB, tenant, name);
    const { cursor = 0, limit = 100 } = c.req.valid("query");
    // One more than asked tells whether another page follows.
    const rows = await listFeedErasures(c.env.DB, tenant, name, cursor, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1)?.seq ?? cursor;
    return c.json(
      {
        object: "list",
        data: page.map((r) => ({ example_id: r.example_id, erased_at: r.erased_at })),
        has_more: rows.length > limit,
        next_cursor: `e${last}`,
      },
      200,
    );
  },
);

const createJobRoute = defineRoute({
  method: "post",
  path: "/v1/exports",
  summary: "Start a background export into R2 (a Workflow); poll its status",
  security,
  request: { body: { schema: ExportSpecSchema, required: true } },
  responses: { 202: jsonResponse("The export job") },
});
exportsApi.on(createJobRoute.method, createJobRoute.path, ...jsonBody(ExportSpecSchema), async (c) => {
  const spec = c.req.valid("json");
  checkOptions(toExportPlan(spec).options);
  const tenant = c.get("tenant").tenant;
  const id = newJobId();
  await createJob(c.env.DB, tenant, id, spec, c.get("clock").nowMs());
  await c.env.EXPORTS.create({ id, params: { jobId: id, tenant } });
  return c.json(jobView((await getJob(c.env.DB, tenant, id))!), 202);
});

const jobRoute = defineRoute({
  method: "get",
  path: "/v1/exports/:id",
  summary: "Status, rows done and rows total of a background export",
  security,
  request: { params: JobIdParam },
  responses: { 200: jsonResponse("The export job"), 404: jsonResponse("No such export") },
});
exportsApi.on(jobRoute.method, jobRoute.path, zValidator("param", JobIdParam, validationHook), async (c) => {
  const job = await getJob(c.env.DB, c.get("tenant").tenant, c.req.valid("param").id);
  if (!job) throw notFound("Export", "id");
  return c.json(jobView(job), 200);
});

const fileRoute = defineRoute({
  method: "get",
  path: "/v1/exports/:id/file",
  summary: "The finished export's JSONL",
  security,
  request: { params: JobIdParam },
  responses: {
    200: ndjson("The export file"),
    404: jsonResponse("No such export"),
    409: jsonResponse("Not finished yet"),
  },
});
exportsApi.on(fileRoute.method, fileRoute.path, zValidator("param", JobIdParam, validationHook), async (c) => {
  const tenant = c.get("tenant").tenant;
  const job = await getJob(c.env.DB, tenant, c.req.valid("param").id);
  if (!job) throw notFound("Export", "id");
  if (job.status !== "complete") throw exportNotReady(job.status);
  return ndjsonResponse(partsStream(c.env.BLOBS, tenant, job.id, job.parts));
});

const jobLineageRoute = defineRoute({
  method: "get",
  path: "/v1/exports/:id/lineage",
  summary: "The finished export's lineage file: one entry per example, in line order",
  security,
  request: { params: JobIdParam },
  responses: {
    200: ndjson("The lineage file"),
    404: jsonResponse("No such export"),
    409: jsonResponse("Not finished yet"),
  },
});
exportsApi.on(
  jobLineageRoute.method,
  jobLineageRoute.path,
  zValidator("param", JobIdParam, validationHook),
  async (c) => {
    const tenant = c.get("tenant").tenant;
    const job = await getJob(c.env.DB, tenant, c.req.valid("param").id);
    if (!job) throw notFound("Export", "id");
    if (job.status !== "complete") throw exportNotReady(job.status);
    // Jobs finished before lineage was recorded have none.
    if (job.parts > 0 && !(await c.env.BLOBS.head(lineagePartKey(tenant, job.id, 0)))) {
      throw notFound("Lineage of this export", "id");
    }
    return ndjsonResponse(partsStream(c.env.BLOBS, tenant, job.id, job.parts, "lineage"));
  },
);

export const exportsDocs: ApiDocs = {
  routes: [
    trainingDataRoute,
    createFeedRoute,
    listFeedsRoute,
    nextRoute,
    ackRoute,
    resetRoute,
    lineageRoute,
    erasuresRoute,
    createJobRoute,
    jobRoute,
    fileRoute,
    jobLineageRoute,
  ],
};
