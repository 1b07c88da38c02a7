import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type Stripe from "stripe";
import { emptyList } from "./objects";
import { invalid, noSuch, type Params } from "./params";

/** A POST answer kept for replay under its Idempotency-Key (Stripe keeps them 24 hours). */
interface IdempotentResponse {
  fingerprint: string;
  status: number;
  body: string;
  createdAt: number;
}

/** Proration lines waiting for the subscription's next invoice (proration_behavior create_prorations). */
export interface SubscriptionExtras {
  failNextPayment?: boolean;
  pendingLines?: Stripe.InvoiceLineItem[];
}

/** What a Checkout Session passes on to the objects it creates when it is paid. */
export interface CheckoutExtras {
  subscriptionMetadata: Record<string, string>;
  subscriptionDescription: string | null;
  paymentIntentMetadata: Record<string, string>;
  paymentIntentDescription: string | null;
  /** payment_intent_data[setup_future_usage]: keep the card for later (resources/payment-methods.ts). */
  setupFutureUsage?: string | null;
}

export interface OfflineState {
  version: 1;
  /** The webhook signing secret: random, made when the state is first created (older files get one on load). */
  webhookSecret: string;
  customers: Record<string, Stripe.Customer>;
  products: Record<string, Stripe.Product>;
  prices: Record<string, Stripe.Price>;
  checkoutSessions: Record<string, Stripe.Checkout.Session>;
  checkoutLineItems: Record<string, Stripe.LineItem[]>;
  checkoutExtras: Record<string, CheckoutExtras>;
  subscriptions: Record<string, Stripe.Subscription>;
  subscriptionExtras: Record<string, SubscriptionExtras>;
  invoices: Record<string, Stripe.Invoice>;
  invoicePayments: Record<string, Stripe.InvoicePayment[]>;
  paymentIntents: Record<string, Stripe.PaymentIntent>;
  /** Cards saved for off-session use (resources/payment-methods.ts). */
  paymentMethods: Record<string, Stripe.PaymentMethod>;
  charges: Record<string, Stripe.Charge>;
  refunds: Record<string, Stripe.Refund>;
  portalSessions: Record<string, Stripe.BillingPortal.Session>;
  events: Record<string, Stripe.Event>;
  /** Event ids not yet delivered to the webhook endpoint, oldest first. */
  pendingDeliveries: string[];
  idempotency: Record<string, IdempotentResponse>;
}

/** `whsec_` + 32 random bytes, like Stripe's endpoint secrets. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

function emptyState(): OfflineState {
  return {
    version: 1,
    webhookSecret: newWebhookSecret(),
    customers: {},
    products: {},
    prices: {},
    checkoutSessions: {},
    checkoutLineItems: {},
    checkoutExtras: {},
    subscriptions: {},
    subscriptionExtras: {},
    invoices: {},
    invoicePayments: {},
    paymentIntents: {},
    paymentMethods: {},
    charges: {},
    refunds: {},
    portalSessions: {},
    events: {},
    pendingDeliveries: [],
    idempotency: {},
  };
}

/** Every object kind that has an id prefix, for retrieval and `expand`. */
const KINDS = {
  cus: { key: "customers", name: "customer" },
  prod: { key: "products", name: "product" },
  price: { key: "prices", name: "price" },
  cs: { key: "checkoutSessions", name: "checkout.session" },
  sub: { key: "subscriptions", name: "subscription" },
  in: { key: "invoices", name: "invoice" },
  pi: { key: "paymentIntents", name: "payment_intent" },
  pm: { key: "paymentMethods", name: "payment_method" },
  ch: { key: "charges", name: "charge" },
  re: { key: "refunds", name: "refund" },
  evt: { key: "events", name: "event" },
  bps: { key: "portalSessions", name: "billing_portal.session" },
} as const;

type ObjectKey = (typeof KINDS)[keyof typeof KINDS]["key"];

export class Store {
  state: OfflineState;

  constructor(private readonly statePath?: string) {
    const loaded = statePath ? load(statePath) : undefined;
    this.state = loaded?.state ?? emptyState();
    // Keep a newly made webhook secret at once: it must not change with the next start.
    if (statePath && !loaded?.hadSecret) this.save();
  }

