/**
 * Saved payment methods: a card saved for off-session use by a paid Checkout Session
 * (`payment_intent_data[setup_future_usage]=off_session`, or any subscription Checkout), attached
 * to the customer and made the customer's default when it has none. /v1/payment_methods.
 */
import type Stripe from "stripe";
import type { Engine } from "../engine";
import * as make from "../objects";
import { invalid, missingParam, type Params } from "../params";
import { newestFirst, paginate } from "../store";

function paymentMethodObject(p: { now: number; customer: string | null }): Stripe.PaymentMethod {
  return {
    id: make.newId("pm", 24),
    object: "payment_method",
    allow_redisplay: "always",
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    card: {
      brand: "visa",
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
      country: "US",
      display_brand: "visa",
      exp_month: 12,
      exp_year: 2034,
      fingerprint: "offlinecard0000",
      funding: "credit",
      generated_from: null,
      last4: "4242",
      networks: { available: ["visa"], preferred: null },
      regulated_status: "unregulated",
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: p.now,
    customer: p.customer,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: "card",
  } as Stripe.PaymentMethod;
}

/** Saves the card a paid Checkout Session used, when the session asked to keep it for later. */
export function saveCheckoutPaymentMethod(
  e: Engine,
  session: Stripe.Checkout.Session,
  customerId: string | null,
  paymentIntent: Stripe.PaymentIntent | null,
  setupFutureUsage: string | null | undefined,
): void {
  if (!customerId) return;
  if (session.mode === "payment" && setupFutureUsage !== "off_session" && setupFutureUsage !== "on_session") return;
  const pm = paymentMethodObject({ now: e.now(), customer: customerId });
  if (paymentIntent) {
    pm.id = typeof paymentIntent.payment_method === "string" ? paymentIntent.payment_method : pm.id;
    paymentIntent.setup_future_usage = setupFutureUsage === "on_session" ? "on_session" : "off_session";
  }
  e.state.paymentMethods[pm.id] = pm;
  const customer = e.store.get("customers", customerId);
  customer.invoice_settings.default_payment_method ??= pm.id;
}

export function listPaymentMethods(e: Engine, p: Params): Stripe.ApiList<Stripe.PaymentMethod> {
  const customer = p.string("customer");
  if (!customer) throw missingParam("customer");
  const type = p.string("type");
  if (type !== undefined && type !== "card") throw invalid("The offline Stripe has card payment methods only.", "type");
  const all = newestFirst(e.state.paymentMethods).filter((m) => m.customer === customer);
  return paginate(all, p, "/v1/payment_methods");
}

/** POST /v1/customers/:id with invoice_settings[default_payment_method]. */
export function setDefaultPaymentMethod(e: Engine, customerId: string, p: Params): void {
  const settings = p.object("invoice_settings");
  if (!settings?.has("default_payment_method")) return;
  const pmId = settings.nullableString("default_payment_method");
  if (pmId) {
    const pm = e.store.get("paymentMethods", pmId, "invoice_settings[default_payment_method]");
    if (pm.customer !== customerId) {
      throw invalid(
        `The payment method ${pmId} is not attached to customer ${customerId}.`,
        "invoice_settings[default_payment_method]",
      );
    }
  }
  e.store.get("customers", customerId).invoice_settings.default_payment_method = pmId ?? null;
}

/** The portal's "Update card": a new card, attached and made the customer's default for what comes next. */
export function replaceCard(e: Engine, customerId: string, last4: string): Stripe.PaymentMethod {
  const customer = e.store.get("customers", customerId, "customer");
  const pm = paymentMethodObject({ now: e.now(), customer: customer.id });
  pm.card = { ...pm.card!, last4, fingerprint: `offlinecard${last4}` };
  e.state.paymentMethods[pm.id] = pm;
  customer.invoice_settings.default_payment_method = pm.id;
  return pm;
}
