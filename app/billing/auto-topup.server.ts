/**
 * Auto top-up: when a change takes a customer's spendable balance below their threshold, one pack
 * is bought with the card they saved at Checkout, within a monthly cap. Three steps, each on its
 * own side of a commit:
 *
 * 1. RECORD (event consumer, in the dispatcher's IMMEDIATE transaction): the credit engine appends
 *    `auto_topup.needed` {userId, balance, threshold} in the transaction that crossed the
 *    threshold (users.auto_topup_threshold; null = off). The consumer records one `pending`
 *    attempt — unless auto top-up is off, the balance is back at or above the threshold, an attempt
 *    is already open (pending or processing: the partial unique index auto_topup_attempts_one_open
 *    refuses a second), or the month's attempts (pending, processing, succeeded; UTC calendar month
 *    of the event) already reach the cap. Check and insert share the transaction, so the cap holds
 *    whatever the concurrency.
 * 2. CHARGE (worker, ./auto-topup-worker.server.ts, after commit, never inside a transaction): each pending attempt becomes one
 *    off-session PaymentIntent for the pack's price, with the Stripe idempotency key
 *    `auto-topup-attempt-<id>` — a retry after a network error is the same PaymentIntent, never a
 *    second charge. Success → `processing` (credits come with the webhook). A decline or
 *    `authentication_required` (or no saved card) → the attempt `failed`, auto top-up off
 *    (threshold cleared), a notice for the billing page and an `auto_topup.failed` event for email;
 *    nothing is retried.
 * 3. GRANT (webhook `payment_intent.succeeded`, app/billing/events/payment-intents.server.ts): a
 *    top-up purchase (the PaymentIntent id stands in for the Checkout Session id) and its grant,
 *    exactly like a Checkout top-up — one grant per PaymentIntent, the pack's expiry (365 days by
 *    default), refunds claw back through charge.refunded. An attempt whose webhook has not come
 *    after a few minutes is settled from the PaymentIntent Stripe has, through the same functions
 *    (./auto-topup-reconcile.server.ts), so a lost event cannot block auto top-up for ever.
 */
import { and, eq, inArray } from "drizzle-orm";
import type Stripe from "stripe";
import type { Db } from "../../db/client";
import { autoTopupAttempts, autoTopupSettings, topupPlans, topupPurchases, users } from "../../db/schema";
import { recordAudit } from "../auth/audit.server";
import { getBalance } from "../credits/index.server";
import { appendEvent, type EventConsumer, type StoredEvent } from "../events/outbox.server";
import { getTopupPlan, isPlanOffered, listOfferedPlans, type TopupPlan } from "../plans/index.server";
import type { Clock } from "../utils/clock";
import type { DbClock } from "../utils/context.server";
import { AppError } from "../utils/errors";
import { log } from "../utils/log.server";
import type { AttemptView, AutoTopupPatch, AutoTopupView } from "./auto-topup-input";

export type { AttemptView, AutoTopupView };
import type { StripeContext } from "./context.server";
import { recordTopupPurchase } from "./events/checkout.server";
import { applyTopupRefund } from "./events/refunds.server";
import type { ApplyCtx, Outcome } from "./events/shared.server";
import { isCardError, isTransientError } from "./stripe-errors.server";
import { writeTransaction } from "../../db/transaction";

type AutoTopupSettings = typeof autoTopupSettings.$inferSelect;
type AutoTopupAttempt = typeof autoTopupAttempts.$inferSelect;

const OPEN = ["pending", "processing"] as const;
/** Attempts that count against the monthly cap: everything but a failed one (no money moved). */
const COUNTED = ["pending", "processing", "succeeded"] as const;

/** "2026-01": the UTC calendar month an attempt counts in. */
export function capMonth(at: Date): string {
  return at.toISOString().slice(0, 7);
}

// ---------------------------------------------------------------------------------------------
// Settings

function getSettings(db: Db, userId: number): AutoTopupSettings | undefined {
  return db.select().from(autoTopupSettings).where(eq(autoTopupSettings.userId, userId)).get();
}

