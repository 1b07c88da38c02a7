import { listStripeEvents } from "./webhook.server";
import { and, asc, eq } from "drizzle-orm";
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { creditGrants, userSubscriptions } from "../../db/schema";
import { MS_PER_DAY } from "../utils/clock";
import { startSubscriptionCheckout } from "./checkout.server";
import { getCurrentSubscription, syncSubscriptionRow } from "./subscription-state.server";
import { changeSubscriptionPlan, setCancelAtPeriodEnd } from "./subscriptions.server";
import { getBillingOverview } from "../pages/billing-overview.server";
import { grantRefs } from "./grant-refs";
import { checkoutCtx, useBillingHarness, type BillingHarness } from "../../test/billing/harness";
import { getStripeEvent } from "./webhook.server";

const harness = useBillingHarness({ start: "2026-01-01T00:00:00.000Z" });

/** Subscribes through Checkout on the offline Stripe; returns the subscription and the three events that matter. */
async function subscribe(b: BillingHarness, userId: number, planId = b.plans.starter.id) {
  const from = b.mark();
  const checkout = await startSubscriptionCheckout(checkoutCtx(b), b.stripe, { userId, planId });
  const session = await b.offline.trigger.payCheckout(checkout.sessionId);
  const subscriptionId = session.subscription as string;
  const pick = (type: string) => b.eventsSince(from, [type])[0];
  return {
    subscriptionId,
    completed: pick("checkout.session.completed"),
    created: pick("customer.subscription.created"),
    invoicePaid: pick("invoice.paid"),
  };
}

function subscriptionGrants(b: BillingHarness, userId: number) {
  return b.context.db
    .select()
    .from(creditGrants)
    .where(and(eq(creditGrants.userId, userId), eq(creditGrants.type, "subscription")))
    .orderBy(asc(creditGrants.id))
    .all();
}

function rowOf(b: BillingHarness, userId: number) {
  return b.context.db.select().from(userSubscriptions).where(eq(userSubscriptions.userId, userId)).get()!;
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((x, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]),
  );
}

describe("a new subscription's events", () => {
  it("reach the same final state with exactly one grant in all six delivery orders", async () => {
    const b = await harness({ deliver: "manual" });
    const states: unknown[] = [];
    for (const order of permutations(["completed", "created", "invoicePaid"] as const)) {
      const user = b.newUser();
      const sub = await subscribe(b, user);
      for (const name of order) expect((await b.deliver(sub[name])).body.status).toBe("processed");
      // Stripe delivers at least once: a second round changes nothing.
      for (const name of order) expect((await b.deliver(sub[name])).body.status).toBe("duplicate");

      const row = rowOf(b, user);
      const grants = subscriptionGrants(b, user);
      expect(grants, `order ${order.join(", ")}`).toHaveLength(1);
      states.push({
        row: {
          planId: row.planId,
          pendingPlanId: row.pendingPlanId,
          status: row.status,
          stripeSubscriptionId: row.stripeSubscriptionId === sub.subscriptionId,
          periodDays: (row.currentPeriodEnd!.getTime() - row.currentPeriodStart!.getTime()) / MS_PER_DAY,
          cancelAtPeriodEnd: row.cancelAtPeriodEnd,
          customerLinked: row.stripeCustomerId !== null,
        },
        grant: {
          amount: grants[0].amount,
          groupRef: grants[0].groupRef === grantRefs.subscription(row.id),
          expiresAtPeriodEnd: grants[0].expiresAt!.getTime() === row.currentPeriodEnd!.getTime(),
          sourceRef: grants[0].sourceRef === grantRefs.invoice((sub.invoicePaid.data.object as Stripe.Invoice).id),
          effectiveAt: grants[0].effectiveAt.toISOString(),
        },
        balance: b.balance(user),
      });
    }
    expect(states).toHaveLength(6);
    for (const state of states) expect(state).toEqual(states[0]);
    expect(states[0]).toMatchObject({
      row: {
        planId: b.plans.starter.id,
        status: "active",
        pendingPlanId: null,
        customerLinked: true,
        stripeSubscriptionId: true,
      },
      grant: { amount: 1000, groupRef: true, expiresAtPeriodEnd: true, sourceRef: true },
      balance: 1000,
    });
  });

  it("grants credits that expire at the end of a 31-day billing period, exactly", async () => {
    const b = await harness({ deliver: "auto" });
    const user = b.newUser();
    const sub = await subscribe(b, user);
    const [grant] = subscriptionGrants(b, user);
    const invoice = sub.invoicePaid.data.object as Stripe.Invoice;
    const line = invoice.lines.data[0];
    expect(line.period.end - line.period.start).toBe(31 * 86_400);
    expect(grant.expiresAt!.getTime()).toBe(line.period.end * 1000);
    expect(grant.expiresAt!.toISOString()).toBe("2026-02-01T00:00:00.000Z");
    expect(grant.effectiveAt.toISOString()).toBe("2026-01-01T00:00:00.000Z");
  });
});

