// Local demo API keys. Only the local seed knows them in clear; D1 stores
// their SHA-256 hashes. Never used for a remote database.
export const DEMO_KEYS: Record<string, string> = {
  acme: "sk-acme-dev",
  globex: "sk-globex-dev",
};
