// How numbers and times read in the console. Missing data is "–", never 0:
// the stats API says null where a version has no data.
const dash = "–";

export const num = (v: number | null | undefined) => (v === null || v === undefined ? dash : v.toLocaleString("en-US"));

export const pct = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined ? dash : `${(v * 100).toFixed(digits)}%`;

export const ms = (v: number | null | undefined) => (v === null || v === undefined ? dash : `${Math.round(v)} ms`);

export const fixed = (v: number | null | undefined, digits = 2) =>
  v === null || v === undefined ? dash : v.toFixed(digits);

export const time = (v: number | null | undefined) =>
  v === null || v === undefined ? dash : new Date(v).toISOString().replace("T", " ").slice(0, 19) + "Z";

/** A time as a <time> element (kept on one line in narrow tables). */
export const when = (v: number | null | undefined): HTMLElement | string => {
  if (v === null || v === undefined) return dash;
  const el = document.createElement("time");
  el.dateTime = new Date(v).toISOString();
  el.textContent = time(v);
  return el;
};

/** `datetime-local` input value (UTC) from epoch ms, and back. */
export const toLocalInput = (v: number) => new Date(v).toISOString().slice(0, 16);
export const fromLocalInput = (text: string): number | null => {
  if (!text) return null;
  const t = Date.parse(`${text}:00Z`);
  return Number.isFinite(t) ? t : null;
};

export const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
