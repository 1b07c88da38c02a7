/**
 * The offline Stripe: a local, Stripe-compatible server for the part of the Stripe REST API the
 * app uses, so the demo and the tests run the real Stripe SDK and the real webhook route
 * without a Stripe account. The app's server starts it in-process when STRIPE_SECRET_KEY is
 * unset (app/server/offline-stripe.ts); with a real key it is never started.
 *
 *   /v1/…                 the REST API (Bearer OFFLINE_STRIPE_SECRET_KEY, form-encoded bodies)
 *   /checkout/:id         hosted Checkout page (Pay / Cancel)
 *   /portal/:id           hosted customer portal (cancel at period end / resume / return)
 *   /_offline             test-clock triggers: renew, fail the next payment, retry, refund,
 *                         decline / hold the next off-session payment, settle a processing one
 *
 * Events are delivered, signed like Stripe's, to the webhook endpoint after the request that
 * caused them has been answered, one at a time in order, with retries.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type Stripe from "stripe";
import { systemClock, type Clock } from "./clock";
import { Engine, type RequestInfo } from "./engine";
import { payCheckoutSession, listCheckoutLineItems } from "./resources/checkout-sessions";
import { createRefund } from "./resources/payments";
import { portalSetCancelAtPeriodEnd } from "./resources/portal";
import { renderSubscription } from "./resources/subscriptions";
import { failNextPayment, renew, retryPayment } from "./resources/test-clock";
import {
  declineNextOffSessionPayment,
  processNextOffSessionPayment,
  settlePaymentIntent,
  type SettleOutcome,
} from "./resources/payment-intents";
import { findRoute } from "./routes";
import { parseStripeForm, type FormObject } from "./form";
import { newId } from "./objects";
import { replaceCard } from "./resources/payment-methods";
import { customerLabel, priceName } from "./shared";
import {
  checkoutPage,
  formatDate,
  formatMoney,
  invoicePage,
  messagePage,
  triggerDonePage,
  triggersPage,
  type TriggerCharge,
  type TriggerSubscription,
  portalPage,
  receiptPage,
  successUrl,
} from "./pages";
import { invalid, Params, StripeApiError } from "./params";
import { Store } from "./store";
import { WebhookQueue, type DeliveryOptions, type DeliveryRecord, type WebhookTransport } from "./webhooks";

export type { WebhookTransport, DeliveryOptions, DeliveryRecord };

export interface OfflineStripeOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Where events are POSTed. May be set later with setWebhookEndpoint (the app's port is known only after it listens). */
  webhookUrl?: string;
  /** Instead of a URL: a function that receives each webhook as a Request (tests call the route action directly). */
  transport?: WebhookTransport;
  /** Tests may fix it; otherwise it is the random one kept in the state (per state file, i.e. per database). */
  webhookSecret?: string;
  secretKey?: string;
  /** JSON file the state is kept in, so the demo survives restarts; in memory when absent. */
  statePath?: string;
  /** Base URL browsers use for the hosted pages (e.g. the app's mount of handleHostedPage); defaults to `url`. */
  publicUrl?: string;
  /** Time for `created`, periods and prorations; tests pass their ManualClock. */
  clock?: Clock;
  delivery?: DeliveryOptions;
  /** Where failed deliveries and internal errors are reported; the console when absent. */
  logger?: Logger;
}

