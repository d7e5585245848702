// The opaque `cursor` of GET /v1/interactions: the (created_at, request_id)
// of the last row of a page, base64url-encoded JSON. Keyset pagination on
// that pair (the interactions_tenant_time index) costs the same at page 1000
// as at page 1 and neither skips nor repeats rows when new ones arrive, which
// OFFSET would. The cursor carries no tenant: every query is scoped by the
// caller's tenant anyway, so a cursor from elsewhere only positions a scan.
// Pure: decode returns a tagged result and the handler turns it into a 400.

export interface CursorPosition {
  createdAt: number;
  requestId: string;
}

function toBase64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(text: string): string | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
      Uint8Array.from(binary, (ch) => ch.charCodeAt(0)),
    );
  } catch {
    return null;
  }
}

export function encodeCursor(position: CursorPosition): string {
  return toBase64url(JSON.stringify([position.createdAt, position.requestId]));
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
