// Manifest: the live manifest as editable JSON; validate it, review the diff
// against the live one (PUT ?dry_run=true), and apply only after a
// confirmation dialog that shows that diff. Below, every applied version.
import { adminPath, ApiError, json } from "../api";
import { field, h, notice, table } from "../dom";
import { time, when } from "../format";
import type { PageContext } from "../page";

interface Change {
  op: "add" | "remove" | "change";
  path: string;
  before?: unknown;
  after?: unknown;
}
interface Issue {
  path?: string;
  pointer?: string;
  message: string;
}

const show = (v: unknown) => (v === undefined ? "" : JSON.stringify(v));

export function diffTable(changes: Change[]): HTMLElement {
  if (!changes.length) return h("p", { class: "empty" }, "No changes: this is the live manifest.");
  return table(
    "Changes against the live manifest",
    [
      { label: "Change", cell: (c) => h("span", { class: `op op-${c.op}` }, c.op) },
      { label: "Where", cell: (c) => h("code", null, c.path) },
      { label: "Before", cell: (c) => h("code", { class: "val" }, show(c.before)) },
      { label: "After", cell: (c) => h("code", { class: "val" }, show(c.after)) },
    ],
    changes,
  );
}

export async function manifestPage(ctx: PageContext): Promise<void> {
  const current = await json<{ version: number; applied_by: string; applied_at: number; manifest: unknown }>(
    adminPath("/manifest"),
  ).catch((error) => {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  });
  if (!ctx.live()) return;
  const editor = h("textarea", { name: "manifest", rows: "24", spellcheck: "false", class: "code" });
  editor.value = JSON.stringify(current?.manifest ?? { tenant: ctx.tenant }, null, 2);
  const output = h("div", { class: "result", "aria-live": "polite" });
  const dialog = h("dialog", { "aria-labelledby": "confirm-title" });
  const form = h("form", { "aria-label": "Edit manifest" });

  const parsed = (): unknown | null => {
    try {
      return JSON.parse(editor.value);
    } catch (error) {
      output.replaceChildren(h("p", { class: "notice error", role: "alert" }, `Not JSON: ${(error as Error).message}`));
      return null;
    }
  };
  const issuesList = (issues: Issue[]) =>
    h(
      "ul",
      { class: "issues" },
      issues.map((i) => h("li", null, h("code", null, i.path ?? i.pointer ?? "/"), " ", i.message)),
    );
  const failure = (error: unknown) => {
    const issues = ((error as ApiError).body as { error?: { issues?: Issue[] } } | null)?.error?.issues;
    output.replaceChildren(
      h("p", { class: "notice error", role: "alert" }, (error as Error).message),
      issues ? issuesList(issues) : "",
    );
  };

  const validate = async () => {
    const body = parsed();
    if (body === null) return;
    try {
      const r = await json<{ valid: boolean; issues: Issue[] }>(adminPath("/manifest/validate"), {
        method: "POST",
        body,
      });
      output.replaceChildren(
        r.valid ? h("p", { class: "notice ok" }, "Valid.") : h("p", { class: "notice error" }, "Invalid:"),
        r.valid ? "" : issuesList(r.issues),
      );
    } catch (error) {
      failure(error);
    }
  };

  const review = async () => {
    const body = parsed();
    if (body === null) return;
    try {
      const plan = await json<{ changes: Change[]; current_version: number | null }>(adminPath("/manifest"), {
        method: "PUT",
        query: { dry_run: "true" },
        body,
      });
      output.replaceChildren(
        h("h2", null, `Diff against live version ${plan.current_version ?? "(none)"}`),
        diffTable(plan.changes),
      );
      if (!plan.changes.length) return;
      const apply = h("button", { type: "button" }, "Apply these changes");
      const cancel = h("button", { type: "button", class: "secondary" }, "Cancel");
      dialog.replaceChildren(
        h("h2", { id: "confirm-title" }, "Apply this manifest?"),
        h("p", null, `${plan.changes.length} change(s) go live for every request of ${ctx.tenant} at once:`),
        diffTable(plan.changes),
        h("div", { class: "actions" }, apply, cancel),
      );
      cancel.addEventListener("click", () => dialog.close());
      apply.addEventListener("click", async () => {
        apply.disabled = true;
        try {
          const r = await json<{ version: number }>(adminPath("/manifest"), { method: "PUT", body });
          dialog.close();
          ctx.invalidateModels();
          ctx.setParams(new URLSearchParams({ applied: String(r.version) }));
        } catch (error) {
          dialog.close();
          failure(error);
        }
      });
      dialog.showModal();
      cancel.focus();
    } catch (error) {
      failure(error);
    }
  };

  form.append(
    current
      ? h(
          "p",
          null,
          `Live version ${current.version}, applied by ${current.applied_by} at ${time(current.applied_at)}.`,
        )
      : h("p", null, "No manifest applied yet."),
    field("Manifest (JSON)", editor),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "secondary", onclick: () => void validate() }, "Validate"),
      h("button", { type: "submit" }, "Review changes…"),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void review();
  });
  if (ctx.params.get("applied")) notice(ctx.root, `Applied as version ${ctx.params.get("applied")}.`);
  ctx.root.append(form, output, dialog);

  const history = await json<{
    data: Array<{ version: number; applied_by: string; applied_at: number; changes?: unknown }>;
  }>(adminPath("/manifests"));
  if (!ctx.live()) return;
  ctx.root.append(
    h("h2", null, "History"),
    table(
      "Applied versions, newest first",
      [
        { label: "Version", cell: (v) => v.version, numeric: true },
        { label: "Applied by", cell: (v) => v.applied_by },
        { label: "At", cell: (v) => when(v.applied_at) },
        { label: "Changes", cell: (v) => (Array.isArray(v.changes) ? v.changes.length : "–"), numeric: true },
      ],
      history.data,
    ),
  );
}
