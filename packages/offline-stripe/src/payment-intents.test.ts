/**
 * Off-session PaymentIntents over the real SDK: a saved card charged at once, one held `processing`
 * and then settled (succeeded, failed, canceled), and a settlement whose webhooks are not delivered.
 */
import type Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock, sdkFor, silent } from "../test/support";
import { startOfflineStripe, type OfflineStripe } from "./index";

let offline: OfflineStripe;
let stripe: Stripe;
let delivered: string[];

beforeEach(async () => {
  delivered = [];
  offline = await startOfflineStripe({
    clock: new ManualClock("2026-01-31T12:00:00.000Z"),
    logger: silent,
    delivery: { retryDelayMs: 5 },
    transport: async (request) => {
      delivered.push(((await request.json()) as Stripe.Event).type);
      return { status: 200 };
    },
  });
  stripe = sdkFor(offline);
});
afterEach(() => offline.close());

/** A customer whose card was saved by a paid Checkout. */
async function customerWithCard(): Promise<{ customer: string; paymentMethod: string }> {
  const customer = await stripe.customers.create({ email: "card@example.com" });
  const price = await stripe.prices.create({ currency: "usd", unit_amount: 700, product_data: { name: "Pack" } });
  const session = await stripe.checkout.sessions.create({
    mode: "payment",
    customer: customer.id,
    line_items: [{ price: price.id, quantity: 1 }],
    payment_intent_data: { setup_future_usage: "off_session" },
    success_url: "http://localhost/done",
  });
  await offline.trigger.payCheckout(session.id);
  const [pm] = (await stripe.paymentMethods.list({ customer: customer.id, type: "card" })).data;
  return { customer: customer.id, paymentMethod: pm.id };
}

const charge = (c: { customer: string; paymentMethod: string }) =>
  stripe.paymentIntents.create({
    amount: 700,
    currency: "usd",
    customer: c.customer,
    payment_method: c.paymentMethod,
    off_session: true,
    confirm: true,
    metadata: { attempt: "1" },
  });

describe("off-session payment intents", () => {
  it("charges a saved card at once, or holds the next one processing until it is settled", async () => {
    const card = await customerWithCard();
    expect((await charge(card)).status).toBe("succeeded");

    await offline.trigger.processNextOffSessionPayment();
    const held = await charge(card);
    expect(held).toMatchObject({ status: "processing", latest_charge: null });
    expect((await charge(card)).status).toBe("succeeded"); // only the next one
    delivered.length = 0;

    const settled = await offline.trigger.settlePaymentIntent(held.id, { outcome: "succeeded" });
    expect(settled.status).toBe("succeeded");
    expect(await stripe.paymentIntents.retrieve(held.id)).toMatchObject({ status: "succeeded", amount_received: 700 });
    expect(delivered).toEqual(["charge.succeeded", "payment_intent.succeeded"]);
    // Only a processing one can be settled.
    await expect(offline.trigger.settlePaymentIntent(held.id, { outcome: "failed" })).rejects.toThrow(
      /only a processing one/,
    );
  });

  it("settles a processing payment as failed or canceled, as Stripe has them", async () => {
    const card = await customerWithCard();
    await offline.trigger.processNextOffSessionPayment();
    const failing = await charge(card);
    await offline.trigger.settlePaymentIntent(failing.id, { outcome: "failed" });
    expect(await stripe.paymentIntents.retrieve(failing.id)).toMatchObject({
      status: "requires_payment_method",
      last_payment_error: { code: "card_declined" },
    });

    await offline.trigger.processNextOffSessionPayment();
    const canceling = await charge(card);
    delivered.length = 0;
    await offline.trigger.settlePaymentIntent(canceling.id, { outcome: "canceled" });
    expect(await stripe.paymentIntents.retrieve(canceling.id)).toMatchObject({ status: "canceled" });
    expect(delivered).toEqual(["payment_intent.canceled"]);
  });

  it("records a settlement's events without delivering them when asked (a lost webhook), over HTTP too", async () => {
    const card = await customerWithCard();
    const hold = await fetch(`${offline.url}/_offline/payment_intents/process_next`, { method: "POST" });
    expect(hold.ok).toBe(true);
    const held = await charge(card);
    delivered.length = 0;
    const res = await fetch(`${offline.url}/_offline/payment_intents/${held.id}/settle`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ outcome: "succeeded", deliver: "false" }),
    });
    expect(res.status).toBe(200);
    await offline.flush();
    expect(delivered).toEqual([]);
    expect((await stripe.paymentIntents.retrieve(held.id)).status).toBe("succeeded");
    const events = await stripe.events.list({ type: "payment_intent.succeeded" });
    expect(events.data.find((e) => (e.data.object as Stripe.PaymentIntent).id === held.id)).toMatchObject({
      pending_webhooks: 0,
    });
    const bad = await fetch(`${offline.url}/_offline/payment_intents/${held.id}/settle`, {
      method: "POST",
      body: new URLSearchParams({ outcome: "maybe" }),
    });
    expect(bad.status).toBe(400);
  });
});
