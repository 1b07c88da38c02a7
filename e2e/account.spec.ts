import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "@playwright/test";
import { linkIn, startTestSmtp, type TestSmtp } from "../app/mail/test-support";
import { DEMO_ADMIN, expect, logIn, newAccount, signUp, test, type Account } from "./fixtures";

// The e2e server mails to smtp://127.0.0.1:<E2E_PORT + 1000> (scripts/e2e-server.mjs): this spec
// runs a real SMTP server there and reads what arrives with mailparser.
const SMTP_PORT = Number(process.env.E2E_SMTP_PORT ?? Number(process.env.E2E_PORT ?? 3210) + 1000);
// A login, a reset or a password change answers after a full-cost scrypt hash (two for a change).
const AFTER_HASH = { timeout: 20_000 };
const NEW_PASSWORD = "a fresh e2e password, long";

let smtp: TestSmtp;
test.beforeAll(async () => {
  smtp = await startTestSmtp(SMTP_PORT);
});
test.afterAll(async () => {
  await smtp?.close();
});

/** A customer with a second, logged-in browser somewhere else (the session a reset must end). */
async function customerWithOldSession(browser: Browser, label: string) {
  const account = newAccount(label);
  const elsewhere = await browser.newContext();
  await signUp(elsewhere.request, account);
  const old = await elsewhere.newPage();
  await old.goto("/credits");
  await expect(old.getByRole("heading", { level: 1, name: "Your credits" })).toBeVisible();
  return { account, elsewhere, old };
}

/** Forgot password → the mail → the link → a new password → logging in with it. */
async function resetThroughEmail(page: Page, account: Account) {
  await page.goto("/login");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await page.getByLabel("Email").fill(account.email);
  await page.getByRole("button", { name: "Send me a reset link" }).click();
  await expect(page.getByRole("status")).toContainText("If an account uses that address, we have sent it a link");

  const mail = await smtp.waitFor((m) => m.to.includes(account.email) && /Reset/.test(m.parsed.subject ?? ""), 15_000);
  expect(mail.parsed.subject).toBe("Reset your Credits password");
  expect(mail.parsed.html).toBeTruthy();
  const link = linkIn(mail);
  expect(link.pathname).toBe("/reset-password");

  await page.goto(link.pathname + link.search);
  await expect(page.getByRole("heading", { level: 1, name: "Choose a new password" })).toBeVisible();
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("New password again").fill("not the same password");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.locator("#reset-confirm-error")).toHaveText("The two passwords are not the same.");
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("New password again").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Your password is changed" })).toBeVisible(AFTER_HASH);

  // The link worked once.
  await page.goto(link.pathname + link.search);
  await expect(page.getByRole("heading", { level: 1, name: "This link no longer works" })).toBeVisible();

  await page.goto("/login");
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/credits$/, AFTER_HASH);
}

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled });

    test("a customer resets a forgotten password from the email, and old sessions stop working", async ({
      page,
      browser,
    }) => {
      const { account, elsewhere, old } = await customerWithOldSession(
        browser,
        javaScriptEnabled ? "reset" : "reset-nojs",
      );
      await resetThroughEmail(page, account);

      await old.reload();
      await expect(old).toHaveURL(/\/login\?redirectTo=%2Fcredits$/);
      // The old password no longer logs in.
      const res = await elsewhere.request.post("/login", {
        form: { email: account.email, password: account.password },
        maxRedirects: 0,
      });
      expect(res.status()).toBe(401);
      await elsewhere.close();
    });

    test("a customer changes their password on the account page; other sessions end, this one stays", async ({
      page,
      browser,
    }) => {
      const { account, elsewhere, old } = await customerWithOldSession(
        browser,
        javaScriptEnabled ? "change" : "change-nojs",
      );
      await logIn(page.request, account);
      await page.goto("/credits");
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();
      await expect(page).toHaveURL(/\/account$/);

      await page.getByLabel("Current password").fill("not my password at all");
      await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
      await page.getByLabel("New password again").fill(NEW_PASSWORD);
      await page.getByRole("button", { name: "Change password" }).click();
      await expect(page.locator("#password-currentPassword-error")).toHaveText(
        "That is not your current password.",
        AFTER_HASH,
      );

      await page.getByLabel("Current password").fill(account.password);
      await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
      await page.getByLabel("New password again").fill(NEW_PASSWORD);
      await page.getByRole("button", { name: "Change password" }).click();
      await expect(page.getByRole("status")).toHaveText(
        "Your password is changed. 1 other device was logged out.",
        AFTER_HASH,
      );
      await expect(page.getByLabel("Current password")).toHaveValue("");

      await page.reload();
      await expect(page).toHaveURL(/\/account$/);
      await old.reload();
      await expect(old).toHaveURL(/\/login/);
      await elsewhere.close();
    });
  });
}

