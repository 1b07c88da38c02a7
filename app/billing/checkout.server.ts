import { and, eq, isNull } from "drizzle-orm";
import type Stripe from "stripe";
import { isInvalidRequest, isStripeNotFound } from "./stripe-errors.server";
import { topupPurchases, users } from "../../db/schema";
import { listGrantsByGroup } from "../credits/index.server";
import { getSubscriptionPlan, getTopupPlan, isPlanOffered } from "../plans/index.server";
import type { StripeContext } from "./context.server";
import { AppError } from "../utils/errors";
import { MAX_TOPUP_QUANTITY } from "../utils/limits";
import { grantRefs } from "./grant-refs";
import { getSubscriptionByStripeId, hasLiveSubscription, stripeId } from "./subscription-state.server";

/*
 * Checkout and the customer portal. Everything here calls Stripe first and writes (at most one
 * small row) afterwards; credits are granted only by the webhook (webhook.server.ts), never here.
 */

/**
 * The user's Stripe customer, created once. The idempotency key makes a double click (two
 * requests before either stored the id) return the same customer from Stripe.
 */
export async function ensureStripeCustomer(
  ctx: Omit<StripeContext, "stripe">,
  stripe: Stripe,
  userId: number,
): Promise<string> {
  const user = ctx.db.select().from(users).where(eq(users.id, userId)).get();
  if (!user) throw new AppError("not_found", "No such user.");
  if (user.stripeCustomerId) return user.stripeCustomerId;
  const customer = await stripe.customers.create(
    { email: user.email, name: user.name || undefined, metadata: { userId: String(user.id) } },
    { idempotencyKey: `customer-for-user-${user.id}` },
  );
  ctx.db
    .update(users)
    .set({ stripeCustomerId: customer.id, updatedAt: ctx.clock.now() })
    .where(and(eq(users.id, user.id), isNull(users.stripeCustomerId)))
    .run();
  const stored = ctx.db.select({ id: users.stripeCustomerId }).from(users).where(eq(users.id, user.id)).get();
  return stored?.id ?? customer.id;
}

export async function startTopupCheckout(
  ctx: Omit<StripeContext, "stripe">,
  stripe: Stripe,
  input: { userId: number; planId: number; quantity?: number },
): Promise<{ url: string; sessionId: string }> {
  const quantity = input.quantity ?? 1;
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_TOPUP_QUANTITY) {
    throw new AppError("invalid_request", `Choose between 1 and ${MAX_TOPUP_QUANTITY} packs.`, { field: "quantity" });
  }
  const plan = getTopupPlan(ctx.db, input.planId);
  if (!plan || !isPlanOffered(plan)) {
    throw new AppError("invalid_request", "This top-up pack is not on sale.", { field: "planId" });
  }
  const userId = String(input.userId);
  return createCheckoutSession(ctx, stripe, input.userId, {
    mode: "payment",
    metadata: { userId, topupPlanId: String(plan.id) },
    // The card is kept for off-session payments (auto top-up, app/billing/auto-topup.server.ts).
    payment_intent_data: { metadata: { userId, topupPlanId: String(plan.id) }, setup_future_usage: "off_session" },
    line_items: [{ price: plan.stripePriceId, quantity }],
  });
}

export async function startSubscriptionCheckout(
  ctx: Omit<StripeContext, "stripe">,
  stripe: Stripe,
  input: { userId: number; planId: number },
): Promise<{ url: string; sessionId: string }> {
  const plan = getSubscriptionPlan(ctx.db, input.planId);
  if (!plan || !isPlanOffered(plan)) {
    throw new AppError("invalid_request", "This plan is not on sale.", { field: "planId" });
  }
  if (hasLiveSubscription(ctx.db, input.userId)) {
    throw new AppError("conflict", "You already have a subscription; change its plan instead.", { field: "planId" });
  }
  const userId = String(input.userId);
  const checkout = await createCheckoutSession(ctx, stripe, input.userId, {
    mode: "subscription",
    metadata: { userId, subscriptionPlanId: String(plan.id) },
    subscription_data: { metadata: { userId } },
    line_items: [{ price: plan.stripePriceId, quantity: 1 }],
  });
  // One subscription per customer: the customer's other open subscription checkouts (another tab,
  // an earlier choice) can no longer be paid. Done after creating this one, so two tabs racing
  // each see the other's session (at worst both expire and the customer starts again); a payment
  // that still slips through is undone by the webhook (event-handlers.server.ts).
  const customer = await ensureStripeCustomer(ctx, stripe, input.userId);
  for await (const other of stripe.checkout.sessions.list({ customer, status: "open", limit: 100 })) {
    if (other.id === checkout.sessionId || other.mode !== "subscription") continue;
    try {
      await stripe.checkout.sessions.expire(other.id);
    } catch (e) {
      if (!isInvalidRequest(e)) throw e; // completed or expired meanwhile
    }
  }
  return checkout;
}

