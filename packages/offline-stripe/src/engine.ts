import Stripe from "stripe";
import type { Clock } from "../../utils/clock";
import * as make from "./objects";
import { invalid, missingParam, noSuch, type Params } from "./params";
import { expandPaths, newestFirst, paginate, type CheckoutExtras, type Store } from "./store";

/** Who caused the events of one operation: an API request (id + idempotency key) or Stripe itself. */
export interface RequestInfo {
  id: string | null;
  idempotencyKey: string | null;
}

const INTERVALS = ["day", "week", "month", "year"] as const;

/**
 * The behaviour of the offline Stripe: every API operation, the hosted-page actions and the
 * test-clock triggers. Each public operation runs inside `run()`, which collects the events it
 * creates, saves the state and hands the events to the webhook queue only when it succeeded.
 *
 * Events exist for what a billing webhook endpoint subscribes to: Checkout Sessions,
 * subscriptions, invoices, payments and refunds — not for customers, products or prices.
 */
export class OfflineEngine {
  private batch: Stripe.Event[] = [];
  private request: RequestInfo = { id: null, idempotencyKey: null };

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly publicUrl: () => string,
    private readonly onEvents: (events: Stripe.Event[]) => void,
    private readonly hasEndpoint: () => boolean,
  ) {}

  private get state() {
    return this.store.state;
  }

  now(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }

  /** Runs one operation atomically: on error nothing it changed is kept and no event is sent. */
  run<T>(request: RequestInfo | null, fn: () => T): T {
    const before = JSON.stringify(this.store.state);
    this.batch = [];
    this.request = request ?? { id: null, idempotencyKey: null };
    try {
      const result = fn();
      this.store.save();
      const events = this.batch;
      this.batch = [];
      if (events.length) this.onEvents(events);
      return result;
    } catch (e) {
      this.store.state = JSON.parse(before);
      this.batch = [];
      throw e;
    }
  }

  private emit(type: Stripe.Event.Type, object: unknown, previous?: Record<string, unknown>): void {
    const event = {
      id: make.newId("evt", 24),
      object: "event",
      api_version: Stripe.API_VERSION,
      created: this.now(),
      data: {
        object: JSON.parse(JSON.stringify(object)),
        ...(previous && Object.keys(previous).length ? { previous_attributes: JSON.parse(JSON.stringify(previous)) } : {}),
      },
      livemode: false,
      pending_webhooks: this.hasEndpoint() ? 1 : 0,
      request: { id: this.request.id, idempotency_key: this.request.idempotencyKey },
      type,
    } as Stripe.Event;
    this.state.events[event.id] = event;
    this.batch.push(event);
  }

  // ---------------------------------------------------------------- customers

  createCustomer(p: Params): Stripe.Customer {
    const c = make.customer({
      now: this.now(),
      email: p.nullableString("email") ?? null,
      name: p.nullableString("name") ?? null,
      description: p.nullableString("description") ?? null,
      phone: p.nullableString("phone") ?? null,
      metadata: p.metadata() ?? {},
    });
    this.state.customers[c.id] = c;
    return c;
  }

  updateCustomer(id: string, p: Params): Stripe.Customer {
    const c = this.store.get("customers", id);
    for (const key of ["email", "name", "description", "phone"] as const) {
      const v = p.nullableString(key);
      if (v !== undefined) c[key] = v;
    }
    c.metadata = p.metadata("metadata", c.metadata) ?? c.metadata;
    return c;
  }

  listCustomers(p: Params): Stripe.ApiList<Stripe.Customer> {
    const email = p.string("email");
    const all = newestFirst(this.state.customers).filter((c) => email === undefined || c.email === email);
    return paginate(all, p, "/v1/customers");
  }

  // ---------------------------------------------------------------- products and prices

  createProduct(p: Params): Stripe.Product {
    const id = p.string("id");
    if (id && this.state.products[id]) {
      throw invalid(`Product already exists.`, "id", "resource_already_exists");
    }
    const prod = make.product({
      id,
      now: this.now(),
      name: p.requiredString("name"),
      active: p.boolean("active") ?? true,
      description: p.nullableString("description") ?? null,
      metadata: p.metadata() ?? {},
    });
    this.state.products[prod.id] = prod;
    return prod;
  }

  updateProduct(id: string, p: Params): Stripe.Product {
    const prod = this.store.get("products", id);
    const name = p.string("name");
    if (name !== undefined) {
      if (!name) throw invalid("You passed an empty string for 'name'.", "name", "parameter_invalid_empty");
      prod.name = name;
    }
    const description = p.nullableString("description");
    if (description !== undefined) prod.description = description;
    prod.active = p.boolean("active") ?? prod.active;
    prod.metadata = p.metadata("metadata", prod.metadata) ?? prod.metadata;
    const defaultPrice = p.nullableString("default_price");
    if (defaultPrice) this.store.get("prices", defaultPrice, "default_price");
    if (defaultPrice !== undefined) prod.default_price = defaultPrice;
    prod.updated = this.now();
    return prod;
  }

  listProducts(p: Params): Stripe.ApiList<Stripe.Product> {
    const active = p.boolean("active");
    const ids = p.stringArray("ids");
    const all = newestFirst(this.state.products).filter(
      (x) => (active === undefined || x.active === active) && (!ids || ids.includes(x.id)),
    );
    return paginate(all, p, "/v1/products");
  }

  createPrice(p: Params): Stripe.Price {
    const currency = p.requiredString("currency").toLowerCase();
    const unitAmount = p.integer("unit_amount", { min: 0 }) ?? decimalToInteger(p.string("unit_amount_decimal"));
    if (unitAmount === undefined) throw missingParam("unit_amount");
    let productId = p.string("product");
    const productData = p.object("product_data");
    if (productId && productData) throw invalid("You may only specify one of these parameters: product, product_data.", "product");
    if (productId) {
      this.store.get("products", productId, "product");
    } else if (productData) {
      const prod = this.createProduct(productData);
      productId = prod.id;
    } else {
      throw missingParam("product");
    }
    const recurringParams = p.object("recurring");
    let recurring: { interval: make.Interval; interval_count: number } | null = null;
    if (recurringParams) {
      const interval = recurringParams.oneOf("interval", INTERVALS);
      if (!interval) throw missingParam("recurring[interval]");
      recurring = { interval, interval_count: recurringParams.integer("interval_count", { min: 1 }) ?? 1 };
    }
    const lookupKey = p.nullableString("lookup_key") ?? null;
    if (lookupKey) this.claimLookupKey(lookupKey, p.boolean("transfer_lookup_key") ?? false);
    const pr = make.price({
      now: this.now(),
      product: productId,
      currency,
      unitAmount,
      active: p.boolean("active") ?? true,
      recurring,
      metadata: p.metadata() ?? {},
      nickname: p.nullableString("nickname") ?? null,
      lookupKey,
      taxBehavior: p.oneOf("tax_behavior", ["exclusive", "inclusive", "unspecified"] as const) ?? null,
    });
    this.state.prices[pr.id] = pr;
    return pr;
  }

  private claimLookupKey(lookupKey: string, transfer: boolean): void {
    const holder = Object.values(this.state.prices).find((x) => x.lookup_key === lookupKey);
    if (!holder) return;
    if (!transfer) {
      throw invalid(
        `A price (\`${holder.id}\`) already uses that lookup key. Pass transfer_lookup_key=true to move it to this price.`,
        "lookup_key",
      );
    }
    holder.lookup_key = null;
  }

  updatePrice(id: string, p: Params): Stripe.Price {
    const pr = this.store.get("prices", id);
    pr.active = p.boolean("active") ?? pr.active;
    pr.metadata = p.metadata("metadata", pr.metadata) ?? pr.metadata;
    const nickname = p.nullableString("nickname");
    if (nickname !== undefined) pr.nickname = nickname;
    const lookupKey = p.nullableString("lookup_key");
    if (lookupKey) this.claimLookupKey(lookupKey, p.boolean("transfer_lookup_key") ?? false);
    if (lookupKey !== undefined) pr.lookup_key = lookupKey;
    return pr;
  }

  listPrices(p: Params): Stripe.ApiList<Stripe.Price> {
    const active = p.boolean("active");
    const product = p.string("product");
    const type = p.oneOf("type", ["one_time", "recurring"] as const);
    const currency = p.string("currency");
    const lookupKeys = p.stringArray("lookup_keys");
    const all = newestFirst(this.state.prices).filter(
      (x) =>
        (active === undefined || x.active === active) &&
        (product === undefined || x.product === product) &&
        (type === undefined || x.type === type) &&
        (currency === undefined || x.currency === currency) &&
        (!lookupKeys || (x.lookup_key !== null && lookupKeys.includes(x.lookup_key))),
    );
    return paginate(all, p, "/v1/prices");
  }

  // ---------------------------------------------------------------- checkout

  createCheckoutSession(p: Params): Stripe.Checkout.Session {
    const mode = p.oneOf("mode", ["payment", "subscription", "setup"] as const);
    if (!mode) throw missingParam("mode");
    if (mode === "setup") throw invalid("The offline Stripe supports mode=payment and mode=subscription only.", "mode");
    const customerId = p.string("customer");
    const customerEmail = p.string("customer_email");
    if (customerId && customerEmail) {
      throw invalid("You may only specify one of these parameters: customer, customer_email.", "customer");
    }
    const customer = customerId ? this.store.get("customers", customerId, "customer") : null;
    const items = p.array("line_items");
    if (!items || items.length === 0) throw missingParam("line_items");
    const id = make.newId("cs_test", 58);
    const lines = items.map((item, i) => {
      const priceId = item.string("price");
      if (!priceId) throw missingParam(`line_items[${i}][price]`);
      const price = this.store.get("prices", priceId, `line_items[${i}][price]`);
      if (!price.active) {
        throw invalid(`The price specified is inactive. This field only accepts active prices.`, `line_items[${i}][price]`);
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
      return make.checkoutLineItem(price, quantity, this.state.products[price.product as string]?.name ?? price.id);
    });
    const currency = lines[0].currency;
    if (lines.some((l) => l.currency !== currency)) {
      throw invalid("All prices must use the same currency.", "line_items");
    }
    const session = make.checkoutSession({
      now: this.now(),
      id,
      url: `${this.publicUrl()}/checkout/${id}`,
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
    this.state.checkoutSessions[id] = session;
    this.state.checkoutLineItems[id] = lines;
    this.state.checkoutExtras[id] = {
      subscriptionMetadata: p.object("subscription_data")?.metadata() ?? {},
      subscriptionDescription: p.object("subscription_data")?.string("description") ?? null,
      paymentIntentMetadata: p.object("payment_intent_data")?.metadata() ?? {},
      paymentIntentDescription: p.object("payment_intent_data")?.string("description") ?? null,
    };
    return session;
  }

  listCheckoutSessions(p: Params): Stripe.ApiList<Stripe.Checkout.Session> {
    const pi = p.string("payment_intent");
    const sub = p.string("subscription");
    const customer = p.string("customer");
    const status = p.string("status");
    const all = newestFirst(this.state.checkoutSessions).filter(
      (s) =>
        (pi === undefined || s.payment_intent === pi) &&
        (sub === undefined || s.subscription === sub) &&
        (customer === undefined || s.customer === customer) &&
        (status === undefined || s.status === status),
    );
    return paginate(all, p, "/v1/checkout/sessions");
  }

  listCheckoutLineItems(id: string, p: Params): Stripe.ApiList<Stripe.LineItem> {
    this.store.get("checkoutSessions", id);
    return paginate(this.lineItemsOf(id), p, `/v1/checkout/sessions/${id}/line_items`);
  }

  private lineItemsOf(sessionId: string): Stripe.LineItem[] {
    // Prices are rendered as they are now, the way Stripe renders nested objects.
    return (this.state.checkoutLineItems[sessionId] ?? []).map((l) => ({
      ...l,
      price: l.price ? (this.state.prices[l.price.id] ?? l.price) : null,
    }));
  }

  expireCheckoutSession(id: string): Stripe.Checkout.Session {
    const s = this.store.get("checkoutSessions", id);
    if (s.status !== "open") throw invalid(`Only Checkout Sessions with a status in ["open"] can be expired.`, "session");
    s.status = "expired";
    s.url = null;
    this.emit("checkout.session.expired", s);
    return s;
  }

  /** What the hosted page's Pay button does: the card always succeeds. */
  payCheckoutSession(id: string): Stripe.Checkout.Session {
    const session = this.store.get("checkoutSessions", id);
    if (session.status === "complete") return session;
    if (session.status !== "open") throw invalid("This Checkout Session is no longer active.", "session");
    const extras = this.state.checkoutExtras[id] ?? {
      subscriptionMetadata: {},
      subscriptionDescription: null,
      paymentIntentMetadata: {},
      paymentIntentDescription: null,
    };
    let customer = session.customer ? this.store.get("customers", session.customer as string) : null;
    const email = session.customer_email ?? customer?.email ?? null;
    if (session.mode === "payment") {
      const { paymentIntent } = this.collectPayment({
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
        customer = make.customer({ now: this.now(), email, name: null, description: null, phone: null, metadata: {} });
        this.state.customers[customer.id] = customer;
      }
      const sub = this.startSubscription(customer, this.lineItemsOf(id), extras);
      session.customer = customer.id;
      session.subscription = sub.id;
      session.invoice = sub.latest_invoice as string;
    }
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
    this.emit("checkout.session.completed", session);
    return session;
  }

  // ---------------------------------------------------------------- payments

  /**
   * One card payment: a PaymentIntent and its Charge. `succeeds: false` declines the card and
   * leaves the PaymentIntent waiting for a new payment method, as Stripe does.
   */
  private collectPayment(p: {
    amount: number;
    currency: string;
    customer: string | null;
    email: string | null;
    description: string | null;
    metadata: Record<string, string>;
    succeeds?: boolean;
    existing?: Stripe.PaymentIntent;
  }): { paymentIntent: Stripe.PaymentIntent; charge: Stripe.Charge } {
    const succeeds = p.succeeds ?? true;
    const pi =
      p.existing ??
      make.paymentIntent({
        now: this.now(),
        amount: p.amount,
        currency: p.currency,
        customer: p.customer,
        description: p.description,
        metadata: p.metadata,
        receiptEmail: p.email,
        paymentMethod: make.newId("pm", 24),
      });
    this.state.paymentIntents[pi.id] = pi;
    const ch = make.charge({ now: this.now(), paymentIntent: pi, email: p.email, succeeded: succeeds });
    this.state.charges[ch.id] = ch;
    pi.latest_charge = ch.id;
    if (succeeds) {
      pi.status = "succeeded";
      pi.amount_received = pi.amount;
      pi.last_payment_error = null;
      this.emit("charge.succeeded", ch);
      this.emit("payment_intent.succeeded", pi);
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
      this.emit("charge.failed", ch);
      this.emit("payment_intent.payment_failed", pi);
    }
    return { paymentIntent: pi, charge: ch };
  }

  createRefund(p: Params): Stripe.Refund {
    const chargeId = p.string("charge");
    const piId = p.string("payment_intent");
    if (!chargeId && !piId) {
      throw invalid("One of the following params should be provided for this request: payment_intent or charge.");
    }
    let ch: Stripe.Charge;
    if (chargeId) {
      ch = this.store.get("charges", chargeId, "charge");
    } else {
      const pi = this.store.get("paymentIntents", piId!, "payment_intent");
      if (pi.status !== "succeeded" || !pi.latest_charge) {
        throw invalid(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, "payment_intent");
      }
      ch = this.store.get("charges", pi.latest_charge as string);
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
    const re = make.refund({ now: this.now(), charge: ch, amount, reason, metadata: p.metadata() ?? {} });
    this.state.refunds[re.id] = re;
    const previous = { amount_refunded: ch.amount_refunded, refunded: ch.refunded };
    ch.amount_refunded += amount;
    ch.refunded = ch.amount_refunded === ch.amount;
    this.emit("refund.created", re);
    this.emit("charge.refunded", ch, previous.refunded === ch.refunded ? { amount_refunded: previous.amount_refunded } : previous);
    return re;
  }

  listRefunds(p: Params): Stripe.ApiList<Stripe.Refund> {
    const charge = p.string("charge");
    const pi = p.string("payment_intent");
    const all = newestFirst(this.state.refunds).filter(
      (r) => (charge === undefined || r.charge === charge) && (pi === undefined || r.payment_intent === pi),
    );
    return paginate(all, p, "/v1/refunds");
  }

  listCharges(p: Params): Stripe.ApiList<Stripe.Charge> {
    const pi = p.string("payment_intent");
    const customer = p.string("customer");
    const all = newestFirst(this.state.charges).filter(
      (c) => (pi === undefined || c.payment_intent === pi) && (customer === undefined || c.customer === customer),
    );
    return paginate(all, p, "/v1/charges");
  }

  // ---------------------------------------------------------------- subscriptions

  private startSubscription(
    customer: Stripe.Customer,
    lines: Stripe.LineItem[],
    extras: CheckoutExtras,
  ): Stripe.Subscription {
    const now = this.now();
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
    this.state.subscriptions[sub.id] = sub;
    const invoice = this.createSubscriptionInvoice(sub, "subscription_create", now, now, items.map((item) => this.cycleLine(sub, item)));
    sub.latest_invoice = invoice.id;
    this.emit("customer.subscription.created", this.renderSubscription(sub));
    this.finalizeAndPay(invoice, { succeeds: true });
    return sub;
  }

  /** The line that bills one item for its current period. */
  private cycleLine(sub: Stripe.Subscription, item: Stripe.SubscriptionItem): Stripe.InvoiceLineItem {
    const price = this.state.prices[item.price.id] ?? item.price;
    const quantity = item.quantity ?? 1;
    const productName = this.productName(price);
    return make.subscriptionLine({
      invoice: null,
      subscription: sub,
      item,
      price,
      quantity,
      amount: (price.unit_amount ?? 0) * quantity,
      periodStart: item.current_period_start,
      periodEnd: item.current_period_end,
      description: `${quantity} × ${productName} (at ${money(price.unit_amount ?? 0, price.currency)} / ${price.recurring?.interval ?? "period"})`,
      proration: false,
    });
  }

  private productName(price: Stripe.Price): string {
    const id = typeof price.product === "string" ? price.product : price.product.id;
    return this.state.products[id]?.name ?? id;
  }

  private createSubscriptionInvoice(
    sub: Stripe.Subscription,
    reason: Stripe.Invoice.BillingReason,
    periodStart: number,
    periodEnd: number,
    lines: Stripe.InvoiceLineItem[],
  ): Stripe.Invoice {
    const customer = this.store.get("customers", sub.customer as string);
    const id = make.newId("in", 24);
    const sequence = customer.next_invoice_sequence ?? 1;
    customer.next_invoice_sequence = sequence + 1;
    for (const line of lines) line.invoice = id;
    const inv = make.invoice({
      now: this.now(),
      id,
      number: `${customer.invoice_prefix}-${String(sequence).padStart(4, "0")}`,
      customer,
      subscription: sub,
      billingReason: reason,
      lines,
      periodStart,
      periodEnd,
    });
    // A credit on the customer's balance (negative) pays for invoices first; a negative total adds to it.
    const starting = customer.balance;
    const applied = inv.total + starting;
    inv.starting_balance = starting;
    inv.amount_due = Math.max(0, applied);
    inv.amount_remaining = inv.amount_due;
    inv.ending_balance = Math.min(0, applied);
    customer.balance = inv.ending_balance;
    this.state.invoices[id] = inv;
    this.state.invoicePayments[id] = [];
    return inv;
  }

  /** invoice.created/finalized, then the payment attempt and its invoice.paid or invoice.payment_failed. */
  private finalizeAndPay(inv: Stripe.Invoice, opts: { succeeds: boolean }): boolean {
    this.emit("invoice.created", inv);
    this.emit("invoice.finalized", inv);
    return this.attemptInvoicePayment(inv, opts.succeeds);
  }

  private attemptInvoicePayment(inv: Stripe.Invoice, succeeds: boolean): boolean {
    const customer = this.store.get("customers", inv.customer as string);
    inv.attempted = true;
    inv.attempt_count += 1;
    if (inv.amount_due === 0) {
      this.markInvoicePaid(inv);
      return true;
    }
    const payments = (this.state.invoicePayments[inv.id] ??= []);
    const open = payments.find((x) => x.status === "open");
    const existing = open ? this.state.paymentIntents[open.payment.payment_intent as string] : undefined;
    const { paymentIntent } = this.collectPayment({
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
        make.invoicePayment({ now: this.now(), invoice: inv.id, amount: inv.amount_due, currency: inv.currency, paymentIntent: paymentIntent.id }),
      );
    }
    if (succeeds) {
      const payment = payments.find((x) => x.payment.payment_intent === paymentIntent.id)!;
      payment.status = "paid";
      payment.amount_paid = inv.amount_due;
      payment.status_transitions.paid_at = this.now();
      this.markInvoicePaid(inv);
      return true;
    }
    inv.next_payment_attempt = this.now() + 3 * 86_400;
    this.emit("invoice.payment_failed", inv);
    return false;
  }

  private markInvoicePaid(inv: Stripe.Invoice): void {
    inv.status = "paid";
    inv.amount_paid = inv.amount_due;
    inv.amount_remaining = 0;
    inv.next_payment_attempt = null;
    inv.status_transitions.paid_at = this.now();
    this.emit("invoice.paid", inv);
    this.emit("invoice.payment_succeeded", inv);
  }

  /** Items carry their price as it is now, like Stripe renders nested objects. */
  renderSubscription(sub: Stripe.Subscription): Stripe.Subscription {
    const out = clone(sub);
    for (const item of out.items.data) {
      const price = this.state.prices[item.price.id];
      if (price) {
        item.price = clone(price);
        item.plan = make.planOf(price);
      }
    }
    return out;
  }

  listSubscriptions(p: Params): Stripe.ApiList<Stripe.Subscription> {
    const customer = p.string("customer");
    const price = p.string("price");
    const status = p.string("status");
    const all = newestFirst(this.state.subscriptions)
      .filter(
        (s) =>
          (customer === undefined || s.customer === customer) &&
          (price === undefined || s.items.data.some((i) => i.price.id === price)) &&
          (status === "all" || (status === undefined ? s.status !== "canceled" : s.status === status)),
      )
      .map((s) => this.renderSubscription(s));
    return paginate(all, p, "/v1/subscriptions");
  }

  updateSubscription(id: string, p: Params): Stripe.Subscription {
    const sub = this.store.get("subscriptions", id);
    const before = this.renderSubscription(sub);
    if (sub.status === "canceled" || sub.status === "incomplete_expired") {
      const onlyAllowed = Object.keys(p.raw).every((k) => ["metadata", "cancellation_details", "expand"].includes(k));
      if (!onlyAllowed) {
        throw invalid("A canceled subscription can only update its cancellation_details and metadata.");
      }
    }
    const now = this.now();
    const behavior =
      p.oneOf("proration_behavior", ["always_invoice", "create_prorations", "none"] as const) ?? "create_prorations";
    const prorations: Stripe.InvoiceLineItem[] = [];
    /** Full-period lines for items whose interval changed: billed now whatever proration_behavior says. */
    const restarted: Stripe.InvoiceLineItem[] = [];

    for (const [i, itemParams] of (p.array("items") ?? []).entries()) {
      const param = `items[${i}]`;
      const itemId = itemParams.string("id");
      const priceId = itemParams.string("price");
      const newPrice = priceId ? this.store.get("prices", priceId, `${param}[price]`) : undefined;
      if (newPrice && !newPrice.active) {
        throw invalid(`The price specified is inactive. This field only accepts active prices.`, `${param}[price]`);
      }
      if (newPrice && (!newPrice.recurring || newPrice.currency !== sub.currency)) {
        throw invalid("The price must be recurring and in the subscription's currency.", `${param}[price]`);
      }
      const quantity = itemParams.integer("quantity", { min: 0 });
      if (!itemId) {
        if (!newPrice) throw missingParam(`${param}[price]`);
        const first = sub.items.data[0];
        const item = make.subscriptionItem({
          now,
          subscription: sub.id,
          price: newPrice,
          quantity: quantity ?? 1,
          periodStart: first?.current_period_start ?? now,
          periodEnd: first?.current_period_end ?? make.addInterval(now, newPrice.recurring!.interval),
        });
        sub.items.data.push(item);
        prorations.push(...this.prorate(sub, item, null, 0, newPrice, item.quantity ?? 1, now));
        continue;
      }
      const item = sub.items.data.find((x) => x.id === itemId);
      if (!item) throw invalid(`Subscription item ${itemId} does not belong to this subscription.`, `${param}[id]`);
      if (itemParams.boolean("deleted")) {
        prorations.push(...this.prorate(sub, item, item.price, item.quantity ?? 1, null, 0, now));
        sub.items.data = sub.items.data.filter((x) => x.id !== itemId);
        continue;
      }
      const oldPrice = this.state.prices[item.price.id] ?? item.price;
      const oldQuantity = item.quantity ?? 1;
      const price = newPrice ?? oldPrice;
      const qty = quantity ?? oldQuantity;
      if (price.id === oldPrice.id && qty === oldQuantity) continue;
      const intervalChanged =
        price.recurring!.interval !== oldPrice.recurring!.interval ||
        price.recurring!.interval_count !== oldPrice.recurring!.interval_count;
      prorations.push(...this.prorate(sub, item, oldPrice, oldQuantity, intervalChanged ? null : price, qty, now));
      item.price = price;
      item.plan = make.planOf(price);
      item.quantity = qty;
      if (intervalChanged) {
        // A new interval restarts the billing cycle now and bills the new price in full, as Stripe does.
        item.current_period_start = now;
        item.current_period_end = make.addInterval(now, price.recurring!.interval, price.recurring!.interval_count);
        restarted.push(this.cycleLine(sub, item));
      }
    }
    if (sub.items.data.length === 0) throw invalid("A subscription must have at least one active plan.", "items");
    if (restarted.length) sub.billing_cycle_anchor = now;

    const cancelAtPeriodEnd = p.boolean("cancel_at_period_end");
    if (cancelAtPeriodEnd !== undefined && cancelAtPeriodEnd !== sub.cancel_at_period_end) {
      this.setCancelAtPeriodEnd(sub, cancelAtPeriodEnd, p.object("cancellation_details")?.string("comment") ?? null);
    }
    sub.metadata = p.metadata("metadata", sub.metadata) ?? sub.metadata;
    const description = p.nullableString("description");
    if (description !== undefined) sub.description = description;

    const extras = (this.state.subscriptionExtras[sub.id] ??= {});
    const billed = behavior === "none" ? [] : prorations;
    let invoice: Stripe.Invoice | undefined;
    if (restarted.length || (behavior === "always_invoice" && (billed.length || extras.pendingLines?.length))) {
      const lines = [...(extras.pendingLines ?? []), ...billed, ...restarted];
      extras.pendingLines = [];
      invoice = this.createSubscriptionInvoice(sub, "subscription_update", now, now, lines);
      sub.latest_invoice = invoice.id;
    } else if (behavior === "create_prorations" && billed.length) {
      extras.pendingLines = [...(extras.pendingLines ?? []), ...billed];
    }
    const after = this.renderSubscription(sub);
    const previous = diff(before, after);
    if (Object.keys(previous).length) this.emit("customer.subscription.updated", after, previous);
    if (invoice) {
      const paid = this.finalizeAndPay(invoice, { succeeds: !extras.failNextPayment });
      if (extras.failNextPayment) extras.failNextPayment = false;
      if (!paid) this.markPastDue(sub);
    }
    return this.renderSubscription(sub);
  }

  /** Unused time on the old price is credited, remaining time on the new one charged, both to the period end. */
  private prorate(
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
          description: `Unused time on ${oldQuantity} × ${this.productName(oldPrice)} after ${date}`,
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
          description: `Remaining time on ${newQuantity} × ${this.productName(newPrice)} after ${date}`,
          proration: true,
        }),
      );
    }
    return lines;
  }

  private setCancelAtPeriodEnd(sub: Stripe.Subscription, cancel: boolean, comment: string | null): void {
    sub.cancel_at_period_end = cancel;
    if (cancel) {
      sub.cancel_at = Math.min(...sub.items.data.map((i) => i.current_period_end));
      sub.canceled_at = this.now();
      sub.cancellation_details = { comment, feedback: null, feedback_option: null, reason: "cancellation_requested" };
    } else {
      sub.cancel_at = null;
      sub.canceled_at = null;
      sub.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: null };
    }
  }

  cancelSubscription(id: string, p: Params): Stripe.Subscription {
    const sub = this.store.get("subscriptions", id);
    if (sub.status === "canceled") {
      throw invalid("A canceled subscription can only update its cancellation_details and metadata.");
    }
    const before = this.renderSubscription(sub);
    const now = this.now();
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
    const after = this.renderSubscription(sub);
    this.emit("customer.subscription.deleted", after, diff(before, after));
    return after;
  }

  /** Portal buttons: cancel at period end, or undo it. */
  portalSetCancelAtPeriodEnd(portalSessionId: string, subscriptionId: string, cancel: boolean): Stripe.Subscription {
    const session = this.store.get("portalSessions", portalSessionId);
    const sub = this.store.get("subscriptions", subscriptionId);
    if (sub.customer !== session.customer) throw noSuch("subscription", subscriptionId);
    if (sub.status === "canceled") throw invalid("This subscription has already ended.");
    const before = this.renderSubscription(sub);
    this.setCancelAtPeriodEnd(sub, cancel, null);
    const after = this.renderSubscription(sub);
    const previous = diff(before, after);
    if (Object.keys(previous).length) this.emit("customer.subscription.updated", after, previous);
    return after;
  }

  // ---------------------------------------------------------------- test-clock triggers

  /**
   * Moves a subscription to its next period, as a test clock reaching the period end would:
   * a subscription set to cancel ends instead; otherwise the items advance one interval and a
   * `subscription_cycle` invoice bills the current prices (plus pending prorations) and is paid —
   * or declined, when `fail` is set or failNextPayment() was called.
   */
  renew(id: string, opts: { fail?: boolean } = {}): { subscription: Stripe.Subscription; invoice: Stripe.Invoice | null } {
    const sub = this.store.get("subscriptions", id);
    if (sub.status === "canceled" || sub.status === "incomplete_expired") {
      throw invalid(`Subscription ${id} has ended (status ${sub.status}); there is nothing to renew.`);
    }
    const before = this.renderSubscription(sub);
    if (sub.cancel_at_period_end) {
      sub.status = "canceled";
      sub.ended_at = Math.max(...sub.items.data.map((i) => i.current_period_end));
      const after = this.renderSubscription(sub);
      this.emit("customer.subscription.deleted", after, diff(before, after));
      return { subscription: after, invoice: null };
    }
    const extras = (this.state.subscriptionExtras[sub.id] ??= {});
    const previousStart = Math.min(...sub.items.data.map((i) => i.current_period_start));
    const previousEnd = Math.max(...sub.items.data.map((i) => i.current_period_end));
    for (const item of sub.items.data) {
      const price = this.state.prices[item.price.id] ?? item.price;
      const r = price.recurring!;
      item.current_period_start = item.current_period_end;
      item.current_period_end = nextPeriodEnd(sub.billing_cycle_anchor, item.current_period_start, r.interval, r.interval_count);
    }
    const lines = [...(extras.pendingLines ?? []), ...sub.items.data.map((item) => this.cycleLine(sub, item))];
    extras.pendingLines = [];
    const invoice = this.createSubscriptionInvoice(sub, "subscription_cycle", previousStart, previousEnd, lines);
    sub.latest_invoice = invoice.id;
    const after = this.renderSubscription(sub);
    this.emit("customer.subscription.updated", after, diff(before, after));
    const fail = opts.fail ?? extras.failNextPayment ?? false;
    extras.failNextPayment = false;
    const paid = this.finalizeAndPay(invoice, { succeeds: !fail });
    if (!paid) this.markPastDue(sub);
    else if (sub.status === "past_due") this.markActive(sub);
    return { subscription: this.renderSubscription(sub), invoice };
  }

  failNextPayment(id: string): Stripe.Subscription {
    const sub = this.store.get("subscriptions", id);
    (this.state.subscriptionExtras[sub.id] ??= {}).failNextPayment = true;
    return this.renderSubscription(sub);
  }

  /** Retries the subscription's open invoice with a card that works (Smart Retries succeeding). */
  retryPayment(id: string): { subscription: Stripe.Subscription; invoice: Stripe.Invoice } {
    const sub = this.store.get("subscriptions", id);
    const inv = newestFirst(this.state.invoices).find(
      (x) => x.status === "open" && x.parent?.subscription_details?.subscription === sub.id,
    );
    if (!inv) throw invalid(`Subscription ${id} has no open invoice to retry.`);
    this.attemptInvoicePayment(inv, true);
    if (sub.status === "past_due") this.markActive(sub);
    return { subscription: this.renderSubscription(sub), invoice: inv };
  }

  private markPastDue(sub: Stripe.Subscription): void {
    if (sub.status === "past_due") return;
    const before = this.renderSubscription(sub);
    sub.status = "past_due";
    const after = this.renderSubscription(sub);
    this.emit("customer.subscription.updated", after, diff(before, after));
  }

  private markActive(sub: Stripe.Subscription): void {
    const before = this.renderSubscription(sub);
    sub.status = "active";
    const after = this.renderSubscription(sub);
    this.emit("customer.subscription.updated", after, diff(before, after));
  }

  // ---------------------------------------------------------------- invoices, portal, events

  listInvoices(p: Params): Stripe.ApiList<Stripe.Invoice> {
    const customer = p.string("customer");
    const subscription = p.string("subscription");
    const status = p.string("status");
    const all = newestFirst(this.state.invoices).filter(
      (i) =>
        (customer === undefined || i.customer === customer) &&
        (subscription === undefined || i.parent?.subscription_details?.subscription === subscription) &&
        (status === undefined || i.status === status),
    );
    return paginate(all, p, "/v1/invoices");
  }

  createPortalSession(p: Params): Stripe.BillingPortal.Session {
    const customer = this.store.get("customers", p.requiredString("customer"), "customer");
    const id = make.newId("bps", 24);
    const session = make.portalSession({
      now: this.now(),
      id,
      url: `${this.publicUrl()}/portal/${id}`,
      customer: customer.id,
      returnUrl: p.string("return_url") ?? null,
    });
    this.state.portalSessions[id] = session;
    return session;
  }

  listEvents(p: Params): Stripe.ApiList<Stripe.Event> {
    const type = p.string("type");
    const types = p.stringArray("types");
    const matches = (t: string) =>
      (type === undefined || (type.endsWith("*") ? t.startsWith(type.slice(0, -1)) : t === type)) &&
      (!types || types.includes(t));
    return paginate(newestFirst(this.state.events).filter((e) => matches(e.type)), p, "/v1/events");
  }

  // ---------------------------------------------------------------- rendering

  /** The answer for one object: includable fields (`line_items`, `payments`, `refunds`) and `expand`. */
  present(object: { id: string; object: string }, expand: string[]): unknown {
    let out: Record<string, unknown> = clone(object) as unknown as Record<string, unknown>;
    if (object.object === "subscription") out = this.renderSubscription(object as Stripe.Subscription) as never;
    this.include(out, expand.map((e) => e.split(".")[0]));
    expandPaths(this.store, out, expand.filter((e) => !INCLUDABLE.has(e)));
    return out;
  }

  presentList(list: Stripe.ApiList<{ id: string; object: string }>, expand: string[]): unknown {
    const out = clone(list) as unknown as Stripe.ApiList<Record<string, unknown>>;
    const itemPaths = expand.filter((e) => e.startsWith("data.")).map((e) => e.slice(5));
    for (const item of out.data) this.include(item, itemPaths.map((e) => e.split(".")[0]));
    expandPaths(this.store, out, expand.filter((e) => !INCLUDABLE.has(e.replace(/^data\./, ""))));
    return out;
  }

  private include(obj: Record<string, unknown>, heads: string[]): void {
    if (obj.object === "checkout.session" && heads.includes("line_items")) {
      const id = obj.id as string;
      obj.line_items = make.emptyList(`/v1/checkout/sessions/${id}/line_items`, this.lineItemsOf(id));
    }
    if (obj.object === "invoice" && heads.includes("payments")) {
      const id = obj.id as string;
      obj.payments = make.emptyList(`/v1/invoice_payments?invoice=${id}`, clone(this.state.invoicePayments[id] ?? []));
    }
    if (obj.object === "charge" && heads.includes("refunds")) {
      const id = obj.id as string;
      const refunds = newestFirst(this.state.refunds).filter((r) => r.charge === id);
      obj.refunds = make.emptyList(`/v1/charges/${id}/refunds`, clone(refunds));
    }
  }
}

const INCLUDABLE = new Set(["line_items", "payments", "refunds"]);

/** Periods count from the billing cycle anchor, so Jan 31 → Feb 28 → Mar 31 (no drift to the 28th). */
function nextPeriodEnd(anchor: number, start: number, interval: make.Interval, count: number): number {
  for (let n = 1; n < 10_000; n++) {
    const end = make.addInterval(anchor, interval, n * count);
    if (end > start) return end;
  }
  throw new Error("billing cycle anchor is too far in the past");
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Stripe's `previous_attributes`: the top-level fields that changed, with their old values. */
function diff(before: object, after: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) out[key] = a[key] ?? null;
  }
  return out;
}

function decimalToInteger(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) {
    throw invalid("The offline Stripe supports whole-unit amounts only.", "unit_amount_decimal");
  }
  return Number(v);
}

function money(amount: number, currency: string): string {
  return `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;
}

