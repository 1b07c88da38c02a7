import type Stripe from "stripe";
import type { Db } from "../../db/client";
import { getSubscriptionPlan, type SubscriptionPlan } from "../plans/index.server";
import { AppError } from "../utils/errors";
import {
  getCurrentSubscription,
  stripeId,
  syncSubscriptionRow,
  type UserSubscription,
} from "./subscription-state.server";
import { proratedCredits } from "./proration";
import type { DbClock } from "../utils/context.server";
import { writeTransaction } from "../../db/transaction";

/*
 * Managing a subscription from the billing page. Each action calls Stripe first and then copies
 * the subscription Stripe returned into user_subscriptions in one short transaction; the webhook
 * events that follow apply the same state again (harmlessly) and grant the credits.
 *
 * - Upgrade (more credits): takes effect now. Stripe prorates the money
 *   (proration_behavior "always_invoice") and the paid `subscription_update` invoice grants the
 *   extra credits for the rest of the period (event-handlers.server.ts).
 * - Downgrade (fewer or equal credits): takes effect at renewal. The Stripe price is switched now
 *   with proration_behavior "none", so nothing is billed or refunded; the renewal invoice bills
 *   and grants the new plan. Until then it shows as pending (pendingPlanId).
 * - Choosing the current plan while a downgrade is pending cancels the downgrade.
 * - Cancel = cancel at period end; resume undoes that.
 * Plans can only change within the same billing interval (month ↔ month, year ↔ year).
 */

/** Statuses in which the plan can be changed or the subscription canceled. */
const MANAGEABLE: readonly string[] = ["active", "trialing", "past_due"];

function manageableSubscription(db: Db, userId: number): { row: UserSubscription; plan: SubscriptionPlan } {
  const row = getCurrentSubscription(db, userId);
  if (!row || !MANAGEABLE.includes(row.status)) {
    throw new AppError("conflict", "You have no active subscription.");
  }
  const plan = row.planId ? getSubscriptionPlan(db, row.planId) : undefined;
  if (!plan) throw new AppError("conflict", "Your subscription's plan is not known yet; try again in a moment.");
  return { row, plan };
}

function applyReturned(ctx: DbClock, userId: number, sub: Stripe.Subscription, plan: SubscriptionPlan) {
  return writeTransaction(ctx.db, () => syncSubscriptionRow(ctx, { userId, subscription: sub, plan, version: null }));
}

export type PlanChange = "upgraded" | "downgrade_scheduled" | "downgrade_canceled";

/** The change choosing `planId` would make, or an AppError saying why it cannot be chosen. */
function checkPlanChange(
  db: Db,
  input: { userId: number; planId: number },
): {
  row: UserSubscription;
  current: SubscriptionPlan;
  target: SubscriptionPlan;
  kind: "upgrade" | "downgrade" | "keep";
} {
  const { row, plan: current } = manageableSubscription(db, input.userId);
  const target = getSubscriptionPlan(db, input.planId);
  if (!target) throw new AppError("invalid_request", "Choose a plan.", { field: "planId" });
  if (target.id === current.id) {
    if (row.pendingPlanId === null)
      throw new AppError("conflict", "You are already on this plan.", { field: "planId" });
    return { row, current, target, kind: "keep" };
  }
  if (!target.isActive || target.isLegacy || target.archivedAt || !target.stripePriceId) {
    throw new AppError("invalid_request", "This plan is not on sale.", { field: "planId" });
  }
  if (target.interval !== current.interval) {
    throw new AppError(
      "invalid_request",
      `Plans can only change within the same billing interval (${current.interval}ly).`,
      { field: "planId" },
    );
  }
  if (row.cancelAtPeriodEnd) {
    throw new AppError("conflict", "Your subscription ends at the period end; resume it to change plans.");
  }
  return { row, current, target, kind: target.credits > current.credits ? "upgrade" : "downgrade" };
}

/** How old a preview may be when its change is confirmed (its prices are prorated to that moment). */
const PREVIEW_MAX_AGE_SECONDS = 30 * 60;

