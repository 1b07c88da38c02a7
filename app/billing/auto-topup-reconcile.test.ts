/**
 * Reconciliation of auto top-ups whose webhook never came, in-process with the real pieces: the
 * credit engine, the event dispatcher, the auto top-up consumer and worker, the offline Stripe
 * (an off-session payment held `processing`, then settled without delivering its webhooks) and
 * the webhook route's handlers for the replays. The test clock moves past the waiting time.
 */
import Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { autoTopupAttempts } from "../../db/schema";
import { deductCredits } from "../credits/index.server";
import { RECONCILE_AFTER_MS, reconcileOpenAttempts } from "./auto-topup-reconcile.server";
import { getAutoTopup } from "./auto-topup.server";
import { useBillingHarness, type BillingHarness } from "../../test/billing/harness";
import { autoTopupCustomer, startAutoTopupRig, type AutoTopupRig } from "../../test/billing/auto-topup";

const harness = useBillingHarness({ deliver: "auto", start: "2026-03-10T12:00:00.000Z" });

let stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops) stop();
  stops = [];
});

const MINUTE_MS = 60_000;

// Reconciles on every run once an attempt has waited RECONCILE_AFTER_MS (the server: every poll);
// settles until nothing moves, as a payment may be meant to stay processing.
async function start() {
  const r = startAutoTopupRig(await harness(), { reconcileEveryMs: 0, untilNoPending: false });
  stops.push(() => r.stop());
  return r;
}
type Running = AutoTopupRig;

const customer = (r: Running) => autoTopupCustomer(r);

function attempts(b: BillingHarness, userId: number) {
  return b.context.db
    .select()
    .from(autoTopupAttempts)
    .all()
    .filter((a) => a.userId === userId);
}

function count(b: BillingHarness, sql: string, ...args: unknown[]): number {
  return b.context.db.$client
    .prepare(sql)
    .pluck()
    .get(...args) as number;
}

/** A crossing deduction whose off-session payment Stripe holds `processing`: the attempt waits for its webhook. */
async function processingAttempt(r: Running, user: number) {
  await r.b.offline.trigger.processNextOffSessionPayment();
  deductCredits(r.b.context, { userId: user, amount: 600 }); // 1,000 → 400, below 500
  await r.settle();
  const [attempt] = attempts(r.b, user);
  expect(attempt).toMatchObject({ status: "processing", stripePaymentIntentId: expect.stringMatching(/^pi_/) });
  return attempt.stripePaymentIntentId!;
}

function eventOf(b: BillingHarness, type: string, paymentIntentId: string): Stripe.Event {
  const event = b.offline.events.find(
    (e) => e.type === type && (e.data.object as Stripe.PaymentIntent).id === paymentIntentId,
  );
  expect(event, `${type} of ${paymentIntentId}`).toBeDefined();
  return event!;
}

