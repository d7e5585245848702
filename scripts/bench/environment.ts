// What the figures were measured on: the commit, machine, Node, workerd,
// wrangler and Miniflare versions (read from the installed packages), date
// and flags.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../lib/offline-env";
import type { BenchFlags } from "./flags";

function versionOf(pkg: string): string {
  try {
    return JSON.parse(readFileSync(path.join(ROOT, "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return "unknown";
  }
}

/**
 * The short commit hash, marked when the product (src/, migrations/,
 * wrangler.toml, package.json) differs from it: figures belong to code, and
 * uncommitted code has no name.
 */
function commitOf(): string {
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    const head = git("rev-parse", "--short", "HEAD");
    const dirty = git("status", "--porcelain", "--", "src", "migrations", "wrangler.toml", "package.json");
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return "unknown";
  }
}

export interface Environment {
  date: string;
  commit: string;
  machine: { cpu: string; cores: number; memory_gb: number; os: string };
  node: string;
  workerd: string;
  wrangler: string;
  miniflare: string;
  autocannon: string;
  flags: Omit<BenchFlags, "help" | "write" | "report">;
}

export function describeEnvironment(flags: BenchFlags): Environment {
  const { help: _help, write: _write, report: _report, ...rest } = flags;
  return {
    date: new Date().toISOString(),
    commit: commitOf(),
    machine: {
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      memory_gb: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
    },
    node: process.version,
    workerd: versionOf("workerd"),
    wrangler: versionOf("wrangler"),
    miniflare: versionOf("miniflare"),
    autocannon: versionOf("autocannon"),
    flags: rest,
  };
}

export function environmentMarkdown(env: Environment): string {
  const f = env.flags;
  return [
    `Measured ${env.date} at commit ${env.commit ?? "unknown"} on ${env.machine.cpu} (${env.machine.cores} cores, ${env.machine.memory_gb} GB, ${env.machine.os});`,
    `Node ${env.node}, workerd ${env.workerd} (wrangler ${env.wrangler}, miniflare ${env.miniflare}), autocannon ${env.autocannon}.`,
    `Flags: --connections ${f.connections} --duration ${f.duration} --rounds ${f.rounds} --warmup ${f.warmup} --probe ${f.probe} --upstream ${f.upstream}` +
      ` --consumer-records ${f.consumerRecords} --export-rows ${f.exportRows} --export-formats ${f.exportFormats.join(",")}.`,
  ].join("\n");
}
