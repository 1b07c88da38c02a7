/** Invoices: created for subscriptions (create, cycle, update), finalized and paid; /v1/invoices. */
import type Stripe from "stripe";
import type { Engine } from "../engine";
import * as make from "../objects";
import { type Params } from "../params";
import { newestFirst, paginate } from "../store";
import { collectPayment } from "./payments";

export function createSubscriptionInvoice(
  e: Engine,
  sub: Stripe.Subscription,
  reason: Stripe.Invoice.BillingReason,
  periodStart: number,
  periodEnd: number,
  lines: Stripe.InvoiceLineItem[],
): Stripe.Invoice {
  const customer = e.store.get("customers", sub.customer as string);
  const id = make.newId("in", 24);
  const sequence = customer.next_invoice_sequence ?? 1;
  customer.next_invoice_sequence = sequence + 1;
  for (const line of lines) line.invoice = id;
  const inv = make.invoice({
    now: e.now(),
    id,
    number: `${customer.invoice_prefix}-${String(sequence).padStart(4, "0")}`,
    customer,
    subscription: sub,
    billingReason: reason,
    lines,
    periodStart,
    periodEnd,
  });
  inv.hosted_invoice_url = `${e.publicUrl()}/invoices/${id}`;
  // A credit on the customer's balance (negative) pays for invoices first; a negative total adds to it.
  const starting = customer.balance;
  const applied = inv.total + starting;
  inv.starting_balance = starting;
  inv.amount_due = Math.max(0, applied);
  inv.amount_remaining = inv.amount_due;
  inv.ending_balance = Math.min(0, applied);
  customer.balance = inv.ending_balance;
  e.state.invoices[id] = inv;
  e.state.invoicePayments[id] = [];
  return inv;
}

/** invoice.created/finalized, then the payment attempt and its invoice.paid or invoice.payment_failed. */
export function finalizeAndPay(e: Engine, inv: Stripe.Invoice, opts: { succeeds: boolean }): boolean {
  e.emit("invoice.created", inv);
  e.emit("invoice.finalized", inv);
  return attemptInvoicePayment(e, inv, opts.succeeds);
}

export function attemptInvoicePayment(e: Engine, inv: Stripe.Invoice, succeeds: boolean): boolean {
  const customer = e.store.get("customers", inv.customer as string);
  inv.attempted = true;
  inv.attempt_count += 1;
  if (inv.amount_due === 0) {
    markInvoicePaid(e, inv);
    return true;
  }
  const payments = (e.state.invoicePayments[inv.id] ??= []);
  const open = payments.find((x) => x.status === "open");
  const existing = open ? e.state.paymentIntents[open.payment.payment_intent as string] : undefined;
  const { paymentIntent } = collectPayment(e, {
    amount: inv.amount_due,
    currency: inv.currency,
    customer: customer.id,
    email: customer.email,
    description: inv.billing_reason === "subscription_create" ? "Subscription creation" : "Subscription update",
    metadata: {},
    succeeds,
    existing,
  });
  if (!open) {
    payments.push(
      make.invoicePayment({
        now: e.now(),
        invoice: inv.id,
        amount: inv.amount_due,
        currency: inv.currency,
        paymentIntent: paymentIntent.id,
      }),
    );
  }
  if (succeeds) {
    const payment = payments.find((x) => x.payment.payment_intent === paymentIntent.id)!;
    payment.status = "paid";
    payment.amount_paid = inv.amount_due;
    payment.status_transitions.paid_at = e.now();
    markInvoicePaid(e, inv);
    return true;
  }
  inv.next_payment_attempt = e.now() + 3 * 86_400;
  e.emit("invoice.payment_failed", inv);
  return false;
}

function markInvoicePaid(e: Engine, inv: Stripe.Invoice): void {
  inv.status = "paid";
  inv.amount_paid = inv.amount_due;
  inv.amount_remaining = 0;
  inv.next_payment_attempt = null;
  inv.status_transitions.paid_at = e.now();
  e.emit("invoice.paid", inv);
  e.emit("invoice.payment_succeeded", inv);
}

export function listInvoices(e: Engine, p: Params): Stripe.ApiList<Stripe.Invoice> {
  const customer = p.string("customer");
  const subscription = p.string("subscription");
  const status = p.string("status");
  const all = newestFirst(e.state.invoices).filter(
    (i) =>
      (customer === undefined || i.customer === customer) &&
      (subscription === undefined || i.parent?.subscription_details?.subscription === subscription) &&
      (status === undefined || i.status === status),
  );
  return paginate(all, p, "/v1/invoices");
}
