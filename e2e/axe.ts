import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/**
 * axe on the page as it is now: no serious or critical violation, and no content outside a
 * landmark (`region`, moderate, but it means a screen reader's landmark list misses something).
 */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical" || v.id === "region");
  expect(
    bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    label,
  ).toEqual([]);
}

/** The same, with the pointer over the page's first primary button (its hover colour must contrast too). */
export async function expectHoverContrast(page: Page, label: string): Promise<void> {
  const primary = page.locator("main button.bg-indigo-600, main a.bg-indigo-600").first();
  await primary.hover();
  const results = await new AxeBuilder({ page }).withRules(["color-contrast"]).analyze();
  expect(
    results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    `${label} (primary button hovered)`,
  ).toEqual([]);
}

/**
 * A PNG of the page for the next reviewer: into docs/screens/ with SCREENSHOTS=1 (then compress them
 * with pngquant before committing), else into test-results/ so a test run leaves the tree clean.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const width = page.viewportSize()?.width ?? 1280;
  const dir = process.env.SCREENSHOTS === "1" ? "docs/screens" : "test-results/screens";
  await page.screenshot({ path: `${dir}/${name}-${width}.png`, fullPage: true, scale: "css" });
}