export function getAutoTopup(ctx: DbClock, userId: number, opts: { attempts?: number } = {}): AutoTopupView {
  const s = getSettings(ctx.db, userId);
  return {
    enabled: s?.enabled ?? false,
    topupPlanId: s?.topupPlanId ?? null,
    threshold: s?.thresholdCredits ?? null,
    monthlyCapPacks: s?.monthlyCapPacks ?? null,
    notice: s?.disabledReason ?? null,
    usedThisMonth: countedThisMonth(ctx.db, userId, capMonth(ctx.clock.now())),
    attempts: listAttempts(ctx.db, userId, opts.attempts ?? 10),
  };
}

function countedThisMonth(db: Db, userId: number, month: string): number {
  return db.$client
    .prepare(
      `select count(*) from auto_topup_attempts where user_id = ? and month = ?
       and status in (${COUNTED.map((s) => `'${s}'`).join(", ")})`,
    )
    .pluck()
    .get(userId, month) as number;
}

function listAttempts(db: Db, userId: number, limit: number): AttemptView[] {
  const rows = db.$client
    .prepare(
      `select a.id, a.status, a.credits, a.amount_cents, a.currency, a.stripe_payment_intent_id, a.failure_message,
         a.created_at, p.public_name, coalesce(t.amount_refunded_cents, 0) as refunded
       from auto_topup_attempts a join topup_plans p on p.id = a.topup_plan_id
       left join topup_purchases t on t.id = a.topup_purchase_id
       where a.user_id = ? order by a.id desc limit ?`,
    )
    .all(userId, limit) as Record<string, string | number | null>[];
  return rows.map((r) => ({
    id: r.id as number,
    status: r.status as AutoTopupAttempt["status"],
    packName: r.public_name as string,
    credits: r.credits as number,
    amountCents: r.amount_cents as number,
    currency: r.currency as string,
    stripePaymentIntentId: r.stripe_payment_intent_id as string | null,
    failureMessage: r.failure_message as string | null,
    amountRefundedCents: r.refunded as number,
    createdAt: new Date(r.created_at as number).toISOString(),
  }));
}

/**
 * Changes a customer's setting (the billing page sends every field; the API any of them). Turning
 * it on needs a pack on sale and a Stripe customer (a card saved at a Checkout); the threshold
 * that arms it is users.auto_topup_threshold, set here in the same transaction (null when off).
 * Any change clears the notice of an earlier automatic switch-off.
 */
export function setAutoTopup(ctx: DbClock, userId: number, patch: AutoTopupPatch, actor: string): AutoTopupView {
  writeTransaction(ctx.db, (tx) => {
    const user = tx.select().from(users).where(eq(users.id, userId)).get();
    if (!user) throw new AppError("not_found", `No user with id ${userId}.`);
    const current = getSettings(ctx.db, userId);
    const onlyOff =
      patch.topupPlanId === undefined && patch.threshold === undefined && patch.monthlyCapPacks === undefined;
    // Turning off what was never set needs no pack or numbers: it is off already, nothing to store.
    if (!current && !patch.enabled && onlyOff) return;
    const next = {
      enabled: patch.enabled ?? current?.enabled ?? false,
      topupPlanId: patch.topupPlanId ?? current?.topupPlanId,
      thresholdCredits: patch.threshold ?? current?.thresholdCredits,
      monthlyCapPacks: patch.monthlyCapPacks ?? current?.monthlyCapPacks,
    };
    for (const [field, value] of [
      ["topupPlanId", next.topupPlanId],
      ["threshold", next.thresholdCredits],
      ["monthlyCapPacks", next.monthlyCapPacks],
    ] as const) {
      if (value === undefined) {
        throw new AppError("invalid_request", `\`${field}\` is required the first time auto top-up is set.`, {
          field,
        });
      }
    }
    const plan = getTopupPlan(ctx.db, next.topupPlanId!);
    const packChanged = patch.topupPlanId !== undefined && patch.topupPlanId !== current?.topupPlanId;
    if (!plan || ((next.enabled || packChanged) && !isPlanOffered(plan))) {
      throw new AppError("invalid_request", "That top-up pack is not on sale.", { field: "topupPlanId" });
    }
    if (next.enabled && !user.stripeCustomerId) {
      throw new AppError(
        "conflict",
        "Auto top-up charges the card saved at a checkout: buy a pack once first, then turn it on.",
        { field: "enabled" },
      );
    }
    const now = ctx.clock.now();
    const values = {
      enabled: next.enabled,
      topupPlanId: next.topupPlanId!,
      thresholdCredits: next.thresholdCredits!,
      monthlyCapPacks: next.monthlyCapPacks!,
      disabledReason: null,
      disabledAt: null,
      updatedAt: now,
    };
    tx.insert(autoTopupSettings)
      .values({ userId, ...values, createdAt: now })
      .onConflictDoUpdate({ target: autoTopupSettings.userId, set: values })
      .run();
    tx.update(users)
      .set({ autoTopupThreshold: next.enabled ? next.thresholdCredits! : null, updatedAt: now })
      .where(eq(users.id, userId))
      .run();
    recordAudit(
      { db: tx as unknown as Db, clock: ctx.clock },
      {
        actor,
        action: "auto_topup.update",
        subject: `user:${userId}`,
        details: { ...values, disabledReason: undefined, disabledAt: undefined, updatedAt: undefined },
      },
    );
  });
  return getAutoTopup(ctx, userId);
}

