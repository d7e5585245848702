// Background export jobs (export_jobs): the spec, progress the Workflow
// reports after each step, and where the parts are in R2.
import type { ExportSpec } from "../schemas/exports";

export type JobStatus = "queued" | "running" | "complete" | "failed";

export interface ExportJob {
  id: string;
  tenant: string;
  status: JobStatus;
  spec: ExportSpec;
  rowsDone: number;
  rowsTotal: number | null;
  parts: number;
  stats: Record<string, unknown> | null;
  error: string | null;
  createdAt: number;
  updatedAt: number;
}

interface JobRow {
  id: string;
  tenant_id: string;
  status: JobStatus;
  options: string;
  rows_done: number;
  rows_total: number | null;
  parts: number;
  stats: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

export const partKey = (tenant: string, id: string, part: number) =>
  `exports/${tenant}/${id}/part-${String(part).padStart(5, "0")}.jsonl`;
/** The lineage (one LineageEntry a line) of the examples in the part of the same number. */
export const lineagePartKey = (tenant: string, id: string, part: number) =>
  `exports/${tenant}/${id}/lineage-${String(part).padStart(5, "0")}.jsonl`;
export const stateKey = (tenant: string, id: string, part: number) =>
  `exports/${tenant}/${id}/state-${String(part).padStart(5, "0")}.json`;

export function newJobId(): string {
  return `exp_${crypto.randomUUID().replaceAll("-", "")}`;
}

export async function createJob(
  db: D1Database,
  tenant: string,
  id: string,
  spec: ExportSpec,
  now: number,
): Promise<void> {
  await db
    .prepare(
      "INSERT INTO export_jobs (id, tenant_id, status, format, options, rows_done, parts, created_at, updated_at) VALUES (?, ?, 'queued', ?, ?, 0, 0, ?, ?)",
    )
    .bind(id, tenant, spec.format, JSON.stringify(spec), now, now)
    .run();
}

export async function getJob(db: D1Database, tenant: string, id: string): Promise<ExportJob | null> {
  const r = await db
    .prepare("SELECT * FROM export_jobs WHERE id = ? AND tenant_id = ?")
    .bind(id, tenant)
    .first<JobRow>();
  if (!r) return null;
  return {
    id: r.id,
    tenant: r.tenant_id,
    status: r.status,
    spec: JSON.parse(r.options),
    rowsDone: r.rows_done,
    rowsTotal: r.rows_total,
    parts: r.parts,
    stats: r.stats ? JSON.parse(r.stats) : null,
    error: r.error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function updateJob(
  db: D1Database,
  tenant: string,
  id: string,
  patch: Partial<Pick<ExportJob, "status" | "rowsDone" | "rowsTotal" | "parts" | "stats" | "error">>,
  now: number,
): Promise<void> {
  const sets: string[] = ["updated_at = ?"];
  const binds: unknown[] = [now];
  const set = (column: string, value: unknown) => {
    sets.push(`${column} = ?`);
    binds.push(value);
  };
  if (patch.status !== undefined) set("status", patch.status);
  if (patch.rowsDone !== undefined) set("rows_done", patch.rowsDone);
  if (patch.rowsTotal !== undefined) set("rows_total", patch.rowsTotal);
  if (patch.parts !== undefined) set("parts", patch.parts);
  if (patch.stats !== undefined) set("stats", JSON.stringify(patch.stats));
  if (patch.error !== undefined) set("error", patch.error);
  await db
    .prepare(`UPDATE export_jobs SET ${sets.join(", ")} WHERE id = ? AND tenant_id = ?`)
    .bind(...binds, id, tenant)
    .run();
}

export function jobView(job: ExportJob) {
  return {
    object: "export",
    id: job.id,
    status: job.status,
    format: job.spec.format,
    spec: job.spec,
    rows_done: job.rowsDone,
    rows_total: job.rowsTotal,
    parts: job.parts,
    stats: job.stats,
    error: job.error,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    file: job.status === "complete" ? `/v1/exports/${job.id}/file` : null,
  };
}
