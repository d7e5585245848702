// The operator's morning, in Chromium against the real app: sign in, read
// the versions (numbers equal the stats API's), start a rollout and watch it
// move, open an interaction and correct it, export and download, apply a
// manifest change after its diff, create and revoke a key; and the two
// safety properties: an acme console shows nothing of globex, and a revoked
// key sends the console back to sign-in. Each step asserts through the page
// and cross-checks through the API.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { admin, type Stack } from "./stack";
import { shoot } from "./shoot";
import { chat, ratedTraffic, waitForInteractions } from "./traffic";

type Step = (ctx: FlowContext) => Promise<void>;
interface FlowContext {
  stack: Stack;
  browser: Browser;
  page: Page;
  /** Ids of globex interactions, which an acme console must never show. */
  globexIds: string[];
}

async function api(stack: Stack, key: string, path: string, init: RequestInit = {}): Promise<any> {
  const res = await fetch(`${stack.base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...(init.headers ?? {}) },
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export async function signIn(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/console/`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Console" }).waitFor();
}

const signInStep: Step = async ({ stack, page }) => {
  const res = await page.goto(`${stack.base}/console/`);
  // Only the console's own scripts may run where the key is kept.
  assert.match(res!.headers()["content-security-policy"] ?? "", /script-src 'self'/);
  await page.getByLabel("API key").waitFor();
  await shoot(page, "sign-in");
  // A wrong key stays on sign-in with a message.
  await page.getByLabel("API key").fill("sk-acme-not-a-key");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("That key was refused").waitFor();
  await signIn(page, stack.base, stack.keys.acme);
  assert.equal(await page.getByTestId("tenant").textContent(), "acme");
  // The key is in this tab's sessionStorage, and in no cookie.
  assert.equal(await page.evaluate(() => sessionStorage.getItem("switchyard.console.key")), stack.keys.acme);
  assert.equal((await page.context().cookies()).length, 0);
};

const versionsStep: Step = async ({ stack, page }) => {
  await page.goto(`${stack.base}/console/#/versions?task=support&range=24h`);
  const rows = page.locator("tr[data-version]");
  await rows.first().waitFor();
  const until = Date.now();
  const stats = await api(
    stack,
    stack.keys.acme,
    `/v1/stats/versions?task=support&by=audience&since=${until - 24 * 3600_000}&until=${until}`,
  );
  const versions: Array<{ version: string; requests: number; feedback: { rated: number } }> = stats.data;
  assert.ok(versions.length >= 2, "support has two versions with traffic");
  for (const v of versions) {
    const row = page.locator(`tr[data-version="${v.version}"]`);
    const cells = await row.locator("td").allTextContents();
    // Version, Share, Requests, Error rate, p50, p95, Rated, …
    assert.equal(Number(cells[2].replace(/,/g, "")), v.requests, `requests of ${v.version}`);
    assert.equal(Number(cells[6].replace(/,/g, "")), v.feedback.rated, `rated of ${v.version}`);
  }
  const flagged = (stats.data as Array<{ audiences?: Array<{ flagged?: boolean }> }>).flatMap((v) =>
    (v.audiences ?? []).filter((a) => a.flagged),
  ).length;
  assert.ok(flagged > 0, "the seeded traffic flags an audience");
  assert.equal(await page.locator("tr.flagged").count(), flagged, "flagged audiences as the API says");
  await shoot(page, "versions");
  await page.goto(`${stack.base}/console/#/overview?range=24h`);
  await page.locator("tr[data-task=support]").waitFor();
  await page.locator(".chart .uplot").first().waitFor();
  assert.match(page.url(), /range=24h/);
  await shoot(page, "overview");
};

const rolloutStep: Step = async ({ stack, page }) => {
  await page.goto(`${stack.base}/console/#/rollouts`);
  await page.getByLabel("Task").selectOption("support");
  await page.getByLabel("Candidate version").selectOption("support-v2");
  await page.getByLabel("Baseline version").selectOption("support-v1");
  await page.getByLabel("Steps (candidate share, %)").fill("5, 25, 50, 100");
  await page.getByLabel("Minimum feedback per arm per step").fill("5");
  await page.getByLabel("Minimum seconds per step").fill("0");
  await shoot(page, "rollouts");
  await page.getByRole("button", { name: "Start rollout" }).click();
  await page.getByTestId("rollout-state").waitFor();
  assert.equal(await page.getByTestId("rollout-state").textContent(), "running");
  const before = `${await page.getByTestId("rollout-step").textContent()} ${await page.getByTestId("rollout-share").textContent()}`;
  // Users answer: the candidate is clearly worse than the baseline.
  const ids = await ratedTraffic(stack.base, stack.keys.acme, {
    task: "support",
    versions: ["support-v1", "support-v2"],
    audiences: ["customer", "developer"],
    perVersion: 30,
    tag: "rollout",
    liked: (version, _audience, i) => (version === "support-v1" ? i % 10 !== 0 : i % 10 === 0),
  });
  await waitForInteractions(stack.base, stack.keys.acme, ids);
  await page.getByRole("button", { name: "Evaluate now" }).click();
  await page.waitForFunction(
    (b) => {
      const step = document.querySelector("[data-testid=rollout-step]")?.textContent;
      const share = document.querySelector("[data-testid=rollout-share]")?.textContent;
      const state = document.querySelector("[data-testid=rollout-state]")?.textContent;
      return state !== "running" || `${step} ${share}` !== b;
    },
    before,
    { timeout: 15_000 },
  );
  const state = await page.getByTestId("rollout-state").textContent();
  const rollouts = (await api(stack, stack.keys.acme, "/admin/tenants/acme/rollouts")).data;
  assert.equal(rollouts[0].state, state, "the page shows the API's state");
  assert.ok((await page.locator("table tbody tr").count()) >= 1, "the history lists the transition");
  await shoot(page, "rollout-detail");
};

const interactionStep: Step = async ({ stack, page }) => {
  await page.goto(`${stack.base}/console/#/interactions`);
  await page.getByLabel("Task").selectOption("support");
  await page.getByLabel("Audience").fill("customer");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await page.waitForURL(/audience=customer/);
  const first = page.locator("tr[data-id] a").first();
  await first.waitFor();
  await shoot(page, "interactions");
  await first.click();
  await page.getByTestId("answer").waitFor();
  const id = decodeURIComponent(page.url().split("#/interactions/")[1].split("?")[0]);
  await page.getByText("What the adapter received").waitFor();
  const correction = "Restart the agent with `acme restart`, then check the status page.";
  await page.getByLabel("Bad answer").check();
  await page.getByLabel("Correction: the answer it should have given (optional)").fill(correction);
  await page.getByRole("button", { name: "Save feedback" }).click();
  await page.getByText("Feedback saved.").waitFor();
  await page.locator(".correction pre", { hasText: correction }).waitFor();
  const stored = await api(stack, stack.keys.acme, `/v1/interactions/${id}`);
  const mine = stored.feedback.find((f: { user: string }) => f.user === "console");
  assert.equal(mine.correction, correction);
  assert.equal(mine.rating, -1);
  await shoot(page, "interaction-detail");
};

const exportStep: Step = async ({ stack, page }) => {
  await page.goto(`${stack.base}/console/#/exports`);
  await page.locator("#job-format").selectOption("openai-sft");
  await page.locator("#job-task").selectOption("support");
  await page.getByRole("button", { name: "Start export" }).click();
  const download = page.getByRole("button", { name: "Download JSONL" });
  await download.waitFor({ timeout: 60_000 });
  assert.equal(await page.locator("progress").evaluate((p: HTMLProgressElement) => p.value === p.max), true);
  const [file] = await Promise.all([page.waitForEvent("download"), download.click()]);
  const lines = readFileSync(await file.path(), "utf8")
    .trim()
    .split("\n");
  assert.ok(lines.length > 0 && lines.every((l) => Array.isArray(JSON.parse(l).messages)), "JSONL of chat examples");
  // A feed: create it, download its next run (the cursor shows), acknowledge.
  await page.getByLabel("Feed name").fill("console-feed");
  await page.locator("#feed-format").selectOption("trl-kto");
  await page.getByRole("button", { name: "Create feed" }).click();
  const next = page.getByRole("button", { name: "Download next run" });
  await next.waitFor();
  const [run] = await Promise.all([page.waitForEvent("download"), next.click()]);
  assert.ok(
    readFileSync(await run.path(), "utf8")
      .trim()
      .split("\n").length > 0,
  );
  await page.getByRole("button", { name: "Acknowledge this run" }).click();
  await page.getByText("Feed console-feed acknowledged").waitFor();
  const feeds = await api(stack, stack.keys.acme, "/v1/exports/feeds");
  assert.ok(
    feeds.data.find((f: { name: string; watermark: number | null }) => f.name === "console-feed").watermark > 0,
  );
  await shoot(page, "exports");
};

const manifestStep: Step = async ({ stack, page }) => {
  await page.goto(`${stack.base}/console/#/manifest`);
  const editor = page.getByLabel("Manifest (JSON)");
  await editor.waitFor();
  const manifest = JSON.parse(await editor.inputValue());
  manifest.display_name = "Acme Cloud (console)";
  await editor.fill(JSON.stringify(manifest, null, 2));
  await page.getByRole("button", { name: "Validate" }).click();
  await page.getByText("Valid.").waitFor();
  await page.getByRole("button", { name: "Review changes…" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  assert.ok((await dialog.locator("code", { hasText: "/display_name" }).count()) === 1, "the diff names the field");
  await shoot(page, "manifest-confirm");
  // Nothing is applied before the confirmation.
  assert.equal((await api(stack, stack.keys.acme, "/admin/tenants/acme/manifest")).manifest.display_name, "Acme Cloud");
  await dialog.getByRole("button", { name: "Apply these changes" }).click();
  await page.getByText(/Applied as version \d+/).waitFor();
  assert.equal(
    (await api(stack, stack.keys.acme, "/admin/tenants/acme/manifest")).manifest.display_name,
    "Acme Cloud (console)",
  );
  await shoot(page, "manifest");
};

const keysStep: Step = async ({ stack, page }) => {
  await page.goto(`${stack.base}/console/#/keys`);
  await page.getByLabel("Name").fill("ci-exporter");
  await page.getByLabel("chat").uncheck();
  await page.getByRole("button", { name: "Create key" }).click();
  const secret = (await page.getByTestId("new-key").textContent())!;
  assert.match(secret, /^sk-acme-/);
  // The new key works, with only its scopes.
  await api(stack, secret, "/v1/exports/feeds");
  const chatRes = await fetch(`${stack.base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "support", messages: [{ role: "user", content: "hi" }] }),
  });
  assert.equal(chatRes.status, 403);
  await shoot(page, "keys");
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Revoke ci-exporter" }).click();
  await page.locator('tr[data-key-name="ci-exporter"]', { hasText: "revoked" }).waitFor();
  const res = await fetch(`${stack.base}/v1/exports/feeds`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(res.status, 401, "the revoked key is refused");
};

const isolationStep: Step = async ({ stack, page, globexIds }) => {
  const globexTasks = (await api(stack, stack.keys.globex, "/v1/models")).data.map((m: { id: string }) => m.id);
  const globexKeys = (await api(stack, stack.keys.globex, "/admin/tenants/globex/keys")).data;
  const seen: string[] = [];
  for (const hash of [
    "#/overview",
    "#/versions",
    "#/interactions",
    "#/exports",
    "#/manifest",
    "#/keys",
    "#/rollouts",
  ]) {
    await page.goto(`${stack.base}/console/${hash}`);
    await page.locator("main h1").waitFor();
    await page.waitForLoadState("networkidle");
    assert.equal(await page.getByTestId("tenant").textContent(), "acme", `signed in as acme on ${hash}`);
    seen.push(await page.locator("main").innerText());
    // Every control has a label; keyboard focus is visible.
    const unlabelled = await page
      .locator("input, select, textarea")
      .evaluateAll((els) =>
        els
          .filter((el) => !(el as HTMLInputElement).labels?.length && !el.getAttribute("aria-label"))
          .map((el) => el.outerHTML),
      );
    assert.deepEqual(unlabelled, [], `controls without a label on ${hash}`);
    await page.keyboard.press("Tab");
    const outline = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el && el !== document.body ? getComputedStyle(el).outlineStyle : "none";
    });
    assert.notEqual(outline, "none", `focus is visible on ${hash}`);
    seen.push(
      ...(await page.locator("main option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))),
    );
  }
  const text = seen.join("\n");
  for (const leak of ["globex", ...globexTasks, ...globexIds, ...globexKeys.map((k: { prefix: string }) => k.prefix)]) {
    assert.ok(!text.includes(leak), `the acme console shows nothing of globex (found ${leak})`);
  }
  // A globex interaction's id typed into the URL is not found.
  await page.goto(`${stack.base}/console/#/interactions/${globexIds[0]}`);
  await page.locator(".notice.error").waitFor();
  assert.equal(await page.getByTestId("answer").count(), 0);
};

const revokedStep: Step = async ({ stack, browser }) => {
  const key = (await admin(stack.base, "POST", "/admin/tenants/acme/keys", { name: "soon revoked" })) as {
    id: string;
    key: string;
  };
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  // Signed in by keyboard alone: the key field has focus, Enter submits.
  await page.goto(`${stack.base}/console/`);
  await page.getByLabel("API key").waitFor();
  await page.keyboard.type(key.key);
  await page.keyboard.press("Enter");
  await page.getByRole("navigation", { name: "Console" }).waitFor();
  await page.goto(`${stack.base}/console/#/interactions`);
  await page.locator("tr[data-id]").first().waitFor();
  await admin(stack.base, "DELETE", `/admin/tenants/acme/keys/${key.id}`);
  await page.goto(`${stack.base}/console/#/keys`);
  await page.getByLabel("API key").waitFor();
  await page.getByText("Signed out:").waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem("switchyard.console.key")), null);
  await shoot(page, "signed-out");
  await context.close();
};

export const STEPS: Array<[string, Step]> = [
  ["sign in", signInStep],
  ["versions and overview match the stats API", versionsStep],
  ["start a rollout and see it move", rolloutStep],
  ["open an interaction and correct it", interactionStep],
  ["export, download, feed", exportStep],
  ["apply a manifest change after its diff", manifestStep],
  ["create and revoke a key", keysStep],
  ["every page: labelled controls, visible focus, nothing of globex", isolationStep],
  ["a revoked key returns to sign-in", revokedStep],
];

/** Traffic every step reads: two versions of acme's support with ratings (v2 flagged for one audience), and some globex requests. */
export async function seedTraffic(stack: Stack): Promise<{ globexIds: string[] }> {
  const acme = await ratedTraffic(stack.base, stack.keys.acme, {
    task: "support",
    versions: ["support-v1", "support-v2"],
    audiences: ["customer", "developer", "executive"],
    perVersion: 36,
    tag: "seed",
    // support-v2 pleases customers and developers but not executives: Versions flags that audience.
    liked: (version, audience, i) => (version === "support-v1" ? i % 5 !== 0 : audience !== "executive"),
  });
  const globexIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    globexIds.push(
      (
        await chat(stack.base, stack.keys.globex, {
          model: "tutoring",
          user: `g${i}`,
          audience: "student",
          text: "What is 2+2?",
        })
      ).id,
    );
  }
  await waitForInteractions(stack.base, stack.keys.acme, acme);
  await waitForInteractions(stack.base, stack.keys.globex, globexIds);
  return { globexIds };
}

export type { FlowContext };
