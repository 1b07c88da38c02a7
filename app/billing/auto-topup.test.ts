/**
 * Auto top-up in-process, with the real pieces: the credit engine's auto_topup.needed, the event
 * outbox's dispatcher, the consumer and worker, the offline Stripe (saved card, off-session
 * PaymentIntent, signed webhooks) and the webhook route's handlers. The test clock moves months.
 * (The same flows against the production server: auto-topup.production.test.ts.)
 */
import { afterEach, describe, expect, it } from "vitest";
import { autoTopupAttempts, topupPurchases } from "../../db/schema";
import { deductCredits } from "../credits/index.server";
import { capMonth, getAutoTopup, recordAttempt, setAutoTopup } from "./auto-topup.server";
import { submitAutoTopupForm } from "../pages/auto-topup-page.server";
import { listCustomerPayments } from "../pages/customers.server";
import { payTopup, useBillingHarness, type BillingHarness } from "../../test/billing/harness";
import { autoTopupCustomer, startAutoTopupRig, type AutoTopupRig } from "../../test/billing/auto-topup";

const harness = useBillingHarness({ deliver: "auto", start: "2026-01-31T23:00:00.000Z" });

let stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops) stop();
  stops = [];
});

type Running = AutoTopupRig;

async function start(): Promise<Running> {
  const r = startAutoTopupRig(await harness());
  stops.push(() => r.stop());
  return r;
}

const customer = autoTopupCustomer;

function attempts(b: BillingHarness, userId: number) {
  return b.context.db
    .select()
    .from(autoTopupAttempts)
    .all()
    .filter((a) => a.userId === userId);
}

