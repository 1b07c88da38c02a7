import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "@playwright/test";
import { DEMO_ADMIN, expect, logIn, test } from "./fixtures";
import { expectAccessible, expectHoverContrast, screenshot } from "./axe";

/*
 * The admin pages for API keys and webhook endpoints, as an admin uses them, with JavaScript and
 * without: a key is created (shown once), works against /api/v1, and stops working once revoked
 * after a review; an endpoint is added, gets a test event on a real receiver, and is disabled.
 * Then the pages' states under axe at 1280 and 390 px, each leaving a screenshot.
 */

/** A webhook receiver on loopback (the e2e server allows 127.0.0.1): it keeps each body and answers 204. */
async function startReceiver() {
  const bodies: { type: string; id: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      bodies.push(JSON.parse(body) as { type: string; id: string });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function createKey(page: Page, name: string): Promise<string> {
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Scope").selectOption("admin");
  await page.getByLabel("Rate limit (requests per second)").fill("50");
  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByTestId("secret-once")).toContainText(`Key “${name}” created`);
  return page.getByTestId("secret-value").inputValue();
}

async function addEndpoint(page: Page, url: string): Promise<string> {
  await page.getByLabel("URL").fill(url);
  await page.getByLabel("Description").fill("e2e receiver");
  await page.getByRole("button", { name: "Add endpoint" }).click();
  await expect(page.getByTestId("secret-once")).toContainText("Endpoint created");
  return page.getByTestId("secret-value").inputValue();
}

for (const javaScriptEnabled of [true, false]) {
  test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled });

    test("an admin creates an API key, it works against /api/v1, and a revoked key stops working", async ({
      page,
      playwright,
    }) => {
      // Two logins and a dozen page loads on a shared machine: a budget for the work, not a wait for a race.
      test.setTimeout(90_000);
      await logIn(page.request, DEMO_ADMIN);
      const name = `e2e key ${javaScriptEnabled ? "js" : "nojs"} ${Date.now().toString(36)}`;
      await page.goto("/admin");
      await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "API keys" }).click();
      await expect(page.getByRole("heading", { level: 1, name: "API keys" })).toBeVisible();

      // A bad form says what is wrong beside each field, and makes no key.
      await page.getByLabel("Rate limit (requests per second)").fill("0");
      await page.getByRole("button", { name: "Create key" }).click();
      await expect(page.getByText("Give the key a name, like the service that will use it.")).toBeVisible();
      await expect(page.getByText(/whole number of requests per second/)).toBeVisible();
      await expect(page.getByTestId("secret-once")).toHaveCount(0);

      const key = await createKey(page, name);
      expect(key).toMatch(/^cb_admin_/);
      const api = await playwright.request.newContext({ baseURL: new URL(page.url()).origin });
      const call = () => api.get("/api/v1/users?q=admin", { headers: { Authorization: `Bearer ${key}` } });
      expect((await call()).status()).toBe(200);

      // Shown once: a fresh visit lists the key by its prefix, with its use, never the key.
      await page.goto("/admin/api-keys");
      await expect(page.getByTestId("secret-once")).toHaveCount(0);
      expect(await page.content()).not.toContain(key);
      const row = page.getByTestId("api-keys").getByRole("row").filter({ hasText: name });
      await expect(row).toContainText(key.slice(0, 13));
      await expect(row).toContainText("50/s");
      await expect(row).not.toContainText("Never");

      // Revoked only after the review.
      await row.getByRole("button", { name: `Revoke ${name}` }).click();
      const confirm = page.getByTestId("confirm-revoke");
      await expect(confirm).toContainText(`Revoke “${name}”?`);
      expect((await call()).status()).toBe(200);
      await confirm.getByRole("button", { name: "Yes, revoke it" }).click();
      await expect(page.getByTestId("toast")).toContainText(`Revoked “${name}”`);
      await expect(row).toContainText("Revoked");
      expect((await call()).status()).toBe(401);
      await api.dispose();
    });

    test("an admin adds a webhook endpoint, sends it a test event, and disables it", async ({ page }) => {
      // A dozen page loads and a delivery through the sender's poll: a budget for the work, not a wait for a race.
      test.setTimeout(90_000);
      const receiver = await startReceiver();
      try {
        await logIn(page.request, DEMO_ADMIN);
        await page.goto("/admin");
        await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Webhooks" }).click();
        await expect(page.getByRole("heading", { level: 1, name: "Webhooks" })).toBeVisible();

        // No events chosen: said beside the list, and nothing is added.
        for (const box of await page.getByRole("checkbox").all()) await box.uncheck();
        await page.getByLabel("URL").fill("not a url");
        await page.getByRole("button", { name: "Add endpoint" }).click();
        await expect(page.getByText("Choose at least one event to send.")).toBeVisible();
        await expect(page.getByText(/Enter the full address that receives the events/)).toBeVisible();
        await page.getByRole("checkbox", { name: /Balance low/ }).check();

        const secret = await addEndpoint(page, receiver.url);
        expect(secret).toMatch(/^whsec_/);
        await page.getByRole("link", { name: "Open the endpoint" }).click();
        await expect(page.getByRole("heading", { level: 1, name: "Webhook endpoint" })).toBeVisible();
        expect(await page.content()).not.toContain(secret);

        await page.getByRole("button", { name: "Send a test event" }).click();
        await expect(page.getByTestId("toast")).toContainText("Queued a test event");
        await expect.poll(() => receiver.bodies.map((b) => b.type)).toEqual(["webhook.test"]);
        const delivery = page
          .getByTestId("webhook-deliveries")
          .getByRole("row")
          .filter({ hasText: receiver.bodies[0].id });
        // The sender records the answer after it arrives: reload until the page shows it.
        await expect(async () => {
          await page.reload();
          await expect(delivery).toContainText("delivered");
        }).toPass();
        await expect(delivery).toContainText("HTTP 204");

        await page.getByRole("button", { name: "Disable" }).click();
        await expect(page.getByTestId("toast")).toContainText("Disabled");
        await expect(page.getByRole("button", { name: "Enable" })).toBeVisible();
        await page.getByRole("button", { name: "Send a test event" }).click();
        await expect(page.getByRole("alert")).toContainText("disabled; enable it to send a test event");
        await page.goto("/admin/webhooks");
        const listed = page.getByTestId("webhook-endpoints").getByRole("row").filter({ hasText: receiver.url });
        await expect(listed.last()).toContainText("Disabled");
        expect(receiver.bodies).toHaveLength(1);
      } finally {
        await receiver.close();
      }
    });
  });
}

