/** Subscriptions: /v1/subscriptions — created by Checkout, updated with prorations, canceled. */
import type Stripe from "stripe";
import type { Engine } from "../engine";
import * as make from "../objects";
import { invalid, missingParam, type Params } from "../params";
import { clone, diff, money } from "../shared";
import { newestFirst, paginate, type CheckoutExtras, type SubscriptionExtras } from "../store";
import { createSubscriptionInvoice, finalizeAndPay } from "./invoices";

export function startSubscription(
  e: Engine,
  customer: Stripe.Customer,
  lines: Stripe.LineItem[],
  extras: CheckoutExtras,
): Stripe.Subscription {
  const now = e.now();
  const subId = make.newId("sub", 24);
  const items = lines.map((l) => {
    const price = l.price!;
    const r = price.recurring!;
    return make.subscriptionItem({
      now,
      subscription: subId,
      price,
      quantity: l.quantity ?? 1,
      periodStart: now,
      periodEnd: make.addInterval(now, r.interval, r.interval_count),
    });
  });
  const sub = make.subscription({
    now,
    id: subId,
    customer: customer.id,
    currency: lines[0].currency,
    items,
    metadata: extras.subscriptionMetadata,
    paymentMethod: make.newId("pm", 24),
  });
  sub.description = extras.subscriptionDescription;
  e.state.subscriptions[sub.id] = sub;
  const invoice = createSubscriptionInvoice(
    e,
    sub,
    "subscription_create",
    now,
    now,
    items.map((item) => cycleLine(e, sub, item)),
  );
  sub.latest_invoice = invoice.id;
  e.emit("customer.subscription.created", renderSubscription(e, sub));
  finalizeAndPay(e, invoice, { succeeds: true });
  return sub;
}

/** The line that bills one item for its current period (or the given one), at its price as it is now. */
export function cycleLine(
  e: Engine,
  sub: Stripe.Subscription,
  item: Stripe.SubscriptionItem,
  period: { start: number; end: number } = { start: item.current_period_start, end: item.current_period_end },
): Stripe.InvoiceLineItem {
  const price = e.state.prices[item.price.id] ?? item.price;
  const quantity = item.quantity ?? 1;
  const name = productName(e, price);
  return make.subscriptionLine({
    invoice: null,
    subscription: sub,
    item,
    price,
    quantity,
    amount: (price.unit_amount ?? 0) * quantity,
    periodStart: period.start,
    periodEnd: period.end,
    description: `${quantity} × ${name} (at ${money(price.unit_amount ?? 0, price.currency)} / ${price.recurring?.interval ?? "period"})`,
    proration: false,
  });
}

function productName(e: Engine, price: Stripe.Price): string {
  const id = typeof price.product === "string" ? price.product : price.product.id;
  return e.state.products[id]?.name ?? id;
}

/** Items carry their price as it is now, like Stripe renders nested objects. */
export function renderSubscription(e: Engine, sub: Stripe.Subscription): Stripe.Subscription {
  const out = clone(sub);
  for (const item of out.items.data) {
    const price = e.state.prices[item.price.id];
    if (price) {
      item.price = clone(price);
      item.plan = make.planOf(price);
    }
  }
  return out;
}

export function listSubscriptions(e: Engine, p: Params): Stripe.ApiList<Stripe.Subscription> {
  const customer = p.string("customer");
  const price = p.string("price");
  const status = p.string("status");
  const all = newestFirst(e.state.subscriptions)
    .filter(
      (s) =>
        (customer === undefined || s.customer === customer) &&
        (price === undefined || s.items.data.some((i) => i.price.id === price)) &&
        (status === "all" || (status === undefined ? s.status !== "canceled" : s.status === status)),
    )
    .map((s) => renderSubscription(e, s));
  return paginate(all, p, "/v1/subscriptions");
}

export type ProrationBehavior = "always_invoice" | "create_prorations" | "none";

