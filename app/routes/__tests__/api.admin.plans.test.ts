import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { count, eq } from "drizzle-orm";
import type Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../../../db/client";
import { auditLog, subscriptionPlans, topupPlans } from "../../../db/schema";
import type { TestContext } from "../../../test/contexts";
import { recordNewUserPurchase, subscribeNewUser, useAdminFixture } from "../../../test/plans";
import { createApiKey } from "../../auth/api-keys.server";
import { createPlan } from "../../billing/plan-sync.server";
import { resolvePlanFromStripePrice } from "../../billing/price-to-plan.server";
import { listOfferedPlans, parseCreatePlanInput } from "../../plans/index.server";
import * as subscriptionPlansRoute from "../api.admin.subscription-plans";
import * as subscriptionPlanRoute from "../api.admin.subscription-plans.$id";
import * as topupPlansRoute from "../api.admin.topup-plans";
import * as topupPlanRoute from "../api.admin.topup-plans.$id";

// The admin plan API end to end: real route modules, a real SQLite file, the real Stripe SDK
// against the offline Stripe. One database for the file; each test makes its own plans.

type RouteModule = {
  loader: (args: LoaderFunctionArgs) => Promise<Response>;
  action: (args: ActionFunctionArgs) => Promise<Response>;
};
const ROUTES: [RegExp, RouteModule][] = [
  [/^\/api\/admin\/subscription-plans$/, subscriptionPlansRoute],
  [/^\/api\/admin\/subscription-plans\/([^/]+)$/, subscriptionPlanRoute],
  [/^\/api\/admin\/topup-plans$/, topupPlansRoute],
  [/^\/api\/admin\/topup-plans\/([^/]+)$/, topupPlanRoute],
];

const fixture = useAdminFixture();
let ctx: TestContext;
let stripe: Stripe;
let adminKey: string;
let adminKeyId: number;
let usageKey: string;
let adminCookie: string;
let customerCookie: string;
let adminUserId: number;

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function call(
  method: string,
  path: string,
  opts: { body?: unknown; key?: string | null; cookie?: string } = {},
): Promise<Answer> {
  const found = ROUTES.map(([re, mod]) => ({ m: re.exec(path), mod })).find((r) => r.m);
  if (!found) throw new Error(`no route for ${path}`);
  const headers = new Headers();
  const key = opts.key === undefined && !opts.cookie ? adminKey : opts.key;
  if (key) headers.set("authorization", `Bearer ${key}`);
  if (opts.cookie) headers.set("cookie", opts.cookie);
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    headers.set("content-type", "application/json");
  }
  const request = new Request(new URL(path, "http://localhost"), { method, headers, body });
  const args = { request, params: { id: found.m![1] }, context: ctx } as unknown as LoaderFunctionArgs;
  const res = method === "GET" ? await found.mod.loader(args) : await found.mod.action(args);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

function rows() {
  return {
    subs: ctx.db.select({ n: count() }).from(subscriptionPlans).get()!.n,
    topups: ctx.db.select({ n: count() }).from(topupPlans).get()!.n,
    audit: ctx.db.select({ n: count() }).from(auditLog).get()!.n,
  };
}

let familySeq = 0;
const family = () => `fam${++familySeq}`;

beforeAll(() => {
  ({ ctx, stripe, adminCookie, customerCookie, adminId: adminUserId } = fixture);
  const admin = createApiKey(ctx, { name: "admin", scope: "admin" });
  adminKey = admin.key;
  adminKeyId = admin.record.id;
  usageKey = createApiKey(ctx, { name: "usage", scope: "usage" }).key;
});

