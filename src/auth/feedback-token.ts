// Signed feedback tokens: let an end user's browser rate exactly one
// completion without holding the tenant's API key. Token =
// `v1.<tenant>.<expiry seconds>.<base64url HMAC-SHA256(tenant \n request id \n expiry)>`.
// The request id is not in the token: the caller names it in the body and a
// token minted for another request fails the signature check.
import { decodeBase64url, encodeBase64url } from "../base64url";
import { invalidApiKey } from "../errors";

const encoder = new TextEncoder();
let cachedKey: { secret: string; key: Promise<CryptoKey> } | null = null;

function hmacKey(secret: string): Promise<CryptoKey> {
  if (cachedKey?.secret !== secret) {
    const key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    cachedKey = { secret, key };
  }
  return cachedKey.key;
}

const payload = (tenant: string, requestId: string, expiry: number) =>
  encoder.encode(`${tenant}\n${requestId}\n${expiry}`);

export async function signFeedbackToken(
  secret: string,
  tenant: string,
  requestId: string,
  expiry: number,
): Promise<string> {
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), payload(tenant, requestId, expiry));
  return `v1.${tenant}.${expiry}.${encodeBase64url(new Uint8Array(signature))}`;
}

/** Returns the tenant the token speaks for, or throws a 401. */
export async function verifyFeedbackToken(
  secret: string,
  token: string,
  requestId: string,
  nowSeconds: number,
): Promise<string> {
  const parts = token.split(".");
  const invalid = invalidApiKey("Invalid or expired feedback token.");
  if (parts.length !== 4 || parts[0] !== "v1") throw invalid;
  const [, tenant, expiryText, signatureText] = parts;
  const expiry = Number(expiryText);
  const signature = decodeBase64url(signatureText);
  if (!Number.isInteger(expiry) || !signature) throw invalid;
  // crypto.subtle.verify compares in constant time.
  const valid = await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret),
    signature,
    payload(tenant, requestId, expiry),
  );
  if (!valid || expiry < nowSeconds) throw invalid;
  return tenant;
}