  /** Writes the whole state atomically (temp file + rename), so a crash leaves the old or the new file. */
  save(): void {
    if (!this.statePath) return;
    fs.mkdirSync(path.dirname(path.resolve(this.statePath)), { recursive: true });
    const tmp = `${this.statePath}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.state));
    fs.renameSync(tmp, this.statePath);
  }

  /** Any stored object by id, or undefined (used by `expand`). */
  find(id: string): { object: unknown } | undefined {
    const prefix = id.split("_")[0] as keyof typeof KINDS;
    const kind = KINDS[prefix];
    if (!kind) return undefined;
    const object = (this.state[kind.key] as Record<string, unknown>)[id];
    return object === undefined ? undefined : { object };
  }

  get<K extends ObjectKey>(key: K, id: string, param = "id"): OfflineState[K][string] {
    const object = (this.state[key] as Record<string, OfflineState[K][string]>)[id];
    if (object === undefined) {
      const kind = Object.values(KINDS).find((k) => k.key === key)!;
      throw noSuch(kind.name, id, param);
    }
    return object;
  }

  /** Stripe forgets idempotency keys after 24 hours and events after 30 days; so does the state file. */
  prune(nowSeconds: number): void {
    for (const [key, entry] of Object.entries(this.state.idempotency)) {
      if (entry.createdAt < nowSeconds - 24 * 3600) delete this.state.idempotency[key];
    }
    const pending = new Set(this.state.pendingDeliveries);
    for (const [id, event] of Object.entries(this.state.events)) {
      if (event.created < nowSeconds - 30 * 86_400 && !pending.has(id)) delete this.state.events[id];
    }
  }
}

function load(statePath: string): { state: OfflineState; hadSecret: boolean } | undefined {
  if (!fs.existsSync(statePath)) return undefined;
  const parsed = JSON.parse(fs.readFileSync(statePath, "utf8")) as Partial<OfflineState>;
  if (parsed.version !== 1)
    throw new Error(`${statePath}: unknown offline Stripe state version ${String(parsed.version)}`);
  // Fields added later default to empty (a fresh secret for a file from before it had one), so an older file keeps working.
  const hadSecret =
    typeof parsed.webhookSecret === "string" &&
    parsed.webhookSecret.startsWith("whsec_") &&
    parsed.webhookSecret.length >= 38;
  return {
    state: { ...emptyState(), ...parsed, ...(hadSecret ? {} : { webhookSecret: newWebhookSecret() }) } as OfflineState,
    hadSecret,
  };
}

/** Stripe's cursor pagination over objects listed newest first. */
export function paginate<T extends { id: string }>(items: T[], params: Params, url: string): Stripe.ApiList<T> {
  const limit = params.integer("limit") ?? 10;
  if (limit < 1 || limit > 100)
    throw invalid("This value must be between 1 and 100.", "limit", "parameter_invalid_integer");
  const after = params.string("starting_after");
  const before = params.string("ending_before");
  let start = 0;
  let end = items.length;
  if (after) {
    const i = items.findIndex((x) => x.id === after);
    if (i === -1) throw noSuch("object", after, "starting_after");
    start = i + 1;
  }
  if (before) {
    const i = items.findIndex((x) => x.id === before);
    if (i === -1) throw noSuch("object", before, "ending_before");
    end = i;
    start = Math.max(start, end - limit);
  }
  const page = items.slice(start, Math.min(end, start + limit));
  const list = emptyList(url, page);
  list.has_more = before ? start > 0 : start + page.length < end;
  return list;
}

/** Newest first, as every Stripe list answers. */
export function newestFirst<T>(record: Record<string, T>): T[] {
  return Object.values(record).reverse();
}

/**
 * `expand[]` paths such as `line_items.data.price.product`: an id string along the path is
 * replaced by a copy of the object it names; `data` steps into a list.
 */
export function expandPaths(store: Store, value: unknown, paths: string[]): void {
  for (const p of paths) expandOne(store, value, p.split("."), p);
}

function expandOne(store: Store, value: unknown, segments: string[], full: string): void {
  if (segments.length === 0 || value === null || typeof value !== "object") return;
  const [head, ...rest] = segments;
  const obj = value as Record<string, unknown>;
  if (obj.object === "list" && head === "data" && Array.isArray(obj.data)) {
    for (const item of obj.data) expandOne(store, item, rest, full);
    return;
  }
  if (!(head in obj)) throw invalid(`This property cannot be expanded (${full}).`, "expand");
  let child = obj[head];
  if (typeof child === "string") {
    const found = store.find(child);
    if (!found) return;
    child = structuredClone(found.object);
    obj[head] = child;
  }
  expandOne(store, child, rest, full);
}
