// Which audience a request is for: the `x-switchyard-audience` header, else
// `metadata.audience`. The header wins because it is set by the caller's
// server (or a proxy in front of it), while metadata travels with the body.
//
// A value that is not a slug is rejected, never repaired: silently
// lower-casing "Students" would route to a preset the caller did not name, and
// the 400 tells them which parameter to fix. An empty (or all-space) value
// counts as absent, since proxies and form code often send empty fields.
import { AudienceSchema } from "../schemas/tone-preset";

export const AUDIENCE_HEADER = "x-switchyard-audience";

export type AudienceParam = typeof AUDIENCE_HEADER | "metadata.audience";

export type AudienceResult =
  | { ok: true; audience: string | null; source: "header" | "metadata" | null }
  | { ok: false; param: AudienceParam; message: string };

export function resolveAudience(
  header: string | null | undefined,
  metadata: Record<string, unknown> | undefined,
): AudienceResult {
  const fromHeader = header?.trim();
  if (fromHeader) return check(fromHeader, AUDIENCE_HEADER, "header");

  const raw = metadata?.audience;
  if (raw === undefined || raw === null) return { ok: true, audience: null, source: null };
  if (typeof raw !== "string") {
    return { ok: false, param: "metadata.audience", message: "metadata.audience must be a string." };
  }
  const fromMetadata = raw.trim();
  if (!fromMetadata) return { ok: true, audience: null, source: null };
  return check(fromMetadata, "metadata.audience", "metadata");
}

function check(value: string, param: AudienceParam, source: "header" | "metadata"): AudienceResult {
  if (AudienceSchema.safeParse(value).success) return { ok: true, audience: value, source };
  // Quote at most 64 characters: the value is client input and may be huge.
  const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
  return {
    ok: false,
    param,
    message: `Invalid audience ${JSON.stringify(shown)} in ${param}: it must be a lowercase slug of 1-32 characters ([a-z0-9][a-z0-9_-]*).`,
  };
}
