import { test as base, expect, type APIRequestContext, type Page } from "@playwright/test";

/**
 * Playwright fixtures: every test that needs a user gets its own, so specs stand alone and can run
 * in any order. Users are made through the app's real endpoints (no database access), and logged
 * in by cookie: `page.request` shares the browser context's cookie jar, so a POST to /signup or
 * /login through it logs the page in without driving the form.
 *
 * The e2e server runs the production build, so each signup or login costs a full scrypt hash
 * (~0.3 s); keep the number of users per run modest.
 */

export interface Account {
  email: string;
  password: string;
  name: string;
}

/** The seeded logins (app/server/demo-seed.server.ts DEMO_LOGINS); the e2e server seeds them into its fresh database. */
export const DEMO_ADMIN: Account = { email: "admin@example.com", password: "admin-demo-password", name: "Demo Admin" };
export const DEMO_CUSTOMER: Account = {
  email: "customer@example.com",
  password: "customer-demo-password",
  name: "Demo Customer",
};

let sequence = 0;

/** An email no other test (or earlier run against the same server) has used. */
export function uniqueEmail(label = "user"): string {
  sequence += 1;
  const nonce = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return `e2e-${label}-${nonce}-${sequence}@example.com`;
}

export function newAccount(label = "customer"): Account {
  return { email: uniqueEmail(label), password: "e2e password that is long", name: `E2E ${label}` };
}

/** Signs up through POST /signup; the session cookie lands in `request`'s cookie jar. */
export async function signUp(request: APIRequestContext, account: Account): Promise<void> {
  const res = await request.post("/signup", {
    form: { email: account.email, name: account.name, password: account.password },
    maxRedirects: 0,
  });
  expect(res.status(), `signup of ${account.email}`).toBe(302);
}

/** Logs in through POST /login; the session cookie lands in `request`'s cookie jar. */
export async function logIn(request: APIRequestContext, account: Pick<Account, "email" | "password">): Promise<void> {
  const res = await request.post("/login", {
    form: { email: account.email, password: account.password },
    maxRedirects: 0,
  });
  expect(res.status(), `login of ${account.email}`).toBe(302);
}

/** The session cookie(s) of a page's browser context. */
export async function sessionCookies(page: Page) {
  return (await page.context().cookies()).filter((c) => /session$/.test(c.name));
}

export const test = base.extend<{
  /** A fresh customer, signed up and logged in on `page`. */
  customer: Account;
  /** The seeded admin, logged in on `page`. */
  admin: Account;
}>({
  customer: async ({ page }, use) => {
    const account = newAccount("customer");
    await signUp(page.request, account);
    await use(account);
  },
  admin: async ({ page }, use) => {
    await logIn(page.request, DEMO_ADMIN);
    await use(DEMO_ADMIN);
  },
});

export { expect };
