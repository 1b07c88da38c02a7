/**
 * An admin's refund of one payment of a customer (a top-up or a subscription invoice): Stripe
 * returns the money, and the `charge.refunded` webhook then takes back the credits it paid for
 * (events/refunds.server.ts), so this module never touches the credit engine.
 */
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { topupPlans, topupPurchases } from "../../db/schema";
import { writeTransaction } from "../../db/transaction";
import { recordAudit, userActor } from "../auth/audit.server";
import type { DbClock } from "../utils/context.server";
import { AppError } from "../utils/errors";
import type { StripeContext } from "./context.server";
import { listInvoiceGrants } from "./invoice-grants.server";
import { callStripe } from "./stripe-errors.server";
import { stripeId } from "./subscription-state.server";

type RefundKind = "topup" | "invoice";

/** A payment as the refund form offers it; `ref` is what the form posts back. */
export interface RefundablePayment {
  ref: string;
  kind: RefundKind;
  stripeId: string;
  description: string;
  paidCents: number;
  /** What our records say is refunded already (Stripe's charge has the last word at the refund). */
  refundedCents: number;
  currency: string;
  credits: number;
  /** Credits the earlier refunds of a top-up already account for. */
  creditsRefunded: number;
  createdAt: string;
}

const refOf = (kind: RefundKind, id: string) => `${kind}:${id}`;

/** The customer's payments that still have money to refund, newest first. */
export function listRefundablePayments(ctx: DbClock, userId: number, limit = 20): RefundablePayment[] {
  const topups = ctx.db
    .select({ purchase: topupPurchases, planName: topupPlans.publicName })
    .from(topupPurchases)
    .innerJoin(topupPlans, eq(topupPlans.id, topupPurchases.planId))
    .where(eq(topupPurchases.userId, userId))
    .all()
    .filter(({ purchase: p }) => p.stripePaymentIntentId && p.amountPaidCents > p.amountRefundedCents)
    .map(({ purchase: p, planName }): RefundablePayment => ({
      ref: refOf("topup", p.stripePaymentIntentId!),
      kind: "topup",
      stripeId: p.stripePaymentIntentId!,
      description: `Top-up: ${planName}`,
      paidCents: p.amountPaidCents,
      refundedCents: p.amountRefundedCents,
      currency: p.currency,
      credits: p.credits,
      creditsRefunded: p.creditsRefunded,
      createdAt: p.createdAt.toISOString(),
    }));
  const invoices = listInvoiceGrants(ctx.db, { userId, limit })
    .filter((i) => i.amountPaidCents !== null && i.amountPaidCents > 0)
    .map((i): RefundablePayment => ({
      ref: refOf("invoice", i.stripeInvoiceId),
      kind: "invoice",
      stripeId: i.stripeInvoiceId,
      description: i.reason ?? "Subscription invoice",
      paidCents: i.amountPaidCents!,
      refundedCents: 0,
      currency: i.currency ?? "usd",
      credits: i.credits,
      creditsRefunded: 0,
      createdAt: i.grantedAt.toISOString(),
    }));
  return [...topups, ...invoices].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
}

/** One refundable payment of this customer by its form ref; another customer's is "not found". */
export function findRefundablePayment(ctx: DbClock, userId: number, ref: string): RefundablePayment {
  const payment = listRefundablePayments(ctx, userId, 1000).find((p) => p.ref === ref);
  if (!payment) {
    throw new AppError("not_found", "Choose a payment of this customer that has money left to refund.", {
      field: "payment",
    });
  }
  return payment;
}

/** Refuses an amount that is not a positive number of cents within what is left of the payment. */
export function checkRefundAmount(payment: RefundablePayment, amountCents: number): void {
  const left = payment.paidCents - payment.refundedCents;
  if (!Number.isSafeInteger(amountCents) || amountCents < 1) {
    throw new AppError("invalid_request", "Enter an amount of at least 0.01.", { field: "amount" });
  }
  if (amountCents > left) {
    throw new AppError(
      "invalid_request",
      `That is more than is left to refund of this payment (${(left / 100).toFixed(2)} ${payment.currency.toUpperCase()}).`,
      { field: "amount" },
    );
  }
}

/** The credits the webhook will take back for this refund (fewer if the customer spent them). */
export function creditsToClawBack(payment: RefundablePayment, amountCents: number): number {
  if (payment.kind !== "topup" || payment.paidCents <= 0) return 0;
  const refunded = Math.min(payment.paidCents, payment.refundedCents + amountCents);
  const target = Math.floor((payment.credits * refunded) / payment.paidCents);
  return Math.max(0, target - payment.creditsRefunded);
}

function refundAudited(ctx: DbClock, refundId: string): boolean {
  return Boolean(
    ctx.db.$client
      .prepare(`select 1 from audit_log where action = 'payment.refund' and json_extract(details, '$.refundId') = ?`)
      .get(refundId),
  );
}

/** The PaymentIntent that paid an invoice (Stripe lists an invoice's payments when asked). */
async function invoicePaymentIntent(stripe: Stripe, invoiceId: string): Promise<string> {
  const invoice = await callStripe(() => stripe.invoices.retrieve(invoiceId, { expand: ["payments"] }));
  const paid = (invoice.payments?.data ?? []).find((p) => p.status === "paid");
  const id = stripeId(paid?.payment?.payment_intent as string | { id: string } | null | undefined);
  if (!id) throw new AppError("conflict", "Stripe has no card payment for this invoice to refund.");
  return id;
}

/**
 * Asks Stripe to refund `amountCents` of the payment, checked first against what our records and
 * then Stripe's charge say is left. The key makes a resubmitted confirmation one refund.
 */
export async function refundPayment(
  ctx: StripeContext,
  input: { adminId: number; userId: number; ref: string; amountCents: number; key: string },
): Promise<{ refundId: string; amountCents: number; currency: string; payment: RefundablePayment }> {
  const payment = findRefundablePayment(ctx, input.userId, input.ref);
  checkRefundAmount(payment, input.amountCents);
  const stripe = ctx.stripe;
  const paymentIntentId =
    payment.kind === "topup" ? payment.stripeId : await invoicePaymentIntent(stripe, payment.stripeId);
  const intent = await callStripe(() => stripe.paymentIntents.retrieve(paymentIntentId));
  const chargeId = stripeId(intent.latest_charge);
  if (!chargeId) throw new AppError("conflict", "Stripe has no successful charge for this payment.");
  const charge = await callStripe(() => stripe.charges.retrieve(chargeId));
  checkRefundAmount({ ...payment, paidCents: charge.amount, refundedCents: charge.amount_refunded }, input.amountCents);
  const refund = await callStripe(
    () =>
      stripe.refunds.create(
        {
          charge: chargeId,
          amount: input.amountCents,
          reason: "requested_by_customer",
          metadata: { userId: String(input.userId), adminId: String(input.adminId) },
        },
        { idempotencyKey: `admin-refund:${input.key}` },
      ),
    "amount",
  );
  writeTransaction(ctx.db, () => {
    // A resubmitted confirmation gets the same refund back from Stripe: it is recorded once.
    if (refundAudited(ctx, refund.id)) return;
    recordAudit(ctx, {
      actor: userActor(input.adminId),
      action: "payment.refund",
      subject: userActor(input.userId),
      details: {
        refundId: refund.id,
        payment: payment.stripeId,
        amountCents: refund.amount,
        currency: refund.currency,
      },
    });
  });
  return { refundId: refund.id, amountCents: refund.amount, currency: refund.currency, payment };
}
