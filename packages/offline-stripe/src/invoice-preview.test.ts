import type Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock, sdkFor, silent } from "../test/support";
import { startOfflineStripe, type OfflineStripe } from "./index";

let clock: ManualClock;
let offline: OfflineStripe;
let stripe: Stripe;

beforeEach(async () => {
  clock = new ManualClock("2026-03-01T00:00:00.000Z");
  offline = await startOfflineStripe({ clock, logger: silent });
  stripe = sdkFor(offline);
});
afterEach(() => offline.close());

const monthly = (unitAmount: number) =>
  stripe.prices.create({
    currency: "usd",
    unit_amount: unitAmount,
    recurring: { interval: "month" },
    product_data: { name: `Plan ${unitAmount}` },
  });

async function subscribe(price: Stripe.Price) {
  const customer = await stripe.customers.create({ email: "preview@example.com" });
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: price.id, quantity: 1 }],
    success_url: "http://app.test/billing/success",
  });
  const paid = await offline.trigger.payCheckout(session.id);
  return stripe.subscriptions.retrieve(paid.subscription as string);
}

const proration = (l: Stripe.InvoiceLineItem) => Boolean(l.parent?.subscription_item_details?.proration);

describe("invoice previews (POST /v1/invoices/create_preview)", () => {
  it("previews an upgrade's prorations and the next renewal, and the update with the same proration_date charges exactly that", async () => {
    const starter = await monthly(1000);
    const pro = await monthly(3000);
    const subscription = await subscribe(starter);
    const item = subscription.items.data[0];
    // A third of the period gone (an odd number of seconds, so rounding matters).
    const length = item.current_period_end - item.current_period_start;
    clock.set((item.current_period_start + Math.floor(length / 3) + 7) * 1000);
    const prorationDate = Math.floor(clock.now().getTime() / 1000);

    const preview = await stripe.invoices.createPreview({
      customer: subscription.customer as string,
      subscription: subscription.id,
      subscription_details: {
        items: [{ id: item.id, price: pro.id }],
        proration_behavior: "create_prorations",
        proration_date: prorationDate,
      },
    });
    const now = preview.lines.data.filter(proration).reduce((sum, l) => sum + l.amount, 0);
    const renewal = preview.lines.data.filter((l) => !proration(l)).reduce((sum, l) => sum + l.amount, 0);
    expect(renewal).toBe(3000);
    expect(now).toBeGreaterThan(0);
    expect(preview.lines.data.filter(proration)[0].period.start).toBe(prorationDate);

    // Time passes between the preview and the confirmation; the proration date keeps the amount.
    clock.advance(90_000);
    const updated = await stripe.subscriptions.update(subscription.id, {
      items: [{ id: item.id, price: pro.id }],
      proration_behavior: "always_invoice",
      proration_date: prorationDate,
    });
    const invoice = await stripe.invoices.retrieve(updated.latest_invoice as string);
    expect(invoice.billing_reason).toBe("subscription_update");
    expect(invoice.amount_paid).toBe(now);
    expect(invoice.hosted_invoice_url).toMatch(/\/invoices\/in_/);

    // The preview changed nothing.
    expect((await stripe.invoices.list({ subscription: subscription.id })).data).toHaveLength(2);
  });

  it("previews a change without prorations as the next renewal at the new price", async () => {
    const pro = await monthly(3000);
    const starter = await monthly(1000);
    const subscription = await subscribe(pro);
    const item = subscription.items.data[0];
    const preview = await stripe.invoices.createPreview({
      subscription: subscription.id,
      subscription_details: { items: [{ id: item.id, price: starter.id }], proration_behavior: "none" },
    });
    expect(preview.amount_due).toBe(1000);
    expect(preview.lines.data.every((l) => !proration(l))).toBe(true);
    expect(preview.lines.data[0].period.start).toBe(item.current_period_end);
  });

  it("previews the upcoming invoice of an unchanged subscription: the renewal, dated at the period's end", async () => {
    const starter = await monthly(1000);
    const subscription = await subscribe(starter);
    const item = subscription.items.data[0];
    const preview = await stripe.invoices.createPreview({
      customer: subscription.customer as string,
      subscription: subscription.id,
    });
    expect(preview).toMatchObject({ amount_due: 1000, currency: "usd", period_end: item.current_period_end });
    expect(preview.lines.data.map((l) => l.period.start)).toEqual([item.current_period_end]);

    // A subscription that ends at the period's end has no upcoming invoice, as in Stripe.
    await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    await expect(stripe.invoices.createPreview({ subscription: subscription.id })).rejects.toMatchObject({
      code: "invoice_upcoming_none",
    });
  });

  it("refuses a proration_date outside the current period and an unknown subscription", async () => {
    const starter = await monthly(1000);
    const pro = await monthly(3000);
    const subscription = await subscribe(starter);
    const item = subscription.items.data[0];
    await expect(
      stripe.invoices.createPreview({
        subscription: subscription.id,
        subscription_details: { items: [{ id: item.id, price: pro.id }], proration_date: item.current_period_end + 10 },
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: "proration_date" });
    await expect(stripe.invoices.createPreview({ subscription: "sub_nope" })).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});