describe("auto top-up", () => {
  it("buys one pack when a deduction takes the balance below the threshold", async () => {
    const r = await start();
    const user = await customer(r);
    expect(r.b.balance(user)).toBe(1000);
    deductCredits(r.b.context, { userId: user, amount: 400 }); // 600: still above
    await r.settle();
    expect(attempts(r.b, user)).toHaveLength(0);
    deductCredits(r.b.context, { userId: user, amount: 200 }); // 400: crosses 500
    await r.settle();
    expect(r.b.balance(user)).toBe(1400);
    const [attempt] = attempts(r.b, user);
    expect(attempt).toMatchObject({ status: "succeeded", credits: 1000, amountCents: 700 });
    const purchase = r.b.context.db
      .select()
      .from(topupPurchases)
      .all()
      .find((p) => p.id === attempt.topupPurchaseId);
    expect(purchase).toMatchObject({ stripePaymentIntentId: attempt.stripePaymentIntentId, credits: 1000 });
    expect(getAutoTopup(r.b.context, user).attempts[0]).toMatchObject({
      status: "succeeded",
      packName: "1,000 credits",
    });
  });

  it("cannot be turned on before a card was saved: the form says so above its fields, nothing is saved", async () => {
    const r = await start();
    const user = r.b.newUser();
    const form = new FormData();
    for (const [k, v] of Object.entries({
      intent: "auto-topup",
      enabled: "on",
      topupPlanId: String(r.b.plans.pack.id),
      threshold: "100",
      monthlyCapPacks: "1",
    }))
      form.set(k, v);
    const answer = submitAutoTopupForm(r.b.context, user, form);
    expect(answer.ok).toBe(false);
    expect(answer.result.error?.[""]).toEqual([expect.stringContaining("buy a pack once first")]);
    expect(getAutoTopup(r.b.context, user)).toMatchObject({ enabled: false, threshold: null });
  });

  it("answers a refused form with a summary for the top of the page, naming every problem (no JavaScript lands there)", async () => {
    const r = await start();
    const user = r.b.newUser();
    const form = new FormData();
    for (const [k, v] of Object.entries({
      intent: "auto-topup",
      topupPlanId: "x",
      threshold: "-5",
      monthlyCapPacks: "1",
    }))
      form.set(k, v);
    const answer = submitAutoTopupForm(r.b.context, user, form);
    expect(answer.ok).toBe(false);
    const fieldErrors = [...(answer.result.error?.topupPlanId ?? []), ...(answer.result.error?.threshold ?? [])];
    expect(fieldErrors).toHaveLength(2);
    expect(answer.message).toMatch(/^Auto top-up was not saved/);
    for (const e of fieldErrors) expect(answer.message).toContain(e);
  });

  it("charges nothing for an attempt recorded before the customer turned auto top-up off", async () => {
    const r = await start();
    const user = await customer(r);
    deductCredits(r.b.context, { userId: user, amount: 600 });
    const id = recordAttempt(r.b.context, {
      id: "evt_before_off",
      userId: user,
      createdAt: r.b.context.clock.now(),
    });
    expect(id).not.toBeNull();
    setAutoTopup(r.b.context, user, { enabled: false }, "test");
    await r.settle();
    expect(attempts(r.b, user)).toEqual([expect.objectContaining({ id, status: "failed", failureCode: "turned_off" })]);
    expect(r.b.balance(user)).toBe(400);
    expect(getAutoTopup(r.b.context, user).notice).toBeNull();
  });

  it("keeps the monthly cap across many crossings, and a new month starts again", async () => {
    const r = await start();
    const user = await customer(r, { cap: 1 });
    deductCredits(r.b.context, { userId: user, amount: 600 }); // 400: buys (January)
    await r.settle();
    expect(r.b.balance(user)).toBe(1400);
    deductCredits(r.b.context, { userId: user, amount: 1000 }); // 400 again: cap reached
    await r.settle();
    expect(r.b.balance(user)).toBe(400);
    expect(attempts(r.b, user)).toHaveLength(1);
    // The clock crosses into February: the cap counts the new month.
    r.b.context.clock.set("2026-02-01T00:00:01.000Z");
    deductCredits(r.b.context, { userId: user, amount: 100 }); // still below; no crossing, no purchase
    await r.settle();
    expect(attempts(r.b, user)).toHaveLength(1);
    // A top-up by hand lifts it above; the next crossing in February buys.
    await payTopup(r.b, user);
    deductCredits(r.b.context, { userId: user, amount: 1000 }); // 1,300 → 300
    await r.settle();
    const all = attempts(r.b, user);
    expect(all.map((a) => [a.month, a.status])).toEqual([
      ["2026-01", "succeeded"],
      ["2026-02", "succeeded"],
    ]);
    expect(r.b.balance(user)).toBe(1300);
  });

  it("records one attempt per customer at a time and never beyond the cap, whatever the events", async () => {
    const r = await start();
    const user = await customer(r, { cap: 2 });
    deductCredits(r.b.context, { userId: user, amount: 900 });
    const at = r.b.context.clock.now();
    // Fifty needs at once (replays, other processes): one open attempt.
    const ids = Array.from({ length: 50 }, (_, i) =>
      recordAttempt(r.b.context, { id: `evt_many_${i}`, userId: user, createdAt: at }),
    );
    expect(ids.filter((id) => id !== null)).toHaveLength(1);
    expect(capMonth(at)).toBe("2026-01");
  });

  it("counts an attempt in its UTC calendar month, to the millisecond either side of midnight", () => {
    expect(capMonth(new Date("2026-01-31T23:59:59.999Z"))).toBe("2026-01");
    expect(capMonth(new Date("2026-02-01T00:00:00.000Z"))).toBe("2026-02");
    // A local offset does not move it: 00:30 on 1 February in UTC+1 is still January in UTC.
    expect(capMonth(new Date("2026-02-01T00:30:00.000+01:00"))).toBe("2026-01");
  });

  it("turns itself off with a notice when the off-session payment is declined, and charges nothing", async () => {
    const r = await start();
    const user = await customer(r);
    const declined = await fetch(`${r.b.offline.url}/_offline/payment_intents/decline_next`, { method: "POST" });
    expect(declined.ok).toBe(true);
    deductCredits(r.b.context, { userId: user, amount: 600 });
    await r.settle();
    expect(r.b.balance(user)).toBe(400);
    const view = getAutoTopup(r.b.context, user);
    expect(view.enabled).toBe(false);
    expect(view.notice).toContain("your card was declined");
    expect(view.attempts[0]).toMatchObject({ status: "failed" });
    const threshold = r.b.context.db.$client
      .prepare(`select auto_topup_threshold from users where id = ?`)
      .pluck()
      .get(user);
    expect(threshold).toBeNull();
    const failed = r.b.context.db.$client
      .prepare(`select data from event_outbox where type = 'auto_topup.failed' and user_id = ?`)
      .pluck()
      .all(user) as string[];
    expect(failed).toHaveLength(1);
    expect(JSON.parse(failed[0])).toMatchObject({ code: "card_declined", payUrl: "/billing" });
    // The admin customer page lists the failed attempt with the payments.
    expect(listCustomerPayments(r.b.context.db, user)).toContainEqual(
      expect.objectContaining({ description: expect.stringContaining("Auto top-up: 1,000 credits"), status: "failed" }),
    );
    // Nothing is retried: more spending buys nothing.
    deductCredits(r.b.context, { userId: user, amount: 300 });
    await r.settle();
    expect(attempts(r.b, user)).toHaveLength(1);
  });

  it("claws back a refunded auto top-up and grants a replayed payment_intent.succeeded once", async () => {
    const r = await start();
    const user = await customer(r);
    const from = r.b.mark();
    deductCredits(r.b.context, { userId: user, amount: 600 });
    await r.settle();
    expect(r.b.balance(user)).toBe(1400);
    const succeeded = r.b.eventsSince(from, ["payment_intent.succeeded"]);
    expect(succeeded).toHaveLength(1);
    // The same event again (a retry), and a copy under a new event id: one grant.
    expect(await r.b.deliver(succeeded[0])).toMatchObject({ status: 200 });
    expect(await r.b.deliver({ ...succeeded[0], id: `${succeeded[0].id}_copy` })).toMatchObject({ status: 200 });
    expect(r.b.balance(user)).toBe(1400);
    const [attempt] = attempts(r.b, user);
    await r.b.offline.trigger.refund({ payment_intent: attempt.stripePaymentIntentId! });
    expect(r.b.balance(user)).toBe(400);
    expect(getAutoTopup(r.b.context, user).attempts[0]).toMatchObject({ amountRefundedCents: 700 });
  });
});