describe("POST /api/admin/subscription-plans", () => {
  it("creates a plan with defaults, and its Stripe product and price carrying the plan as metadata", async () => {
    const planFamily = family();
    const before = rows();
    const res = await call("POST", "/api/admin/subscription-plans", {
      body: { planFamily, publicName: "Starter", credits: 1000, priceCents: 1000 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      internalId: `${planFamily}-v1`,
      planFamily,
      version: 1,
      publicName: "Starter",
      stripePriceId: expect.stringMatching(/^price_/),
      stripeProductId: expect.stringMatching(/^prod_/),
      credits: 1000,
      interval: "month",
      rolloverPercent: 0,
      rolloverMaxCredits: null,
      priceCents: 1000,
      currency: "usd",
      creditExpiryDays: 30,
      isLegacy: false,
      isActive: true,
      archivedAt: null,
      features: [],
    });
    expect(rows()).toEqual({ ...before, subs: before.subs + 1, audit: before.audit + 1 });

    const price = await stripe.prices.retrieve(res.body.stripePriceId, { expand: ["product"] });
    expect(price).toMatchObject({
      active: true,
      unit_amount: 1000,
      currency: "usd",
      recurring: { interval: "month", interval_count: 1 },
      metadata: {
        credits: "1000",
        planFamily,
        version: "1",
        internalId: `${planFamily}-v1`,
        publicName: "Starter",
        creditExpiryDays: "30",
      },
    });
    expect((price.product as Stripe.Product).id).toBe(res.body.stripeProductId);

    // The price a webhook would mention resolves back to this very plan.
    expect(resolvePlanFromStripePrice(ctx, price)).toMatchObject({ kind: "subscription", plan: { id: res.body.id } });

    const audit = ctx.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.subject, `subscription_plan:${res.body.id}`))
      .all();
    expect(audit).toEqual([expect.objectContaining({ actor: `api_key:${adminKeyId}`, action: "plan.created" })]);
  });

  it("adopts an existing Stripe price, reading the amount and interval from it", async () => {
    const product = await stripe.products.create({ name: "Made in the Dashboard" });
    const price = await stripe.prices.create({
      product: product.id,
      unit_amount: 2500,
      currency: "usd",
      recurring: { interval: "year" },
    });
    const res = await call("POST", "/api/admin/subscription-plans", {
      body: { planFamily: family(), publicName: "Yearly", credits: 12000, stripePriceId: price.id },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      stripePriceId: price.id,
      stripeProductId: product.id,
      priceCents: 2500,
      interval: "year",
    });
  });

  it.each([
    ["an amount that differs from the Stripe price", { priceCents: 999 }, "priceCents"],
    ["an interval that differs from the Stripe price", { interval: "month" }, "interval"],
  ])("refuses %s", async (_what, extra, field) => {
    const product = await stripe.products.create({ name: "Dashboard product" });
    const price = await stripe.prices.create({
      product: product.id,
      unit_amount: 2500,
      currency: "usd",
      recurring: { interval: "year" },
    });
    const before = rows();
    const res = await call("POST", "/api/admin/subscription-plans", {
      body: { planFamily: family(), publicName: "Yearly", credits: 12000, stripePriceId: price.id, ...extra },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "invalid_request", field });
    expect(rows()).toEqual(before);
  });

  it("refuses a Stripe price that does not exist or is one-time", async () => {
    const missing = await call("POST", "/api/admin/subscription-plans", {
      body: { planFamily: family(), publicName: "X", credits: 1, stripePriceId: "price_does_not_exist" },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: "invalid_request", field: "stripePriceId" });
    const product = await stripe.products.create({ name: "One-time" });
    const oneTime = await stripe.prices.create({ product: product.id, unit_amount: 500, currency: "usd" });
    const wrongKind = await call("POST", "/api/admin/subscription-plans", {
      body: { planFamily: family(), publicName: "X", credits: 1, stripePriceId: oneTime.id },
    });
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.error).toMatchObject({ code: "invalid_request", field: "stripePriceId" });
  });

  const invalid: [string, unknown, string | undefined][] = [
    ["malformed JSON", '{"planFamily":', undefined],
    ["a JSON array", "[]", undefined],
    ["no credits", { planFamily: "x", publicName: "X", priceCents: 100 }, "credits"],
    ["credits as a string", { planFamily: "x", publicName: "X", credits: "100", priceCents: 100 }, "credits"],
    ["zero credits", { planFamily: "x", publicName: "X", credits: 0, priceCents: 100 }, "credits"],
    ["fractional credits", { planFamily: "x", publicName: "X", credits: 1.5, priceCents: 100 }, "credits"],
    ["no price", { planFamily: "x", publicName: "X", credits: 10 }, "priceCents"],
    ["a negative price", { planFamily: "x", publicName: "X", credits: 10, priceCents: -1 }, "priceCents"],
    [
      "a weekly interval",
      { planFamily: "x", publicName: "X", credits: 10, priceCents: 100, interval: "week" },
      "interval",
    ],
    ["no plan family", { publicName: "X", credits: 10, priceCents: 100 }, "planFamily"],
    ["no public name", { planFamily: "x", credits: 10, priceCents: 100 }, "publicName"],
    [
      "a non-boolean isLegacy",
      { planFamily: "x", publicName: "X", credits: 10, priceCents: 100, isLegacy: "yes" },
      "isLegacy",
    ],
    [
      "zero expiry days",
      { planFamily: "x", publicName: "X", credits: 10, priceCents: 100, creditExpiryDays: 0 },
      "creditExpiryDays",
    ],
  ];
  it.each(invalid)("answers 400 invalid_request for %s and writes nothing", async (_what, body, field) => {
    const before = rows();
    const res = await call("POST", "/api/admin/subscription-plans", { body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    expect(res.body.error.field).toBe(field);
    expect(typeof res.body.error.message).toBe("string");
    expect(rows()).toEqual(before);
  });

  // One wording for every JSON API (the v1 API's, from parseInput): the field in backticks, then what is wrong.
  it.each([
    [{ planFamily: "x", credits: 10, priceCents: 100 }, "`publicName` is required."],
    [{ planFamily: "x", publicName: "X", credits: "100", priceCents: 100 }, "`credits` must be a number (got string)."],
    [{ planFamily: "x", publicName: "X", credits: 0, priceCents: 100 }, "`credits` must be at least 1."],
    [
      { planFamily: "x y", publicName: "X", credits: 1, priceCents: 100 },
      '`planFamily` may contain only letters, digits, ".", "_" and "-".',
    ],
    [
      { planFamily: "x", publicName: "X", credits: 10, priceCents: 100, interval: "week" },
      "`interval` must be one of: month, year.",
    ],
    [{ planFamily: "x", publicName: "X", credits: 10 }, "`priceCents` is required when there is no `stripePriceId`."],
  ])("words a refusal the way the v1 API does (%j)", async (body, message) => {
    const res = await call("POST", "/api/admin/subscription-plans", { body });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(message);
  });

  it("answers 409 conflict for a family version that exists", async () => {
    const planFamily = family();
    await call("POST", "/api/admin/subscription-plans", {
      body: { planFamily, publicName: "A", credits: 1, priceCents: 1 },
    });
    const before = rows();
    const res = await call("POST", "/api/admin/subscription-plans", {
      body: { planFamily, version: 1, publicName: "A", credits: 1, priceCents: 1 },
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "conflict", field: "version" });
    expect(rows()).toEqual(before);
  });
});

