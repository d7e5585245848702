// Screenshots of each console page at a desktop (1280×800) and a phone
// (390×844) viewport into test-results/ (ignored by git).
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { ROOT } from "../../scripts/lib/offline-env";

export const RESULTS = path.join(ROOT, "test-results");
const VIEWPORTS = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
];

export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  const original = page.viewportSize();
  for (const v of VIEWPORTS) {
    await page.setViewportSize({ width: v.width, height: v.height });
    // Charts size themselves on resize; let a frame pass.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.screenshot({ path: path.join(RESULTS, `${name}-${v.name}.png`), fullPage: true });
  }
  if (original) await page.setViewportSize(original);
}
