import { formatDateTime } from "../utils/format";
import type Stripe from "stripe";
import type { DomainCtx } from "../utils/context.server";
import { createPortalSession, startSubscriptionCheckout, startTopupCheckout } from "./checkout.server";
import { changeSubscriptionPlan, setCancelAtPeriodEnd } from "./subscriptions.server";
import { stripeErrorToAppError } from "./stripe-errors.server";

/** What a customer can do on the billing page (one form per intent). */
export type BillingAction =
  | { intent: "topup"; planId: number; quantity: number }
  | { intent: "subscribe"; planId: number }
  | { intent: "change-plan"; planId: number }
  | { intent: "cancel" }
  | { intent: "resume" }
  | { intent: "portal" };

export type BillingActionResult = { redirectTo: string } | { message: string };

/**
 * Runs one billing-page action for a user. Stripe trouble becomes a service_unavailable AppError
 * (nothing was written locally), so the page can ask the customer to try again.
 */
export async function performBillingAction(
  ctx: DomainCtx & { appUrl: string },
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
      case "change-plan": {
        const { change, subscription } = await changeSubscriptionPlan(ctx, stripe, { userId, planId: action.planId });
        const when = subscription.currentPeriodEnd
          ? ` on ${formatDateTime(subscription.currentPeriodEnd)}`
          : " at renewal";
        return {
          message:
            change === "upgraded"
              ? "Upgraded. The difference is charged now and the extra credits arrive in a moment."
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