describe("the subscription lifecycle", () => {
  it("grants the plan's credits again on renewal and keeps the earlier grant until it expires", async () => {
    const b = await harness({ deliver: "auto" });
    const user = b.newUser();
    const sub = await subscribe(b, user);
    b.context.clock.set("2026-01-31T12:00:00.000Z");
    await b.offline.trigger.renew(sub.subscriptionId);

    const grants = subscriptionGrants(b, user);
    expect(grants.map((g) => [g.amount, g.expiresAt!.toISOString()])).toEqual([
      [1000, "2026-02-01T00:00:00.000Z"],
      [1000, "2026-03-01T00:00:00.000Z"],
    ]);
    expect(b.balance(user)).toBe(2000);
    expect(rowOf(b, user)).toMatchObject({
      status: "active",
      currentPeriodStart: new Date("2026-02-01T00:00:00.000Z"),
      currentPeriodEnd: new Date("2026-03-01T00:00:00.000Z"),
    });
  });

  it("upgrades at once and grants the credit difference for the rest of the period, rounded to the nearest credit", async () => {
    const b = await harness({ deliver: "auto" });
    const user = b.newUser();
    await subscribe(b, user);
    b.context.clock.set("2026-01-11T00:00:00.000Z"); // 21 of 31 days left

    const result = await changeSubscriptionPlan(b.context, b.stripe, { userId: user, planId: b.plans.pro.id });
    expect(result.change).toBe("upgraded");
    expect(result.subscription).toMatchObject({ planId: b.plans.pro.id, pendingPlanId: null });
    await b.offline.flush();

    const grants = subscriptionGrants(b, user);
    expect(grants).toHaveLength(2);
    // (Pro 5,000 − Starter 1,000) × 21/31 of the period left = 2,709.68 → 2,710, like the money.
    expect(grants[1]).toMatchObject({ amount: 2710, expiresAt: new Date("2026-02-01T00:00:00.000Z") });
    expect(b.balance(user)).toBe(1000 + 2710);
    expect(rowOf(b, user)).toMatchObject({ planId: b.plans.pro.id, pendingPlanId: null });

    // The renewal then bills and grants the new plan in full.
    b.context.clock.set("2026-02-01T00:00:00.000Z");
    await b.offline.trigger.renew(rowOf(b, user).stripeSubscriptionId);
    expect(subscriptionGrants(b, user).at(-1)).toMatchObject({
      amount: 5000,
      expiresAt: new Date("2026-03-01T00:00:00.000Z"),
    });
  });

  it("makes one upgrade, one invoice and one grant when the customer submits the upgrade twice at once", async () => {
    const b = await harness({ deliver: "auto" });
    const user = b.newUser();
    await subscribe(b, user);
    const from = b.mark();

    const results = await Promise.all([
      changeSubscriptionPlan(b.context, b.stripe, { userId: user, planId: b.plans.pro.id }),
      changeSubscriptionPlan(b.context, b.stripe, { userId: user, planId: b.plans.pro.id }),
    ]);
    await b.offline.flush();

    expect(results.map((r) => r.change)).toEqual(["upgraded", "upgraded"]);
    const paid = b.eventsSince(from, ["invoice.paid"]).map((e) => (e.data.object as { id: string }).id);
    expect(new Set(paid).size).toBe(1);
    expect(subscriptionGrants(b, user)).toHaveLength(2);
    expect(b.balance(user)).toBe(1000 + 4000);
    expect(rowOf(b, user)).toMatchObject({ planId: b.plans.pro.id, pendingPlanId: null });
  });

  it("does not upgrade again when Stripe already has the new plan but this server has not heard yet", async () => {
    // A second submit that starts while the first one's Stripe update is done but its webhooks and
    // local row update are not: the local row still says Starter, Stripe says Pro.
    const b = await harness({ deliver: "manual" });
    const user = b.newUser();
    const { subscriptionId, completed, created, invoicePaid } = await subscribe(b, user);
    for (const e of [completed, created, invoicePaid]) await b.deliver(e);
    const sub = await b.stripe.subscriptions.retrieve(subscriptionId);
    await b.stripe.subscriptions.update(subscriptionId, {
      items: [{ id: sub.items.data[0].id, price: b.plans.pro.stripePriceId! }],
      proration_behavior: "always_invoice",
    });
    const from = b.mark();

    const result = await changeSubscriptionPlan(b.context, b.stripe, { userId: user, planId: b.plans.pro.id });

    expect(result.change).toBe("upgraded");
    await b.offline.flush();
    expect(b.eventsSince(from, ["invoice.paid", "invoice.created"])).toHaveLength(0);
    expect(rowOf(b, user)).toMatchObject({ planId: b.plans.pro.id, pendingPlanId: null });
  });

  it("grants nothing for a prorated change to a plan with fewer credits made outside the app", async () => {
    const b = await harness({ deliver: "auto" });
    const user = b.newUser();
    const { subscriptionId } = await subscribe(b, user, b.plans.pro.id);
    const sub = await b.stripe.subscriptions.retrieve(subscriptionId);
    const from = b.mark();
    await b.stripe.subscriptions.update(subscriptionId, {
      items: [{ id: sub.items.data[0].id, price: b.plans.starter.stripePriceId! }],
      proration_behavior: "always_invoice",
    });
    await b.offline.flush();
    const invoicePaid = b.eventsSince(from, ["invoice.paid"])[0];
    expect((invoicePaid.data.object as Stripe.Invoice).billing_reason).toBe("subscription_update");
    expect(getStripeEvent(b.context.db, invoicePaid.id)).toMatchObject({ status: "processed" });
    expect(subscriptionGrants(b, user).map((g) => g.amount)).toEqual([5000]);
  });

  it("schedules a downgrade for renewal, shows it as pending, then bills and grants the new plan at renewal", async () => {
    const b = await harness({ deliver: "auto" });
    const user = b.newUser();
    const sub = await subscribe(b, user, b.plans.pro.id);
    b.context.clock.set("2026-01-15T00:00:00.000Z");

    const result = await changeSubscriptionPlan(b.context, b.stripe, { userId: user, planId: b.plans.starter.id });
    expect(result.change).toBe("downgrade_scheduled");
    await b.offline.flush();
    expect(rowOf(b, user)).toMatchObject({ planId: b.plans.pro.id, pendingPlanId: b.plans.starter.id });
    expect(subscriptionGrants(b, user)).toHaveLength(1); // nothing billed, nothing granted now
    const overview = getBillingOverview(b.context, user);
    expect(overview.subscription).toMatchObject({
      plan: { id: b.plans.pro.id },
      pendingPlan: { id: b.plans.starter.id },
    });
    expect(overview.offeredSubscriptionPlans.map((p) => p.id)).toEqual([b.plans.starter.id, b.plans.pro.id]);

    b.context.clock.set("2026-02-01T00:00:00.000Z");
    await b.offline.trigger.renew(sub.subscriptionId);
    expect(rowOf(b, user)).toMatchObject({ planId: b.plans.starter.id, pendingPlanId: null });
    expect(subscriptionGrants(b, user).map((g) => g.amount)).toEqual([5000, 1000]);
  });

  it("cancels a scheduled downgrade when the customer keeps the current plan", async () => {
    const b = await harness({ deliver: "auto" });
    const user = b.newUser();
    const sub = await subscribe(b, user, b.plans.pro.id);
    await changeSubscriptionPlan(b.context, b.stripe, { userId: user, planId: b.plans.starter.id });
    const kept = await changeSubscriptionPlan(b.context, b.stripe, { userId: user, planId: b.plans.pro.id });
    expect(kept.change).toBe("downgrade_canceled");
    await b.offline.flush();
    expect(rowOf(b, user)).toMatchObject({ planId: b.plans.pro.id, pendingPlanId: null });
    await b.offline.trigger.renew(sub.subscriptionId);
    expect(subscriptionGrants(b, user).map((g) => g.amount)).toEqual([5000, 5000]);
  });

  it("cancels at period end, can resume, and once ended keeps the credits already granted", async () => {
    const b = await harness({ deliver: "auto" });
    const user = b.newUser();
    const sub = await subscribe(b, user);

    await setCancelAtPeriodEnd(b.context, b.stripe, { userId: user, cancel: true });
    await b.offline.flush();
    expect(rowOf(b, user)).toMatchObject({ status: "active", cancelAtPeriodEnd: true });
    await setCancelAtPeriodEnd(b.context, b.stripe, { userId: user, cancel: false });
    await b.offline.flush();
    expect(rowOf(b, user)).toMatchObject({ status: "active", cancelAtPeriodEnd: false, canceledAt: null });

    await setCancelAtPeriodEnd(b.context, b.stripe, { userId: user, cancel: true });
    b.context.clock.set("2026-01-31T23:00:00.000Z");
    await b.offline.trigger.renew(sub.subscriptionId); // the period ends: Stripe deletes it
    expect(rowOf(b, user)).toMatchObject({ status: "canceled" });
    expect(subscriptionGrants(b, user)).toHaveLength(1);
    expect(b.balance(user)).toBe(1000);
    expect(getCurrentSubscription(b.context.db, user)?.status).toBe("canceled");
    await expect(setCancelAtPeriodEnd(b.context, b.stripe, { userId: user, cancel: false })).rejects.toMatchObject({
      code: "conflict",
    });
  });

  it("refuses a second subscription while one is live", async () => {
    const b = await harness({ deliver: "auto" });
    const user = b.newUser();
    await subscribe(b, user);
    await expect(
      startSubscriptionCheckout(checkoutCtx(b), b.stripe, { userId: user, planId: b.plans.pro.id }),
    ).rejects.toMatchObject({ code: "conflict" });
  });

  it("follows Stripe's state whatever order subscription updates arrive in", async () => {
    const b = await harness({ deliver: "manual" });
    const user = b.newUser();
    const sub = await subscribe(b, user);
    for (const e of [sub.completed, sub.created, sub.invoicePaid]) await b.deliver(e);
    const from = b.mark();
    await setCancelAtPeriodEnd(b.context, b.stripe, { userId: user, cancel: true });
    b.context.clock.set("2026-01-02T00:00:00.000Z");
    await setCancelAtPeriodEnd(b.context, b.stripe, { userId: user, cancel: false });
    const [canceling, resumed] = b.eventsSince(from, ["customer.subscription.updated"]);
    expect((await b.deliver(resumed)).body.status).toBe("processed");
    expect((await b.deliver(canceling)).body.status).toBe("processed");
    expect(rowOf(b, user)).toMatchObject({ cancelAtPeriodEnd: false });
  });
});

