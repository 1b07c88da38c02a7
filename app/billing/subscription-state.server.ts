import { and, desc, eq, inArray, isNull, or, sql } from "drizzle-orm";
import type Stripe from "stripe";
import type { Db } from "../../db/client";
import {
  topupPurchases,
  userSubscriptions,
  users,
  type SubscriptionStatus,
  SUBSCRIPTION_STATUSES,
} from "../../db/schema";
import { getSubscriptionPlan, type PlanKind, type SubscriptionPlan } from "../plans/index.server";
import type { DbClock } from "../utils/context.server";
import { recordRowChanges } from "./history.server";

/*
 * The local copy of a Stripe subscription (user_subscriptions). Stripe is the source of truth for
 * status, period and cancellation; the app adds what Stripe cannot say on its own: which plan is
 * in effect for the period that was paid for (`planId`) and which one takes over at renewal
 * (`pendingPlanId`).
 *
 * A downgrade switches the Stripe price at once with proration_behavior "none", so Stripe already
 * shows the cheaper price while the customer still has the period they paid for. The rule that
 * keeps `planId` right, whatever order the events arrive in:
 * - a new row, the same plan, or a new period (current_period_start moved on) → the price's plan
 *   is in effect and nothing is pending;
 * - a plan with more credits mid-period → an upgrade, in effect now;
 * - a plan with fewer (or equal) credits mid-period → pending until the period ends.
 */

export type UserSubscription = typeof userSubscriptions.$inferSelect;

/** Statuses in which a subscription still bills or can be brought back; anything else is over. */
export const LIVE_STATUSES: readonly SubscriptionStatus[] = [
  "active",
  "trialing",
  "past_due",
  "unpaid",
  "incomplete",
  "paused",
];
const ENDED_STATUSES: readonly SubscriptionStatus[] = ["canceled", "incomplete_expired"];

function toSubscriptionStatus(status: string): SubscriptionStatus {
  return (SUBSCRIPTION_STATUSES as readonly string[]).includes(status) ? (status as SubscriptionStatus) : "incomplete";
}

export function stripeId(ref: string | { id: string } | null | undefined): string | null {
  if (!ref) return null;
  return typeof ref === "string" ? ref : ref.id;
}

const secondsToDate = (s: number | null | undefined): Date | null =>
  typeof s === "number" ? new Date(s * 1000) : null;

export function getSubscriptionByStripeId(db: Db, stripeSubscriptionId: string): UserSubscription | undefined {
  return db
    .select()
    .from(userSubscriptions)
    .where(eq(userSubscriptions.stripeSubscriptionId, stripeSubscriptionId))
    .get();
}

/**
 * True when a subscription (its current or pending plan) or a top-up purchase points at the plan:
 * such a plan is archived, not deleted (removePlan). Billing answers it, as these are its tables.
 */
export function isPlanInUse(db: Db, kind: PlanKind, id: number): boolean {
  if (kind === "subscription") {
    return !!db
      .select({ id: userSubscriptions.id })
      .from(userSubscriptions)
      .where(or(eq(userSubscriptions.planId, id), eq(userSubscriptions.pendingPlanId, id)))
      .limit(1)
      .get();
  }
  return !!db
    .select({ id: topupPurchases.id })
    .from(topupPurchases)
    .where(eq(topupPurchases.planId, id))
    .limit(1)
    .get();
}

/** The user's live subscription (newest first), else their most recent one, else undefined. */
export function getCurrentSubscription(db: Db, userId: number): UserSubscription | undefined {
  return db
    .select()
    .from(userSubscriptions)
    .where(eq(userSubscriptions.userId, userId))
    .orderBy(
      desc(sql`case when ${inArray(userSubscriptions.status, [...LIVE_STATUSES])} then 1 else 0 end`),
      desc(userSubscriptions.id),
    )
    .limit(1)
    .get();
}

export function hasLiveSubscription(db: Db, userId: number): boolean {
  return !!db
    .select({ id: userSubscriptions.id })
    .from(userSubscriptions)
    .where(and(eq(userSubscriptions.userId, userId), inArray(userSubscriptions.status, [...LIVE_STATUSES])))
    .limit(1)
    .get();
}

