import { and, eq, inArray } from "drizzle-orm";
import Stripe from "stripe";
import type { Db } from "../../db/client";
import { creditGrants, topupPurchases, userSubscriptions, users } from "../../db/schema";
import { grantCredits, refundGrantCredits } from "../credits/index.server";
import type { SubscriptionPlan } from "../plans/index.server";
import { addDays } from "../utils/clock";
import { resolvePlanFromStripePrice, type ResolvedPlan } from "./plan-sync.server";
import {
  getSubscriptionByStripeId,
  linkStripeCustomer,
  LIVE_STATUSES,
  stripeId,
  syncSubscriptionRow,
  type UserSubscription,
} from "./subscription-state.server";
import type { DomainCtx } from "../utils/context.server";

/*
 * One handler per Stripe event type. `prepare` does every network call (it may throw; nothing has
 * been written yet); `apply` is synchronous, touches only the database and runs inside the one
 * IMMEDIATE transaction that also stores the event row (webhook.server.ts), so an event's effects
 * commit together with its status or not at all.
 *
 * Business keys make every effect happen once whatever the event id: one top-up purchase per
 * Checkout Session (topup_purchases.stripe_checkout_session_id unique), one top-up grant per
 * purchase, one subscription grant per invoice (credit_grants.stripe_invoice_id unique). `apply`
 * checks them first and the unique indexes back the checks up.
 */

export type ApplyCtx = DomainCtx & { event: Stripe.Event };

export type Outcome = { status: "processed" | "ignored" | "held"; reason: string | null };

export interface EventHandler<P> {
  prepare(stripe: Stripe, event: Stripe.Event, ctx: DomainCtx): Promise<P>;
  apply(ctx: ApplyCtx, prepared: P): Outcome;
}

const processed = (reason: string | null = null): Outcome => ({ status: "processed", reason });
const ignored = (reason: string): Outcome => ({ status: "ignored", reason });
const held = (reason: string): Outcome => ({ status: "held", reason });

const STRIPE_ACTOR = "stripe";

/**
 * The reason recorded for an event whose body Stripe contradicts (forged, or stale in a way that
 * would grant or remove money): nothing is applied and the event is held where admins look.
 */
function contradiction(event: Stripe.Event, stripeSays: string): string {
  return `${stripeSays}, but the ${event.type} event said otherwise; nothing was applied (money is decided from what Stripe has). Replay the event if Stripe's state changes.`;
}

// ---------------------------------------------------------------------------------------------
// Shared lookups

