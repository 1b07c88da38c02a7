import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { subscriptionPlans, topupPlans } from "../../db/schema";
import { useTestContexts } from "../../test/contexts";
import { subscriptionPlanFixture, topupPlanFixture } from "../../test/plans";
import {
  draftPlan,
  getPlan,
  insertPlan,
  listOfferedPlans,
  parseCreatePlanInput,
  parsePlanPatch,
  removePlan,
  updatePlan,
  type NewSubscriptionPlan,
} from "./index.server";

const ctx = useTestContexts();

const sub = subscriptionPlanFixture;
const topup = topupPlanFixture;

describe("listOfferedPlans", () => {
  it("offers only active, non-legacy, non-archived plans that have a Stripe price, cheapest first", () => {
    const c = ctx();
    const pro = sub(c, { planFamily: "pro", priceCents: 4000, credits: 5000 });
    const starter = sub(c, { planFamily: "starter", priceCents: 1000 });
    sub(c, { planFamily: "basic", isLegacy: true });
    sub(c, { planFamily: "paused", isActive: false });
    sub(c, { planFamily: "gone", isActive: false, archivedAt: c.clock.now() } as Partial<NewSubscriptionPlan>);
    sub(c, { planFamily: "unpriced", stripePriceId: null });
    const big = topup(c, { credits: 2000, priceCents: 1800 });
    const small = topup(c, { credits: 500, priceCents: 500 });
    topup(c, { isLegacy: true });

    const offered = listOfferedPlans(c.db);
    expect(offered.subscriptionPlans.map((p) => p.id)).toEqual([starter.id, pro.id]);
    expect(offered.topupPlans.map((p) => p.id)).toEqual([small.id, big.id]);
  });
});

describe("creating plans", () => {
  it("defaults a new family to version 1 and the next version after that", () => {
    const c = ctx();
    const first = draftPlan(
      c.db,
      parseCreatePlanInput("subscription", { planFamily: "team", publicName: "Team", credits: 10, priceCents: 100 }),
    );
    expect(first.values).toMatchObject({
      version: 1,
      internalId: "team-v1",
      creditExpiryDays: 30,
      isLegacy: false,
      isActive: true,
    });
    sub(c, { planFamily: "team", version: 1 });
    sub(c, { planFamily: "team", version: 4 });
    const next = draftPlan(
      c.db,
      parseCreatePlanInput("subscription", { planFamily: "team", publicName: "Team", credits: 10, priceCents: 100 }),
    );
    expect(next.values).toMatchObject({ version: 5, internalId: "team-v5" });
  });

  it("defaults top-up credits to expire after 365 days", () => {
    const c = ctx();
    const draft = draftPlan(
      c.db,
      parseCreatePlanInput("topup", { internalId: "p", publicName: "P", credits: 10, priceCents: 100 }),
    );
    expect(draft.values.creditExpiryDays).toBe(365);
  });

  it("refuses a duplicate internalId, family version or Stripe price with a conflict naming the field", () => {
    const c = ctx();
    const existing = sub(c, { planFamily: "team", version: 1 });
    const base = { ...existing, stripePriceId: "price_other", internalId: "other", version: 2 };
    const attempt = (values: Partial<NewSubscriptionPlan>) => () =>
      insertPlan(c, { kind: "subscription", values: { ...base, ...values } as NewSubscriptionPlan });
    expect(attempt({ internalId: existing.internalId })).toThrow(
      expect.objectContaining({ code: "conflict", field: "internalId" }),
    );
    expect(attempt({ version: 1 })).toThrow(expect.objectContaining({ code: "conflict", field: "version" }));
    expect(attempt({ stripePriceId: existing.stripePriceId })).toThrow(
      expect.objectContaining({ code: "conflict", field: "stripePriceId" }),
    );
    expect(c.db.select().from(subscriptionPlans).all()).toHaveLength(1);
  });

  it.each([
    [{ planFamily: "x", publicName: "X", priceCents: 1 }, "credits"],
    [{ planFamily: "x", publicName: "X", credits: "100", priceCents: 1 }, "credits"],
    [{ planFamily: "x", publicName: "X", credits: 1.5, priceCents: 1 }, "credits"],
    [{ planFamily: "x", publicName: "X", credits: 0, priceCents: 1 }, "credits"],
    [{ planFamily: "x", publicName: "X", credits: 1 }, "priceCents"],
    [{ planFamily: "x", publicName: "X", credits: 1, priceCents: -1 }, "priceCents"],
    [{ planFamily: "x", publicName: "X", credits: 1, priceCents: 1, interval: "week" }, "interval"],
    [{ planFamily: "x", publicName: "X", credits: 1, priceCents: 1, currency: "dollars" }, "currency"],
    [{ planFamily: "x", publicName: "X", credits: 1, priceCents: 1, creditExpiryDays: 0 }, "creditExpiryDays"],
    [{ planFamily: "x", publicName: "X", credits: 1, priceCents: 1, isLegacy: "yes" }, "isLegacy"],
    [{ planFamily: "x", publicName: "X", credits: 1, priceCents: 1, version: 0 }, "version"],
    [{ planFamily: "has space", publicName: "X", credits: 1, priceCents: 1 }, "planFamily"],
    [{ publicName: "X", credits: 1, priceCents: 1 }, "planFamily"],
    [{ planFamily: "x", publicName: "  ", credits: 1, priceCents: 1 }, "publicName"],
  ])("refuses the subscription plan %j (field %s)", (body, field) => {
    expect(() => parseCreatePlanInput("subscription", body)).toThrow(
      expect.objectContaining({ code: "invalid_request", field }),
    );
  });

  it("needs an internalId for a top-up plan", () => {
    expect(() => parseCreatePlanInput("topup", { publicName: "P", credits: 1, priceCents: 1 })).toThrow(
      expect.objectContaining({ code: "invalid_request", field: "internalId" }),
    );
  });
});

