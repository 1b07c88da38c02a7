import { expect, test } from "@playwright/test";

test("the landing page and the health check answer", async ({ page, request }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  const health = await request.get("/healthz");
  expect(health.status()).toBe(200);
});
