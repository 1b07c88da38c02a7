import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import fs from "node:fs";
import { DEMO_ADMIN, expect, logIn, newAccount, signUp, test } from "./fixtures";

/*
 * The admin console as a support person uses it: find a customer, void and adjust through the
 * confirmation step (with JavaScript and without), export the ledger, read the reports and a
 * Stripe event. Runs against the production build with the offline Stripe.
 */

async function balanceOf(page: Page): Promise<number> {
  return Number(((await page.getByTestId("customer-balance").textContent()) ?? "").replace(/[^\d]/g, ""));
}

/** The search term: the random middle of a fixture email, so only that customer matches. */
function partOf(email: string): string {
  return email.split("-")[2];
}

async function findCustomer(page: Page, email: string) {
  await page.goto("/admin/customers");
  await page.getByLabel("Search").fill(partOf(email));
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("customers").getByRole("link")).toHaveText([email]);
  await page.getByRole("link", { name: email }).click();
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
}

async function adjust(page: Page, amount: string, reason: string) {
  const form = page.locator("form#adjust");
  await form.getByLabel("Credits").fill(amount);
  await form.getByLabel("Reason").fill(reason);
  await form.getByRole("button", { name: "Review adjustment" }).click();
  const confirm = page.getByTestId("confirm");
  await expect(confirm).toBeVisible();
  await confirm.getByRole("button", { name: "Yes, adjust" }).click();
  await expect(page.getByTestId("toast")).toBeVisible();
}

async function voidGrant(page: Page, grantId: string) {
  await page.getByRole("button", { name: `Void grant #${grantId}` }).click();
  const confirm = page.getByTestId("confirm");
  await expect(confirm).toContainText(`Void grant #${grantId}?`);
  await confirm.getByRole("button", { name: "Yes, void it" }).click();
  await expect(page.getByTestId("toast")).toContainText(`Voided grant #${grantId}`);
}

test.describe("admin console", () => {
  test("with JavaScript: find a customer, void a grant, adjust −50 / +200, export the ledger, read reports and an event", async ({
    page,
    customer,
  }) => {
    // The customer buys a top-up, so there is a grant to void and a Stripe event to open.
    await page.goto("/billing");
    await page.getByRole("button", { name: "Buy 500 credits" }).click();
    await expect(page).toHaveURL(/\/_offline-stripe\/checkout\/cs_/);
    await page.getByRole("button", { name: /^Pay/ }).click();
    await expect(page.getByTestId("checkout-granted")).toContainText("500 credits", { timeout: 15_000 });

    await logIn(page.request, DEMO_ADMIN);
    await findCustomer(page, customer.email);
    expect(await balanceOf(page)).toBe(500);

    const grantId = (await page
      .getByTestId("grants")
      .locator("tr[data-grant-id]")
      .first()
      .getAttribute("data-grant-id"))!;
    await voidGrant(page, grantId);
    expect(await balanceOf(page)).toBe(0);

    await adjust(page, "200", "Goodwill after the outage");
    expect(await balanceOf(page)).toBe(200);
    await adjust(page, "-50", "Refund taken back");
    expect(await balanceOf(page)).toBe(150);

    // The export matches the ledger shown on the page.
    const downloading = page.waitForEvent("download");
    await page.getByRole("link", { name: "Download CSV" }).click();
    const file = await (await downloading).path();
    const lines = fs.readFileSync(file!, "utf8").trim().split("\r\n");
    expect(lines[0]).toBe("id,createdAt,type,amount,balanceAfter,reason,actor,allocations");
    const rows = lines.slice(1).map((l) => l.split(","));
    expect(rows.map((r) => [r[2], r[3], r[4]])).toEqual([
      ["grant", "500", "500"],
      ["void", "-500", "0"],
      ["adjustment", "200", "200"],
      ["adjustment", "-50", "150"],
    ]);
    const shownIds = await page.getByTestId("ledger").locator("tbody tr").count();
    expect(shownIds).toBe(rows.length);

    // Every step is in the customer's audit trail.
    await expect(
      page
        .getByRole("region", { name: "Audit trail" })
        .or(page.locator("section", { hasText: "Audit trail" }))
        .first(),
    ).toContainText("Balance adjusted");

    await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Reports" }).click();
    await expect(page.getByRole("heading", { name: "Reports", level: 1 })).toBeVisible();
    await expect(page.getByTestId("chart-granted").locator("svg")).toBeVisible();
    await page.getByRole("link", { name: "90 days" }).click();
    await expect(page).toHaveURL(/days=90/);

    await page.goto("/admin/events?show=all");
    const eventId = (await page.locator("[data-event]").first().getAttribute("data-event"))!;
    await page.goto(`/admin/events/${eventId}`);
    await expect(page.getByTestId("event-payload")).toContainText(`"id": "${eventId}"`);
    await expect(page.getByTestId("event-status")).toBeVisible();
  });

  test("without JavaScript: field errors, then adjust +200 / −50 and void through the confirmation step", async ({
    browser,
    request,
  }) => {
    const account = newAccount("nojs");
    await signUp(request, account);
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await logIn(page.request, DEMO_ADMIN);
    await findCustomer(page, account.email);
    expect(await balanceOf(page)).toBe(0);

    // Every field error at once, in words, next to its field.
    await page.locator("form#adjust").getByRole("button", { name: "Review adjustment" }).click();
    await expect(page.locator("form#adjust")).toContainText("Enter a number of credits");
    await expect(page.locator("form#adjust")).toContainText("Say why; the customer sees this");

    await adjust(page, "200", "Welcome credits");
    expect(await balanceOf(page)).toBe(200);
    await adjust(page, "-50", "Taken back");
    expect(await balanceOf(page)).toBe(150);
    const grantId = (await page
      .getByTestId("grants")
      .locator("tr[data-grant-id]")
      .first()
      .getAttribute("data-grant-id"))!;
    await voidGrant(page, grantId);
    expect(await balanceOf(page)).toBe(0);
    await context.close();
  });

  test("every admin page has no serious or critical axe violations at 1280 and 390 px", async ({
    page,
    admin: _admin,
    request,
  }) => {
    // Eighteen full axe runs on a shared machine: a budget for the work, not a wait for a race.
    test.setTimeout(240_000);
    const someone = newAccount("axe");
    await signUp(request, someone);
    await page.goto(`/admin/customers?q=${partOf(someone.email)}`);
    await page.getByRole("link", { name: someone.email }).click();
    const customerPath = new URL(page.url()).pathname;
    await page.goto("/admin/events?show=all");
    const events = page.locator("[data-event]");
    const eventId = (await events.count()) > 0 ? await events.first().getAttribute("data-event") : null;

    const paths = [
      "/admin",
      "/admin/customers",
      customerPath,
      "/admin/reports",
      "/admin/audit",
      "/admin/events",
      "/admin/plans",
      "/admin/import",
      ...(eventId ? [`/admin/events/${eventId}`] : []),
    ];
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      for (const path of paths) {
        await page.goto(path);
        const results = await new AxeBuilder({ page }).analyze();
        const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
        expect(
          bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
          `${path} at ${width}px`,
        ).toEqual([]);
        // Nothing wider than the screen: the page never scrolls sideways.
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        expect(overflow, `${path} at ${width}px scrolls sideways`).toBeLessThanOrEqual(0);
      }
    }
  });
});
