// The cursor a feed run hands out (x-switchyard-feed-cursor), bound to that
// run: `f2.<up to, epoch ms>.<base64url HMAC(tenant, feed, up to)>`. An ack
// takes only a cursor this gateway issued for that tenant's feed, so nobody
// can move a watermark past feedback no run has delivered (say by acking
// `f1.<now>`). Signed with FEEDBACK_SIGNING_KEY, which production requires.
import { hmacSign, hmacVerify } from "../auth/hmac";
import { decodeBase64url, encodeBase64url } from "../base64url";

const CURSOR = /^f2\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/;

// Development may run without a key (config.ts); cursors then still bind to
// tenant and feed, with a key everyone knows.
const DEVELOPMENT_KEY = "switchyard-development-feed-cursor";

const signedText = (tenant: string, feed: string, upTo: number) => `feed-cursor\n${tenant}\n${feed}\n${upTo}`;

export async function signFeedCursor(key: string | null, tenant: string, feed: string, upTo: number): Promise<string> {
  const signature = await hmacSign(key ?? DEVELOPMENT_KEY, signedText(tenant, feed, upTo));
  return `f2.${upTo}.${encodeBase64url(signature)}`;
}

/** The run's upper bound (epoch ms) if a run of this tenant's feed issued `cursor`; null otherwise. */
export async function verifyFeedCursor(
  key: string | null,
  tenant: string,
  feed: string,
  cursor: string,
): Promise<number | null> {
  const match = CURSOR.exec(cursor);
  const signature = match && decodeBase64url(match[2]);
  if (!match || !signature) return null;
  const upTo = Number(match[1]);
  return (await hmacVerify(key ?? DEVELOPMENT_KEY, signature, signedText(tenant, feed, upTo))) ? upTo : null;
}
