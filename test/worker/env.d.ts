declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    DEV_UPSTREAM_URL: string;
    DEV_REPLICA_URLS: string[];
  }
}
