import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { creditGrants, stripeEvents, topupPurchases } from "../../db/schema";
import { freePort } from "../../test/server-process";
import { addDays } from "../utils/clock";
import { startSubscriptionCheckout, startTopupCheckout } from "./checkout.server";
import {
  checkoutCtx,
  payTopup,
  payUnknownPrice,
  useBillingHarness,
  type BillingHarness,
} from "../../test/billing/harness";
import { grantRefs } from "./grant-refs";
import { listPayments } from "./history.server";
import { getStripeEvent, listStripeEvents, receiveStripeWebhook, replayStripeEvent } from "./webhook.server";

const harness = useBillingHarness();

/** Hands a body and signature header to the webhook as they came, without signing anything. */
function receive(b: BillingHarness, body: string, signature: string | null) {
  return receiveStripeWebhook(b.context, b.stripe, { body, signature, secret: b.context.env.STRIPE_WEBHOOK_SECRET });
}

function grantsOf(b: BillingHarness, userId: number) {
  return b.context.db.select().from(creditGrants).where(eq(creditGrants.userId, userId)).all();
}

describe("checkout.session.completed for a top-up pack", () => {
  it("records the purchase and grants the pack's credits times the quantity, expiring after the pack's creditExpiryDays", async () => {
    const b = await harness();
    const user = b.newUser();
    const { completed, sessionId } = await payTopup(b, user, 2);

    const answer = await b.deliver(completed);
    expect(answer).toEqual({ status: 200, body: { received: true, id: completed.id, status: "processed" } });

    const purchase = b.context.db
      .select()
      .from(topupPurchases)
      .where(eq(topupPurchases.stripeCheckoutSessionId, sessionId))
      .get()!;
    expect(purchase).toMatchObject({
      userId: user,
      planId: b.plans.pack.id,
      quantity: 2,
      credits: 2000,
      amountPaidCents: 1400,
      status: "paid",
    });
    expect(purchase.stripePaymentIntentId).toMatch(/^pi_/);
    const [grant] = grantsOf(b, user);
    expect(grant).toMatchObject({
      type: "topup",
      source: "topup",
      amount: 2000,
      remaining: 2000,
      sourceRef: grantRefs.topupPurchase(purchase.id),
    });
    expect(grant.expiresAt!.getTime()).toBe(addDays(b.context.clock.now(), 365).getTime());
    expect(b.balance(user)).toBe(2000);
    expect(getStripeEvent(b.context.db, completed.id)).toMatchObject({ status: "processed", attempts: 1 });
  });

  it("grants once when checkout.session.completed and async_payment_succeeded both arrive for the same payment", async () => {
    const b = await harness();
    const user = b.newUser();
    const { completed } = await payTopup(b, user);
    const asyncSucceeded = {
      ...completed,
      id: `${completed.id}_async`,
      type: "checkout.session.async_payment_succeeded",
    } as Stripe.Event;

    expect((await b.deliver(asyncSucceeded)).body.status).toBe("processed");
    expect((await b.deliver(completed)).body.status).toBe("processed");
    expect(grantsOf(b, user)).toHaveLength(1);
    expect(b.balance(user)).toBe(1000);
    expect(b.counts().topupPurchases).toBe(1);
  });

  it("grants nothing for a session that is not paid yet and records it as ignored", async () => {
    const b = await harness();
    const user = b.newUser();
    const checkout = await startTopupCheckout(checkoutCtx(b), b.stripe, { userId: user, planId: b.plans.pack.id });
    const session = await b.stripe.checkout.sessions.retrieve(checkout.sessionId);
    const unpaid = { ...(await payTopup(b, b.newUser())).completed, id: "evt_unpaid_session" } as Stripe.Event;
    (unpaid as unknown as { data: { object: unknown } }).data = { object: session };

    expect((await b.deliver(unpaid)).body.status).toBe("ignored");
    expect(grantsOf(b, user)).toHaveLength(0);
    expect(getStripeEvent(b.context.db, unpaid.id)).toMatchObject({ status: "ignored" });
    expect(getStripeEvent(b.context.db, unpaid.id)!.error).toMatch(/not completed/);
  });
});

