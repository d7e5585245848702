// Bare pass-through Worker: the benchmark's baseline. POST /v1/chat/completions
// is forwarded as is (body and headers, minus host) to UPSTREAM_URL and the
// answer is streamed back untouched: no auth, routing, tone or logging. The
// gap between it and the gateway on the same runtime is what the gateway costs.
interface PassthroughEnv {
  /** OpenAI-compatible base URL, e.g. http://127.0.0.1:8790/v1 (set by the bench). */
  UPSTREAM_URL: string;
}

export default {
  async fetch(request: Request, env: PassthroughEnv): Promise<Response> {
    const url = new URL(request.url);
    if (request.method !== "POST" || url.pathname !== "/v1/chat/completions") {
      return new Response("not found", { status: 404 });
    }
    const headers = new Headers(request.headers);
    headers.delete("host");
    const upstream = await fetch(`${env.UPSTREAM_URL.replace(/\/+$/, "")}/chat/completions`, {
      method: "POST",
      headers,
      body: request.body,
      signal: request.signal,
    });
    return new Response(upstream.body, { status: upstream.status, headers: upstream.headers });
  },
} satisfies ExportedHandler<PassthroughEnv>;
