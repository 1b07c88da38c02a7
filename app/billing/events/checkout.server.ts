import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { topupPurchases } from "../../../db/schema";
import { grantCredits } from "../../credits/index.server";
import type { TopupPlan } from "../../plans/index.server";
import { addDays } from "../../utils/clock";
import { grantRefs } from "../grant-refs";
import { linkStripeCustomer, stripeId, syncSubscriptionRow } from "../subscription-state.server";
import {
  type ApplyCtx,
  type Outcome,
  type EventHandler,
  processed,
  ignored,
  held,
  STRIPE_ACTOR,
  contradiction,
  findUserId,
  resolvePlan,
  resolveSubscriptionPlan,
  PriceFetcher,
  retrieveSubscription,
} from "./shared.server";
import { duplicateOutcome, otherLiveGuard, settleSecondSubscription } from "./one-subscription.server";
import { applyTopupRefund } from "./refunds.server";

// ---------------------------------------------------------------------------------------------
// checkout.session.completed / checkout.session.async_payment_succeeded

type CheckoutPrepared =
  | { skip: string }
  | { contradicted: string }
  | { mode: "payment"; session: Stripe.Checkout.Session; charge: Stripe.Charge | null }
  | { duplicate: { attention: boolean; reason: string } }
  | {
      mode: "subscription";
      session: Stripe.Checkout.Session;
      subscription: Stripe.Subscription;
      price: Stripe.Price | null;
      checked: string[];
    };

export const checkoutCompleted: EventHandler<CheckoutPrepared> = {
  async prepare(stripe, event, ctx) {
    const body = event.data.object as Stripe.Checkout.Session;
    if (typeof body.id !== "string" || !body.id) return { skip: "the event carries no checkout session id" };
    // Everything below is read from the session as Stripe has it; the body only names it.
    const session = await stripe.checkout.sessions.retrieve(body.id, {
      expand: ["line_items", "line_items.data.price.product"],
    });
    if (session.mode === "payment") {
      if (session.payment_status !== "paid") {
        if (body.payment_status === "paid") {
          return {
            contradicted: contradiction(
              event,
              `Stripe has checkout session ${session.id} as ${session.payment_status}`,
            ),
          };
        }
        return { skip: `payment not completed yet (payment_status ${session.payment_status})` };
      }
      // A refund that was processed before this purchase existed is caught up from the charge.
      let charge: Stripe.Charge | null = null;
      const paymentIntentId = stripeId(session.payment_intent);
      if (paymentIntentId) {
        const pi = await stripe.paymentIntents.retrieve(paymentIntentId);
        const chargeId = stripeId(pi.latest_charge);
        if (chargeId) charge = await stripe.charges.retrieve(chargeId);
      }
      return { mode: "payment", session, charge };
    }
    if (session.mode === "subscription") {
      if (session.status !== "complete") {
        if (body.status === "complete") {
          return {
            contradicted: contradiction(event, `Stripe has checkout session ${session.id} as ${session.status}`),
          };
        }
        return { skip: `checkout not completed yet (status ${session.status})` };
      }
      const subscriptionId = stripeId(session.subscription);
      if (!subscriptionId) return { skip: "subscription checkout without a subscription" };
      const subscription = await retrieveSubscription(stripe, subscriptionId);
      const second = await settleSecondSubscription(ctx, stripe, subscription);
      if ("duplicate" in second) return second;
      const price = await (new PriceFetcher(stripe).get(subscription.items.data[0]?.price) ?? null);
      return { mode: "subscription", session, subscription, price, checked: second.checked };
    }
    return { skip: `checkout mode ${session.mode} is not used by this app` };
  },

  apply(ctx, prepared) {
    if ("skip" in prepared) return ignored(prepared.skip);
    if ("contradicted" in prepared) return held(prepared.contradicted);
    if ("duplicate" in prepared) return duplicateOutcome(prepared.duplicate);
    const { session } = prepared;
    const customerId = stripeId(session.customer as string | { id: string } | null);
    const userId = findUserId(ctx.db, {
      userIds: [session.metadata?.userId, session.client_reference_id],
      customerId,
    });
    if (prepared.mode === "subscription") {
      const resolved = resolveSubscriptionPlan(ctx, prepared.price);
      if ("hold" in resolved) return resolved.hold;
      if (userId === null) return held(`no user for checkout session ${session.id}`);
      otherLiveGuard(ctx, userId, prepared.subscription, prepared.checked);
      syncSubscriptionRow(ctx, {
        userId,
        subscription: prepared.subscription,
        plan: resolved.plan,
        version: ctx.event.created,
      });
      linkStripeCustomer(ctx, userId, customerId);
      return processed("subscription linked; its invoice grants the credits");
    }
    return applyTopupCheckout(ctx, prepared.session, prepared.charge, userId, customerId);
  },
};

