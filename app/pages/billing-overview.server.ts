import type { DbClock } from "../utils/context.server";
import { getBalance, type BalanceView } from "../credits/index.server";
import {
  listPayments,
  listSubscriptionHistory,
  type PaymentView,
  type SubscriptionHistoryEntry,
} from "../billing/history.server";
import { getCurrentSubscription, LIVE_STATUSES, type UserSubscription } from "../billing/subscription-state.server";
import { getSubscriptionPlan, listOfferedPlans, type SubscriptionPlan, type TopupPlan } from "../plans/index.server";
import { getCustomerWarnings, type CustomerWarnings } from "./customer-warnings.server";

/** The customer's subscription as the billing and credits pages show it. */
interface SubscriptionView {
  id: number;
  status: UserSubscription["status"];
  live: boolean;
  plan: SubscriptionPlan | null;
  pendingPlan: SubscriptionPlan | null;
  currentPeriodStart: string | null;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: string | null;
}

export interface BillingOverview {
  subscription: SubscriptionView | null;
  offeredSubscriptionPlans: SubscriptionPlan[];
  offeredTopupPlans: TopupPlan[];
  balance: BalanceView;
  payments: PaymentView[];
  subscriptionHistory: SubscriptionHistoryEntry[];
  warnings: CustomerWarnings;
}

/** Everything the billing page's loader renders (the credits page uses its balance, subscription and warnings). */
export function getBillingOverview(ctx: DbClock, userId: number): BillingOverview {
  const balance = getBalance(ctx, userId);
  const row = getCurrentSubscription(ctx.db, userId);
  const offered = listOfferedPlans(ctx.db);
  return {
    subscription: row
      ? {
          id: row.id,
          status: row.status,
          live: LIVE_STATUSES.includes(row.status),
          plan: row.planId ? (getSubscriptionPlan(ctx.db, row.planId) ?? null) : null,
          pendingPlan: row.pendingPlanId ? (getSubscriptionPlan(ctx.db, row.pendingPlanId) ?? null) : null,
          currentPeriodStart: row.currentPeriodStart?.toISOString() ?? null,
          currentPeriodEnd: row.currentPeriodEnd?.toISOString() ?? null,
          cancelAtPeriodEnd: row.cancelAtPeriodEnd,
          canceledAt: row.canceledAt?.toISOString() ?? null,
        }
      : null,
    offeredSubscriptionPlans: offered.subscriptionPlans,
    offeredTopupPlans: offered.topupPlans,
    balance,
    payments: listPayments(ctx, userId),
    subscriptionHistory: listSubscriptionHistory(ctx, userId),
    warnings: getCustomerWarnings(ctx, userId, balance),
  };
}
