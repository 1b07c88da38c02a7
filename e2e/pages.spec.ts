import { expect, newAccount, signUp, test } from "./fixtures";

test.describe("the credits page", () => {
  test("pages through a long history, 20 entries at a time, without JavaScript", async ({
    page,
    admin: _admin,
    browser,
  }) => {
    const account = newAccount("history");
    const customerContext = await browser.newContext({ javaScriptEnabled: false });
    await signUp(customerContext.request, account);
    // 21 grants through the admin form's own endpoint, each with its own idempotency key.
    for (let i = 1; i <= 21; i++) {
      const res = await page.request.post("/admin?index", {
        form: {
          email: account.email,
          amount: "1000",
          reason: `Grant ${i}`,
          expiresOn: "",
          key: `e2e-history-${Date.now()}-${i}`,
        },
      });
      expect(res.ok()).toBeTruthy();
    }

    const customerPage = await customerContext.newPage();
    await customerPage.goto("/credits");
    await expect(customerPage.getByTestId("credit-balance")).toHaveText(/^21,000\s+credits$/);
    const history = customerPage.locator("section", {
      has: customerPage.getByRole("heading", { name: "Recent activity" }),
    });
    await expect(history.locator("tbody tr")).toHaveCount(20);
    await expect(history.getByRole("cell", { name: "Grant 21", exact: true })).toBeVisible();
    await expect(history.getByRole("cell", { name: "Grant 1", exact: true })).toHaveCount(0);

    await customerPage.getByRole("link", { name: "Older entries" }).click();
    const earlier = customerPage.locator("section", {
      has: customerPage.getByRole("heading", { name: "Earlier activity" }),
    });
    await expect(earlier.locator("tbody tr")).toHaveCount(1);
    await expect(earlier.getByRole("cell", { name: "Grant 1", exact: true })).toBeVisible();
    await expect(customerPage.getByRole("link", { name: "Older entries" })).toHaveCount(0);
    await customerPage.getByRole("link", { name: "Newest entries" }).click();
    await expect(customerPage).toHaveURL(/\/credits$/);
    await customerContext.close();
  });

  test("shows the balance by kind and points a customer without a plan to the plans", async ({
    page,
    customer: _customer,
  }) => {
    await page.goto("/credits");
    await expect(page.locator("dt")).toHaveText(["Subscription", "Promotional", "Top-up"]);
    await expect(page.getByText("You have no subscription.")).toBeVisible();
    await expect(page.getByRole("link", { name: "See the plans" })).toHaveAttribute("href", "/billing");
  });
});

test.describe("error pages", () => {
  test("an unknown address answers 404 with a page a person can use", async ({ page }) => {
    const res = await page.goto("/no-such-page");
    expect(res?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("404 Page not found");
    await expect(page.getByText("No route matches")).toHaveCount(0);
    await page.getByRole("link", { name: "Go to the start page" }).click();
    await expect(page).toHaveURL(/\/$/);
  });
});
