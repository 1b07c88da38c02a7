import { DEMO_CUSTOMER, expect, newAccount, sessionCookies, signUp, test, uniqueEmail } from "./fixtures";

// A signup or login answers after a full-cost scrypt hash, which on a busy CI machine can take
// seconds: the first check after such a submit waits longer than the default 5 s.
const AFTER_HASH = { timeout: 20_000 };

test.describe("signing up and logging in", () => {
  test("a visitor signs up through the form and lands on their credits page", async ({ page }) => {
    const account = newAccount("signup");
    await page.goto("/");
    await page.getByRole("link", { name: "Create an account" }).click();
    await expect(page).toHaveURL(/\/signup$/);
    await page.getByLabel("Email").fill(account.email);
    await page.getByLabel("Name").fill(account.name);
    await page.getByLabel("Password").fill(account.password);
    await page.getByRole("button", { name: "Create account" }).click();

    await expect(page).toHaveURL(/\/credits$/, AFTER_HASH);
    await expect(page.getByRole("heading", { level: 1, name: "Your credits" })).toBeVisible();
    await expect(page.getByTestId("credit-balance")).toHaveText(/^0\s+credits$/);
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Credits" })).toBeVisible();
    // Customers are not shown the admin entry.
    await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);
  });

  test("a customer logs in through the form and sees their balance and what it is made of", async ({ page }) => {
    await page.goto("/credits");
    await expect(page).toHaveURL(/\/login\?redirectTo=%2Fcredits$/);
    await page.getByLabel("Email").fill(DEMO_CUSTOMER.email);
    await page.getByLabel("Password").fill(DEMO_CUSTOMER.password);
    await page.getByRole("button", { name: "Log in" }).click();

    await expect(page).toHaveURL(/\/credits$/, AFTER_HASH);
    await expect(page.getByTestId("credit-balance")).toHaveText(/^[\d,]+\s+credits$/);
    await expect(page.getByRole("cell", { name: "Welcome credits" }).first()).toBeVisible();
    await expect(page.getByRole("heading", { name: "Recent activity" })).toBeVisible();
  });

  test("a taken email is reported on the email field and focused", async ({ page, customer }) => {
    await page.context().clearCookies();
    await page.goto("/signup");
    await page.getByLabel("Email").fill(customer.email.toUpperCase());
    await page.getByLabel("Name").fill("Someone Else");
    await page.getByLabel("Password").fill("another long password");
    await page.getByRole("button", { name: "Create account" }).click();

    const email = page.getByLabel("Email");
    await expect(email).toHaveAttribute("aria-invalid", "true");
    await expect(page.locator("#f-email-error")).toHaveText(/already exists/);
    await expect(email).toHaveAttribute("aria-describedby", "f-email-error");
    await expect(email).toBeFocused();
  });

  test("the signup form shows every field's error at once, in words, before anything is sent", async ({ page }) => {
    await page.goto("/signup");
    await page.getByLabel("Email").fill("not-an-email");
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.locator("#f-email-error")).toHaveText("Enter a valid email address, like name@example.com.");
    await expect(page.locator("#f-name-error")).toHaveText("Enter your name.");
    await expect(page.locator("#f-password-error")).toHaveText("Use at least 12 characters.");
    await expect(page.getByLabel("Email")).toBeFocused();
    await expect(page).toHaveURL(/\/signup$/);
  });

  test("a failed login shows one generic error and keeps the visitor logged out", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill(DEMO_CUSTOMER.email);
    await page.getByLabel("Password").fill("definitely not the password");
    await page.getByRole("button", { name: "Log in" }).click();

    await expect(page.getByRole("alert")).toHaveText("Email or password is wrong.", AFTER_HASH);
    await expect(page).toHaveURL(/\/login/);
    await expect(page.getByLabel("Email")).toHaveValue(DEMO_CUSTOMER.email);
    expect(await sessionCookies(page)).toHaveLength(0);
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the login form answers every field's error at once from the server, then logs in", async ({ page }) => {
    await page.goto("/login");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page).toHaveURL(/\/login/);
    await expect(page.locator("#f-email-error")).toHaveText("Enter your email address.");
    await expect(page.locator("#f-password-error")).toHaveText("Enter your password.");
    await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");

    await page.getByLabel("Email").fill(DEMO_CUSTOMER.email);
    await page.getByLabel("Password").fill("definitely not the password");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page.getByRole("alert")).toHaveText("Email or password is wrong.", AFTER_HASH);
    // The email is kept; the password never comes back in the page.
    await expect(page.getByLabel("Email")).toHaveValue(DEMO_CUSTOMER.email);
    await expect(page.getByLabel("Password")).toHaveValue("");

    await page.getByLabel("Password").fill(DEMO_CUSTOMER.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page).toHaveURL(/\/credits$/, AFTER_HASH);
  });

  test("an admin plan form shows every field's error at once, then creates the pack", async ({
    page,
    admin: _admin,
  }) => {
    await page.goto("/admin/plans/new?kind=topup");
    const stamp = Date.now();
    await page.getByLabel("Public name").fill("");
    await page.getByLabel("Credits", { exact: true }).fill("lots");
    await page.getByLabel("Price", { exact: true }).fill("ten");
    await page.getByRole("button", { name: "Create pack" }).click();
    await expect(page.getByText("Enter the internal id, e.g. pack-500.")).toBeVisible();
    await expect(page.getByText("Enter the name customers see.")).toBeVisible();
    await expect(page.getByText("Enter a whole number of credits.")).toBeVisible();
    await expect(page.getByText("Enter a price like 10.00.")).toBeVisible();
    // What was typed is kept.
    await expect(page.getByLabel("Credits", { exact: true })).toHaveValue("lots");

    await page.getByLabel("Internal id").fill(`pack-nojs-${stamp}`);
    await page.getByLabel("Public name").fill(`No-JS pack ${stamp}`);
    await page.getByLabel("Credits", { exact: true }).fill("1,500");
    await page.getByLabel("Price", { exact: true }).fill("15");
    await page.getByRole("button", { name: "Create pack" }).click();
    await expect(page).toHaveURL(/\/admin\/plans$/);
    await expect(page.getByTestId("toast")).toContainText(`No-JS pack ${stamp}” was created`);
    await expect(page.getByRole("cell", { name: `No-JS pack ${stamp}` })).toBeVisible();
  });

  test("the login form still works as a plain HTML form", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill(DEMO_CUSTOMER.email);
    await page.getByLabel("Password").fill(DEMO_CUSTOMER.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page).toHaveURL(/\/credits$/, AFTER_HASH);
    await expect(page.getByTestId("credit-balance")).toBeVisible();
  });
});

