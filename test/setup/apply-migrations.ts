// Worker-project setup: bring the test D1 to the current schema and seed the
// demo tenants plus the test tenant, all pointing at the dev upstream that
// global-dev-upstream.ts started for this run. Every step is idempotent.
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { seedTestTenants } from "../worker/helpers/seed";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await seedTestTenants();
