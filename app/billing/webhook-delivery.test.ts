// Stripe delivers at least once, in any order and sometimes at the same moment: these check that
// repeated and simultaneous copies of one event, and events that arrive before everything they
// refer to, still end in exactly one grant.
import { and, eq } from "drizzle-orm";
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { creditGrants, stripeEvents, userSubscriptions } from "../../db/schema";
import { startSubscriptionCheckout } from "./checkout.server";
import { grantRefs } from "./grant-refs";
import { checkoutCtx, payTopup, useBillingHarness, type BillingHarness } from "../../test/billing/harness";
import { getStripeEvent, replayStripeEvent } from "./webhook.server";

const harness = useBillingHarness({ deliver: "manual", start: "2026-03-01T00:00:00.000Z" });

function grantsOf(b: BillingHarness, userId: number, type: "topup" | "subscription") {
  return b.context.db
    .select()
    .from(creditGrants)
    .where(and(eq(creditGrants.userId, userId), eq(creditGrants.type, type)))
    .all();
}

async function deliverRepeatedly(b: BillingHarness, event: Stripe.Event) {
  const inARow: string[] = [];
  for (let i = 0; i < 5; i++) inARow.push((await b.deliver(event)).body.status as string);
  const together = await Promise.all(Array.from({ length: 10 }, () => b.deliver(event)));
  return { inARow, together: together.map((a) => `${a.status} ${String(a.body.status)}`) };
}

describe("the same event delivered many times", () => {
  it("grants a top-up once when it arrives 5 times in a row and then 10 times at once", async () => {
    const b = await harness();
    const user = b.newUser();
    const { completed } = await payTopup(b, user);

    const { inARow, together } = await deliverRepeatedly(b, completed);
    expect(inARow).toEqual(["processed", "duplicate", "duplicate", "duplicate", "duplicate"]);
    expect(together).toEqual(Array(10).fill("200 duplicate"));
    expect(grantsOf(b, user, "topup")).toHaveLength(1);
    expect(b.balance(user)).toBe(1000);
    expect(b.counts().topupPurchases).toBe(1);
    expect(getStripeEvent(b.context.db, completed.id)).toMatchObject({ status: "processed", attempts: 1 });
  });

  it("grants once when 10 copies of a new top-up event arrive at the same moment", async () => {
    const b = await harness();
    const user = b.newUser();
    const { completed } = await payTopup(b, user);

    const answers = await Promise.all(Array.from({ length: 10 }, () => b.deliver(completed)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.filter((a) => a.body.status === "processed")).toHaveLength(1);
    expect(answers.filter((a) => a.body.status === "duplicate")).toHaveLength(9);
    expect(grantsOf(b, user, "topup")).toHaveLength(1);
    expect(b.balance(user)).toBe(1000);
  });

  it("resolves the user and plan from an invoice.paid that arrives first, 10 times at once, and grants once", async () => {
    const b = await harness();
    const user = b.newUser();
    const checkout = await startSubscriptionCheckout(checkoutCtx(b), b.stripe, {
      userId: user,
      planId: b.plans.pro.id,
    });
    const from = b.mark();
    await b.offline.trigger.payCheckout(checkout.sessionId);
    const invoicePaid = b.eventsSince(from, ["invoice.paid"])[0];
    const invoice = invoicePaid.data.object as Stripe.Invoice;

    const answers = await Promise.all(Array.from({ length: 10 }, () => b.deliver(invoicePaid)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(answers.filter((a) => a.body.status === "processed")).toHaveLength(1);
    for (let i = 0; i < 5; i++) expect((await b.deliver(invoicePaid)).body.status).toBe("duplicate");

    const [grant] = grantsOf(b, user, "subscription");
    expect(grantsOf(b, user, "subscription")).toHaveLength(1);
    expect(grant).toMatchObject({ amount: 5000, remaining: 5000, sourceRef: grantRefs.invoice(invoice.id) });
    expect(grant.effectiveAt.getTime()).toBe(b.context.clock.now().getTime());
    expect(grant.expiresAt!.getTime()).toBe(invoice.lines.data[0].period.end * 1000);
    const row = b.context.db.select().from(userSubscriptions).where(eq(userSubscriptions.userId, user)).get()!;
    expect(row).toMatchObject({
      planId: b.plans.pro.id,
      status: "active",
      stripeSubscriptionId: invoice.parent!.subscription_details!.subscription,
    });
    expect(b.balance(user)).toBe(5000);
  });
});

describe("a subscription on a price the app does not know", () => {
  it("holds its events with no placeholder plan, then grants once on replay after an admin created the plan", async () => {
    const b = await harness();
    const user = b.newUser();
    const price = await b.stripe.prices.create({
      currency: "usd",
      unit_amount: 900,
      recurring: { interval: "month" },
      product_data: { name: "Mystery plan" },
    });
    const customer = await b.stripe.customers.create({ email: `mystery-${user}@example.com` });
    const session = await b.stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      client_reference_id: String(user),
      metadata: { userId: String(user) },
      subscription_data: { metadata: { userId: String(user) } },
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: "http://localhost/billing/success?session_id={CHECKOUT_SESSION_ID}",
    });
    const from = b.mark();
    await b.offline.trigger.payCheckout(session.id);
    const events = b.eventsSince(from, ["checkout.session.completed", "customer.subscription.created", "invoice.paid"]);
    expect(events).toHaveLength(3);

    for (const event of events) expect(await b.deliver(event)).toMatchObject({ status: 200, body: { status: "held" } });
    const plans = b.context.db.$client.prepare(
      "select count(*) as n from subscription_plans where stripe_price_id = ?",
    );
    expect(plans.get(price.id)).toEqual({ n: 0 });
    expect(b.balance(user)).toBe(0);
    expect(b.context.db.select().from(stripeEvents).where(eq(stripeEvents.status, "held")).all()).toHaveLength(3);

    await b.createPlan({
      kind: "subscription",
      input: { planFamily: "mystery", publicName: "Mystery", credits: 700, stripePriceId: price.id },
    });
    for (const event of [...events].reverse()) {
      expect((await replayStripeEvent(b.context, b.stripe, event.id)).event).toEqual({
        id: event.id,
        status: "processed",
      });
    }
    for (const event of events) {
      expect(await replayStripeEvent(b.context, b.stripe, event.id)).toMatchObject({ outcome: "duplicate" });
    }
    expect(grantsOf(b, user, "subscription").map((g) => g.amount)).toEqual([700]);
    expect(b.balance(user)).toBe(700);
  });
});

describe("an event about an object Stripe does not know", () => {
  it("is answered 200 and held with the reason, not 5xx, since retrying cannot help; nothing is granted", async () => {
    const b = await harness();
    const user = b.newUser();
    const completed = structuredClone((await payTopup(b, user)).completed);
    completed.id = `${completed.id}_elsewhere`;
    (completed.data.object as Stripe.Checkout.Session).id = "cs_test_not_in_this_account";

    const answer = await b.deliver(completed);
    expect(answer).toEqual({ status: 200, body: { received: true, id: completed.id, status: "held" } });
    const stored = getStripeEvent(b.context.db, completed.id)!;
    expect(stored.status).toBe("held");
    expect(stored.error).toMatch(/cs_test_not_in_this_account/);
    expect(b.balance(user)).toBe(0);
    expect(b.counts().topupPurchases).toBe(0);
    // Still held (and still 200) when Stripe sends it again.
    expect((await b.deliver(completed)).body.status).toBe("held");
  });
});
