// The opaque `cursor` of GET /v1/interactions: the (created_at, request_id)
// of the last row of a page, base64url-encoded JSON. Keyset pagination on
// that pair (the interactions_tenant_time index) costs the same at page 1000
// as at page 1 and neither skips nor repeats rows when new ones arrive, which
// OFFSET would. The cursor carries no tenant: every query is scoped by the
// caller's tenant anyway, so a cursor from elsewhere only positions a scan.
// Pure: decode returns a tagged result and the handler turns it into a 400.

import { decodeBase64url, encodeBase64url } from "../base64url";

export interface CursorPosition {
  createdAt: number;
  requestId: string;
}

function fromBase64url(text: string): string | null {
  const bytes = decodeBase64url(text);
  if (!bytes || bytes.length === 0) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}

export function encodeCursor(position: CursorPosition): string {
  return encodeBase64url(new TextEncoder().encode(JSON.stringify([position.createdAt, position.requestId])));
}

export type DecodedCursor = { ok: true; position: CursorPosition } | { ok: false };

export function decodeCursor(cursor: string): DecodedCursor {
  const json = fromBase64url(cursor);
  if (json === null) return { ok: false };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false };
  }
  if (!Array.isArray(value) || value.length !== 2) return { ok: false };
  const [createdAt, requestId] = value;
  if (!Number.isSafeInteger(createdAt) || createdAt < 0) return { ok: false };
  if (typeof requestId !== "string" || requestId.length === 0 || requestId.length > 256) return { ok: false };
  return { ok: true, position: { createdAt, requestId } };
}
