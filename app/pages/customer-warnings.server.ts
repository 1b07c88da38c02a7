import type { DbClock } from "../utils/context.server";
import { getUserById } from "../auth/users.server";
import { creditsConfig, type BalanceView } from "../credits/index.server";
import { latestFailedPayment } from "../billing/history.server";
import { getCurrentSubscription, LIVE_STATUSES } from "../billing/subscription-state.server";

/*
 * The warnings the credits and billing pages show a customer before something is lost: credits
 * that expire within EXPIRING_SOON_DAYS (the setting credits.expiring_soon uses, through
 * creditsConfig), a balance below their low-balance threshold, and a subscription payment that failed.
 */

const DAY_MS = 86_400_000;

interface ExpiringCredits {
  amount: number;
  type: "subscription" | "topup" | "promotional";
  expiresAt: string;
  /** Whole days from now, rounded ("in 3 days"); 0 = within a day. */
  inDays: number;
}

export interface CustomerWarnings {
  expiringSoon: ExpiringCredits[];
  lowBalance: { balance: number; threshold: number } | null;
  failedPayment: {
    amountCents: number;
    currency: string;
    description: string;
    url: string | null;
    createdAt: string;
  } | null;
  /** The subscription waits for a new card (past_due, unpaid): the portal fixes it. */
  subscriptionNeedsPayment: boolean;
}

/** The user's low-balance threshold: their own, else LOW_BALANCE_THRESHOLD (creditsConfig, default 100); 0 = off. */
function lowBalanceThreshold(ctx: DbClock, userId: number): number {
  return getUserById(ctx.db, userId)?.lowBalanceThreshold ?? creditsConfig(ctx).lowBalanceThreshold;
}

export function getCustomerWarnings(
  ctx: DbClock,
  userId: number,
  balance: Pick<BalanceView, "balance" | "grants">,
): CustomerWarnings {
  const nowMs = ctx.clock.now().getTime();
  const horizonMs = nowMs + creditsConfig(ctx).expiringSoonDays * DAY_MS;
  const expiringSoon = balance.grants
    .filter((g) => g.remaining > 0 && g.expiresAt !== null && Date.parse(g.expiresAt) <= horizonMs)
    .map((g) => ({
      amount: g.remaining,
      type: g.type,
      expiresAt: g.expiresAt!,
      inDays: Math.round((Date.parse(g.expiresAt!) - nowMs) / DAY_MS),
    }))
    .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
  const threshold = lowBalanceThreshold(ctx, userId);
  const subscription = getCurrentSubscription(ctx.db, userId);
  const live = subscription && LIVE_STATUSES.includes(subscription.status);
  const failed = live ? latestFailedPayment(ctx, userId) : null;
  return {
    expiringSoon,
    lowBalance: threshold > 0 && balance.balance < threshold ? { balance: balance.balance, threshold } : null,
    failedPayment: failed
      ? {
          amountCents: failed.amountCents,
          currency: failed.currency,
          description: failed.description,
          url: failed.url,
          createdAt: failed.createdAt,
        }
      : null,
    subscriptionNeedsPayment: Boolean(live && ["past_due", "unpaid"].includes(subscription!.status)),
  };
}