export interface PlanChangePreview {
  kind: "upgrade" | "downgrade" | "keep";
  current: SubscriptionPlan;
  target: SubscriptionPlan;
  /** Charged when the change is confirmed (an upgrade's prorated difference; 0 otherwise). */
  amountNowCents: number;
  /** Charged at the next renewal, with the change made. */
  amountAtRenewalCents: number;
  currency: string;
  /** The credits the change brings now (an upgrade's share of the difference), and each period from renewal. */
  creditsNow: number;
  creditsPerPeriod: number;
  renewsAt: string | null;
  /** Unix seconds the amounts are prorated to; the confirmation sends it back (Stripe's proration_date). */
  prorationDate: number;
}

const isProration = (l: Stripe.InvoiceLineItem) => Boolean(l.parent?.subscription_item_details?.proration);

/**
 * What a plan change will cost, from Stripe's invoice preview: an upgrade's proration lines are
 * charged at once (minus any credit on the customer's balance), the rest of the preview is the
 * renewal at the new price. Confirming with the same `prorationDate` makes Stripe charge exactly
 * the previewed amount.
 */
export async function previewPlanChange(
  ctx: DbClock,
  stripe: Stripe,
  input: { userId: number; planId: number },
): Promise<PlanChangePreview> {
  const { row, current, target, kind } = checkPlanChange(ctx.db, input);
  const sub = await stripe.subscriptions.retrieve(row.stripeSubscriptionId);
  const item = sub.items.data[0];
  const prorationDate = Math.floor(ctx.clock.now().getTime() / 1000);
  // Stripe accepts a proration date only inside the current period (a test clock can put the
  // period ahead of the wall clock); outside it, Stripe prorates from now as the update will.
  const inPeriod = prorationDate >= item.current_period_start && prorationDate < item.current_period_end;
  const priceId = (kind === "keep" ? current.stripePriceId : target.stripePriceId) ?? "";
  const preview = await stripe.invoices.createPreview({
    customer: typeof sub.customer === "string" ? sub.customer : sub.customer.id,
    subscription: sub.id,
    subscription_details:
      kind === "upgrade"
        ? {
            items: [{ id: item.id, price: priceId }],
            proration_behavior: "create_prorations",
            ...(inPeriod ? { proration_date: prorationDate } : {}),
          }
        : { items: [{ id: item.id, price: priceId }], proration_behavior: "none" },
  });
  const lines = preview.lines?.data ?? [];
  const prorated = lines.filter(isProration).reduce((sum, l) => sum + l.amount, 0);
  const renewal = lines.filter((l) => !isProration(l)).reduce((sum, l) => sum + l.amount, 0);
  const balance = Math.min(0, preview.starting_balance ?? 0);
  let creditsNow = 0;
  if (kind === "upgrade") {
    // As the upgrade invoice grants them (upgradeGrant in events/invoices.server.ts).
    const period = { start: item.current_period_start, end: item.current_period_end };
    creditsNow = proratedCredits(target.credits - current.credits, period, prorationDate);
  }
  return {
    kind,
    current,
    target,
    amountNowCents: kind === "upgrade" ? Math.max(0, prorated + balance) : 0,
    amountAtRenewalCents: renewal,
    currency: preview.currency,
    creditsNow,
    creditsPerPeriod: kind === "keep" ? current.credits : target.credits,
    renewsAt: item.current_period_end ? new Date(item.current_period_end * 1000).toISOString() : null,
    prorationDate,
  };
}

