// Tone presets through the real app: the dev upstream quotes the system
// message it received, so each demo audience's preset is seen arriving; the
// dry-run plan equals what the real call then sent (as logged); clamping and
// the response headers.
import acmeManifest from "../../adapters/acme.json";
import globexManifest from "../../adapters/globex.json";
import { describe, expect, it } from "vitest";
import { chat, waitForInteraction } from "./helpers/gateway";
import { KEYS } from "./helpers/seed";

type Preset = { name: string; version: string; audience: string; system_prompt: string };
const presetOf = (manifest: { tone?: Preset[] }, audience: string) =>
  manifest.tone!.find((p) => p.audience === audience)!;

const quoted = (prompt: string) => prompt.slice(0, 40);

describe("tone presets", () => {
  it.each([
    ["acme", "support", "customer"],
    ["acme", "support", "developer"],
    ["acme", "support", "executive"],
    ["globex", "tutoring", "student"],
    ["globex", "tutoring", "teacher"],
  ] as const)("%s %s: the %s preset reaches the upstream", async (tenant, task, audience) => {
    const preset = presetOf(tenant === "acme" ? acmeManifest : globexManifest, audience);
    const { response } = await chat(
      { model: task },
      { key: KEYS[tenant], headers: { "x-switchyard-audience": audience } },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchyard-tone")).toBe(`${preset.name}@${preset.version}`);
    const body = await response.json<{ choices: { message: { content: string } }[] }>();
    expect(body.choices[0].message.content).toContain(`system: "${quoted(preset.system_prompt)}`);
  });

  it("takes the audience from metadata when there is no header, and the header wins over metadata", async () => {
    const viaMetadata = await chat({ model: "support", metadata: { audience: "developer" } });
    expect(viaMetadata.response.headers.get("x-switchyard-tone")).toBe("developer@v1");
    const both = await chat(
      { model: "support", metadata: { audience: "developer" } },
      { headers: { "x-switchyard-audience": "executive" } },
    );
    expect(both.response.headers.get("x-switchyard-tone")).toBe("executive@v1");
  });

  it("prefers the task's preset for the audience over the tenant's", async () => {
    const { response } = await chat({ model: "billing" }, { headers: { "x-switchyard-audience": "customer" } });
    expect(response.headers.get("x-switchyard-tone")).toBe("billing-customer@v1");
  });

  it("falls back to the tenant default for an audience without a preset", async () => {
    const { response } = await chat({ model: "support" }, { headers: { "x-switchyard-audience": "partner" } });
    expect(response.headers.get("x-switchyard-tone")).toBe("default@v1");
  });

  it("keeps the client's own system message next to the preset", async () => {
    const { response } = await chat(
      {
        model: "support",
        messages: [
          { role: "system", content: "CLIENT-SYSTEM-RULES" },
          { role: "user", content: "hi" },
        ],
      },
      { headers: { "x-switchyard-audience": "customer" } },
    );
    const id = response.headers.get("x-request-id")!;
    const row = await waitForInteraction(id);
    const sent = JSON.parse(String(row.upstream_messages));
    expect(sent[0].role).toBe("system");
    expect(sent[0].content.startsWith(presetOf(acmeManifest, "customer").system_prompt)).toBe(true);
    expect(sent[0].content.endsWith("CLIENT-SYSTEM-RULES")).toBe(true);
    expect(JSON.parse(String(row.client_messages))[0].content).toBe("CLIENT-SYSTEM-RULES");
    expect(row.tone).toBe("customer@v1");
  });

  it("clamps what the client sent to the preset's limits and says so", async () => {
    const { response } = await chat(
      { model: "support", temperature: 1.5, max_tokens: 5000 },
      { headers: { "x-switchyard-audience": "customer" } },
    );
    expect(response.headers.get("x-switchyard-clamped")).toBe("temperature,max_tokens");
    const row = await waitForInteraction(response.headers.get("x-request-id")!);
    expect(JSON.parse(String(row.params))).toMatchObject({ temperature: 0.7, max_tokens: 1024 });
  });

  it("the dry-run plan is exactly what the real call then sends", async () => {
    const request = {
      model: "support",
      user: "dry-run-user",
      temperature: 0.9,
      messages: [
        { role: "developer", content: "Answer in French." },
        { role: "user", content: "Where is my invoice?" },
      ],
    };
    const headers = { "x-switchyard-audience": "customer" };
    const dry = await chat(request, { headers: { ...headers, "x-switchyard-dry-run": "1" } });
    expect(dry.response.status).toBe(200);
    const plan = await dry.response.json<Record<string, any>>();
    expect(plan).toMatchObject({
      object: "switchyard.plan",
      task: "support",
      tone: "customer@v1",
      clamped: ["temperature"],
    });
    expect(plan.adapter.version).toMatch(/^support-v[12]$/);
    expect(plan.fallbacks.length).toBeGreaterThan(0);

    const real = await chat(request, { headers });
    expect(real.response.headers.get("x-switchyard-adapter-version")).toBe(plan.adapter.version);
    expect(real.response.headers.get("x-switchyard-route")).toBe(plan.route);
    const row = await waitForInteraction(real.response.headers.get("x-request-id")!);
    const { messages, model, ...params } = plan.request;
    expect(JSON.parse(String(row.upstream_messages))).toEqual(messages);
    expect(JSON.parse(String(row.params))).toEqual(params);
    expect(model).toBe(`acme-${plan.adapter.version}`);
  });

  it("a dry run calls no upstream and logs nothing", async () => {
    const { response, settled } = await chat(
      { model: "hang" },
      { key: KEYS.testco, headers: { "x-switchyard-dry-run": "1" } },
    );
    expect(response.status).toBe(200);
    await settled();
    await expect(waitForInteraction(response.headers.get("x-request-id")!, 1500)).rejects.toThrow();
  });
});