/** What changing the items produced: proration lines, and full-period lines for items whose interval changed. */
interface ItemChanges {
  prorations: Stripe.InvoiceLineItem[];
  /** Full-period lines for items whose interval changed: billed now whatever proration_behavior says. */
  restarted: Stripe.InvoiceLineItem[];
}

/**
 * POST /v1/subscriptions/:id — items (add, remove, change price or quantity, with prorations),
 * cancel_at_period_end, metadata and description; then the invoice the change calls for.
 */
export function updateSubscription(e: Engine, id: string, p: Params): Stripe.Subscription {
  const sub = e.store.get("subscriptions", id);
  const before = renderSubscription(e, sub);
  refuseUpdateOfEnded(sub, p);
  const now = e.now();
  const behavior: ProrationBehavior =
    p.oneOf("proration_behavior", ["always_invoice", "create_prorations", "none"] as const) ?? "create_prorations";
  const changes = applyItemChanges(e, sub, p, prorationDate(sub, p, now));
  applyFieldChanges(e, sub, p);
  const extras = (e.state.subscriptionExtras[sub.id] ??= {});
  const invoice = billChanges(e, sub, extras, behavior, changes, now);
  const after = renderSubscription(e, sub);
  const previous = diff(before, after);
  if (Object.keys(previous).length) e.emit("customer.subscription.updated", after, previous);
  if (invoice) {
    const paid = finalizeAndPay(e, invoice, { succeeds: !extras.failNextPayment });
    if (extras.failNextPayment) extras.failNextPayment = false;
    if (!paid) markPastDue(e, sub);
  }
  return renderSubscription(e, sub);
}

/**
 * `proration_date`: prorate as though the change happened then (what a preview was computed
 * for), so the amount charged equals the amount previewed. It must lie in the current period.
 */
export function prorationDate(sub: Stripe.Subscription, p: Params, now: number): number {
  const date = p.integer("proration_date", { min: 0 });
  if (date === undefined) return now;
  const item = sub.items.data[0];
  if (item && (date < item.current_period_start || date >= item.current_period_end)) {
    throw invalid("proration_date must be within the subscription's current period.", "proration_date");
  }
  return date;
}

function refuseUpdateOfEnded(sub: Stripe.Subscription, p: Params): void {
  if (sub.status !== "canceled" && sub.status !== "incomplete_expired") return;
  const onlyAllowed = Object.keys(p.raw).every((k) => ["metadata", "cancellation_details", "expand"].includes(k));
  if (!onlyAllowed) {
    throw invalid("A canceled subscription can only update its cancellation_details and metadata.");
  }
}

/** `items[n]`: without an id adds an item, with `deleted` removes it, else changes its price and/or quantity. */
export function applyItemChanges(e: Engine, sub: Stripe.Subscription, p: Params, now: number): ItemChanges {
  const changes: ItemChanges = { prorations: [], restarted: [] };
  for (const [i, itemParams] of (p.array("items") ?? []).entries()) {
    const param = `items[${i}]`;
    const itemId = itemParams.string("id");
    const priceId = itemParams.string("price");
    const newPrice = priceId ? e.store.get("prices", priceId, `${param}[price]`) : undefined;
    if (newPrice && !newPrice.active) {
      throw invalid(`The price specified is inactive. This field only accepts active prices.`, `${param}[price]`);
    }
    if (newPrice && (!newPrice.recurring || newPrice.currency !== sub.currency)) {
      throw invalid("The price must be recurring and in the subscription's currency.", `${param}[price]`);
    }
    const quantity = itemParams.integer("quantity", { min: 0 });
    if (!itemId) {
      if (!newPrice) throw missingParam(`${param}[price]`);
      addItem(e, sub, newPrice, quantity ?? 1, now, changes);
      continue;
    }
    const item = sub.items.data.find((x) => x.id === itemId);
    if (!item) throw invalid(`Subscription item ${itemId} does not belong to this subscription.`, `${param}[id]`);
    if (itemParams.boolean("deleted")) {
      changes.prorations.push(...prorate(e, sub, item, item.price, item.quantity ?? 1, null, 0, now));
      sub.items.data = sub.items.data.filter((x) => x.id !== itemId);
      continue;
    }
    changeItem(e, sub, item, newPrice, quantity, now, changes);
  }
  if (sub.items.data.length === 0) throw invalid("A subscription must have at least one active plan.", "items");
  if (changes.restarted.length) sub.billing_cycle_anchor = now;
  return changes;
}

