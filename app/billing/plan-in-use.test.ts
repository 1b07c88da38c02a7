import { describe, expect, it } from "vitest";
import { useTestContexts } from "../../test/contexts";
import { recordNewUserPurchase, subscribeNewUser, subscriptionPlanFixture, topupPlanFixture } from "../../test/plans";
import type { NewSubscriptionPlan } from "../plans/index.server";
import { isPlanInUse } from "./subscription-state.server";

const ctx = useTestContexts();

const sub = (c: ReturnType<typeof ctx>, values: Partial<NewSubscriptionPlan> = {}) =>
  subscriptionPlanFixture(c, values).id;
const topup = (c: ReturnType<typeof ctx>) => topupPlanFixture(c).id;

describe("isPlanInUse (what removePlan archives instead of deleting)", () => {
  it("is false for plans nothing points at", () => {
    const c = ctx();
    expect(isPlanInUse(c.db, "subscription", sub(c))).toBe(false);
    expect(isPlanInUse(c.db, "topup", topup(c))).toBe(false);
  });

  it("is true for a subscription's current plan, and only for that plan", () => {
    const c = ctx();
    const used = sub(c);
    const other = sub(c);
    subscribeNewUser(c, { email: "s@example.com", planId: used, stripeSubscriptionId: "sub_1" });
    expect(isPlanInUse(c.db, "subscription", used)).toBe(true);
    expect(isPlanInUse(c.db, "subscription", other)).toBe(false);
  });

  it("is true for a plan that is only a pending downgrade target", () => {
    const c = ctx();
    const current = sub(c);
    const target = sub(c);
    subscribeNewUser(c, {
      email: "p@example.com",
      planId: current,
      pendingPlanId: target,
      stripeSubscriptionId: "sub_2",
    });
    expect(isPlanInUse(c.db, "subscription", target)).toBe(true);
  });

  it("is true for a top-up plan that was bought, asked as a top-up (ids of the two kinds are apart)", () => {
    const c = ctx();
    const plan = topup(c);
    recordNewUserPurchase(c, {
      email: "t@example.com",
      planId: plan,
      stripeCheckoutSessionId: "cs_1",
      credits: 500,
      amountPaidCents: 500,
    });
    expect(isPlanInUse(c.db, "topup", plan)).toBe(true);
    expect(isPlanInUse(c.db, "subscription", plan)).toBe(false);
  });
});