describe("editing plans", () => {
  it("changes publicName, isLegacy, isActive and creditExpiryDays", () => {
    const c = ctx();
    const plan = sub(c);
    const { after, changed } = updatePlan(
      c,
      "subscription",
      plan.id,
      parsePlanPatch({ publicName: "Starter (old)", isLegacy: true, creditExpiryDays: 40, isActive: false }),
    );
    expect(after.plan).toMatchObject({
      publicName: "Starter (old)",
      isLegacy: true,
      creditExpiryDays: 40,
      isActive: false,
    });
    expect(changed.sort()).toEqual(["creditExpiryDays", "isActive", "isLegacy", "publicName"]);
  });

  it.each([
    ["credits", 2000],
    ["priceCents", 1500],
    ["interval", "year"],
    ["currency", "eur"],
  ])("refuses to change %s of a plan with a Stripe price, pointing at a new version", (field, value) => {
    const c = ctx();
    const plan = sub(c);
    expect(() => updatePlan(c, "subscription", plan.id, parsePlanPatch({ [field]: value }))).toThrow(
      expect.objectContaining({ code: "invalid_request", field, message: expect.stringContaining("new version") }),
    );
    expect(getPlan(c.db, "subscription", plan.id)?.plan).toEqual(plan);
  });

  it("accepts a patch that repeats the fixed values", () => {
    const c = ctx();
    const plan = sub(c);
    const { changed } = updatePlan(
      c,
      "subscription",
      plan.id,
      parsePlanPatch({
        credits: plan.credits,
        priceCents: plan.priceCents,
        interval: plan.interval,
        internalId: plan.internalId,
      }),
    );
    expect(changed).toEqual([]);
  });

  it("never changes identity fields", () => {
    const c = ctx();
    const plan = sub(c);
    for (const [field, value] of [
      ["internalId", "x"],
      ["planFamily", "y"],
      ["version", 9],
      ["stripePriceId", "price_z"],
    ] as const) {
      expect(() => updatePlan(c, "subscription", plan.id, parsePlanPatch({ [field]: value }))).toThrow(
        expect.objectContaining({ code: "invalid_request", field }),
      );
    }
  });

  it("lets a plan without a Stripe price change its credits and price", () => {
    const c = ctx();
    const plan = sub(c, { stripePriceId: null });
    const { after } = updatePlan(c, "subscription", plan.id, parsePlanPatch({ credits: 42, priceCents: 99 }));
    expect(after.plan).toMatchObject({ credits: 42, priceCents: 99 });
  });

  it("treats a rollover change like a credits change: a new version once the plan has a Stripe price", () => {
    const c = ctx();
    const plan = sub(c);
    for (const [field, value] of [
      ["rolloverPercent", 50],
      ["rolloverMaxCredits", 100],
    ] as const) {
      expect(() => updatePlan(c, "subscription", plan.id, parsePlanPatch({ [field]: value }))).toThrow(
        expect.objectContaining({ code: "invalid_request", field, message: expect.stringContaining("new version") }),
      );
    }
    expect(getPlan(c.db, "subscription", plan.id)?.plan).toEqual(plan);
    const draft = sub(c, { stripePriceId: null });
    const { after } = updatePlan(c, "subscription", draft.id, parsePlanPatch({ rolloverPercent: 25 }));
    expect(after.plan).toMatchObject({ rolloverPercent: 25, rolloverMaxCredits: null });
  });

  it("reads rollover terms on create: 0–100 %, an optional positive cap, default none", () => {
    const c = ctx();
    const input = { planFamily: "roll", publicName: "Roll", credits: 100, priceCents: 100 };
    expect(draftPlan(c.db, parseCreatePlanInput("subscription", input)).values).toMatchObject({
      rolloverPercent: 0,
      rolloverMaxCredits: null,
    });
    expect(
      draftPlan(c.db, parseCreatePlanInput("subscription", { ...input, rolloverPercent: 40, rolloverMaxCredits: 500 }))
        .values,
    ).toMatchObject({ rolloverPercent: 40, rolloverMaxCredits: 500 });
    for (const bad of [{ rolloverPercent: 101 }, { rolloverPercent: -1 }, { rolloverMaxCredits: 0 }]) {
      expect(() => parseCreatePlanInput("subscription", { ...input, ...bad })).toThrow(
        expect.objectContaining({ code: "invalid_request", field: Object.keys(bad)[0] }),
      );
    }
  });

  it("answers not_found for an unknown plan", () => {
    const c = ctx();
    expect(() => updatePlan(c, "topup", 999, {})).toThrow(expect.objectContaining({ code: "not_found" }));
  });
});