test("notification settings: a customer turns low-balance mail off and it stays off", async ({
  page,
  customer: _c,
}) => {
  await page.goto("/account");
  const low = page.getByRole("checkbox", { name: /Low balance/ });
  await expect(low).toBeChecked();
  await low.uncheck();
  await page.getByRole("button", { name: "Save notification settings" }).click();
  await expect(page.getByRole("status")).toHaveText("Your notification settings are saved.");
  await page.reload();
  await expect(page.getByRole("checkbox", { name: /Low balance/ })).not.toBeChecked();
  await expect(page.getByRole("checkbox", { name: /Top-up receipts/ })).toBeChecked();
});

test("a customer who buys a credit pack gets the receipt by email, with one link back to billing", async ({
  page,
  customer,
}) => {
  await page.goto("/billing");
  await page.getByRole("button", { name: "Buy 500 credits" }).click();
  await expect(page).toHaveURL(/\/_offline-stripe\/checkout\/cs_/);
  await page.getByRole("button", { name: /^Pay/ }).click();
  await expect(page.getByTestId("checkout-granted")).toContainText("500 credits", { timeout: 15_000 });

  // Sent after the webhook's change committed: the event bus, the mail consumer, the worker.
  const mail = await smtp.waitFor(
    (m) => m.to.includes(customer.email) && /^Receipt:/.test(m.parsed.subject ?? ""),
    15_000,
  );
  expect(mail.parsed.text).toContain("500 credits were added to your balance.");
  expect(mail.parsed.html).toContain("500 credits were added to your balance.");
  const link = linkIn(mail);
  expect(link.pathname).toBe("/billing");
});

test("the account, password and outbox pages have no serious or critical axe violations at 1280 and 390 px", async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000);
  const account = newAccount("axe-account");
  await signUp(page.request, account);
  // A live reset link, for the reset page's form.
  const anon = await browser.newContext();
  await anon.request.post("/forgot-password", { form: { email: account.email } });
  const mail = await smtp.waitFor((m) => m.to.includes(account.email), 15_000);
  const link = linkIn(mail);
  const admin = await browser.newContext();
  await logIn(admin.request, DEMO_ADMIN);
  const adminPage = await admin.newPage();

  const pages: [Page, string][] = [
    [page, "/account"],
    [await anon.newPage(), "/forgot-password"],
    [await anon.newPage(), link.pathname + link.search],
    [await anon.newPage(), "/reset-password?token=expired"],
    [adminPage, "/admin/outbox"],
  ];
  for (const width of [1280, 390]) {
    for (const [p, path] of pages) {
      await p.setViewportSize({ width, height: 900 });
      await p.goto(path);
      const results = await new AxeBuilder({ page: p }).analyze();
      const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      expect(
        bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
        `${path} at ${width}px`,
      ).toEqual([]);
      const overflow = await p.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `${path} at ${width}px scrolls sideways`).toBeLessThanOrEqual(0);
    }
  }
  await anon.close();
  await admin.close();
});