test.describe("admin pages", () => {
  test("a customer gets 403 from the admin page and from its action", async ({ page, customer }) => {
    const view = await page.goto("/admin");
    expect(view?.status()).toBe(403);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(/403/);

    // Posting the admin form directly, with the customer's own cookie, is refused on the server.
    const post = await page.request.post("/admin?index", {
      form: { email: customer.email, amount: "1000", reason: "Free credits", expiresOn: "", key: "e2e-forged-key-1" },
      maxRedirects: 0,
    });
    expect(post.status()).toBe(403);
    await page.goto("/credits");
    await expect(page.getByTestId("credit-balance")).toHaveText(/^0\s+credits$/);
  });

  test("an anonymous visitor is sent to the login page from the admin page and its action", async ({ page }) => {
    await page.goto("/admin");
    await expect(page).toHaveURL(/\/login\?redirectTo=%2Fadmin$/);
    const post = await page.request.post("/admin?index", {
      form: {
        email: DEMO_CUSTOMER.email,
        amount: "1000",
        reason: "Free credits",
        expiresOn: "",
        key: "e2e-forged-key-2",
      },
      maxRedirects: 0,
    });
    expect(post.status()).toBe(302);
    expect(post.headers()["location"]).toMatch(/^\/login\?redirectTo=/);
  });

  test("an admin grants promotional credits and the customer sees them", async ({ page, admin, browser }) => {
    expect(admin.email).toBe("admin@example.com");
    // The customer lives in a browser context of their own.
    const customerContext = await browser.newContext();
    const account = newAccount("granted");
    await signUp(customerContext.request, account);

    await page.goto("/admin");
    await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
    const form = page.locator("form", { has: page.getByRole("button", { name: "Grant credits" }) });
    // Field-level errors first.
    await form.getByLabel("Customer email").fill(account.email);
    await form.getByLabel("Credits").fill("12.5");
    await form.getByRole("button", { name: "Grant credits" }).click();
    await expect(form.getByLabel("Credits")).toHaveAttribute("aria-invalid", "true");
    await expect(form.getByLabel("Reason")).toHaveAttribute("aria-invalid", "true");
    await expect(form.getByLabel("Credits")).toBeFocused();

    await form.getByLabel("Credits").fill("250");
    await form.getByLabel("Reason").fill("E2E goodwill");
    await form.getByRole("button", { name: "Grant credits" }).click();
    await expect(page.getByRole("status")).toHaveText(new RegExp(`Granted 250 credits to ${account.email}`));
    await expect(page.getByRole("cell", { name: "Credits granted" }).first()).toBeVisible();

    const customerPage = await customerContext.newPage();
    await customerPage.goto("/credits");
    await expect(customerPage.getByTestId("credit-balance")).toHaveText(/^250\s+credits$/);
    await expect(customerPage.getByRole("cell", { name: "E2E goodwill" }).first()).toBeVisible();
    await customerContext.close();
  });
});

