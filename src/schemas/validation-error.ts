// Turns the first zod issue into a 400 that names the offending field the way
// OpenAI does (`messages[0].content`), so a client knows exactly what to fix.
import type { z } from "zod";
import { invalidValue, missingParameter, unknownParameter, type GatewayError } from "../errors";

export function paramOf(path: readonly PropertyKey[]): string | null {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return path.length > 0 ? out : null;
}

/**
 * A union's own issue says only "Invalid input"; when exactly one of its
 * options got past the type check (a string array that is too long, not a
 * string), that option's issue is the one that tells the client what to fix.
 */
function telling(issue: z.core.$ZodIssue | undefined): z.core.$ZodIssue | undefined {
  if (issue?.code !== "invalid_union") return issue;
  const closer = issue.errors.filter((option) => option.length > 0 && option[0].code !== "invalid_type");
  if (closer.length !== 1) return issue;
  const inner = closer[0][0];
  return telling({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue);
}

export function validationError(error: z.ZodError): GatewayError {
  const issue = telling(error.issues[0]);
  if (issue?.code === "unrecognized_keys") {
    // Strict objects (feedback, feeds, export jobs): name the stray field
    // itself, as OpenAI does, not the object that holds it.
    const key = issue.keys[0];
    return unknownParameter(String(key), paramOf([...issue.path, key]));
  }
  const param = paramOf(issue?.path ?? []);
  const detail = issue?.message ?? "Invalid request.";
  const message = param ? `Invalid '${param}': ${detail}` : detail;
  return issue?.code === "invalid_type" && /received undefined/.test(detail)
    ? missingParameter(message, param)
    : invalidValue(message, param);
}
