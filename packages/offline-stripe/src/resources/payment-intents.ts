/**
 * PaymentIntents created by API (/v1/payment_intents): off-session charges of a saved card, the
 * way an app charges a customer who is not there (`off_session=true&confirm=true`). The trigger
 * `declineNextOffSessionPayment` makes the next such charge fail as a real card might: declined, or
 * needing authentication the customer cannot give off-session. Like any failed request here, a
 * failed charge leaves nothing behind (Stripe would keep a PaymentIntent in requires_payment_method).
 * The trigger `processNextOffSessionPayment` makes the next one stay `processing`, as a bank debit
 * does, until `settlePaymentIntent` decides it (succeeded, failed or canceled) — optionally without
 * delivering its webhooks, to test an app that must notice a payment whose event never came.
 */
import type Stripe from "stripe";
import type { Engine } from "../engine";
import * as make from "../objects";
import { invalid, missingParam, StripeApiError, type Params } from "../params";
import { collectPayment } from "./payments";

export type OffSessionFailure = "card_declined" | "authentication_required";

/** Per offline Stripe, in memory (a demo trigger, not state that survives a restart). */
const declineNext = new WeakMap<Engine, OffSessionFailure>();
const processNext = new WeakSet<Engine>();

const FAILURES: Record<OffSessionFailure, string> = {
  card_declined: "Your card was declined.",
  authentication_required:
    "Your card was declined. This transaction requires authentication, which the customer must complete on-session.",
};

export function createPaymentIntent(e: Engine, p: Params): Stripe.PaymentIntent {
  const amount = p.integer("amount", { min: 1 });
  if (amount === undefined) throw missingParam("amount");
  const currency = p.string("currency")?.toLowerCase();
  if (!currency) throw missingParam("currency");
  const customerId = p.string("customer") ?? null;
  const customer = customerId ? e.store.get("customers", customerId, "customer") : null;
  const pmId = p.string("payment_method");
  const confirm = p.boolean("confirm") ?? false;
  const offSession = p.boolean("off_session") ?? false;
  if (!confirm || !offSession) {
    throw invalid("The offline Stripe creates only off-session PaymentIntents (confirm=true, off_session=true).");
  }
  if (!pmId) throw missingParam("payment_method");
  const pm = e.store.get("paymentMethods", pmId, "payment_method");
  if (!customer || pm.customer !== customer.id) {
    throw invalid(
      `The provided PaymentMethod ${pmId} was previously used without being attached to a Customer or was detached from a Customer, and may not be used again.`,
      "payment_method",
    );
  }
  const failure = declineNext.get(e);
  if (failure) {
    // Used up although the request fails (the engine rolls back only its state).
    declineNext.delete(e);
    throw new StripeApiError(402, "card_error", FAILURES[failure], failure);
  }
  const pi = make.paymentIntent({
    now: e.now(),
    amount,
    currency,
    customer: customer.id,
    description: p.string("description") ?? null,
    metadata: p.metadata() ?? {},
    receiptEmail: customer.email ?? null,
    paymentMethod: pm.id,
  });
  if (processNext.has(e)) {
    processNext.delete(e);
    pi.status = "processing";
    e.state.paymentIntents[pi.id] = pi;
    e.emit("payment_intent.processing", pi);
    return pi;
  }
  collectPayment(e, {
    amount,
    currency,
    customer: customer.id,
    email: customer.email ?? null,
    description: pi.description,
    metadata: pi.metadata as Record<string, string>,
    existing: pi,
  });
  return pi;
}

/** The next off-session charge fails with `code` (default: declined). */
export function declineNextOffSessionPayment(e: Engine, code: string | undefined): { declineNext: OffSessionFailure } {
  const failure = (code ?? "card_declined") as OffSessionFailure;
  if (!(failure in FAILURES)) {
    throw invalid(`code must be one of ${Object.keys(FAILURES).join(", ")}.`, "code");
  }
  declineNext.set(e, failure);
  return { declineNext: failure };
}

/** The next off-session charge stays `processing` until `settlePaymentIntent` decides it. */
export function processNextOffSessionPayment(e: Engine): { processNext: true } {
  processNext.add(e);
  return { processNext: true };
}

export type SettleOutcome = "succeeded" | "failed" | "canceled";

/**
 * Decides a `processing` PaymentIntent: `succeeded` (a charge, paid), `failed` (a declined charge,
 * back to `requires_payment_method`) or `canceled`; each with the events Stripe sends.
 */
export function settlePaymentIntent(e: Engine, id: string, outcome: string | undefined): Stripe.PaymentIntent {
  const pi = e.store.get("paymentIntents", id, "intent");
  if (pi.status !== "processing") {
    throw invalid(`This PaymentIntent's status is ${pi.status}; only a processing one can be settled.`);
  }
  const common = {
    amount: pi.amount,
    currency: pi.currency,
    customer: typeof pi.customer === "string" ? pi.customer : (pi.customer?.id ?? null),
    email: pi.receipt_email,
    description: pi.description,
    metadata: pi.metadata as Record<string, string>,
    existing: pi,
  };
  if (outcome === "succeeded") return collectPayment(e, common).paymentIntent;
  if (outcome === "failed") return collectPayment(e, { ...common, succeeds: false }).paymentIntent;
  if (outcome === "canceled") {
    pi.status = "canceled";
    pi.canceled_at = e.now();
    pi.cancellation_reason = "automatic";
    e.emit("payment_intent.canceled", pi);
    return pi;
  }
  throw invalid("outcome must be one of succeeded, failed, canceled.", "outcome");
}
