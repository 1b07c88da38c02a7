import { afterEach, describe, expect, it } from "vitest";
import { findRateCardViolations } from "./invariants.server";
import { subscriptionPlanFixture } from "../../test/plans";
import {
  useCreditsDb,
  newUser,
  grant,
  expectAppError,
  writeCounts,
  DAY_MS,
  type TestCtx,
} from "../credits/test-support";
import { listLedger } from "../credits/index.server";
import {
  addFeaturePrice,
  captureFeatureHold,
  checkUsage,
  createFeature,
  holdFeature,
  includedUnitsLeft,
  listFeatures,
  listPlanFeatures,
  recordUsage,
  setPlanFeature,
  updateFeature,
  usageReport,
  usageSummary,
  type PlanTerms,
  type UsageCtx,
} from "./index.server";

const ADMIN = "user:1";

/** A usage context whose plan terms the test sets per user. */
function usageCtx(ctx: TestCtx, terms: Map<number, PlanTerms> = new Map()): UsageCtx {
  return { ...ctx, planTermsOf: (userId) => terms.get(userId) ?? null };
}

function tokens(ctx: TestCtx) {
  return createFeature(
    ctx,
    { key: "tokens", name: "Tokens", unitName: "token", price: { credits: 1, perUnits: 1000 } },
    ADMIN,
  );
}
function images(ctx: TestCtx) {
  return createFeature(
    ctx,
    { key: "images", name: "Images", unitName: "image", price: { credits: 3, perUnits: 1 } },
    ADMIN,
  );
}