describe("auto top-up reconciliation", () => {
  it("grants a payment whose webhook was lost once it has waited, through the worker; a replayed webhook grants nothing more", async () => {
    const r = await start();
    const user = await customer(r);
    const pi = await processingAttempt(r, user);
    await r.b.offline.trigger.settlePaymentIntent(pi, { outcome: "succeeded", deliver: false });
    expect(r.b.balance(user)).toBe(400);

    // Not yet: a webhook may still be on its way.
    r.b.context.clock.advance(RECONCILE_AFTER_MS - MINUTE_MS);
    await r.worker.run();
    expect(attempts(r.b, user)[0].status).toBe("processing");
    expect(r.b.balance(user)).toBe(400);

    r.b.context.clock.advance(MINUTE_MS);
    await r.worker.run();
    const [attempt] = attempts(r.b, user);
    expect(attempt).toMatchObject({ status: "succeeded", stripePaymentIntentId: pi });
    expect(r.b.balance(user)).toBe(1400);
    expect(count(r.b, `select count(*) from topup_purchases where stripe_payment_intent_id = ?`, pi)).toBe(1);
    expect(count(r.b, `select count(*) from event_outbox where type = 'topup.paid' and user_id = ?`, user)).toBe(2);

    // The lost event turns up after all (Stripe's retry, or a replay): one grant per PaymentIntent.
    const late = eventOf(r.b, "payment_intent.succeeded", pi);
    expect(await r.b.deliver(late)).toMatchObject({ status: 200 });
    expect(await r.b.deliver({ ...late, id: `${late.id}_copy` })).toMatchObject({ status: 200 });
    expect(r.b.balance(user)).toBe(1400);
    expect(count(r.b, `select count(*) from topup_purchases where stripe_payment_intent_id = ?`, pi)).toBe(1);

    // No longer blocked: the next crossing buys again.
    deductCredits(r.b.context, { userId: user, amount: 1000 }); // 1,400 → 400
    await r.settle();
    expect(attempts(r.b, user).map((a) => a.status)).toEqual(["succeeded", "succeeded"]);
    expect(r.b.balance(user)).toBe(1400);
  });

  it("asks about an attempt Stripe keeps processing only after another wait, behind the ones not asked yet", async () => {
    const r = await start();
    const first = await customer(r);
    const second = await customer(r);
    const piFirst = await processingAttempt(r, first);
    const piSecond = await processingAttempt(r, second);
    r.b.context.clock.advance(RECONCILE_AFTER_MS * 2);
    const pass = async () =>
      (await reconcileOpenAttempts(r.b.context.billing, { limit: 1 })).map((x) => [x.paymentIntentId, x.action]);

    // One question a pass: the oldest first; the one still processing goes behind the other.
    expect(await pass()).toEqual([[piFirst, "waiting"]]);
    expect(await pass()).toEqual([[piSecond, "waiting"]]);
    // Both asked just now: nothing is asked again until they have waited once more.
    expect(await pass()).toEqual([]);
    r.b.context.clock.advance(RECONCILE_AFTER_MS);
    expect(await pass()).toEqual([[piFirst, "waiting"]]);
  });

  it("leaves a payment Stripe still has as processing open, and settles it once Stripe has decided", async () => {
    const r = await start();
    const user = await customer(r);
    const pi = await processingAttempt(r, user);
    r.b.context.clock.advance(RECONCILE_AFTER_MS * 3);
    expect(await reconcileOpenAttempts(r.b.context.billing)).toEqual([
      expect.objectContaining({ paymentIntentId: pi, action: "waiting", stripeStatus: "processing" }),
    ]);
    expect(attempts(r.b, user)[0].status).toBe("processing");
    expect(getAutoTopup(r.b.context, user).enabled).toBe(true);
    expect(r.b.balance(user)).toBe(400);

    await r.b.offline.trigger.settlePaymentIntent(pi, { outcome: "succeeded", deliver: false });
    // An attempt asked about waits another RECONCILE_AFTER_MS (behind the others) before the next question.
    expect(await reconcileOpenAttempts(r.b.context.billing)).toEqual([]);
    r.b.context.clock.advance(RECONCILE_AFTER_MS);
    expect(await reconcileOpenAttempts(r.b.context.billing)).toEqual([
      expect.objectContaining({ action: "granted", stripeStatus: "succeeded" }),
    ]);
    expect(r.b.balance(user)).toBe(1400);
    // Nothing open is left to ask about.
    expect(await reconcileOpenAttempts(r.b.context.billing)).toEqual([]);
  });

  it("closes the attempt of a payment that failed without its webhook and turns auto top-up off with the notice", async () => {
    const r = await start();
    const user = await customer(r);
    const pi = await processingAttempt(r, user);
    await r.b.offline.trigger.settlePaymentIntent(pi, { outcome: "failed", deliver: false });
    r.b.context.clock.advance(RECONCILE_AFTER_MS);
    expect(await reconcileOpenAttempts(r.b.context.billing)).toEqual([
      expect.objectContaining({ action: "failed", stripeStatus: "requires_payment_method" }),
    ]);
    expect(attempts(r.b, user)[0]).toMatchObject({ status: "failed", failureCode: "card_declined" });
    const view = getAutoTopup(r.b.context, user);
    expect(view).toMatchObject({ enabled: false, threshold: 500 });
    expect(view.notice).toContain("your card was declined");
    expect(count(r.b, `select auto_topup_threshold from users where id = ?`, user)).toBeNull();
    expect(count(r.b, `select count(*) from event_outbox where type = 'auto_topup.failed' and user_id = ?`, user)).toBe(
      1,
    );
    expect(r.b.balance(user)).toBe(400);
    // The failure's own event, late: nothing more (one notice, one email).
    expect(await r.b.deliver(eventOf(r.b, "payment_intent.payment_failed", pi))).toMatchObject({ status: 200 });
    expect(count(r.b, `select count(*) from event_outbox where type = 'auto_topup.failed' and user_id = ?`, user)).toBe(
      1,
    );
  });

  it("closes the attempt of a canceled payment the same way, charging nothing", async () => {
    const r = await start();
    const user = await customer(r);
    const pi = await processingAttempt(r, user);
    await r.b.offline.trigger.settlePaymentIntent(pi, { outcome: "canceled", deliver: false });
    r.b.context.clock.advance(RECONCILE_AFTER_MS);
    expect(await reconcileOpenAttempts(r.b.context.billing)).toEqual([
      expect.objectContaining({ action: "failed", stripeStatus: "canceled" }),
    ]);
    expect(attempts(r.b, user)[0]).toMatchObject({ status: "failed", failureCode: "payment_canceled" });
    expect(getAutoTopup(r.b.context, user).notice).toContain("the payment was canceled");
    expect(count(r.b, `select count(*) from topup_purchases where user_id = ?`, user)).toBe(1); // the Checkout pack only
    expect(r.b.balance(user)).toBe(400);
  });

  it("leaves an attempt open while Stripe cannot be reached, and settles it on a later pass", async () => {
    const r = await start();
    const user = await customer(r);
    const pi = await processingAttempt(r, user);
    await r.b.offline.trigger.settlePaymentIntent(pi, { outcome: "succeeded", deliver: false });
    r.b.context.clock.advance(RECONCILE_AFTER_MS);
    const unreachable = { ...r.b.context.billing, stripe: brokenStripe() };
    expect(await reconcileOpenAttempts(unreachable)).toEqual([expect.objectContaining({ action: "error" })]);
    expect(attempts(r.b, user)[0].status).toBe("processing");
    r.b.context.clock.advance(RECONCILE_AFTER_MS);
    expect(await reconcileOpenAttempts(r.b.context.billing)).toEqual([expect.objectContaining({ action: "granted" })]);
    expect(r.b.balance(user)).toBe(1400);
  });
});

/** A Stripe client pointed at a port nothing listens on. */
function brokenStripe(): Stripe {
  return new Stripe("sk_test_unreachable", { host: "127.0.0.1", port: 9, protocol: "http", maxNetworkRetries: 0 });
}
