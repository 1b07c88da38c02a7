import { desc, eq } from "drizzle-orm";
import { nameWithCredits } from "../utils/format";
import type Stripe from "stripe";
import type { Db } from "../../db/client";
import {
  subscriptionHistory,
  subscriptionInvoices,
  topupPurchases,
  type userSubscriptions,
  type SubscriptionChangeKind,
  type SUBSCRIPTION_INVOICE_STATUSES,
} from "../../db/schema";
import { getSubscriptionPlan, getTopupPlan } from "../plans/index.server";
import type { DbClock } from "../utils/context.server";

/*
 * The customer's subscription history and payment history. Both are written where billing applies
 * Stripe's state, inside the webhook's (or the billing page's) transaction:
 * - subscription changes by comparing the subscription row before and after each sync
 *   (recordRowChanges), so any event order, and applying the same state twice, records each change
 *   once; renewals and failed payments by the invoice handlers, once per invoice (unique index);
 * - subscription invoices from the invoice Stripe returned (amounts, hosted page), one row per
 *   invoice, kept up to date as it is paid, fails or is refunded. Top-ups are topup_purchases.
 */

/** A user_subscriptions row (the subscription state module imports this one, so not from there). */
type UserSubscription = typeof userSubscriptions.$inferSelect;

type InvoiceStatus = (typeof SUBSCRIPTION_INVOICE_STATUSES)[number];

export function recordSubscriptionChange(
  db: Db,
  input: {
    userId: number;
    subscriptionId: number;
    kind: SubscriptionChangeKind;
    planId: number | null;
    fromPlanId?: number | null;
    stripeInvoiceId?: string | null;
    at: Date;
  },
): void {
  db.insert(subscriptionHistory)
    .values({
      userId: input.userId,
      subscriptionId: input.subscriptionId,
      kind: input.kind,
      planId: input.planId,
      fromPlanId: input.fromPlanId ?? null,
      stripeInvoiceId: input.stripeInvoiceId ?? null,
      occurredAt: input.at,
    })
    .onConflictDoNothing()
    .run();
}

const ENDED = ["canceled", "incomplete_expired"];

/**
 * What changed between a subscription row before and after one sync, as history entries. A
 * period moving on is not recorded here (the renewal invoice records "renewed").
 */
export function recordRowChanges(ctx: DbClock, before: UserSubscription | undefined, after: UserSubscription) {
  const { db, clock } = ctx;
  const at = clock.now();
  const base = { userId: after.userId, subscriptionId: after.id, at };
  if (!before) {
    recordSubscriptionChange(db, { ...base, kind: "started", planId: after.planId });
    if (after.pendingPlanId !== null) {
      recordSubscriptionChange(db, {
        ...base,
        kind: "downgraded",
        planId: after.pendingPlanId,
        fromPlanId: after.planId,
      });
    }
    return;
  }
  const newPeriod =
    after.currentPeriodStart !== null &&
    (before.currentPeriodStart === null || after.currentPeriodStart.getTime() > before.currentPeriodStart.getTime());
  if (!newPeriod && before.planId !== after.planId && after.planId !== null) {
    recordSubscriptionChange(db, { ...base, kind: "upgraded", planId: after.planId, fromPlanId: before.planId });
  }
  if (after.pendingPlanId !== null && after.pendingPlanId !== before.pendingPlanId) {
    recordSubscriptionChange(db, {
      ...base,
      kind: "downgraded",
      planId: after.pendingPlanId,
      fromPlanId: after.planId,
    });
  } else if (after.pendingPlanId === null && before.pendingPlanId !== null && !newPeriod) {
    recordSubscriptionChange(db, {
      ...base,
      kind: "downgrade_canceled",
      planId: after.planId,
      fromPlanId: before.pendingPlanId,
    });
  }
  if (!ENDED.includes(after.status)) {
    if (after.cancelAtPeriodEnd && !before.cancelAtPeriodEnd) {
      recordSubscriptionChange(db, { ...base, kind: "canceled", planId: after.planId });
    } else if (!after.cancelAtPeriodEnd && before.cancelAtPeriodEnd) {
      recordSubscriptionChange(db, { ...base, kind: "resumed", planId: after.planId });
    }
  } else if (!ENDED.includes(before.status)) {
    recordSubscriptionChange(db, { ...base, kind: "ended", planId: after.planId });
  }
}

/** The payment intent that paid (or tried to pay) an invoice, from its `payments` (when included). */
function invoicePaymentIntent(invoice: Stripe.Invoice): string | null {
  for (const payment of invoice.payments?.data ?? []) {
    const ref = payment.payment?.payment_intent;
    if (ref) return typeof ref === "string" ? ref : ref.id;
  }
  return null;
}

/** Inserts or updates the payment-history row of a subscription invoice, as Stripe returned it. */
export function recordSubscriptionInvoice(
  ctx: DbClock,
  input: {
    userId: number;
    subscription: UserSubscription | null;
    planId: number | null;
    invoice: Stripe.Invoice;
    status: "paid" | "failed";
  },
): void {
  const { db, clock } = ctx;
  const { invoice } = input;
  const now = clock.now();
  const existing = db
    .select()
    .from(subscriptionInvoices)
    .where(eq(subscriptionInvoices.stripeInvoiceId, invoice.id))
    .get();
  const fields = {
    number: invoice.number ?? null,
    billingReason: invoice.billing_reason ?? null,
    amountDueCents: invoice.amount_due,
    amountPaidCents: invoice.amount_paid,
    currency: invoice.currency,
    hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
    invoicePdfUrl: invoice.invoice_pdf ?? null,
    stripePaymentIntentId: invoicePaymentIntent(invoice) ?? existing?.stripePaymentIntentId ?? null,
  };
  if (!existing) {
    db.insert(subscriptionInvoices)
      .values({
        userId: input.userId,
        subscriptionId: input.subscription?.id ?? null,
        planId: input.planId,
        stripeInvoiceId: invoice.id,
        status: input.status,
        ...fields,
        createdAt: invoice.created ? new Date(invoice.created * 1000) : now,
        updatedAt: now,
      })
      .run();
    return;
  }
  // A failed invoice paid later becomes paid; a paid one stays paid (a late payment_failed event
  // cannot undo it) and a refunded one keeps its refund status.
  const status: InvoiceStatus = existing.status === "failed" && input.status === "paid" ? "paid" : existing.status;
  db.update(subscriptionInvoices)
    .set({ ...fields, status, updatedAt: now })
    .where(eq(subscriptionInvoices.id, existing.id))
    .run();
}