export async function changeSubscriptionPlan(
  ctx: DbClock,
  stripe: Stripe,
  input: { userId: number; planId: number; prorationDate?: number },
): Promise<{ change: PlanChange; subscription: UserSubscription; invoiceId: string | null }> {
  const { row, current, target, kind } = checkPlanChange(ctx.db, input);

  if (kind === "keep") {
    const sub = await stripe.subscriptions.retrieve(row.stripeSubscriptionId);
    const updated = await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0].id, price: current.stripePriceId! }],
      proration_behavior: "none",
    });
    return {
      change: "downgrade_canceled",
      subscription: applyReturned(ctx, input.userId, updated, current),
      invoiceId: null,
    };
  }
  const nowSeconds = Math.floor(ctx.clock.now().getTime() / 1000);
  if (
    input.prorationDate !== undefined &&
    (input.prorationDate > nowSeconds || input.prorationDate < nowSeconds - PREVIEW_MAX_AGE_SECONDS)
  ) {
    throw new AppError("conflict", "That price preview is out of date; review the change again.");
  }

  let sub = await stripe.subscriptions.retrieve(row.stripeSubscriptionId);
  const itemId = sub.items.data[0].id;
  if (target.credits > current.credits) {
    // Another request (a double click, a second tab) already moved Stripe to this plan: done.
    if (sub.items.data[0].price.id === target.stripePriceId) {
      return {
        change: "upgraded",
        subscription: applyReturned(ctx, input.userId, sub, target),
        invoiceId: stripeId(sub.latest_invoice),
      };
    }
    // Only a pending downgrade switched Stripe's price away from the plan paid for; switch it back
    // first so the upgrade is prorated against that plan.
    if (row.pendingPlanId !== null && current.stripePriceId && sub.items.data[0].price.id !== current.stripePriceId) {
      sub = await stripe.subscriptions.update(sub.id, {
        items: [{ id: itemId, price: current.stripePriceId }],
        proration_behavior: "none",
      });
    }
    // The key names this change from this state of the subscription: two requests racing from the
    // same state make one prorated invoice (Stripe answers the second with the first's result).
    // The preview's proration date, when the change was previewed, so the charge is what was shown.
    const prorationDate =
      input.prorationDate !== undefined &&
      input.prorationDate >= sub.items.data[0].current_period_start &&
      input.prorationDate < sub.items.data[0].current_period_end
        ? input.prorationDate
        : undefined;
    const updated = await stripe.subscriptions.update(
      sub.id,
      {
        items: [{ id: itemId, price: target.stripePriceId! }],
        proration_behavior: "always_invoice",
        ...(prorationDate !== undefined ? { proration_date: prorationDate } : {}),
        metadata: { ...sub.metadata, userId: String(input.userId), upgradedFromPriceId: current.stripePriceId ?? "" },
      },
      {
        idempotencyKey: `upgrade:${sub.id}:${current.id}-${target.id}:${row.updatedAt.getTime()}:${prorationDate ?? ""}`,
      },
    );
    return {
      change: "upgraded",
      subscription: applyReturned(ctx, input.userId, updated, target),
      invoiceId: stripeId(updated.latest_invoice),
    };
  }

  const updated = await stripe.subscriptions.update(sub.id, {
    items: [{ id: itemId, price: target.stripePriceId! }],
    proration_behavior: "none",
  });
  return {
    change: "downgrade_scheduled",
    subscription: applyReturned(ctx, input.userId, updated, target),
    invoiceId: null,
  };
}

export async function setCancelAtPeriodEnd(
  ctx: DbClock,
  stripe: Stripe,
  input: { userId: number; cancel: boolean },
): Promise<UserSubscription> {
  const { row } = manageableSubscription(ctx.db, input.userId);
  if (row.cancelAtPeriodEnd === input.cancel) return row;
  const updated = await stripe.subscriptions.update(row.stripeSubscriptionId, {
    cancel_at_period_end: input.cancel,
  });
  return applyReturned(ctx, input.userId, updated, planOfSubscription(ctx.db, updated, row));
}

/** The local plan of a subscription's Stripe price (known: the app created or synced it). */
function planOfSubscription(db: Db, sub: Stripe.Subscription, row: UserSubscription): SubscriptionPlan {
  const priceId = sub.items.data[0]?.price?.id;
  const candidates = [row.pendingPlanId, row.planId].filter((id): id is number => id !== null);
  for (const id of candidates) {
    const plan = getSubscriptionPlan(db, id);
    if (plan && plan.stripePriceId === priceId) return plan;
  }
  const plan = row.planId ? getSubscriptionPlan(db, row.planId) : undefined;
  if (!plan) throw new AppError("conflict", "Your subscription's plan is not known yet; try again in a moment.");
  return plan;
}
