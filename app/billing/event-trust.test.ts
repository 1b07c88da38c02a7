/**
 * Money is decided from the objects Stripe has, never from an event's body: every event here is
 * correctly signed (so it passes verification) but says something Stripe contradicts.
 */
import { and, eq } from "drizzle-orm";
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { creditGrants, topupPurchases } from "../../db/schema";
import { startSubscriptionCheckout, startTopupCheckout } from "./checkout.server";
import { grantRefs } from "./grant-refs";
import { checkoutCtx, payTopup, useBillingHarness, type BillingHarness } from "../../test/billing/harness";
import { getStripeEvent, listStripeEvents } from "./webhook.server";

const harness = useBillingHarness({ start: "2026-01-01T00:00:00.000Z" });

let forged = 0;
/** A Stripe-shaped event around `object`, as a forger with the signing secret (or a stale copy) would send it. */
function forge<T extends { id: string }>(b: BillingHarness, type: string, object: T): Stripe.Event {
  return {
    id: `evt_forged_${++forged}_${process.pid}`,
    object: "event",
    api_version: "2026-10-28.endive",
    created: Math.floor(b.context.clock.now().getTime() / 1000),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  } as unknown as Stripe.Event;
}

function grantsOf(b: BillingHarness, userId: number) {
  return b.context.db.select().from(creditGrants).where(eq(creditGrants.userId, userId)).all();
}

async function subscribe(b: BillingHarness, userId: number) {
  const from = b.mark();
  const checkout = await startSubscriptionCheckout(checkoutCtx(b), b.stripe, { userId, planId: b.plans.starter.id });
  const session = await b.offline.trigger.payCheckout(checkout.sessionId);
  for (const e of b.eventsSince(from)) await b.deliver(e);
  return { subscriptionId: session.subscription as string, invoicePaid: b.eventsSince(from, ["invoice.paid"])[0] };
}

describe("checkout.session.completed", () => {
  it("grants nothing for a signed event saying paid when Stripe has the session unpaid, and holds it with the reason", async () => {
    const b = await harness({ deliver: "manual" });
    const user = b.newUser();
    const checkout = await startTopupCheckout(checkoutCtx(b), b.stripe, {
      userId: user,
      planId: b.plans.pack.id,
      quantity: 3,
    });
    const session = await b.stripe.checkout.sessions.retrieve(checkout.sessionId);
    expect(session.payment_status).toBe("unpaid");
    const event = forge(b, "checkout.session.completed", { ...session, status: "complete", payment_status: "paid" });

    const answer = await b.deliver(event);

    expect(answer).toMatchObject({ status: 200, body: { status: "held" } });
    expect(grantsOf(b, user)).toHaveLength(0);
    expect(b.balance(user)).toBe(0);
    expect(b.counts().topupPurchases).toBe(0);
    const stored = getStripeEvent(b.context.db, event.id)!;
    expect(stored.status).toBe("held");
    expect(stored.error).toMatch(/Stripe has checkout session .* as unpaid/);
    expect(listStripeEvents(b.context.db).map((e) => e.id)).toContain(event.id); // under "Needs attention"
  });

  it("decides from the retrieved session: a stale body saying unpaid still grants once Stripe has it paid", async () => {
    const b = await harness({ deliver: "manual" });
    const user = b.newUser();
    const { completed } = await payTopup(b, user);
    const stale = structuredClone(completed);
    stale.id = `${completed.id}_stale`;
    Object.assign(stale.data.object, { payment_status: "unpaid", status: "open" });

    expect((await b.deliver(stale)).body.status).toBe("processed");
    expect(b.balance(user)).toBe(1000);
  });

  it("takes the pack and quantity from Stripe's line items, not from the body", async () => {
    const b = await harness({ deliver: "manual" });
    const user = b.newUser();
    const { completed, sessionId } = await payTopup(b, user, 1);
    const inflated = structuredClone(completed);
    Object.assign(inflated.data.object, {
      amount_total: 700_000,
      metadata: { userId: String(user), topupPlanId: String(b.plans.pack.id) },
      line_items: { object: "list", data: [{ price: { id: b.plans.pack.stripePriceId }, quantity: 1000 }] },
    });
    expect((await b.deliver(inflated)).body.status).toBe("processed");
    expect(b.balance(user)).toBe(1000);
    const purchase = b.context.db
      .select()
      .from(topupPurchases)
      .where(eq(topupPurchases.stripeCheckoutSessionId, sessionId))
      .get()!;
    expect(purchase).toMatchObject({ quantity: 1, credits: 1000, amountPaidCents: 700 });
  });
});

