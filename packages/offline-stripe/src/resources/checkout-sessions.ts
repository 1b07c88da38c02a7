/** Checkout Sessions: /v1/checkout/sessions, and paying one on the hosted page. */
import type Stripe from "stripe";
import type { Engine } from "../engine";
import * as make from "../objects";
import { invalid, missingParam, type Params } from "../params";
import { newestFirst, paginate } from "../store";
import { collectPayment } from "./payments";
import { saveCheckoutPaymentMethod } from "./payment-methods";
import { startSubscription } from "./subscriptions";
import { priceName } from "../shared";

export function createCheckoutSession(e: Engine, p: Params): Stripe.Checkout.Session {
  const mode = p.oneOf("mode", ["payment", "subscription", "setup"] as const);
  if (!mode) throw missingParam("mode");
  if (mode === "setup") throw invalid("The offline Stripe supports mode=payment and mode=subscription only.", "mode");
  const customerId = p.string("customer");
  const customerEmail = p.string("customer_email");
  if (customerId && customerEmail) {
    throw invalid("You may only specify one of these parameters: customer, customer_email.", "customer");
  }
  const customer = customerId ? e.store.get("customers", customerId, "customer") : null;
  const items = p.array("line_items");
  if (!items || items.length === 0) throw missingParam("line_items");
  const id = make.newId("cs_test", 58);
  const lines = items.map((item, i) => {
    const priceId = item.string("price");
    if (!priceId) throw missingParam(`line_items[${i}][price]`);
    const price = e.store.get("prices", priceId, `line_items[${i}][price]`);
    if (!price.active) {
      throw invalid(
        `The price specified is inactive. This field only accepts active prices.`,
        `line_items[${i}][price]`,
      );
    }
    const quantity = item.integer("quantity", { min: 1 });
    if (quantity === undefined) throw missingParam(`line_items[${i}][quantity]`);
    if (mode === "payment" && price.recurring) {
      throw invalid(
        "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.",
        `line_items[${i}][price]`,
      );
    }
    if (mode === "subscription" && !price.recurring) {
      throw invalid(
        "You must provide at least one recurring price in `subscription` mode when using prices.",
        `line_items[${i}][price]`,
      );
    }
    return make.checkoutLineItem(price, quantity, priceName(e.state.products, price));
  });
  const currency = lines[0].currency;
  if (lines.some((l) => l.currency !== currency)) {
    throw invalid("All prices must use the same currency.", "line_items");
  }
  const session = make.checkoutSession({
    now: e.now(),
    id,
    url: `${e.publicUrl()}/checkout/${id}`,
    mode,
    currency,
    amount: lines.reduce((sum, l) => sum + l.amount_total, 0),
    customer: customer?.id ?? null,
    customerEmail: customerEmail ?? null,
    clientReferenceId: p.string("client_reference_id") ?? null,
    metadata: p.metadata() ?? {},
    successUrl: p.string("success_url") ?? null,
    cancelUrl: p.string("cancel_url") ?? null,
    allowPromotionCodes: p.boolean("allow_promotion_codes") ?? null,
  });
  e.state.checkoutSessions[id] = session;
  e.state.checkoutLineItems[id] = lines;
  e.state.checkoutExtras[id] = {
    subscriptionMetadata: p.object("subscription_data")?.metadata() ?? {},
    subscriptionDescription: p.object("subscription_data")?.string("description") ?? null,
    paymentIntentMetadata: p.object("payment_intent_data")?.metadata() ?? {},
    paymentIntentDescription: p.object("payment_intent_data")?.string("description") ?? null,
    setupFutureUsage: p.object("payment_intent_data")?.string("setup_future_usage") ?? null,
  };
  return session;
}

export function listCheckoutSessions(e: Engine, p: Params): Stripe.ApiList<Stripe.Checkout.Session> {
  const pi = p.string("payment_intent");
  const sub = p.string("subscription");
  const customer = p.string("customer");
  const status = p.string("status");
  const all = newestFirst(e.state.checkoutSessions).filter(
    (s) =>
      (pi === undefined || s.payment_intent === pi) &&
      (sub === undefined || s.subscription === sub) &&
      (customer === undefined || s.customer === customer) &&
      (status === undefined || s.status === status),
  );
  return paginate(all, p, "/v1/checkout/sessions");
}

export function listCheckoutLineItems(e: Engine, id: string, p: Params): Stripe.ApiList<Stripe.LineItem> {
  e.store.get("checkoutSessions", id);
  return paginate(lineItemsOf(e, id), p, `/v1/checkout/sessions/${id}/line_items`);
}

export function lineItemsOf(e: Engine, sessionId: string): Stripe.LineItem[] {
  // Prices and their names are rendered as they are now, the way Stripe renders nested objects.
  return (e.state.checkoutLineItems[sessionId] ?? []).map((l) => {
    const price = l.price ? (e.state.prices[l.price.id] ?? l.price) : null;
    return { ...l, price, description: price ? priceName(e.state.products, price) : l.description };
  });
}

export function expireCheckoutSession(e: Engine, id: string): Stripe.Checkout.Session {
  const s = e.store.get("checkoutSessions", id);
  if (s.status !== "open") throw invalid(`Only Checkout Sessions with a status in ["open"] can be expired.`, "session");
  s.status = "expired";
  s.url = null;
  e.emit("checkout.session.expired", s);
  return s;
}

/** What the hosted page's Pay button does: the card always succeeds. */
export function payCheckoutSession(e: Engine, id: string): Stripe.Checkout.Session {
  const session = e.store.get("checkoutSessions", id);
  if (session.status === "complete") return session;
  if (session.status !== "open") throw invalid("This Checkout Session is no longer active.", "session");
  const extras = e.state.checkoutExtras[id] ?? {
    subscriptionMetadata: {},
    subscriptionDescription: null,
    paymentIntentMetadata: {},
    paymentIntentDescription: null,
  };
  let customer = session.customer ? e.store.get("customers", session.customer as string) : null;
  const email = session.customer_email ?? customer?.email ?? null;
  if (session.mode === "payment") {
    const { paymentIntent } = collectPayment(e, {
      amount: session.amount_total ?? 0,
      currency: session.currency!,
      customer: customer?.id ?? null,
      email,
      description: extras.paymentIntentDescription,
      metadata: extras.paymentIntentMetadata,
    });
    session.payment_intent = paymentIntent.id;
  } else {
    if (!customer) {
      customer = make.customer({ now: e.now(), email, name: null, description: null, phone: null, metadata: {} });
      e.state.customers[customer.id] = customer;
    }
    const sub = startSubscription(e, customer, lineItemsOf(e, id), extras);
    session.customer = customer.id;
    session.subscription = sub.id;
    session.invoice = sub.latest_invoice as string;
  }
  const pi = session.payment_intent ? e.state.paymentIntents[session.payment_intent as string] : null;
  saveCheckoutPaymentMethod(e, session, customer?.id ?? null, pi ?? null, extras.setupFutureUsage);
  session.status = "complete";
  session.payment_status = "paid";
  session.url = null;
  session.customer_details = {
    address: null,
    business_name: null,
    email,
    individual_name: null,
    name: customer?.name ?? null,
    phone: null,
    tax_exempt: "none",
    tax_ids: [],
  };
  e.emit("checkout.session.completed", session);
  return session;
}