describe("POST /api/admin/topup-plans", () => {
  it("creates a pack whose credits expire after 365 days, on a one-time Stripe price", async () => {
    const res = await call("POST", "/api/admin/topup-plans", {
      body: { internalId: `pack-${family()}`, publicName: "500 credits", credits: 500, priceCents: 500 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      internalId: expect.stringMatching(/^pack-/),
      publicName: "500 credits",
      stripePriceId: expect.stringMatching(/^price_/),
      stripeProductId: expect.stringMatching(/^prod_/),
      credits: 500,
      priceCents: 500,
      currency: "usd",
      creditExpiryDays: 365,
      isLegacy: false,
      isActive: true,
      archivedAt: null,
    });
    const price = await stripe.prices.retrieve(res.body.stripePriceId);
    expect(price.recurring).toBeNull();
    expect(price.metadata).toMatchObject({
      credits: "500",
      internalId: res.body.internalId,
      publicName: "500 credits",
      creditExpiryDays: "365",
    });
    expect(resolvePlanFromStripePrice(ctx, price)).toMatchObject({ kind: "topup", plan: { id: res.body.id } });
  });

  it("answers 400 without an internalId and 409 for a taken one", async () => {
    const missing = await call("POST", "/api/admin/topup-plans", {
      body: { publicName: "P", credits: 5, priceCents: 5 },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: "invalid_request", field: "internalId" });
    const internalId = `pack-${family()}`;
    expect(
      (
        await call("POST", "/api/admin/topup-plans", {
          body: { internalId, publicName: "P", credits: 5, priceCents: 5 },
        })
      ).status,
    ).toBe(201);
    const taken = await call("POST", "/api/admin/topup-plans", {
      body: { internalId, publicName: "P", credits: 5, priceCents: 5 },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: "conflict", field: "internalId" });
  });
});

describe("GET /api/admin/…-plans", () => {
  it("lists every plan of the kind under data", async () => {
    await call("POST", "/api/admin/topup-plans", {
      body: { internalId: `pack-${family()}`, publicName: "P", credits: 5, priceCents: 5 },
    });
    const subs = await call("GET", "/api/admin/subscription-plans");
    const topups = await call("GET", "/api/admin/topup-plans");
    expect(subs.status).toBe(200);
    expect(topups.status).toBe(200);
    expect(subs.body.data).toHaveLength(rows().subs);
    expect(topups.body.data).toHaveLength(rows().topups);
    expect(Object.keys(topups.body.data[0]).sort()).toEqual(
      [
        "archivedAt",
        "creditExpiryDays",
        "credits",
        "currency",
        "id",
        "internalId",
        "isActive",
        "isLegacy",
        "priceCents",
        "publicName",
        "stripePriceId",
        "stripeProductId",
      ].sort(),
    );
  });
});

describe("who may call the admin plan API", () => {
  const endpoints: [string, string, unknown?][] = [
    ["GET", "/api/admin/subscription-plans"],
    ["POST", "/api/admin/subscription-plans", { planFamily: "x", publicName: "X", credits: 1, priceCents: 1 }],
    ["GET", "/api/admin/topup-plans"],
    ["POST", "/api/admin/topup-plans", { internalId: "x", publicName: "X", credits: 1, priceCents: 1 }],
    ["PATCH", "/api/admin/subscription-plans/1", { publicName: "X" }],
    ["DELETE", "/api/admin/subscription-plans/1"],
    ["PATCH", "/api/admin/topup-plans/1", { publicName: "X" }],
    ["DELETE", "/api/admin/topup-plans/1"],
  ];

  it.each(endpoints)("%s %s answers 401 without credentials and with a bad key", async (method, path, body) => {
    const before = rows();
    const none = await call(method, path, { key: null, body });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe("unauthenticated");
    const bad = await call(method, path, { key: "cb_admin_" + "x".repeat(43), body });
    expect(bad.status).toBe(401);
    expect(rows()).toEqual(before);
  });

  it.each(endpoints)("%s %s answers 403 to a usage key and to a customer's session", async (method, path, body) => {
    const before = rows();
    const usage = await call(method, path, { key: usageKey, body });
    expect(usage.status).toBe(403);
    expect(usage.body.error.code).toBe("forbidden");
    const customer = await call(method, path, { key: null, cookie: customerCookie, body });
    expect(customer.status).toBe(403);
    expect(customer.body.error.code).toBe("forbidden");
    expect(rows()).toEqual(before);
  });

  it("works for an admin's browser session, and audits the change as that user", async () => {
    const list = await call("GET", "/api/admin/subscription-plans", { key: null, cookie: adminCookie });
    expect(list.status).toBe(200);
    const created = await call("POST", "/api/admin/subscription-plans", {
      key: null,
      cookie: adminCookie,
      body: { planFamily: family(), publicName: "By session", credits: 10, priceCents: 100 },
    });
    expect(created.status).toBe(201);
    const patched = await call("PATCH", `/api/admin/subscription-plans/${created.body.id}`, {
      key: null,
      cookie: adminCookie,
      body: { publicName: "Renamed" },
    });
    expect(patched.status).toBe(200);
    const actors = ctx.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.subject, `subscription_plan:${created.body.id}`))
      .all();
    expect(actors.map((a) => [a.actor, a.action])).toEqual([
      [`user:${adminUserId}`, "plan.created"],
      [`user:${adminUserId}`, "plan.updated"],
    ]);
  });
});

