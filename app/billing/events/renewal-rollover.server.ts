import { rollOverCredits } from "../../credits/index.server";
import type { SubscriptionPlan } from "../../plans/index.server";
import { grantRefs } from "../grant-refs";
import { type ApplyCtx, STRIPE_ACTOR } from "./shared.server";
import { formatDate } from "../../utils/format";

/**
 * At a renewal (`subscription_cycle` invoice), before the new period's credits are granted: the
 * renewing plan's rollover terms carry the ending period's unused subscription credits into the
 * new period (app/credits/rollover.server.ts). The plan is the one the renewal bills, so a
 * downgrade to a plan without rollover rolls nothing. Once per invoice (its id is the key).
 */
export function rollOverAtRenewal(
  ctx: ApplyCtx,
  p: {
    userId: number;
    /** user_subscriptions.id */
    subscriptionId: number;
    invoiceId: string;
    plan: SubscriptionPlan;
    /** Start of the new period = end of the one that ends. */
    periodStart: Date;
    /** End of the new period. */
    periodEnd: Date;
  },
): void {
  if (p.plan.rolloverPercent <= 0 || p.periodEnd.getTime() <= p.periodStart.getTime()) return;
  rollOverCredits(ctx, {
    userId: p.userId,
    groupRef: grantRefs.subscription(p.subscriptionId),
    renewalKey: `invoice:${p.invoiceId}`,
    periodEnd: p.periodStart,
    newPeriodEnd: p.periodEnd,
    percent: p.plan.rolloverPercent,
    maxCredits: p.plan.rolloverMaxCredits,
    fromLabel: `${p.plan.publicName} (period ending ${formatDate(p.periodStart)})`,
    actor: STRIPE_ACTOR,
  });
}
