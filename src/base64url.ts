// base64url (RFC 4648 §5, no padding) for bytes: feedback token signatures,
// list cursors and saved export state. workerd has the native
// Uint8Array.prototype.toBase64 / Uint8Array.fromBase64 (TC39), used when
// present: a feedback token is encoded on every chat answer. Node 20 (the
// unit tests, the CLI) lacks them, so the portable path stays; it is chunked
// so that large inputs (an export's dedup table) do not overflow
// String.fromCharCode's arguments.
const CHUNK = 0x8000;

type NativeBase64 = {
  toBase64?: (options: { alphabet: "base64url"; omitPadding: boolean }) => string;
};
type NativeFromBase64 = {
  fromBase64?: (text: string, options: { alphabet: "base64url"; lastChunkHandling: "loose" }) => Uint8Array;
};
const nativeFromBase64 = (Uint8Array as unknown as NativeFromBase64).fromBase64;

export function encodeBase64url(bytes: Uint8Array): string {
  const toBase64 = (bytes as Uint8Array & NativeBase64).toBase64;
  if (toBase64) return toBase64.call(bytes, { alphabet: "base64url", omitPadding: true });
  return encodeBase64urlPortable(bytes);
}

/** null when the text is not base64url. */
export function decodeBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  if (!nativeFromBase64) return decodeBase64urlPortable(text);
  try {
    return nativeFromBase64(text, { alphabet: "base64url", lastChunkHandling: "loose" });
  } catch {
    return null;
  }
}

/** Without the native methods (exported so a workerd test can hold the two to the same answers). */
export function encodeBase64urlPortable(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function decodeBase64urlPortable(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}