describe("syncSubscriptionRow", () => {
  it("does not apply a state older than the one stored", async () => {
    const b = await harness({ deliver: "auto" });
    const user = b.newUser();
    const { subscriptionId } = await subscribe(b, user);
    const current = await b.stripe.subscriptions.retrieve(subscriptionId);
    const stored = rowOf(b, user);
    const older = { ...current, status: "past_due" } as Stripe.Subscription;
    const after = syncSubscriptionRow(b.context, {
      userId: user,
      subscription: older,
      plan: b.plans.starter,
      version: (stored.stripeUpdatedAt ?? 0) - 1,
    });
    expect(after.status).toBe("active");
    const newer = syncSubscriptionRow(b.context, {
      userId: user,
      subscription: older,
      plan: b.plans.starter,
      version: (stored.stripeUpdatedAt ?? 0) + 1,
    });
    expect(newer.status).toBe("past_due");
  });

  it("never brings an ended subscription back to life", async () => {
    const b = await harness({ deliver: "auto" });
    const user = b.newUser();
    const { subscriptionId } = await subscribe(b, user);
    await b.stripe.subscriptions.cancel(subscriptionId);
    await b.offline.flush();
    expect(rowOf(b, user).status).toBe("canceled");
    const stale = {
      ...(await b.stripe.subscriptions.retrieve(subscriptionId)),
      status: "active",
    } as Stripe.Subscription;
    const after = syncSubscriptionRow(b.context, {
      userId: user,
      subscription: stale,
      plan: b.plans.starter,
      version: null,
    });
    expect(after.status).toBe("canceled");
  });
});

