// Turns the registry's publish checks (versions immutable, served names not
// shared across tenants) into the error catalogue's 409s for an admin route.
// Who is asking decides how much a served-name clash may say: ADMIN_TOKEN is
// told which tenant holds the name; a tenant's manage key only that it is
// taken, since naming another tenant would reveal that it exists.
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { assertNever, servedNameTaken, versionImmutable } from "../errors";
import { publishIssues } from "../registry/publish-checks";
import type { Manifest } from "../schemas/manifest";

export async function assertPublishable(c: Context<AppEnv>, manifest: Manifest): Promise<void> {
  const [issue] = await publishIssues(c.env.DB, manifest);
  if (!issue) return;
  switch (issue.kind) {
    case "immutable":
      throw versionImmutable(issue.version, issue.fields, issue.pointer);
    case "taken":
      // The admin guard sets apiKeyId only for a tenant key.
      throw servedNameTaken(issue.servedName, issue.replica, issue.pointer, c.get("apiKeyId") ? null : issue.owner);
    default:
      assertNever(issue, "publish issue");
  }
}