/**
 * Remembers a user's Stripe customer the first time it is seen. A customer already tied to
 * another user is left alone (the unique index would refuse it anyway).
 */
export function linkStripeCustomer(ctx: DbClock, userId: number, customerId: string | null): void {
  const { db, clock } = ctx;
  if (!customerId) return;
  const owner = db.select({ id: users.id }).from(users).where(eq(users.stripeCustomerId, customerId)).get();
  if (owner) return;
  db.update(users)
    .set({ stripeCustomerId: customerId, updatedAt: clock.now() })
    .where(and(eq(users.id, userId), isNull(users.stripeCustomerId)))
    .run();
}

export interface SyncSubscriptionInput {
  userId: number;
  subscription: Stripe.Subscription;
  /** The plan of the subscription's (first) price. */
  plan: SubscriptionPlan;
  /**
   * `created` (seconds) of the event that carried this state; an older version than the stored
   * one is not applied. Null for state the app just read back from its own API call.
   */
  version: number | null;
}

/**
 * Makes the local row follow a Stripe subscription (creating it when missing). Synchronous and
 * DB-only: call it inside the caller's transaction. Returns the row as stored afterwards. What
 * changed is recorded in the subscription history (history.server.ts).
 */
export function syncSubscriptionRow(ctx: DbClock, input: SyncSubscriptionInput): UserSubscription {
  const { db, clock } = ctx;
  const { subscription: sub, plan, version } = input;
  const now = clock.now();
  const item = sub.items?.data?.[0];
  const periodStart = secondsToDate(item?.current_period_start);
  const periodEnd = secondsToDate(item?.current_period_end);
  const status = toSubscriptionStatus(sub.status);
  const customerId = stripeId(sub.customer as string | { id: string } | null);
  const row = getSubscriptionByStripeId(db, sub.id);

  const state = {
    status,
    currentPeriodStart: periodStart,
    currentPeriodEnd: periodEnd,
    cancelAtPeriodEnd: Boolean(sub.cancel_at_period_end),
    canceledAt: secondsToDate(sub.canceled_at),
    stripeCustomerId: customerId,
  };

  if (!row) {
    const created = db
      .insert(userSubscriptions)
      .values({
        userId: input.userId,
        stripeSubscriptionId: sub.id,
        planId: plan.id,
        pendingPlanId: null,
        ...state,
        stripeUpdatedAt: version,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
    recordRowChanges(ctx, undefined, created);
    return created;
  }

  if (version !== null && row.stripeUpdatedAt !== null && version < row.stripeUpdatedAt) return row;
  // A subscription that has ended never comes back in Stripe; a late "active" copy is stale.
  if (ENDED_STATUSES.includes(row.status) && !ENDED_STATUSES.includes(status)) return row;

  const { planId, pendingPlanId } = planInEffect(db, row, plan, periodStart);
  const updated = db
    .update(userSubscriptions)
    .set({
      ...state,
      planId,
      pendingPlanId,
      stripeUpdatedAt: version === null ? row.stripeUpdatedAt : Math.max(version, row.stripeUpdatedAt ?? 0),
      updatedAt: now,
    })
    .where(eq(userSubscriptions.id, row.id))
    .returning()
    .get();
  recordRowChanges(ctx, row, updated);
  return updated;
}

function planInEffect(
  db: Db,
  row: UserSubscription,
  pricePlan: SubscriptionPlan,
  periodStart: Date | null,
): { planId: number; pendingPlanId: number | null } {
  if (row.planId === null || row.planId === pricePlan.id) return { planId: pricePlan.id, pendingPlanId: null };
  const newPeriod =
    periodStart !== null &&
    (row.currentPeriodStart === null || periodStart.getTime() > row.currentPeriodStart.getTime());
  if (newPeriod) return { planId: pricePlan.id, pendingPlanId: null };
  const current = getSubscriptionPlan(db, row.planId);
  if (!current || pricePlan.credits > current.credits) return { planId: pricePlan.id, pendingPlanId: null };
  return { planId: row.planId, pendingPlanId: pricePlan.id };
}
