/**
 * The rate card on the production server (build/node/server.js, DEMO=1 with the offline Stripe):
 * every answer is checked against the OpenAPI document by the test client.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProductionServer, type ProductionServer } from "../../test/production-server";
import { freePort } from "../../test/server-process";

let server: ProductionServer;
let stripeUrl: string;

beforeAll(async () => {
  const stripePort = await freePort();
  stripeUrl = `http://127.0.0.1:${stripePort}`;
  server = await startProductionServer({ STRIPE_OFFLINE_PORT: String(stripePort) });
}, 120_000);
afterAll(async () => {
  await server?.close();
});

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const untilMs = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > untilMs) throw new Error(`timed out waiting for ${what}\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let n = 0;
async function userWith(credits: number): Promise<{ id: number; ext: string }> {
  const ext = `rate-${process.pid}-${++n}`;
  const user = await server.post("/api/v1/users", { email: `${ext}@example.com`, externalId: ext });
  expect(user.status).toBe(201);
  if (credits > 0) {
    const g = await server.post(`/api/v1/users/${user.body.id}/grants`, { amount: credits, type: "topup" });
    expect(g.status).toBe(201);
  }
  return { id: user.body.id, ext };
}

describe("the rate card on the production server", () => {
  it("creates features, lists them, refuses a taken key, and changes a price: usage is charged at the price in effect", async () => {
    const created = await server.post("/api/admin/features", {
      key: "images",
      name: "Images",
      unitName: "image",
      price: { credits: 3, perUnits: 1 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: "images", price: { version: 1, credits: 3, perUnits: 1 } });
    const taken = await server.post("/api/admin/features", {
      key: "images",
      name: "x",
      unitName: "x",
      price: { credits: 1, perUnits: 1 },
    });
    expect([taken.status, taken.body.error.code]).toEqual([409, "conflict"]);
    expect((await server.get("/api/admin/features/nope")).status).toBe(404);
    const tokens = await server.post("/api/admin/features", {
      key: "tokens",
      name: "Tokens",
      unitName: "token",
      price: { credits: 1, perUnits: 1000 },
    });
    expect(tokens.status).toBe(201);

    const u = await userWith(100);
    const first = await server.post(`/api/v1/users/${u.id}/usage`, { feature: "images", quantity: 1 });
    expect(first.body.credits).toBe(3);
    const v2 = await server.post("/api/admin/features/images/prices", { credits: 4, perUnits: 1 });
    expect([v2.status, v2.body.version]).toEqual([201, 2]);
    const second = await server.post(`/api/v1/users/${u.id}/usage`, { feature: "images", quantity: 1 });
    expect(second.body.credits).toBe(4);
    const feature = await server.get("/api/admin/features/images");
    expect(feature.body.prices.map((p: { version: number }) => p.version)).toEqual([2, 1]);
    const ledger = await server.get(`/api/v1/users/${u.id}/ledger`);
    expect(ledger.body.entries[0].usage).toMatchObject({ feature: "images", quantity: 1, priceVersion: 2 });
    const audit = server.query<{ action: string }>(
      `select action from audit_log where subject = 'feature:images' order by id`,
    );
    expect(audit.map((a) => a.action)).toEqual(["feature.created", "feature.price_added"]);
  });

  it("checks without writing, records usage (ext: ids, replay), and refuses 402 and 404 with nothing written", async () => {
    const u = await userWith(10);
    const before = server.counts();
    const check = await server.post(
      `/api/v1/users/ext:${u.ext}/check`,
      { feature: "images", quantity: 2 },
      { key: server.keys.usage },
    );
    expect(check.status).toBe(200);
    expect(check.body).toEqual({ allowed: true, credits: 8, balance: 10, includedRemaining: 0 });
    const short = await server.post(`/api/v1/users/${u.id}/check`, { feature: "images", quantity: 3 });
    expect(short.body).toMatchObject({ allowed: false, reason: "insufficient_credits", credits: 12 });
    expect(server.counts()).toEqual(before);

    const used = await server.post(
      `/api/v1/users/ext:${u.ext}/usage`,
      { feature: "images", quantity: 2 },
      { idempotencyKey: "u1" },
    );
    expect(used.status).toBe(201);
    expect(Object.keys(used.body).sort()).toEqual(
      ["balance", "credits", "deduction", "feature", "id", "includedUnitsUsed", "quantity"].sort(),
    );
    expect(used.body).toMatchObject({ feature: "images", quantity: 2, credits: 8, includedUnitsUsed: 0, balance: 2 });
    const replay = await server.post(
      `/api/v1/users/${u.id}/usage`,
      { feature: "images", quantity: 2 },
      { idempotencyKey: "u1" },
    );
    expect([replay.status, replay.headers.get("idempotent-replayed"), replay.body]).toEqual([201, "true", used.body]);

    const after = server.counts();
    const refused = await server.post(`/api/v1/users/${u.id}/usage`, { feature: "images", quantity: 1 });
    expect([refused.status, refused.body.error.code]).toEqual([402, "insufficient_credits"]);
    const unknown = await server.post(`/api/v1/users/${u.id}/usage`, { feature: "nope", quantity: 1 });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "not_found"]);
    expect(server.counts()).toEqual(after);

    const summary = await server.get(`/api/v1/users/${u.id}/usage?from=2020-01-01T00:00:00Z`);
    expect(summary.body).toEqual({ data: [{ feature: "images", quantity: 2, credits: 8 }] });
  });

  it("charges 1,000 single tokens at 1 credit per 1,000 exactly 1 credit (a batch), and the 1,001st starts the next", async () => {
    const u = await userWith(5);
    const events = Array.from({ length: 1000 }, (_, i) => ({
      userId: `ext:${u.ext}`,
      feature: "tokens",
      quantity: 1,
      idempotencyKey: `t-${i}`,
    }));
    const batch = await server.post("/api/v1/usage/batch", { events });
    expect(batch.status).toBe(200);
    expect(batch.body.results.every((r: { status: number }) => r.status === 201)).toBe(true);
    const charged = batch.body.results.reduce((a: number, r: { body: { credits: number } }) => a + r.body.credits, 0);
    expect(charged).toBe(1);
    expect((await server.get(`/api/v1/users/${u.id}/balance`)).body.balance).toBe(4);
    const next = await server.post(`/api/v1/users/${u.id}/usage`, { feature: "tokens", quantity: 1 });
    expect(next.body).toMatchObject({ credits: 1, balance: 3 });
    const entries = (await server.get(`/api/v1/users/${u.id}/ledger`)).body.entries;
    expect(entries[0].usage).toEqual({
      feature: "tokens",
      quantity: 1,
      priceVersion: 1,
      includedUnitsUsed: 0,
      carriedUnits: 999,
    });
    const mixed = await server.post("/api/v1/usage/batch", {
      events: [
        { userId: u.id, feature: "tokens", quantity: 1, idempotencyKey: "t-0" },
        { userId: u.id, feature: "images", quantity: 10, idempotencyKey: "m-1" },
        { userId: u.id, feature: "nope", quantity: 1, idempotencyKey: "m-2" },
      ],
    });
    expect(mixed.body.results.map((r: { status: number }) => r.status)).toEqual([201, 402, 404]);
    expect(mixed.body.results[0].replayed).toBe(true);
  });

  it("holds a feature's worst case and captures part of it at the held price", async () => {
    const u = await userWith(50);
    const held = await server.post(`/api/v1/users/${u.id}/holds`, { feature: "images", quantity: 5 });
    expect(held.status).toBe(201);
    expect(held.body.hold).toMatchObject({ amount: 20, feature: "images", quantity: 5, priceVersion: 2 });
    await server.post("/api/admin/features/images/prices", { credits: 9, perUnits: 1 });
    const captured = await server.post(`/api/v1/holds/${held.body.hold.id}/capture`, { quantity: 2 });
    expect(captured.status).toBe(200);
    expect(captured.body.deduction.amount).toBe(8);
    expect(captured.body.usage).toMatchObject({ feature: "images", quantity: 2, credits: 8, balance: 42 });
  });

  it("a plan's own price, included units and a disabled feature; included units come back at renewal on the offline Stripe", async () => {
    const family = `rate${process.pid}`;
    const plan = await server.post("/api/admin/subscription-plans", {
      planFamily: family,
      publicName: `Rate ${family}`,
      credits: 100,
      priceCents: 1000,
      features: { images: { includedUnits: 2, price: { credits: 2, perUnits: 1 } }, tokens: { enabled: false } },
    });
    expect(plan.status).toBe(201);
    expect(plan.body.features).toMatchObject([
      { feature: "images", includedUnits: 2, price: { credits: 2 } },
      { feature: "tokens", enabled: false },
    ]);

    // A customer subscribes through Checkout on the offline Stripe.
    const app = server.base;
    const email = `rate-sub-${process.pid}@example.com`;
    const signup = await fetch(`${app}/signup`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: app },
      body: new URLSearchParams({ email, name: "Sub", password: "a long enough password 123" }),
      redirect: "manual",
    });
    const cookie = signup.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const subscribe = await fetch(`${app}/billing?index`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: app, cookie },
      body: new URLSearchParams({ intent: "subscribe", planId: String(plan.body.id) }),
      redirect: "manual",
    });
    const checkout = subscribe.headers.get("location") ?? "";
    expect(checkout).toMatch(/\/_offline-stripe\/checkout\/cs_/);
    await fetch(`${new URL(checkout, app).toString()}/pay`, {
      method: "POST",
      headers: { origin: app, cookie },
      redirect: "manual",
    });
    const [{ id: userId }] = server.query<{ id: number }>(`select id from users where email = ?`, email);
    const sub = await waitFor("the subscription", async () => {
      const rows = server.query<{ sid: string; start: number }>(
        `select stripe_subscription_id as sid, current_period_start as start from user_subscriptions where user_id = ? and status = 'active' and current_period_start is not null`,
        userId,
      );
      return rows[0];
    });

    await waitFor("the plan's credits", async () =>
      (await server.get(`/api/v1/users/${userId}/balance`)).body.balance === 100 ? true : undefined,
    );
    const a = await server.post(`/api/v1/users/${userId}/usage`, { feature: "images", quantity: 2 });
    expect(a.body).toMatchObject({ credits: 0, includedUnitsUsed: 2, deduction: null });
    const b = await server.post(`/api/v1/users/${userId}/usage`, { feature: "images", quantity: 1 });
    expect(b.body).toMatchObject({ credits: 2, includedUnitsUsed: 0 });
    const before = server.counts();
    const denied = await server.post(`/api/v1/users/${userId}/usage`, { feature: "tokens", quantity: 1 });
    expect([denied.status, denied.body.error.code]).toEqual([403, "feature_not_included"]);
    expect(server.counts()).toEqual(before);

    // Terms changed on a plan with a subscriber: a new version; the subscriber keeps the old terms.
    const changed = await server.patch(`/api/admin/subscription-plans/${plan.body.id}`, {
      features: { images: { includedUnits: 5 } },
    });
    expect(changed.status).toBe(201);
    expect(changed.body).toMatchObject({ planFamily: family, version: 2 });
    expect(changed.body.features[0]).toMatchObject({ feature: "images", includedUnits: 5 });
    expect((await server.get(`/api/admin/subscription-plans/${plan.body.id}`)).body.isLegacy).toBe(true);

    const renew = await fetch(`${stripeUrl}/_offline/subscriptions/${sub.sid}/renew`, { method: "POST" });
    expect(renew.status).toBeLessThan(400);
    await waitFor("the renewal", async () => {
      const rows = server.query<{ start: number }>(
        `select current_period_start as start from user_subscriptions where stripe_subscription_id = ?`,
        sub.sid,
      );
      return rows[0].start > sub.start ? true : undefined;
    });
    const check = await server.post(`/api/v1/users/${userId}/check`, { feature: "images", quantity: 1 });
    expect(check.body).toMatchObject({ allowed: true, credits: 0, includedRemaining: 2 });
  });
});
