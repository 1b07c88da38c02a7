/** One subscription per customer: a second checkout replaces the first, and a second live subscription is undone. */
import { and, eq } from "drizzle-orm";
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { creditGrants } from "../../db/schema";
import { AppError } from "../utils/errors";
import { ensureStripeCustomer, startSubscriptionCheckout, startTopupCheckout } from "./checkout.server";
import { getCurrentSubscription, LIVE_STATUSES } from "./subscription-state.server";
import { checkoutCtx, useBillingHarness, type BillingHarness } from "../../test/billing/harness";
import { listStripeEvents } from "./webhook.server";

const harness = useBillingHarness({ start: "2026-01-01T00:00:00.000Z" });

function subscriptionGrants(b: BillingHarness, userId: number) {
  return b.context.db
    .select()
    .from(creditGrants)
    .where(and(eq(creditGrants.userId, userId), eq(creditGrants.type, "subscription")))
    .all();
}

/**
 * A subscription Checkout Session made the way the app makes one, but without the app's checks —
 * what a second tab gets when both tabs started checkout at the same moment.
 */
async function racingCheckout(b: BillingHarness, userId: number, plan: { id: number; stripePriceId: string | null }) {
  const customer = await ensureStripeCustomer(checkoutCtx(b), b.stripe, userId);
  return b.stripe.checkout.sessions.create({
    mode: "subscription",
    customer,
    client_reference_id: String(userId),
    metadata: { userId: String(userId), subscriptionPlanId: String(plan.id) },
    subscription_data: { metadata: { userId: String(userId) } },
    line_items: [{ price: plan.stripePriceId!, quantity: 1 }],
    success_url: "http://localhost/billing/success?session_id={CHECKOUT_SESSION_ID}",
  });
}

async function liveInStripe(b: BillingHarness, customer: string): Promise<Stripe.Subscription[]> {
  const all = await b.stripe.subscriptions.list({ customer, status: "all" });
  return all.data.filter((s) => (LIVE_STATUSES as readonly string[]).includes(s.status));
}

async function refundedOf(b: BillingHarness, subscriptionId: string): Promise<number> {
  const sub = await b.stripe.subscriptions.retrieve(subscriptionId);
  const invoice = await b.stripe.invoices.retrieve(sub.latest_invoice as string, { expand: ["payments"] });
  const pi = invoice.payments!.data[0].payment.payment_intent as string;
  const charge = await b.stripe.charges.retrieve((await b.stripe.paymentIntents.retrieve(pi)).latest_charge as string);
  return charge.amount_refunded;
}

describe("starting a subscription checkout", () => {
  it("expires the customer's other open subscription checkouts, and leaves top-up checkouts open", async () => {
    const b = await harness({ deliver: "auto" });
    const user = b.newUser();
    const starter = await startSubscriptionCheckout(checkoutCtx(b), b.stripe, {
      userId: user,
      planId: b.plans.starter.id,
    });
    const topup = await startTopupCheckout(checkoutCtx(b), b.stripe, { userId: user, planId: b.plans.pack.id });
    const pro = await startSubscriptionCheckout(checkoutCtx(b), b.stripe, { userId: user, planId: b.plans.pro.id });

    expect((await b.stripe.checkout.sessions.retrieve(starter.sessionId)).status).toBe("expired");
    expect((await b.stripe.checkout.sessions.retrieve(topup.sessionId)).status).toBe("open");
    expect((await b.stripe.checkout.sessions.retrieve(pro.sessionId)).status).toBe("open");
    await expect(b.offline.trigger.payCheckout(starter.sessionId)).rejects.toThrow(/no longer active/);
    await b.offline.trigger.payCheckout(pro.sessionId);
    expect(getCurrentSubscription(b.context.db, user)).toMatchObject({ planId: b.plans.pro.id, status: "active" });
    expect(b.balance(user)).toBe(5000);
  });

  it("is refused with a clear message while the customer has a live subscription", async () => {
    const b = await harness({ deliver: "auto" });
    const user = b.newUser();
    const first = await startSubscriptionCheckout(checkoutCtx(b), b.stripe, {
      userId: user,
      planId: b.plans.starter.id,
    });
    await b.offline.trigger.payCheckout(first.sessionId);
    const refused = await startSubscriptionCheckout(checkoutCtx(b), b.stripe, {
      userId: user,
      planId: b.plans.pro.id,
    }).catch((e) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: "conflict", message: expect.stringMatching(/change its plan/) });
  });
});