describe("the rate card", () => {
  const db = useCreditsDb();
  afterEach(() => expect(findRateCardViolations(db().db)).toEqual([]));

  it("the invariant checker catches a meter that disagrees with its usage", () => {
    const ctx = db();
    const u = newUser(ctx);
    grant(ctx, u, "topup", 10);
    tokens(ctx);
    recordUsage(usageCtx(ctx), { userId: u, feature: "tokens", quantity: 5 });
    ctx.db.$client.prepare("update usage_meters set units = units + 1").run();
    expect(findRateCardViolations(ctx.db)).toEqual([expect.stringMatching(/^R2 /)]);
    ctx.db.$client.prepare("update usage_meters set units = units - 1").run();
  });

  it("keeps a meter only at a price that can leave a remainder: whole credits per unit charge each use alone", () => {
    const ctx = db();
    const u = newUser(ctx);
    grant(ctx, u, "topup", 100);
    tokens(ctx);
    images(ctx);
    const uctx = usageCtx(ctx);
    for (let i = 0; i < 3; i++) {
      expect(recordUsage(uctx, { userId: u, feature: "images", quantity: 2 }).credits).toBe(6);
      recordUsage(uctx, { userId: u, feature: "tokens", quantity: 400 });
    }
    const meters = ctx.db.$client
      .prepare(
        "select f.key, m.units, m.credits from usage_meters m join feature_prices p on p.id = m.price_id join features f on f.id = p.feature_id",
      )
      .raw(true)
      .all();
    expect(meters).toEqual([["tokens", 1200, 2]]);
  });

  it("creates a feature with its first price and refuses a second with the same key", () => {
    const ctx = db();
    const f = images(ctx);
    expect(f).toMatchObject({ key: "images", archived: false, price: { version: 1, credits: 3, perUnits: 1 } });
    expect(f.prices).toHaveLength(1);
    expectAppError(() => images(ctx), "conflict", "key");
    expect(listFeatures(ctx).map((x) => x.key)).toEqual(["images"]);
  });

  it("charges usage at the price in effect when it is recorded, and lists the history", () => {
    const ctx = db();
    const u = newUser(ctx);
    grant(ctx, u, "topup", 100);
    images(ctx);
    const at = new Date(ctx.clock.now().getTime() + DAY_MS);
    const v2 = addFeaturePrice(ctx, "images", { credits: 5, perUnits: 1, effectiveAt: at }, ADMIN);
    expect(v2.version).toBe(2);
    const uc = usageCtx(ctx);
    expect(recordUsage(uc, { userId: u, feature: "images", quantity: 2 })).toMatchObject({
      credits: 6,
      priceVersion: 1,
    });
    ctx.clock.advance(DAY_MS);
    expect(recordUsage(uc, { userId: u, feature: "images", quantity: 2 })).toMatchObject({
      credits: 10,
      priceVersion: 2,
    });
    expect(listFeatures(ctx)[0].prices.map((p) => p.version)).toEqual([2, 1]);
    expectAppError(
      () => addFeaturePrice(ctx, "images", { credits: 1, perUnits: 1, effectiveAt: new Date(0) }, ADMIN),
      "invalid_request",
      "effectiveAt",
    );
  });

  it("charges 1,000 single tokens exactly 1 credit, names each deduction's feature, quantity and price version, and starts the next credit at the 1,001st", () => {
    const ctx = db();
    const u = newUser(ctx);
    grant(ctx, u, "topup", 10);
    tokens(ctx);
    const uc = usageCtx(ctx);
    const results = Array.from({ length: 1000 }, () => recordUsage(uc, { userId: u, feature: "tokens", quantity: 1 }));
    expect(results.reduce((a, r) => a + r.credits, 0)).toBe(1);
    expect(results[0].deduction).not.toBeNull();
    expect(results[1].deduction).toBeNull();
    expect(results[999].balance).toBe(9);
    const next = recordUsage(uc, { userId: u, feature: "tokens", quantity: 1 });
    expect(next).toMatchObject({ credits: 1, balance: 8 });
    const entries = listLedger(ctx, u).entries.filter((e) => e.type === "deduction");
    expect(entries.map((e) => e.usage)).toEqual([
      { feature: "tokens", quantity: 1, priceVersion: 1, includedUnitsUsed: 0, carriedUnits: 999 },
      { feature: "tokens", quantity: 1, priceVersion: 1, includedUnitsUsed: 0, carriedUnits: 999 },
    ]);
  });

  it("checks without writing, and refuses 402 / 403 / 404 with nothing written", () => {
    const ctx = db();
    const u = newUser(ctx);
    grant(ctx, u, "topup", 5);
    images(ctx);
    const plan = subscriptionPlanFixture(ctx);
    const terms = new Map([[u, { planId: plan.id, periodStartMs: 0, periodEndMs: DAY_MS * 30 }]]);
    const uc = usageCtx(ctx, terms);
    const before = writeCounts(ctx);
    expect(checkUsage(uc, { userId: u, feature: "images", quantity: 1 })).toEqual({
      allowed: true,
      credits: 3,
      balance: 5,
      includedRemaining: 0,
    });
    expect(checkUsage(uc, { userId: u, feature: "images", quantity: 2 })).toMatchObject({
      allowed: false,
      reason: "insufficient_credits",
      credits: 6,
    });
    expectAppError(() => recordUsage(uc, { userId: u, feature: "images", quantity: 2 }), "insufficient_credits");
    expectAppError(() => recordUsage(uc, { userId: u, feature: "nope", quantity: 1 }), "not_found", "feature");
    expectAppError(() => recordUsage(uc, { userId: 999_999, feature: "images", quantity: 1 }), "not_found");
    setPlanFeature(ctx, plan.id, "images", { enabled: false });
    expect(checkUsage(uc, { userId: u, feature: "images", quantity: 1 }).reason).toBe("feature_not_included");
    expectAppError(() => recordUsage(uc, { userId: u, feature: "images", quantity: 1 }), "feature_not_included");
    updateFeature(ctx, "images", { archived: true }, ADMIN);
    expect(checkUsage(uc, { userId: u, feature: "images", quantity: 1 }).reason).toBe("feature_archived");
    expect(writeCounts(ctx)).toEqual(before);
    expect(
      usageSummary(ctx, u, { from: new Date("2026-01-01T00:00:00Z"), to: new Date("2027-01-01T00:00:00Z") }),
    ).toEqual([]);
  });

  it("uses a plan's included units before credits, at the plan's own price, and starts again next period", () => {
    const ctx = db();
    const u = newUser(ctx);
    grant(ctx, u, "topup", 100);
    images(ctx);
    const plan = subscriptionPlanFixture(ctx);
    setPlanFeature(ctx, plan.id, "images", { price: { credits: 2, perUnits: 1 }, includedUnits: 3 });
    expect(listPlanFeatures(ctx, plan.id)).toMatchObject([
      { feature: "images", enabled: true, includedUnits: 3, price: { version: 2, credits: 2 } },
    ]);
    const terms = new Map([[u, { planId: plan.id, periodStartMs: 0, periodEndMs: DAY_MS * 30 }]]);
    const uc = usageCtx(ctx, terms);
    expect(recordUsage(uc, { userId: u, feature: "images", quantity: 2 })).toMatchObject({
      credits: 0,
      includedUnitsUsed: 2,
      deduction: null,
      balance: 100,
    });
    expect(checkUsage(uc, { userId: u, feature: "images", quantity: 2 })).toMatchObject({
      includedRemaining: 1,
      credits: 2,
    });
    expect(recordUsage(uc, { userId: u, feature: "images", quantity: 2 })).toMatchObject({
      credits: 2,
      includedUnitsUsed: 1,
      priceVersion: 2,
    });
    expect(includedUnitsLeft(uc, u)).toMatchObject([{ feature: "images", includedUnits: 3, used: 3, remaining: 0 }]);
    terms.set(u, { planId: plan.id, periodStartMs: DAY_MS * 30, periodEndMs: DAY_MS * 60 });
    expect(includedUnitsLeft(uc, u)).toMatchObject([{ remaining: 3 }]);
    const year = { from: new Date("2026-01-01T00:00:00Z"), to: new Date("2027-01-01T00:00:00Z") };
    const summary = usageSummary(ctx, u, year);
    expect(summary).toEqual([
      { feature: "images", name: "Images", unitName: "image", quantity: 4, credits: 2, includedUnits: 3 },
    ]);
    expect(usageReport(ctx, 30)).toMatchObject([
      { feature: "images", quantity: 4, credits: 2, events: 2, customers: 1 },
    ]);
  });

  it("reports usage by feature over the last days as a fresh sum would, as uses arrive (days cached), customers counted once across days", () => {
    const ctx = db();
    const [a, b] = [newUser(ctx), newUser(ctx)];
    for (const u of [a, b]) grant(ctx, u, "topup", 1_000);
    images(ctx);
    tokens(ctx);
    const uc = usageCtx(ctx);
    const use = (userId: number, feature: string, quantity: number) => recordUsage(uc, { userId, feature, quantity });
    /** The report from scratch: every use in the window, summed in JavaScript. */
    const fresh = (days: number) => {
      const fromMs = (Math.floor(ctx.clock.now().getTime() / DAY_MS) - days + 1) * DAY_MS;
      const rows = ctx.db.$client
        .prepare(
          `select f.key as feature, u.user_id, u.quantity, u.credits, u.included_units from usage_records u
           join features f on f.id = u.feature_id where u.created_at >= ? order by f.key`,
        )
        .all(fromMs) as {
        feature: string;
        user_id: number;
        quantity: number;
        credits: number;
        included_units: number;
      }[];
      const out = new Map<
        string,
        { feature: string; quantity: number; credits: number; events: number; users: Set<number> }
      >();
      for (const r of rows) {
        const f = out.get(r.feature) ?? {
          feature: r.feature,
          quantity: 0,
          credits: 0,
          events: 0,
          users: new Set<number>(),
        };
        out.set(r.feature, f);
        f.quantity += r.quantity;
        f.credits += r.credits;
        f.events += 1;
        f.users.add(r.user_id);
      }
      return [...out.values()].map(({ users, ...f }) => ({ ...f, customers: users.size }));
    };
    const report = (days: number) =>
      usageReport(ctx, days).map(({ feature, quantity, credits, events, customers }) => ({
        feature,
        quantity,
        credits,
        events,
        customers,
      }));

    use(a, "images", 2);
    ctx.clock.advance(DAY_MS);
    use(a, "images", 1);
    use(b, "tokens", 1_500);
    expect(report(30)).toEqual(fresh(30));
    // Both days are cached now: today's new uses, and a second customer of images.
    use(b, "images", 3);
    use(a, "tokens", 500);
    expect(report(30)).toEqual(fresh(30));
    expect(report(30)).toContainEqual(expect.objectContaining({ feature: "images", events: 3, customers: 2 }));
    // A clock moved back: a use stamped on yesterday, a cached day, still counts.
    ctx.clock.advance(-DAY_MS / 2);
    use(b, "images", 1);
    ctx.clock.advance(DAY_MS / 2);
    expect(report(30)).toEqual(fresh(30));
    // The next day: yesterday's uses stay, the window moves.
    ctx.clock.advance(DAY_MS);
    use(a, "images", 1);
    expect(report(30)).toEqual(fresh(30));
    expect(report(1)).toEqual(fresh(1));
    expect(report(1)).toEqual([{ feature: "images", quantity: 1, credits: 3, events: 1, customers: 1 }]);
  });

  it("replays a keyed use without charging again", () => {
    const ctx = db();
    const u = newUser(ctx);
    grant(ctx, u, "topup", 10);
    images(ctx);
    const uc = usageCtx(ctx);
    const first = recordUsage(uc, { userId: u, feature: "images", quantity: 1, idempotencyKey: "k1" });
    const again = recordUsage(uc, { userId: u, feature: "images", quantity: 1, idempotencyKey: "k1" });
    expect(again).toMatchObject({ id: first.id, credits: 3, replayed: true, balance: 7 });
    expectAppError(
      () => recordUsage(uc, { userId: u, feature: "images", quantity: 2, idempotencyKey: "k1" }),
      "idempotency_conflict",
    );
  });

  it("holds the worst case of a feature and captures part of it at the held price", () => {
    const ctx = db();
    const u = newUser(ctx);
    grant(ctx, u, "topup", 20);
    images(ctx);
    const uc = usageCtx(ctx);
    const h = holdFeature(uc, { userId: u, feature: "images", quantity: 5 });
    expect(h.hold).toMatchObject({ amount: 15, feature: "images", quantity: 5, priceVersion: 1 });
    expect(h.balance).toBe(5);
    addFeaturePrice(ctx, "images", { credits: 10, perUnits: 1 }, ADMIN);
    const c = captureFeatureHold(uc, { holdId: h.hold.id, quantity: 2 });
    expect(c.usage).toMatchObject({ credits: 6, quantity: 2, priceVersion: 1, balance: 14 });
    expect(c.hold.status).toBe("captured");
    expectAppError(() => captureFeatureHold(uc, { holdId: h.hold.id, quantity: 1 }), "conflict");
    expectAppError(() => captureFeatureHold(uc, { holdId: h.hold.id, quantity: 9 }), "invalid_request", "quantity");
  });
});
