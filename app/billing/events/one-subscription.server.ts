import { and, eq, inArray } from "drizzle-orm";
import type Stripe from "stripe";
import type { Db } from "../../../db/client";
import { userSubscriptions } from "../../../db/schema";
import { LIVE_STATUSES, stripeId } from "../subscription-state.server";
import type { DbClock } from "../../utils/context.server";
import {
  type ApplyCtx,
  type Outcome,
  ignored,
  held,
  findUserId,
  retrieveSubscription,
  NotReadyYet,
} from "./shared.server";

// ---------------------------------------------------------------------------------------------
// One subscription per customer

/** Put in cancellation_details.comment of a subscription this app undid as a customer's second one. */
const DUPLICATE_COMMENT = "credit-billing: second live subscription; the customer keeps ";

export type DuplicateCheck =
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
export async function settleSecondSubscription(
  ctx: DbClock,
  stripe: Stripe,
  subscription: Stripe.Subscription,
): Promise<DuplicateCheck> {
  const comment = subscription.cancellation_details?.comment ?? "";
  let keptId: string | null = comment.startsWith(DUPLICATE_COMMENT) ? comment.slice(DUPLICATE_COMMENT.length) : null;
  let canceledNow = false;
  const customerId = stripeId(subscription.customer as string | { id: string } | null);
  const userId = findUserId(ctx.db, {
    userIds: [subscription.metadata?.userId],
    customerId,
    subscriptionId: subscription.id,
  });
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
export function otherLiveGuard(
  ctx: ApplyCtx,
  userId: number,
  subscription: Stripe.Subscription,
  checked: string[],
): void {
  if (!isLive(subscription.status)) return;
  const others = liveSubscriptionRows(ctx.db, userId, subscription.id).filter((id) => !checked.includes(id));
  if (others.length > 0) {
    throw new NotReadyYet(
      `user #${userId} got another live subscription (${others.join(", ")}) while ${subscription.id} was being prepared`,
    );
  }
}

export const duplicateOutcome = (d: { attention: boolean; reason: string }): Outcome =>
  d.attention ? held(d.reason) : ignored(d.reason);
