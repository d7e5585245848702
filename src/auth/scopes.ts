// What an API key may do. A key holds a set of scopes; each route names the
// scope it needs (api-key-auth's `scope` option), and a key without it gets
// 403 permission_error naming the scope. Keys issued before scopes existed
// hold all of them (the column's default), so the demo keys keep working.
export const SCOPES = ["chat", "feedback", "read", "export", "manage"] as const;
export type Scope = (typeof SCOPES)[number];

/** The scopes stored for a key: a JSON array of known scope names; anything else holds none. */
export function parseScopes(stored: unknown): ReadonlySet<Scope> {
  let list: unknown = stored;
  if (typeof stored === "string") {
    try {
      list = JSON.parse(stored);
    } catch {
      return new Set();
    }
  }
  if (!Array.isArray(list)) return new Set();
  return new Set(list.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)));
}