describe("webhook signatures", () => {
  async function signedCases(b: BillingHarness) {
    const user = b.newUser();
    const { completed } = await payTopup(b, user);
    return { user, completed };
  }

  it("refuses a missing signature with 400 and writes nothing", async () => {
    const b = await harness();
    const { completed } = await signedCases(b);
    const before = b.counts();
    const answer = await receive(b, JSON.stringify(completed), null);
    expect(answer.status).toBe(400);
    expect(b.counts()).toEqual(before);
  });

  it("refuses a tampered body with 400 and writes nothing", async () => {
    const b = await harness();
    const { completed } = await signedCases(b);
    const signature = b.sign(JSON.stringify(completed));
    const forged = structuredClone(completed);
    (forged.data.object as Stripe.Checkout.Session).amount_total = 1;
    const tampered = JSON.stringify(forged);
    const before = b.counts();
    const answer = await receive(b, tampered, signature);
    expect(answer.status).toBe(400);
    expect(b.counts()).toEqual(before);
  });

  it("refuses a signature older than 300 seconds with 400 and writes nothing", async () => {
    const b = await harness();
    const { completed } = await signedCases(b);
    const before = b.counts();
    const now = Math.floor(b.context.clock.now().getTime() / 1000);
    expect((await b.deliver(completed, { timestamp: now - 301 })).status).toBe(400);
    expect(b.counts()).toEqual(before);
    // Just inside the tolerance is accepted.
    expect((await b.deliver(completed, { timestamp: now - 299 })).status).toBe(200);
  });

  it("refuses a payload signed with another secret with 400 and writes nothing", async () => {
    const b = await harness();
    const { completed } = await signedCases(b);
    const before = b.counts();
    expect((await b.deliver(completed, { secret: "whsec_someone_else" })).status).toBe(400);
    expect(b.counts()).toEqual(before);
  });

  it("refuses a correctly signed body that is not JSON with 400", async () => {
    const b = await harness();
    const body = "this is not json";
    const answer = await receive(b, body, b.sign(body));
    expect(answer.status).toBe(400);
    expect(b.context.db.select().from(stripeEvents).all()).toHaveLength(0);
  });
});

describe("other event types", () => {
  it("acknowledges an event type the app does not use and records it as ignored", async () => {
    const b = await harness();
    const user = b.newUser();
    const { events } = await payTopup(b, user);
    const other = events.find((e) => e.type === "payment_intent.succeeded")!;
    expect(await b.deliver(other)).toMatchObject({ status: 200, body: { status: "ignored" } });
    expect(getStripeEvent(b.context.db, other.id)).toMatchObject({
      status: "ignored",
      type: "payment_intent.succeeded",
    });
    expect(grantsOf(b, user)).toHaveLength(0);
  });
});

