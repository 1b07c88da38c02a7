import AxeBuilder from "@axe-core/playwright";
import { validate } from "@readme/openapi-parser";
import { expect, test } from "./fixtures";

// The OpenAPI document over HTTP (no key) from the production build, and /docs/api, the page that
// renders it: every operation and webhook in the document is on the page, without JavaScript, and
// the page passes axe at desktop and phone widths.

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string }>>;
  webhooks: Record<string, unknown>;
};

test.describe("the API reference", () => {
  test("GET /api/v1/openapi.json answers a valid OpenAPI 3.1 document without a key", async ({ request }) => {
    const res = await request.get("/api/v1/openapi.json");
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toContain("application/json");
    const doc = (await res.json()) as Doc;
    expect(doc.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/users/{userId}/deductions",
        "/api/v1/deductions/batch",
        "/api/admin/topup-plans",
      ]),
    );
    expect(Object.keys(doc.webhooks)).toEqual(expect.arrayContaining(["credits.granted", "balance.low"]));
    // Only GET: the document is not a resource to change.
    expect((await request.post("/api/v1/openapi.json")).status()).toBe(405);
  });

  test("lists every operation and webhook of the document, readable without JavaScript", async ({
    browser,
    request,
  }) => {
    const doc = (await (await request.get("/api/v1/openapi.json")).json()) as Doc;
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const res = await page.goto("/docs/api");
    expect(res?.status()).toBe(200);
    await expect(page.getByRole("heading", { level: 1, name: "API reference" })).toBeVisible();

    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => `op-${op.operationId}`));
    expect(ids.length).toBeGreaterThan(15);
    const sections = await page.locator("section[id^='op-']").evaluateAll((els) => els.map((e) => e.id));
    expect(sections.sort()).toEqual([...ids].sort());
    // The contents link to every one of them.
    const links = await page
      .locator("nav a[href^='#op-']")
      .evaluateAll((els) => els.map((e) => e.getAttribute("href")));
    expect(links.sort()).toEqual(ids.map((id) => `#${id}`).sort());
    const hooks = await page.locator("section[id^='webhook-']").evaluateAll((els) => els.map((e) => e.id));
    expect(hooks.sort()).toEqual(
      Object.keys(doc.webhooks)
        .map((t) => `webhook-${t.replace(/\./g, "-")}`)
        .sort(),
    );

    // One operation in full: method and path, parameters, body fields, answer, errors, example
    // (<details> open without JavaScript).
    const deduct = page.locator("section#op-createDeduction");
    await expect(deduct.locator("h3")).toHaveText("Spend credits");
    await expect(deduct).toContainText("/api/v1/users/{userId}/deductions");
    await deduct.locator("summary", { hasText: "Parameters, body, answers and errors" }).click();
    await expect(deduct.locator("th[scope=row] code", { hasText: "Idempotency-Key" })).toBeVisible();
    await expect(deduct.locator("th[scope=row] code", { hasText: /^amount$/ })).toBeVisible();
    await expect(deduct).toContainText("1 to 1,000,000,000,000");
    await expect(deduct).toContainText("402 — insufficient_credits");
    await deduct.locator("summary", { hasText: "Example body" }).click();
    await expect(deduct.locator("pre").first()).toContainText('"amount": 25');

    // A named schema's link goes to its section.
    await deduct.locator("a[href='#schema-Deduction']").first().click();
    await expect(page).toHaveURL(/#schema-Deduction$/);
    const schema = page.locator("section#schema-Deduction");
    await schema.locator("summary").first().click();
    await expect(schema.locator("th[scope=row] code", { hasText: "allocations" })).toBeVisible();
    await context.close();
  });

  test("has no serious or critical axe violations at 1280 and 390 px, and never scrolls sideways", async ({ page }) => {
    // Two full axe runs of a long page on a shared machine: a budget for the work, not a wait for a race.
    test.setTimeout(240_000);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto("/docs/api");
      const results = await new AxeBuilder({ page }).analyze();
      const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `scrolls sideways at ${width}px`).toBeLessThanOrEqual(0);
    }
  });

  test("is linked from an administrator's navigation", async ({ page, admin: _admin }) => {
    await page.goto("/admin");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API" }).click();
    await expect(page).toHaveURL(/\/docs\/api$/);
    await expect(page.getByRole("heading", { level: 1, name: "API reference" })).toBeVisible();
  });
});
