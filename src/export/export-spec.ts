// One export request (query string, feed definition or job body) split into
// what the D1 source filters on and what the example builder does.
import type { ExportSpec, TrainingDataQuery } from "../schemas/exports";
import type { ExportOptionsInput } from "./options";
import type { ExportFilters } from "./types";

export function toExportPlan(spec: ExportSpec | TrainingDataQuery): {
  filters: ExportFilters;
  options: ExportOptionsInput;
} {
  const filters: ExportFilters = {};
  if (spec.task) filters.task = spec.task;
  if (spec.adapter) filters.adapter = spec.adapter;
  if (spec.version) filters.version = spec.version;
  if (spec.audience) filters.audience = spec.audience;
  if (spec.since !== undefined) filters.since = spec.since;
  if (spec.until !== undefined) filters.until = spec.until;
  const options: ExportOptionsInput = { format: spec.format };
  if (spec.system) options.system = spec.system;
  if (spec.redact !== undefined) options.redact = spec.redact;
  if (spec.dedup !== undefined) options.dedup = spec.dedup;
  if (spec.split) options.split = spec.split;
  if (spec.val_ratio !== undefined) options.valRatio = spec.val_ratio;
  if (spec.min_score !== undefined) options.minScore = spec.min_score;
  if (spec.tags?.length) options.tags = spec.tags;
  return { filters, options };
}
