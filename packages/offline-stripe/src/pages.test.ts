import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock, sdkFor, silent } from "../test/support";
import { startOfflineStripe, type OfflineStripe } from "./index";

// The hosted pages a person sees in the demo: the portal, the checkout and the trigger page.

let offline: OfflineStripe;
let stripe: Stripe;
const clock = new ManualClock("2026-11-08T12:00:00.000Z");

beforeEach(async () => {
  offline = await startOfflineStripe({ port: 0, clock, logger: silent });
  stripe = sdkFor(offline);
});
afterEach(async () => {
  await offline.close();
});

async function subscriber(name = "Ada Lovelace") {
  const price = await stripe.prices.create({
    currency: "usd",
    unit_amount: 1000,
    recurring: { interval: "month" },
    product_data: { name: "Starter" },
  });
  const customer = await stripe.customers.create({ email: "ada@example.com", name });
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: price.id, quantity: 1 }],
  });
  await offline.trigger.payCheckout(session.id);
  const subscription = (await stripe.checkout.sessions.retrieve(session.id)).subscription as string;
  return { price, customer, subscription };
}

const post = (url: string, body = "") =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
    redirect: "manual",
  });

describe("the offline customer portal", () => {
  it("names the plan with its price, lists the invoices and updates the card", async () => {
    const { customer } = await subscriber();
    const portal = await stripe.billingPortal.sessions.create({ customer: customer.id });
    const html = await (await fetch(portal.url)).text();
    expect(html).toContain("Starter — $10.00 / month");
    expect(html).not.toContain("[object Object]");
    expect(html).toContain("Cancel subscription");
    expect(html).toMatch(/<table data-testid="portal-invoices">.*Nov 8, 2026.*\$10\.00.*Paid/s);
    expect(html).toContain("ending in 4242");

    const refused = await post(`${portal.url}/payment_method`, "card=12ab");
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("Enter the card number");

    const updated = await post(`${portal.url}/payment_method`, "card=5555+5555+5555+4444");
    expect(updated.status).toBe(303);
    const after = await (await fetch(new URL(updated.headers.get("location")!, portal.url))).text();
    expect(after).toContain("Your card was updated.");
    expect(after).toContain("ending in 4444");
    const fresh = await stripe.customers.retrieve(customer.id);
    const pm = await stripe.paymentMethods.retrieve(
      (fresh as Stripe.Customer).invoice_settings.default_payment_method as string,
    );
    expect(pm.card?.last4).toBe("4444");
  });
});

describe("the offline checkout", () => {
  it("names the item by its product as it is now, never by the price id", async () => {
    const price = await stripe.prices.create({ currency: "usd", unit_amount: 500, product_data: { name: "Pack" } });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price: price.id, quantity: 1 }],
    });
    await stripe.products.update(price.product as string, { name: "500 credits" });
    const html = await (await fetch(session.url!)).text();
    expect(html).toContain("<td>500 credits</td>");
    expect(html).not.toContain(price.id);
  });

  it("still names the item after a restart from the state file", async () => {
    await offline.close();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "offline-pages-"));
    const statePath = path.join(dir, "state.json");
    try {
      offline = await startOfflineStripe({ port: 0, clock, logger: silent, statePath });
      stripe = sdkFor(offline);
      const price = await stripe.prices.create({ currency: "usd", unit_amount: 500, product_data: { name: "Pack" } });
      const session = await stripe.checkout.sessions.create({
        mode: "payment",
        line_items: [{ price: price.id, quantity: 1 }],
      });
      await offline.close();
      offline = await startOfflineStripe({ port: 0, clock, logger: silent, statePath });
      const html = await (await fetch(`${offline.url}/checkout/${session.id}`)).text();
      expect(html).toContain("<td>Pack</td>");
      expect(html).not.toContain(price.id);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fits a 390 px screen: the page drops its margins there and long words wrap", async () => {
    const price = await stripe.prices.create({ currency: "usd", unit_amount: 500, product_data: { name: "Pack" } });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price: price.id, quantity: 1 }],
    });
    const html = await (await fetch(session.url!)).text();
    expect(html).toContain("@media (max-width: 36rem) { main { margin: 0;");
    expect(html).toContain("overflow-wrap: anywhere");
  });
});

describe("the trigger page", () => {
  it("names customers and plans and says what each trigger did", async () => {
    const { subscription } = await subscriber();
    const page = await (await fetch(`${offline.url}/triggers`)).text();
    expect(page).toContain("Ada Lovelace (ada@example.com) — Starter");
    expect(page).toContain("Decline the next payment");

    const declined = await post(`${offline.url}/triggers/subscriptions/${subscription}/fail_next_payment`);
    expect(declined.status).toBe(200);
    expect(await declined.text()).toContain(
      "The next payment of Ada Lovelace (ada@example.com) for Starter will be declined.",
    );
    expect(await (await fetch(`${offline.url}/triggers`)).text()).toContain("the next payment will be declined");

    const renewed = await post(`${offline.url}/triggers/subscriptions/${subscription}/renew`);
    expect(await renewed.text()).toContain("payment was declined: it is past due");
    const retried = await post(`${offline.url}/triggers/subscriptions/${subscription}/retry_payment`);
    expect(await retried.text()).toContain("was retried and went through");

    const charge = (await stripe.charges.list({ limit: 1 })).data[0]!;
    const refunded = await post(`${offline.url}/triggers/refunds`, `charge=${charge.id}&amount=300`);
    expect(await refunded.text()).toContain("Refunded $3.00 of Ada Lovelace (ada@example.com)’s payment");

    const missing = await post(`${offline.url}/triggers/subscriptions/sub_nope/renew`);
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("Not done");
  });

  it("is served beside the hosted pages, so the app can link it on its own origin", async () => {
    await subscriber("Grace");
    const mount = http.createServer((req, res) => {
      req.url = req.url!.replace(/^\/_offline-stripe/, "") || "/";
      offline.handleHostedPage(req, res, "/_offline-stripe");
    });
    await new Promise<void>((resolve) => mount.listen(0, "127.0.0.1", resolve));
    try {
      const port = (mount.address() as { port: number }).port;
      const res = await fetch(`http://127.0.0.1:${port}/_offline-stripe/triggers`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('action="/_offline-stripe/triggers/subscriptions/');
      expect(html).toContain("Grace (ada@example.com) — Starter");
    } finally {
      await new Promise<void>((resolve) => {
        mount.close(() => resolve());
        mount.closeAllConnections();
      });
    }
  });
});
