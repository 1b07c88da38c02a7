import type Stripe from "stripe";
import { afterAll, beforeAll } from "vitest";
import { closeDatabase } from "../db/client";
import { topupPurchases, userSubscriptions } from "../db/schema";
import { commitSessionCookie, createSession } from "../app/auth/session.server";
import { createUser } from "../app/auth/users.server";
import { startTestStripe, type TestStripe } from "./billing/test-stripe";
import { insertPlan, nextPlanVersion, type NewSubscriptionPlan, type NewTopupPlan } from "../app/plans/index.server";
import type { DbClock } from "../app/utils/context.server";
import { testContext } from "./db";
import type { TestContext } from "./contexts";

/*
 * Fixtures for the price-book tests (domain, admin pages, admin API): rows that make a plan
 * "in use", written straight to the tables the way the webhook leaves them.
 */

let priceSeq = 0;
/** A subscription plan in the price book (family "starter", next version, a unique price id unless given). */
export function subscriptionPlanFixture(c: DbClock, values: Partial<NewSubscriptionPlan> = {}) {
  const family = values.planFamily ?? "starter";
  const version = values.version ?? nextPlanVersion(c.db, family);
  const r = insertPlan(c, {
    kind: "subscription",
    values: {
      internalId: `${family}-v${version}`,
      planFamily: family,
      version,
      publicName: "Starter",
      stripeProductId: "prod_1",
      stripePriceId: `price_s${++priceSeq}`,
      credits: 1000,
      interval: "month",
      priceCents: 1000,
      currency: "usd",
      creditExpiryDays: 30,
      isLegacy: false,
      isActive: true,
      ...values,
    },
  });
  if (r.kind !== "subscription") throw new Error("expected a subscription plan");
  return r.plan;
}

/** A top-up pack in the price book (a unique internal and price id unless given). */
export function topupPlanFixture(c: DbClock, values: Partial<NewTopupPlan> = {}) {
  const r = insertPlan(c, {
    kind: "topup",
    values: {
      internalId: `pack-${++priceSeq}`,
      publicName: "Pack",
      stripeProductId: "prod_2",
      stripePriceId: `price_t${priceSeq}`,
      credits: 500,
      priceCents: 500,
      currency: "usd",
      creditExpiryDays: 365,
      isLegacy: false,
      isActive: true,
      ...values,
    },
  });
  if (r.kind !== "topup") throw new Error("expected a top-up plan");
  return r.plan;
}

/** A new user whose active subscription is on `planId` (and pending a change to `pendingPlanId`). */
export function subscribeNewUser(
  c: DbClock,
  input: { email: string; planId: number; pendingPlanId?: number; stripeSubscriptionId: string },
): number {
  const { email, ...subscription } = input;
  const userId = createUser(c, { email }).id;
  const now = c.clock.now();
  c.db
    .insert(userSubscriptions)
    .values({ userId, ...subscription, status: "active", createdAt: now, updatedAt: now })
    .run();
  return userId;
}

/** A new user who bought the top-up plan once. */
export function recordNewUserPurchase(
  c: DbClock,
  input: { email: string; planId: number; stripeCheckoutSessionId: string; credits: number; amountPaidCents: number },
): number {
  const { email, ...purchase } = input;
  const userId = createUser(c, { email }).id;
  const now = c.clock.now();
  c.db
    .insert(topupPurchases)
    .values({ userId, ...purchase, currency: "usd", createdAt: now, updatedAt: now })
    .run();
  return userId;
}

/** The Cookie header value of a new session for the user. */
async function sessionCookieFor(c: TestContext, userId: number): Promise<string> {
  return (await commitSessionCookie(c.env, createSession(c, { userId }))).split(";")[0];
}

export interface AdminFixture {
  ctx: TestContext;
  offline: TestStripe<TestContext>;
  stripe: Stripe;
  adminId: number;
  adminCookie: string;
  customerCookie: string;
}

/**
 * One database and one offline Stripe for the whole file (no webhooks: plans send none), with an
 * admin and a customer logged in. Fills the returned object in beforeAll, closes it in afterAll.
 */
export function useAdminFixture(): AdminFixture {
  const fixture = {} as AdminFixture;
  beforeAll(async () => {
    const offline = await startTestStripe<TestContext>(testContext());
    const ctx = offline.context;
    const adminId = createUser(ctx, { email: "admin@example.com", role: "admin" }).id;
    Object.assign(fixture, {
      ctx,
      offline,
      stripe: offline.stripe,
      adminId,
      adminCookie: await sessionCookieFor(ctx, adminId),
      customerCookie: await sessionCookieFor(ctx, createUser(ctx, { email: "customer@example.com" }).id),
    });
  });
  afterAll(async () => {
    if (fixture.ctx) closeDatabase(fixture.ctx.db);
    await fixture.offline?.close();
  });
  return fixture;
}