function applyTopupCheckout(
  ctx: ApplyCtx,
  session: Stripe.Checkout.Session,
  charge: Stripe.Charge | null,
  userId: number | null,
  customerId: string | null,
): Outcome {
  const items = session.line_items?.data ?? [];
  if (items.length !== 1)
    return held(`checkout session ${session.id} has ${items.length} line items; expected one top-up pack`);
  const item = items[0];
  if (!item.price) return held(`checkout session ${session.id} has a line item without a price`);
  const resolved = resolvePlan(ctx, item.price);
  if (resolved.kind === "held") return held(resolved.reason);
  if (resolved.kind !== "topup") return held(`price ${item.price.id} is a subscription price, not a top-up pack`);
  if (userId === null) return held(`no user for checkout session ${session.id}`);

  const existing = ctx.db
    .select({ id: topupPurchases.id })
    .from(topupPurchases)
    .where(eq(topupPurchases.stripeCheckoutSessionId, session.id))
    .get();
  if (existing) return processed("already granted for this checkout session");

  const plan = resolved.plan;
  const quantity = Math.max(1, item.quantity ?? 1);
  const credits = plan.credits * quantity;
  if (!Number.isSafeInteger(credits)) return held(`credits overflow for ${quantity} × ${plan.credits}`);
  const purchase = recordTopupPurchase(ctx, {
    userId,
    plan,
    quantity,
    credits,
    stripeCheckoutSessionId: session.id,
    stripePaymentIntentId: stripeId(session.payment_intent),
    amountPaidCents: session.amount_total ?? item.amount_total ?? 0,
    currency: session.currency ?? item.currency ?? plan.currency,
    reason: quantity > 1 ? `Top-up: ${plan.publicName} × ${quantity}` : `Top-up: ${plan.publicName}`,
    metadata: { stripeCheckoutSessionId: session.id, stripeEventId: ctx.event.id },
  });
  linkStripeCustomer(ctx, userId, customerId);
  if (charge && charge.amount_refunded > 0) {
    applyTopupRefund(ctx, purchase, { amount: charge.amount, amountRefunded: charge.amount_refunded });
  }
  return processed();
}

/**
 * One paid top-up: its purchase row and its grant (the pack's expiry), in the caller's transaction.
 * Checkout and automatic top-ups both come through here; `stripeCheckoutSessionId` keeps one
 * purchase per payment (an automatic top-up, which has no session, passes its PaymentIntent id).
 */
export function recordTopupPurchase(
  ctx: ApplyCtx,
  p: {
    userId: number;
    plan: TopupPlan;
    quantity: number;
    credits: number;
    stripeCheckoutSessionId: string;
    stripePaymentIntentId: string | null;
    amountPaidCents: number;
    currency: string;
    reason: string;
    metadata: Record<string, unknown>;
  },
): typeof topupPurchases.$inferSelect {
  const now = ctx.clock.now();
  const purchase = ctx.db
    .insert(topupPurchases)
    .values({
      userId: p.userId,
      planId: p.plan.id,
      stripeCheckoutSessionId: p.stripeCheckoutSessionId,
      stripePaymentIntentId: p.stripePaymentIntentId,
      quantity: p.quantity,
      credits: p.credits,
      amountPaidCents: p.amountPaidCents,
      currency: p.currency,
      status: "paid",
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .get();
  grantCredits(ctx, {
    userId: p.userId,
    type: "topup",
    source: "topup",
    amount: p.credits,
    effectiveAt: now,
    expiresAt: addDays(now, p.plan.creditExpiryDays),
    sourceRef: grantRefs.topupPurchase(purchase.id),
    reason: p.reason,
    actor: STRIPE_ACTOR,
    metadata: p.metadata,
  });
  return purchase;
}