export interface Logger {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The API key the offline Stripe accepts unless told otherwise. Real Stripe rejects it like any made-up key. */
export const OFFLINE_STRIPE_SECRET_KEY = "sk_test_offline_0000000000000000000000000000";

const consoleLogger: Logger = {
  warn: (message, fields) => console.warn(message, fields ?? ""),
  error: (message, fields) => console.error(message, fields ?? ""),
};

export interface RefundTrigger {
  charge?: string;
  payment_intent?: string;
  amount?: number;
}

export interface OfflineStripe {
  /** API base URL for the SDK (STRIPE_API_BASE). */
  url: string;
  publicUrl: string;
  secretKey: string;
  webhookSecret: string;
  /** Every event created so far, oldest first. */
  readonly events: Stripe.Event[];
  /** Every delivery attempt so far. */
  readonly deliveries: DeliveryRecord[];
  setWebhookEndpoint(endpoint: string | { transport: WebhookTransport; url?: string }): void;
  /** Resolves once every queued webhook has been delivered (or given up on after its retries). */
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Serves only the hosted pages (checkout, portal), for mounting under the app's own origin. */
  handleHostedPage(req: http.IncomingMessage, res: http.ServerResponse, basePath?: string): void;
  /** Test-clock triggers; each resolves after the webhooks it caused were delivered. */
  trigger: {
    payCheckout(sessionId: string): Promise<Stripe.Checkout.Session>;
    renew(
      subscriptionId: string,
      opts?: { fail?: boolean },
    ): Promise<{ subscription: Stripe.Subscription; invoice: Stripe.Invoice | null }>;
    failNextPayment(subscriptionId: string): Promise<Stripe.Subscription>;
    retryPayment(subscriptionId: string): Promise<{ subscription: Stripe.Subscription; invoice: Stripe.Invoice }>;
    refund(params: RefundTrigger): Promise<Stripe.Refund>;
    /** The next off-session PaymentIntent stays `processing` until `settlePaymentIntent`. */
    processNextOffSessionPayment(): Promise<void>;
    /** Decides a processing PaymentIntent; `deliver: false` records its events but sends no webhook (a lost one). */
    settlePaymentIntent(id: string, opts: { outcome: SettleOutcome; deliver?: boolean }): Promise<Stripe.PaymentIntent>;
  };
}

const MAX_BODY_BYTES = 1_000_000;

export async function startOfflineStripe(options: OfflineStripeOptions = {}): Promise<OfflineStripe> {
  const secretKey = options.secretKey ?? OFFLINE_STRIPE_SECRET_KEY;
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? consoleLogger;
  const store = new Store(options.statePath);
  const webhookSecret = options.webhookSecret ?? store.state.webhookSecret;
  const queue = new WebhookQueue(store, webhookSecret, options.delivery ?? {}, (msg, fields) => log.warn(msg, fields));
  let publicUrl = "";
  const engine = new Engine(
    store,
    clock,
    () => publicUrl,
    (events) => queue.enqueue(events),
    () => queue.hasEndpoint,
  );

  const server = http.createServer((req, res) => {
    handle(req, res, { hostedOnly: false, basePath: "" }).catch((e) => fail(res, e));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${hostForUrl}:${address.port}`;
  publicUrl = (options.publicUrl ?? url).replace(/\/$/, "");

  if (options.transport) queue.setEndpoint({ transport: options.transport, url: options.webhookUrl });
  else if (options.webhookUrl) queue.setEndpoint({ url: options.webhookUrl });

  async function handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    opts: { hostedOnly: boolean; basePath: string },
  ): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const parsed = new URL(req.url ?? "/", "http://offline.invalid");
    const path = parsed.pathname.replace(/\/+$/, "") || "/";
    const body = await readBody(req);
    if (!opts.hostedOnly && path.startsWith("/v1/")) return api(req, res, method, path, parsed.search.slice(1), body);
    if (path === "/triggers" || path.startsWith("/triggers/")) {
      return hostedTrigger(res, method, path, body, opts.basePath, parsed.searchParams.get("customer"));
    }
    if (["/checkout/", "/portal/", "/invoices/", "/receipts/"].some((prefix) => path.startsWith(prefix))) {
      return page(res, method, path, opts.basePath, parsed.searchParams, body);
    }
    if (!opts.hostedOnly && (path === "/_offline" || path.startsWith("/_offline/"))) {
      return triggerRoute(req, res, method, path, parsed.search.slice(1), body);
    }
    sendJson(
      res,
      404,
      new StripeApiError(404, "invalid_request_error", `Unrecognized request URL (${method}: ${path}).`).body(),
    );
  }

  // ------------------------------------------------------------------ REST API

  function api(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    method: string,
    path: string,
    query: string,
    body: string,
  ): void {
    const requestId = newId("req", 14);
    res.setHeader("Request-Id", requestId);
    res.setHeader("Stripe-Version", String(req.headers["stripe-version"] ?? "2026-10-28.endive"));
    const auth = String(req.headers.authorization ?? "");
    const key = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
    if (!key) {
      return sendJson(
        res,
        401,
        new StripeApiError(
          401,
          "invalid_request_error",
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        ).body(),
      );
    }
    if (key !== secretKey) {
      return sendJson(
        res,
        401,
        new StripeApiError(401, "invalid_request_error", `Invalid API Key provided: ${redact(key)}`).body(),
      );
    }
    const form = parseStripeForm(method === "POST" ? body : query);
    const idempotencyKey = method === "POST" ? headerString(req.headers["idempotency-key"]) : undefined;
    const fingerprint = `${method} ${path}\n${body}`;
    if (idempotencyKey) {
      res.setHeader("Idempotency-Key", idempotencyKey);
      const previous = store.state.idempotency[idempotencyKey];
      if (previous) {
        if (previous.fingerprint !== fingerprint) {
          return sendJson(
            res,
            400,
            new StripeApiError(
              400,
              "idempotency_error",
              `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            ).body(),
          );
        }
        res.setHeader("Idempotent-Replayed", "true");
        return sendRaw(res, previous.status, previous.body);
      }
    }
    const route = findRoute(method, path);
    if (!route) {
      return sendJson(
        res,
        404,
        new StripeApiError(
          404,
          "invalid_request_error",
          `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
        ).body(),
      );
    }
    const params = new Params(form);
    const request: RequestInfo = { id: requestId, idempotencyKey: idempotencyKey ?? null };
    try {
      const result =
        method === "GET"
          ? route.run(engine, route.match, params)
          : engine.run(request, () => route.run(engine, route.match, params));
      const text = JSON.stringify(result, null, 2);
      if (idempotencyKey) {
        store.prune(engine.now());
        store.state.idempotency[idempotencyKey] = { fingerprint, status: 200, body: text, createdAt: engine.now() };
        store.save();
      }
      sendRaw(res, 200, text);
    } catch (e) {
      fail(res, e);
    }
  }

  // ------------------------------------------------------------------ hosted pages

  function page(
    res: http.ServerResponse,
    method: string,
    path: string,
    basePath: string,
    query: URLSearchParams,
    body: string,
  ): void {
    try {
      let m: RegExpExecArray | null;
      if ((m = /^\/checkout\/([^/]+)$/.exec(path)) && method === "GET") {
        const session = store.get("checkoutSessions", decodeURIComponent(m[1]), "session");
        return sendHtml(res, 200, checkoutPage({ session, lineItems: lineItems(session.id), basePath }));
      }
      if ((m = /^\/checkout\/([^/]+)\/(pay|cancel)$/.exec(path)) && method === "POST") {
        const id = decodeURIComponent(m[1]);
        if (m[2] === "cancel") {
          const session = store.get("checkoutSessions", id, "session");
          return redirect(res, session.cancel_url ?? `${basePath}/checkout/${encodeURIComponent(id)}`);
        }
        const session = engine.run(null, () => payCheckoutSession(engine, id));
        return redirect(
          res,
          session.success_url ? successUrl(session) : `${basePath}/checkout/${encodeURIComponent(id)}`,
        );
      }
      if ((m = /^\/portal\/([^/]+)$/.exec(path)) && method === "GET") {
        const session = store.get("portalSessions", decodeURIComponent(m[1]), "session");
        const notice = query.get("updated") === "card" ? "Your card was updated." : null;
        return sendHtml(res, 200, portal(session, basePath, { notice }));
      }
      if ((m = /^\/portal\/([^/]+)\/payment_method$/.exec(path)) && method === "POST") {
        const session = store.get("portalSessions", decodeURIComponent(m[1]), "session");
        const digits = String(parseStripeForm(body).card ?? "").replace(/[\s-]/g, "");
        if (!/^\d{12,19}$/.test(digits)) {
          const error = "Enter the card number: 12 to 19 digits.";
          return sendHtml(res, 400, portal(session, basePath, { error }));
        }
        engine.run(null, () => replaceCard(engine, session.customer, digits.slice(-4)));
        return redirect(res, `${basePath}/portal/${encodeURIComponent(session.id)}?updated=card`);
      }
      if ((m = /^\/portal\/([^/]+)\/subscriptions\/([^/]+)\/(cancel|resume)$/.exec(path)) && method === "POST") {
        const sessionId = decodeURIComponent(m[1]);
        engine.run(null, () =>
          portalSetCancelAtPeriodEnd(engine, sessionId, decodeURIComponent(m![2]), m![3] === "cancel"),
        );
        return redirect(res, `${basePath}/portal/${encodeURIComponent(sessionId)}`);
      }
      if ((m = /^\/invoices\/([^/]+)$/.exec(path)) && method === "GET") {
        return sendHtml(res, 200, invoicePage(store.get("invoices", decodeURIComponent(m[1]), "invoice")));
      }
      if ((m = /^\/receipts\/([^/]+)$/.exec(path)) && method === "GET") {
        return sendHtml(res, 200, receiptPage(store.get("charges", decodeURIComponent(m[1]), "charge")));
      }
      sendHtml(res, 404, messagePage("Not found", "There is no such page."));
    } catch (e) {
      if (e instanceof StripeApiError) return sendHtml(res, e.status, messagePage("Offline Stripe", e.message));
      throw e;
    }
  }

  /** The portal as its customer sees it: subscriptions by plan name, the saved card, the invoices. */
  function portal(
    session: Stripe.BillingPortal.Session,
    basePath: string,
    messages: { notice?: string | null; error?: string | null },
  ): string {
    const customer = store.get("customers", session.customer);
    const subscriptions = Object.values(store.state.subscriptions)
      .filter((s) => s.customer === customer.id)
      .reverse()
      .map((s) => renderSubscription(engine, s));
    const cardId = customer.invoice_settings.default_payment_method;
    const card = typeof cardId === "string" ? (store.state.paymentMethods[cardId] ?? null) : null;
    const invoices = Object.values(store.state.invoices)
      .filter((i) => i.customer === customer.id && i.status !== "draft")
      .reverse();
    return portalPage({
      session,
      customer,
      subscriptions,
      priceName: (price) => priceName(store.state.products, price),
      card,
      invoices,
      basePath,
      ...messages,
    });
  }

  function lineItems(sessionId: string): Stripe.LineItem[] {
    const list = listCheckoutLineItems(
      engine,
      sessionId,
      new Params({ limit: "100" }),
    ) as Stripe.ApiList<Stripe.LineItem>;
    return list.data;
  }

  // ------------------------------------------------------------------ triggers

  const trigger: OfflineStripe["trigger"] = {
    async payCheckout(sessionId) {
      const s = engine.run(null, () => payCheckoutSession(engine, sessionId));
      await queue.flush();
      return s;
    },
    async renew(subscriptionId, opts = {}) {
      const r = engine.run(null, () => renew(engine, subscriptionId, opts));
      await queue.flush();
      return r;
    },
    async failNextPayment(subscriptionId) {
      return engine.run(null, () => failNextPayment(engine, subscriptionId));
    },
    async retryPayment(subscriptionId) {
      const r = engine.run(null, () => retryPayment(engine, subscriptionId));
      await queue.flush();
      return r;
    },
    async refund(params) {
      const form: FormObject = {};
      if (params.charge) form.charge = params.charge;
      if (params.payment_intent) form.payment_intent = params.payment_intent;
      if (params.amount !== undefined) form.amount = String(params.amount);
      const r = engine.run(null, () => createRefund(engine, new Params(form)));
      await queue.flush();
      return r;
    },
    async processNextOffSessionPayment() {
      processNextOffSessionPayment(engine);
    },
    async settlePaymentIntent(id, opts) {
      const r = engine.run(null, () => settlePaymentIntent(engine, id, opts.outcome), { deliver: opts.deliver });
      await queue.flush();
      return r;
    },
  };

  async function triggerRoute(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    method: string,
    path: string,
    query: string,
    body: string,
  ): Promise<void> {
    if (method === "GET" && path === "/_offline") return sendHtml(res, 200, triggers(""));
    if (method !== "POST")
      return sendJson(res, 405, { error: { type: "invalid_request_error", message: "Use POST." } });
    const form = { ...parseStripeForm(query), ...parseTriggerBody(req, body) };
    const p = new Params(form);
    const returnUrl = p.string("return_url");
    const answer = (status: number, result: unknown) =>
      returnUrl && status < 400 ? redirect(res, returnUrl) : sendJson(res, status, result);
    try {
      let m: RegExpExecArray | null;
      let result: unknown;
      if ((m = /^\/_offline\/subscriptions\/([^/]+)\/(renew|fail_next_payment|retry_payment)$/.exec(path))) {
        const id = decodeURIComponent(m[1]);
        if (m[2] === "renew") result = await trigger.renew(id, { fail: p.boolean("fail") ?? undefined });
        else if (m[2] === "fail_next_payment") result = await trigger.failNextPayment(id);
        else result = await trigger.retryPayment(id);
      } else if (path === "/_offline/refunds") {
        result = await trigger.refund({
          charge: p.string("charge"),
          payment_intent: p.string("payment_intent"),
          // The dashboard's form sends an empty amount for "refund all".
          amount: p.string("amount")?.trim() ? p.integer("amount") : undefined,
        });
      } else if (path === "/_offline/payment_intents/decline_next") {
        result = declineNextOffSessionPayment(engine, p.string("code"));
      } else if (path === "/_offline/payment_intents/process_next") {
        result = processNextOffSessionPayment(engine);
      } else if ((m = /^\/_offline\/payment_intents\/([^/]+)\/settle$/.exec(path))) {
        result = await trigger.settlePaymentIntent(decodeURIComponent(m[1]), {
          outcome: p.string("outcome") as SettleOutcome,
          deliver: p.boolean("deliver") ?? undefined,
        });
      } else if ((m = /^\/_offline\/checkout\/sessions\/([^/]+)\/pay$/.exec(path))) {
        result = await trigger.payCheckout(decodeURIComponent(m[1]));
      } else if (path === "/_offline/flush") {
        await queue.flush();
        result = { flushed: true, pending: store.state.pendingDeliveries.length };
      } else {
        throw new StripeApiError(404, "invalid_request_error", `Unrecognized request URL (${method}: ${path}).`);
      }
      answer(200, result);
    } catch (e) {
      if (e instanceof StripeApiError) return answer(e.status, e.body());
      throw e;
    }
  }

  /** The trigger page's view: subscriptions and payments named by customer and plan. */
  function triggers(basePath: string, customer: string | null = null): string {
    const mine = (c: unknown) => customer === null || c === customer;
    const customerOf = (id: unknown) => customerLabel(typeof id === "string" ? store.state.customers[id] : null);
    const subscriptions: TriggerSubscription[] = Object.values(store.state.subscriptions)
      .filter((s) => mine(s.customer))
      .reverse()
      .map((s) => {
        const item = s.items.data[0];
        const price = item ? (store.state.prices[item.price.id] ?? item.price) : null;
        return {
          id: s.id,
          customer: customerOf(s.customer),
          plan: price ? priceName(store.state.products, price) : "Subscription",
          status: s.status,
          periodEnd: item ? formatDate(item.current_period_end) : "—",
          cancelAtPeriodEnd: s.cancel_at_period_end,
          failNextPayment: store.state.subscriptionExtras[s.id]?.failNextPayment === true,
        };
      });
    const charges: TriggerCharge[] = Object.values(store.state.charges)
      .filter((c) => c.status === "succeeded" && mine(c.customer))
      .reverse()
      .map((c) => ({
        // Named by its payment intent when it has one: the app links payments by that id.
        id: typeof c.payment_intent === "string" ? c.payment_intent : c.id,
        chargeId: c.id,
        customer: customerOf(c.customer),
        what: chargeWhat(c),
        amount: formatMoney(c.amount, c.currency),
        refunded: c.amount_refunded > 0 ? formatMoney(c.amount_refunded, c.currency) : null,
        refundable: !c.refunded,
        created: formatDate(c.created),
      }));
    const forCustomer = customer ? customerLabel(store.state.customers[customer]) : null;
    return triggersPage({ subscriptions, charges, basePath, forCustomer });
  }

  /** What a charge paid for: its description, else its invoice's subscription plan. */
  function chargeWhat(c: Stripe.Charge): string {
    if (c.description) return c.description;
    const pi = typeof c.payment_intent === "string" ? store.state.paymentIntents[c.payment_intent] : null;
    return pi?.description || "a payment";
  }

  /** The trigger page's buttons: do it, then say what was done, naming the customer and plan. */
  async function hostedTrigger(
    res: http.ServerResponse,
    method: string,
    path: string,
    body: string,
    basePath: string,
    customer: string | null,
  ): Promise<void> {
    if (path === "/triggers" && method === "GET") return sendHtml(res, 200, triggers(basePath, customer));
    if (method !== "POST") return sendHtml(res, 404, messagePage("Not found", "There is no such page."));
    const form = new Params(parseStripeForm(body));
    const done = (message: string, ok = true) =>
      sendHtml(res, ok ? 200 : 400, triggerDonePage({ message, ok, basePath }));
    try {
      let m: RegExpExecArray | null;
      if ((m = /^\/triggers\/subscriptions\/([^/]+)\/(renew|fail_next_payment|retry_payment)$/.exec(path))) {
        const sub = store.get("subscriptions", decodeURIComponent(m[1]), "subscription");
        const item = sub.items.data[0];
        const plan = item ? priceName(store.state.products, store.state.prices[item.price.id] ?? item.price) : "";
        const who = customerLabel(store.state.customers[sub.customer as string]);
        if (m[2] === "renew") {
          const { subscription } = await trigger.renew(sub.id, { fail: form.boolean("fail") === true || undefined });
          if (subscription.status === "canceled") return done(`${who}’s ${plan} subscription ended, as it was set to.`);
          return done(
            subscription.status === "past_due"
              ? `${who}’s ${plan} subscription moved to its next period and the payment was declined: it is past due until a retry succeeds.`
              : `${who}’s ${plan} subscription moved to its next period and the payment went through.`,
          );
        }
        if (m[2] === "fail_next_payment") {
          await trigger.failNextPayment(sub.id);
          return done(`The next payment of ${who} for ${plan} will be declined.`);
        }
        await trigger.retryPayment(sub.id);
        return done(`The payment of ${who} for ${plan} was retried and went through.`);
      }
      if (path === "/triggers/refunds") {
        const charge = store.get("charges", form.requiredString("charge"), "charge");
        const amount = form.string("amount")?.trim() ? form.integer("amount", { min: 1 }) : undefined;
        const refund = await trigger.refund({ charge: charge.id, amount });
        return done(
          `Refunded ${formatMoney(refund.amount, refund.currency)} of ${customerLabel(
            store.state.customers[charge.customer as string],
          )}’s payment for ${chargeWhat(charge)}.`,
        );
      }
      if (path === "/triggers/decline_next") {
        declineNextOffSessionPayment(engine, undefined);
        return done("The next automatic payment (an auto top-up) will be declined.");
      }
      return sendHtml(res, 404, messagePage("Not found", "There is no such trigger."));
    } catch (e) {
      if (e instanceof StripeApiError) return done(e.message, false);
      throw e;
    }
  }

  function fail(res: http.ServerResponse, e: unknown): void {
    if (e instanceof StripeApiError) return sendJson(res, e.status, e.body());
    log.error("offline stripe: request failed", { error: e instanceof Error ? e.stack : String(e) });
    if (!res.headersSent)
      sendJson(
        res,
        500,
        new StripeApiError(500, "api_error", "An unknown error occurred in the offline Stripe.").body(),
      );
    else res.end();
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    publicUrl,
    secretKey,
    webhookSecret,
    get events() {
      return Object.values(store.state.events);
    },
    get deliveries() {
      return queue.deliveries;
    },
    setWebhookEndpoint(endpoint) {
      queue.setEndpoint(typeof endpoint === "string" ? { url: endpoint } : endpoint);
    },
    flush: () => queue.flush(),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        queue.close();
        store.save();
        server.close(() => resolve());
        server.closeAllConnections();
      })),
    handleHostedPage(req, res, basePath = "") {
      handle(req, res, { hostedOnly: true, basePath }).catch((e) => fail(res, e));
    },
    trigger,
  };
}

function parseTriggerBody(req: http.IncomingMessage, body: string): FormObject {
  if (!body) return {};
  if (String(req.headers["content-type"] ?? "").includes("application/json")) {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw invalid("Invalid JSON body.");
    }
    const out: FormObject = {};
    for (const [k, v] of Object.entries((json ?? {}) as Record<string, unknown>)) {
      if (v !== null && v !== undefined) out[k] = String(v);
    }
    return out;
  }
  return parseStripeForm(body);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(invalid("Request body too large."));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function headerString(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v || undefined;
}

function redact(key: string): string {
  return key.length > 8 ? `${key.slice(0, 8)}${"*".repeat(Math.max(4, key.length - 12))}${key.slice(-4)}` : "****";
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  sendRaw(res, status, JSON.stringify(body, null, 2));
}

function sendRaw(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-cache, no-store" });
  res.end(text);
}

function sendHtml(res: http.ServerResponse, status: number, html: string): void {
  res.writeHead(status, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
  res.end(html);
}

function redirect(res: http.ServerResponse, location: string): void {
  res.writeHead(303, { Location: location, "Cache-Control": "no-store" });
  res.end();
}