describe("invoice.paid", () => {
  it("reads the billing reason from Stripe's invoice, not from the event body", async () => {
    const b = await harness({ deliver: "manual" });
    const user = b.newUser();
    const sub = await subscribe(b, user);
    await b.deliver(sub.completed);
    const manual = structuredClone(sub.invoicePaid);
    manual.id = `${manual.id}_manual`;
    (manual.data.object as Stripe.Invoice).billing_reason = "manual"; // Stripe has subscription_create
    expect((await b.deliver(manual)).body.status).toBe("processed");
    expect(subscriptionGrants(b, user)).toHaveLength(1);
    // The real event for the same invoice then finds it granted.
    expect((await b.deliver(sub.invoicePaid)).body.status).toBe("processed");
    expect(subscriptionGrants(b, user)).toHaveLength(1);
  });
});

describe("a renewal paid after its period ended", () => {
  it("grants nothing and is held for an admin to see, with the reason", async () => {
    const b = await harness({ deliver: "manual" });
    const user = b.newUser();
    const { completed, created, invoicePaid } = await subscribe(b, user);
    for (const e of [completed, created]) await b.deliver(e);
    b.context.clock.set("2026-03-01T00:00:00.000Z"); // the first period (January) is long over

    const answer = await b.deliver(invoicePaid);

    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe("held");
    expect(subscriptionGrants(b, user)).toHaveLength(0);
    const [stored] = listStripeEvents(b.context.db, { statuses: ["held"] });
    expect(stored).toMatchObject({ id: invoicePaid.id });
    expect(JSON.stringify(stored)).toContain("credits would already have expired");
  });
});
