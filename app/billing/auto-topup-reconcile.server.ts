/**
 * Reconciliation of auto top-up attempts whose webhook never came. An attempt is `processing` from
 * the moment Stripe took its off-session PaymentIntent until `payment_intent.succeeded` (or
 * `…payment_failed`) arrives; while it is open no other attempt can start. A lost event would
 * leave it open for ever, so the auto top-up worker asks Stripe about attempts open longer than
 * `RECONCILE_AFTER_MS` and applies what Stripe has through the webhook's own functions:
 *
 * - `succeeded` → applyAutoTopupPayment: the purchase and its grant, once per PaymentIntent (a
 *   webhook that arrives later finds the purchase and grants nothing);
 * - `requires_payment_method`, `canceled` (or anything else that can no longer complete without
 *   the customer) → applyAutoTopupFailure: the attempt fails, auto top-up turns itself off with the
 *   notice, as for a decline;
 * - `processing` → left open (a bank debit may take days); asked again on a later pass.
 *
 * What is granted is decided from the PaymentIntent and charge retrieved from Stripe, never from
 * the database's idea of them. Stripe unreachable → nothing changes; the next pass asks again.
 */
import { and, eq, isNotNull, lte } from "drizzle-orm";
import type Stripe from "stripe";
import { autoTopupAttempts } from "../../db/schema";
import { log } from "../utils/log.server";
import { applyAutoTopupFailure, applyAutoTopupPayment } from "./auto-topup.server";
import type { StripeContext } from "./context.server";
import type { ApplyCtx } from "./events/shared.server";
import { stripeId } from "./subscription-state.server";
import { writeTransaction } from "../../db/transaction";

/** How long an attempt may wait for its webhook before Stripe is asked directly. */
export const RECONCILE_AFTER_MS = 5 * 60_000;

export type ReconcileResult = {
  attemptId: number;
  paymentIntentId: string;
  /** What was done: granted, failed (auto top-up off), waiting (still processing), settled (already closed), error. */
  action: "granted" | "failed" | "waiting" | "settled" | "error";
  stripeStatus?: Stripe.PaymentIntent.Status;
};

/** PaymentIntent states that still move on their own: leave the attempt open. */
const STILL_MOVING: readonly string[] = ["processing", "requires_capture", "requires_confirmation"];

/**
 * One pass: every processing attempt last changed (or asked about) at least `olderThanMs` ago,
 * oldest first, at most `limit`.
 */
export async function reconcileOpenAttempts(
  ctx: StripeContext,
  opts: { olderThanMs?: number; limit?: number } = {},
): Promise<ReconcileResult[]> {
  const cutoff = new Date(ctx.clock.now().getTime() - (opts.olderThanMs ?? RECONCILE_AFTER_MS));
  const stuck = ctx.db
    .select()
    .from(autoTopupAttempts)
    .where(
      and(
        eq(autoTopupAttempts.status, "processing"),
        lte(autoTopupAttempts.updatedAt, cutoff),
        // Processing always has one; a row without could only take a place in every pass.
        isNotNull(autoTopupAttempts.stripePaymentIntentId),
      ),
    )
    .orderBy(autoTopupAttempts.updatedAt, autoTopupAttempts.id)
    .limit(opts.limit ?? 50)
    .all();
  const results: ReconcileResult[] = [];
  for (const attempt of stuck) {
    const result = await reconcileAttempt(ctx, attempt.id, attempt.stripePaymentIntentId!);
    if (result.action === "waiting" || result.action === "error") {
      // Asked again only after another olderThanMs, behind those not asked yet: attempts Stripe
      // keeps processing (or cannot settle) never crowd the others out of a pass.
      ctx.db
        .update(autoTopupAttempts)
        .set({ updatedAt: ctx.clock.now() })
        .where(and(eq(autoTopupAttempts.id, attempt.id), eq(autoTopupAttempts.status, "processing")))
        .run();
    }
    results.push(result);
  }
  return results;
}

async function reconcileAttempt(
  ctx: StripeContext,
  attemptId: number,
  paymentIntentId: string,
): Promise<ReconcileResult> {
  const base = { attemptId, paymentIntentId };
  let pi: Stripe.PaymentIntent;
  let charge: Stripe.Charge | null = null;
  try {
    pi = await ctx.stripe.paymentIntents.retrieve(paymentIntentId);
    const chargeId = stripeId(pi.latest_charge as string | { id: string } | null);
    if (pi.status === "succeeded" && chargeId) charge = await ctx.stripe.charges.retrieve(chargeId);
  } catch (e) {
    log.warn("auto top-up reconciliation: Stripe did not answer; will ask again", {
      attemptId,
      paymentIntentId,
      error: e instanceof Error ? e.message : String(e),
    });
    return { ...base, action: "error" };
  }
  if (STILL_MOVING.includes(pi.status)) return { ...base, action: "waiting", stripeStatus: pi.status };
  // No event arrived: the source the handlers record (metadata only) names the reconciliation.
  const source = {
    id: `reconciled_${pi.id}`,
    object: "event",
    type: pi.status === "succeeded" ? "payment_intent.succeeded" : "payment_intent.payment_failed",
    created: Math.floor(ctx.clock.now().getTime() / 1000),
    data: { object: pi },
  } as unknown as Stripe.Event;
  const applyCtx: ApplyCtx = { db: ctx.db, clock: ctx.clock, event: source };
  const outcome = writeTransaction(ctx.db, () => {
    // Re-read under the write lock: the webhook may have settled it meanwhile.
    const now = ctx.db.select().from(autoTopupAttempts).where(eq(autoTopupAttempts.id, attemptId)).get();
    if (now?.status !== "processing") return "settled" as const;
    if (pi.status === "succeeded") {
      const applied = applyAutoTopupPayment(applyCtx, pi, charge);
      if (applied.status !== "processed") {
        log.warn("auto top-up reconciliation held", { attemptId, paymentIntentId, reason: applied.reason });
        return "error" as const;
      }
      return "granted" as const;
    }
    applyAutoTopupFailure(applyCtx, pi);
    return "failed" as const;
  });
  if (outcome === "granted" || outcome === "failed") {
    log.info("auto top-up reconciled from Stripe", { attemptId, paymentIntentId, stripeStatus: pi.status, outcome });
  }
  return { ...base, action: outcome, stripeStatus: pi.status };
}
