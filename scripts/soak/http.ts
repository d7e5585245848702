// Small fetch helpers shared by the soak modules (Node's own fetch, undici).
export async function adminFetch(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
}

/** GET with the tenant's key; retried a few times, since the soak reads while the gateway is loaded. */
export async function getJson<T>(base: string, key: string, path: string): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const res = await fetch(`${base}${path}`, {
        headers: { authorization: `Bearer ${key}` },
        signal: AbortSignal.timeout(30_000),
      });
      if (res.ok) return (await res.json()) as T;
      lastError = new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    } catch (error) {
      lastError = error;
    }
    await sleep(500 * (attempt + 1));
  }
  throw lastError;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
