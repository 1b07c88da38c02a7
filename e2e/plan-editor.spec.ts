import { DEMO_ADMIN, expect, logIn, newAccount, signUp, test } from "./fixtures";

/*
 * The price book as an admin uses it: create a draft (inactive) plan, edit it on its page ("Save
 * changes", with an error first), publish it from the price book after a confirmation, and see it
 * on sale on a customer's billing page. With JavaScript and without.
 */

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled });

    test("an admin edits a draft plan, publishes it, and customers can subscribe to it", async ({ page, browser }) => {
      // Two logins, a signup and a dozen page loads on a shared machine: a budget for the work, not a wait for a race.
      test.setTimeout(90_000);
      const family = `ed${javaScriptEnabled ? "js" : "nojs"}${Date.now().toString(36)}`;
      await logIn(page.request, DEMO_ADMIN);

      // A draft: created inactive, so nobody is offered it yet.
      await page.goto("/admin/plans/new?kind=subscription");
      await page.getByLabel("Plan family").fill(family);
      await page.getByLabel("Public name").fill(`Draft ${family}`);
      await page.getByLabel("Credits per billing period").fill("700");
      await page.getByLabel("Price", { exact: true }).fill("7.00");
      await page.getByLabel("Active (offered to customers right away)").uncheck();
      await page.getByRole("button", { name: "Create plan" }).click();
      await expect(page).toHaveURL(/\/admin\/plans$/);
      await expect(page.getByTestId("toast")).toContainText(`Draft ${family}” was created`);
      const row = page.getByTestId("subscription-plans").getByRole("row").filter({ hasText: family });
      await expect(row).toContainText("Inactive");

      // The editor refuses an empty name, saying why, and saves a good one.
      await row.getByRole("link", { name: "Edit" }).click();
      await expect(page.getByRole("heading", { level: 1, name: new RegExp(`Draft ${family}`) })).toBeVisible();
      await page.getByLabel("Public name").fill("");
      await page.getByRole("button", { name: "Save changes" }).click();
      await expect(page.getByText("Enter the name customers see.")).toBeVisible();
      await page.getByLabel("Public name").fill(`Edited ${family}`);
      await page.getByLabel("Credits expire after (days)").fill("45");
      await page.getByRole("button", { name: "Save changes" }).click();
      await expect(page.getByRole("status").filter({ hasText: "Saved" })).toBeVisible();
      await expect(page.getByRole("heading", { level: 1, name: new RegExp(`Edited ${family}`) })).toBeVisible();

      // Still a draft: customers do not see it.
      const customerContext = await browser.newContext({ javaScriptEnabled });
      const customer = await customerContext.newPage();
      await signUp(customer.request, newAccount("plan-editor"));
      await customer.goto("/billing");
      await expect(customer.getByRole("button", { name: `Subscribe to Edited ${family}` })).toHaveCount(0);

      // Published from the price book, after a confirmation.
      await page.goto("/admin/plans");
      await row.getByRole("button", { name: "Publish" }).click();
      const confirm = page.getByTestId("confirm-publish");
      await expect(confirm).toContainText(`Edited ${family}`);
      await confirm.getByRole("button", { name: "Yes, publish it" }).click();
      await expect(page.getByRole("status").filter({ hasText: "is on sale" })).toBeVisible();
      await expect(row).toContainText("Active");
      await expect(row).toContainText("45 days");

      await customer.goto("/billing");
      await expect(customer.getByRole("button", { name: `Subscribe to Edited ${family}` })).toBeVisible();
      await customerContext.close();
    });
  });
}
