// bench/results.json: one key per section plus `environment`. A run rewrites
// only the sections it ran, keeping the others (written by earlier runs or
// other parts of the harness). Written to a temporary file then renamed, so
// an interrupted run never leaves half a file.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "../lib/offline-env";

export const RESULTS_PATH = path.join(ROOT, "bench/results.json");

export function mergeResults(update: Record<string, unknown>, file = RESULTS_PATH): Record<string, unknown> {
  let current: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8"));
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) current = parsed;
  } catch {
    // Missing or unreadable: start afresh.
  }
  const merged = { ...current, ...update };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(merged, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return merged;
}
