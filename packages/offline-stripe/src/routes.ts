/**
 * The REST API as a table: method, path pattern and the resource function that answers it. Each
 * answer goes through `present` (includable fields and `expand`) as Stripe's does.
 */
import type { Engine } from "./engine";
import type { Params } from "./params";
import { createProduct, createPrice, listPrices, listProducts, updatePrice, updateProduct } from "./resources/catalog";
import {
  createCheckoutSession,
  expireCheckoutSession,
  listCheckoutLineItems,
  listCheckoutSessions,
} from "./resources/checkout-sessions";
import { createCustomer, listCustomers, updateCustomer } from "./resources/customers";
import { listEvents } from "./resources/events";
import { createInvoicePreview } from "./resources/invoice-preview";
import { listInvoices } from "./resources/invoices";
import { createRefund, listCharges, listRefunds } from "./resources/payments";
import { createPaymentIntent } from "./resources/payment-intents";
import { listPaymentMethods, setDefaultPaymentMethod } from "./resources/payment-methods";
import { createPortalSession } from "./resources/portal";
import { present, presentList } from "./resources/present";
import { cancelSubscription, listSubscriptions, updateSubscription } from "./resources/subscriptions";
import type { Store } from "./store";

type Method = "GET" | "POST" | "DELETE";
/** `m` holds the decoded path parameters (m[1] is the first). */
export type Handler = (e: Engine, m: string[], p: Params) => unknown;
type Route = [Method, RegExp, Handler];

type Answer = { id: string; object: string };
const one =
  (fn: (e: Engine, m: string[], p: Params) => Answer): Handler =>
  (e, m, p) =>
    present(e, fn(e, m, p), p.expand());
const list =
  (fn: (e: Engine, m: string[], p: Params) => { object: "list"; data: Answer[] } & object): Handler =>
  (e, m, p) =>
    presentList(e, fn(e, m, p) as never, p.expand());
/** GET /v1/<resource>/:id straight from the store; `param` is the one a 404 names (Stripe's wording). */
const retrieve = (collection: Parameters<Store["get"]>[0], param?: string): Handler =>
  one((e, m) => e.store.get(collection, m[1], param) as Answer);

const ID = "([^/]+)";
const path = (pattern: string) => new RegExp(`^/v1/${pattern.replaceAll(":id", ID)}$`);

const customers: Route[] = [
  ["POST", path("customers"), one((e, _m, p) => createCustomer(e, p))],
  ["GET", path("customers"), list((e, _m, p) => listCustomers(e, p))],
  ["GET", path("customers/:id"), retrieve("customers")],
  ["POST", path("customers/:id"), one((e, m, p) => (setDefaultPaymentMethod(e, m[1], p), updateCustomer(e, m[1], p)))],
];
const catalog: Route[] = [
  ["POST", path("products"), one((e, _m, p) => createProduct(e, p))],
  ["GET", path("products"), list((e, _m, p) => listProducts(e, p))],
  ["GET", path("products/:id"), retrieve("products")],
  ["POST", path("products/:id"), one((e, m, p) => updateProduct(e, m[1], p))],
  ["POST", path("prices"), one((e, _m, p) => createPrice(e, p))],
  ["GET", path("prices"), list((e, _m, p) => listPrices(e, p))],
  ["GET", path("prices/:id"), retrieve("prices")],
  ["POST", path("prices/:id"), one((e, m, p) => updatePrice(e, m[1], p))],
];
const checkoutSessions: Route[] = [
  ["POST", path("checkout/sessions"), one((e, _m, p) => createCheckoutSession(e, p))],
  ["GET", path("checkout/sessions"), list((e, _m, p) => listCheckoutSessions(e, p))],
  ["GET", path("checkout/sessions/:id"), retrieve("checkoutSessions", "session")],
  ["GET", path("checkout/sessions/:id/line_items"), list((e, m, p) => listCheckoutLineItems(e, m[1], p))],
  ["POST", path("checkout/sessions/:id/expire"), one((e, m) => expireCheckoutSession(e, m[1]))],
];
const subscriptions: Route[] = [
  ["GET", path("subscriptions"), list((e, _m, p) => listSubscriptions(e, p))],
  ["GET", path("subscriptions/:id"), retrieve("subscriptions")],
  ["POST", path("subscriptions/:id"), one((e, m, p) => updateSubscription(e, m[1], p))],
  ["DELETE", path("subscriptions/:id"), one((e, m, p) => cancelSubscription(e, m[1], p))],
];
const invoices: Route[] = [
  ["GET", path("invoices"), list((e, _m, p) => listInvoices(e, p))],
  ["POST", path("invoices/create_preview"), one((e, _m, p) => createInvoicePreview(e, p))],
  ["GET", path("invoices/:id"), retrieve("invoices", "invoice")],
];
const payments: Route[] = [
  ["GET", path("payment_intents/:id"), retrieve("paymentIntents", "intent")],
  ["POST", path("payment_intents"), one((e, _m, p) => createPaymentIntent(e, p))],
  ["GET", path("payment_methods"), list((e, _m, p) => listPaymentMethods(e, p))],
  ["GET", path("payment_methods/:id"), retrieve("paymentMethods", "payment_method")],
  ["GET", path("charges"), list((e, _m, p) => listCharges(e, p))],
  ["GET", path("charges/:id"), retrieve("charges", "charge")],
  ["POST", path("refunds"), one((e, _m, p) => createRefund(e, p))],
  ["GET", path("refunds"), list((e, _m, p) => listRefunds(e, p))],
  ["GET", path("refunds/:id"), retrieve("refunds", "refund")],
];
const portal: Route[] = [["POST", path("billing_portal/sessions"), one((e, _m, p) => createPortalSession(e, p))]];
const events: Route[] = [
  ["GET", path("events"), list((e, _m, p) => listEvents(e, p))],
  ["GET", path("events/:id"), retrieve("events")],
];

const routes: Route[] = [
  ...customers,
  ...catalog,
  ...checkoutSessions,
  ...subscriptions,
  ...invoices,
  ...payments,
  ...portal,
  ...events,
];

export function findRoute(method: string, path: string): { match: string[]; run: Handler } | undefined {
  for (const [m, pattern, run] of routes) {
    if (m !== method) continue;
    const match = pattern.exec(path);
    if (match) return { match: match.map((x) => (x === undefined ? x : decodeURIComponent(x))), run };
  }
  return undefined;
}
