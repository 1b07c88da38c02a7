import { randomBytes } from "node:crypto";
import type Stripe from "stripe";

/**
 * Factories for Stripe objects in the shapes of the SDK's pinned API version
 * (2026-10-28.endive). They are typed against the SDK's own interfaces, so a field the SDK
 * declares as always present is present here too. Fields the app never reads hold Stripe's
 * values for a plain card payment in test mode (no tax, no discounts, no Connect).
 */

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function newId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let s = "";
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${s}`;
}

/** Decimal fields travel as strings on the wire; the SDK turns them into its Decimal type. */
function decimal(n: number): Stripe.Decimal {
  return String(n) as unknown as Stripe.Decimal;
}

export function emptyList<T>(url: string, data: T[] = []): Stripe.ApiList<T> {
  return { object: "list", data, has_more: false, url };
}

export type Interval = Stripe.Price.Recurring.Interval;

/** Calendar arithmetic as Stripe bills: same day next month, clamped to the month's last day. */
export function addInterval(unixSeconds: number, interval: Interval, count = 1): number {
  const d = new Date(unixSeconds * 1000);
  switch (interval) {
    case "day":
      return unixSeconds + 86_400 * count;
    case "week":
      return unixSeconds + 7 * 86_400 * count;
    case "month":
    case "year": {
      const months = interval === "month" ? count : 12 * count;
      const day = d.getUTCDate();
      const target = new Date(d.getTime());
      target.setUTCDate(1);
      target.setUTCMonth(target.getUTCMonth() + months);
      const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
      target.setUTCDate(Math.min(day, lastDay));
      return Math.floor(target.getTime() / 1000);
    }
    default:
      throw new Error(`Unknown interval: ${String(interval)}`);
  }
}

export function customer(p: {
  now: number;
  email: string | null;
  name: string | null;
  description: string | null;
  phone: string | null;
  metadata: Record<string, string>;
}): Stripe.Customer {
  return {
    id: newId("cus", 14),
    object: "customer",
    address: null,
    balance: 0,
    created: p.now,
    currency: null,
    default_source: null,
    delinquent: false,
    description: p.description,
    discount: null,
    email: p.email,
    invoice_prefix: newId("x", 8).slice(2).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: p.metadata,
    name: p.name,
    next_invoice_sequence: 1,
    phone: p.phone,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
  };
}

export function product(p: {
  id?: string;
  now: number;
  name: string;
  active: boolean;
  description: string | null;
  metadata: Record<string, string>;
}): Stripe.Product {
  return {
    id: p.id ?? newId("prod", 14),
    object: "product",
    active: p.active,
    created: p.now,
    default_price: null,
    description: p.description,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: p.metadata,
    name: p.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    tax_details: null,
    type: "service",
    unit_label: null,
    updated: p.now,
    url: null,
  };
}

export function price(p: {
  now: number;
  product: string;
  currency: string;
  unitAmount: number;
  active: boolean;
  recurring: { interval: Interval; interval_count: number } | null;
  metadata: Record<string, string>;
  nickname: string | null;
  lookupKey: string | null;
  taxBehavior: Stripe.Price.TaxBehavior | null;
}): Stripe.Price {
  return {
    id: newId("price", 24),
    object: "price",
    active: p.active,
    billing_scheme: "per_unit",
    created: p.now,
    currency: p.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: p.lookupKey,
    metadata: p.metadata,
    nickname: p.nickname,
    product: p.product,
    recurring: p.recurring ? { ...p.recurring, meter: null, trial_period_days: null, usage_type: "licensed" } : null,
    tax_behavior: p.taxBehavior ?? "unspecified",
    tiers_mode: null,
    transform_quantity: null,
    type: p.recurring ? "recurring" : "one_time",
    unit_amount: p.unitAmount,
    unit_amount_decimal: decimal(p.unitAmount),
  };
}

/** The legacy `plan` Stripe still embeds in every subscription item, derived from its price. */
export function planOf(price: Stripe.Price): Stripe.Plan {
  const recurring = price.recurring!;
  return {
    id: price.id,
    object: "plan",
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: "per_unit",
    created: price.created,
    currency: price.currency,
    interval: recurring.interval,
    interval_count: recurring.interval_count,
    livemode: false,
    metadata: price.metadata,
    meter: null,
    nickname: price.nickname,
    product: typeof price.product === "string" ? price.product : price.product.id,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: "licensed",
  };
}

export function checkoutLineItem(price: Stripe.Price, quantity: number, description: string): Stripe.LineItem {
  const amount = (price.unit_amount ?? 0) * quantity;
  return {
    id: newId("li", 24),
    object: "item",
    adjustable_quantity: null,
    amount_discount: 0,
    amount_subtotal: amount,
    amount_tax: 0,
    amount_total: amount,
    currency: price.currency,
    description,
    metadata: {},
    price,
    quantity,
  };
}

export function checkoutSession(p: {
  now: number;
  id: string;
  url: string;
  mode: Stripe.Checkout.Session.Mode;
  currency: string;
  amount: number;
  customer: string | null;
  customerEmail: string | null;
  clientReferenceId: string | null;
  metadata: Record<string, string>;
  successUrl: string | null;
  cancelUrl: string | null;
  allowPromotionCodes: boolean | null;
}): Stripe.Checkout.Session {
  return {
    id: p.id,
    object: "checkout.session",
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: p.allowPromotionCodes,
    allowed_payment_method_types: null,
    amount_subtotal: p.amount,
    amount_total: p.amount,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: p.cancelUrl,
    client_reference_id: p.clientReferenceId,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: p.now,
    currency: p.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: p.customer,
    customer_account: null,
    customer_creation: p.mode === "payment" && !p.customer ? "if_required" : null,
    customer_details: null,
    customer_email: p.customerEmail,
    discounts: [],
    expires_at: p.now + 24 * 3600,
    integration_identifier: null,
    invoice: null,
    invoice_creation: p.mode === "payment" ? { enabled: false, invoice_data: emptyInvoiceData() } : null,
    livemode: false,
    locale: null,
    managed_payments: null,
    metadata: p.metadata,
    mode: p.mode,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: p.mode === "subscription" ? "always" : null,
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ["card"],
    payment_status: "unpaid",
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: "open",
    submit_type: null,
    subscription: null,
    success_url: p.successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: "hosted",
    url: p.url,
    wallet_options: null,
  };
}

function emptyInvoiceData(): Stripe.Checkout.Session.InvoiceCreation.InvoiceData {
  return {
    account_tax_ids: null,
    custom_fields: null,
    description: null,
    footer: null,
    issuer: null,
    metadata: {},
    rendering_options: null,
  };
}

export function subscriptionItem(p: {
  now: number;
  subscription: string;
  price: Stripe.Price;
  quantity: number;
  periodStart: number;
  periodEnd: number;
  metadata?: Record<string, string>;
}): Stripe.SubscriptionItem {
  return {
    id: newId("si", 14),
    object: "subscription_item",
    billing_thresholds: null,
    created: p.now,
    current_period_end: p.periodEnd,
    current_period_start: p.periodStart,
    current_trial: null,
    discounts: [],
    metadata: p.metadata ?? {},
    plan: planOf(p.price),
    price: p.price,
    quantity: p.quantity,
    subscription: p.subscription,
    tax_rates: [],
  };
}

export function subscription(p: {
  now: number;
  id: string;
  customer: string;
  currency: string;
  items: Stripe.SubscriptionItem[];
  metadata: Record<string, string>;
  paymentMethod: string;
}): Stripe.Subscription {
  return {
    id: p.id,
    object: "subscription",
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: p.now,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: { proration_discounts: "included" }, type: "flexible", updated_at: p.now },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: "charge_automatically",
    created: p.now,
    currency: p.currency,
    customer: p.customer,
    customer_account: null,
    days_until_due: null,
    default_payment_method: p.paymentMethod,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: null,
    invoice_settings: {
      account_tax_ids: null,
      custom_fields: null,
      description: null,
      footer: null,
      issuer: { type: "self" },
    },
    items: emptyList(`/v1/subscription_items?subscription=${p.id}`, p.items),
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: p.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: null,
      save_default_payment_method: "off",
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: p.now,
    status: "active",
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_settings: null,
    trial_start: null,
  };
}

/** A line billing a subscription item for a period, or a proration of one (amount may be negative). */
export function subscriptionLine(p: {
  invoice: string | null;
  subscription: Stripe.Subscription;
  item: Stripe.SubscriptionItem;
  price: Stripe.Price;
  quantity: number;
  amount: number;
  periodStart: number;
  periodEnd: number;
  description: string;
  proration: boolean;
}): Stripe.InvoiceLineItem {
  return {
    id: newId("il", 24),
    object: "line_item",
    amount: p.amount,
    currency: p.price.currency,
    description: p.description,
    discount_amounts: [],
    discountable: !p.proration,
    discounts: [],
    invoice: p.invoice,
    livemode: false,
    metadata: { ...p.subscription.metadata },
    parent: {
      type: "subscription_item_details",
      invoice_item_details: null,
      subscription_item_details: {
        invoice_item: null,
        proration: p.proration,
        proration_details: { credited_items: null },
        subscription: p.subscription.id,
        subscription_item: p.item.id,
      },
    },
    period: { start: p.periodStart, end: p.periodEnd },
    pretax_credit_amounts: [],
    pricing: {
      type: "price_details",
      price_details: {
        price: p.price.id,
        product: typeof p.price.product === "string" ? p.price.product : p.price.product.id,
      },
      unit_amount_decimal: p.price.unit_amount_decimal,
    },
    quantity: p.quantity,
    quantity_decimal: decimal(p.quantity),
    subscription: p.subscription.id,
    subtotal: p.amount,
    taxes: [],
  };
}

export function invoice(p: {
  now: number;
  id: string;
  number: string | null;
  customer: Stripe.Customer;
  subscription: Stripe.Subscription;
  billingReason: Stripe.Invoice.BillingReason;
  lines: Stripe.InvoiceLineItem[];
  periodStart: number;
  periodEnd: number;
}): Stripe.Invoice {
  const total = p.lines.reduce((sum, l) => sum + l.amount, 0);
  return {
    id: p.id,
    object: "invoice",
    account_country: "US",
    account_name: "Offline Stripe",
    account_tax_ids: null,
    amount_due: Math.max(0, total),
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: Math.max(0, total),
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: p.billingReason,
    collection_method: "charge_automatically",
    created: p.now,
    currency: p.subscription.currency,
    custom_fields: null,
    customer: p.customer.id,
    customer_account: null,
    customer_address: null,
    customer_email: p.customer.email,
    customer_name: p.customer.name ?? null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: "none",
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: p.now,
    ending_balance: 0,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: "self" },
    last_finalization_error: null,
    latest_revision: null,
    lines: emptyList(`/v1/invoices/${p.id}/lines`, p.lines),
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: p.number,
    on_behalf_of: null,
    parent: {
      type: "subscription_details",
      quote_details: null,
      subscription_details: { metadata: { ...p.subscription.metadata }, subscription: p.subscription.id },
    },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: p.periodEnd,
    period_start: p.periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: "open",
    status_transitions: { finalized_at: p.now, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: total,
    subtotal_excluding_tax: total,
    test_clock: null,
    total,
    total_discount_amounts: [],
    total_excluding_tax: total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: p.now,
  };
}

export function invoicePayment(p: {
  now: number;
  invoice: string;
  amount: number;
  currency: string;
  paymentIntent: string;
}): Stripe.InvoicePayment {
  return {
    id: newId("inpay", 24),
    object: "invoice_payment",
    amount_paid: null,
    amount_requested: p.amount,
    created: p.now,
    currency: p.currency,
    invoice: p.invoice,
    is_default: true,
    livemode: false,
    payment: { type: "payment_intent", payment_intent: p.paymentIntent },
    status: "open",
    status_transitions: { canceled_at: null, paid_at: null },
  };
}

export function paymentIntent(p: {
  now: number;
  amount: number;
  currency: string;
  customer: string | null;
  description: string | null;
  metadata: Record<string, string>;
  receiptEmail: string | null;
  paymentMethod: string;
}): Stripe.PaymentIntent {
  const id = newId("pi", 24);
  return {
    id,
    object: "payment_intent",
    allowed_payment_method_types: null,
    amount: p.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: "automatic_async",
    client_secret: `${id}_secret_${newId("x", 24).slice(2)}`,
    confirmation_method: "automatic",
    created: p.now,
    currency: p.currency,
    customer: p.customer,
    customer_account: null,
    description: p.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: p.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: p.paymentMethod,
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ["card"],
    payment_record: null,
    processing: null,
    receipt_email: p.receiptEmail,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: "requires_payment_method",
    transfer_data: null,
    transfer_group: null,
  };
}

export function charge(p: {
  now: number;
  paymentIntent: Stripe.PaymentIntent;
  email: string | null;
  succeeded: boolean;
}): Stripe.Charge {
  const pi = p.paymentIntent;
  const amount = pi.amount;
  return {
    id: newId("ch", 24),
    object: "charge",
    amount,
    amount_captured: p.succeeded ? amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: p.succeeded ? newId("txn", 24) : null,
    billing_details: { address: null, email: p.email, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: "OFFLINE STRIPE",
    captured: p.succeeded,
    created: p.now,
    currency: pi.currency,
    customer: pi.customer,
    description: pi.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: p.succeeded ? null : "card_declined",
    failure_message: p.succeeded ? null : "Your card was declined.",
    fraud_details: {},
    livemode: false,
    metadata: pi.metadata,
    on_behalf_of: null,
    outcome: p.succeeded
      ? {
          advice_code: null,
          network_advice_code: null,
          network_decline_code: null,
          network_status: "approved_by_network",
          reason: null,
          risk_level: "normal",
          risk_score: 20,
          seller_message: "Payment complete.",
          type: "authorized",
        }
      : {
          advice_code: "try_again_later",
          network_advice_code: null,
          network_decline_code: "generic_decline",
          network_status: "declined_by_network",
          reason: "generic_decline",
          risk_level: "normal",
          risk_score: 20,
          seller_message: "The bank did not return any further details with this decline.",
          type: "issuer_declined",
        },
    paid: p.succeeded,
    payment_intent: pi.id,
    payment_method: typeof pi.payment_method === "string" ? pi.payment_method : null,
    payment_method_details: {
      type: "card",
      card: {
        brand: "visa",
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
        country: "US",
        exp_month: 12,
        exp_year: 2034,
        fingerprint: "offlinefingerprint",
        funding: "credit",
        last4: p.succeeded ? "4242" : "0341",
        network: "visa",
        three_d_secure: null,
        wallet: null,
      },
    } as Stripe.Charge.PaymentMethodDetails,
    receipt_email: pi.receipt_email,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: p.succeeded ? "succeeded" : "failed",
    transfer_data: null,
    transfer_group: null,
  };
}

export function refund(p: {
  now: number;
  charge: Stripe.Charge;
  amount: number;
  reason: Stripe.Refund.Reason | null;
  metadata: Record<string, string>;
}): Stripe.Refund {
  return {
    id: newId("re", 24),
    object: "refund",
    amount: p.amount,
    balance_transaction: newId("txn", 24),
    charge: p.charge.id,
    created: p.now,
    currency: p.charge.currency,
    customer: p.charge.customer,
    customer_account: null,
    destination_details: {
      type: "card",
      card: { reference_status: "pending", reference_type: "acquirer_reference_number", type: "refund" },
    } as Stripe.Refund.DestinationDetails,
    metadata: p.metadata,
    payment_intent: p.charge.payment_intent,
    payment_method: p.charge.payment_method,
    reason: p.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: "succeeded",
    transfer_reversal: null,
  };
}

export function portalSession(p: {
  now: number;
  id: string;
  url: string;
  customer: string;
  returnUrl: string | null;
}): Stripe.BillingPortal.Session {
  return {
    id: p.id,
    object: "billing_portal.session",
    configuration: "bpc_offline_default",
    created: p.now,
    customer: p.customer,
    customer_account: null,
    flow: null,
    livemode: false,
    locale: null,
    on_behalf_of: null,
    return_url: p.returnUrl,
    url: p.url,
  };
}
