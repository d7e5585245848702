// Query-string parameters shared by the list and export endpoints. Query
// values arrive as strings; each parses its own text so a bad one is a 400
// naming the parameter.
import * as z from "zod";

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Epoch milliseconds, or an ISO 8601 date/date-time (UTC when no offset is given). */
export function parseTime(text: string): number | null {
  if (/^\d{1,15}$/.test(text)) return Number(text);
  if (!ISO_8601.test(text)) return null;
  // Date.parse rolls impossible dates over (2026-02-30 → March 2): refuse them.
  const [y, m, d] = text.slice(0, 10).split("-").map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  if (day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) return null;
  // Date.parse reads a date-time without offset as local time; the Worker's
  // local time is UTC, but say so explicitly rather than rely on it.
  const withZone = /T/.test(text) && !/(Z|[+-]\d{2}:?\d{2})$/.test(text) ? `${text}Z` : text;
  const ms = Date.parse(withZone);
  return Number.isFinite(ms) ? ms : null;
}

export const TimeParam = z
  .string()
  .transform((text, ctx) => {
    const ms = parseTime(text);
    if (ms === null) {
      ctx.addIssue({ code: "custom", message: "must be epoch milliseconds or an ISO 8601 date-time" });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ example: "2026-04-26T00:00:00Z" });

export const BooleanParam = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

export const FilterParam = z.string().min(1).max(256);