describe("charge.refunded", () => {
  function purchaseOf(b: BillingHarness, sessionId: string) {
    return b.context.db
      .select()
      .from(topupPurchases)
      .where(eq(topupPurchases.stripeCheckoutSessionId, sessionId))
      .get()!;
  }
  function refundedCredits(b: BillingHarness, userId: number) {
    const row = b.context.db.$client
      .prepare("select coalesce(sum(amount), 0) as n from credit_ledger where user_id = ? and type = 'refund'")
      .get(userId) as { n: number };
    return -row.n;
  }

  it("removes the refunded share of the pack's credits, so a partial then a full refund remove exactly all of them", async () => {
    const b = await harness({ deliver: "auto" });
    const user = b.newUser();
    const { sessionId } = await payTopup(b, user); // 1,000 credits for 700 cents
    const purchase = purchaseOf(b, sessionId);

    await b.offline.trigger.refund({ payment_intent: purchase.stripePaymentIntentId!, amount: 250 });
    // floor(1,000 × 250 / 700) = 357
    expect(refundedCredits(b, user)).toBe(357);
    expect(b.balance(user)).toBe(643);
    expect(purchaseOf(b, sessionId)).toMatchObject({
      amountRefundedCents: 250,
      creditsRefunded: 357,
      status: "partially_refunded",
    });

    await b.offline.trigger.refund({ payment_intent: purchase.stripePaymentIntentId! });
    expect(refundedCredits(b, user)).toBe(1000);
    expect(b.balance(user)).toBe(0);
    expect(purchaseOf(b, sessionId)).toMatchObject({
      amountRefundedCents: 700,
      creditsRefunded: 1000,
      status: "refunded",
    });
  });

  it("applies a repeated or out-of-date refund event only once", async () => {
    const b = await harness({ deliver: "manual" });
    const user = b.newUser();
    const { completed, sessionId } = await payTopup(b, user);
    await b.deliver(completed);
    const purchase = purchaseOf(b, sessionId);
    const from = b.mark();
    await b.offline.trigger.refund({ payment_intent: purchase.stripePaymentIntentId!, amount: 100 });
    await b.offline.trigger.refund({ payment_intent: purchase.stripePaymentIntentId!, amount: 100 });
    const [first, second] = b.eventsSince(from, ["charge.refunded"]);

    await b.deliver(second); // amount_refunded 200 → floor(1,000 × 200 / 700) = 285
    await b.deliver(first); // amount_refunded 100: already covered
    const copy = { ...second, id: `${second.id}_copy` } as Stripe.Event;
    await b.deliver(copy);
    expect(refundedCredits(b, user)).toBe(285);
    expect(purchaseOf(b, sessionId)).toMatchObject({ amountRefundedCents: 200, creditsRefunded: 285 });
  });

  it("never removes more than is left when the credits were already spent", async () => {
    const b = await harness({ deliver: "auto" });
    const user = b.newUser();
    const { sessionId } = await payTopup(b, user);
    const { deductCredits } = await import("../credits/index.server");
    deductCredits(b.context, { userId: user, amount: 900 });
    await b.offline.trigger.refund({ payment_intent: purchaseOf(b, sessionId).stripePaymentIntentId! });
    expect(refundedCredits(b, user)).toBe(100);
    expect(b.balance(user)).toBe(0);
    expect(purchaseOf(b, sessionId)).toMatchObject({ status: "refunded", creditsRefunded: 1000 });
  });

  it("makes a refund that arrives before the purchase's checkout event wait (503), then applies it once", async () => {
    const b = await harness({ deliver: "manual" });
    const user = b.newUser();
    const { completed } = await payTopup(b, user);
    const session = completed.data.object as Stripe.Checkout.Session;
    const from = b.mark();
    await b.offline.trigger.refund({ payment_intent: session.payment_intent as string, amount: 350 });
    const [refunded] = b.eventsSince(from, ["charge.refunded"]);

    const early = await b.deliver(refunded);
    expect(early.status).toBe(503);
    expect(b.balance(user)).toBe(0); // nothing granted or removed yet
    // The checkout event catches the refund up from the charge it reads...
    expect((await b.deliver(completed)).body.status).toBe("processed");
    expect(b.balance(user)).toBe(500);
    expect(refundedCredits(b, user)).toBe(500);
    // ...and Stripe's retry of the refund then finds it already applied.
    expect((await b.deliver(refunded)).body.status).toBe("processed");
    expect(b.balance(user)).toBe(500);
    expect(refundedCredits(b, user)).toBe(500);
  });

  it("removes no credits for a refunded subscription invoice and records the refund in payment history", async () => {
    const b = await harness({ deliver: "auto" });
    const user = b.newUser();
    const checkout = await startSubscriptionCheckout(checkoutCtx(b), b.stripe, {
      userId: user,
      planId: b.plans.starter.id,
    });
    const session = await b.offline.trigger.payCheckout(checkout.sessionId);
    const invoice = await b.stripe.invoices.retrieve(session.invoice as string, { expand: ["payments"] });
    const paymentIntent = invoice.payments!.data[0].payment.payment_intent as string;
    const from = b.mark();
    await b.offline.trigger.refund({ payment_intent: paymentIntent, amount: 100 });
    const [refunded] = b.eventsSince(from, ["charge.refunded"]);
    expect(getStripeEvent(b.context.db, refunded.id)).toMatchObject({ status: "processed" });
    expect(b.balance(user)).toBe(1000);
    const [payment] = listPayments(b.context, user);
    expect(payment).toMatchObject({
      kind: "subscription",
      amountCents: 1000,
      amountRefundedCents: 100,
      status: "partially_refunded",
    });
  });
});