describe("removing plans", () => {
  it("deletes a plan nothing refers to", () => {
    const c = ctx();
    const plan = sub(c);
    expect(removePlan(c, "subscription", plan.id, false)).toMatchObject({ deleted: true });
    expect(getPlan(c.db, "subscription", plan.id)).toBeUndefined();
  });

  it("archives a subscription plan in use, and keeps the first archive date", () => {
    const c = ctx();
    const plan = sub(c);
    const now = c.clock.now();
    const first = removePlan(c, "subscription", plan.id, true);
    expect(first).toMatchObject({ archived: true, plan: { plan: { isActive: false, archivedAt: now } } });
    c.clock.advance(60_000);
    const again = removePlan(c, "subscription", plan.id, true);
    expect(again).toMatchObject({ archived: true, plan: { plan: { archivedAt: now } } });
    expect(getPlan(c.db, "subscription", plan.id)).toBeDefined();
  });

  it("archives a top-up plan in use", () => {
    const c = ctx();
    const plan = topup(c);
    expect(removePlan(c, "topup", plan.id, true)).toMatchObject({ archived: true });
    expect(c.db.select().from(topupPlans).where(eq(topupPlans.id, plan.id)).get()?.isActive).toBe(false);
  });

  it("restores an archived plan when it is made active again", () => {
    const c = ctx();
    const plan = sub(c, { archivedAt: c.clock.now(), isActive: false } as Partial<NewSubscriptionPlan>);
    const { after } = updatePlan(c, "subscription", plan.id, { isActive: true });
    expect(after.plan).toMatchObject({ isActive: true, archivedAt: null });
  });
});
