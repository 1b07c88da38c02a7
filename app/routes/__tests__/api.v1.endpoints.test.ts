import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type ApiHarness } from "./api-harness";

// Success answers of every v1 endpoint, idempotent replays, conflicts, retries after failures,
// and the ledger's pagination. A fresh database per test.

let api: ApiHarness;
beforeEach(() => {
  api = createHarness();
});
afterEach(() => api.close());

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function newUser(email = "ada@example.com"): Promise<number> {
  const res = await api.post("/api/v1/users", { email, name: "Ada" });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

async function grant(userId: number, body: Record<string, unknown>) {
  const res = await api.post(`/api/v1/users/${userId}/grants`, body);
  expect(res.status, res.text).toBe(201);
  return res.body;
}

describe("POST /api/v1/users", () => {
  it("creates a user and answers 201 {id, email, name, externalId, lowBalanceThreshold, balance}", async () => {
    const res = await api.post("/api/v1/users", { email: "  Ada@Example.com ", name: "Ada", plan: "ignored" });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      email: "ada@example.com",
      name: "Ada",
      externalId: null,
      lowBalanceThreshold: null,
      balance: 0,
    });
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(api.counts().users).toBe(1);
  });

  it("creates a user without a name", async () => {
    const res = await api.post("/api/v1/users", { email: "nameless@example.com" });
    expect(res.body).toMatchObject({ email: "nameless@example.com", name: "" });
  });

  it("replays a creation with the same Idempotency-Key instead of answering 409", async () => {
    const first = await api.post("/api/v1/users", { email: "once@example.com" }, { idempotencyKey: "create-once" });
    const again = await api.post("/api/v1/users", { email: "once@example.com" }, { idempotencyKey: "create-once" });
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(api.counts().users).toBe(1);
  });
});

