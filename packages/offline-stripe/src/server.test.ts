import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock, sdkFor, silent } from "../test/support";
import { OFFLINE_STRIPE_SECRET_KEY, startOfflineStripe, type OfflineStripe, type OfflineStripeOptions } from "./index";
import { newWebhookSecret } from "./store";

/** This suite's signing secret (the app's is random per database; see the test below). */
const WEBHOOK_SECRET = newWebhookSecret();

/** A webhook endpoint that verifies every delivery with the SDK, like the app's route does. */
interface Receiver {
  url: string;
  events: Stripe.Event[];
  rejected: number;
  /** Answer for the next deliveries; default 200. */
  statuses: number[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: "", events: [], rejected: 0, statuses: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      try {
        const event = Stripe.webhooks.constructEvent(raw, String(req.headers["stripe-signature"]), WEBHOOK_SECRET, 300);
        const status = receiver.statuses.shift() ?? 200;
        if (status === 200) receiver.events.push(event);
        res.writeHead(status).end();
      } catch {
        receiver.rejected++;
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  receiver.url = `http://127.0.0.1:${port}/api/webhooks/stripe`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}

const T0 = "2026-01-31T12:00:00.000Z";
const t0 = Date.parse(T0) / 1000;

let receiver: Receiver;
let clock: ManualClock;
let offline: OfflineStripe;
let stripe: Stripe;

async function start(options: OfflineStripeOptions = {}): Promise<void> {
  offline = await startOfflineStripe({
    webhookUrl: receiver.url,
    webhookSecret: WEBHOOK_SECRET,
    clock,
    delivery: { retryDelayMs: 5 },
    logger: silent,
    ...options,
  });
  stripe = sdkFor(offline);
}

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(async () => {
  receiver.events.length = 0;
  receiver.rejected = 0;
  receiver.statuses.length = 0;
  clock = new ManualClock(T0);
  await start();
});
afterEach(async () => {
  await offline.close();
});

async function monthlyPrice(unitAmount: number, metadata: Record<string, string> = {}): Promise<Stripe.Price> {
  return stripe.prices.create({
    currency: "usd",
    unit_amount: unitAmount,
    recurring: { interval: "month" },
    product_data: { name: `Plan ${unitAmount}` },
    metadata,
  });
}

/** Pays a Checkout Session the way a browser does: POST to the hosted page's Pay form. */
async function payThroughPage(session: Stripe.Checkout.Session): Promise<Response> {
  const page = await fetch(session.url!);
  const html = await page.text();
  const action = /<form method="post" action="([^"]+\/pay)"/.exec(html)?.[1];
  expect(action).toBeDefined();
  return fetch(new URL(action!.replace(/&amp;/g, "&"), session.url!), { method: "POST", redirect: "manual" });
}

async function subscribe(price: Stripe.Price, metadata: Record<string, string> = { userId: "7" }) {
  const customer = await stripe.customers.create({ email: "sub@example.com" });
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: price.id, quantity: 1 }],
    subscription_data: { metadata },
    success_url: "http://app.test/billing/success?session_id={CHECKOUT_SESSION_ID}",
  });
  await offline.trigger.payCheckout(session.id);
  const paid = await stripe.checkout.sessions.retrieve(session.id);
  const subscription = await stripe.subscriptions.retrieve(paid.subscription as string);
  return { customer, session: paid, subscription };
}

function eventsOfType<T extends Stripe.Event["type"]>(type: T): Extract<Stripe.Event, { type: T }>[] {
  return receiver.events.filter((e) => e.type === type) as Extract<Stripe.Event, { type: T }>[];
}

