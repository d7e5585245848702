// Moves one feedback entry's contribution in version_rollups (docs/stats.md):
// feedback-store.ts runs delta(-1) before its upsert and delta(+1) after it,
// in one D1 batch (one transaction), so a changed rating takes the old
// verdict out and puts the new one in, and a repeated post nets to nothing.
// Either step changes nothing while the entry or its interaction is missing:
// the log consumer counts feedback that came first when the interaction lands.
import { and, type Column, eq, type SQL, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { feedback, interactions, versionRollups as r } from "../db/schema";
import { HOUR_MS } from "./rollup-upsert";

export interface FeedbackEntry {
  tenantId: string;
  requestId: string;
  userKey: string;
  choice: number;
}

/** An UPDATE (for a batch) that adds sign × the entry's current verdict to its interaction's rollup row. */
export function feedbackDelta(db: DrizzleD1Database, sign: 1 | -1, entry: FeedbackEntry) {
  const op = sql.raw(sign === 1 ? "+" : "-");
  const move = (column: Column, by: SQL) => sql`${column} ${op} ${by}`;
  return db
    .update(r)
    .set({
      rated: move(r.rated, sql`1`),
      positive: move(r.positive, sql`(${feedback.rating} = 1)`),
      negative: move(r.negative, sql`(${feedback.rating} = -1)`),
      scored: move(r.scored, sql`(${feedback.score} IS NOT NULL)`),
      scoreSum: move(r.scoreSum, sql`coalesce(${feedback.score}, 0)`),
      scoreSqSum: move(r.scoreSqSum, sql`coalesce(${feedback.score} * ${feedback.score}, 0)`),
      corrections: move(r.corrections, sql`(${feedback.correction} IS NOT NULL)`),
    })
    .from(feedback)
    .innerJoin(
      interactions,
      and(eq(interactions.tenantId, feedback.tenantId), eq(interactions.requestId, feedback.requestId)),
    )
    .where(
      and(
        eq(feedback.tenantId, entry.tenantId),
        eq(feedback.requestId, entry.requestId),
        eq(feedback.userKey, entry.userKey),
        eq(feedback.choice, entry.choice),
        eq(r.tenantId, interactions.tenantId),
        eq(r.task, interactions.task),
        eq(r.hour, sql`${interactions.createdAt} - ${interactions.createdAt} % ${sql.raw(String(HOUR_MS))}`),
        eq(r.adapterVersion, sql`coalesce(${interactions.adapterVersion}, '')`),
        eq(r.audience, sql`coalesce(${interactions.audience}, '')`),
      ),
    );
}
