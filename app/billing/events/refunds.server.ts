import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { topupPurchases } from "../../../db/schema";
import { findGrantBySource, refundGrantCredits } from "../../credits/index.server";
import { grantRefs } from "../grant-refs";
import { stripeId } from "../subscription-state.server";
import {
  type ApplyCtx,
  type EventHandler,
  processed,
  ignored,
  held,
  STRIPE_ACTOR,
  contradiction,
  mulDivFloor,
  NotReadyYet,
} from "./shared.server";
import { isStripeNotFound } from "../stripe-errors.server";

// ---------------------------------------------------------------------------------------------
// Top-up refunds (shared by charge.refunded and a late checkout.session.completed)

type TopupPurchase = typeof topupPurchases.$inferSelect;

/**
 * Brings a purchase up to a charge's running `amount_refunded`: the refunds account for
 * floor(credits × amount_refunded ÷ amount) credits, and only what is still missing of that is
 * removed now, so repeated, partial and out-of-order refund events add up exactly. Removal is
 * capped by what is left on the grant or held from it (spent credits are not clawed back).
 * `credits_refunded` records the credits the refunds account for; the ledger's `refund` entries
 * record what was actually removed.
 */
export function applyTopupRefund(
  ctx: ApplyCtx,
  purchase: TopupPurchase,
  charge: { amount: number; amountRefunded: number },
): { removed: number; accounted: number } {
  const amountRefunded = Math.min(charge.amountRefunded, charge.amount > 0 ? charge.amount : charge.amountRefunded);
  if (amountRefunded <= purchase.amountRefundedCents) return { removed: 0, accounted: 0 };
  const charged = charge.amount > 0 ? charge.amount : purchase.amountPaidCents;
  const target =
    charged > 0 ? Math.min(purchase.credits, mulDivFloor(purchase.credits, amountRefunded, charged)) : purchase.credits;
  const toRemove = Math.max(0, target - purchase.creditsRefunded);
  let removed = 0;
  if (toRemove > 0) {
    const grant = findGrantBySource(ctx, grantRefs.topupPurchase(purchase.id));
    // The engine takes credits wherever they are, held ones included (docs/decisions/017).
    if (grant) {
      removed = refundGrantCredits(ctx, {
        grantId: grant.id,
        amount: toRemove,
        reason: `Refund of top-up purchase #${purchase.id}`,
        actor: STRIPE_ACTOR,
        metadata: { stripeEventId: ctx.event.id, amountRefundedCents: amountRefunded },
      }).removed;
    }
  }
  ctx.db
    .update(topupPurchases)
    .set({
      amountRefundedCents: amountRefunded,
      creditsRefunded: purchase.creditsRefunded + toRemove,
      status: amountRefunded >= purchase.amountPaidCents ? "refunded" : "partially_refunded",
      updatedAt: ctx.clock.now(),
    })
    .where(eq(topupPurchases.id, purchase.id))
    .run();
  return { removed, accounted: toRemove };
}

// ---------------------------------------------------------------------------------------------
// charge.refunded

type RefundPrepared =
  | { contradicted: string }
  | {
      charge: Stripe.Charge;
      /** the payment is one of the app's top-ups (its payment intent carries topupPlanId) */ appTopup: boolean;
    };

export const chargeRefunded: EventHandler<RefundPrepared> = {
  async prepare(stripe, event) {
    const body = event.data.object as Stripe.Charge;
    if (typeof body.id !== "string" || !body.id) throw new Error("charge.refunded without a charge id");
    // The charge as Stripe has it: its running amount_refunded decides what is removed.
    const charge = await stripe.charges.retrieve(body.id);
    if (typeof body.amount_refunded === "number" && body.amount_refunded > charge.amount_refunded) {
      return {
        contradicted: contradiction(
          event,
          `Stripe has charge ${charge.id} with ${charge.amount_refunded} refunded (the event said ${body.amount_refunded})`,
        ),
      };
    }
    const paymentIntentId = stripeId(charge.payment_intent);
    if (!paymentIntentId) return { charge, appTopup: false };
    try {
      const pi = await stripe.paymentIntents.retrieve(paymentIntentId);
      return { charge, appTopup: Boolean(pi.metadata?.topupPlanId) };
    } catch (e) {
      if (isStripeNotFound(e)) return { charge, appTopup: false };
      throw e;
    }
  },
  apply(ctx, prepared) {
    if ("contradicted" in prepared) return held(prepared.contradicted);
    const { charge } = prepared;
    const paymentIntentId = stripeId(charge.payment_intent);
    if (!paymentIntentId) return ignored("charge without a payment intent");
    const purchase = ctx.db
      .select()
      .from(topupPurchases)
      .where(eq(topupPurchases.stripePaymentIntentId, paymentIntentId))
      .get();
    if (!purchase) {
      // One of our top-ups whose checkout event is not applied yet (or is being applied with a
      // charge read before this refund): wait for it rather than lose the refund.
      if (prepared.appTopup) throw new NotReadyYet(`the top-up purchase for ${paymentIntentId} is not recorded yet`);
      return ignored(`no top-up purchase for payment intent ${paymentIntentId}`); // e.g. a subscription invoice
    }
    const { removed, accounted } = applyTopupRefund(ctx, purchase, {
      amount: charge.amount,
      amountRefunded: charge.amount_refunded,
    });
    if (accounted === 0 && removed === 0) return processed("refund already applied");
    return processed(removed < accounted ? `removed ${removed} of ${accounted} credits (the rest were spent)` : null);
  },
};
