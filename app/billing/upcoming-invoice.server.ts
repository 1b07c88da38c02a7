/**
 * The customer's next invoice, from Stripe's upcoming-invoice preview (the same
 * `invoices.createPreview` the plan-change review uses, without a change). A page shows it, so it
 * fails soft: when Stripe cannot answer quickly the page still renders and says so.
 */
import type Stripe from "stripe";
import type { DbClock } from "../utils/context.server";
import { log } from "../utils/log.server";
import { getCurrentSubscription, LIVE_STATUSES } from "./subscription-state.server";

export type NextInvoice =
  { available: true; amountDueCents: number; currency: string; date: string } | { available: false };

/** Short, and no retries: the page waits for this answer. */
const PREVIEW_TIMEOUT_MS = 4_000;

/** The next invoice of the user's live subscription; null when none comes (no subscription, or it ends). */
export async function previewNextInvoice(ctx: DbClock, stripe: Stripe, userId: number): Promise<NextInvoice | null> {
  const row = getCurrentSubscription(ctx.db, userId);
  if (!row || !LIVE_STATUSES.includes(row.status) || row.cancelAtPeriodEnd) return null;
  try {
    const preview = await stripe.invoices.createPreview(
      { subscription: row.stripeSubscriptionId },
      { timeout: PREVIEW_TIMEOUT_MS, maxNetworkRetries: 0 },
    );
    // Stripe finalizes the next invoice when the current period ends (its preview's period_end).
    const at = preview.next_payment_attempt ?? preview.period_end;
    return {
      available: true,
      amountDueCents: preview.amount_due,
      currency: preview.currency,
      date: new Date(at * 1000).toISOString(),
    };
  } catch (e) {
    log.warn("upcoming invoice preview failed", { userId, error: e instanceof Error ? e.message : String(e) });
    return { available: false };
  }
}