test.describe("sessions", () => {
  test("logging out revokes the session, so a saved copy of the cookie no longer works", async ({
    page,
    customer,
    browser,
  }) => {
    await page.goto("/credits");
    await expect(page.getByText(customer.name)).toBeVisible();
    const saved = await sessionCookies(page);
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ httpOnly: true, sameSite: "Lax" });

    await page.getByRole("button", { name: "Log out" }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole("banner").getByRole("link", { name: "Log in" })).toBeVisible();

    // Replay the old cookie from a fresh browser: the server has revoked it.
    const replay = await browser.newContext();
    await replay.addCookies(saved);
    const replayPage = await replay.newPage();
    await replayPage.goto("/credits");
    await expect(replayPage).toHaveURL(/\/login\?redirectTo=%2Fcredits$/);
    await replay.close();
  });

  test("logging in again issues a new session id", async ({ page, customer }) => {
    const [before] = await sessionCookies(page);
    const res = await page.request.post("/login", {
      form: { email: customer.email, password: customer.password },
      maxRedirects: 0,
    });
    expect(res.status()).toBe(302);
    const [after] = await sessionCookies(page);
    expect(after.value).not.toBe(before.value);
    // The previous session was revoked at login.
    const old = await page.context().browser()!.newContext();
    await old.addCookies([before]);
    const oldPage = await old.newPage();
    await oldPage.goto("/credits");
    await expect(oldPage).toHaveURL(/\/login/);
    await old.close();
  });
});

test.describe("login throttling", () => {
  test("the 5th wrong password for an account answers 429 with Retry-After, and the form says so", async ({ page }) => {
    const email = uniqueEmail("throttled");
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await page.request.post("/login", { form: { email, password: `wrong guess ${i}` }, maxRedirects: 0 });
      statuses.push(res.status());
      retryAfter = res.headers()["retry-after"];
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(14 * 60);

    await page.goto("/login");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("yet another guess");
    const answer = page.waitForResponse((r) => r.request().method() === "POST" && r.url().includes("/login"));
    await page.getByRole("button", { name: "Log in" }).click();
    expect((await answer).status()).toBe(429);
    await expect(page.getByRole("alert")).toHaveText(/Too many failed login attempts\. Try again in 15 minutes\./);
  });
});
