import AxeBuilder from "@axe-core/playwright";
import type { APIRequestContext, Browser, Page } from "@playwright/test";
import { DEMO_ADMIN, expect, logIn, newAccount, signUp, test, type Account } from "./fixtures";

/*
 * The customer's side (issue 12): warnings before credits expire, usage over time and the history
 * CSV, an upgrade through Stripe's invoice preview and a confirmation, the payments and the
 * subscription history — with JavaScript and without — and axe on every customer page.
 * Production build, offline Stripe (its API on E2E port + 1).
 */
const STRIPE_URL = `http://127.0.0.1:${process.env.E2E_STRIPE_PORT ?? Number(process.env.E2E_PORT ?? 3210) + 1}`;
const STRIPE_AUTH = { Authorization: "Bearer sk_test_offline_0000000000000000000000000000" };
const DAY_MS = 86_400_000;

const isoDay = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY_MS).toISOString().slice(0, 10);
const cents = (text: string) => Math.round(Number(text.replace(/[^\d.]/g, "")) * 100);

/** An admin (in their own browser context) grants promotional credits usable through `throughDay`. */
async function grantPromotional(browser: Browser, email: string, grants: { amount: number; throughDay: string }[]) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await logIn(page.request, DEMO_ADMIN);
  await page.goto("/admin/customers");
  await page.getByLabel("Search").fill(email.split("-")[2]);
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("link", { name: email }).click();
  for (const g of grants) {
    const form = page.locator("form", { has: page.getByRole("button", { name: "Review grant" }) });
    await form.getByLabel("Credits").fill(String(g.amount));
    await form.getByLabel("Reason").fill(`Welcome ${g.amount}`);
    await form.getByLabel("Expires after").fill(g.throughDay);
    await form.getByRole("button", { name: "Review grant" }).click();
    await page.getByRole("button", { name: "Yes, grant them" }).click();
    await expect(page.getByTestId("toast")).toBeVisible();
  }
  await context.close();
}

async function payOnCheckoutPage(page: Page) {
  await expect(page).toHaveURL(/\/_offline-stripe\/checkout\/cs_/);
  await page.getByRole("button", { name: /^Pay/ }).click();
  await expect(page).toHaveURL(/\/billing\/success\?session_id=cs_/);
}

async function subscribe(page: Page, plan: string, credits: string) {
  await page.goto("/billing");
  await page.getByRole("button", { name: `Subscribe to ${plan}` }).click();
  await payOnCheckoutPage(page);
  await expect(page.getByTestId("checkout-granted")).toContainText(credits, { timeout: 15_000 });
}

async function balanceOnBilling(page: Page): Promise<number> {
  return Number(((await page.getByTestId("billing-balance").textContent()) ?? "").replace(/[^\d]/g, ""));
}

/** The customer's invoices as the offline Stripe has them. */
async function stripeInvoices(request: APIRequestContext, email: string) {
  const customers = await (
    await request.get(`${STRIPE_URL}/v1/customers`, { params: { email }, headers: STRIPE_AUTH })
  ).json();
  const list = await (
    await request.get(`${STRIPE_URL}/v1/invoices`, { params: { customer: customers.data[0].id }, headers: STRIPE_AUTH })
  ).json();
  return list.data as { billing_reason: string; amount_paid: number; hosted_invoice_url: string }[];
}

async function expiringWarning(page: Page, browser: Browser, customer: Account) {
  await grantPromotional(browser, customer.email, [
    { amount: 300, throughDay: isoDay(2) }, // expires when day +3 starts: within 3 days
    { amount: 700, throughDay: isoDay(29) }, // in 30 days
  ]);
  for (const path of ["/credits", "/billing"]) {
    await page.goto(path);
    const warning = page.getByTestId("warning-expiring");
    await expect(warning).toContainText(/300 promotional credits expire on .+\(in [23] days\)/);
    await expect(warning).toContainText("use these before then");
    await expect(warning).not.toContainText("700");
  }
}

async function chartAndCsv(page: Page) {
  await page.goto("/credits");
  await expect(page.getByTestId("usage-chart").locator("svg")).toHaveCount(2);
  await expect(page.getByTestId("forecast")).toBeVisible();
  // The numbers behind the chart, in a table that opens without JavaScript (<details>).
  await page.getByText("Table: Balance and credits used per day").click();
  await expect(page.getByRole("table", { name: /Balance and credits used per day/ })).toBeVisible();

  const csv = await (await page.request.get("/credits/history.csv")).text();
  const lines = csv.trim().split("\r\n");
  expect(lines[0]).toBe("id,createdAt,type,amount,balanceAfter,reason");
  const fromCsv = lines
    .slice(1)
    .map((l) => l.split(","))
    .map((r) => [Number(r[3]), Number(r[4])])
    .reverse();
  const shown = await page
    .getByTestId("history")
    .locator("tbody tr")
    .evaluateAll((rows) =>
      rows.map((r) => {
        const cells = [...r.querySelectorAll("td, th")].map((c) => c.textContent ?? "");
        const num = (s: string) => Number(s.replace(/[^\d]/g, "")) * (/[−-]/.test(s) ? -1 : 1);
        return [num(cells[2]), num(cells[3])];
      }),
    );
  expect(shown).toEqual(fromCsv);

  // The type filter (a GET form).
  await page.getByLabel("Show").selectOption("grant");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/type=grant/);
  await expect(page.getByTestId("history").locator("tbody tr")).toHaveCount(fromCsv.filter(([a]) => a > 0).length);
}