describe("GET /api/v1/users/:userId and /balance", () => {
  it("answers the user with the balance spendable now", async () => {
    const userId = await newUser();
    await grant(userId, { amount: 100, type: "topup" });
    await grant(userId, { amount: 50, type: "promotional", effectiveAt: "2026-02-01T00:00:00Z" });
    const res = await api.get(`/api/v1/users/${userId}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: userId,
      email: "ada@example.com",
      name: "Ada",
      externalId: null,
      lowBalanceThreshold: null,
      balance: 100,
    });
  });

  it("breaks the balance down by type, shows the next expiry and lists grants in burn-down order", async () => {
    const userId = await newUser();
    const topup = await grant(userId, { amount: 300, type: "topup", expiresAt: "2027-01-01T00:00:00Z" });
    const sub = await grant(userId, { amount: 100, type: "subscription", expiresAt: "2026-02-01T00:00:00Z" });
    const promo = await grant(userId, { amount: 20, type: "promotional" });
    await grant(userId, { amount: 999, type: "promotional", effectiveAt: "2026-03-01T00:00:00Z" });
    const res = await api.get(`/api/v1/users/${userId}/balance`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      userId,
      balance: 420,
      held: 0,
      breakdown: { subscription: 100, topup: 300, promotional: 20 },
      nextExpiry: { amount: 100, expiresAt: "2026-02-01T00:00:00.000Z" },
      grantCount: 3,
      grants: [sub.grant, promo.grant, topup.grant],
    });
  });

  it("answers a balance of zero with no next expiry for a user without grants", async () => {
    const userId = await newUser();
    const res = await api.get(`/api/v1/users/${userId}/balance`);
    expect(res.body).toEqual({
      userId,
      balance: 0,
      held: 0,
      breakdown: { subscription: 0, topup: 0, promotional: 0 },
      nextExpiry: null,
      grantCount: 0,
      grants: [],
    });
  });
});

describe("POST /api/v1/users/:userId/grants", () => {
  it("answers 201 {grant, balance, metadata} with the API as source and the key as actor", async () => {
    const userId = await newUser();
    const res = await api.post(`/api/v1/users/${userId}/grants`, {
      amount: 500,
      type: "topup",
      expiresAt: "2026-12-31T00:00:00+01:00",
      priority: 5,
      reason: "goodwill",
      metadata: { campaign: "spring" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      grant: expect.objectContaining({
        id: expect.any(Number),
        userId,
        type: "topup",
        amount: 500,
        remaining: 500,
        priority: 5,
        effectiveAt: "2026-01-01T00:00:00.000Z",
        expiresAt: "2026-12-30T23:00:00.000Z",
        status: "active",
        source: "api",
      }),
      balance: 500,
      metadata: { campaign: "spring" },
    });
    const entry = api.ctx.db.$client.prepare("select type, amount, actor, grant_id, metadata from credit_ledger").get();
    expect(entry).toEqual({
      type: "grant",
      amount: 500,
      actor: "api_key:1",
      grant_id: res.body.grant.id,
      metadata: '{"campaign":"spring"}',
    });
    const ledger = await api.get(`/api/v1/users/${userId}/ledger`);
    expect(ledger.body.entries[0].metadata).toEqual({ campaign: "spring" });
  });

  it("treats effectiveAt and priority sent as null like absent ones, as it does expiresAt and reason", async () => {
    const userId = await newUser();
    const res = await api.post(`/api/v1/users/${userId}/grants`, {
      amount: 5,
      type: "promotional",
      effectiveAt: null,
      expiresAt: null,
      priority: null,
      reason: null,
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.grant).toMatchObject({
      effectiveAt: "2026-01-01T00:00:00.000Z",
      expiresAt: null,
      priority: 20,
      reason: null,
    });
  });

  it("applies the default priority of the type and shows a future-dated grant as pending", async () => {
    const userId = await newUser();
    const res = await grant(userId, { amount: 5, type: "subscription", effectiveAt: "2026-02-01T00:00:00Z" });
    expect(res.grant).toMatchObject({ status: "pending", priority: 10, effectiveAt: "2026-02-01T00:00:00.000Z" });
    expect(res.balance).toBe(0);
  });

  it("replays with the same key and body, conflicts with another body, and keys are per user", async () => {
    const userId = await newUser();
    const other = await newUser("bob@example.com");
    const body = { amount: 10, type: "promotional" };
    const first = await api.post(`/api/v1/users/${userId}/grants`, body, { idempotencyKey: "g-1" });
    const before = api.counts();
    const replay = await api.post(
      `/api/v1/users/${userId}/grants`,
      { type: "promotional", amount: 10 },
      { idempotencyKey: "g-1" },
    );
    expect(replay.status).toBe(201);
    expect(replay.text).toBe(first.text);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(api.counts()).toEqual(before);

    const conflict = await api.post(
      `/api/v1/users/${userId}/grants`,
      { amount: 11, type: "promotional" },
      { idempotencyKey: "g-1" },
    );
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe("idempotency_conflict");
    expect(api.counts()).toEqual(before);

    const elsewhere = await api.post(`/api/v1/users/${other}/grants`, body, { idempotencyKey: "g-1" });
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.headers.get("idempotent-replayed")).toBeNull();
  });
});

describe("POST /api/v1/users/:userId/deductions", () => {
  it("answers 201 {id, amount, balance, allocations} spending in burn-down order", async () => {
    const userId = await newUser();
    const topup = await grant(userId, { amount: 100, type: "topup" });
    const promo = await grant(userId, { amount: 30, type: "promotional" });
    const res = await api.post(
      `/api/v1/users/${userId}/deductions`,
      { amount: 50, reason: "image render", metadata: { job: "r-1" } },
      { key: api.keys.usage },
    );
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      amount: 50,
      balance: 80,
      allocations: [
        { grantId: promo.grant.id, amount: 30 },
        { grantId: topup.grant.id, amount: 20 },
      ],
      metadata: { job: "r-1" },
    });
    const entry = api.ctx.db.$client
      .prepare("select type, amount, balance_after, reason, actor from credit_ledger where id = ?")
      .get(res.body.id);
    expect(entry).toEqual({
      type: "deduction",
      amount: -50,
      balance_after: 80,
      reason: "image render",
      actor: "api_key:2",
    });
  });

  it("replays a deduction with the same key: same status and body, Idempotent-Replayed, no new rows", async () => {
    const userId = await newUser();
    await grant(userId, { amount: 100, type: "topup" });
    const path = `/api/v1/users/${userId}/deductions`;
    const first = await api.post(path, { amount: 7, metadata: { a: 1, b: 2 } }, { idempotencyKey: "d-1" });
    const before = api.counts();
    const replay = await api.post(path, { metadata: { b: 2, a: 1 }, amount: 7 }, { idempotencyKey: "d-1" });
    expect(replay.status).toBe(first.status);
    expect(replay.text).toBe(first.text);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(api.counts()).toEqual(before);
    const key = api.ctx.db.$client.prepare("select idempotency_key from credit_ledger where id = ?").get(first.body.id);
    expect(key).toEqual({ idempotency_key: `api:users/${userId}/deductions:d-1` });
    expect((await api.get(`/api/v1/users/${userId}/balance`)).body.balance).toBe(93);
  });

  it("answers 409 idempotency_conflict for the same key with another amount, writing nothing", async () => {
    const userId = await newUser();
    await grant(userId, { amount: 100, type: "topup" });
    const path = `/api/v1/users/${userId}/deductions`;
    await api.post(path, { amount: 7 }, { idempotencyKey: "d-1" });
    const before = api.counts();
    const res = await api.post(path, { amount: 8 }, { idempotencyKey: "d-1" });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "idempotency_conflict", field: "Idempotency-Key" });
    expect(api.counts()).toEqual(before);
  });

  it("lets a request that failed be retried with the same key once it can succeed", async () => {
    const userId = await newUser();
    const path = `/api/v1/users/${userId}/deductions`;
    const short = await api.post(path, { amount: 40 }, { idempotencyKey: "retry-me" });
    expect(short.status).toBe(402);
    expect(short.body).toMatchObject({ balance: 0, requested: 40 });
    expect(api.counts().idempotency).toBe(0);
    await grant(userId, { amount: 50, type: "topup" });
    const retried = await api.post(path, { amount: 40 }, { idempotencyKey: "retry-me" });
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    expect(retried.body.balance).toBe(10);
  });

  it("writes once when two identical requests with one key arrive at the same time", async () => {
    const userId = await newUser();
    await grant(userId, { amount: 100, type: "topup" });
    const path = `/api/v1/users/${userId}/deductions`;
    const before = api.counts();
    const [a, b] = await Promise.all([
      api.post(path, { amount: 5 }, { idempotencyKey: "twin" }),
      api.post(path, { amount: 5 }, { idempotencyKey: "twin" }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.text).toBe(b.text);
    expect([a.headers.get("idempotent-replayed"), b.headers.get("idempotent-replayed")].sort()).toEqual(
      [null, "true"].sort(),
    );
    expect(api.counts().ledger).toBe(before.ledger + 1);
    expect((await api.get(`/api/v1/users/${userId}`)).body.balance).toBe(95);
  });

  it("stores a deduction's metadata exactly as sent, even a key named __proto__", async () => {
    const userId = await newUser();
    await grant(userId, { amount: 10, type: "topup" });
    const metadata = '{"__proto__":{"admin":true},"job":"r-1"}';
    const res = await api.post(`/api/v1/users/${userId}/deductions`, `{"amount":1,"metadata":${metadata}}`);
    expect(res.status, res.text).toBe(201);
    const stored = api.ctx.db.$client
      .prepare("select metadata from credit_ledger where id = ?")
      .pluck()
      .get(res.body.id);
    expect(stored).toBe(metadata);
  });

  it("deducts again for each request without an Idempotency-Key", async () => {
    const userId = await newUser();
    await grant(userId, { amount: 10, type: "topup" });
    const path = `/api/v1/users/${userId}/deductions`;
    await api.post(path, { amount: 3 });
    const second = await api.post(path, { amount: 3 });
    expect(second.body.balance).toBe(4);
  });
});

describe("POST /api/v1/grants/:grantId/void", () => {
  it("answers 200 {grant, balance} with what was left removed, and a second void changes nothing", async () => {
    const userId = await newUser();
    const g = await grant(userId, { amount: 40, type: "promotional" });
    await grant(userId, { amount: 10, type: "topup" });
    await api.post(`/api/v1/users/${userId}/deductions`, { amount: 15 });
    const res = await api.post(`/api/v1/grants/${g.grant.id}/void`, { reason: "abuse" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      grant: expect.objectContaining({ id: g.grant.id, status: "voided", remaining: 0, amount: 40 }),
      balance: 10,
    });
    const before = api.counts();
    const again = await api.post(`/api/v1/grants/${g.grant.id}/void`, {});
    expect(again.status).toBe(200);
    expect(again.body.balance).toBe(10);
    expect(api.counts().ledger).toBe(before.ledger);
  });

  it("accepts a void without a body and replays it by Idempotency-Key", async () => {
    const userId = await newUser();
    const g = await grant(userId, { amount: 40, type: "promotional" });
    const first = await api.post(`/api/v1/grants/${g.grant.id}/void`, undefined, { idempotencyKey: "v" });
    expect(first.status).toBe(200);
    const before = api.counts();
    const replay = await api.post(`/api/v1/grants/${g.grant.id}/void`, undefined, { idempotencyKey: "v" });
    expect(replay.status).toBe(200);
    expect(replay.text).toBe(first.text);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(api.counts()).toEqual(before);
  });
});

describe("GET /api/v1/users/:userId/ledger", () => {
  it("pages through every entry newest first, with nextCursor null on the last page", async () => {
    const userId = await newUser();
    await grant(userId, { amount: 100, type: "topup" });
    for (let i = 1; i <= 6; i++) {
      api.ctx.clock.advance(1000);
      await api.post(`/api/v1/users/${userId}/deductions`, { amount: i, reason: `job ${i}` });
    }
    const seen: { id: number; type: string; amount: number; balanceAfter: number }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const res = await api.get(`/api/v1/users/${userId}/ledger?limit=3${q}`, { key: api.keys.usage });
      expect(res.status).toBe(200);
      expect(res.body.entries.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.entries);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(7);
    expect(seen.map((e) => e.id)).toEqual([...seen.map((e) => e.id)].sort((a, b) => b - a));
    expect(seen.at(-1)).toMatchObject({ type: "grant", amount: 100, balanceAfter: 100 });
    expect(seen[0]).toMatchObject({
      type: "deduction",
      amount: -6,
      balanceAfter: 79,
      reason: "job 6",
      createdAt: expect.stringMatching(ISO),
      allocations: [{ grantId: expect.any(Number), amount: 6 }],
    });
  });

  it("answers 50 entries by default", async () => {
    const userId = await newUser();
    await grant(userId, { amount: 1000, type: "topup" });
    for (let i = 0; i < 55; i++) await api.post(`/api/v1/users/${userId}/deductions`, { amount: 1 });
    const res = await api.get(`/api/v1/users/${userId}/ledger`);
    expect(res.body.entries).toHaveLength(50);
    expect(res.body.nextCursor).toEqual(expect.any(String));
  });

  it("answers an empty page for a user without entries", async () => {
    const userId = await newUser();
    const res = await api.get(`/api/v1/users/${userId}/ledger`);
    expect(res.body).toEqual({ entries: [], nextCursor: null });
  });
});