/** The packs a customer may choose (on sale), cheapest first. */
export function autoTopupPacks(db: Db): TopupPlan[] {
  return listOfferedPlans(db).topupPlans;
}

// ---------------------------------------------------------------------------------------------
// 1. Record (event consumer)

/**
 * Handles one `auto_topup.needed` inside the dispatcher's transaction: records at most one
 * pending attempt. Returns its id, or null with nothing written.
 */
export function recordAttempt(ctx: DbClock, event: Pick<StoredEvent, "id" | "userId" | "createdAt">): number | null {
  const { db, clock } = ctx;
  const userId = event.userId;
  if (userId === null) return null;
  const settings = getSettings(db, userId);
  if (!settings?.enabled) return null;
  const armed = db.select({ t: users.autoTopupThreshold }).from(users).where(eq(users.id, userId)).get();
  if (armed?.t === null || armed?.t === undefined) return null;
  // Credits may have arrived since the event: buy only while the balance is still below.
  if (getBalance(ctx, userId).balance >= armed.t) return null;
  const open = db
    .select({ id: autoTopupAttempts.id })
    .from(autoTopupAttempts)
    .where(and(eq(autoTopupAttempts.userId, userId), inArray(autoTopupAttempts.status, [...OPEN])))
    .get();
  if (open) return null;
  const month = capMonth(event.createdAt);
  if (countedThisMonth(db, userId, month) >= settings.monthlyCapPacks) return null;
  const plan = getTopupPlan(db, settings.topupPlanId);
  const now = clock.now();
  if (!plan || !isPlanOffered(plan)) {
    switchOff(ctx, userId, `Auto top-up turned off: the pack you chose is no longer on sale. Choose another.`, {
      code: "pack_unavailable",
      packName: plan?.publicName ?? "",
      amountCents: 0,
      currency: plan?.currency ?? "usd",
    });
    return null;
  }
  return (
    db
      .insert(autoTopupAttempts)
      .values({
        userId,
        topupPlanId: plan.id,
        credits: plan.credits,
        amountCents: plan.priceCents,
        currency: plan.currency,
        month,
        status: "pending",
        triggerEventId: event.id,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: autoTopupAttempts.id })
      .get()?.id ?? null
  );
}

