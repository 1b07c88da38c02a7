import { DEMO_ADMIN, expect, logIn, newAccount, signUp, test } from "./fixtures";
import { expectAccessible, expectHoverContrast, screenshot } from "./axe";

/*
 * The pages issue 26 changed, as a customer and an admin see them at 1280 and 390 px: axe finds no
 * serious or critical problem (primary button hovered too) and nothing outside a landmark; each
 * page leaves a screenshot in docs/screens/ for the next reviewer.
 */

test("customer and admin pages pass axe at both widths, hovered, and leave screenshots", async ({ page, browser }) => {
  // Ten pages twice, each with an axe run, on a shared machine: a budget for the work, not a wait.
  test.setTimeout(480_000);
  const someone = newAccount("states");
  await signUp(page.request, someone);
  const customerPages: [string, string][] = [
    ["credits", "/credits"],
    ["billing", "/billing"],
    ["account", "/account"],
  ];

  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await logIn(admin.request, DEMO_ADMIN);
  await admin.goto(`/admin/customers?q=${someone.email.split("-")[2]}`);
  await admin.getByRole("link", { name: someone.email }).click();
  const customerPath = new URL(admin.url()).pathname;
  await admin.goto("/admin/plans");
  await admin.getByTestId("subscription-plans").getByRole("link", { name: "Edit" }).first().click();
  await expect(admin).toHaveURL(/\/admin\/plans\/subscription\/\d+$/);
  const planPath = new URL(admin.url()).pathname;
  const adminPages: [string, string][] = [
    ["admin-customer", customerPath],
    ["admin-plans", "/admin/plans"],
    ["admin-plan-editor", planPath],
    ["admin-outbox", "/admin/outbox"],
    ["admin-api-keys", "/admin/api-keys"],
    ["admin-webhooks", "/admin/webhooks"],
  ];

  for (const width of [1280, 390]) {
    for (const [p, list] of [
      [page, customerPages],
      [admin, adminPages],
    ] as const) {
      await p.setViewportSize({ width, height: 900 });
      for (const [name, path] of list) {
        await p.goto(path);
        // The tab says what the page says: its heading, then the product.
        const heading = (await p.locator("h1").textContent())?.trim();
        await expect(p).toHaveTitle(`${heading} — Credits`);
        await expectAccessible(p, `${path} at ${width}px`);
        await screenshot(p, name);
        if (path === "/billing" || path === planPath) await expectHoverContrast(p, `${path} at ${width}px`);
      }
    }
  }
  await adminContext.close();
});