describe("invoice.paid", () => {
  it("grants nothing for a signed invoice.paid whose invoice Stripe has as unpaid, and holds it with the reason", async () => {
    const b = await harness({ deliver: "manual" });
    const user = b.newUser();
    const { subscriptionId } = await subscribe(b, user);
    expect(b.balance(user)).toBe(1000);
    const { invoice } = await b.offline.trigger.renew(subscriptionId, { fail: true });
    const open = await b.stripe.invoices.retrieve(invoice!.id);
    expect(open.status).toBe("open");
    const event = forge(b, "invoice.paid", {
      ...open,
      status: "paid",
      amount_paid: open.amount_due,
      amount_remaining: 0,
    });

    const answer = await b.deliver(event);

    expect(answer.body.status).toBe("held");
    expect(b.balance(user)).toBe(1000);
    expect(
      b.context.db
        .select()
        .from(creditGrants)
        .where(and(eq(creditGrants.userId, user), eq(creditGrants.sourceRef, grantRefs.invoice(open.id))))
        .all(),
    ).toHaveLength(0);
    expect(getStripeEvent(b.context.db, event.id)!.error).toMatch(/Stripe has invoice .* as open/);
  });

  it("takes the billing reason, lines and subscription from Stripe's invoice, not from the body", async () => {
    const b = await harness({ deliver: "manual" });
    const user = b.newUser();
    const from = b.mark();
    const checkout = await startSubscriptionCheckout(checkoutCtx(b), b.stripe, {
      userId: user,
      planId: b.plans.starter.id,
    });
    await b.offline.trigger.payCheckout(checkout.sessionId);
    for (const e of b.eventsSince(from).filter((e) => e.type !== "invoice.paid")) await b.deliver(e);
    const [invoicePaid] = b.eventsSince(from, ["invoice.paid"]);
    const inflated = structuredClone(invoicePaid);
    const body = inflated.data.object as Stripe.Invoice;
    body.billing_reason = "subscription_cycle";
    for (const line of body.lines.data) {
      line.quantity = 50;
      if (line.pricing?.price_details) line.pricing.price_details.price = b.plans.pro.stripePriceId!;
    }

    expect((await b.deliver(inflated)).body.status).toBe("processed");
    expect(b.balance(user)).toBe(1000); // Starter × 1, as Stripe has it
    const [grant] = grantsOf(b, user);
    expect(grant).toMatchObject({ amount: 1000, reason: "Starter subscription credits" });
  });
});

describe("charge.refunded", () => {
  it("removes nothing for a signed refund event that Stripe's charge contradicts, and holds it with the reason", async () => {
    const b = await harness({ deliver: "manual" });
    const user = b.newUser();
    const { completed } = await payTopup(b, user);
    await b.deliver(completed);
    const session = await b.stripe.checkout.sessions.retrieve((completed.data.object as Stripe.Checkout.Session).id);
    const pi = await b.stripe.paymentIntents.retrieve(session.payment_intent as string);
    const charge = await b.stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge.amount_refunded).toBe(0);
    const event = forge(b, "charge.refunded", { ...charge, amount_refunded: charge.amount, refunded: true });

    const answer = await b.deliver(event);

    expect(answer.body.status).toBe("held");
    expect(b.balance(user)).toBe(1000);
    expect(getStripeEvent(b.context.db, event.id)!.error).toMatch(/Stripe has charge .* with 0 refunded/);
  });
});