function positiveInt(value: unknown): number | null {
  if (typeof value !== "string" && typeof value !== "number") return null;
  const s = String(value).trim();
  if (!/^[1-9][0-9]{0,15}$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

function userExists(db: Db, id: number): boolean {
  return !!db.select({ id: users.id }).from(users).where(eq(users.id, id)).get();
}

/**
 * The app user an object belongs to: the user id the app put on it (metadata.userId,
 * client_reference_id), else the user the Stripe customer or subscription is already linked to.
 */
export function findUserId(
  db: Db,
  refs: { userIds?: unknown[]; customerId?: string | null; subscriptionId?: string | null },
): number | null {
  for (const candidate of refs.userIds ?? []) {
    const id = positiveInt(candidate);
    if (id !== null && userExists(db, id)) return id;
  }
  if (refs.customerId) {
    const row = db.select({ id: users.id }).from(users).where(eq(users.stripeCustomerId, refs.customerId)).get();
    if (row) return row.id;
  }
  if (refs.subscriptionId) {
    const row = getSubscriptionByStripeId(db, refs.subscriptionId);
    if (row) return row.userId;
  }
  return null;
}

function resolvePlan(ctx: ApplyCtx, price: Stripe.Price): ResolvedPlan {
  return resolvePlanFromStripePrice({ db: ctx.db, clock: ctx.clock }, price);
}

/** The subscription plan of a price, or the held outcome that explains why there is none. */
function resolveSubscriptionPlan(ctx: ApplyCtx, price: Stripe.Price | null): { plan: SubscriptionPlan } | { hold: Outcome } {
  if (!price) return { hold: held("the subscription has no price") };
  const resolved = resolvePlan(ctx, price);
  if (resolved.kind === "held") return { hold: held(resolved.reason) };
  if (resolved.kind !== "subscription") {
    return { hold: held(`price ${price.id} is a one-time price, not a subscription plan`) };
  }
  return { plan: resolved.plan };
}

/** Prices with their product, fetched once per event. */
class PriceFetcher {
  private cache = new Map<string, Promise<Stripe.Price>>();
  constructor(private stripe: Stripe) {}
  get(ref: string | Stripe.Price | null | undefined): Promise<Stripe.Price> | null {
    const id = stripeId(ref);
    if (!id) return null;
    let p = this.cache.get(id);
    if (!p) {
      p = this.stripe.prices.retrieve(id, { expand: ["product"] });
      this.cache.set(id, p);
    }
    return p;
  }
}

/** The subscription as Stripe has it now; the event's copy when Stripe no longer knows it. */
async function retrieveSubscription(stripe: Stripe, id: string, fallback?: Stripe.Subscription): Promise<Stripe.Subscription>;
async function retrieveSubscription(stripe: Stripe, id: string, fallback: undefined, missingIsNull: true): Promise<Stripe.Subscription | null>;
async function retrieveSubscription(
  stripe: Stripe,
  id: string,
  fallback?: Stripe.Subscription,
  missingIsNull = false,
): Promise<Stripe.Subscription | null> {
  try {
    return await stripe.subscriptions.retrieve(id);
  } catch (e) {
    const missing = e instanceof Stripe.errors.StripeInvalidRequestError && e.statusCode === 404;
    if (missing && fallback) return fallback;
    if (missing && missingIsNull) return null;
    throw e;
  }
}

/** floor(a × b ÷ c) without floating point or overflow. */
export function mulDivFloor(a: number, b: number, c: number): number {
  if (c <= 0) throw new Error("mulDivFloor: divisor must be positive");
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}

/** a × b ÷ c rounded to the nearest integer (halves up), for non-negative a, b and positive c. */
export function mulDivRound(a: number, b: number, c: number): number {
  if (c <= 0) throw new Error("mulDivRound: divisor must be positive");
  return Number((BigInt(a) * BigInt(b) * 2n + BigInt(c)) / (2n * BigInt(c)));
}

// ---------------------------------------------------------------------------------------------
// Top-up refunds (shared by charge.refunded and a late checkout.session.completed)

type TopupPurchase = typeof topupPurchases.$inferSelect;

/**
 * Brings a purchase up to a charge's running `amount_refunded`: the refunds account for
 * floor(credits × amount_refunded ÷ amount) credits, and only what is still missing of that is
 * removed now, so repeated, partial and out-of-order refund events add up exactly. Removal is
 * capped by what is left on the grant (spent credits are not clawed back below zero).
 * `credits_refunded` records the credits the refunds account for; the ledger's `refund` entries
 * record what was actually removed.
 */
function applyTopupRefund(
  ctx: ApplyCtx,
  purchase: TopupPurchase,
  charge: { amount: number; amountRefunded: number },
): { removed: number; accounted: number } {
  const amountRefunded = Math.min(charge.amountRefunded, charge.amount > 0 ? charge.amount : charge.amountRefunded);
  if (amountRefunded <= purchase.amountRefundedCents) return { removed: 0, accounted: 0 };
  const charged = charge.amount > 0 ? charge.amount : purchase.amountPaidCents;
  const target = charged > 0 ? Math.min(purchase.credits, mulDivFloor(purchase.credits, amountRefunded, charged)) : purchase.credits;
  const toRemove = Math.max(0, target - purchase.creditsRefunded);
  let removed = 0;
  if (toRemove > 0) {
    const grant = ctx.db.select().from(creditGrants).where(eq(creditGrants.topupPurchaseId, purchase.id)).get();
    if (grant && grant.status === "active" && grant.remaining > 0) {
      removed = refundGrantCredits(
        { db: ctx.db, clock: ctx.clock },
        {
          grantId: grant.id,
          amount: toRemove,
          reason: `Refund of top-up purchase #${purchase.id}`,
          actor: STRIPE_ACTOR,
          metadata: { stripeEventId: ctx.event.id, amountRefundedCents: amountRefunded },
        },
      ).removed;
    }
  }
  ctx.db
    .update(topupPurchases)
    .set({
      amountRefundedCents: amountRefunded,
      creditsRefunded: purchase.creditsRefunded + toRemove,
      status: amountRefunded >= purchase.amountPaidCents ? "refunded" : "partially_refunded",
      updatedAt: ctx.clock.now(),
    })
    .where(eq(topupPurchases.id, purchase.id))
    .run();
  return { removed, accounted: toRemove };
}

// ---------------------------------------------------------------------------------------------
// One subscription per customer

/** Put in cancellation_details.comment of a subscription this app undid as a customer's second one. */
const DUPLICATE_COMMENT = "credit-billing: second live subscription; the customer keeps ";

type DuplicateCheck =
  | { duplicate: { attention: boolean; reason: string } }
  /** Not a duplicate; `checked` are local rows that look live but Stripe has as ended. */
  | { checked: string[] };

const isLive = (status: string) => (LIVE_STATUSES as readonly string[]).includes(status);

/**
 * A customer has one subscription. Checkout refuses a second one and expires the other open
 * subscription checkouts, but two checkouts paid at nearly the same time (two tabs) can still make
 * two. The one the app hears of second is undone here, in `prepare` (network): canceled in Stripe
 * at once and its payment refunded; its events grant and record nothing, and the event that did
 * the undoing is held so it shows under "Needs attention". `apply` re-checks (otherLiveGuard) for
 * the race where both were prepared before either was recorded.
 */
async function settleSecondSubscription(ctx: DomainCtx, stripe: Stripe, subscription: Stripe.Subscription): Promise<DuplicateCheck> {
  const comment = subscription.cancellation_details?.comment ?? "";
  let keptId: string | null = comment.startsWith(DUPLICATE_COMMENT) ? comment.slice(DUPLICATE_COMMENT.length) : null;
  let canceledNow = false;
  const customerId = stripeId(subscription.customer as string | { id: string } | null);
  const userId = findUserId(ctx.db, { userIds: [subscription.metadata?.userId], customerId, subscriptionId: subscription.id });
  const checked: string[] = [];
  if (!keptId) {
    if (!isLive(subscription.status) || userId === null) return { checked };
    for (const other of liveSubscriptionRows(ctx.db, userId, subscription.id)) {
      const theirs = await retrieveSubscription(stripe, other, undefined, true);
      if (theirs && isLive(theirs.status)) {
        keptId = theirs.id;
        break;
      }
      checked.push(other);
    }
    if (!keptId) return { checked };
    await stripe.subscriptions.cancel(
      subscription.id,
      { cancellation_details: { comment: `${DUPLICATE_COMMENT}${keptId}` } },
      { idempotencyKey: `cancel-second-subscription-${subscription.id}` },
    );
    canceledNow = true;
  }
  const refundedNow = await refundSubscriptionPayments(stripe, subscription);
  const reason = `second live subscription ${subscription.id}${userId !== null ? ` for user #${userId}` : ""} (the customer keeps ${keptId}): canceled in Stripe and its payment refunded; no credits granted for it`;
  return { duplicate: { attention: canceledNow || refundedNow, reason } };
}

/** Refunds whatever is still unrefunded of the subscription's paid invoice payments; true if it refunded anything. */
async function refundSubscriptionPayments(stripe: Stripe, subscription: Stripe.Subscription): Promise<boolean> {
  const invoiceId = stripeId(subscription.latest_invoice as string | { id: string } | null);
  if (!invoiceId) return false;
  const invoice = await stripe.invoices.retrieve(invoiceId, { expand: ["payments"] });
  let refunded = false;
  for (const payment of invoice.payments?.data ?? []) {
    const paymentIntentId = stripeId(payment.payment?.payment_intent as string | { id: string } | null | undefined);
    if (payment.status !== "paid" || !paymentIntentId) continue;
    const pi = await stripe.paymentIntents.retrieve(paymentIntentId);
    const chargeId = stripeId(pi.latest_charge);
    if (!chargeId) continue;
    const charge = await stripe.charges.retrieve(chargeId);
    if (charge.amount_refunded >= charge.amount) continue;
    await stripe.refunds.create(
      { charge: chargeId, reason: "duplicate", metadata: { secondSubscription: subscription.id } },
      { idempotencyKey: `refund-second-subscription-${subscription.id}-${chargeId}` },
    );
    refunded = true;
  }
  return refunded;
}

/** Stripe ids of the user's subscriptions that are live locally, other than `exceptId`. */
function liveSubscriptionRows(db: Db, userId: number, exceptId: string): string[] {
  return db
    .select({ id: userSubscriptions.stripeSubscriptionId })
    .from(userSubscriptions)
    .where(and(eq(userSubscriptions.userId, userId), inArray(userSubscriptions.status, [...LIVE_STATUSES])))
    .all()
    .map((r) => r.id)
    .filter((id): id is string => !!id && id !== exceptId);
}

/**
 * In `apply`: a live subscription about to be recorded for a user who meanwhile got another
 * live one that `prepare` did not see. Answered 503 (NotReadyYet): Stripe retries, and the
 * retry's `prepare` undoes the second subscription.
 */
function otherLiveGuard(ctx: ApplyCtx, userId: number, subscription: Stripe.Subscription, checked: string[]): void {
  if (!isLive(subscription.status)) return;
  const others = liveSubscriptionRows(ctx.db, userId, subscription.id).filter((id) => !checked.includes(id));
  if (others.length > 0) {
    throw new NotReadyYet(`user #${userId} got another live subscription (${others.join(", ")}) while ${subscription.id} was being prepared`);
  }
}

const duplicateOutcome = (d: { attention: boolean; reason: string }): Outcome => (d.attention ? held(d.reason) : ignored(d.reason));

// ---------------------------------------------------------------------------------------------
// checkout.session.completed / checkout.session.async_payment_succeeded

type CheckoutPrepared =
  | { skip: string }
  | { contradicted: string }
  | { mode: "payment"; session: Stripe.Checkout.Session; charge: Stripe.Charge | null }
  | { duplicate: { attention: boolean; reason: string } }
  | {
      mode: "subscription";
      session: Stripe.Checkout.Session;
      subscription: Stripe.Subscription;
      price: Stripe.Price | null;
      checked: string[];
    };

export const checkoutCompleted: EventHandler<CheckoutPrepared> = {
  async prepare(stripe, event, ctx) {
    const body = event.data.object as Stripe.Checkout.Session;
    if (typeof body.id !== "string" || !body.id) return { skip: "the event carries no checkout session id" };
    // Everything below is read from the session as Stripe has it; the body only names it.
    const session = await stripe.checkout.sessions.retrieve(body.id, {
      expand: ["line_items", "line_items.data.price.product"],
    });
    if (session.mode === "payment") {
      if (session.payment_status !== "paid") {
        if (body.payment_status === "paid") {
          return { contradicted: contradiction(event, `Stripe has checkout session ${session.id} as ${session.payment_status}`) };
        }
        return { skip: `payment not completed yet (payment_status ${session.payment_status})` };
      }
      // A refund that was processed before this purchase existed is caught up from the charge.
      let charge: Stripe.Charge | null = null;
      const paymentIntentId = stripeId(session.payment_intent);
      if (paymentIntentId) {
        const pi = await stripe.paymentIntents.retrieve(paymentIntentId);
        const chargeId = stripeId(pi.latest_charge);
        if (chargeId) charge = await stripe.charges.retrieve(chargeId);
      }
      return { mode: "payment", session, charge };
    }
    if (session.mode === "subscription") {
      if (session.status !== "complete") {
        if (body.status === "complete") {
          return { contradicted: contradiction(event, `Stripe has checkout session ${session.id} as ${session.status}`) };
        }
        return { skip: `checkout not completed yet (status ${session.status})` };
      }
      const subscriptionId = stripeId(session.subscription);
      if (!subscriptionId) return { skip: "subscription checkout without a subscription" };
      const subscription = await retrieveSubscription(stripe, subscriptionId);
      const second = await settleSecondSubscription(ctx, stripe, subscription);
      if ("duplicate" in second) return second;
      const price = await (new PriceFetcher(stripe).get(subscription.items.data[0]?.price) ?? null);
      return { mode: "subscription", session, subscription, price, checked: second.checked };
    }
    return { skip: `checkout mode ${session.mode} is not used by this app` };
  },

  apply(ctx, prepared) {
    if ("skip" in prepared) return ignored(prepared.skip);
    if ("contradicted" in prepared) return held(prepared.contradicted);
    if ("duplicate" in prepared) return duplicateOutcome(prepared.duplicate);
    const { session } = prepared;
    const customerId = stripeId(session.customer as string | { id: string } | null);
    const userId = findUserId(ctx.db, {
      userIds: [session.metadata?.userId, session.client_reference_id],
      customerId,
    });
    if (prepared.mode === "subscription") {
      const resolved = resolveSubscriptionPlan(ctx, prepared.price);
      if ("hold" in resolved) return resolved.hold;
      if (userId === null) return held(`no user for checkout session ${session.id}`);
      otherLiveGuard(ctx, userId, prepared.subscription, prepared.checked);
      syncSubscriptionRow(ctx.db, ctx.clock, {
        userId,
        subscription: prepared.subscription,
        plan: resolved.plan,
        version: ctx.event.created,
      });
      linkStripeCustomer(ctx.db, ctx.clock, userId, customerId);
      return processed("subscription linked; its invoice grants the credits");
    }
    return applyTopupCheckout(ctx, prepared.session, prepared.charge, userId, customerId);
  },
};

function applyTopupCheckout(
  ctx: ApplyCtx,
  session: Stripe.Checkout.Session,
  charge: Stripe.Charge | null,
  userId: number | null,
  customerId: string | null,
): Outcome {
  const items = session.line_items?.data ?? [];
  if (items.length !== 1) return held(`checkout session ${session.id} has ${items.length} line items; expected one top-up pack`);
  const item = items[0];
  if (!item.price) return held(`checkout session ${session.id} has a line item without a price`);
  const resolved = resolvePlan(ctx, item.price);
  if (resolved.kind === "held") return held(resolved.reason);
  if (resolved.kind !== "topup") return held(`price ${item.price.id} is a subscription price, not a top-up pack`);
  if (userId === null) return held(`no user for checkout session ${session.id}`);

  const existing = ctx.db
    .select({ id: topupPurchases.id })
    .from(topupPurchases)
    .where(eq(topupPurchases.stripeCheckoutSessionId, session.id))
    .get();
  if (existing) return processed("already granted for this checkout session");

  const plan = resolved.plan;
  const quantity = Math.max(1, item.quantity ?? 1);
  const credits = plan.credits * quantity;
  if (!Number.isSafeInteger(credits)) return held(`credits overflow for ${quantity} × ${plan.credits}`);
  const now = ctx.clock.now();
  const purchase = ctx.db
    .insert(topupPurchases)
    .values({
      userId,
      planId: plan.id,
      stripeCheckoutSessionId: session.id,
      stripePaymentIntentId: stripeId(session.payment_intent),
      quantity,
      credits,
      amountPaidCents: session.amount_total ?? item.amount_total ?? 0,
      currency: session.currency ?? item.currency ?? plan.currency,
      status: "paid",
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .get();
  grantCredits(
    { db: ctx.db, clock: ctx.clock },
    {
      userId,
      type: "topup",
      source: "topup",
      amount: credits,
      effectiveAt: now,
      expiresAt: addDays(now, plan.creditExpiryDays),
      topupPurchaseId: purchase.id,
      reason: quantity > 1 ? `Top-up: ${plan.publicName} × ${quantity}` : `Top-up: ${plan.publicName}`,
      actor: STRIPE_ACTOR,
      metadata: { stripeCheckoutSessionId: session.id, stripeEventId: ctx.event.id },
    },
  );
  linkStripeCustomer(ctx.db, ctx.clock, userId, customerId);
  if (charge && charge.amount_refunded > 0) {
    applyTopupRefund(ctx, purchase, { amount: charge.amount, amountRefunded: charge.amount_refunded });
  }
  return processed();
}

// ---------------------------------------------------------------------------------------------
// customer.subscription.created / updated / deleted

type SubscriptionPrepared =
  | { duplicate: { attention: boolean; reason: string } }
  | { subscription: Stripe.Subscription; price: Stripe.Price | null; checked: string[] };

export const subscriptionChanged: EventHandler<SubscriptionPrepared> = {
  async prepare(stripe, event, ctx) {
    const payload = event.data.object as Stripe.Subscription;
    // The current state, not the event's snapshot: applying it is right in any delivery order.
    const subscription = await retrieveSubscription(stripe, payload.id, payload);
    const second = await settleSecondSubscription(ctx, stripe, subscription);
    if ("duplicate" in second) return second;
    const price = await (new PriceFetcher(stripe).get(subscription.items.data[0]?.price) ?? null);
    return { subscription, price, checked: second.checked };
  },

  apply(ctx, prepared) {
    if ("duplicate" in prepared) return duplicateOutcome(prepared.duplicate);
    const { subscription, price } = prepared;
    const customerId = stripeId(subscription.customer as string | { id: string } | null);
    const resolved = resolveSubscriptionPlan(ctx, price);
    if ("hold" in resolved) return resolved.hold;
    const userId = findUserId(ctx.db, {
      userIds: [subscription.metadata?.userId],
      customerId,
      subscriptionId: subscription.id,
    });
    if (userId === null) return held(`no user for subscription ${subscription.id}`);
    otherLiveGuard(ctx, userId, subscription, prepared.checked);
    syncSubscriptionRow(ctx.db, ctx.clock, { userId, subscription, plan: resolved.plan, version: ctx.event.created });
    linkStripeCustomer(ctx.db, ctx.clock, userId, customerId);
    return processed();
  },
};

// ---------------------------------------------------------------------------------------------
// invoice.paid

const GRANTING_REASONS = new Set(["subscription_create", "subscription_cycle", "subscription_update"]);

type InvoicePrepared =
  | { skip: string }
  | { contradicted: string }
  | { duplicate: { attention: boolean; reason: string } }
  | {
      invoice: Stripe.Invoice;
      subscription: Stripe.Subscription;
      subscriptionPrice: Stripe.Price | null;
      prices: Map<string, Stripe.Price>;
      checked: string[];
    };

const linePriceId = (line: Stripe.InvoiceLineItem): string | null => stripeId(line.pricing?.price_details?.price);
const isProration = (line: Stripe.InvoiceLineItem): boolean =>
  Boolean(line.parent?.subscription_item_details?.proration || line.parent?.invoice_item_details?.proration);

function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
  return stripeId(invoice.parent?.subscription_details?.subscription as string | { id: string } | null | undefined);
}

export const invoicePaid: EventHandler<InvoicePrepared> = {
  async prepare(stripe, event, ctx) {
    const body = event.data.object as Stripe.Invoice;
    if (typeof body.id !== "string" || !body.id) return { skip: "the event carries no invoice id" };
    // The invoice as Stripe has it: its status, billing reason, subscription and lines decide.
    const invoice = await stripe.invoices.retrieve(body.id);
    if (invoice.status !== "paid") {
      return { contradicted: contradiction(event, `Stripe has invoice ${invoice.id} as ${invoice.status ?? "without a status"}`) };
    }
    if (!invoice.billing_reason || !GRANTING_REASONS.has(invoice.billing_reason)) {
      return { skip: `billing_reason ${invoice.billing_reason ?? "none"} grants no credits` };
    }
    const subscriptionId = invoiceSubscriptionId(invoice);
    if (!subscriptionId) return { skip: "not a subscription invoice" };
    const fetcher = new PriceFetcher(stripe);
    const subscription = await retrieveSubscription(stripe, subscriptionId);
    const second = await settleSecondSubscription(ctx, stripe, subscription);
    if ("duplicate" in second) return second;
    const prices = new Map<string, Stripe.Price>();
    const ids = new Set<string>();
    for (const line of invoice.lines?.data ?? []) {
      const id = linePriceId(line);
      if (id) ids.add(id);
    }
    const previous = previousPriceId(invoice, subscription);
    if (previous) ids.add(previous);
    await Promise.all([...ids].map(async (id) => prices.set(id, await fetcher.get(id)!)));
    const subscriptionPrice = await (fetcher.get(subscription.items.data[0]?.price) ?? null);
    return { invoice, subscription, subscriptionPrice, prices, checked: second.checked };
  },

  apply(ctx, prepared) {
    if ("skip" in prepared) return ignored(prepared.skip);
    if ("contradicted" in prepared) return held(prepared.contradicted);
    if ("duplicate" in prepared) return duplicateOutcome(prepared.duplicate);
    const { invoice, subscription } = prepared;
    const customerId = stripeId(invoice.customer as string | { id: string } | null);
    const userId = findUserId(ctx.db, {
      userIds: [invoice.parent?.subscription_details?.metadata?.userId, subscription.metadata?.userId],
      customerId,
      subscriptionId: subscription.id,
    });
    const current = resolveSubscriptionPlan(ctx, prepared.subscriptionPrice);
    if ("hold" in current) return current.hold;
    if (userId === null) return held(`no user for subscription ${subscription.id}`);
    otherLiveGuard(ctx, userId, subscription, prepared.checked);

    const grant =
      invoice.billing_reason === "subscription_update"
        ? upgradeGrant(ctx, prepared)
        : periodGrant(ctx, prepared);
    if (grant.kind === "hold") return grant.outcome;

    const row = syncSubscriptionRow(ctx.db, ctx.clock, {
      userId,
      subscription,
      plan: current.plan,
      version: ctx.event.created,
    });
    linkStripeCustomer(ctx.db, ctx.clock, userId, customerId);

    const already = ctx.db
      .select({ id: creditGrants.id })
      .from(creditGrants)
      .where(eq(creditGrants.stripeInvoiceId, invoice.id))
      .get();
    if (already) return processed("already granted for this invoice");
    if (grant.kind === "none") return processed(grant.note);
    const now = ctx.clock.now();
    if (grant.expiresAt.getTime() <= now.getTime()) {
      // The customer paid but the credits would be born expired: hold it where admins look, so
      // someone decides (e.g. grants promotional credits) instead of it passing unseen.
      return held(
        `invoice ${invoice.id} was paid for a billing period that ended before it was processed, so its credits would already have expired; nothing was granted — grant credits by hand if the customer is owed them`,
      );
    }
    grantCredits(
      { db: ctx.db, clock: ctx.clock },
      {
        userId,
        type: "subscription",
        source: "subscription",
        amount: grant.amount,
        effectiveAt: now,
        expiresAt: grant.expiresAt,
        subscriptionId: row.id,
        stripeInvoiceId: invoice.id,
        reason: grant.reason,
        actor: STRIPE_ACTOR,
        metadata: { stripeInvoiceId: invoice.id, stripeEventId: ctx.event.id, billingReason: invoice.billing_reason },
      },
    );
    return processed(grant.note);
  },
};

type GrantingInvoice = Extract<InvoicePrepared, { invoice: Stripe.Invoice }>;

type GrantPlan =
  | { kind: "grant"; amount: number; expiresAt: Date; reason: string; note: string | null }
  | { kind: "none"; note: string }
  | { kind: "hold"; outcome: Outcome };

/** subscription_create / subscription_cycle: the plan's credits until the line's period ends. */
function periodGrant(ctx: ApplyCtx, prepared: GrantingInvoice): GrantPlan {
  const lines = prepared.invoice.lines?.data ?? [];
  const line = lines.find((l) => !isProration(l) && linePriceId(l)) ?? lines.find((l) => linePriceId(l));
  const price = line ? prepared.prices.get(linePriceId(line)!) ?? null : prepared.subscriptionPrice;
  const resolved = resolveSubscriptionPlan(ctx, price);
  if ("hold" in resolved) return { kind: "hold", outcome: resolved.hold };
  const plan = resolved.plan;
  const quantity = Math.max(1, line?.quantity ?? 1);
  const expiresAt = line?.period?.end ? new Date(line.period.end * 1000) : addDays(ctx.clock.now(), plan.creditExpiryDays);
  return {
    kind: "grant",
    amount: plan.credits * quantity,
    expiresAt,
    reason: `${plan.publicName} subscription credits`,
    note: null,
  };
}

/**
 * The old price of an upgrade: the credited ("unused time") proration line's price, else the
 * `upgradedFromPriceId` the app put on the subscription when it made the change.
 */
function previousPriceId(invoice: Stripe.Invoice, subscription: Stripe.Subscription): string | null {
  if (invoice.billing_reason !== "subscription_update") return null;
  const credited = (invoice.lines?.data ?? []).find((l) => l.amount < 0 && linePriceId(l));
  if (credited) return linePriceId(credited);
  const fromMeta =
    invoice.parent?.subscription_details?.metadata?.upgradedFromPriceId ?? subscription.metadata?.upgradedFromPriceId;
  return fromMeta || null;
}

/**
 * subscription_update (an upgrade): the difference between the plans' credits for the rest of the
 * period — (new plan credits − old plan credits) × the share of the period left when the change
 * was made, rounded to the nearest credit, expiring with the period. That is the share Stripe
 * charges in money, so an upgrade just before renewal (then a downgrade) buys no cheap credits,
 * and an upgrade right after subscribing grants the whole difference. A change to a plan with
 * fewer credits grants nothing (downgrades take effect at renewal).
 */
function upgradeGrant(ctx: ApplyCtx, prepared: GrantingInvoice): GrantPlan {
  const { invoice, subscription, prices } = prepared;
  const lines = invoice.lines?.data ?? [];
  const debit =
    lines.find((l) => l.amount > 0 && isProration(l) && linePriceId(l)) ?? lines.find((l) => l.amount > 0 && linePriceId(l));
  const newPrice = debit ? prices.get(linePriceId(debit)!) ?? null : prepared.subscriptionPrice;
  const resolvedNew = resolveSubscriptionPlan(ctx, newPrice);
  if ("hold" in resolvedNew) return { kind: "hold", outcome: resolvedNew.hold };
  const oldId = previousPriceId(invoice, subscription);
  const oldPrice = oldId ? prices.get(oldId) ?? null : null;
  if (!oldPrice) return { kind: "none", note: "the previous plan is unknown; no upgrade credits" };
  const resolvedOld = resolveSubscriptionPlan(ctx, oldPrice);
  if ("hold" in resolvedOld) return { kind: "hold", outcome: resolvedOld.hold };
  const newPlan = resolvedNew.plan;
  const oldPlan = resolvedOld.plan;
  const difference = newPlan.credits - oldPlan.credits;
  if (difference <= 0) return { kind: "none", note: "not an upgrade (no more credits); nothing granted" };

  const period = debit?.period ?? { start: invoice.created, end: subscription.items.data[0]?.current_period_end ?? 0 };
  const full = fullPeriod(ctx.db, subscription, period.end, newPlan);
  const length = Math.max(1, period.end - full.start);
  const left = Math.min(length, Math.max(0, period.end - Math.max(period.start, full.start)));
  const amount = mulDivRound(difference, left, length);
  if (amount <= 0 || period.end * 1000 <= ctx.clock.now().getTime()) {
    return { kind: "none", note: "no time left in the period; no upgrade credits" };
  }
  return {
    kind: "grant",
    amount,
    expiresAt: new Date(period.end * 1000),
    reason: `Upgrade from ${oldPlan.publicName} to ${newPlan.publicName} (rest of the period)`,
    note: null,
  };
}

/** The billing period (seconds) that ends at `end`: from Stripe, the local row, or the interval. */
function fullPeriod(db: Db, subscription: Stripe.Subscription, end: number, plan: SubscriptionPlan): { start: number } {
  const item = subscription.items.data[0];
  if (item && item.current_period_end === end) return { start: item.current_period_start };
  const row: UserSubscription | undefined = db
    .select()
    .from(userSubscriptions)
    .where(eq(userSubscriptions.stripeSubscriptionId, subscription.id))
    .get();
  if (row?.currentPeriodEnd && row.currentPeriodStart && Math.floor(row.currentPeriodEnd.getTime() / 1000) === end) {
    return { start: Math.floor(row.currentPeriodStart.getTime() / 1000) };
  }
  const start = new Date(end * 1000);
  if (plan.interval === "year") start.setUTCFullYear(start.getUTCFullYear() - 1);
  else start.setUTCMonth(start.getUTCMonth() - 1);
  return { start: Math.floor(start.getTime() / 1000) };
}

// ---------------------------------------------------------------------------------------------
// charge.refunded

/**
 * Thrown when an event must wait for another one the app has not applied yet: answered 503, so
 * Stripe delivers it again later (the event stays `received`).
 */
export class NotReadyYet extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotReadyYet";
  }
}

type RefundPrepared =
  | { contradicted: string }
  | { charge: Stripe.Charge; /** the payment is one of the app's top-ups (its payment intent carries topupPlanId) */ appTopup: boolean };

export const chargeRefunded: EventHandler<RefundPrepared> = {
  async prepare(stripe, event) {
    const body = event.data.object as Stripe.Charge;
    if (typeof body.id !== "string" || !body.id) throw new Error("charge.refunded without a charge id");
    // The charge as Stripe has it: its running amount_refunded decides what is removed.
    const charge = await stripe.charges.retrieve(body.id);
    if (typeof body.amount_refunded === "number" && body.amount_refunded > charge.amount_refunded) {
      return {
        contradicted: contradiction(event, `Stripe has charge ${charge.id} with ${charge.amount_refunded} refunded (the event said ${body.amount_refunded})`),
      };
    }
    const paymentIntentId = stripeId(charge.payment_intent);
    if (!paymentIntentId) return { charge, appTopup: false };
    try {
      const pi = await stripe.paymentIntents.retrieve(paymentIntentId);
      return { charge, appTopup: Boolean(pi.metadata?.topupPlanId) };
    } catch (e) {
      if (e instanceof Stripe.errors.StripeInvalidRequestError && e.statusCode === 404) return { charge, appTopup: false };
      throw e;
    }
  },
  apply(ctx, prepared) {
    if ("contradicted" in prepared) return held(prepared.contradicted);
    const { charge } = prepared;
    const paymentIntentId = stripeId(charge.payment_intent);
    if (!paymentIntentId) return ignored("charge without a payment intent");
    const purchase = ctx.db
      .select()
      .from(topupPurchases)
      .where(eq(topupPurchases.stripePaymentIntentId, paymentIntentId))
      .get();
    if (!purchase) {
      // One of our top-ups whose checkout event is not applied yet (or is being applied with a
      // charge read before this refund): wait for it rather than lose the refund.
      if (prepared.appTopup) throw new NotReadyYet(`the top-up purchase for ${paymentIntentId} is not recorded yet`);
      return ignored(`no top-up purchase for payment intent ${paymentIntentId}`); // e.g. a subscription invoice
    }
    const { removed, accounted } = applyTopupRefund(ctx, purchase, {
      amount: charge.amount,
      amountRefunded: charge.amount_refunded,
    });
    if (accounted === 0 && removed === 0) return processed("refund already applied");
    return processed(removed < accounted ? `removed ${removed} of ${accounted} credits (the rest were spent)` : null);
  },
};

// ---------------------------------------------------------------------------------------------

export const EVENT_HANDLERS: Record<string, EventHandler<unknown>> = {
  "checkout.session.completed": checkoutCompleted as EventHandler<unknown>,
  "checkout.session.async_payment_succeeded": checkoutCompleted as EventHandler<unknown>,
  "customer.subscription.created": subscriptionChanged as EventHandler<unknown>,
  "customer.subscription.updated": subscriptionChanged as EventHandler<unknown>,
  "customer.subscription.deleted": subscriptionChanged as EventHandler<unknown>,
  "invoice.paid": invoicePaid as EventHandler<unknown>,
  "charge.refunded": chargeRefunded as EventHandler<unknown>,
};

export const ignoredEvent: EventHandler<null> = {
  async prepare() {
    return null;
  },
  apply(ctx) {
    return ignored(`${ctx.event.type} is not used by this app`);
  },
};
