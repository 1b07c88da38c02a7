import type { Browser, Page } from "@playwright/test";
import { expectAccessible, screenshot } from "./axe";
import { DEMO_ADMIN, expect, logIn, newAccount, signUp, test, type Account } from "./fixtures";

/*
 * Issue 26's customer additions: the customer's own low-balance alert level on /account, the
 * admin's refund of a top-up from the customer page (review, confirm, then the charge.refunded
 * webhook's clawback shows on the page), with JavaScript and without; and the next invoice on
 * /billing for a subscriber. Each new state passes axe at 1280 and 390 px and leaves a screenshot.
 */

async function payOnCheckoutPage(page: Page) {
  await expect(page).toHaveURL(/\/_offline-stripe\/checkout\/cs_/);
  await page.getByRole("button", { name: /^Pay/ }).click();
  await expect(page).toHaveURL(/\/billing\/success\?session_id=cs_/);
}

/** A new customer in their own browser context (JavaScript on: the offline Checkout page is the same either way). */
async function customerIn(browser: Browser, label: string): Promise<{ page: Page; account: Account }> {
  const page = await (await browser.newContext()).newPage();
  const account = newAccount(label);
  await signUp(page.request, account);
  return { page, account };
}

/** Opens the admin page of a customer through the customers list, as an admin would. */
async function openCustomer(admin: Page, email: string): Promise<void> {
  await admin.goto(`/admin/customers?q=${email.split("-")[2]}`);
  await admin.getByRole("link", { name: email }).click();
  await expect(admin.getByRole("heading", { level: 1 })).toBeVisible();
}

async function checkBothWidths(page: Page, name: string): Promise<void> {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await expectAccessible(page, `${name} at ${width}px`);
    await screenshot(page, name);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? "js" : "nojs";
  test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled });

    test("a customer sets their low-balance alert level, sees an error first, and finds it kept", async ({
      page,
      customer: _customer,
    }) => {
      // Two axe runs and screenshots at two widths on a shared machine: a budget for the work, not a wait.
      test.setTimeout(90_000);
      await page.goto("/account");
      await expect(page.getByTestId("low-balance-level")).toContainText("below 100 credits (the default)");
      const level = page.getByLabel("Alert me below (credits)");
      await level.fill("-5");
      await page.getByRole("button", { name: "Save alert level" }).click();
      await expect(page.getByText("Enter a whole number of credits from 0")).toBeVisible();

      await level.fill("250");
      await page.getByRole("button", { name: "Save alert level" }).click();
      await expect(page.getByRole("status").filter({ hasText: "below 250 credits" })).toBeVisible();
      if (javaScriptEnabled) await checkBothWidths(page, "account-alert-saved");

      await page.reload();
      await expect(page.getByLabel("Alert me below (credits)")).toHaveValue("250");
      await expect(page.getByTestId("low-balance-level")).toHaveText(
        "You are alerted when your balance falls below 250 credits.",
      );
    });

    test("an admin refunds a customer's top-up after a review, and the webhook takes its credits back", async ({
      page,
      browser,
    }) => {
      // A checkout, a refund, its webhook and four axe runs on a shared machine: a budget for the work, not a wait.
      test.setTimeout(180_000);
      const { page: buyer, account } = await customerIn(browser, `refund-${mode}`);
      await buyer.goto("/billing");
      await buyer.getByRole("button", { name: "Buy 500 credits" }).click();
      await payOnCheckoutPage(buyer);
      await expect(buyer.getByTestId("checkout-granted")).toContainText("500 credits", { timeout: 15_000 });

      await logIn(page.request, DEMO_ADMIN);
      await openCustomer(page, account.email);
      await expect(page.getByTestId("customer-balance")).toContainText("500");
      await expect(page.getByTestId("admin-auto-topup")).toContainText("Off");

      // More than was paid is refused, beside the field.
      const form = page.getByTestId("refund-form");
      await form.getByLabel("Amount").fill("9999");
      await form.getByRole("button", { name: "Review refund" }).click();
      await expect(page.getByText("That is more than is left to refund of this payment")).toBeVisible();

      // The review says what happens; nothing is refunded until it is confirmed.
      await form.getByLabel("Amount").fill("");
      await form.getByRole("button", { name: "Review refund" }).click();
      const confirm = page.getByTestId("confirm");
      await expect(confirm).toContainText("Refund $");
      await expect(confirm).toContainText("500 credits it paid for leave the balance");
      if (javaScriptEnabled) await checkBothWidths(page, "admin-customer-refund-review");
      await confirm.getByRole("button", { name: "Yes, refund it" }).click();
      await expect(page.getByTestId("toast")).toContainText("Refunded $");

      // The charge.refunded webhook removes the credits; the page shows it once it has.
      await expect
        .poll(
          async () => {
            await page.reload();
            return (await page.getByTestId("ledger").textContent()) ?? "";
          },
          { timeout: 15_000 },
        )
        .toContain("Refund of top-up purchase");
      await expect(page.getByTestId("customer-balance")).not.toContainText("500");
      await expect(page.getByTestId("payments")).toContainText("refunded");
      if (javaScriptEnabled) await checkBothWidths(page, "admin-customer-refunded");
      await buyer.context().close();
    });
  });
}

test("a subscriber sees the amount and date of their next invoice on /billing", async ({ page, customer: _c }) => {
  test.setTimeout(90_000);
  await page.goto("/billing");
  await page.getByRole("button", { name: "Subscribe to Starter" }).click();
  await payOnCheckoutPage(page);
  await expect(page.getByTestId("checkout-granted")).toContainText("1,000 credits", { timeout: 15_000 });
  await page.goto("/billing");
  await expect(page.getByTestId("next-invoice")).toHaveText(
    /^Next invoice: \$\d+\.\d\d on [A-Z][a-z]{2} \d{1,2}, \d{4}\.$/,
  );
  await checkBothWidths(page, "billing-next-invoice");
});
