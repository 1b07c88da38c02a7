import type { APIRequestContext, Page } from "@playwright/test";
import { DEMO_ADMIN, expect, logIn, test } from "./fixtures";

/*
 * Billing end to end: the production build with the offline Stripe the server starts for itself
 * (scripts/e2e-server.mjs puts its API on port E2E port + 1). The browser clicks through the
 * offline Checkout page; renewals are triggered like Stripe's test clocks, through the offline
 * Stripe's /_offline endpoints; credits arrive through real signed webhooks.
 */
const STRIPE_URL = `http://127.0.0.1:${process.env.E2E_STRIPE_PORT ?? Number(process.env.E2E_PORT ?? 3210) + 1}`;
const STRIPE_KEY = "sk_test_offline_0000000000000000000000000000";

async function balanceOnBilling(page: Page): Promise<number> {
  await page.goto("/billing");
  const text = (await page.getByTestId("billing-balance").textContent()) ?? "";
  return Number(text.replace(/[^\d]/g, ""));
}

/** The Stripe subscription of a customer, as the offline Stripe's API reports it. */
async function subscriptionIdOf(request: APIRequestContext, email: string): Promise<string> {
  const auth = { Authorization: `Bearer ${STRIPE_KEY}` };
  const customers = await (
    await request.get(`${STRIPE_URL}/v1/customers`, { params: { email }, headers: auth })
  ).json();
  const customer = customers.data[0].id as string;
  const subs = await (
    await request.get(`${STRIPE_URL}/v1/subscriptions`, { params: { customer }, headers: auth })
  ).json();
  return subs.data[0].id as string;
}

async function payOnCheckoutPage(page: Page) {
  await expect(page).toHaveURL(/\/_offline-stripe\/checkout\/cs_/);
  await page.getByRole("button", { name: /^Pay/ }).click();
  await expect(page).toHaveURL(/\/billing\/success\?session_id=cs_/);
}

