// CPU seconds used so far by the workerd processes this process started
// (Miniflare spawns workerd as a direct child), read from /proc. CPU per
// request is a steadier measure of the gateway's cost than requests/s on a
// 2-core machine shared with the load generator and the upstream. Linux only;
// elsewhere it returns null and the report leaves the column empty.
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ; 100 on every mainstream Linux build

function statFields(pid: string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2 (comm) is parenthesized and may contain spaces.
    const close = stat.lastIndexOf(")");
    return [stat.slice(stat.indexOf("(") + 1, close), ...stat.slice(close + 2).split(" ")];
  } catch {
    return null;
  }
}

/** PIDs of workerd processes whose parent is this process. */
export function workerdPids(parent = process.pid): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const pid of entries) {
    const fields = statFields(pid);
    // fields[0] = comm, fields[2] = ppid (stat fields 2 and 4).
    if (fields && fields[0] === "workerd" && Number(fields[2]) === parent) pids.push(Number(pid));
  }
  return pids;
}

/** User + system CPU seconds of the given processes, or null if unreadable. */
export function cpuSeconds(pids: readonly number[]): number | null {
  if (pids.length === 0) return null;
  let ticks = 0;
  for (const pid of pids) {
    const fields = statFields(String(pid));
    if (!fields) return null;
    // utime and stime are stat fields 14 and 15 (indexes 12 and 13 here).
    ticks += Number(fields[12]) + Number(fields[13]);
  }
  return ticks / TICKS_PER_SECOND;
}
