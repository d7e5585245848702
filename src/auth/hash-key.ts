// API keys are stored and looked up only as hex SHA-256 digests (WebCrypto),
// so a leaked database or snapshot does not leak usable keys.
const encoder = new TextEncoder();

export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(value));
  let hex = "";
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
