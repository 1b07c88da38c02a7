/** Payments: payment intents, charges and refunds (/v1/charges, /v1/refunds). */
import type Stripe from "stripe";
import type { Engine } from "../engine";
import * as make from "../objects";
import { invalid, type Params } from "../params";
import { money } from "../shared";
import { newestFirst, paginate } from "../store";

/**
 * One card payment: a PaymentIntent and its Charge. `succeeds: false` declines the card and
 * leaves the PaymentIntent waiting for a new payment method, as Stripe does.
 */
export function collectPayment(
  e: Engine,
  p: {
    amount: number;
    currency: string;
    customer: string | null;
    email: string | null;
    description: string | null;
    metadata: Record<string, string>;
    succeeds?: boolean;
    existing?: Stripe.PaymentIntent;
  },
): { paymentIntent: Stripe.PaymentIntent; charge: Stripe.Charge } {
  const succeeds = p.succeeds ?? true;
  const pi =
    p.existing ??
    make.paymentIntent({
      now: e.now(),
      amount: p.amount,
      currency: p.currency,
      customer: p.customer,
      description: p.description,
      metadata: p.metadata,
      receiptEmail: p.email,
      paymentMethod: make.newId("pm", 24),
    });
  e.state.paymentIntents[pi.id] = pi;
  const ch = make.charge({ now: e.now(), paymentIntent: pi, email: p.email, succeeded: succeeds });
  ch.receipt_url = `${e.publicUrl()}/receipts/${ch.id}`;
  e.state.charges[ch.id] = ch;
  pi.latest_charge = ch.id;
  if (succeeds) {
    pi.status = "succeeded";
    pi.amount_received = pi.amount;
    pi.last_payment_error = null;
    e.emit("charge.succeeded", ch);
    e.emit("payment_intent.succeeded", pi);
  } else {
    pi.status = "requires_payment_method";
    pi.last_payment_error = {
      charge: ch.id,
      code: "card_declined",
      decline_code: "generic_decline",
      doc_url: "https://stripe.com/docs/error-codes/card-declined",
      message: "Your card was declined.",
      type: "card_error",
    };
    e.emit("charge.failed", ch);
    e.emit("payment_intent.payment_failed", pi);
  }
  return { paymentIntent: pi, charge: ch };
}

export function createRefund(e: Engine, p: Params): Stripe.Refund {
  const chargeId = p.string("charge");
  const piId = p.string("payment_intent");
  if (!chargeId && !piId) {
    throw invalid("One of the following params should be provided for this request: payment_intent or charge.");
  }
  let ch: Stripe.Charge;
  if (chargeId) {
    ch = e.store.get("charges", chargeId, "charge");
  } else {
    const pi = e.store.get("paymentIntents", piId!, "payment_intent");
    if (pi.status !== "succeeded" || !pi.latest_charge) {
      throw invalid(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, "payment_intent");
    }
    ch = e.store.get("charges", pi.latest_charge as string);
  }
  if (ch.status !== "succeeded") throw invalid(`Charge ${ch.id} has not succeeded and cannot be refunded.`, "charge");
  const remaining = ch.amount - ch.amount_refunded;
  if (remaining <= 0) throw invalid(`Charge ${ch.id} has already been refunded.`, "charge", "charge_already_refunded");
  const amount = p.integer("amount") ?? remaining;
  if (amount <= 0) throw invalid("Refund amount must be positive.", "amount", "parameter_invalid_integer");
  if (amount > remaining) {
    throw invalid(
      `Refund amount (${money(amount, ch.currency)}) is greater than unrefunded amount on charge (${money(remaining, ch.currency)})`,
      "amount",
    );
  }
  const reason = p.oneOf("reason", ["duplicate", "fraudulent", "requested_by_customer"] as const) ?? null;
  const re = make.refund({ now: e.now(), charge: ch, amount, reason, metadata: p.metadata() ?? {} });
  e.state.refunds[re.id] = re;
  const previous = { amount_refunded: ch.amount_refunded, refunded: ch.refunded };
  ch.amount_refunded += amount;
  ch.refunded = ch.amount_refunded === ch.amount;
  e.emit("refund.created", re);
  e.emit(
    "charge.refunded",
    ch,
    previous.refunded === ch.refunded ? { amount_refunded: previous.amount_refunded } : previous,
  );
  return re;
}

export function listRefunds(e: Engine, p: Params): Stripe.ApiList<Stripe.Refund> {
  const charge = p.string("charge");
  const pi = p.string("payment_intent");
  const all = newestFirst(e.state.refunds).filter(
    (r) => (charge === undefined || r.charge === charge) && (pi === undefined || r.payment_intent === pi),
  );
  return paginate(all, p, "/v1/refunds");
}

export function listCharges(e: Engine, p: Params): Stripe.ApiList<Stripe.Charge> {
  const pi = p.string("payment_intent");
  const customer = p.string("customer");
  const all = newestFirst(e.state.charges).filter(
    (c) => (pi === undefined || c.payment_intent === pi) && (customer === undefined || c.customer === customer),
  );
  return paginate(all, p, "/v1/charges");
}