describe("PATCH /api/admin/…-plans/:id", () => {
  async function newPlan(extra: Record<string, unknown> = {}) {
    const res = await call("POST", "/api/admin/subscription-plans", {
      body: { planFamily: family(), publicName: "Plan", credits: 1000, priceCents: 1000, ...extra },
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  it("edits the editable fields and answers 200 with the plan", async () => {
    const plan = await newPlan();
    const res = await call("PATCH", `/api/admin/subscription-plans/${plan.id}`, {
      body: { publicName: "Plan (2025)", creditExpiryDays: 45, isActive: false, isLegacy: true },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ...plan,
      publicName: "Plan (2025)",
      creditExpiryDays: 45,
      isActive: false,
      isLegacy: true,
    });
    const audit = ctx.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.subject, `subscription_plan:${plan.id}`))
      .all()
      .at(-1);
    expect(audit).toMatchObject({
      action: "plan.updated",
      details: {
        before: { publicName: "Plan", isLegacy: false },
        after: { publicName: "Plan (2025)", isLegacy: true },
      },
    });
  });

  it.each([
    ["credits", 2000],
    ["priceCents", 1500],
    ["interval", "year"],
    ["currency", "eur"],
  ])("refuses to change %s of a plan with a Stripe price (400, create a new version)", async (field, value) => {
    const plan = await newPlan();
    const before = rows();
    const res = await call("PATCH", `/api/admin/subscription-plans/${plan.id}`, {
      body: { [field]: value, publicName: "Changed" },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "invalid_request", field });
    expect(res.body.error.message).toMatch(/new version of the plan family/);
    expect(rows()).toEqual(before);
    expect((await call("GET", `/api/admin/subscription-plans/${plan.id}`)).body).toEqual(plan);
  });

  it("refuses to change a top-up plan's credits", async () => {
    const created = await call("POST", "/api/admin/topup-plans", {
      body: { internalId: `pack-${family()}`, publicName: "P", credits: 5, priceCents: 5 },
    });
    const res = await call("PATCH", `/api/admin/topup-plans/${created.body.id}`, { body: { credits: 6 } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "invalid_request", field: "credits" });
  });

  it("answers 400 for a wrongly typed editable field", async () => {
    const plan = await newPlan();
    const res = await call("PATCH", `/api/admin/subscription-plans/${plan.id}`, { body: { isLegacy: "true" } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "invalid_request", field: "isLegacy" });
  });

  it("changes a plan through a new version of the family, and marks the old one legacy", async () => {
    const v1 = await newPlan({ publicName: "Team" });
    const v2res = await call("POST", "/api/admin/subscription-plans", {
      body: { planFamily: v1.planFamily, publicName: "Team", credits: 1500, priceCents: 1200 },
    });
    expect(v2res.status).toBe(201);
    const v2 = v2res.body;
    expect(v2).toMatchObject({ version: 2, internalId: `${v1.planFamily}-v2`, credits: 1500, priceCents: 1200 });
    expect(v2.stripePriceId).not.toBe(v1.stripePriceId);

    const legacy = await call("PATCH", `/api/admin/subscription-plans/${v1.id}`, { body: { isLegacy: true } });
    expect(legacy.status).toBe(200);
    expect(legacy.body.isLegacy).toBe(true);

    const offered = listOfferedPlans(ctx.db).subscriptionPlans.map((p) => p.id);
    expect(offered).toContain(v2.id);
    expect(offered).not.toContain(v1.id);
    // Existing subscribers keep renewing: the old price still resolves to the old plan.
    const oldPrice = await stripe.prices.retrieve(v1.stripePriceId);
    expect(oldPrice.active).toBe(true);
    expect(resolvePlanFromStripePrice(ctx, oldPrice)).toMatchObject({
      kind: "subscription",
      plan: { id: v1.id, credits: 1000 },
    });
  });

  it("answers 404 for an unknown or malformed id", async () => {
    for (const path of [
      "/api/admin/subscription-plans/999999",
      "/api/admin/subscription-plans/abc",
      "/api/admin/topup-plans/999999",
    ]) {
      const patch = await call("PATCH", path, { body: { publicName: "X" } });
      expect(patch.status).toBe(404);
      expect(patch.body.error.code).toBe("not_found");
      const del = await call("DELETE", path);
      expect(del.status).toBe(404);
    }
  });
});

describe("DELETE /api/admin/…-plans/:id", () => {
  it("deletes a plan nothing refers to and deactivates the Stripe price it created", async () => {
    const created = await call("POST", "/api/admin/subscription-plans", {
      body: { planFamily: family(), publicName: "Short-lived", credits: 10, priceCents: 100 },
    });
    const res = await call("DELETE", `/api/admin/subscription-plans/${created.body.id}`);
    expect(res).toEqual({ status: 200, body: { deleted: true } });
    expect((await call("GET", `/api/admin/subscription-plans/${created.body.id}`)).status).toBe(404);
    expect((await stripe.prices.retrieve(created.body.stripePriceId)).active).toBe(false);
    const audit = ctx.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.subject, `subscription_plan:${created.body.id}`))
      .all()
      .at(-1);
    expect(audit?.action).toBe("plan.deleted");
  });

  it("archives a subscription plan a subscription refers to", async () => {
    const created = await call("POST", "/api/admin/subscription-plans", {
      body: { planFamily: family(), publicName: "In use", credits: 10, priceCents: 100 },
    });
    const now = ctx.clock.now();
    subscribeNewUser(ctx, {
      email: `sub-${familySeq}@example.com`,
      planId: created.body.id,
      stripeSubscriptionId: `sub_${familySeq}`,
    });
    const res = await call("DELETE", `/api/admin/subscription-plans/${created.body.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      archived: true,
      plan: { ...created.body, isActive: false, archivedAt: now.toISOString() },
    });
    expect((await stripe.prices.retrieve(created.body.stripePriceId)).active).toBe(false);
    // Renewals of existing subscribers still find the plan.
    const price = await stripe.prices.retrieve(created.body.stripePriceId);
    expect(resolvePlanFromStripePrice(ctx, price)).toMatchObject({ plan: { id: created.body.id } });
  });

  it("archives a top-up plan that was bought", async () => {
    const created = await call("POST", "/api/admin/topup-plans", {
      body: { internalId: `pack-${family()}`, publicName: "Bought", credits: 5, priceCents: 5 },
    });
    recordNewUserPurchase(ctx, {
      email: `buyer-${familySeq}@example.com`,
      planId: created.body.id,
      stripeCheckoutSessionId: `cs_${familySeq}`,
      credits: 5,
      amountPaidCents: 5,
    });
    const res = await call("DELETE", `/api/admin/topup-plans/${created.body.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ archived: true, plan: { id: created.body.id, isActive: false } });
  });

  it("leaves a Stripe price it did not create active", async () => {
    const product = await stripe.products.create({ name: "Dashboard" });
    const price = await stripe.prices.create({ product: product.id, unit_amount: 300, currency: "usd" });
    const created = await call("POST", "/api/admin/topup-plans", {
      body: { internalId: `pack-${family()}`, publicName: "Adopted", credits: 5, stripePriceId: price.id },
    });
    expect(created.status).toBe(201);
    expect((await call("DELETE", `/api/admin/topup-plans/${created.body.id}`)).body).toEqual({ deleted: true });
    expect((await stripe.prices.retrieve(price.id)).active).toBe(true);
  });

  it("creates a fresh active price when a deleted plan is created again", async () => {
    const body = { internalId: `pack-${family()}`, publicName: "Again", credits: 5, priceCents: 5 };
    const first = await call("POST", "/api/admin/topup-plans", { body });
    await call("DELETE", `/api/admin/topup-plans/${first.body.id}`);
    const second = await call("POST", "/api/admin/topup-plans", { body });
    expect(second.status).toBe(201);
    expect(second.body.stripePriceId).not.toBe(first.body.stripePriceId);
    expect((await stripe.prices.retrieve(second.body.stripePriceId)).active).toBe(true);
  });
});

describe("retrying a create", () => {
  it("reuses the Stripe product and price when the database write failed the first time", async () => {
    const body = { internalId: `pack-${family()}`, publicName: "Retry", credits: 7, priceCents: 700 };
    // Another connection holds the write lock, so the insert after the Stripe calls fails.
    const blocker = openDatabase(ctx.path);
    ctx.db.$client.pragma("busy_timeout = 0");
    blocker.$client.prepare("begin immediate").run();
    try {
      await expect(createPlan({ ...ctx, stripe }, parseCreatePlanInput("topup", body), "test")).rejects.toThrow(
        /locked|busy/i,
      );
    } finally {
      blocker.$client.prepare("rollback").run();
      closeDatabase(blocker);
      ctx.db.$client.pragma("busy_timeout = 5000");
    }
    expect(ctx.db.select().from(topupPlans).where(eq(topupPlans.internalId, body.internalId)).get()).toBeUndefined();

    const res = await call("POST", "/api/admin/topup-plans", { body });
    expect(res.status).toBe(201);
    const prices = (await stripe.prices.list({ limit: 100 })).data;
    expect(prices.filter((p) => p.metadata?.internalId === body.internalId).map((p) => p.id)).toEqual([
      res.body.stripePriceId,
    ]);
  });
});
