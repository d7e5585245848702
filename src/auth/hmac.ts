// HMAC-SHA256 with a secret from the config, for values the gateway hands out
// and must later recognise as its own (feedback tokens, feed cursors). Feed
// cursors put a label first in the signed text and feedback tokens sign three
// newline-separated fields, so a signature made for one never verifies as
// the other.
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

export async function hmacSign(secret: string, text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(text)));
}

/** Constant-time (crypto.subtle.verify) check of a signature over `text`. */
export async function hmacVerify(secret: string, signature: Uint8Array, text: string): Promise<boolean> {
  return crypto.subtle.verify("HMAC", await hmacKey(secret), signature, encoder.encode(text));
}