export function autoTopupConsumer(clock: Clock, wake: () => void): EventConsumer {
  return {
    name: "auto-topup",
    types: ["auto_topup.needed"],
    handle(db, event) {
      recordAttempt({ db, clock }, event);
    },
    afterCommit: wake,
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Charge (after commit)

/** One pass over the pending attempts, oldest first. Returns how many it took to Stripe. */
export async function chargePendingAttempts(ctx: StripeContext): Promise<number> {
  const pending = ctx.db
    .select()
    .from(autoTopupAttempts)
    .where(eq(autoTopupAttempts.status, "pending"))
    .orderBy(autoTopupAttempts.id)
    .limit(50)
    .all();
  let done = 0;
  for (const attempt of pending) if (await chargeAttempt(ctx, attempt)) done++;
  return done;
}

async function chargeAttempt(ctx: StripeContext, attempt: AutoTopupAttempt): Promise<boolean> {
  const stripe = ctx.stripe;
  const user = ctx.db.select().from(users).where(eq(users.id, attempt.userId)).get();
  const plan = getTopupPlan(ctx.db, attempt.topupPlanId);
  const packName = plan?.publicName ?? "top-up pack";
  const fail = (code: string, message: string) => failAttempt(ctx, attempt.id, { code, message });
  // Turned off since the attempt was recorded: no charge (and no notice: the customer chose it).
  if (!getSettings(ctx.db, attempt.userId)?.enabled) {
    ctx.db
      .update(autoTopupAttempts)
      .set({
        status: "failed",
        failureCode: "turned_off",
        failureMessage: "Auto top-up was turned off before the payment was made; nothing was charged.",
        updatedAt: ctx.clock.now(),
      })
      .where(and(eq(autoTopupAttempts.id, attempt.id), eq(autoTopupAttempts.status, "pending")))
      .run();
    return true;
  }
  try {
    if (!user?.stripeCustomerId) return (fail("no_payment_method", "There is no saved card to charge."), true);
    const customer = await stripe.customers.retrieve(user.stripeCustomerId);
    let paymentMethod =
      "deleted" in customer && customer.deleted
        ? null
        : ((customer as Stripe.Customer).invoice_settings?.default_payment_method ?? null);
    if (!paymentMethod) {
      const saved = await stripe.paymentMethods.list({ customer: user.stripeCustomerId, type: "card", limit: 1 });
      paymentMethod = saved.data[0]?.id ?? null;
    }
    if (!paymentMethod) return (fail("no_payment_method", "There is no saved card to charge."), true);
    const pi = await stripe.paymentIntents.create(
      {
        amount: attempt.amountCents,
        currency: attempt.currency,
        customer: user.stripeCustomerId,
        payment_method: typeof paymentMethod === "string" ? paymentMethod : paymentMethod.id,
        off_session: true,
        confirm: true,
        description: `Auto top-up: ${packName}`,
        metadata: {
          userId: String(attempt.userId),
          topupPlanId: String(attempt.topupPlanId),
          autoTopupAttemptId: String(attempt.id),
        },
      },
      { idempotencyKey: `auto-topup-attempt-${attempt.id}` },
    );
    if (pi.status === "succeeded" || pi.status === "processing") {
      ctx.db
        .update(autoTopupAttempts)
        .set({ status: "processing", stripePaymentIntentId: pi.id, updatedAt: ctx.clock.now() })
        .where(and(eq(autoTopupAttempts.id, attempt.id), eq(autoTopupAttempts.status, "pending")))
        .run();
      return true;
    }
    const error = pi.last_payment_error;
    fail(
      error?.code ?? (pi.status === "requires_action" ? "authentication_required" : "card_declined"),
      error?.message ?? "The card needs the customer to confirm the payment.",
    );
    return true;
  } catch (e) {
    if (isCardError(e)) {
      fail(e.code ?? "card_declined", e.message);
      return true;
    }
    // Stripe unreachable or failing: the attempt stays pending; the next pass asks again under the
    // same idempotency key, so Stripe answers with the same PaymentIntent (never a second charge).
    if (isTransientError(e)) {
      log.warn("auto top-up: Stripe unavailable; will try again", { attemptId: attempt.id, error: String(e) });
      return false;
    }
    fail("stripe_error", e instanceof Error ? e.message : String(e));
    return true;
  }
}

const CUSTOMER_WORDS: Record<string, string> = {
  card_declined: "your card was declined",
  authentication_required: "your bank asked you to confirm the payment, which cannot be done automatically",
  no_payment_method: "there is no saved card to charge",
  payment_canceled: "the payment was canceled",
  expired_card: "your card has expired",
  insufficient_funds: "your card was declined for insufficient funds",
};

/**
 * An attempt failed (still open → failed) and auto top-up turns itself off, in one transaction,
 * with the notice and the `auto_topup.failed` event. A failure reported twice (the create call and
 * then payment_intent.payment_failed) changes nothing the second time.
 */
export function failAttempt(
  ctx: DbClock,
  attemptId: number,
  failure: { code: string; message: string; paymentIntentId?: string },
): boolean {
  const failed = writeTransaction(ctx.db, (tx) => {
    const attempt = tx.select().from(autoTopupAttempts).where(eq(autoTopupAttempts.id, attemptId)).get();
    if (!attempt || !(OPEN as readonly string[]).includes(attempt.status)) return false;
    const now = ctx.clock.now();
    tx.update(autoTopupAttempts)
      .set({
        status: "failed",
        failureCode: failure.code.slice(0, 100),
        failureMessage: failure.message.slice(0, 500),
        stripePaymentIntentId: attempt.stripePaymentIntentId ?? failure.paymentIntentId ?? null,
        updatedAt: now,
      })
      .where(eq(autoTopupAttempts.id, attemptId))
      .run();
    const plan = getTopupPlan(ctx.db, attempt.topupPlanId);
    const why = CUSTOMER_WORDS[failure.code] ?? "the payment did not go through";
    switchOff(
      ctx,
      attempt.userId,
      `Auto top-up turned itself off: ${why}. Nothing was charged. Buy a pack below to pay now (and save a working card), then turn auto top-up on again.`,
      {
        code: failure.code,
        packName: plan?.publicName ?? "",
        amountCents: attempt.amountCents,
        currency: attempt.currency,
        attemptId,
      },
    );
    return true;
  });
  return failed;
}

/**
 * Auto top-up off (the threshold cleared, so the engine stops asking), the notice kept for the
 * billing page, and `auto_topup.failed` for email — inside the caller's transaction.
 *
 * `auto_topup.failed` data: {userId, reason (the notice), code, packName, amountCents, currency,
 * payUrl (the billing page's path, to pay on-session; email makes it absolute with APP_URL), attemptId?}.
 */
function switchOff(
  ctx: DbClock,
  userId: number,
  notice: string,
  detail: {
    code: string;
    packName: string;
    amountCents: number;
    currency: string;
    attemptId?: number;
  },
): void {
  const { db, clock } = ctx;
  const now = clock.now();
  db.update(autoTopupSettings)
    .set({ enabled: false, disabledReason: notice, disabledAt: now, updatedAt: now })
    .where(eq(autoTopupSettings.userId, userId))
    .run();
  db.update(users).set({ autoTopupThreshold: null, updatedAt: now }).where(eq(users.id, userId)).run();
  recordAudit(ctx, {
    actor: "system",
    action: "auto_topup.disabled",
    subject: `user:${userId}`,
    details: { code: detail.code, attemptId: detail.attemptId ?? null },
  });
  appendEvent(db, {
    type: "auto_topup.failed",
    userId,
    data: { userId, reason: notice, ...detail, payUrl: "/billing" },
    at: now,
  });
}

// ---------------------------------------------------------------------------------------------
// 3. Grant (webhook)

/**
 * payment_intent.succeeded for an auto top-up (PaymentIntent and charge as Stripe has them): the
 * purchase and its grant, once per PaymentIntent, in the webhook's transaction.
 */
export function applyAutoTopupPayment(ctx: ApplyCtx, pi: Stripe.PaymentIntent, charge: Stripe.Charge | null): Outcome {
  const attemptId = Number(pi.metadata?.autoTopupAttemptId);
  const attempt = Number.isSafeInteger(attemptId)
    ? ctx.db.select().from(autoTopupAttempts).where(eq(autoTopupAttempts.id, attemptId)).get()
    : undefined;
  if (!attempt || String(attempt.userId) !== pi.metadata?.userId) {
    return {
      status: "held",
      reason: `payment intent ${pi.id} names auto top-up attempt ${pi.metadata?.autoTopupAttemptId} that this app does not have`,
    };
  }
  if (attempt.stripePaymentIntentId && attempt.stripePaymentIntentId !== pi.id) {
    return {
      status: "held",
      reason: `auto top-up attempt ${attempt.id} was paid by ${attempt.stripePaymentIntentId}, not ${pi.id}`,
    };
  }
  const existing = ctx.db
    .select({ id: topupPurchases.id })
    .from(topupPurchases)
    .where(eq(topupPurchases.stripePaymentIntentId, pi.id))
    .get();
  if (existing) return { status: "processed", reason: "already granted for this payment intent" };
  const plan = ctx.db.select().from(topupPlans).where(eq(topupPlans.id, attempt.topupPlanId)).get();
  if (!plan) return { status: "held", reason: `top-up pack ${attempt.topupPlanId} is gone` };
  const now = ctx.clock.now();
  const purchase = recordTopupPurchase(ctx, {
    userId: attempt.userId,
    plan,
    quantity: 1,
    credits: attempt.credits,
    // No Checkout Session: the PaymentIntent id keeps "one purchase per payment" unique.
    stripeCheckoutSessionId: pi.id,
    stripePaymentIntentId: pi.id,
    amountPaidCents: pi.amount_received || pi.amount,
    currency: pi.currency,
    reason: `Auto top-up: ${plan.publicName}`,
    metadata: { stripePaymentIntentId: pi.id, stripeEventId: ctx.event.id, autoTopupAttemptId: attempt.id },
  });
  ctx.db
    .update(autoTopupAttempts)
    .set({ status: "succeeded", stripePaymentIntentId: pi.id, topupPurchaseId: purchase.id, updatedAt: now })
    .where(eq(autoTopupAttempts.id, attempt.id))
    .run();
  appendEvent(ctx.db, {
    type: "topup.paid",
    userId: attempt.userId,
    data: {
      userId: attempt.userId,
      packName: plan.publicName,
      credits: attempt.credits,
      amountCents: purchase.amountPaidCents,
      receiptUrl: charge?.receipt_url ?? null,
      automatic: true,
    },
    at: now,
  });
  if (charge && charge.amount_refunded > 0) {
    applyTopupRefund(ctx, purchase, { amount: charge.amount, amountRefunded: charge.amount_refunded });
  }
  return { status: "processed", reason: null };
}

/**
 * payment_intent.payment_failed for an auto top-up (or a reconciliation that found the PaymentIntent
 * failed or canceled): the attempt fails and auto top-up turns off.
 */
export function applyAutoTopupFailure(ctx: ApplyCtx, pi: Stripe.PaymentIntent): Outcome {
  const attemptId = Number(pi.metadata?.autoTopupAttemptId);
  if (!Number.isSafeInteger(attemptId)) return { status: "ignored", reason: "not an auto top-up" };
  const error = pi.last_payment_error;
  const changed = failAttempt(ctx, attemptId, {
    code: error?.code ?? (pi.status === "canceled" ? "payment_canceled" : "card_declined"),
    message: error?.message ?? "The payment failed.",
    paymentIntentId: pi.id,
  });
  return { status: "processed", reason: changed ? null : "attempt already settled" };
}

/**
 * Attempts that did not pay (failed, or still being charged), as rows of the admin customer page's
 * payments (app/pages/customers.server.ts); a paid one is listed there as its top-up purchase.
 */
export function unpaidAutoTopupPayments(db: Db, userId: number, limit: number) {
  return listAttempts(db, userId, limit)
    .filter((a) => a.status !== "succeeded")
    .map((a) => ({
      kind: "topup" as const,
      stripeId: a.stripePaymentIntentId ?? `auto top-up attempt ${a.id}`,
      description: `Auto top-up: ${a.packName}${a.failureMessage ? ` — ${a.failureMessage}` : ""}`,
      credits: a.credits,
      amountCents: a.amountCents,
      amountRefundedCents: 0,
      currency: a.currency,
      status: a.status === "failed" ? "failed" : "charging",
      createdAt: a.createdAt,
    }));
}
