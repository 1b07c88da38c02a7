import type { Page } from "@playwright/test";
import { expectAccessible, screenshot } from "./axe";
import { DEMO_ADMIN, expect, logIn, newAccount, signUp, test } from "./fixtures";

/*
 * Issue 26 item 8–10: pages say what is true in people's words — dates as dates, names instead of
 * codes, ids as links to where they can be seen — every tab is titled as its page is headed, and
 * the demo's offline Stripe (portal, checkout, triggers) names plans and customers.
 */

/** The tab says what the page says: its heading, then the product. */
async function expectTitleIsHeading(page: Page) {
  const heading = (await page.locator("h1").first().textContent())?.trim();
  expect(heading, `heading of ${page.url()}`).toBeTruthy();
  await expect(page).toHaveTitle(`${heading} — Credits`);
}

test("charts say days as dates, and every page a person visits is titled as it is headed", async ({ page }) => {
  test.setTimeout(120_000);
  const someone = newAccount("words");
  await signUp(page.request, someone);
  for (const path of ["/credits", "/billing", "/account", "/docs/api", "/no-such-page"]) {
    await page.goto(path);
    await expectTitleIsHeading(page);
  }
  await page.goto("/credits");
  const axis = page.getByTestId("usage-chart").locator("svg text").first();
  await expect(axis).toHaveText(/^[A-Z][a-z]{2} \d{1,2}, \d{4}$/);

  const admin = await page.context().browser()!.newContext();
  const adminPage = await admin.newPage();
  await logIn(adminPage.request, DEMO_ADMIN);
  for (const path of [
    "/admin",
    "/admin/customers",
    "/admin/reports",
    "/admin/plans",
    "/admin/plans/new?kind=topup",
    "/admin/events",
    "/admin/audit",
    "/admin/import",
    "/admin/outbox",
  ]) {
    await adminPage.goto(path);
    await expectTitleIsHeading(adminPage);
  }
  await adminPage.goto("/admin/reports");
  await expect(adminPage.locator("figure svg text").first()).toHaveText(/^[A-Z][a-z]{2} \d{1,2}, \d{4}$/);
  await admin.close();

  await page.goto("/logout");
  await page.goto("/reset-password?token=not-a-live-token");
  await expectTitleIsHeading(page);
  await expect(page).toHaveTitle("This link no longer works — Credits");
});

test("the audit log reads as what happened, with details in words instead of JSON", async ({ page, admin: _admin }) => {
  // Two axe runs over a long table on a shared machine: a budget for the work, not a wait.
  test.setTimeout(120_000);
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto("/admin/audit");
    const table = page.getByRole("table", { name: "Audit log entries" });
    await expect(table.getByRole("cell", { name: "Plan created" }).first()).toBeVisible();
    await expect(table.getByText("Plan:", { exact: false }).first()).toBeVisible();
    await expect(table).not.toContainText('{"');
    await expect(table).not.toContainText("topup_plan:");
    await expectAccessible(page, `/admin/audit at ${width}px`);
    await screenshot(page, "admin-audit");
  }
});

test("demo: the portal names the plan and offers card and invoices; the banner's trigger page names and confirms", async ({
  page,
  customer,
}) => {
  test.setTimeout(120_000);
  await page.goto("/billing");
  await page.getByRole("button", { name: "Subscribe to Starter" }).click();
  await expect(page).toHaveURL(/\/_offline-stripe\/checkout\/cs_/);
  // The checkout names the plan and fits a phone's width.
  await expect(page.getByRole("cell", { name: "Starter", exact: true })).toBeVisible();
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    await screenshot(page, "offline-checkout");
  }
  await page.getByRole("button", { name: /^Pay/ }).click();
  await expect(page.getByTestId("checkout-granted")).toContainText("1,000 credits", { timeout: 15_000 });

  await page.goto("/billing");
  await page.getByRole("button", { name: "Open the customer portal" }).click();
  await expect(page).toHaveURL(/\/_offline-stripe\/portal\//);
  await expect(page.getByRole("heading", { name: "Starter — $10.00 / month" })).toBeVisible();
  await expect(page.getByTestId("portal-invoices")).toContainText("$10.00");
  await page.getByLabel("New card number").fill("5555 5555 5555 4444");
  await page.getByRole("button", { name: "Update card" }).click();
  await expect(page.getByRole("status")).toHaveText("Your card was updated.");
  await expect(page.getByTestId("portal-card")).toContainText("ending in 4444");
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    await screenshot(page, "offline-portal");
  }

  await page.goto("/billing");
  await page.getByRole("link", { name: "Renew, decline or refund in the test Stripe" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Test triggers" })).toBeVisible();
  const mine = page.locator("section", { hasText: `${customer.name} (${customer.email}) — Starter` });
  await mine.getByRole("button", { name: "Decline the next payment" }).click();
  await expect(page.getByTestId("trigger-result")).toHaveText(
    `The next payment of ${customer.name} (${customer.email}) for Starter will be declined.`,
  );
  await page.getByRole("link", { name: "Back to the triggers" }).click();
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await expect(mine).toContainText("the next payment will be declined");
    await screenshot(page, "offline-triggers");
  }
});
