// A tenant's tasks by name, laid out for route resolution: one flat array of
// (key, name, task, match table) per task, where key is a 30-bit hash of the
// name. Finding a task scans the keys (small integers inside the array, no
// pointer to follow) and compares the name only where the key matches, then
// takes the task's match table from the same array; the task object itself is
// read only for a pinned request. A Map costs three separate reads from
// memory (the Map, its buckets, its entries) before the task object, and with
// thousands of tenants' snapshots in one isolate each is likely a cache miss
// (scripts/bench-routing.ts). Tenants have tens of tasks at most, so a scan
// is short; `tasks` in the snapshot stays the Map for everything else.
import type { CompiledTask, MatchTable, TaskIndex } from "./compiled";
import { FNV_OFFSET, fnv1aUpdate } from "./sticky-hash";

/** Slots per task in the index. */
export const TASK_SLOTS = 4;

/** The index key of a task name: FNV-1a, 30 bits (a small integer in every V8 build). */
export function taskKey(name: string): number {
  return fnv1aUpdate(FNV_OFFSET, name) >>> 2;
}

export function buildTaskIndex(tasks: Iterable<CompiledTask>): TaskIndex {
  const out: (number | string | CompiledTask | MatchTable)[] = [];
  for (const task of tasks) out.push(taskKey(task.name), task.name, task, task.match);
  return Object.freeze(out);
}

/** Position of the task's slots in the index, -1 when the tenant has no such task. */
export function findTask(index: TaskIndex, name: string): number {
  const key = taskKey(name);
  for (let i = 0; i < index.length; i += TASK_SLOTS) if (index[i] === key && index[i + 1] === name) return i;
  return -1;
}
