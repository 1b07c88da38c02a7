/** Test-clock triggers: renew a subscription, fail its next payment, retry it. */
import type Stripe from "stripe";
import type { Engine } from "../engine";
import { invalid } from "../params";
import { nextPeriodEnd, diff } from "../shared";
import { newestFirst } from "../store";
import { cycleLine, renderSubscription, markPastDue, markActive } from "./subscriptions";
import { createSubscriptionInvoice, finalizeAndPay, attemptInvoicePayment } from "./invoices";

/**
 * Moves a subscription to its next period, as a test clock reaching the period end would:
 * a subscription set to cancel ends instead; otherwise the items advance one interval and a
 * `subscription_cycle` invoice bills the current prices (plus pending prorations) and is paid —
 * or declined, when `fail` is set or failNextPayment() was called.
 */
export function renew(
  e: Engine,
  id: string,
  opts: { fail?: boolean } = {},
): { subscription: Stripe.Subscription; invoice: Stripe.Invoice | null } {
  const sub = e.store.get("subscriptions", id);
  if (sub.status === "canceled" || sub.status === "incomplete_expired") {
    throw invalid(`Subscription ${id} has ended (status ${sub.status}); there is nothing to renew.`);
  }
  const before = renderSubscription(e, sub);
  if (sub.cancel_at_period_end) {
    sub.status = "canceled";
    sub.ended_at = Math.max(...sub.items.data.map((i) => i.current_period_end));
    const after = renderSubscription(e, sub);
    e.emit("customer.subscription.deleted", after, diff(before, after));
    return { subscription: after, invoice: null };
  }
  const extras = (e.state.subscriptionExtras[sub.id] ??= {});
  const previousStart = Math.min(...sub.items.data.map((i) => i.current_period_start));
  const previousEnd = Math.max(...sub.items.data.map((i) => i.current_period_end));
  for (const item of sub.items.data) {
    const price = e.state.prices[item.price.id] ?? item.price;
    const r = price.recurring!;
    item.current_period_start = item.current_period_end;
    item.current_period_end = nextPeriodEnd(
      sub.billing_cycle_anchor,
      item.current_period_start,
      r.interval,
      r.interval_count,
    );
  }
  const lines = [...(extras.pendingLines ?? []), ...sub.items.data.map((item) => cycleLine(e, sub, item))];
  extras.pendingLines = [];
  const invoice = createSubscriptionInvoice(e, sub, "subscription_cycle", previousStart, previousEnd, lines);
  sub.latest_invoice = invoice.id;
  const after = renderSubscription(e, sub);
  e.emit("customer.subscription.updated", after, diff(before, after));
  const fail = opts.fail ?? extras.failNextPayment ?? false;
  extras.failNextPayment = false;
  const paid = finalizeAndPay(e, invoice, { succeeds: !fail });
  if (!paid) markPastDue(e, sub);
  else if (sub.status === "past_due") markActive(e, sub);
  return { subscription: renderSubscription(e, sub), invoice };
}

export function failNextPayment(e: Engine, id: string): Stripe.Subscription {
  const sub = e.store.get("subscriptions", id);
  (e.state.subscriptionExtras[sub.id] ??= {}).failNextPayment = true;
  return renderSubscription(e, sub);
}

/** Retries the subscription's open invoice with a card that works (Smart Retries succeeding). */
export function retryPayment(e: Engine, id: string): { subscription: Stripe.Subscription; invoice: Stripe.Invoice } {
  const sub = e.store.get("subscriptions", id);
  const inv = newestFirst(e.state.invoices).find(
    (x) => x.status === "open" && x.parent?.subscription_details?.subscription === sub.id,
  );
  if (!inv) throw invalid(`Subscription ${id} has no open invoice to retry.`);
  attemptInvoicePayment(e, inv, true);
  if (sub.status === "past_due") markActive(e, sub);
  return { subscription: renderSubscription(e, sub), invoice: inv };
}
