/**
 * Auto top-up against the production server (build/node/server.js, DEMO=1: the offline Stripe it
 * starts for itself, real signed webhooks, the real event dispatcher and worker). Customers sign
 * up and buy a pack through the billing page and the offline Checkout (which saves their card);
 * an admin key sets auto top-up through the v1 API; deductions go through the v1 API.
 * (The cap across a month boundary and a lost webhook, over a history written with a moved clock: auto-topup-history.production.test.ts.)
 */
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProductionServer, type ProductionServer } from "../../test/production-server";
import { freePort } from "../../test/server-process";
import { signUpAndBuyPack } from "../../test/billing/pack-buyer";

const STRIPE_KEY = "sk_test_offline_0000000000000000000000000000";

let server: ProductionServer;
let app: string;
let stripeUrl: string;
let adminKey: string;

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const untilMs = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > untilMs) throw new Error(`timed out waiting for ${what}\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  const stripePort = await freePort();
  stripeUrl = `http://127.0.0.1:${stripePort}`;
  server = await startProductionServer({ STRIPE_OFFLINE_PORT: String(stripePort) });
  app = server.base;
  adminKey = server.keys.admin;
}, 120_000);

afterAll(async () => {
  await server?.close();
});

async function api(method: string, url: string, body?: unknown) {
  const res = await fetch(`${app}/api/v1${url}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const balance = async (userId: number) => (await api("GET", `/users/${userId}/balance`)).body.balance as number;

let emails = 0;

/** A customer who signed up and bought the 500-credit pack through Checkout (saving the card). */
async function customer(): Promise<{ userId: number; cookie: string; packId: number }> {
  const email = `auto-topup-${process.pid}-${++emails}@example.com`;
  const { userId, cookie, packId } = await signUpAndBuyPack(app, server.query, { email, name: "Auto" });
  await waitFor("the pack's credits", async () => ((await balance(userId)) === 500 ? true : undefined));
  return { userId, cookie, packId };
}

function attempts(userId: number) {
  return server.query<{ id: number; status: string; stripe_payment_intent_id: string | null }>(
    `select id, status, stripe_payment_intent_id from auto_topup_attempts where user_id = ? order by id`,
    userId,
  );
}

async function settled(userId: number, expectedBalance: number) {
  await waitFor(`balance ${expectedBalance}`, async () =>
    (await balance(userId)) === expectedBalance &&
    attempts(userId).every((a) => !["pending", "processing"].includes(a.status))
      ? true
      : undefined,
  );
}

async function turnOn(userId: number, packId: number, threshold = 300) {
  const r = await api("PATCH", `/users/${userId}/auto-topup`, {
    enabled: true,
    topupPlanId: packId,
    threshold,
    monthlyCapPacks: 5,
  });
  expect(r).toMatchObject({ status: 200, body: { enabled: true, threshold, monthlyCapPacks: 5 } });
}

describe("auto top-up on the production server", () => {
  it("refuses a bad setting with a field error and writes nothing", async () => {
    const { userId, packId } = await customer();
    for (const [body, field] of [
      [{ enabled: true, topupPlanId: packId, threshold: 0, monthlyCapPacks: 1 }, "threshold"],
      [{ enabled: true, topupPlanId: packId, threshold: 10, monthlyCapPacks: 101 }, "monthlyCapPacks"],
      [{ enabled: true, topupPlanId: 999_999, threshold: 10, monthlyCapPacks: 1 }, "topupPlanId"],
      [{ enabled: "yes" }, "enabled"],
      [{ surprise: 1 }, undefined],
    ] as const) {
      const r = await api("PATCH", `/users/${userId}/auto-topup`, body);
      expect(r.status).toBe(400);
      if (field) expect((r.body.error as { field: string }).field).toBe(field);
    }
    expect(server.query(`select * from auto_topup_settings where user_id = ?`, userId)).toEqual([]);
    expect((await api("PATCH", `/users/999999/auto-topup`, { enabled: false })).status).toBe(404);
  });

  it("buys one pack when a deduction crosses the threshold; a refund claws it back; a replayed payment_intent.succeeded grants once", async () => {
    const { userId, packId } = await customer();
    await turnOn(userId, packId);
    expect((await api("POST", `/users/${userId}/deductions`, { amount: 300 })).status).toBe(201);
    await settled(userId, 700); // 500 − 300 = 200 < 300 → one pack of 500
    const [attempt] = attempts(userId);
    expect(attempts(userId)).toHaveLength(1);
    expect(attempt.status).toBe("succeeded");

    // The same signed event again, and a copy under a new event id: nothing more is granted.
    const stripe = new Stripe(STRIPE_KEY, {
      host: "127.0.0.1",
      port: Number(new URL(stripeUrl).port),
      protocol: "http",
    });
    const events = await stripe.events.list({ type: "payment_intent.succeeded", limit: 100 });
    const event = events.data.find(
      (e) => (e.data.object as Stripe.PaymentIntent).id === attempt.stripe_payment_intent_id,
    )!;
    for (const copy of [event, { ...event, id: `${event.id}x` }]) {
      expect((await server.postStripeEvent(copy)).status).toBe(200);
    }
    expect(await balance(userId)).toBe(700);
    expect(server.query(`select count(*) as n from topup_purchases where user_id = ?`, userId)).toEqual([{ n: 2 }]);

    // A full refund of the automatic charge removes its credits.
    const refund = await fetch(`${stripeUrl}/_offline/refunds`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ payment_intent: attempt.stripe_payment_intent_id! }),
    });
    expect(refund.ok).toBe(true);
    await waitFor("the claw-back", async () => ((await balance(userId)) === 200 ? true : undefined));
  });

  it("the customer turns it on with the billing page's form; a bad field is refused beside it and nothing is saved", async () => {
    const { userId, packId, cookie } = await customer();
    const post = (fields: Record<string, string>) =>
      fetch(`${app}/billing?index`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: app, cookie },
        body: new URLSearchParams({ intent: "auto-topup", topupPlanId: String(packId), ...fields }),
      });
    const bad = await post({ enabled: "on", threshold: "0", monthlyCapPacks: "500" });
    expect(bad.status).toBe(400);
    expect(server.query(`select * from auto_topup_settings where user_id = ?`, userId)).toEqual([]);
    const ok = await post({ enabled: "on", threshold: "250", monthlyCapPacks: "2" });
    expect(ok.status).toBe(200);
    expect(server.query(`select auto_topup_threshold as t from users where id = ?`, userId)).toEqual([{ t: 250 }]);
    const page = await (await fetch(`${app}/billing`, { headers: { cookie } })).text();
    expect(page.replaceAll("<!-- -->", "")).toContain("This month: 0 of 2 packs.");
    const off = await post({ threshold: "250", monthlyCapPacks: "2" }); // the box unchecked
    expect(off.status).toBe(200);
    expect(
      server.query(
        `select auto_topup_threshold as t, s.enabled from users u join auto_topup_settings s on s.user_id = u.id where u.id = ?`,
        userId,
      ),
    ).toEqual([{ t: null, enabled: 0 }]);
  });

  it("buys one pack when 50 concurrent deductions cross the threshold", async () => {
    const { userId, packId } = await customer();
    await turnOn(userId, packId);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => api("POST", `/users/${userId}/deductions`, { amount: 5 })),
    );
    expect(answers.every((a) => a.status === 201)).toBe(true);
    await settled(userId, 500 - 250 + 500);
    expect(attempts(userId).map((a) => a.status)).toEqual(["succeeded"]);
  });

  it("turns itself off when the off-session payment is declined, and the billing page says so", async () => {
    const { userId, packId, cookie } = await customer();
    await turnOn(userId, packId);
    const declined = await fetch(`${stripeUrl}/_offline/payment_intents/decline_next`, { method: "POST" });
    expect(declined.ok).toBe(true);
    expect((await api("POST", `/users/${userId}/deductions`, { amount: 300 })).status).toBe(201);
    await waitFor("the failed attempt", () => (attempts(userId)[0]?.status === "failed" ? true : undefined));
    expect(await balance(userId)).toBe(200);
    expect(server.query(`select auto_topup_threshold as t from users where id = ?`, userId)).toEqual([{ t: null }]);
    const page = await (await fetch(`${app}/billing`, { headers: { cookie } })).text();
    expect(page).toContain("Auto top-up turned itself off: your card was declined");
    // Nothing retried, and off means off: the threshold is cleared, so spending asks for nothing more.
    expect((await api("POST", `/users/${userId}/deductions`, { amount: 150 })).status).toBe(201);
    expect(
      server.query(`select count(*) as n from event_outbox where type = 'auto_topup.needed' and user_id = ?`, userId),
    ).toEqual([{ n: 1 }]);
    expect(attempts(userId)).toHaveLength(1);
  });
});
