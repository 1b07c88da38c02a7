import { DEMO_ADMIN, expect, logIn, newAccount, signUp, test } from "./fixtures";
import { expectAccessible, screenshot } from "./axe";
import { withE2eDb } from "./db";
import { systemClock } from "../app/utils/clock";
import { recordUsage } from "../app/features/index.server";
import { usageContext } from "../app/billing/usage.server";

/*
 * The rate card's pages (issue 25): an admin creates a feature and a plan override (own price and
 * included units) in the price book without JavaScript; a subscriber's usage, recorded through the
 * domain, shows by feature with the included units left on /credits, the admin's customer page and
 * the reports. axe on every page state at 1280 and 390 px, and screenshots of each.
 */

const nonce = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;

/** The newest offered version of the Pro family (a change on a plan with subscribers makes one). */
function proPlanId(): number {
  return withE2eDb(
    (db) =>
      db.$client
        .prepare(
          `select id from subscription_plans where plan_family = 'pro' and is_legacy = 0 and archived_at is null
            order by version desc limit 1`,
        )
        .pluck()
        .get() as number,
  );
}

test("an admin prices a feature for a plan without JavaScript; a subscriber sees usage and included units left", async ({
  browser,
}) => {
  // Two browsers, a checkout and six pages at two widths each with axe: a budget for the work.
  test.setTimeout(540_000);
  const key = `e2e-img-${nonce()}`;
  const adminContext = await browser.newContext({ javaScriptEnabled: false });
  const admin = await adminContext.newPage();
  await logIn(admin.request, DEMO_ADMIN);

  // A feature, then a mistaken price refused beside its field.
  await admin.goto("/admin/features");
  await expect(admin.getByRole("link", { name: "Price book" })).toBeVisible();
  const create = admin.locator("form", { has: admin.getByRole("button", { name: "Create feature" }) });
  await create.getByLabel("Key").fill(key);
  await create.getByLabel("Name", { exact: true }).fill("Images");
  await create.getByLabel("Unit name").fill("image");
  await create.getByLabel("Price in credits").fill("3");
  await create.getByLabel("Per how many units").fill("0");
  await create.getByRole("button", { name: "Create feature" }).click();
  await expect(admin.getByText("The number of units must be at least 1.")).toBeVisible();
  await expect(admin).toHaveURL(/\/admin\/features$/);
  await admin.getByLabel("Per how many units").fill("1");
  await admin.getByRole("button", { name: "Create feature" }).click();
  await expect(admin).toHaveURL(new RegExp(`/admin/features/${key}$`));
  await expect(admin.getByTestId("toast")).toContainText("created");
  await expect(admin.getByTestId("price-history")).toContainText("3 credits per image");

  // The Pro plan gives 10 images a month and charges 2 credits each after them.
  const planId = proPlanId();
  await admin.goto(`/admin/plans/subscription/${planId}?feature=${key}`);
  const terms = admin.locator("#feature-terms");
  await terms.getByLabel("Included units per billing period").fill("10");
  await terms.getByLabel("Own price in credits").fill("2");
  await terms.getByLabel("Own price per how many units").fill("1");
  await terms.getByRole("button", { name: "Review feature terms" }).click();
  await expect(admin.getByTestId("review-feature")).toContainText("2 credits per image");
  await admin.getByTestId("review-feature").getByRole("button", { name: /^Yes/ }).click();
  await expect(admin.getByTestId("toast")).toBeVisible();
  const row = admin.getByTestId("plan-features").locator("tr", { hasText: "Images" });
  await expect(row).toContainText("2 credits per image");
  await expect(row).toContainText("10 images");
  const planPath = new URL(admin.url()).pathname;
  await adminContext.close();

  // A customer subscribes to Pro and uses 4 images: all included, 6 left, nothing charged.
  const customerContext = await browser.newContext();
  const customer = await customerContext.newPage();
  const account = newAccount("rate-card");
  await signUp(customer.request, account);
  await customer.goto("/billing");
  await customer.getByRole("button", { name: "Subscribe to Pro" }).click();
  await expect(customer).toHaveURL(/\/_offline-stripe\/checkout\/cs_/);
  await customer.getByRole("button", { name: /^Pay/ }).click();
  await expect(customer.getByTestId("checkout-granted")).toBeVisible({ timeout: 15_000 });
  const userId = withE2eDb((db) => {
    const id = db.$client.prepare("select id from users where email = ?").pluck().get(account.email) as number;
    recordUsage(usageContext({ db, clock: systemClock }), { userId: id, feature: key, quantity: 4 });
    return id;
  });

  await customer.goto("/credits");
  const usageRow = customer.getByTestId("feature-usage-table").locator("tr", { hasText: "Images" });
  await expect(usageRow).toContainText("4 images");
  await expect(customer.getByTestId("included-units").locator("tr", { hasText: "Images" })).toContainText("6 images");
  await expect(customer.getByTestId("feature-usage-chart")).toBeVisible();

  // axe runs in the page, so the rest is seen with JavaScript on.
  const adminJsContext = await browser.newContext();
  const adminJs = await adminJsContext.newPage();
  await logIn(adminJs.request, DEMO_ADMIN);
  await adminJs.goto(`/admin/customers/${userId}`);
  await expect(adminJs.getByTestId("feature-usage-table")).toContainText("4 images");
  await adminJs.goto("/admin/reports");
  await expect(adminJs.getByTestId("report-features").locator("tr", { hasText: key })).toBeVisible();
  const csv = await adminJs.request.get("/admin/reports/features.csv");
  expect(await csv.text()).toContain(`${key},Images,image,4,4,0,1,1`);

  // Every page state at both widths: axe finds nothing serious, and a screenshot for the reviewer.
  const states: [typeof adminJs, string, string][] = [
    [adminJs, "admin-features", "/admin/features"],
    [adminJs, "admin-feature", `/admin/features/${key}`],
    [adminJs, "admin-plan-features", `${planPath}?feature=${key}`],
    [adminJs, "admin-reports", "/admin/reports"],
    [adminJs, "admin-customer-usage", `/admin/customers/${userId}`],
    [customer, "credits-usage", "/credits"],
  ];
  for (const width of [1280, 390]) {
    for (const [p, name, path] of states) {
      await p.setViewportSize({ width, height: 900 });
      await p.goto(path);
      await expectAccessible(p, `${path} at ${width}px`);
      await screenshot(p, name);
    }
    // The review steps, as the admin sees them before confirming.
    await adminJs.goto(`/admin/features/${key}`);
    await adminJs.getByLabel("Price in credits").fill("1");
    await adminJs.getByLabel("Per how many units").fill("2");
    await adminJs.getByRole("button", { name: "Review price" }).click();
    await expect(adminJs.getByTestId("review-price")).toBeVisible();
    await expectAccessible(adminJs, `price review at ${width}px`);
    await screenshot(adminJs, "admin-feature-price-review");
  }
  await adminJsContext.close();
  await customerContext.close();
});
