// Feedback rows in D1: one per (tenant, request id, user, choice), written by an
// upsert so a second post for the same request and user replaces the first
// (never a duplicate row; created_at is kept). A post replaces the whole
// entry, not a patch: each post is the rater's current verdict, so a thumbs-up
// after a thumbs-down-with-correction must not keep the stale correction.
//
// Feedback is stored whether or not the interaction has been written yet (the
// log queue may lag by seconds, or retry for longer); reads join the two by
// (tenant_id, request_id) at query time, so nothing has to be linked later.
// The same batch moves version_rollups (docs/stats.md): the entry's previous
// verdict is taken out and the new one put in, so a changed rating moves the
// counts and a repeated post changes nothing. Both steps touch a rollup only
// when the interaction is stored; the log consumer counts earlier feedback
// when the interaction lands.
//
// An API-key caller may name an interaction by the upstream's completion id
// (the id a native-mode stream's chunks carry, docs/streaming.md): when the
// tenant has no interaction with that request id but has one whose
// upstream_id it is, the entry is stored under that interaction's request id,
// so reads, rollups and exports join it as if the gateway id had been sent.
// An id that is neither (yet) is stored as sent, as before: it joins only if
// it turns out to be a request id. Token callers skip the lookup: a token is
// signed for the gateway id, so they always send it.
// Every statement here is scoped by the caller's tenant_id: feedback from one
// tenant never attaches to, or reveals, another tenant's interaction.
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { feedback, interactions } from "../db/schema";
import { feedbackDelta } from "../rollups/feedback-delta";
import type { Feedback, FeedbackRequest, FeedbackResult } from "../schemas/feedback";

export type FeedbackSource = "api_key" | "token";
type FeedbackRow = typeof feedback.$inferSelect;

export interface FeedbackWrite {
  tenantId: string;
  source: FeedbackSource;
  body: FeedbackRequest;
  /** epoch milliseconds */
  at: number;
}

export function toFeedback(row: FeedbackRow): Feedback {
  return {
    object: "feedback",
    request_id: row.requestId,
    choice: row.choice,
    user: row.userKey === "" ? null : row.userKey,
    rating: row.rating === 1 ? 1 : -1,
    score: row.score ?? null,
    comment: row.comment ?? null,
    correction: row.correction ?? null,
    tags: row.tags ?? [],
    source: row.source,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** Upserts the entry and reports whether the caller's tenant has the interaction yet, in one round trip. */
export async function upsertFeedback(d1: D1Database, write: FeedbackWrite): Promise<FeedbackResult> {
  const db = drizzle(d1);
  const { body, tenantId } = write;
  const requestId =
    write.source === "api_key" ? await resolveRequestId(db, tenantId, body.request_id) : body.request_id;
  const tags = [...new Set(body.tags ?? [])];
  const upsert = db
    .insert(feedback)
    .values({
      tenantId,
      requestId,
      userKey: body.user ?? "",
      choice: body.choice ?? 0,
      rating: body.rating,
      score: body.score ?? null,
      comment: body.comment ?? null,
      correction: body.correction ?? null,
      tags,
      source: write.source,
      createdAt: write.at,
      updatedAt: write.at,
    })
    .onConflictDoUpdate({
      target: [feedback.tenantId, feedback.requestId, feedback.userKey, feedback.choice],
      set: {
        rating: sql`excluded.rating`,
        score: sql`excluded.score`,
        comment: sql`excluded.comment`,
        correction: sql`excluded.correction`,
        tags: sql`excluded.tags`,
        source: sql`excluded.source`,
        // Strictly increasing on every update, even within one millisecond or
        // if the clock steps back: export feeds read "updated_at > watermark",
        // and an update that kept the old value would never be exported.
        updatedAt: sql`max(excluded.updated_at, ${feedback.updatedAt} + 1)`,
      },
    })
    .returning();
  // Only the caller's tenant is looked at: whether another tenant has this
  // request id must not change the answer.
  const found = db
    .select({ one: sql<number>`1` })
    .from(interactions)
    .where(and(eq(interactions.tenantId, tenantId), eq(interactions.requestId, requestId)))
    .limit(1);
  const entry = { tenantId, requestId, userKey: body.user ?? "", choice: body.choice ?? 0 };
  // One batch, one transaction: the old verdict out, the upsert, the new one in.
  const [, [row], , existing] = await db.batch([
    feedbackDelta(db, -1, entry),
    upsert,
    feedbackDelta(db, 1, entry),
    found,
  ]);
  return { ...toFeedback(row), interaction_found: existing.length > 0 };
}

/**
 * The request id of the tenant's interaction named by `id`: `id` itself when
 * it is a request id of the tenant (or of no interaction at all), else the
 * newest interaction whose upstream_id it is. One query, tenant-scoped on
 * both sides (interactions_tenant_upstream_id and the primary key).
 */
export async function resolveRequestId(db: DrizzleD1Database, tenantId: string, id: string): Promise<string> {
  // Inside NOT EXISTS, "interactions" names the subquery's own table (SQLite resolves the innermost).
  const [byUpstream] = await db
    .select({ requestId: interactions.requestId })
    .from(interactions)
    .where(
      and(
        eq(interactions.tenantId, tenantId),
        eq(interactions.upstreamId, id),
        sql`NOT EXISTS (SELECT 1 FROM ${interactions} WHERE ${interactions.tenantId} = ${tenantId} AND ${interactions.requestId} = ${id})`,
      ),
    )
    .orderBy(desc(interactions.createdAt))
    .limit(1);
  return byUpstream?.requestId ?? id;
}

/** The query for all feedback the tenant holds on one request id, oldest first (to run alone or in a batch). */
export function feedbackFor(db: DrizzleD1Database, tenantId: string, requestId: string) {
  return db
    .select()
    .from(feedback)
    .where(and(eq(feedback.tenantId, tenantId), eq(feedback.requestId, requestId)))
    .orderBy(asc(feedback.createdAt), asc(feedback.userKey));
}