describe("held events", () => {
  it("holds an event for a price without credits metadata, creates no plan, and grants once after the admin created the plan and replayed it", async () => {
    const b = await harness({ deliver: "auto" });
    const user = b.newUser();
    const { priceId, completed } = await payUnknownPrice(b, user, 300);

    const held = getStripeEvent(b.context.db, completed.id)!;
    expect(held.status).toBe("held");
    expect(held.error).toMatch(/credits metadata/);
    expect(
      b.context.db.$client.prepare("select count(*) as n from topup_plans where stripe_price_id = ?").get(priceId),
    ).toEqual({ n: 0 });
    expect(b.balance(user)).toBe(0);
    expect(listStripeEvents(b.context.db).map((e) => e.id)).toContain(completed.id);

    // Still held while nothing changed.
    expect((await replayStripeEvent(b.context, b.stripe, completed.id)).event.status).toBe("held");

    await b.createPlan({
      kind: "topup",
      input: { internalId: "mystery", publicName: "Mystery", credits: 300, stripePriceId: priceId },
    });
    const replayed = await replayStripeEvent(b.context, b.stripe, completed.id);
    expect(replayed).toMatchObject({ event: { id: completed.id, status: "processed" }, outcome: "processed" });
    expect(b.balance(user)).toBe(300);

    const again = await replayStripeEvent(b.context, b.stripe, completed.id);
    expect(again).toMatchObject({ event: { status: "processed" }, outcome: "duplicate" });
    expect(b.balance(user)).toBe(300);
    expect(getStripeEvent(b.context.db, completed.id)).toMatchObject({ attempts: 3 });
  });

  it("answers not_found when replaying an unknown event", async () => {
    const b = await harness();
    await expect(replayStripeEvent(b.context, b.stripe, "evt_nope")).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("failures", () => {
  it("leaves nothing behind when applying an event crashes half-way, and the retry succeeds", async () => {
    const b = await harness();
    const user = b.newUser();
    const { completed } = await payTopup(b, user);
    const before = b.counts();

    const crashed = await b.deliver(completed, {
      afterEffects: () => {
        throw new Error("simulated crash after the grant was written");
      },
    });
    expect(crashed.status).toBe(500);
    expect(b.counts()).toMatchObject({ ...before, stripeEvents: before.stripeEvents + 1 });
    expect(b.balance(user)).toBe(0);
    expect(getStripeEvent(b.context.db, completed.id)).toMatchObject({
      status: "failed",
      attempts: 1,
      processedAt: null,
    });
    expect(getStripeEvent(b.context.db, completed.id)!.error).toMatch(/simulated crash/);

    const retried = await b.deliver(completed);
    expect(retried).toMatchObject({ status: 200, body: { status: "processed" } });
    expect(b.balance(user)).toBe(1000);
    expect(b.counts()).toMatchObject({ topupPurchases: 1, creditGrants: 1 });
    expect(getStripeEvent(b.context.db, completed.id)).toMatchObject({ status: "processed", attempts: 2, error: null });
  });

  it("keeps none of an event's effects when the process dies in the middle of applying it", async () => {
    const b = await harness();
    const user = b.newUser();
    const { completed } = await payTopup(b, user);
    const before = b.counts();
    const fs = await import("node:fs");
    const path = await import("node:path");
    const { spawn } = await import("node:child_process");
    const eventFile = `${b.ctx.path}.event.json`;
    fs.writeFileSync(eventFile, JSON.stringify(completed));
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.resolve("test/billing/crash-apply.ts"),
        b.ctx.path,
        b.context.env.STRIPE_API_BASE!,
        b.context.env.STRIPE_SECRET_KEY!,
        eventFile,
        b.context.clock.now().toISOString(),
      ],
      { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LOG_LEVEL: "silent" } },
    );
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code, stderr).toBe(70);

    expect(b.counts()).toEqual(before); // not even the event row
    expect(b.balance(user)).toBe(0);
    expect((await b.deliver(completed)).body.status).toBe("processed");
    expect(b.balance(user)).toBe(1000);
  });

  it("answers 503 and grants nothing while Stripe cannot be reached, then processes the retry", async () => {
    const b = await harness();
    const user = b.newUser();
    const { completed } = await payTopup(b, user);
    const { default: StripeSdk } = await import("stripe");
    const port = await freePort(); // nothing listens there
    const unreachable = new StripeSdk(b.context.env.STRIPE_SECRET_KEY!, {
      host: "127.0.0.1",
      port,
      protocol: "http",
      maxNetworkRetries: 0,
    });
    const payload = JSON.stringify(completed);
    const secret = b.context.env.STRIPE_WEBHOOK_SECRET!;
    const answer = await receiveStripeWebhook(b.context, unreachable, {
      body: payload,
      signature: b.sign(payload),
      secret,
    });
    expect(answer.status).toBe(503);
    expect(b.balance(user)).toBe(0);
    expect(getStripeEvent(b.context.db, completed.id)).toMatchObject({ status: "received", processedAt: null });

    expect((await b.deliver(completed)).body.status).toBe("processed");
    expect(b.balance(user)).toBe(1000);
  });

  it("answers 503 when the database stays locked by another writer, then processes the retry", async () => {
    const b = await harness();
    const user = b.newUser();
    const { completed } = await payTopup(b, user);
    const { openSqlite } = await import("../../db/client");
    const other = openSqlite(b.ctx.path);
    b.context.db.$client.pragma("busy_timeout = 50");
    try {
      other.prepare("begin immediate").run();
      const answer = await b.deliver(completed);
      expect(answer.status).toBe(503);
      other.prepare("rollback").run();
    } finally {
      other.close();
    }
    expect(b.balance(user)).toBe(0);
    expect((await b.deliver(completed)).body.status).toBe("processed");
    expect(b.balance(user)).toBe(1000);
  });
});
