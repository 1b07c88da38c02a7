import { DEMO_ADMIN, expect, logIn, test } from "./fixtures";

/*
 * Rollover end to end: an admin sets a plan's rollover terms in the price book, a customer
 * subscribes through the offline Checkout, and "Renew now" on the offline Stripe's trigger page
 * renews it: the unused credits of the ending period roll over as their own grant.
 */
const STRIPE_URL = `http://127.0.0.1:${process.env.E2E_STRIPE_PORT ?? Number(process.env.E2E_PORT ?? 3210) + 1}`;

test("a plan's unused credits roll over at renewal and the customer sees them as rolled over", async ({
  page,
  browser,
  customer: _customer,
}) => {
  // The admin creates a plan that rolls 50 % over, at most 400 credits.
  const family = `roll${Date.now().toString(36)}`;
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await logIn(admin.request, DEMO_ADMIN);
  await admin.goto("/admin/plans/new?kind=subscription");
  await admin.getByLabel("Plan family").fill(family);
  await admin.getByLabel("Public name").fill(`Rollover ${family}`);
  await admin.getByLabel("Credits per billing period").fill("1000");
  await admin.getByLabel("Price", { exact: true }).fill("12.00");
  await admin.getByLabel("Rollover (%)").fill("50");
  await admin.getByLabel("Rollover cap (credits)").fill("400");
  await admin.getByRole("button", { name: "Create plan" }).click();
  await expect(admin).toHaveURL(/\/admin\/plans/);
  await expect(admin.getByRole("row").filter({ hasText: family })).toContainText("50% ≤ 400");
  await adminContext.close();

  // The customer subscribes and pays on the offline Checkout page.
  await page.goto("/billing");
  await page.getByRole("button", { name: `Subscribe to Rollover ${family}` }).click();
  await expect(page).toHaveURL(/\/_offline-stripe\/checkout\/cs_/);
  await page.getByRole("button", { name: /^Pay/ }).click();
  await expect(page.getByTestId("checkout-granted")).toContainText("1,000 credits", { timeout: 15_000 });

  // "Renew now" on the offline Stripe's trigger page (the newest subscription is listed first).
  await page.goto(`${STRIPE_URL}/_offline`);
  await page.getByRole("button", { name: "Renew now" }).first().click();
  // The trigger page says what it did.
  await expect(page.getByText(/moved to its next period and the payment went through/)).toBeVisible();

  // 1,000 unused → 50 % = 500, capped at 400; plus the new period's 1,000.
  await expect
    .poll(
      async () => {
        await page.goto("/credits");
        return (await page.getByTestId("credit-balance").textContent())?.replace(/\s+/g, " ");
      },
      { timeout: 10_000 },
    )
    .toBe("1,400 credits");
  const rolled = page.getByRole("row").filter({ hasText: `Rolled over from Rollover ${family}` });
  await expect(rolled.first()).toBeVisible();
  await expect(rolled.first()).toContainText("400");
});
