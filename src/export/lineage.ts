// Lineage of exported examples: a stable id per example and where it came
// from, kept OUT of the training lines (a trainer rejects unknown keys, and a
// line's content must not change to carry bookkeeping).
//
// example_id is a hash of what the example was built from: its format, its
// interactions (one, or two for a cross-row DPO pair), the choice rated, the
// feedback entries behind the verdict, and its variant (KTO turns a row with
// a correction into two examples: the rated answer and the correction). The
// same data exported again in the same format gets the same id; a new rating
// from another user makes a new example. Downstream datasets key on it to
// drop erased examples (GET /v1/exports/feeds/{name}/erasures).
//
// Feedback rows have no id column (their key is request, choice, user), so a
// feedback id is a hash of that key: it names the row without putting the
// end user's id in a lineage file.

import type { ExportFormat } from "../schemas/export-formats";
import { hash53 } from "./stable-hash";

/** What one candidate example was built from. */
export interface ExampleSource {
  requestId: string;
  /** The rated choice of an n > 1 completion; 0 for the usual single answer. */
  choice: number;
  adapterVersion: string | null;
  feedbackIds: string[];
}

/** One line of a lineage file: which example (by id and line number) came from what. */
export interface LineageEntry {
  example_id: string;
  /** 1-based line of the example in its export (the lineage file of a run lists its lines in order). */
  line: number;
  format: ExportFormat;
  interaction_ids: string[];
  feedback_ids: string[];
  adapter_versions: string[];
}

/** "correction": KTO's extra label:true example from a correction; "" for every other example. */
export type ExampleVariant = "" | "correction";

const hex = (n: number) => n.toString(16).padStart(14, "0");

/** Stable id of a feedback row (request, choice, user; '' for an anonymous vote). */
export function feedbackId(requestId: string, choice: number, user: string | null): string {
  return `fb_${hex(hash53(`${requestId}\u0000${choice}\u0000${user ?? ""}`))}`;
}

/**
 * 106 bits from two seeded 53-bit hashes: unlike a dedup key, an example id
 * is kept for the life of a dataset, so it gets a margin far past any export
 * size (birthday bound ~1e-20 at a million examples).
 */
export function exampleId(format: ExportFormat, sources: readonly ExampleSource[], variant: ExampleVariant): string {
  const parts = sources
    .map((s) => `${s.requestId}\u0001${s.choice}\u0001${[...s.feedbackIds].sort().join(",")}`)
    .sort();
  const text = `${format}\u0000${variant}\u0000${parts.join("\u0000")}`;
  return `ex_${hex(hash53(text, 1))}${hex(hash53(text, 2))}`;
}

export function lineageEntry(
  format: ExportFormat,
  line: number,
  sources: readonly ExampleSource[],
  variant: ExampleVariant,
): LineageEntry {
  return {
    example_id: exampleId(format, sources, variant),
    line,
    format,
    interaction_ids: sources.map((s) => s.requestId),
    feedback_ids: sources.flatMap((s) => s.feedbackIds),
    adapter_versions: [...new Set(sources.map((s) => s.adapterVersion).filter((v): v is string => v !== null))],
  };
}