describe("the offline Stripe through the real SDK", () => {
  it("creates products and prices with metadata and finds them again", async () => {
    const product = await stripe.products.create({ name: "Starter", metadata: { planFamily: "starter" } });
    const price = await stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 1000,
      recurring: { interval: "month" },
      nickname: "Starter v1",
      lookup_key: "starter-v1",
      metadata: { credits: "1000", planFamily: "starter", version: "1" },
    });
    expect(price).toMatchObject({
      object: "price",
      active: true,
      type: "recurring",
      unit_amount: 1000,
      currency: "usd",
      product: product.id,
      lookup_key: "starter-v1",
      recurring: { interval: "month", interval_count: 1, usage_type: "licensed" },
      metadata: { credits: "1000", planFamily: "starter", version: "1" },
    });
    expect(String(price.unit_amount_decimal)).toBe("1000");

    const expanded = await stripe.prices.retrieve(price.id, { expand: ["product"] });
    expect((expanded.product as Stripe.Product).metadata).toEqual({ planFamily: "starter" });

    const oneTime = await stripe.prices.create({ currency: "usd", unit_amount: 500, product_data: { name: "Pack" } });
    expect(oneTime.type).toBe("one_time");
    expect(oneTime.recurring).toBeNull();

    const recurring = await stripe.prices.list({ type: "recurring", active: true });
    expect(recurring.data.map((p) => p.id)).toEqual([price.id]);
    const byProduct = await stripe.prices.list({ product: product.id });
    expect(byProduct.data).toHaveLength(1);

    const archived = await stripe.prices.update(price.id, { active: false, metadata: { version: "" } });
    expect(archived.active).toBe(false);
    expect(archived.metadata).toEqual({ credits: "1000", planFamily: "starter" });
    expect((await stripe.prices.list({ active: true })).data.map((p) => p.id)).toEqual([oneTime.id]);

    const archivedProduct = await stripe.products.update(product.id, { active: false });
    expect(archivedProduct.active).toBe(false);
    expect((await stripe.products.list({ active: false })).data.map((p) => p.id)).toEqual([product.id]);
  });

  it("finds customers by email and merges metadata on update", async () => {
    const a = await stripe.customers.create({ email: "a@example.com", metadata: { userId: "1" } });
    await stripe.customers.create({ email: "b@example.com" });
    const found = await stripe.customers.list({ email: "a@example.com" });
    expect(found.data.map((c) => c.id)).toEqual([a.id]);
    const updated = await stripe.customers.update(a.id, { name: "Ada", metadata: { plan: "pro" } });
    expect(updated).toMatchObject({ name: "Ada", email: "a@example.com", metadata: { userId: "1", plan: "pro" } });
  });

  it("pages through lists newest first with starting_after", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await stripe.customers.create({ email: `p${i}@example.com` })).id);
    const first = await stripe.customers.list({ limit: 2 });
    expect(first.data.map((c) => c.id)).toEqual([ids[4], ids[3]]);
    expect(first.has_more).toBe(true);
    const all: string[] = [];
    for await (const c of stripe.customers.list({ limit: 2 })) all.push(c.id);
    expect(all).toEqual([...ids].reverse());
  });

  it("completes a one-time checkout on its page and sends a signed checkout.session.completed", async () => {
    const price = await stripe.prices.create({
      currency: "usd",
      unit_amount: 500,
      product_data: { name: "500 credits" },
    });
    const customer = await stripe.customers.create({ email: "buyer@example.com" });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      customer: customer.id,
      client_reference_id: "42",
      metadata: { userId: "42", topupPlanId: "3" },
      payment_intent_data: { metadata: { userId: "42" } },
      line_items: [{ price: price.id, quantity: 2 }],
      success_url: "http://app.test/billing/success?session_id={CHECKOUT_SESSION_ID}",
      cancel_url: "http://app.test/billing",
    });
    expect(session).toMatchObject({ status: "open", payment_status: "unpaid", amount_total: 1000, mode: "payment" });
    expect(session.url).toBe(`${offline.url}/checkout/${session.id}`);

    const page = await (await fetch(session.url!)).text();
    expect(page).toContain("500 credits");
    expect(page).toContain("$10.00");

    const paid = await payThroughPage(session);
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toBe(`http://app.test/billing/success?session_id=${session.id}`);

    await offline.flush();
    expect(receiver.rejected).toBe(0);
    const completed = eventsOfType("checkout.session.completed");
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({
      object: "event",
      api_version: "2026-10-28.endive",
      livemode: false,
      data: {
        object: {
          id: session.id,
          status: "complete",
          payment_status: "paid",
          client_reference_id: "42",
          metadata: { userId: "42", topupPlanId: "3" },
          amount_total: 1000,
        },
      },
    });
    expect(receiver.events.map((e) => e.type)).toEqual([
      "charge.succeeded",
      "payment_intent.succeeded",
      "checkout.session.completed",
    ]);

    const retrieved = await stripe.checkout.sessions.retrieve(session.id, {
      expand: ["line_items", "line_items.data.price.product"],
    });
    const line = retrieved.line_items!.data[0];
    expect(line).toMatchObject({ quantity: 2, amount_total: 1000, price: { id: price.id } });
    expect((line.price!.product as Stripe.Product).name).toBe("500 credits");
    const lineItems = await stripe.checkout.sessions.listLineItems(session.id);
    expect(lineItems.data.map((l) => l.quantity)).toEqual([2]);

    const pi = await stripe.paymentIntents.retrieve(retrieved.payment_intent as string);
    expect(pi).toMatchObject({
      status: "succeeded",
      amount: 1000,
      amount_received: 1000,
      metadata: { userId: "42" },
      customer: customer.id,
    });
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({
      status: "succeeded",
      paid: true,
      amount: 1000,
      amount_refunded: 0,
      payment_intent: pi.id,
    });

    // Once complete, Stripe hides the URL; paying again changes nothing and sends nothing new.
    expect(retrieved.url).toBeNull();
    const again = await fetch(`${session.url}/pay`, { method: "POST", redirect: "manual" });
    expect(again.status).toBe(303);
    await offline.flush();
    expect(eventsOfType("checkout.session.completed")).toHaveLength(1);
  });

  it("sends the browser back to cancel_url when the customer cancels", async () => {
    const price = await stripe.prices.create({ currency: "usd", unit_amount: 500, product_data: { name: "Pack" } });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: "http://app.test/ok",
      cancel_url: "http://app.test/billing?checkout=canceled",
    });
    const res = await fetch(`${session.url}/cancel`, { method: "POST", redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("http://app.test/billing?checkout=canceled");
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");
  });

  it("starts a subscription with a paid first invoice in the endive shapes", async () => {
    const price = await monthlyPrice(1000, { credits: "1000" });
    const { customer, session, subscription } = await subscribe(price, { userId: "7" });
    expect(session).toMatchObject({ status: "complete", payment_status: "paid", customer: customer.id });

    const item = subscription.items.data[0];
    expect(subscription).toMatchObject({
      status: "active",
      customer: customer.id,
      metadata: { userId: "7" },
      cancel_at_period_end: false,
    });
    expect(item.price.id).toBe(price.id);
    expect(item.current_period_start).toBe(t0);
    // Jan 31 + 1 month = Feb 28 (the month's last day), as Stripe bills.
    expect(item.current_period_end).toBe(Date.parse("2026-02-28T12:00:00.000Z") / 1000);

    const types = receiver.events.map((e) => e.type);
    expect(types.indexOf("customer.subscription.created")).toBeLessThan(types.indexOf("invoice.paid"));
    expect(types.indexOf("invoice.paid")).toBeLessThan(types.indexOf("checkout.session.completed"));

    const [paid] = eventsOfType("invoice.paid");
    const invoice = paid.data.object;
    expect(invoice).toMatchObject({
      billing_reason: "subscription_create",
      status: "paid",
      amount_paid: 1000,
      amount_due: 1000,
      customer: customer.id,
      parent: {
        type: "subscription_details",
        subscription_details: { subscription: subscription.id, metadata: { userId: "7" } },
      },
    });
    const line = invoice.lines.data[0];
    expect(line.period).toEqual({ start: item.current_period_start, end: item.current_period_end });
    expect(line.pricing?.price_details?.price).toBe(price.id);
    expect(line.parent?.subscription_item_details).toMatchObject({
      subscription: subscription.id,
      subscription_item: item.id,
      proration: false,
    });
    expect(line.amount).toBe(1000);
    expect(session.invoice).toBe(invoice.id);

    const withPayments = await stripe.invoices.retrieve(invoice.id, { expand: ["payments"] });
    const payment = withPayments.payments!.data[0];
    expect(payment).toMatchObject({ status: "paid", amount_paid: 1000, payment: { type: "payment_intent" } });
    expect((await stripe.invoices.retrieve(invoice.id)).payments).toBeUndefined();
    const listed = await stripe.invoices.list({ subscription: subscription.id });
    expect(listed.data.map((i) => i.id)).toEqual([invoice.id]);
  });

  it("creates the customer from customer_email when a subscription checkout names none", async () => {
    const price = await monthlyPrice(1000);
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer_email: "new@example.com",
      line_items: [{ price: price.id, quantity: 1 }],
    });
    expect(session.customer).toBeNull();
    await offline.trigger.payCheckout(session.id);
    const paid = await stripe.checkout.sessions.retrieve(session.id, { expand: ["customer", "subscription"] });
    expect((paid.customer as Stripe.Customer).email).toBe("new@example.com");
    expect((paid.subscription as Stripe.Subscription).customer).toBe((paid.customer as Stripe.Customer).id);
    expect(paid.customer_details?.email).toBe("new@example.com");
  });

  it("renews a subscription into the next period with a paid subscription_cycle invoice", async () => {
    const price = await monthlyPrice(1000);
    const { subscription } = await subscribe(price);
    receiver.events.length = 0;

    const { invoice } = await offline.trigger.renew(subscription.id);
    const after = await stripe.subscriptions.retrieve(subscription.id);
    const item = after.items.data[0];
    expect(item.current_period_start).toBe(Date.parse("2026-02-28T12:00:00.000Z") / 1000);
    // Periods count from the anchor (the 31st), so March ends on the 31st, not the 28th.
    expect(item.current_period_end).toBe(Date.parse("2026-03-31T12:00:00.000Z") / 1000);

    const [paid] = eventsOfType("invoice.paid");
    expect(paid.data.object).toMatchObject({
      id: invoice!.id,
      billing_reason: "subscription_cycle",
      amount_paid: 1000,
      status: "paid",
    });
    expect(paid.data.object.lines.data[0].period).toEqual({
      start: item.current_period_start,
      end: item.current_period_end,
    });
    const [updated] = eventsOfType("customer.subscription.updated");
    expect(updated.data.object.items.data[0].current_period_end).toBe(item.current_period_end);
    expect(updated.data.previous_attributes).toHaveProperty("items");
  });

  it("upgrades now with always_invoice: a paid subscription_update invoice for the prorated difference", async () => {
    const starter = await monthlyPrice(1000);
    const pro = await monthlyPrice(4000);
    const { subscription } = await subscribe(starter);
    const item = subscription.items.data[0];
    // A quarter of the period left.
    const length = item.current_period_end - item.current_period_start;
    clock.set((item.current_period_start + (length * 3) / 4) * 1000);
    receiver.events.length = 0;

    const updated = await stripe.subscriptions.update(subscription.id, {
      items: [{ id: item.id, price: pro.id }],
      proration_behavior: "always_invoice",
      metadata: { upgradedFromPriceId: starter.id },
    });
    expect(updated.items.data[0].price.id).toBe(pro.id);
    expect(updated.items.data[0].current_period_end).toBe(item.current_period_end);
    await offline.flush();

    const [paid] = eventsOfType("invoice.paid");
    const invoice = paid.data.object;
    expect(invoice.billing_reason).toBe("subscription_update");
    expect(updated.latest_invoice).toBe(invoice.id);
    expect(invoice.total).toBe(Math.round(4000 / 4) - Math.round(1000 / 4));
    expect(invoice.amount_paid).toBe(750);
    expect(invoice.parent?.subscription_details?.metadata).toMatchObject({
      userId: "7",
      upgradedFromPriceId: starter.id,
    });
    const lines = invoice.lines.data;
    expect(
      lines.map((l) => [l.amount, l.pricing?.price_details?.price, l.parent?.subscription_item_details?.proration]),
    ).toEqual([
      [-250, starter.id, true],
      [1000, pro.id, true],
    ]);
    for (const l of lines)
      expect(l.period).toEqual({ start: clock.now().getTime() / 1000, end: item.current_period_end });
    const types = receiver.events.map((e) => e.type);
    expect(types).toContain("customer.subscription.updated");
    expect(types.indexOf("customer.subscription.updated")).toBeLessThan(types.indexOf("invoice.paid"));
  });

  it("switches the price with proration_behavior none and bills the new price at renewal", async () => {
    const pro = await monthlyPrice(4000);
    const starter = await monthlyPrice(1000);
    const { subscription } = await subscribe(pro);
    receiver.events.length = 0;
    await stripe.subscriptions.update(subscription.id, {
      items: [{ id: subscription.items.data[0].id, price: starter.id }],
      proration_behavior: "none",
    });
    await offline.flush();
    expect(eventsOfType("invoice.paid")).toHaveLength(0);
    expect(eventsOfType("customer.subscription.updated")).toHaveLength(1);

    await offline.trigger.renew(subscription.id);
    const [renewal] = eventsOfType("invoice.paid");
    expect(renewal.data.object.billing_reason).toBe("subscription_cycle");
    expect(renewal.data.object.amount_paid).toBe(1000);
    expect(renewal.data.object.lines.data.map((l) => l.pricing?.price_details?.price)).toEqual([starter.id]);
  });

  it("keeps create_prorations lines for the next renewal invoice", async () => {
    const starter = await monthlyPrice(1000);
    const pro = await monthlyPrice(4000);
    const { subscription } = await subscribe(starter);
    const item = subscription.items.data[0];
    clock.set(((item.current_period_start + item.current_period_end) / 2) * 1000);
    receiver.events.length = 0;
    await stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, price: pro.id }] });
    await offline.flush();
    expect(eventsOfType("invoice.paid")).toHaveLength(0);

    const { invoice } = await offline.trigger.renew(subscription.id);
    expect(invoice!.lines.data.map((l) => [l.amount, l.parent?.subscription_item_details?.proration])).toEqual([
      [-500, true],
      [2000, true],
      [4000, false],
    ]);
    expect(invoice!.amount_paid).toBe(5500);
  });

  it("restarts the billing cycle and bills at once when the interval changes", async () => {
    const monthly = await monthlyPrice(1000);
    const yearly = await stripe.prices.create({
      currency: "usd",
      unit_amount: 10000,
      recurring: { interval: "year" },
      product_data: { name: "Yearly" },
    });
    const { subscription } = await subscribe(monthly);
    const updated = await stripe.subscriptions.update(subscription.id, {
      items: [{ id: subscription.items.data[0].id, price: yearly.id }],
      proration_behavior: "none",
    });
    const item = updated.items.data[0];
    expect(item.current_period_start).toBe(t0);
    expect(item.current_period_end).toBe(Date.parse("2027-01-31T12:00:00.000Z") / 1000);
    expect(updated.billing_cycle_anchor).toBe(t0);
    await offline.flush();
    const [paid] = eventsOfType("invoice.paid").filter((e) => e.data.object.billing_reason === "subscription_update");
    expect(paid.data.object.amount_paid).toBe(10000);
  });

  it("ends a subscription set to cancel at period end when it renews", async () => {
    const { subscription } = await subscribe(await monthlyPrice(1000));
    receiver.events.length = 0;
    const canceling = await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    expect(canceling).toMatchObject({
      status: "active",
      cancel_at_period_end: true,
      cancel_at: subscription.items.data[0].current_period_end,
    });
    const resumed = await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: false });
    expect(resumed).toMatchObject({ cancel_at_period_end: false, cancel_at: null });
    await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });

    const { invoice } = await offline.trigger.renew(subscription.id);
    expect(invoice).toBeNull();
    const [deleted] = eventsOfType("customer.subscription.deleted");
    expect(deleted.data.object).toMatchObject({
      id: subscription.id,
      status: "canceled",
      ended_at: subscription.items.data[0].current_period_end,
    });
    expect(eventsOfType("invoice.paid")).toHaveLength(0);
    expect((await stripe.subscriptions.list({ customer: subscription.customer as string })).data).toHaveLength(0);
    expect((await stripe.subscriptions.list({ status: "canceled" })).data.map((s) => s.id)).toEqual([subscription.id]);
    await expect(offline.trigger.renew(subscription.id)).rejects.toThrow(/has ended/);
  });

  it("cancels a subscription at once with DELETE", async () => {
    const { subscription } = await subscribe(await monthlyPrice(1000));
    const canceled = await stripe.subscriptions.cancel(subscription.id);
    expect(canceled).toMatchObject({ status: "canceled", ended_at: t0, canceled_at: t0 });
    await offline.flush();
    expect(eventsOfType("customer.subscription.deleted")).toHaveLength(1);
  });

  it("declines a renewal when told to and recovers on retry", async () => {
    const { subscription } = await subscribe(await monthlyPrice(1000));
    receiver.events.length = 0;
    await offline.trigger.failNextPayment(subscription.id);
    const { invoice } = await offline.trigger.renew(subscription.id);
    expect(invoice).toMatchObject({ status: "open", amount_paid: 0, attempt_count: 1 });
    const [failed] = eventsOfType("invoice.payment_failed");
    expect(failed.data.object.id).toBe(invoice!.id);
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe("past_due");
    expect(eventsOfType("customer.subscription.updated").at(-1)!.data.object.status).toBe("past_due");

    receiver.events.length = 0;
    await offline.trigger.retryPayment(subscription.id);
    const [paid] = eventsOfType("invoice.paid");
    expect(paid.data.object).toMatchObject({ id: invoice!.id, status: "paid", amount_paid: 1000, attempt_count: 2 });
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe("active");
  });

  it("refunds partially then fully, reporting the running amount_refunded", async () => {
    const price = await stripe.prices.create({
      currency: "usd",
      unit_amount: 1800,
      product_data: { name: "2000 credits" },
    });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: "http://app.test/ok",
    });
    await offline.trigger.payCheckout(session.id);
    const pi = (await stripe.checkout.sessions.retrieve(session.id)).payment_intent as string;
    receiver.events.length = 0;

    const partial = await stripe.refunds.create({ payment_intent: pi, amount: 600 });
    expect(partial).toMatchObject({ object: "refund", amount: 600, status: "succeeded", payment_intent: pi });
    await offline.flush();
    const rest = await offline.trigger.refund({ payment_intent: pi });
    expect(rest.amount).toBe(1200);

    const refunded = eventsOfType("charge.refunded").map((e) => [
      e.data.object.amount_refunded,
      e.data.object.refunded,
    ]);
    expect(refunded).toEqual([
      [600, false],
      [1800, true],
    ]);
    expect(eventsOfType("refund.created").map((e) => e.data.object.amount)).toEqual([600, 1200]);
    await expect(stripe.refunds.create({ payment_intent: pi })).rejects.toMatchObject({
      code: "charge_already_refunded",
      statusCode: 400,
    });
    const charge = await stripe.charges.retrieve(partial.charge as string, { expand: ["refunds"] });
    expect(charge.refunds!.data.map((r) => r.amount).sort()).toEqual([1200, 600]);
  });

  it("refuses more than the unrefunded amount", async () => {
    const price = await stripe.prices.create({ currency: "usd", unit_amount: 500, product_data: { name: "Pack" } });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price: price.id, quantity: 1 }],
    });
    await offline.trigger.payCheckout(session.id);
    const pi = (await stripe.checkout.sessions.retrieve(session.id)).payment_intent as string;
    await expect(stripe.refunds.create({ payment_intent: pi, amount: 501 })).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      param: "amount",
    });
  });

  it("answers a wrong API key with 401", async () => {
    const wrong = sdkFor({ url: offline.url, secretKey: "sk_test_wrong_key_123456" });
    await expect(wrong.customers.list()).rejects.toMatchObject({ type: "StripeAuthenticationError", statusCode: 401 });
    const bare = await fetch(`${offline.url}/v1/customers`);
    expect(bare.status).toBe(401);
    expect((await bare.json()).error.type).toBe("invalid_request_error");
  });

  it("answers an unknown id with 404 resource_missing", async () => {
    await expect(stripe.customers.retrieve("cus_nope")).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      statusCode: 404,
      code: "resource_missing",
      message: "No such customer: 'cus_nope'",
    });
    await expect(stripe.subscriptions.update("sub_nope", { cancel_at_period_end: true })).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(
      stripe.checkout.sessions.create({ mode: "payment", line_items: [{ price: "price_nope", quantity: 1 }] }),
    ).rejects.toMatchObject({ statusCode: 404, param: "line_items[0][price]" });
  });

  it("rejects invalid checkout parameters the way Stripe does", async () => {
    const monthly = await monthlyPrice(1000);
    await expect(
      stripe.checkout.sessions.create({ mode: "payment", line_items: [{ price: monthly.id, quantity: 1 }] }),
    ).rejects.toMatchObject({ statusCode: 400, param: "line_items[0][price]" });
    await expect(
      stripe.checkout.sessions.create({ mode: "subscription", line_items: [{ price: monthly.id }] }),
    ).rejects.toMatchObject({
      statusCode: 400,
      code: "parameter_missing",
      param: "line_items[0][quantity]",
    });
  });

  it("replays the first answer for a repeated Idempotency-Key and creates nothing new", async () => {
    const first = await stripe.customers.create(
      { email: "once@example.com" },
      { idempotencyKey: "customer-for-user-1" },
    );
    const again = await stripe.customers.create(
      { email: "once@example.com" },
      { idempotencyKey: "customer-for-user-1" },
    );
    expect(again.id).toBe(first.id);
    expect((await stripe.customers.list({ email: "once@example.com" })).data).toHaveLength(1);
    await expect(
      stripe.customers.create({ email: "other@example.com" }, { idempotencyKey: "customer-for-user-1" }),
    ).rejects.toMatchObject({ type: "StripeIdempotencyError", statusCode: 400 });
  });

  it("retries a webhook the endpoint answered with 500, and flush waits for it", async () => {
    const price = await stripe.prices.create({ currency: "usd", unit_amount: 500, product_data: { name: "Pack" } });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price: price.id, quantity: 1 }],
    });
    receiver.statuses.push(500, 503);
    await offline.trigger.payCheckout(session.id);
    expect(receiver.events.map((e) => e.type)).toEqual([
      "charge.succeeded",
      "payment_intent.succeeded",
      "checkout.session.completed",
    ]);
    const attempts = offline.deliveries.filter((d) => d.type === "charge.succeeded").map((d) => d.status);
    expect(attempts).toEqual([500, 503, 200]);
  });

  it("retries when the endpoint cannot be reached and gives up after the last attempt", async () => {
    await offline.close();
    await start({
      webhookUrl: "http://127.0.0.1:9/api/webhooks/stripe",
      delivery: { maxAttempts: 2, retryDelayMs: 1 },
    });
    const customer = await stripe.customers.create({ email: "x@example.com" });
    const price = await stripe.prices.create({ currency: "usd", unit_amount: 500, product_data: { name: "Pack" } });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      customer: customer.id,
      line_items: [{ price: price.id, quantity: 1 }],
    });
    await offline.trigger.payCheckout(session.id);
    expect(offline.deliveries).toHaveLength(6);
    expect(offline.deliveries.every((d) => d.status === null && d.error)).toBe(true);
  });

  it("can deliver events shuffled and twice, and every copy verifies", async () => {
    await offline.close();
    let seed = 7;
    await start({
      delivery: {
        shuffle: true,
        duplicate: true,
        random: () => (seed = (seed * 16807) % 2147483647) / 2147483647,
        retryDelayMs: 1,
      },
    });
    const { subscription } = await subscribe(await monthlyPrice(1000));
    expect(receiver.events).toHaveLength(offline.events.length * 2);
    expect(new Set(receiver.events.map((e) => e.id))).toEqual(new Set(offline.events.map((e) => e.id)));
    expect(
      eventsOfType("invoice.paid").every(
        (e) => e.data.object.parent?.subscription_details?.subscription === subscription.id,
      ),
    ).toBe(true);
  });

  it("lets the customer cancel and resume in the portal, and links back", async () => {
    const { customer, subscription } = await subscribe(await monthlyPrice(1000));
    const portal = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: "http://app.test/billing",
    });
    expect(portal.url).toBe(`${offline.url}/portal/${portal.id}`);
    const html = await (await fetch(portal.url)).text();
    expect(html).toContain('href="http://app.test/billing"');
    expect(html).toContain("Cancel subscription");

    receiver.events.length = 0;
    const cancel = await fetch(`${portal.url}/subscriptions/${subscription.id}/cancel`, {
      method: "POST",
      redirect: "manual",
    });
    expect(cancel.status).toBe(303);
    await offline.flush();
    expect((await stripe.subscriptions.retrieve(subscription.id)).cancel_at_period_end).toBe(true);
    expect(eventsOfType("customer.subscription.updated")[0].data.previous_attributes).toMatchObject({
      cancel_at_period_end: false,
    });
    expect(await (await fetch(portal.url)).text()).toContain("Resume subscription");

    await fetch(`${portal.url}/subscriptions/${subscription.id}/resume`, { method: "POST", redirect: "manual" });
    expect((await stripe.subscriptions.retrieve(subscription.id)).cancel_at_period_end).toBe(false);
  });

  it("runs the test-clock triggers over HTTP and answers after the webhooks were delivered", async () => {
    const { subscription } = await subscribe(await monthlyPrice(1000));
    receiver.events.length = 0;
    const res = await fetch(`${offline.url}/_offline/subscriptions/${subscription.id}/renew`, { method: "POST" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { invoice: Stripe.Invoice };
    expect(body.invoice.billing_reason).toBe("subscription_cycle");
    expect(eventsOfType("invoice.paid").map((e) => e.data.object.id)).toEqual([body.invoice.id]);

    const failing = await fetch(`${offline.url}/_offline/subscriptions/${subscription.id}/renew`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ fail: true }),
    });
    expect(((await failing.json()) as { subscription: Stripe.Subscription }).subscription.status).toBe("past_due");
    const missing = await fetch(`${offline.url}/_offline/subscriptions/sub_nope/renew`, { method: "POST" });
    expect(missing.status).toBe(404);
  });

  it("shows a trigger dashboard whose forms come back to it", async () => {
    const { subscription } = await subscribe(await monthlyPrice(1000));
    const html = await (await fetch(`${offline.url}/_offline`)).text();
    expect(html).toContain(subscription.id);
    expect(html).toContain("Renew now");
    const res = await fetch(`${offline.url}/_offline/subscriptions/${subscription.id}/renew`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "return_url=%2F_offline",
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/_offline");
    expect(eventsOfType("invoice.paid").map((e) => e.data.object.billing_reason)).toEqual([
      "subscription_create",
      "subscription_cycle",
    ]);
  });

  it("refunds the whole charge from the dashboard when the amount is left empty", async () => {
    const price = await stripe.prices.create({ currency: "usd", unit_amount: 700, product_data: { name: "Pack" } });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price: price.id, quantity: 1 }],
    });
    await offline.trigger.payCheckout(session.id);
    const pi = await stripe.paymentIntents.retrieve(
      (await stripe.checkout.sessions.retrieve(session.id)).payment_intent as string,
    );
    const chargeId = pi.latest_charge as string;
    expect(await (await fetch(`${offline.url}/_offline`)).text()).toContain("empty: all of it");

    // Exactly what the dashboard's form sends when the amount field is left empty.
    const res = await fetch(`${offline.url}/_offline/refunds`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `return_url=%2F_offline&charge=${chargeId}&amount=`,
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    expect(await stripe.charges.retrieve(chargeId)).toMatchObject({
      amount: 700,
      amount_refunded: 700,
      refunded: true,
    });
  });

  it("keeps its state in the state file across restarts and resumes undelivered events", async () => {
    await offline.close();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "offline-stripe-"));
    const statePath = path.join(dir, "offline-stripe.json");
    try {
      await start({ statePath, webhookUrl: undefined });
      const price = await stripe.prices.create({ currency: "usd", unit_amount: 500, product_data: { name: "Pack" } });
      offline.setWebhookEndpoint("http://127.0.0.1:9/unreachable");
      const session = await stripe.checkout.sessions.create({
        mode: "payment",
        line_items: [{ price: price.id, quantity: 1 }],
      });
      const payment = offline.trigger.payCheckout(session.id);
      await offline.close();
      await payment;

      await start({ statePath, webhookUrl: undefined });
      expect((await stripe.prices.retrieve(price.id)).unit_amount).toBe(500);
      expect((await stripe.checkout.sessions.retrieve(session.id)).payment_status).toBe("paid");
      receiver.events.length = 0;
      offline.setWebhookEndpoint(receiver.url);
      await offline.flush();
      expect(receiver.events.map((e) => e.type)).toContain("checkout.session.completed");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives each state file its own random webhook secret, made once and kept across restarts", async () => {
    const dirs = [
      fs.mkdtempSync(path.join(os.tmpdir(), "offline-secret-")),
      fs.mkdtempSync(path.join(os.tmpdir(), "offline-secret-")),
    ];
    const secretOf = async (dir: string) => {
      const running = await startOfflineStripe({
        port: 0,
        statePath: path.join(dir, "offline-stripe.json"),
        clock,
        logger: silent,
      });
      await running.close();
      return running.webhookSecret;
    };
    try {
      const first = await secretOf(dirs[0]);
      expect(first).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      expect(await secretOf(dirs[0])).toBe(first);
      const other = await secretOf(dirs[1]);
      expect(other).toMatch(/^whsec_/);
      expect(other).not.toBe(first);
      // And in-memory instances (tests, :memory: databases) each get a fresh one.
      expect(
        await startOfflineStripe({ port: 0, logger: silent }).then(async (o) => (await o.close(), o.webhookSecret)),
      ).not.toBe(first);
    } finally {
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serves only the hosted pages through handleHostedPage, under the mount path", async () => {
    const price = await stripe.prices.create({ currency: "usd", unit_amount: 500, product_data: { name: "Pack" } });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: "http://app.test/ok",
    });
    const mount = http.createServer((req, res) => {
      req.url = req.url!.replace(/^\/_offline-stripe/, "") || "/";
      offline.handleHostedPage(req, res, "/_offline-stripe");
    });
    await new Promise<void>((resolve) => mount.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(mount.address() as { port: number }).port}/_offline-stripe`;
    try {
      const html = await (await fetch(`${base}/checkout/${session.id}`)).text();
      expect(html).toContain(`action="/_offline-stripe/checkout/${session.id}/pay"`);
      expect(
        (await fetch(`${base}/v1/customers`, { headers: { authorization: `Bearer ${OFFLINE_STRIPE_SECRET_KEY}` } }))
          .status,
      ).toBe(404);
      expect((await fetch(`${base}/_offline/flush`, { method: "POST" })).status).toBe(404);
    } finally {
      await new Promise<void>((resolve) => {
        mount.close(() => resolve());
        mount.closeAllConnections();
      });
    }
  });
});
