import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import type { Db } from "../../../db/client";
import { users } from "../../../db/schema";
import type { SubscriptionPlan } from "../../plans/index.server";
import { resolvePlanFromStripePrice, type ResolvedPlan } from "../price-to-plan.server";
import { getSubscriptionByStripeId, stripeId } from "../subscription-state.server";
import type { DbClock } from "../../utils/context.server";
import { isStripeNotFound } from "../stripe-errors.server";

/*
 * One handler per Stripe event type. `prepare` does every network call (it may throw; nothing has
 * been written yet); `apply` is synchronous, touches only the database and runs inside the one
 * IMMEDIATE transaction that also stores the event row (webhook.server.ts), so an event's effects
 * commit together with its status or not at all.
 *
 * Business keys make every effect happen once whatever the event id: one top-up purchase per
 * Checkout Session (topup_purchases.stripe_checkout_session_id unique), one top-up grant per
 * purchase, one subscription grant per invoice (the credit engine keeps one grant per sourceRef,
 * ../grant-refs.ts). `apply` checks them first and the unique indexes back the checks up.
 */

export type ApplyCtx = DbClock & { event: Stripe.Event };

export type Outcome = { status: "processed" | "ignored" | "held"; reason: string | null };

export interface EventHandler<P> {
  prepare(stripe: Stripe, event: Stripe.Event, ctx: DbClock): Promise<P>;
  apply(ctx: ApplyCtx, prepared: P): Outcome;
}

export const processed = (reason: string | null = null): Outcome => ({ status: "processed", reason });
export const ignored = (reason: string): Outcome => ({ status: "ignored", reason });
export const held = (reason: string): Outcome => ({ status: "held", reason });

export const STRIPE_ACTOR = "stripe";

/**
 * The reason recorded for an event whose body Stripe contradicts (forged, or stale in a way that
 * would grant or remove money): nothing is applied and the event is held where admins look.
 */
export function contradiction(event: Stripe.Event, stripeSays: string): string {
  return `${stripeSays}, but the ${event.type} event said otherwise; nothing was applied (money is decided from what Stripe has). Replay the event if Stripe's state changes.`;
}

// ---------------------------------------------------------------------------------------------
// Shared lookups

function positiveInt(value: unknown): number | null {
  if (typeof value !== "string" && typeof value !== "number") return null;
  const s = String(value).trim();
  if (!/^[1-9][0-9]{0,15}$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

function userExists(db: Db, id: number): boolean {
  return !!db.select({ id: users.id }).from(users).where(eq(users.id, id)).get();
}

/**
 * The app user an object belongs to: the user id the app put on it (metadata.userId,
 * client_reference_id), else the user the Stripe customer or subscription is already linked to.
 */
export function findUserId(
  db: Db,
  refs: { userIds?: unknown[]; customerId?: string | null; subscriptionId?: string | null },
): number | null {
  for (const candidate of refs.userIds ?? []) {
    const id = positiveInt(candidate);
    if (id !== null && userExists(db, id)) return id;
  }
  if (refs.customerId) {
    const row = db.select({ id: users.id }).from(users).where(eq(users.stripeCustomerId, refs.customerId)).get();
    if (row) return row.id;
  }
  if (refs.subscriptionId) {
    const row = getSubscriptionByStripeId(db, refs.subscriptionId);
    if (row) return row.userId;
  }
  return null;
}

export function resolvePlan(ctx: ApplyCtx, price: Stripe.Price): ResolvedPlan {
  return resolvePlanFromStripePrice(ctx, price);
}

/** The subscription plan of a price, or the held outcome that explains why there is none. */
export function resolveSubscriptionPlan(
  ctx: ApplyCtx,
  price: Stripe.Price | null,
): { plan: SubscriptionPlan } | { hold: Outcome } {
  if (!price) return { hold: held("the subscription has no price") };
  const resolved = resolvePlan(ctx, price);
  if (resolved.kind === "held") return { hold: held(resolved.reason) };
  if (resolved.kind !== "subscription") {
    return { hold: held(`price ${price.id} is a one-time price, not a subscription plan`) };
  }
  return { plan: resolved.plan };
}

/** Prices with their product, fetched once per event. */
export class PriceFetcher {
  private cache = new Map<string, Promise<Stripe.Price>>();
  constructor(private stripe: Stripe) {}
  get(ref: string | Stripe.Price | null | undefined): Promise<Stripe.Price> | null {
    const id = stripeId(ref);
    if (!id) return null;
    let p = this.cache.get(id);
    if (!p) {
      p = this.stripe.prices.retrieve(id, { expand: ["product"] });
      this.cache.set(id, p);
    }
    return p;
  }
}

/** The subscription as Stripe has it now; the event's copy when Stripe no longer knows it. */
export async function retrieveSubscription(
  stripe: Stripe,
  id: string,
  fallback?: Stripe.Subscription,
): Promise<Stripe.Subscription>;
export async function retrieveSubscription(
  stripe: Stripe,
  id: string,
  fallback: undefined,
  missingIsNull: true,
): Promise<Stripe.Subscription | null>;
export async function retrieveSubscription(
  stripe: Stripe,
  id: string,
  fallback?: Stripe.Subscription,
  missingIsNull = false,
): Promise<Stripe.Subscription | null> {
  try {
    return await stripe.subscriptions.retrieve(id);
  } catch (e) {
    const missing = isStripeNotFound(e);
    if (missing && fallback) return fallback;
    if (missing && missingIsNull) return null;
    throw e;
  }
}

/** floor(a × b ÷ c) without floating point or overflow. */
export function mulDivFloor(a: number, b: number, c: number): number {
  if (c <= 0) throw new Error("mulDivFloor: divisor must be positive");
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}

export { NotReadyYet } from "../stripe-errors.server";