function addItem(
  e: Engine,
  sub: Stripe.Subscription,
  price: Stripe.Price,
  quantity: number,
  now: number,
  changes: ItemChanges,
): void {
  const first = sub.items.data[0];
  const item = make.subscriptionItem({
    now,
    subscription: sub.id,
    price,
    quantity,
    periodStart: first?.current_period_start ?? now,
    periodEnd: first?.current_period_end ?? make.addInterval(now, price.recurring!.interval),
  });
  sub.items.data.push(item);
  changes.prorations.push(...prorate(e, sub, item, null, 0, price, item.quantity ?? 1, now));
}

function changeItem(
  e: Engine,
  sub: Stripe.Subscription,
  item: Stripe.SubscriptionItem,
  newPrice: Stripe.Price | undefined,
  quantity: number | undefined,
  now: number,
  changes: ItemChanges,
): void {
  const oldPrice = e.state.prices[item.price.id] ?? item.price;
  const oldQuantity = item.quantity ?? 1;
  const price = newPrice ?? oldPrice;
  const qty = quantity ?? oldQuantity;
  if (price.id === oldPrice.id && qty === oldQuantity) return;
  const intervalChanged =
    price.recurring!.interval !== oldPrice.recurring!.interval ||
    price.recurring!.interval_count !== oldPrice.recurring!.interval_count;
  changes.prorations.push(...prorate(e, sub, item, oldPrice, oldQuantity, intervalChanged ? null : price, qty, now));
  item.price = price;
  item.plan = make.planOf(price);
  item.quantity = qty;
  if (intervalChanged) {
    // A new interval restarts the billing cycle now and bills the new price in full, as Stripe does.
    item.current_period_start = now;
    item.current_period_end = make.addInterval(now, price.recurring!.interval, price.recurring!.interval_count);
    changes.restarted.push(cycleLine(e, sub, item));
  }
}

function applyFieldChanges(e: Engine, sub: Stripe.Subscription, p: Params): void {
  const cancelAtPeriodEnd = p.boolean("cancel_at_period_end");
  if (cancelAtPeriodEnd !== undefined && cancelAtPeriodEnd !== sub.cancel_at_period_end) {
    setCancelAtPeriodEnd(e, sub, cancelAtPeriodEnd, p.object("cancellation_details")?.string("comment") ?? null);
  }
  sub.metadata = p.metadata("metadata", sub.metadata) ?? sub.metadata;
  const description = p.nullableString("description");
  if (description !== undefined) sub.description = description;
}

/**
 * An interval change, or `always_invoice` with something to bill, invoices now (pending
 * prorations included); `create_prorations` keeps the lines for the next invoice; `none` drops them.
 */
function billChanges(
  e: Engine,
  sub: Stripe.Subscription,
  extras: SubscriptionExtras,
  behavior: ProrationBehavior,
  { prorations, restarted }: ItemChanges,
  now: number,
): Stripe.Invoice | undefined {
  const billed = behavior === "none" ? [] : prorations;
  if (restarted.length || (behavior === "always_invoice" && (billed.length || extras.pendingLines?.length))) {
    const lines = [...(extras.pendingLines ?? []), ...billed, ...restarted];
    extras.pendingLines = [];
    const invoice = createSubscriptionInvoice(e, sub, "subscription_update", now, now, lines);
    sub.latest_invoice = invoice.id;
    return invoice;
  }
  if (behavior === "create_prorations" && billed.length) {
    extras.pendingLines = [...(extras.pendingLines ?? []), ...billed];
  }
  return undefined;
}

