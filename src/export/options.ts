// Defaults and sanity checks for ExportOptions. The HTTP handler validates the
// query string with zod (src/schemas) first; this is the last line for the
// Workflow and CLI callers, and it fails at construction, naming the field,
// rather than producing a silently wrong export (STYLE.md habit 6).

import { EXPORT_FORMATS, type ExportFormat } from "../schemas/export-formats";
import type { ExportOptions } from "./types";

export const DEFAULT_VAL_RATIO = 0.1;

export class ExportOptionsError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
    this.name = "ExportOptionsError";
  }
}

export type ExportOptionsInput = Partial<ExportOptions> & { format: ExportFormat };

/** Options with defaults filled: system as_sent, redact on, dedup on, valRatio 0.1. */
export function resolveExportOptions(input: ExportOptionsInput): ExportOptions {
  if (!EXPORT_FORMATS.includes(input.format)) {
    throw new ExportOptionsError("format", `format must be one of ${EXPORT_FORMATS.join(", ")}`);
  }
  const system = input.system ?? "as_sent";
  if (!["as_sent", "client", "none"].includes(system)) {
    throw new ExportOptionsError("system", "system must be as_sent, client or none");
  }
  const valRatio = input.valRatio ?? DEFAULT_VAL_RATIO;
  if (!(valRatio >= 0 && valRatio <= 1)) throw new ExportOptionsError("val_ratio", "val_ratio must be between 0 and 1");
  if (input.split !== undefined && input.split !== "train" && input.split !== "validation") {
    throw new ExportOptionsError("split", "split must be train or validation");
  }
  if (input.minScore !== undefined && !Number.isFinite(input.minScore)) {
    throw new ExportOptionsError("min_score", "min_score must be a number");
  }
  const options: ExportOptions = {
    format: input.format,
    system,
    redact: input.redact ?? true,
    dedup: input.dedup ?? true,
    valRatio,
  };
  if (input.split !== undefined) options.split = input.split;
  if (input.minScore !== undefined) options.minScore = input.minScore;
  if (input.tags !== undefined && input.tags.length > 0) options.tags = [...input.tags];
  return options;
}
