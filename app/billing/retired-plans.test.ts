/** Deleted and archived plans stay that way, even when a Checkout opened before is paid. */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, deletedPlanPrices, topupPurchases } from "../../db/schema";
import { listOfferedPlans, type TopupPlan } from "../plans/index.server";
import { startTopupCheckout } from "./checkout.server";
import { deleteOrArchivePlan } from "./plan-sync.server";
import { checkoutCtx, payTopup, useBillingHarness, type BillingHarness } from "../../test/billing/harness";

const harness = useBillingHarness({ start: "2026-01-01T00:00:00.000Z" });

async function newPack(b: BillingHarness, internalId: string): Promise<TopupPlan> {
  const created = await b.createPlan({
    kind: "topup",
    input: { internalId, publicName: `Pack ${internalId}`, credits: 300, priceCents: 300 },
  });
  return created.plan as TopupPlan;
}

const offeredTopupIds = (b: BillingHarness) => listOfferedPlans(b.context.db).topupPlans.map((p) => p.id);
const admin = (b: BillingHarness) => ({ ...b.context, stripe: b.stripe });

describe("a plan deleted while a Checkout for it was open", () => {
  it("honours the payment with the deleted plan's credits but never puts the plan back on sale", async () => {
    const b = await harness({ deliver: "manual" });
    const user = b.newUser();
    const pack = await newPack(b, "gone-pack");
    const checkout = await startTopupCheckout(checkoutCtx(b), b.stripe, { userId: user, planId: pack.id, quantity: 2 });
    const from = b.mark();
    await b.offline.trigger.payCheckout(checkout.sessionId); // paid, its events not delivered yet
    expect(await deleteOrArchivePlan(admin(b), "topup", pack.id, "test")).toEqual({ deleted: true });
    expect(
      b.context.db
        .select()
        .from(deletedPlanPrices)
        .where(eq(deletedPlanPrices.stripePriceId, pack.stripePriceId!))
        .get(),
    ).toMatchObject({
      kind: "topup",
    });

    for (const e of b.eventsSince(from)) expect((await b.deliver(e)).status).toBe(200);

    expect(b.balance(user)).toBe(600);
    const purchase = b.context.db
      .select()
      .from(topupPurchases)
      .where(eq(topupPurchases.stripeCheckoutSessionId, checkout.sessionId))
      .get()!;
    expect(purchase.credits).toBe(600);
    expect(offeredTopupIds(b)).not.toContain(purchase.planId);
    const actions = b.context.db
      .select()
      .from(auditLog)
      .all()
      .map((a) => a.action);
    expect(actions).not.toContain("plan.created_from_stripe");
    expect(actions).toContain("plan.recorded_archived_from_deleted");
  });

  it("uses the credits the deleted plan promised, not the price's metadata", async () => {
    const b = await harness({ deliver: "manual" });
    const user = b.newUser();
    const pack = await newPack(b, "gone-pack-2");
    const checkout = await startTopupCheckout(checkoutCtx(b), b.stripe, { userId: user, planId: pack.id });
    const from = b.mark();
    await b.offline.trigger.payCheckout(checkout.sessionId);
    await deleteOrArchivePlan(admin(b), "topup", pack.id, "test");
    await b.stripe.prices.update(pack.stripePriceId!, { metadata: { credits: "999999" } });

    for (const e of b.eventsSince(from)) await b.deliver(e);
    expect(b.balance(user)).toBe(300);
  });
});

describe("archiving or deleting a plan", () => {
  it("expires the plan's open Checkout Sessions, so they can no longer be paid", async () => {
    const b = await harness({ deliver: "auto" });
    const buyer = b.newUser();
    const late = b.newUser();
    await payTopup(b, buyer); // the demo pack is now referenced: removing it archives it
    const open = await startTopupCheckout(checkoutCtx(b), b.stripe, { userId: late, planId: b.plans.pack.id });
    const other = await newPack(b, "kept-pack");
    const unrelated = await startTopupCheckout(checkoutCtx(b), b.stripe, { userId: late, planId: other.id });

    expect(await deleteOrArchivePlan(admin(b), "topup", b.plans.pack.id, "test")).toMatchObject({ archived: true });

    expect((await b.stripe.checkout.sessions.retrieve(open.sessionId)).status).toBe("expired");
    await expect(b.offline.trigger.payCheckout(open.sessionId)).rejects.toThrow(/no longer active/);
    expect((await b.stripe.checkout.sessions.retrieve(unrelated.sessionId)).status).toBe("open");
    expect(b.balance(late)).toBe(0);
  });

  it("honours a payment for an archived plan and leaves the plan archived", async () => {
    const b = await harness({ deliver: "manual" });
    const buyer = b.newUser();
    const late = b.newUser();
    for (const e of (await payTopup(b, buyer)).events) await b.deliver(e);
    const checkout = await startTopupCheckout(checkoutCtx(b), b.stripe, { userId: late, planId: b.plans.pack.id });
    const from = b.mark();
    await b.offline.trigger.payCheckout(checkout.sessionId);
    expect(await deleteOrArchivePlan(admin(b), "topup", b.plans.pack.id, "test")).toMatchObject({ archived: true });

    for (const e of b.eventsSince(from)) await b.deliver(e);
    expect(b.balance(late)).toBe(1000);
    expect(offeredTopupIds(b)).not.toContain(b.plans.pack.id);
  });
});
