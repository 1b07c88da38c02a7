import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { count, eq } from "drizzle-orm";
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { auditLog, subscriptionPlans, topupPlans } from "../../db/schema";
import { useTestContexts, type TestContext } from "../../test/contexts";
import { seedDemoPlans } from "../server/demo-seed.server";
import { createPlan, editPlan } from "./plan-sync.server";
import { listOfferedPlans, parseCreatePlanInput } from "../plans/index.server";
import { startTestStripe } from "../../test/billing/test-stripe";
import { planFromStripePrice, resolvePlanFromStripePrice } from "./price-to-plan.server";
import { writeTransaction } from "../../db/transaction";

const ctx = useTestContexts();

/** A Stripe price as the API returns it with `expand: ["product"]`. */
function stripePrice(
  overrides: Partial<Omit<Stripe.Price, "recurring">> & { recurring?: Partial<Stripe.Price.Recurring> | null } = {},
): Stripe.Price {
  const { recurring, ...rest } = overrides;
  return {
    id: "price_test_1",
    object: "price",
    active: true,
    billing_scheme: "per_unit",
    created: 1_767_225_600,
    currency: "usd",
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: { id: "prod_test_1", object: "product", name: "Team plan", active: true } as Stripe.Product,
    recurring:
      recurring === null
        ? null
        : ({
            interval: "month",
            interval_count: 1,
            meter: null,
            trial_period_days: null,
            usage_type: "licensed",
            ...recurring,
          } as Stripe.Price.Recurring),
    tax_behavior: "unspecified",
    tiers_mode: null,
    transform_quantity: null,
    type: recurring === null ? "one_time" : "recurring",
    unit_amount: 1500,
    unit_amount_decimal: "1500",
    ...rest,
  } as Stripe.Price;
}

function planCounts(c: ReturnType<typeof ctx>) {
  const subs = c.db.select({ n: count() }).from(subscriptionPlans).get()!.n;
  const topups = c.db.select({ n: count() }).from(topupPlans).get()!.n;
  return { subs, topups };
}

describe("planFromStripePrice", () => {
  it("reads credits, family, version, internalId, publicName and expiry from the price's metadata", () => {
    const parsed = planFromStripePrice(
      stripePrice({
        metadata: {
          credits: "2500",
          planFamily: "team",
          version: "3",
          internalId: "team-v3",
          publicName: "Team",
          creditExpiryDays: "45",
        },
      }),
    );
    expect(parsed).toEqual({
      ok: true,
      kind: "subscription",
      values: expect.objectContaining({
        internalId: "team-v3",
        planFamily: "team",
        version: 3,
        publicName: "Team",
        credits: 2500,
        creditExpiryDays: 45,
        priceCents: 1500,
        currency: "usd",
        interval: "month",
        stripePriceId: "price_test_1",
        stripeProductId: "prod_test_1",
      }),
    });
  });

  it("derives missing names from the price and product ids and defaults expiry by kind", () => {
    const sub = planFromStripePrice(stripePrice({ metadata: { credits: "10" } }));
    expect(sub).toMatchObject({
      ok: true,
      kind: "subscription",
      values: {
        internalId: "stripe-price_test_1",
        planFamily: "prod_test_1",
        version: null,
        publicName: "Team plan",
        creditExpiryDays: 30,
      },
    });
    const topup = planFromStripePrice(
      stripePrice({ recurring: null, nickname: "Big pack", metadata: { credits: "10" } }),
    );
    expect(topup).toMatchObject({ ok: true, kind: "topup", values: { publicName: "Big pack", creditExpiryDays: 365 } });
  });

  it.each([
    ["missing", {}],
    ["empty", { credits: "" }],
    ["not a number", { credits: "abc" }],
    ["zero", { credits: "0" }],
    ["a fraction", { credits: "1.5" }],
    ["negative", { credits: "-5" }],
    ["in exponent form", { credits: "1e3" }],
  ])("holds a price whose credits metadata is %s", (_what, metadata) => {
    const parsed = planFromStripePrice(stripePrice({ metadata }));
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toMatch(/price_test_1.*credits/);
  });

  it("holds prices that cannot be billed as a plan", () => {
    const meta = { credits: "100" };
    expect(planFromStripePrice(stripePrice({ metadata: meta, unit_amount: null })).ok).toBe(false);
    expect(planFromStripePrice(stripePrice({ metadata: meta, recurring: { interval: "week" } })).ok).toBe(false);
    expect(planFromStripePrice(stripePrice({ metadata: meta, recurring: { interval_count: 3 } })).ok).toBe(false);
    expect(planFromStripePrice(stripePrice({ metadata: meta, recurring: { usage_type: "metered" } })).ok).toBe(false);
    expect(planFromStripePrice(stripePrice({ metadata: { ...meta, creditExpiryDays: "soon" } })).ok).toBe(false);
    expect(planFromStripePrice(stripePrice({ metadata: { ...meta, version: "two" } })).ok).toBe(false);
  });
});

