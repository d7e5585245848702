// Sign-in: the operator pastes a tenant API key. The console checks it with
// GET /v1/models (which also names the key's tenant) and keeps it in this
// tab's sessionStorage only. A tenant with no tasks yet cannot be named by
// that call, so the form then asks for the tenant too.
import { ApiError, json, session } from "../api";
import { field, h } from "../dom";
import type { Model } from "../page";

export function signInPage(root: HTMLElement, message: string | null, done: (models: Model[]) => void): void {
  document.title = "Sign in · Switchyard console";
  const key = h("input", { type: "password", name: "key", required: true, autocomplete: "off", spellcheck: "false" });
  const tenant = h("input", { type: "text", name: "tenant", autocomplete: "off", spellcheck: "false" });
  const tenantField = field("Tenant", tenant, "Only needed while the tenant has no tasks.");
  tenantField.hidden = true;
  const status = h("p", { class: message ? "notice error" : "notice", role: "status", "aria-live": "polite" }, message);
  const submit = h("button", { type: "submit" }, "Sign in");

  async function onSubmit(event: Event) {
    event.preventDefault();
    status.className = "notice";
    status.textContent = "Checking the key…";
    submit.disabled = true;
    try {
      const { data } = await json<{ data: Model[] }>("/v1/models", { key: key.value.trim() });
      const owner = data[0]?.owned_by ?? tenant.value.trim();
      if (!owner) {
        tenantField.hidden = false;
        tenant.focus();
        throw new Error("This key's tenant has no tasks yet: enter the tenant's name.");
      }
      session.start(key.value.trim(), owner);
      done(data);
    } catch (error) {
      status.className = "notice error";
      status.textContent =
        error instanceof ApiError && error.status === 401
          ? "That key was refused (unknown, revoked or expired)."
          : error instanceof ApiError && error.status === 403
            ? "That key lacks the read scope the console needs (use a key with manage, read, feedback and export)."
            : (error as Error).message;
    } finally {
      submit.disabled = false;
    }
  }

  root.append(
    h(
      "main",
      { id: "main", class: "sign-in" },
      h("h1", null, "Switchyard console"),
      h(
        "p",
        null,
        "Sign in with an API key of your tenant that holds the manage, read, feedback and export scopes. ",
        "The key stays in this browser tab (session storage) and is sent only to this gateway's API.",
      ),
      h("form", { onsubmit: onSubmit }, field("API key", key), tenantField, submit),
      status,
    ),
  );
  key.focus();
}