type CheckoutSessionParams = Stripe.Checkout.SessionCreateParams;

/**
 * A Checkout Session for the user's Stripe customer (created first if need be). The user id goes
 * in client_reference_id as well as in the caller's metadata, so the webhook finds the user either way.
 */
async function createCheckoutSession(
  ctx: Omit<StripeContext, "stripe">,
  stripe: Stripe,
  userId: number,
  {
    mode,
    ...params
  }: Omit<CheckoutSessionParams, "customer" | "client_reference_id" | "success_url" | "cancel_url"> & {
    mode: Stripe.Checkout.SessionCreateParams.Mode;
  },
): Promise<{ url: string; sessionId: string }> {
  const customer = await ensureStripeCustomer(ctx, stripe, userId);
  const session = await stripe.checkout.sessions.create({
    mode,
    customer,
    client_reference_id: String(userId),
    ...params,
    success_url: `${ctx.appUrl}/billing/success?session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${ctx.appUrl}/billing?checkout=canceled`,
  });
  if (!session.url) throw new AppError("internal_error", "Stripe did not return a checkout URL.");
  return { url: session.url, sessionId: session.id };
}

export async function createPortalSession(
  ctx: Omit<StripeContext, "stripe">,
  stripe: Stripe,
  userId: number,
): Promise<{ url: string }> {
  const customer = await ensureStripeCustomer(ctx, stripe, userId);
  const portal = await stripe.billingPortal.sessions.create({ customer, return_url: `${ctx.appUrl}/billing` });
  return { url: portal.url };
}

export type CheckoutStatus =
  | { state: "granted"; kind: "topup" | "subscription"; credits: number; planName: string }
  | { state: "pending"; kind: "topup" | "subscription" }
  | { state: "unpaid"; kind: "topup" | "subscription" };

/**
 * What the success page shows for a Checkout Session of this user: the credits once the webhook
 * granted them, else "on its way". Reads the session from Stripe (no transaction involved).
 */
export async function getCheckoutStatus(
  ctx: Omit<StripeContext, "stripe">,
  stripe: Stripe,
  input: { userId: number; sessionId: string },
): Promise<CheckoutStatus> {
  if (!/^[A-Za-z0-9_]{1,255}$/.test(input.sessionId)) throw new AppError("not_found", "No such checkout.");
  let session: Stripe.Checkout.Session;
  try {
    session = await stripe.checkout.sessions.retrieve(input.sessionId);
  } catch (e) {
    if (isStripeNotFound(e)) throw new AppError("not_found", "No such checkout.");
    throw e;
  }
  const owner = session.metadata?.userId ?? session.client_reference_id;
  if (owner !== String(input.userId)) throw new AppError("not_found", "No such checkout.");
  const kind = session.mode === "subscription" ? "subscription" : "topup";
  if (session.status !== "complete" && session.payment_status !== "paid") return { state: "unpaid", kind };

  if (kind === "topup") {
    const purchase = ctx.db
      .select()
      .from(topupPurchases)
      .where(eq(topupPurchases.stripeCheckoutSessionId, session.id))
      .get();
    if (!purchase) return { state: "pending", kind };
    const plan = getTopupPlan(ctx.db, purchase.planId);
    return { state: "granted", kind, credits: purchase.credits, planName: plan?.publicName ?? "Top-up" };
  }

  const subscriptionId = stripeId(session.subscription);
  const row = subscriptionId ? getSubscriptionByStripeId(ctx.db, subscriptionId) : undefined;
  if (!row) return { state: "pending", kind };
  const [grant] = listGrantsByGroup(ctx, grantRefs.subscription(row.id), { limit: 1 });
  if (!grant) return { state: "pending", kind };
  const plan = row.planId ? getSubscriptionPlan(ctx.db, row.planId) : undefined;
  return { state: "granted", kind, credits: grant.amount, planName: plan?.publicName ?? "Subscription" };
}