describe("resolvePlanFromStripePrice", () => {
  it("returns the known plan of a price, even when it is legacy and archived", () => {
    const c = ctx();
    const now = c.clock.now();
    const row = c.db
      .insert(subscriptionPlans)
      .values({
        internalId: "old-v1",
        planFamily: "old",
        version: 1,
        publicName: "Old",
        stripePriceId: "price_test_1",
        credits: 300,
        priceCents: 900,
        isLegacy: true,
        isActive: false,
        archivedAt: now,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
    // The metadata disagrees on purpose: a known price is never re-read from Stripe.
    const resolved = resolvePlanFromStripePrice(c, stripePrice({ metadata: { credits: "999" } }));
    expect(resolved).toEqual({ kind: "subscription", plan: row });
    expect(planCounts(c)).toEqual({ subs: 1, topups: 0 });
  });

  it("creates a subscription plan from a new recurring price's metadata", () => {
    const c = ctx();
    const resolved = resolvePlanFromStripePrice(
      c,
      stripePrice({
        currency: "EUR",
        unit_amount: 4900,
        recurring: { interval: "year" },
        metadata: {
          credits: "60000",
          planFamily: "pro",
          version: "2",
          internalId: "pro-yearly-v2",
          publicName: "Pro yearly",
        },
      }),
    );
    expect(resolved.kind).toBe("subscription");
    if (resolved.kind !== "subscription") return;
    expect(resolved.plan).toMatchObject({
      internalId: "pro-yearly-v2",
      planFamily: "pro",
      version: 2,
      publicName: "Pro yearly",
      credits: 60000,
      priceCents: 4900,
      currency: "eur",
      interval: "year",
      creditExpiryDays: 30,
      stripePriceId: "price_test_1",
      stripeProductId: "prod_test_1",
      isLegacy: false,
      isActive: true,
      archivedAt: null,
    });
    const audit = c.db.select().from(auditLog).all();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: "stripe",
      action: "plan.created_from_stripe",
      subject: `subscription_plan:${resolved.plan.id}`,
    });
  });

  it("creates a top-up plan from a new one-time price's metadata", () => {
    const c = ctx();
    const resolved = resolvePlanFromStripePrice(
      c,
      stripePrice({
        id: "price_pack",
        recurring: null,
        unit_amount: 700,
        metadata: { credits: "750", internalId: "pack-750" },
      }),
    );
    expect(resolved).toMatchObject({
      kind: "topup",
      plan: {
        internalId: "pack-750",
        credits: 750,
        priceCents: 700,
        creditExpiryDays: 365,
        stripePriceId: "price_pack",
      },
    });
    expect(planCounts(c)).toEqual({ subs: 0, topups: 1 });
  });

  it("creates the plan of a price Stripe has inactive as archived, so it is honoured but not put on sale", () => {
    const c = ctx();
    const resolved = resolvePlanFromStripePrice(
      c,
      stripePrice({ id: "price_old", active: false, metadata: { credits: "500", planFamily: "old" } }),
    );
    expect(resolved).toMatchObject({ kind: "subscription", plan: { credits: 500, isActive: false } });
    expect(resolved.kind === "subscription" && resolved.plan.archivedAt).toBeInstanceOf(Date);
    expect(listOfferedPlans(c.db).subscriptionPlans).toHaveLength(0);
  });

  it("gives a family without a version metadata its next version", () => {
    const c = ctx();
    const first = resolvePlanFromStripePrice(
      c,
      stripePrice({ id: "price_a", metadata: { credits: "10", planFamily: "solo" } }),
    );
    const second = resolvePlanFromStripePrice(
      c,
      stripePrice({ id: "price_b", metadata: { credits: "20", planFamily: "solo" } }),
    );
    expect(first).toMatchObject({ kind: "subscription", plan: { version: 1 } });
    expect(second).toMatchObject({ kind: "subscription", plan: { version: 2 } });
  });

  it("holds a price without credits metadata and writes nothing", () => {
    const c = ctx();
    const resolved = resolvePlanFromStripePrice(c, stripePrice({ metadata: { planFamily: "team" } }));
    expect(resolved).toEqual({ kind: "held", reason: expect.stringContaining("no credits metadata") });
    expect(planCounts(c)).toEqual({ subs: 0, topups: 0 });
    expect(c.db.select({ n: count() }).from(auditLog).get()!.n).toBe(0);
  });

  it.each(["abc", "0", "1.5"])("holds a price with credits %j and creates no placeholder plan", (credits) => {
    const c = ctx();
    const resolved = resolvePlanFromStripePrice(c, stripePrice({ recurring: null, metadata: { credits } }));
    expect(resolved.kind).toBe("held");
    expect(resolved.kind === "held" && resolved.reason).toContain(`credits="${credits}"`);
    expect(planCounts(c)).toEqual({ subs: 0, topups: 0 });
  });

  it("holds a price whose metadata names a plan that belongs to another price", () => {
    const c = ctx();
    resolvePlanFromStripePrice(c, stripePrice({ id: "price_a", metadata: { credits: "10", internalId: "team-v1" } }));
    const clash = resolvePlanFromStripePrice(
      c,
      stripePrice({ id: "price_b", metadata: { credits: "10", internalId: "team-v1" } }),
    );
    expect(clash).toEqual({ kind: "held", reason: expect.stringMatching(/price_b.*internalId "team-v1".*price_a/) });
    const versionClash = resolvePlanFromStripePrice(
      c,
      stripePrice({ id: "price_c", metadata: { credits: "10", planFamily: "prod_test_1", version: "1" } }),
    );
    expect(versionClash).toEqual({
      kind: "held",
      reason: expect.stringContaining('version 1 of plan family "prod_test_1"'),
    });
    expect(planCounts(c)).toEqual({ subs: 1, topups: 0 });
  });

  it("resolves the same new price to one plan however often it is called", async () => {
    const c = ctx();
    const price = stripePrice({ metadata: { credits: "100" } });
    const results = await Promise.all(Array.from({ length: 10 }, async () => resolvePlanFromStripePrice(c, price)));
    const ids = new Set(results.map((r) => (r.kind === "held" ? null : r.plan.id)));
    expect(ids.size).toBe(1);
    expect(planCounts(c)).toEqual({ subs: 1, topups: 0 });
    expect(c.db.select({ n: count() }).from(auditLog).get()!.n).toBe(1);
  });

  it("nests in the caller's IMMEDIATE transaction: the plan commits or rolls back with it", () => {
    const c = ctx();
    const price = stripePrice({ metadata: { credits: "100" } });
    expect(() =>
      writeTransaction(c.db, () => {
        expect(resolvePlanFromStripePrice(c, price).kind).toBe("subscription");
        throw new Error("the webhook failed after resolving the plan");
      }),
    ).toThrow("the webhook failed");
    expect(planCounts(c)).toEqual({ subs: 0, topups: 0 });

    const id = writeTransaction(c.db, () => {
      const r = resolvePlanFromStripePrice(c, price);
      return r.kind === "subscription" ? r.plan.id : null;
    });
    expect(
      c.db.select().from(subscriptionPlans).where(eq(subscriptionPlans.stripePriceId, "price_test_1")).get()?.id,
    ).toBe(id);
  });

  it("creates one plan when several processes resolve the same new price at once", async () => {
    const c = ctx();
    const price = stripePrice({ id: "price_race", metadata: { credits: "100", planFamily: "race" } });
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
    const script = `
      const { openDatabase } = await import(${JSON.stringify(path.join(root, "db/client.ts"))});
      const { resolvePlanFromStripePrice } = await import(${JSON.stringify(path.join(root, "app/billing/price-to-plan.server.ts"))});
      const db = openDatabase(process.env.PLAN_RACE_DB);
      const price = JSON.parse(process.env.PLAN_RACE_PRICE);
      const clock = { now: () => new Date("2026-01-01T00:00:00Z") };
      const ids = [];
      for (let i = 0; i < 25; i++) {
        const r = resolvePlanFromStripePrice({ db, clock }, price);
        ids.push(r.kind === "held" ? r.reason : r.plan.id);
      }
      process.stdout.write(JSON.stringify(ids));
    `;
    const run = promisify(execFile);
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
          cwd: root,
          env: { ...process.env, PLAN_RACE_DB: c.path, PLAN_RACE_PRICE: JSON.stringify(price), LOG_LEVEL: "silent" },
        }),
      ),
    );
    const ids = outputs.flatMap((o) => JSON.parse(o.stdout) as unknown[]);
    expect(ids).toHaveLength(100);
    expect(new Set(ids).size).toBe(1);
    expect(typeof ids[0]).toBe("number");
    expect(planCounts(c)).toEqual({ subs: 1, topups: 0 });
  });
});

