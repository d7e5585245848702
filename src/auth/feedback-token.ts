// Signed feedback tokens: let an end user's browser rate exactly one
// completion without holding the tenant's API key. Token =
// `v1.<tenant>.<expiry seconds>.<base64url HMAC-SHA256(tenant \n request id \n expiry)>`.
// The request id is not in the token: the caller names it in the body and a
// token minted for another request fails the signature check.
import { decodeBase64url, encodeBase64url } from "../base64url";
import { invalidApiKey } from "../errors";
import { hmacSign, hmacVerify } from "./hmac";

// Unlabelled, unlike feed cursors: the v1 token format is fixed by the tokens already out there.
const payload = (tenant: string, requestId: string, expiry: number) => `${tenant}\n${requestId}\n${expiry}`;

export async function signFeedbackToken(
  secret: string,
  tenant: string,
  requestId: string,
  expiry: number,
): Promise<string> {
  const signature = await hmacSign(secret, payload(tenant, requestId, expiry));
  return `v1.${tenant}.${expiry}.${encodeBase64url(signature)}`;
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
  const valid = await hmacVerify(secret, signature, payload(tenant, requestId, expiry));
  if (!valid || expiry < nowSeconds) throw invalid;
  return tenant;
}