/** Unused time on the old price is credited, remaining time on the new one charged, both to the period end. */
function prorate(
  e: Engine,
  sub: Stripe.Subscription,
  item: Stripe.SubscriptionItem,
  oldPrice: Stripe.Price | null,
  oldQuantity: number,
  newPrice: Stripe.Price | null,
  newQuantity: number,
  now: number,
): Stripe.InvoiceLineItem[] {
  const start = item.current_period_start;
  const end = item.current_period_end;
  if (end <= now || end <= start) return [];
  const fraction = (end - Math.max(now, start)) / (end - start);
  const lines: Stripe.InvoiceLineItem[] = [];
  const date = new Date(now * 1000).toUTCString().slice(5, 16);
  if (oldPrice && oldQuantity > 0) {
    lines.push(
      make.subscriptionLine({
        invoice: null,
        subscription: sub,
        item,
        price: oldPrice,
        quantity: oldQuantity,
        amount: -Math.round((oldPrice.unit_amount ?? 0) * oldQuantity * fraction),
        periodStart: now,
        periodEnd: end,
        description: `Unused time on ${oldQuantity} × ${productName(e, oldPrice)} after ${date}`,
        proration: true,
      }),
    );
  }
  if (newPrice && newQuantity > 0) {
    lines.push(
      make.subscriptionLine({
        invoice: null,
        subscription: sub,
        item,
        price: newPrice,
        quantity: newQuantity,
        amount: Math.round((newPrice.unit_amount ?? 0) * newQuantity * fraction),
        periodStart: now,
        periodEnd: end,
        description: `Remaining time on ${newQuantity} × ${productName(e, newPrice)} after ${date}`,
        proration: true,
      }),
    );
  }
  return lines;
}

export function setCancelAtPeriodEnd(
  e: Engine,
  sub: Stripe.Subscription,
  cancel: boolean,
  comment: string | null,
): void {
  sub.cancel_at_period_end = cancel;
  if (cancel) {
    sub.cancel_at = Math.min(...sub.items.data.map((i) => i.current_period_end));
    sub.canceled_at = e.now();
    sub.cancellation_details = { comment, feedback: null, feedback_option: null, reason: "cancellation_requested" };
  } else {
    sub.cancel_at = null;
    sub.canceled_at = null;
    sub.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: null };
  }
}

export function cancelSubscription(e: Engine, id: string, p: Params): Stripe.Subscription {
  const sub = e.store.get("subscriptions", id);
  if (sub.status === "canceled") {
    throw invalid("A canceled subscription can only update its cancellation_details and metadata.");
  }
  const before = renderSubscription(e, sub);
  const now = e.now();
  sub.status = "canceled";
  sub.canceled_at = now;
  sub.ended_at = now;
  sub.cancel_at = null;
  sub.cancel_at_period_end = false;
  sub.cancellation_details = {
    comment: p.object("cancellation_details")?.string("comment") ?? null,
    feedback: null,
    feedback_option: null,
    reason: "cancellation_requested",
  };
  const after = renderSubscription(e, sub);
  e.emit("customer.subscription.deleted", after, diff(before, after));
  return after;
}

export function markPastDue(e: Engine, sub: Stripe.Subscription): void {
  if (sub.status === "past_due") return;
  const before = renderSubscription(e, sub);
  sub.status = "past_due";
  const after = renderSubscription(e, sub);
  e.emit("customer.subscription.updated", after, diff(before, after));
}

export function markActive(e: Engine, sub: Stripe.Subscription): void {
  const before = renderSubscription(e, sub);
  sub.status = "active";
  const after = renderSubscription(e, sub);
  e.emit("customer.subscription.updated", after, diff(before, after));
}