describe("plan creation input", () => {
  it("refuses a subscription plan without credits before touching Stripe", async () => {
    const c = ctx();
    const stripe = new Proxy({} as Stripe, {
      get() {
        throw new Error("Stripe must not be called for invalid input");
      },
    });
    expect(() => parseCreatePlanInput("subscription", { planFamily: "x", publicName: "X", priceCents: 100 })).toThrow(
      expect.objectContaining({ code: "invalid_request", field: "credits" }),
    );
    const create = parseCreatePlanInput("subscription", {
      planFamily: "dup",
      version: 1,
      publicName: "Dup",
      credits: 1,
      priceCents: 100,
      stripePriceId: "price_dup",
    });
    const now = c.clock.now();
    c.db
      .insert(subscriptionPlans)
      .values({
        internalId: "other",
        planFamily: "dup",
        version: 1,
        publicName: "D",
        credits: 1,
        priceCents: 1,
        createdAt: now,
        updatedAt: now,
      })
      .run();
    await expect(createPlan({ ...c, stripe }, create, "test")).rejects.toMatchObject({
      code: "conflict",
      field: "version",
    });
  });
});

describe("the demo price book", () => {
  it("is created through the admin code path on the offline Stripe, and only once", async () => {
    const offline = await startTestStripe<TestContext>(ctx());
    try {
      const c = offline.context;
      await seedDemoPlans(c);
      await seedDemoPlans(c);
      const subs = c.db.select().from(subscriptionPlans).all();
      const topups = c.db.select().from(topupPlans).all();
      expect(subs.map((p) => [p.internalId, p.credits, p.priceCents, p.interval, p.isLegacy]).sort()).toEqual([
        ["basic-v1", 400, 500, "month", true],
        ["pro-v1", 5000, 4000, "month", false],
        ["starter-v1", 1000, 1000, "month", false],
      ]);
      expect(topups.map((p) => [p.internalId, p.credits, p.priceCents]).sort()).toEqual([
        ["pack-2000", 2000, 1800],
        ["pack-500", 500, 500],
      ]);
      const offered = listOfferedPlans(c.db);
      expect(offered.subscriptionPlans.map((p) => p.internalId)).toEqual(["starter-v1", "pro-v1"]);
      expect(offered.topupPlans.map((p) => p.internalId)).toEqual(["pack-500", "pack-2000"]);
      for (const plan of [...subs, ...topups]) {
        const price = await offline.stripe.prices.retrieve(plan.stripePriceId!);
        expect(price.metadata).toMatchObject({ credits: String(plan.credits), internalId: plan.internalId });
        expect(resolvePlanFromStripePrice(c, price)).toMatchObject({ plan: { id: plan.id } });
      }
      expect(
        c.db
          .select()
          .from(auditLog)
          .all()
          .every((a) => a.actor === "system" && a.action === "plan.created"),
      ).toBe(true);
    } finally {
      await offline.close();
    }
  });
});

