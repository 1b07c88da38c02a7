/**
 * POST /v1/invoices/create_preview — the invoice a change to a subscription would produce, computed
 * by the same code that makes the change (applyItemChanges, prorate) on a copy, so a preview with
 * `subscription_details.proration_date` and the update with the same `proration_date` agree to the
 * cent. Nothing is stored and no event is sent.
 *
 * What comes back, as in Stripe: with `proration_behavior` `create_prorations` (the default) the
 * next invoice — the change's proration lines (`parent.subscription_item_details.proration`) plus
 * the next period at the new price; with `none` the next period only; with `always_invoice` the
 * invoice the change bills at once (its prorations). Only previews of an existing subscription
 * are supported.
 */
import type Stripe from "stripe";
import type { Engine } from "../engine";
import * as make from "../objects";
import { invalid, missingParam, type Params } from "../params";
import { clone } from "../shared";
import { applyItemChanges, cycleLine, prorationDate, type ProrationBehavior } from "./subscriptions";

export function createInvoicePreview(e: Engine, p: Params): Stripe.Invoice {
  const subscriptionId = p.string("subscription");
  if (!subscriptionId) throw missingParam("subscription");
  const original = e.store.get("subscriptions", subscriptionId, "subscription");
  const customerId = p.string("customer");
  if (customerId !== undefined && customerId !== original.customer) {
    throw invalid("The subscription does not belong to this customer.", "customer");
  }
  if (original.status === "canceled" || original.status === "incomplete_expired") {
    throw invalid("No upcoming invoices for a canceled subscription.", "subscription", "invoice_upcoming_none");
  }
  const sub = clone(original);
  const details = p.object("subscription_details");
  const behavior: ProrationBehavior =
    details?.oneOf("proration_behavior", ["always_invoice", "create_prorations", "none"] as const) ??
    "create_prorations";
  if (behavior === "none" && details?.has("proration_date")) {
    throw invalid(
      "proration_date cannot be set when proration_behavior is none.",
      "subscription_details[proration_date]",
    );
  }
  const now = details ? prorationDate(sub, details, e.now()) : e.now();
  const changes = details ? applyItemChanges(e, sub, details, now) : { prorations: [], restarted: [] };
  const cancelAtPeriodEnd = details?.boolean("cancel_at_period_end") ?? sub.cancel_at_period_end;
  const pending = e.state.subscriptionExtras[sub.id]?.pendingLines ?? [];
  const prorations = behavior === "none" ? [] : changes.prorations;

  const id = `upcoming_${make.newId("in", 24)}`;
  let lines: Stripe.InvoiceLineItem[];
  let reason: Stripe.Invoice.BillingReason;
  let period: { start: number; end: number };
  if (behavior === "always_invoice" && (prorations.length || pending.length || changes.restarted.length)) {
    lines = [...clone(pending), ...prorations, ...changes.restarted];
    reason = "subscription_update";
    period = { start: now, end: now };
  } else {
    if (cancelAtPeriodEnd && !changes.restarted.length) {
      throw invalid(
        "No upcoming invoices: the subscription ends at the period end.",
        "subscription",
        "invoice_upcoming_none",
      );
    }
    const next = sub.items.data.map((item) => nextPeriodLine(e, sub, item));
    lines = [...clone(pending), ...prorations, ...changes.restarted, ...next];
    reason = "subscription_cycle";
    const first = sub.items.data[0];
    period = { start: first.current_period_start, end: first.current_period_end };
  }
  const customer = e.store.get("customers", sub.customer as string);
  for (const line of lines) line.invoice = id;
  const invoice = make.invoice({
    now: e.now(),
    id,
    number: null,
    customer,
    subscription: sub,
    billingReason: reason,
    lines,
    periodStart: period.start,
    periodEnd: period.end,
  });
  // The customer's credit balance pays first, as it will on the real invoice.
  const applied = invoice.total + customer.balance;
  invoice.starting_balance = customer.balance;
  invoice.amount_due = Math.max(0, applied);
  invoice.amount_remaining = invoice.amount_due;
  invoice.ending_balance = Math.min(0, applied);
  invoice.status = "draft";
  invoice.status_transitions.finalized_at = null;
  invoice.webhooks_delivered_at = null;
  return invoice;
}

/** The line that bills an item for the period after the current one, at its (new) price. */
function nextPeriodLine(e: Engine, sub: Stripe.Subscription, item: Stripe.SubscriptionItem): Stripe.InvoiceLineItem {
  const price = e.state.prices[item.price.id] ?? item.price;
  const start = item.current_period_end;
  const end = make.addInterval(start, price.recurring!.interval, price.recurring!.interval_count);
  return cycleLine(e, sub, item, { start, end });
}