test("the keys and webhooks pages' states pass axe at both widths, hovered, and leave screenshots", async ({
  page,
}) => {
  // Eight page states twice, each with an axe run, on a shared machine: a budget for the work, not a wait.
  test.setTimeout(420_000);
  await logIn(page.request, DEMO_ADMIN);
  const receiver = await startReceiver();
  try {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      const check = async (name: string, label: string) => {
        await expectAccessible(page, `${label} at ${width}px`);
        await screenshot(page, name);
      };
      await page.goto("/admin/api-keys");
      await page.getByRole("button", { name: "Create key" }).click();
      await expect(page.getByText("Give the key a name, like the service that will use it.")).toBeVisible();
      await check("admin-api-keys-errors", "API keys with field errors");
      await createKey(page, `states key ${width}`);
      await check("admin-api-keys-created", "API keys with a new key shown once");
      await expectHoverContrast(page, `API keys at ${width}px`);
      await page
        .getByTestId("api-keys")
        .getByRole("row")
        .filter({ hasText: `states key ${width}` })
        .getByRole("button", { name: /^Revoke/ })
        .click();
      await expect(page.getByTestId("confirm-revoke")).toBeVisible();
      await check("admin-api-keys-revoke", "API keys revoke review");

      await page.goto("/admin/webhooks");
      await addEndpoint(page, receiver.url);
      await check("admin-webhooks-created", "Webhooks with a new endpoint's secret");
      await expectHoverContrast(page, `Webhooks at ${width}px`);
      await page.getByRole("link", { name: "Open the endpoint" }).click();
      await page.getByRole("button", { name: "Send a test event" }).click();
      await expect(page.getByTestId("toast")).toBeVisible();
      await check("admin-webhook-endpoint", "Webhook endpoint with a delivery");
      await page.getByRole("button", { name: "Rotate secret…" }).click();
      await expect(page.getByTestId("confirm-rotate")).toBeVisible();
      await check("admin-webhook-rotate", "Webhook endpoint rotate review");
      await page.getByRole("button", { name: "Yes, rotate it" }).click();
      await expect(page.getByTestId("secret-once")).toContainText("New signing secret");
      await check("admin-webhook-rotated", "Webhook endpoint with its new secret shown once");
    }
  } finally {
    await receiver.close();
  }
});