/** A refund of a subscription invoice's charge: true when the charge was one of ours. */
export function recordSubscriptionInvoiceRefund(
  ctx: DbClock,
  paymentIntentId: string,
  charge: { amount: number; amountRefunded: number },
): boolean {
  const { db, clock } = ctx;
  const row = db
    .select()
    .from(subscriptionInvoices)
    .where(eq(subscriptionInvoices.stripePaymentIntentId, paymentIntentId))
    .get();
  if (!row) return false;
  const refunded = Math.min(charge.amountRefunded, charge.amount);
  if (refunded <= row.amountRefundedCents) return true;
  db.update(subscriptionInvoices)
    .set({
      amountRefundedCents: refunded,
      status: refunded >= row.amountPaidCents ? "refunded" : "partially_refunded",
      updatedAt: clock.now(),
    })
    .where(eq(subscriptionInvoices.id, row.id))
    .run();
  return true;
}

// ---------------------------------------------------------------------------------------------
// Views

export interface SubscriptionHistoryEntry {
  id: number;
  kind: SubscriptionChangeKind;
  planName: string | null;
  fromPlanName: string | null;
  occurredAt: string;
}

export function listSubscriptionHistory(ctx: DbClock, userId: number, limit = 50): SubscriptionHistoryEntry[] {
  const name = (id: number | null) => (id === null ? null : (getSubscriptionPlan(ctx.db, id)?.publicName ?? null));
  return ctx.db
    .select()
    .from(subscriptionHistory)
    .where(eq(subscriptionHistory.userId, userId))
    .orderBy(desc(subscriptionHistory.id))
    .limit(limit)
    .all()
    .map((r) => ({
      id: r.id,
      kind: r.kind,
      planName: name(r.planId),
      fromPlanName: name(r.fromPlanId),
      occurredAt: r.occurredAt.toISOString(),
    }));
}

export interface PaymentView {
  key: string;
  kind: "subscription" | "topup";
  description: string;
  amountCents: number;
  amountRefundedCents: number;
  currency: string;
  status: "paid" | "failed" | "partially_refunded" | "refunded";
  /** Stripe's hosted invoice page (subscriptions) or receipt (top-ups). */
  url: string | null;
  createdAt: string;
}

const REASONS: Record<string, string> = {
  subscription_create: "first period",
  subscription_cycle: "renewal",
  subscription_update: "plan change",
};

/** Every payment, newest first: subscription invoices and top-ups together. */
export function listPayments(ctx: DbClock, userId: number, limit = 50): PaymentView[] {
  const invoices = ctx.db
    .select()
    .from(subscriptionInvoices)
    .where(eq(subscriptionInvoices.userId, userId))
    .orderBy(desc(subscriptionInvoices.id))
    .limit(limit)
    .all()
    .map((r): PaymentView => {
      const plan = r.planId ? getSubscriptionPlan(ctx.db, r.planId) : undefined;
      const reason = r.billingReason ? REASONS[r.billingReason] : undefined;
      return {
        key: `in-${r.id}`,
        kind: "subscription",
        description: `${plan?.publicName ?? "Subscription"}${reason ? ` — ${reason}` : ""}${r.number ? ` (invoice ${r.number})` : ""}`,
        amountCents: r.status === "failed" ? r.amountDueCents : r.amountPaidCents,
        amountRefundedCents: r.amountRefundedCents,
        currency: r.currency,
        status: r.status,
        url: r.hostedInvoiceUrl,
        createdAt: r.createdAt.toISOString(),
      };
    });
  const topups = ctx.db
    .select()
    .from(topupPurchases)
    .where(eq(topupPurchases.userId, userId))
    .orderBy(desc(topupPurchases.id))
    .limit(limit)
    .all()
    .map((p): PaymentView => ({
      key: `tp-${p.id}`,
      kind: "topup",
      description: nameWithCredits(
        `${getTopupPlan(ctx.db, p.planId)?.publicName ?? "Top-up"}${p.quantity > 1 ? ` × ${p.quantity}` : ""}`,
        p.credits,
      ),
      amountCents: p.amountPaidCents,
      amountRefundedCents: p.amountRefundedCents,
      currency: p.currency,
      status: p.status,
      url: p.receiptUrl,
      createdAt: p.createdAt.toISOString(),
    }));
  return [...invoices, ...topups].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
}

/** The newest failed subscription payment that is still unpaid (for the warning), or null. */
export function latestFailedPayment(ctx: DbClock, userId: number): PaymentView | null {
  const row = ctx.db
    .select()
    .from(subscriptionInvoices)
    .where(eq(subscriptionInvoices.userId, userId))
    .orderBy(desc(subscriptionInvoices.id))
    .limit(1)
    .get();
  if (!row || row.status !== "failed") return null;
  return listPayments(ctx, userId, 5).find((p) => p.key === `in-${row.id}`) ?? null;
}
