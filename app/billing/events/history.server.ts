import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { topupPurchases } from "../../../db/schema";
import { appendEvent } from "../../events/outbox.server";
import { getSubscriptionPlan, getTopupPlan } from "../../plans/index.server";
import {
  recordSubscriptionChange,
  recordSubscriptionInvoice,
  recordSubscriptionInvoiceRefund,
} from "../history.server";
import { getSubscriptionByStripeId, stripeId } from "../subscription-state.server";
import { type EventHandler, findUserId, ignored, processed } from "./shared.server";

/*
 * Payment and subscription history around the money handlers, in the same transaction: each
 * wrapper runs the handler's own apply first and then records what it did (one row per invoice or
 * purchase, so a replay adds nothing). The internal events the email engineer consumes are
 * appended here too:
 *   payment.failed {userId, planName, amountCents, hostedInvoiceUrl}
 *   topup.paid     {userId, packName, credits, amountCents, receiptUrl}
 */

type WithInvoice = { invoice: Stripe.Invoice; subscription: Stripe.Subscription };

/** invoice.paid: the invoice into payment history; a renewal into subscription history. */
export function withInvoiceHistory<P>(inner: EventHandler<P>): EventHandler<P> {
  return {
    async prepare(stripe, event, ctx) {
      const prepared = await inner.prepare(stripe, event, ctx);
      if (!prepared || typeof prepared !== "object" || !("invoice" in prepared)) return prepared;
      // The payments say which payment intent paid it, so a refund of its charge finds the row.
      const { invoice } = prepared as unknown as WithInvoice;
      const withPayments = await stripe.invoices.retrieve(invoice.id, { expand: ["payments"] });
      return Object.assign(prepared, { historyInvoice: withPayments });
    },
    apply(ctx, prepared) {
      const outcome = inner.apply(ctx, prepared);
      if (outcome.status !== "processed" || !prepared || typeof prepared !== "object" || !("invoice" in prepared)) {
        return outcome;
      }
      const { subscription } = prepared as unknown as WithInvoice;
      const invoice =
        (prepared as unknown as { historyInvoice?: Stripe.Invoice }).historyInvoice ??
        (prepared as unknown as WithInvoice).invoice;
      const row = getSubscriptionByStripeId(ctx.db, subscription.id);
      if (!row) return outcome;
      recordSubscriptionInvoice(ctx, {
        userId: row.userId,
        subscription: row,
        planId: row.planId,
        invoice,
        status: "paid",
      });
      if (invoice.billing_reason === "subscription_cycle") {
        recordSubscriptionChange(ctx.db, {
          userId: row.userId,
          subscriptionId: row.id,
          kind: "renewed",
          planId: row.planId,
          stripeInvoiceId: invoice.id,
          at: ctx.clock.now(),
        });
      }
      return outcome;
    },
  };
}

type FailedPrepared = { skip: string } | { invoice: Stripe.Invoice; subscriptionId: string };

/** invoice.payment_failed: a failed subscription payment — history, payments, and payment.failed. */
export const invoicePaymentFailed: EventHandler<FailedPrepared> = {
  async prepare(stripe, event) {
    const body = event.data.object as Stripe.Invoice;
    if (typeof body.id !== "string" || !body.id) return { skip: "the event carries no invoice id" };
    const invoice = await stripe.invoices.retrieve(body.id, { expand: ["payments"] });
    if (invoice.status === "paid") return { skip: `Stripe has invoice ${invoice.id} as paid by now` };
    const subscriptionId = stripeId(
      invoice.parent?.subscription_details?.subscription as string | { id: string } | null | undefined,
    );
    if (!subscriptionId) return { skip: "not a subscription invoice" };
    return { invoice, subscriptionId };
  },
  apply(ctx, prepared) {
    if ("skip" in prepared) return ignored(prepared.skip);
    const { invoice, subscriptionId } = prepared;
    const row = getSubscriptionByStripeId(ctx.db, subscriptionId) ?? null;
    const userId =
      row?.userId ??
      findUserId(ctx.db, {
        userIds: [invoice.parent?.subscription_details?.metadata?.userId],
        customerId: stripeId(invoice.customer as string | { id: string } | null),
      });
    if (userId === null) return ignored(`no user for subscription ${subscriptionId}`);
    recordSubscriptionInvoice(ctx, {
      userId,
      subscription: row,
      planId: row?.planId ?? null,
      invoice,
      status: "failed",
    });
    if (row) {
      recordSubscriptionChange(ctx.db, {
        userId,
        subscriptionId: row.id,
        kind: "payment_failed",
        planId: row.planId,
        stripeInvoiceId: invoice.id,
        at: ctx.clock.now(),
      });
    }
    const plan = row?.planId ? getSubscriptionPlan(ctx.db, row.planId) : undefined;
    appendEvent(ctx.db, {
      type: "payment.failed",
      userId,
      data: {
        userId,
        planName: plan?.publicName ?? null,
        amountCents: invoice.amount_due,
        hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
      },
      at: ctx.clock.now(),
    });
    return processed("payment failure recorded");
  },
};

type WithSession = { mode: "payment"; session: Stripe.Checkout.Session; charge: Stripe.Charge | null };

/** A paid top-up checkout: the receipt link on the purchase, and topup.paid once per purchase. */
export function withTopupHistory<P>(inner: EventHandler<P>): EventHandler<P> {
  return {
    prepare: (stripe, event, ctx) => inner.prepare(stripe, event, ctx),
    apply(ctx, prepared) {
      const p = prepared as unknown as Partial<WithSession>;
      const isTopup = p && typeof p === "object" && p.mode === "payment" && p.session;
      const bySession = () =>
        ctx.db.select().from(topupPurchases).where(eq(topupPurchases.stripeCheckoutSessionId, p.session!.id)).get();
      const before = isTopup ? bySession() : undefined;
      const outcome = inner.apply(ctx, prepared);
      if (!isTopup || before) return outcome;
      const purchase = bySession();
      if (!purchase) return outcome;
      const receiptUrl = p.charge?.receipt_url ?? null;
      if (receiptUrl) {
        ctx.db.update(topupPurchases).set({ receiptUrl }).where(eq(topupPurchases.id, purchase.id)).run();
      }
      appendEvent(ctx.db, {
        type: "topup.paid",
        userId: purchase.userId,
        data: {
          userId: purchase.userId,
          packName: getTopupPlan(ctx.db, purchase.planId)?.publicName ?? "Top-up",
          credits: purchase.credits,
          amountCents: purchase.amountPaidCents,
          receiptUrl,
        },
        at: ctx.clock.now(),
      });
      return outcome;
    },
  };
}

/** charge.refunded for a subscription invoice's charge (the top-up handler ignores those). */
export function withInvoiceRefunds<P>(inner: EventHandler<P>): EventHandler<P> {
  return {
    prepare: (stripe, event, ctx) => inner.prepare(stripe, event, ctx),
    apply(ctx, prepared) {
      const outcome = inner.apply(ctx, prepared);
      const charge = (prepared as unknown as { charge?: Stripe.Charge }).charge;
      const paymentIntentId = charge ? stripeId(charge.payment_intent) : null;
      if (outcome.status !== "ignored" || !charge || !paymentIntentId) return outcome;
      const recorded = recordSubscriptionInvoiceRefund(ctx, paymentIntentId, {
        amount: charge.amount,
        amountRefunded: charge.amount_refunded,
      });
      return recorded ? processed("refund of a subscription invoice recorded") : outcome;
    },
  };
}