async function upgradeThroughPreview(page: Page, request: APIRequestContext, customer: Account) {
  await subscribe(page, "Starter", "1,000 credits");
  await page.goto("/billing");
  await expect(page.getByTestId("current-plan")).toHaveText("Starter");
  const before = await balanceOnBilling(page);

  await page.getByRole("button", { name: "Switch to Pro…" }).click();
  const review = page.getByTestId("plan-change-review");
  await expect(review).toContainText("Switch from Starter to Pro?");
  const shownNow = cents(
    /\$[\d,]+\.\d\d/.exec((await review.getByTestId("amount-now").textContent()) ?? "")?.[0] ?? "",
  );
  expect(shownNow).toBeGreaterThan(0);
  await expect(review.getByTestId("amount-at-renewal")).toContainText("$40.00");
  await review.getByRole("button", { name: "Yes, switch to Pro" }).click();

  // The page after the action already shows the new plan and balance.
  await expect(page.getByText(/Upgraded\. The difference was charged/)).toBeVisible();
  await expect(page.getByTestId("current-plan")).toHaveText("Pro");
  expect(await balanceOnBilling(page)).toBeGreaterThan(before);

  const upgrade = (await stripeInvoices(request, customer.email)).find(
    (i) => i.billing_reason === "subscription_update",
  )!;
  expect(upgrade.amount_paid).toBe(shownNow);

  const amount = `$${(shownNow / 100).toFixed(2)}`;
  const payment = page.getByTestId("payments").locator("tbody tr", { hasText: "plan change" });
  await expect(payment).toContainText(amount);
  await expect(payment).toContainText("Paid");
  await expect(payment.getByRole("link", { name: /Invoice/ })).toHaveAttribute("href", upgrade.hosted_invoice_url);
  await expect(page.getByTestId("subscription-history")).toContainText("Upgraded from Starter to Pro");

  // Cancel goes through its own confirmation; no "from renewal" badge beside "Ends on".
  await page.getByRole("button", { name: "Cancel at period end…" }).click();
  await expect(page.getByTestId("cancel-review")).toContainText("It will not renew");
  await page.getByRole("button", { name: "Yes, cancel at period end" }).click();
  await expect(page.getByTestId("subscription-status")).toHaveText("Ends at period end");
  await expect(page.getByTestId("renewal")).toContainText("Ends on");
  await expect(page.getByText("From renewal")).toHaveCount(0);
  await expect(page.getByTestId("subscription-history")).toContainText("Canceled Pro");
}

test.describe("the customer's pages with JavaScript", () => {
  test("warn about credits expiring in 3 days and not 30", async ({ page, browser, customer }) => {
    await expiringWarning(page, browser, customer);
  });

  test("show the usage chart, and the history CSV matches the ledger", async ({ page, browser, customer }) => {
    await grantPromotional(browser, customer.email, [{ amount: 250, throughDay: isoDay(60) }]);
    await chartAndCsv(page);
  });

  test("upgrade through the preview and the confirmation, then list the invoice and the change", async ({
    page,
    request,
    customer,
  }) => {
    await upgradeThroughPreview(page, request, customer);
  });
});

test.describe("the customer's pages without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("warn about credits expiring in 3 days and not 30", async ({ page, browser, customer }) => {
    await expiringWarning(page, browser, customer);
  });

  test("show the usage chart, and the history CSV matches the ledger", async ({ page, browser, customer }) => {
    await grantPromotional(browser, customer.email, [{ amount: 250, throughDay: isoDay(60) }]);
    await chartAndCsv(page);
  });

  test("upgrade through the preview and the confirmation, then list the invoice and the change", async ({
    page,
    request,
    customer,
  }) => {
    await upgradeThroughPreview(page, request, customer);
  });
});

test("every customer page has no serious or critical axe violations at 1280 and 390 px", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const account = newAccount("axe-customer");
  await signUp(page.request, account);
  await grantPromotional(browser, account.email, [{ amount: 90, throughDay: isoDay(2) }]);
  await subscribe(page, "Starter", "1,000 credits");
  const states: [string, (p: Page) => Promise<void>][] = [
    ["/", async (p) => void (await p.goto("/"))],
    ["/credits", async (p) => void (await p.goto("/credits"))],
    ["/billing", async (p) => void (await p.goto("/billing"))],
    [
      "/billing (plan change review)",
      async (p) => {
        await p.goto("/billing");
        await p.getByRole("button", { name: "Switch to Pro…" }).click();
        await expect(p.getByTestId("plan-change-review")).toBeVisible();
      },
    ],
    [
      "/billing (cancel review)",
      async (p) => {
        await p.goto("/billing");
        await p.getByRole("button", { name: "Cancel at period end…" }).click();
        await expect(p.getByTestId("cancel-review")).toBeVisible();
      },
    ],
  ];
  // The pages a customer sees before signing in, in a context without the session.
  const signedOutContext = await browser.newContext();
  const signedOut = await signedOutContext.newPage();
  const outStates: [string, (p: Page) => Promise<void>][] = [
    ["/login", async (p) => void (await p.goto("/login"))],
    ["/signup", async (p) => void (await p.goto("/signup"))],
  ];
  for (const width of [1280, 390]) {
    for (const [p, list] of [
      [page, states],
      [signedOut, outStates],
    ] as const) {
      await p.setViewportSize({ width, height: 900 });
      for (const [name, open] of list) {
        await open(p);
        const results = await new AxeBuilder({ page: p }).analyze();
        const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
        expect(
          bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
          `${name} at ${width}px`,
        ).toEqual([]);
      }
    }
  }
  await signedOutContext.close();
});
