import { formatDateTime } from "../utils/format";
import type Stripe from "stripe";
import type { DbClock } from "../utils/context.server";
import type { StripeContext } from "../billing/context.server";
import { createPortalSession, startSubscriptionCheckout, startTopupCheckout } from "../billing/checkout.server";
import { findGrantBySource } from "../credits/index.server";
import { grantRefs } from "../billing/grant-refs";
import { getSubscriptionPlan } from "../plans/index.server";
import { AppError } from "../utils/errors";
import { getCurrentSubscription } from "../billing/subscription-state.server";
import {
  changeSubscriptionPlan,
  previewPlanChange,
  setCancelAtPeriodEnd,
  type PlanChangePreview,
} from "../billing/subscriptions.server";
import { stripeErrorToAppError } from "../billing/stripe-errors.server";

/** What a customer can do on the billing page (one form per intent). */
export type BillingAction =
  | { intent: "topup"; planId: number; quantity: number }
  | { intent: "subscribe"; planId: number }
  | { intent: "review-change"; planId: number }
  | { intent: "change-plan"; planId: number; prorationDate?: number }
  | { intent: "review-cancel" }
  | { intent: "cancel" }
  | { intent: "resume" }
  | { intent: "portal" };

export type BillingActionResult =
  | { redirectTo: string }
  | { message: string }
  | { review: PlanChangePreview }
  | { reviewCancel: { endsAt: string | null; planName: string | null } };

/** How long a confirmed upgrade waits for its invoice's credits (the webhook) before the page shows. */
const UPGRADE_CREDITS_WAIT_MS = 5000;

/**
 * Runs one billing-page action for a user. Stripe trouble becomes a service_unavailable AppError
 * (nothing was written locally), so the page can ask the customer to try again.
 */
export async function performBillingAction(
  ctx: Omit<StripeContext, "stripe">,
  stripe: Stripe,
  userId: number,
  action: BillingAction,
): Promise<BillingActionResult> {
  try {
    switch (action.intent) {
      case "topup":
        return {
          redirectTo: (
            await startTopupCheckout(ctx, stripe, { userId, planId: action.planId, quantity: action.quantity })
          ).url,
        };
      case "subscribe":
        return { redirectTo: (await startSubscriptionCheckout(ctx, stripe, { userId, planId: action.planId })).url };
      case "portal":
        return { redirectTo: (await createPortalSession(ctx, stripe, userId)).url };
      case "review-change":
        return { review: await previewPlanChange(ctx, stripe, { userId, planId: action.planId }) };
      case "review-cancel": {
        const row = getCurrentSubscription(ctx.db, userId);
        if (!row || !["active", "trialing", "past_due"].includes(row.status)) {
          throw new AppError("conflict", "You have no active subscription.");
        }
        const plan = row.planId ? getSubscriptionPlan(ctx.db, row.planId) : undefined;
        return {
          reviewCancel: { endsAt: row.currentPeriodEnd?.toISOString() ?? null, planName: plan?.publicName ?? null },
        };
      }
      case "change-plan": {
        const { change, subscription, invoiceId } = await changeSubscriptionPlan(ctx, stripe, {
          userId,
          planId: action.planId,
          prorationDate: action.prorationDate,
        });
        const when = subscription.currentPeriodEnd
          ? ` on ${formatDateTime(subscription.currentPeriodEnd)}`
          : " at renewal";
        // The page after an upgrade shows the new balance: wait (briefly) for the webhook's grant.
        const granted =
          change === "upgraded" && invoiceId
            ? await waitForInvoiceGrant(ctx, invoiceId, UPGRADE_CREDITS_WAIT_MS)
            : null;
        return {
          message:
            change === "upgraded"
              ? granted
                ? "Upgraded. The difference was charged and the extra credits were added to your balance."
                : "Upgraded. The difference is charged now and the extra credits arrive in a moment."
              : change === "downgrade_scheduled"
                ? `Your plan changes at renewal${when}; until then you keep your current plan.`
                : "The scheduled plan change was canceled; you stay on your current plan.",
        };
      }
      case "cancel":
        await setCancelAtPeriodEnd(ctx, stripe, { userId, cancel: true });
        return {
          message: "Your subscription ends at the end of the current period. Your credits stay until they expire.",
        };
      case "resume":
        await setCancelAtPeriodEnd(ctx, stripe, { userId, cancel: false });
        return { message: "Your subscription continues; it renews as usual." };
    }
  } catch (e) {
    throw stripeErrorToAppError(e);
  }
}

/**
 * The grant an invoice produced, once the webhook has applied it; polls the database (the webhook
 * commits in its own request) until `timeoutMs`, then null — the page then says the credits follow.
 */
async function waitForInvoiceGrant(
  ctx: DbClock,
  invoiceId: string,
  timeoutMs: number,
): Promise<{ grantId: number } | null> {
  const deadlineMs = Date.now() + timeoutMs;
  for (;;) {
    const grant = findGrantBySource(ctx, grantRefs.invoice(invoiceId));
    if (grant) return { grantId: grant.id };
    if (Date.now() >= deadlineMs) return null;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
