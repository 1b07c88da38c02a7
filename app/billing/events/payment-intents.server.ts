import type Stripe from "stripe";
import { applyAutoTopupFailure, applyAutoTopupPayment } from "../auto-topup.server";
import { stripeId } from "../subscription-state.server";
import { type EventHandler, contradiction, held, ignored } from "./shared.server";

// ---------------------------------------------------------------------------------------------
// payment_intent.succeeded / payment_intent.payment_failed — auto top-ups only
// (app/billing/auto-topup.server.ts). A Checkout's PaymentIntent is granted by its
// checkout.session.completed; without `autoTopupAttemptId` metadata an event is ignored.

type PaymentIntentPrepared =
  { skip: string } | { contradicted: string } | { paymentIntent: Stripe.PaymentIntent; charge: Stripe.Charge | null };

async function retrieveAutoTopup(
  stripe: Stripe,
  event: Stripe.Event,
  expected: "succeeded" | "failed",
): Promise<PaymentIntentPrepared> {
  const body = event.data.object as Stripe.PaymentIntent;
  if (typeof body.id !== "string" || !body.id) return { skip: "the event carries no payment intent id" };
  if (!body.metadata?.autoTopupAttemptId) return { skip: "not an auto top-up (a Checkout payment or another app's)" };
  // The PaymentIntent as Stripe has it decides; the body only names it.
  const paymentIntent = await stripe.paymentIntents.retrieve(body.id);
  if (!paymentIntent.metadata?.autoTopupAttemptId) return { skip: "not an auto top-up" };
  if (expected === "succeeded" && paymentIntent.status !== "succeeded") {
    return {
      contradicted: contradiction(event, `Stripe has payment intent ${paymentIntent.id} as ${paymentIntent.status}`),
    };
  }
  if (expected === "failed" && paymentIntent.status === "succeeded") {
    return { skip: `Stripe has payment intent ${paymentIntent.id} as succeeded; its own event grants it` };
  }
  const chargeId = stripeId(paymentIntent.latest_charge as string | { id: string } | null);
  const charge = expected === "succeeded" && chargeId ? await stripe.charges.retrieve(chargeId) : null;
  return { paymentIntent, charge };
}

export const paymentIntentSucceeded: EventHandler<PaymentIntentPrepared> = {
  prepare: (stripe, event) => retrieveAutoTopup(stripe, event, "succeeded"),
  apply(ctx, prepared) {
    if ("skip" in prepared) return ignored(prepared.skip);
    if ("contradicted" in prepared) return held(prepared.contradicted);
    return applyAutoTopupPayment(ctx, prepared.paymentIntent, prepared.charge);
  },
};

export const paymentIntentFailed: EventHandler<PaymentIntentPrepared> = {
  prepare: (stripe, event) => retrieveAutoTopup(stripe, event, "failed"),
  apply(ctx, prepared) {
    if ("skip" in prepared) return ignored(prepared.skip);
    if ("contradicted" in prepared) return held(prepared.contradicted);
    return applyAutoTopupFailure(ctx, prepared.paymentIntent);
  },
};
