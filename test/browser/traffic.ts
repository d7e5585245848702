// Traffic the browser tests look at: chat requests through the gateway as a
// tenant's users would send them (pinned versions, audiences, users) and
// end-user feedback on them, then a wait until the log consumer has written
// every interaction (the queue delivers about a second later).
export interface Sent {
  id: string;
  version: string;
}

export async function chat(
  base: string,
  key: string,
  body: { model: string; user: string; audience: string; text: string },
): Promise<Sent> {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      "x-switchyard-audience": body.audience,
    },
    body: JSON.stringify({ model: body.model, user: body.user, messages: [{ role: "user", content: body.text }] }),
  });
  if (!res.ok) throw new Error(`chat ${body.model}: ${res.status} ${await res.text()}`);
  const json = (await res.json()) as { id: string };
  return { id: json.id, version: res.headers.get("x-switchyard-adapter-version") ?? "?" };
}

export async function feedback(
  base: string,
  key: string,
  requestId: string,
  rating: 1 | -1,
  user: string,
  extra: { score?: number; correction?: string } = {},
): Promise<void> {
  const res = await fetch(`${base}/v1/feedback`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ request_id: requestId, rating, user, ...extra }),
  });
  if (!res.ok) throw new Error(`feedback: ${res.status} ${await res.text()}`);
}

/** Waits until every id is readable through GET /v1/interactions/{id}. */
export async function waitForInteractions(base: string, key: string, ids: string[], seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  const pending = new Set(ids);
  while (pending.size && Date.now() < deadline) {
    for (const id of [...pending]) {
      const res = await fetch(`${base}/v1/interactions/${id}`, { headers: { authorization: `Bearer ${key}` } });
      if (res.ok) pending.delete(id);
    }
    if (pending.size) await new Promise((r) => setTimeout(r, 300));
  }
  if (pending.size) throw new Error(`${pending.size} interactions not logged within ${seconds} s`);
}

/**
 * Rated traffic on versions of one task, pinned (`task@version`), the
 * audiences taking turns; `liked(version, audience, i)` says how the user
 * rates the i-th answer. Liked answers get a high score, disliked ones a low
 * score and every other one a correction. Returns the request ids.
 */
export async function ratedTraffic(
  base: string,
  key: string,
  plan: {
    task: string;
    versions: string[];
    audiences: string[];
    perVersion: number;
    tag: string;
    liked: (version: string, audience: string, i: number) => boolean;
  },
): Promise<string[]> {
  const ids: string[] = [];
  for (const version of plan.versions) {
    for (let i = 0; i < plan.perVersion; i++) {
      const audience = plan.audiences[i % plan.audiences.length];
      const user = `${plan.tag}-${version}-${i}`;
      const sent = await chat(base, key, {
        model: `${plan.task}@${version}`,
        user,
        audience,
        text: `Question ${i} from ${audience} (${plan.tag})`,
      });
      ids.push(sent.id);
      const liked = plan.liked(version, audience, i);
      await feedback(base, key, sent.id, liked ? 1 : -1, user, {
        score: liked ? 0.8 + (i % 3) * 0.1 : 0.1 + (i % 3) * 0.1,
        ...(liked || i % 2 ? {} : { correction: `A better answer to question ${i}.` }),
      });
    }
  }
  return ids;
}
