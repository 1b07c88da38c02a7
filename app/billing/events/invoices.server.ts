import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import type { Db } from "../../../db/client";
import { userSubscriptions } from "../../../db/schema";
import { findGrantBySource, grantCredits } from "../../credits/index.server";
import type { SubscriptionPlan } from "../../plans/index.server";
import { addDays } from "../../utils/clock";
import { grantRefs } from "../grant-refs";
import { linkStripeCustomer, stripeId, syncSubscriptionRow, type UserSubscription } from "../subscription-state.server";
import {
  type ApplyCtx,
  type Outcome,
  type EventHandler,
  processed,
  ignored,
  held,
  STRIPE_ACTOR,
  contradiction,
  findUserId,
  resolveSubscriptionPlan,
  PriceFetcher,
  retrieveSubscription,
} from "./shared.server";
import { proratedCredits } from "../proration";
import { duplicateOutcome, otherLiveGuard, settleSecondSubscription } from "./one-subscription.server";
import { rollOverAtRenewal } from "./renewal-rollover.server";

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
      return {
        contradicted: contradiction(
          event,
          `Stripe has invoice ${invoice.id} as ${invoice.status ?? "without a status"}`,
        ),
      };
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
      invoice.billing_reason === "subscription_update" ? upgradeGrant(ctx, prepared) : periodGrant(ctx, prepared);
    if (grant.kind === "hold") return grant.outcome;

    const row = syncSubscriptionRow(ctx, {
      userId,
      subscription,
      plan: current.plan,
      version: ctx.event.created,
    });
    linkStripeCustomer(ctx, userId, customerId);

    const already = findGrantBySource(ctx, grantRefs.invoice(invoice.id));
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
    if (invoice.billing_reason === "subscription_cycle" && grant.rollover) {
      rollOverAtRenewal(ctx, {
        userId,
        subscriptionId: row.id,
        invoiceId: invoice.id,
        ...grant.rollover,
        periodEnd: grant.expiresAt,
      });
    }
    grantCredits(ctx, {
      userId,
      type: "subscription",
      source: "subscription",
      amount: grant.amount,
      effectiveAt: now,
      expiresAt: grant.expiresAt,
      sourceRef: grantRefs.invoice(invoice.id),
      groupRef: grantRefs.subscription(row.id),
      reason: grant.reason,
      actor: STRIPE_ACTOR,
      metadata: { stripeInvoiceId: invoice.id, stripeEventId: ctx.event.id, billingReason: invoice.billing_reason },
    });
    return processed(grant.note);
  },
};

type GrantingInvoice = Extract<InvoicePrepared, { invoice: Stripe.Invoice }>;

type GrantPlan =
  | {
      kind: "grant";
      amount: number;
      expiresAt: Date;
      reason: string;
      note: string | null;
      /** A renewal's plan and period start, for rolling over the ending period's credits. */
      rollover?: { plan: SubscriptionPlan; periodStart: Date };
    }
  | { kind: "none"; note: string }
  | { kind: "hold"; outcome: Outcome };

/** subscription_create / subscription_cycle: the plan's credits until the line's period ends. */
function periodGrant(ctx: ApplyCtx, prepared: GrantingInvoice): GrantPlan {
  const lines = prepared.invoice.lines?.data ?? [];
  const line = lines.find((l) => !isProration(l) && linePriceId(l)) ?? lines.find((l) => linePriceId(l));
  const price = line ? (prepared.prices.get(linePriceId(line)!) ?? null) : prepared.subscriptionPrice;
  const resolved = resolveSubscriptionPlan(ctx, price);
  if ("hold" in resolved) return { kind: "hold", outcome: resolved.hold };
  const plan = resolved.plan;
  const quantity = Math.max(1, line?.quantity ?? 1);
  const expiresAt = line?.period?.end
    ? new Date(line.period.end * 1000)
    : addDays(ctx.clock.now(), plan.creditExpiryDays);
  return {
    kind: "grant",
    amount: plan.credits * quantity,
    expiresAt,
    reason: `${plan.publicName} subscription credits`,
    note: null,
    rollover: line?.period?.start ? { plan, periodStart: new Date(line.period.start * 1000) } : undefined,
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
    lines.find((l) => l.amount > 0 && isProration(l) && linePriceId(l)) ??
    lines.find((l) => l.amount > 0 && linePriceId(l));
  const newPrice = debit ? (prices.get(linePriceId(debit)!) ?? null) : prepared.subscriptionPrice;
  const resolvedNew = resolveSubscriptionPlan(ctx, newPrice);
  if ("hold" in resolvedNew) return { kind: "hold", outcome: resolvedNew.hold };
  const oldId = previousPriceId(invoice, subscription);
  const oldPrice = oldId ? (prices.get(oldId) ?? null) : null;
  if (!oldPrice) return { kind: "none", note: "the previous plan is unknown; no upgrade credits" };
  const resolvedOld = resolveSubscriptionPlan(ctx, oldPrice);
  if ("hold" in resolvedOld) return { kind: "hold", outcome: resolvedOld.hold };
  const newPlan = resolvedNew.plan;
  const oldPlan = resolvedOld.plan;
  const difference = newPlan.credits - oldPlan.credits;
  if (difference <= 0) return { kind: "none", note: "not an upgrade (no more credits); nothing granted" };

  const period = debit?.period ?? { start: invoice.created, end: subscription.items.data[0]?.current_period_end ?? 0 };
  const full = fullPeriod(ctx.db, subscription, period.end, newPlan);
  const amount = proratedCredits(difference, { start: full.start, end: period.end }, period.start);
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
