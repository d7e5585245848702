// Every call the console makes goes through here, to the public API with the
// signed-in key, so the console can do nothing that key could not. The key
// lives in this tab's sessionStorage only (no cookie, gone with the tab). A
// 401 (revoked, expired or unknown key) ends the session and returns to
// sign-in.
const KEY = "switchyard.console.key";
const TENANT = "switchyard.console.tenant";

export const session = {
  key: () => sessionStorage.getItem(KEY),
  tenant: () => sessionStorage.getItem(TENANT),
  start(key: string, tenant: string) {
    sessionStorage.setItem(KEY, key);
    sessionStorage.setItem(TENANT, tenant);
  },
  end() {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(TENANT);
  },
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
    readonly param: string | null,
    readonly body: unknown,
  ) {
    super(message);
  }
}

export interface CallOptions {
  method?: string;
  query?: Record<string, string | number | boolean | null | undefined>;
  body?: unknown;
  /** The key to use instead of the session's (sign-in checks a key before keeping it). */
  key?: string;
}

/** Fires after a 401: main.ts returns to sign-in. */
export let onUnauthorized: (message: string) => void = () => {};
export function setUnauthorizedHandler(handler: (message: string) => void): void {
  onUnauthorized = handler;
}

export function url(path: string, query?: CallOptions["query"]): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {}))
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const key = options.key ?? session.key();
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(url(path, options.query), {
    method: options.method ?? "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (res.ok) return res;
  const body = await res.json().catch(() => null);
  const err = (body as { error?: { message?: string; code?: string; param?: string } } | null)?.error;
  const error = new ApiError(
    res.status,
    err?.message ?? `HTTP ${res.status}`,
    err?.code ?? null,
    err?.param ?? null,
    body,
  );
  if (res.status === 401 && !options.key) onUnauthorized(error.message);
  throw error;
}

export async function json<T>(path: string, options: CallOptions = {}): Promise<T> {
  return (await call(path, options)).json() as Promise<T>;
}

/** Paths of the tenant admin routes a manage key reaches for its own tenant. */
export const adminPath = (rest: string) => `/admin/tenants/${encodeURIComponent(session.tenant() ?? "")}${rest}`;

/** Saves a response body as a file (the download needs the Authorization header, so no plain link). */
export async function download(res: Response, filename: string): Promise<number> {
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
  return blob.size;
}
