// Keys: the tenant's API keys (never their secrets), a form to create one
// with scopes and an optional expiry (the secret is shown once, here), and
// revoke. Reached with the signed-in key's manage scope.
import { adminPath, call, json } from "../api";
import { field, h, notice, table } from "../dom";
import { fromLocalInput, time, when } from "../format";
import type { PageContext } from "../page";

const SCOPES = ["chat", "feedback", "read", "export", "manage"] as const;

interface Key {
  id: string;
  prefix: string;
  name: string;
  scopes: string[];
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

export async function keysPage(ctx: PageContext): Promise<void> {
  const name = h("input", { name: "name", required: true, maxlength: "100" });
  const expires = h("input", { type: "datetime-local", name: "expires" });
  const boxes = SCOPES.map((s) =>
    h("input", { type: "checkbox", name: "scope", value: s, id: `scope-${s}`, checked: s !== "manage" }),
  );
  const secret = h("div", { class: "secret", "aria-live": "polite" });
  const form = h(
    "form",
    { "aria-label": "Create a key" },
    h("h2", null, "Create a key"),
    field("Name", name),
    h(
      "fieldset",
      null,
      h("legend", null, "Scopes"),
      boxes.map((b) => h("label", { for: b.id, class: "inline" }, b, ` ${b.value}`)),
    ),
    field("Expires (UTC, optional)", expires),
    h("button", { type: "submit" }, "Create key"),
    secret,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const scopes = boxes.filter((b) => b.checked).map((b) => b.value);
    if (!scopes.length) return notice(form, "Pick at least one scope.", "error");
    const body: Record<string, unknown> = { name: name.value.trim(), scopes };
    const at = fromLocalInput(expires.value);
    if (at !== null) body.expires_at = at;
    try {
      const created = await json<{ key: string; name: string }>(adminPath("/keys"), { method: "POST", body });
      const out = h("output", { "data-testid": "new-key" }, created.key);
      secret.replaceChildren(
        h("p", null, `Key "${created.name}" created. Copy it now: it is not shown again.`),
        out,
        h(
          "button",
          { type: "button", class: "secondary", onclick: () => void navigator.clipboard?.writeText(created.key) },
          "Copy",
        ),
      );
      await list(ctx);
    } catch (error) {
      notice(form, (error as Error).message, "error");
    }
  });
  ctx.root.append(h("div", { id: "key-list" }), form);
  await list(ctx);
}

async function list(ctx: PageContext): Promise<void> {
  const { data } = await json<{ data: Key[] }>(adminPath("/keys"));
  const holder = ctx.root.querySelector<HTMLElement>("#key-list");
  if (!ctx.live() || !holder) return;
  const revoke = async (key: Key) => {
    if (!confirm(`Revoke key "${key.name}" (${key.prefix}…)? Clients using it stop working at once.`)) return;
    try {
      await call(adminPath(`/keys/${encodeURIComponent(key.id)}`), { method: "DELETE" });
      await list(ctx);
    } catch (error) {
      notice(holder, (error as Error).message, "error");
    }
  };
  holder.replaceChildren(
    table(
      "API keys of this tenant",
      [
        { label: "Name", cell: (k) => k.name },
        { label: "Prefix", cell: (k) => h("code", null, `${k.prefix}…`) },
        { label: "Scopes", cell: (k) => k.scopes.join(", ") },
        { label: "Created", cell: (k) => when(k.created_at) },
        { label: "Expires", cell: (k) => (k.expires_at ? when(k.expires_at) : "never") },
        {
          label: "State",
          cell: (k) =>
            k.revoked_at
              ? `revoked ${time(k.revoked_at)}`
              : h(
                  "button",
                  { type: "button", class: "danger", onclick: () => void revoke(k), "aria-label": `Revoke ${k.name}` },
                  "Revoke",
                ),
        },
      ],
      data,
      (k) => ({ "data-key-name": k.name }),
    ),
  );
}
