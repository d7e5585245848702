// GET /v1/stats/versions — thin: validate the query, bound the range, read
// the caller's tenant's rollups (src/rollups/stats-report.ts). apiKeyAuth
// (scope read) runs in app.ts. A task the tenant neither routes nor has
// rollups for is a 404, whether or not another tenant has such a task.
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { invalidValue, notFound } from "../errors";
import { MAX_SERIES_POINTS, seriesStarts, statsReport } from "../rollups/stats-report";
import { StatsVersionsQuerySchema, StatsVersionsSchema } from "../schemas/stats";
import { BEARER, defineRoute, errorResponse, type ApiDocs } from "./define-route";
import { queryParams } from "./validation-hook";

const DAY_MS = 86_400_000;
const DEFAULT_RANGE_MS = DAY_MS;
/** A year and a day: one scan stays bounded (rows = hours × versions × audiences). */
const MAX_RANGE_MS = 366 * DAY_MS;

const route = defineRoute({
  method: "get",
  path: "/v1/stats/versions",
  summary: "Per adapter version of a task: requests, error rate, latency percentiles, feedback with 95 % intervals",
  description:
    "Read from hourly rollups, never from the raw log. `by=audience` adds per-audience blocks, flagged when an audience fares worse than its version beyond its interval; `interval=hour|day` adds a time series. See docs/stats.md.",
  security: BEARER,
  request: { query: StatsVersionsQuerySchema },
  responses: {
    200: { description: "One entry per version", content: { "application/json": StatsVersionsSchema } },
    400: errorResponse("Invalid task, since, until, by or interval; `param` names it"),
    401: errorResponse("Missing or unknown API key"),
    403: errorResponse("The key lacks the read scope"),
    404: errorResponse("No such task for this tenant"),
  },
});

export const statsDocs: ApiDocs = { routes: [route] };

export const statsApi = new Hono<AppEnv>().on(
  route.method,
  route.path,
  ...queryParams(StatsVersionsQuerySchema),
  async (c) => {
    const query = c.req.valid("query");
    const untilMs = query.until ?? c.get("clock").nowMs();
    const sinceMs = query.since ?? untilMs - DEFAULT_RANGE_MS;
    if (sinceMs >= untilMs)
      throw invalidValue("'since' must be before 'until'.", query.since === undefined ? "until" : "since");
    if (untilMs - sinceMs > MAX_RANGE_MS)
      throw invalidValue("The range from 'since' to 'until' may span at most 366 days.", "since");
    const interval = query.interval ?? null;
    if (interval && seriesStarts(sinceMs, untilMs, interval).length > MAX_SERIES_POINTS)
      throw invalidValue(
        `interval=${interval} over this range makes more than ${MAX_SERIES_POINTS} points; use interval=day or a shorter range.`,
        "interval",
      );
    const report = await statsReport(c.env.DB, c.get("tenant"), {
      task: query.task,
      sinceMs,
      untilMs,
      byAudience: query.by === "audience",
      interval,
    });
    if (!report) throw notFound(`Task '${query.task}'`, "task");
    return c.json(report, 200);
  },
);