describe("editing a plan", () => {
  it("renames the Stripe product this app made, so checkout shows the new name", async () => {
    const offline = await startTestStripe<TestContext>(ctx());
    try {
      const c = offline.context;
      const create = parseCreatePlanInput("topup", {
        internalId: "pack-ren",
        publicName: "Old",
        credits: 10,
        priceCents: 100,
      });
      const plan = await createPlan(c.billing, create, "test");
      await editPlan(c.billing, "topup", plan.plan.id, { publicName: "New name" }, "test");
      const product = await offline.stripe.products.retrieve(plan.plan.stripeProductId!);
      expect(product.name).toBe("New name");
      expect(product.metadata.publicName).toBe("New name");
    } finally {
      await offline.close();
    }
  });

  it("leaves a product made elsewhere alone, and does not call Stripe when the name is unchanged", async () => {
    const offline = await startTestStripe<TestContext>(ctx());
    try {
      const c = offline.context;
      const product = await offline.stripe.products.create({ name: "Dashboard name" });
      const price = await offline.stripe.prices.create({ product: product.id, unit_amount: 300, currency: "usd" });
      const create = parseCreatePlanInput("topup", {
        internalId: "pack-dash",
        publicName: "Dash",
        credits: 10,
        stripePriceId: price.id,
      });
      const plan = await createPlan(c.billing, create, "test");
      await editPlan(c.billing, "topup", plan.plan.id, { publicName: "Renamed here" }, "test");
      expect((await offline.stripe.products.retrieve(product.id)).name).toBe("Dashboard name");

      const untouchable = new Proxy({} as Stripe, {
        get() {
          throw new Error("Stripe must not be called when the name is unchanged");
        },
      });
      await editPlan(
        { ...c.billing, stripe: untouchable },
        "topup",
        plan.plan.id,
        { publicName: "Renamed here" },
        "test",
      );
    } finally {
      await offline.close();
    }
  });
});