describe("a second live subscription (two tabs, a race)", () => {
  it("is canceled in Stripe with its payment refunded, grants nothing, and shows under Needs attention with the reason", async () => {
    const b = await harness({ deliver: "auto" });
    const user = b.newUser();
    const first = await startSubscriptionCheckout(checkoutCtx(b), b.stripe, {
      userId: user,
      planId: b.plans.starter.id,
    });
    const second = await racingCheckout(b, user, b.plans.pro);
    await b.offline.trigger.payCheckout(first.sessionId);
    const paidSecond = await b.offline.trigger.payCheckout(second.id);
    await b.offline.flush();

    const customer = paidSecond.customer as string;
    const live = await liveInStripe(b, customer);
    expect(live).toHaveLength(1);
    expect((await b.stripe.subscriptions.retrieve(paidSecond.subscription as string)).status).toBe("canceled");
    expect(await refundedOf(b, paidSecond.subscription as string)).toBe(4000);
    expect(await refundedOf(b, live[0].id)).toBe(0);

    expect(subscriptionGrants(b, user)).toHaveLength(1);
    expect(b.balance(user)).toBe(1000);
    expect(getCurrentSubscription(b.context.db, user)).toMatchObject({
      stripeSubscriptionId: live[0].id,
      planId: b.plans.starter.id,
    });
    const attention = listStripeEvents(b.context.db);
    expect(attention.length).toBeGreaterThanOrEqual(1);
    expect(attention.every((e) => e.status === "held")).toBe(true);
    expect(attention.map((e) => e.error).join("\n")).toMatch(
      new RegExp(`second live subscription ${paidSecond.subscription}.*canceled.*refunded`),
    );
  });

  it.each([false, true])(
    "leaves exactly one live, granted subscription whichever one's events arrive first (second first: %s)",
    async (secondFirst) => {
      {
        const b = await harness({ deliver: "manual" });
        const user = b.newUser();
        const first = await startSubscriptionCheckout(checkoutCtx(b), b.stripe, {
          userId: user,
          planId: b.plans.starter.id,
        });
        const second = await racingCheckout(b, user, b.plans.pro);
        const m1 = b.mark();
        await b.offline.trigger.payCheckout(first.sessionId);
        const m2 = b.mark();
        const paid = await b.offline.trigger.payCheckout(second.id);
        const a = b.eventsSince(m1).slice(0, b.eventsSince(m1).length - b.eventsSince(m2).length);
        const c = b.eventsSince(m2);
        for (const e of secondFirst ? [...c, ...a] : [...a, ...c]) expect((await b.deliver(e)).status).toBe(200);
        // What the cancellation and refund made happen reaches the webhook too.
        for (const e of b.eventsSince(m2 + c.length)) expect((await b.deliver(e)).status).toBe(200);

        expect(await liveInStripe(b, paid.customer as string), `second first: ${secondFirst}`).toHaveLength(1);
        expect(subscriptionGrants(b, user)).toHaveLength(1);
        expect(b.balance(user)).toBe(secondFirst ? 5000 : 1000);
      }
    },
  );

  it("answers 503 when both were prepared at once, and the retry undoes the second", async () => {
    const b = await harness({ deliver: "manual" });
    const user = b.newUser();
    const first = await startSubscriptionCheckout(checkoutCtx(b), b.stripe, {
      userId: user,
      planId: b.plans.starter.id,
    });
    const second = await racingCheckout(b, user, b.plans.pro);
    const m1 = b.mark();
    await b.offline.trigger.payCheckout(first.sessionId);
    const m2 = b.mark();
    const paid = await b.offline.trigger.payCheckout(second.id);
    const created = b.eventsSince(m1, ["customer.subscription.created"]);
    expect(created).toHaveLength(2);

    const answers = await Promise.all(created.map((e) => b.deliver(e)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 503]);
    const retry = created[answers.findIndex((a) => a.status === 503)];
    expect((await b.deliver(retry)).body.status).toBe("held");
    for (const e of b.eventsSince(m1).filter((e) => e.type !== "customer.subscription.created")) await b.deliver(e);

    expect(await liveInStripe(b, paid.customer as string)).toHaveLength(1);
    expect(subscriptionGrants(b, user)).toHaveLength(1);
    expect(m2).toBeGreaterThan(m1);
  });
});