test.describe("billing", () => {
  test("a customer buys a top-up pack through Checkout and sees the balance rise", async ({
    page,
    customer: _customer,
  }) => {
    expect(await balanceOnBilling(page)).toBe(0);

    await page.getByRole("button", { name: "Buy 500 credits" }).click();
    await payOnCheckoutPage(page);
    // "On its way" until the webhook has granted the credits; the page refreshes itself.
    await expect(page.getByTestId("checkout-granted")).toContainText("500 credits", { timeout: 15_000 });
    await expect(page.getByTestId("success-balance")).toHaveText("500 credits");

    expect(await balanceOnBilling(page)).toBe(500);
    await expect(page.getByTestId("payments").getByText("500 credits", { exact: true })).toBeVisible();
    await page.getByRole("link", { name: "See every grant, your usage and your history" }).click();
    await expect(page.getByTestId("credit-balance")).toHaveText(/^500\s+credits$/);
  });

  test("a customer subscribes, renews, upgrades and cancels", async ({ page, customer, request }) => {
    await page.goto("/billing");
    await page.getByRole("button", { name: "Subscribe to Starter" }).click();
    await payOnCheckoutPage(page);
    await expect(page.getByTestId("checkout-granted")).toContainText("1,000 credits", { timeout: 15_000 });

    await page.goto("/billing");
    await expect(page.getByTestId("current-plan")).toHaveText("Starter");
    await expect(page.getByTestId("subscription-status")).toHaveText("Active");
    await expect(page.getByTestId("renewal")).toContainText("Renews on");
    expect(await balanceOnBilling(page)).toBe(1000);
    // Legacy plans are never offered.
    await expect(page.getByText("Basic")).toHaveCount(0);

    // A renewal (the offline Stripe's test clock): a paid subscription_cycle invoice grants again.
    const subscriptionId = await subscriptionIdOf(request, customer.email);
    const renewed = await request.post(`${STRIPE_URL}/_offline/subscriptions/${subscriptionId}/renew`);
    expect(renewed.ok()).toBeTruthy();
    await expect.poll(() => balanceOnBilling(page), { timeout: 10_000 }).toBe(2000);

    // Upgrade: takes effect now; the paid subscription_update invoice grants Pro − Starter credits.
    await page.getByRole("button", { name: "Switch to Pro…" }).click();
    await page.getByRole("button", { name: "Yes, switch to Pro" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Upgraded" })).toBeVisible();
    await expect(page.getByTestId("current-plan")).toHaveText("Pro");
    await expect.poll(() => balanceOnBilling(page), { timeout: 10_000 }).toBe(2000 + 4000);

    // Cancel at period end: shown as ending, credits stay.
    const before = await balanceOnBilling(page);
    await page.getByRole("button", { name: "Cancel at period end…" }).click();
    await page.getByRole("button", { name: "Yes, cancel at period end" }).click();
    await expect(page.getByTestId("subscription-status")).toHaveText("Ends at period end");
    await expect(page.getByTestId("renewal")).toContainText("Ends on");
    await expect(page.getByRole("button", { name: "Resume subscription" })).toBeVisible();
    expect(await balanceOnBilling(page)).toBe(before);
  });

  test("a customer schedules a downgrade that shows as pending until renewal", async ({ page, customer, request }) => {
    await page.goto("/billing");
    await page.getByRole("button", { name: "Subscribe to Pro" }).click();
    await payOnCheckoutPage(page);
    await expect(page.getByTestId("checkout-granted")).toContainText("5,000 credits", { timeout: 15_000 });

    await page.goto("/billing");
    await page.getByRole("button", { name: "Switch to Starter…" }).click();
    await page.getByRole("button", { name: "Yes, switch to Starter" }).click();
    await expect(page.getByTestId("pending-plan")).toContainText("Starter");
    await expect(page.getByTestId("current-plan")).toHaveText("Pro");

    const subscriptionId = await subscriptionIdOf(request, customer.email);
    expect((await request.post(`${STRIPE_URL}/_offline/subscriptions/${subscriptionId}/renew`)).ok()).toBeTruthy();
    await expect.poll(() => balanceOnBilling(page), { timeout: 10_000 }).toBe(6000);
    await expect(page.getByTestId("current-plan")).toHaveText("Starter");
    await expect(page.getByTestId("pending-plan")).toHaveCount(0);
  });

  test("the customer portal opens from the billing page", async ({ page, customer: _customer }) => {
    await page.goto("/billing");
    await page.getByRole("button", { name: "Open the customer portal" }).click();
    await expect(page).toHaveURL(/\/_offline-stripe\/portal\//);
    await page.getByRole("link", { name: "Return" }).click();
    await expect(page).toHaveURL(/\/billing$/);
  });

  test("an admin sees an event held for a price without credits, creates the plan and replays it", async ({
    page,
    customer,
    request,
  }) => {
    const auth = { Authorization: `Bearer ${STRIPE_KEY}` };
    // The customer's Stripe customer exists once they opened the portal.
    await page.goto("/billing");
    await page.getByRole("button", { name: "Open the customer portal" }).click();
    await expect(page).toHaveURL(/\/_offline-stripe\/portal\//);
    const customers = await (
      await request.get(`${STRIPE_URL}/v1/customers`, { params: { email: customer.email }, headers: auth })
    ).json();
    const customerId = customers.data[0].id as string;

    // A price made in the Stripe Dashboard without credits metadata, sold to this customer.
    const price = await (
      await request.post(`${STRIPE_URL}/v1/prices`, {
        headers: auth,
        form: { currency: "usd", unit_amount: "900", "product_data[name]": "Dashboard pack" },
      })
    ).json();
    const session = await (
      await request.post(`${STRIPE_URL}/v1/checkout/sessions`, {
        headers: auth,
        form: {
          mode: "payment",
          customer: customerId,
          "line_items[0][price]": price.id,
          "line_items[0][quantity]": "1",
          success_url: "http://localhost/billing/success",
        },
      })
    ).json();
    expect((await request.post(`${STRIPE_URL}/_offline/checkout/sessions/${session.id}/pay`)).ok()).toBeTruthy();

    await logIn(page.request, DEMO_ADMIN);
    await page.goto("/admin/events");
    const row = page.locator("tr", { hasText: "checkout.session.completed" }).filter({ hasText: price.id });
    await expect(row).toContainText("held");
    await expect(row).toContainText("credits metadata");

    const created = await page.request.post("/api/admin/topup-plans", {
      data: {
        internalId: `dashboard-${Date.now()}`,
        publicName: "Dashboard pack",
        credits: 900,
        stripePriceId: price.id,
      },
    });
    expect(created.status()).toBe(201);
    await row.getByRole("button", { name: "Replay" }).click();
    await expect(page.getByRole("status")).toContainText("was replayed: processed");
    await expect(page.locator("tr", { hasText: price.id })).toHaveCount(0);
  });

  test("the offline Checkout's Pay button refuses a cross-site post, and works from its own page", async ({
    page,
    customer: _customer,
    playwright,
  }) => {
    await page.goto("/billing");
    await page.getByRole("button", { name: "Buy 500 credits" }).click();
    await expect(page).toHaveURL(/\/_offline-stripe\/checkout\/cs_/);
    const payUrl = `${page.url().replace(/\/$/, "")}/pay`;

    // What a page on another site gets when it posts a form there (no cookie needed: the session id is in the URL).
    const stranger = await playwright.request.newContext();
    const crossSite = await stranger.post(payUrl, {
      headers: {
        Origin: "https://evil.example",
        "Sec-Fetch-Site": "cross-site",
        "Content-Type": "application/x-www-form-urlencoded",
      },
      data: "",
      maxRedirects: 0,
    });
    expect(crossSite.status()).toBe(403);
    const nullOrigin = await stranger.post(payUrl, { headers: { Origin: "null" }, data: "", maxRedirects: 0 });
    expect(nullOrigin.status()).toBe(403);
    await stranger.dispose();

    expect(await balanceOnBilling(page)).toBe(0);
    await page.goBack();
    await payOnCheckoutPage(page);
    await expect(page.getByTestId("checkout-granted")).toContainText("500 credits", { timeout: 15_000 });
  });
});
