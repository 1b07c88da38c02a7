import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "../../db/schema";
import {
  createPortalSession,
  ensureStripeCustomer,
  getCheckoutStatus,
  startSubscriptionCheckout,
  startTopupCheckout,
} from "./checkout.server";
import { checkoutCtx, useBillingHarness, type BillingHarness } from "../../test/billing/harness";

const harness = useBillingHarness();

const statusOf = (b: BillingHarness, userId: number, sessionId: string) =>
  getCheckoutStatus(checkoutCtx(b), b.stripe, { userId, sessionId });

describe("the Stripe customer", () => {
  it("is created once per user, even for two requests at the same time, and then reused", async () => {
    const b = await harness();
    const user = b.newUser();
    const [a, c] = await Promise.all([
      ensureStripeCustomer(checkoutCtx(b), b.stripe, user),
      ensureStripeCustomer(checkoutCtx(b), b.stripe, user),
    ]);
    expect(a).toBe(c);
    expect(await ensureStripeCustomer(checkoutCtx(b), b.stripe, user)).toBe(a);
    expect(b.context.db.select().from(users).where(eq(users.id, user)).get()!.stripeCustomerId).toBe(a);
    const customer = await b.stripe.customers.retrieve(a);
    expect(customer).toMatchObject({ metadata: { userId: String(user) } });
    const all = await b.stripe.customers.list({ limit: 100 });
    expect(all.data.filter((x) => x.metadata?.userId === String(user))).toHaveLength(1);
  });
});

describe("Checkout Sessions the app creates", () => {
  it("carry the user id as client_reference_id and metadata.userId; subscriptions carry it in subscription_data.metadata", async () => {
    const b = await harness();
    const user = b.newUser();
    const topup = await startTopupCheckout(checkoutCtx(b), b.stripe, {
      userId: user,
      planId: b.plans.pack.id,
      quantity: 3,
    });
    const topupSession = await b.stripe.checkout.sessions.retrieve(topup.sessionId, { expand: ["line_items"] });
    expect(topupSession).toMatchObject({
      mode: "payment",
      client_reference_id: String(user),
      metadata: { userId: String(user) },
    });
    expect(topupSession.line_items!.data[0]).toMatchObject({ quantity: 3, price: { id: b.plans.pack.stripePriceId } });
    expect(topup.url).toContain(topup.sessionId);

    const sub = await startSubscriptionCheckout(checkoutCtx(b), b.stripe, { userId: user, planId: b.plans.starter.id });
    await b.offline.trigger.payCheckout(sub.sessionId);
    const subSession = await b.stripe.checkout.sessions.retrieve(sub.sessionId);
    expect(subSession).toMatchObject({
      mode: "subscription",
      client_reference_id: String(user),
      metadata: { userId: String(user) },
    });
    const subscription = await b.stripe.subscriptions.retrieve(subSession.subscription as string);
    expect(subscription.metadata).toMatchObject({ userId: String(user) });
    expect(subSession.customer).toBe(topupSession.customer);
  });

  it("are refused for plans that are not on sale and for quantities out of range", async () => {
    const b = await harness();
    const user = b.newUser();
    const { editPlan } = await import("./plan-sync.server");
    await editPlan({ ...b.context, stripe: b.stripe }, "subscription", b.plans.starter.id, { isLegacy: true }, "test");
    await expect(
      startSubscriptionCheckout(checkoutCtx(b), b.stripe, { userId: user, planId: b.plans.starter.id }),
    ).rejects.toMatchObject({ code: "invalid_request", field: "planId" });
    await expect(startTopupCheckout(checkoutCtx(b), b.stripe, { userId: user, planId: 9999 })).rejects.toMatchObject({
      code: "invalid_request",
    });
    for (const quantity of [0, 11, 1.5]) {
      await expect(
        startTopupCheckout(checkoutCtx(b), b.stripe, { userId: user, planId: b.plans.pack.id, quantity }),
      ).rejects.toMatchObject({ code: "invalid_request", field: "quantity" });
    }
  });
});

describe("the success page's status", () => {
  it("says the credits are on their way until the webhook granted them, then shows them", async () => {
    const b = await harness({ deliver: "manual" });
    const user = b.newUser();
    const checkout = await startTopupCheckout(checkoutCtx(b), b.stripe, { userId: user, planId: b.plans.pack.id });
    expect(await statusOf(b, user, checkout.sessionId)).toMatchObject({
      state: "unpaid",
    });
    const from = b.mark();
    await b.offline.trigger.payCheckout(checkout.sessionId);
    expect(await statusOf(b, user, checkout.sessionId)).toEqual({
      state: "pending",
      kind: "topup",
    });
    await b.deliver(b.eventsSince(from, ["checkout.session.completed"])[0]);
    expect(await statusOf(b, user, checkout.sessionId)).toEqual({
      state: "granted",
      kind: "topup",
      credits: 1000,
      planName: "1,000 credits",
    });
  });

  it("shows a subscription's first credits once its invoice was processed", async () => {
    const b = await harness({ deliver: "manual" });
    const user = b.newUser();
    const checkout = await startSubscriptionCheckout(checkoutCtx(b), b.stripe, {
      userId: user,
      planId: b.plans.starter.id,
    });
    const from = b.mark();
    await b.offline.trigger.payCheckout(checkout.sessionId);
    await b.deliver(b.eventsSince(from, ["checkout.session.completed"])[0]);
    expect(await statusOf(b, user, checkout.sessionId)).toMatchObject({
      state: "pending",
      kind: "subscription",
    });
    await b.deliver(b.eventsSince(from, ["invoice.paid"])[0]);
    expect(await statusOf(b, user, checkout.sessionId)).toEqual({
      state: "granted",
      kind: "subscription",
      credits: 1000,
      planName: "Starter",
    });
  });

  it("is not found for another user's session or an unknown one", async () => {
    const b = await harness();
    const user = b.newUser();
    const other = b.newUser();
    const checkout = await startTopupCheckout(checkoutCtx(b), b.stripe, { userId: user, planId: b.plans.pack.id });
    await expect(statusOf(b, other, checkout.sessionId)).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(statusOf(b, user, "cs_unknown")).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(statusOf(b, user, "../../v1/customers")).rejects.toMatchObject({
      code: "not_found",
    });
  });
});

describe("the customer portal", () => {
  it("opens for the user's Stripe customer and returns to the billing page", async () => {
    const b = await harness();
    const user = b.newUser();
    const { url } = await createPortalSession(checkoutCtx(b), b.stripe, user);
    expect(url).toMatch(/\/portal\//);
  });
});
