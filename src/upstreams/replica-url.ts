// The replicas of an upstream as the gateway addresses them: `replicas`, or
// the one `base_url`, without trailing slashes, so "http://h/v1" and
// "http://h/v1/" are one replica (one health entry, one inventory).
import type { Upstream } from "../schemas/manifest";

export function normalizeReplicaUrl(url: string): string {
  return url.replace(/\/+$/, "");
}

/** Replica base URLs of an openai-compatible upstream; none for Workers AI (reached through the AI binding). */
export function replicasOf(upstream: Readonly<Upstream>): string[] {
  if (upstream.kind !== "openai-compatible") return [];
  const urls = upstream.replicas ?? (upstream.base_url ? [upstream.base_url] : []);
  return urls.map(normalizeReplicaUrl);
}
