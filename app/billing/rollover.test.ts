/**
 * Rollover through Stripe: a plan with rollover terms, bought through Checkout on the offline
 * Stripe, renewed by its test clock; the renewal's invoice.paid carries the unused credits over.
 */
import { describe, expect, it } from "vitest";
import { deductCredits, getBalance } from "../credits/index.server";
import type { SubscriptionPlan } from "../plans/index.server";
import { startSubscriptionCheckout } from "./checkout.server";
import { checkoutCtx, useBillingHarness, type BillingHarness } from "../../test/billing/harness";

const harness = useBillingHarness({ deliver: "auto", start: "2026-01-01T00:00:00.000Z" });

async function subscribe(b: BillingHarness, userId: number, planId: number): Promise<string> {
  const checkout = await startSubscriptionCheckout(checkoutCtx(b), b.stripe, { userId, planId });
  const session = await b.offline.trigger.payCheckout(checkout.sessionId);
  return session.subscription as string;
}

function ledgerTail(b: BillingHarness, userId: number, n: number) {
  return (
    b.context.db.$client
      .prepare(`select type, amount, reason from credit_ledger where user_id = ? order by id desc limit ?`)
      .all(userId, n) as { type: string; amount: number; reason: string }[]
  ).reverse();
}

describe("rollover at renewal", () => {
  it("carries the unused share into the new period, up to the cap, once per renewal and never twice", async () => {
    const b = await harness();
    const plan = (
      await b.createPlan({
        kind: "subscription",
        input: {
          planFamily: "roll",
          publicName: "Roll",
          credits: 1000,
          priceCents: 1500,
          rolloverPercent: 50,
          rolloverMaxCredits: 300,
        },
      })
    ).plan as SubscriptionPlan;
    const user = b.newUser();
    const subscriptionId = await subscribe(b, user, plan.id);
    expect(b.balance(user)).toBe(1000);
    deductCredits(b.context, { userId: user, amount: 500 });
    b.context.clock.advance(86_400_000);

    await b.offline.trigger.renew(subscriptionId);
    // 500 unused: 50 % = 250 (under the cap) rolls over; the plan's 1,000 for the new period.
    expect(b.balance(user)).toBe(1250);
    expect(ledgerTail(b, user, 3)).toEqual([
      { type: "expiration", amount: -500, reason: "Expired" },
      {
        type: "grant",
        amount: 250,
        reason: expect.stringMatching(/^Rolled over from Roll \(period ending [A-Z][a-z]{2} \d{1,2}, \d{4}\)$/),
      },
      { type: "grant", amount: 1000, reason: "Roll subscription credits" },
    ]);
    const rolled = getBalance(b.context, user).grants[0];
    expect(rolled).toMatchObject({ amount: 250, reason: expect.stringContaining("Rolled over") });

    // Nothing spent: 1,000 unused → 500, capped at 300. The 250 rolled over last time do not roll again.
    b.context.clock.advance(86_400_000);
    await b.offline.trigger.renew(subscriptionId);
    const rollovers = b.context.db.$client
      .prepare(`select unused_credits as unused, rolled_credits as rolled from credit_rollovers order by id`)
      .all();
    expect(rollovers).toEqual([
      { unused: 500, rolled: 250 },
      { unused: 1000, rolled: 300 },
    ]);
  });

  it("rolls nothing on a plan without rollover (the default)", async () => {
    const b = await harness();
    const user = b.newUser();
    const subscriptionId = await subscribe(b, user, b.plans.starter.id);
    b.context.clock.advance(86_400_000);
    await b.offline.trigger.renew(subscriptionId);
    expect(b.context.db.$client.prepare(`select count(*) from credit_rollovers`).pluck().get()).toBe(0);
    expect(ledgerTail(b, user, 1)).toEqual([{ type: "grant", amount: 1000, reason: "Starter subscription credits" }]);
  });
});
