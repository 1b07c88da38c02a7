// POST /users/:userId/adjustments and GET /users/:userId/grants (issue 10), with GET /balance's
// bounded list, against the production server process.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantCredits, voidGrant } from "../../credits/index.server";
import { startProductionServer, type ProductionServer } from "../../../test/production-server";

let api: ProductionServer;
beforeAll(async () => {
  api = await startProductionServer();
}, 300_000);
afterAll(async () => {
  await api?.close();
});

let n = 0;
async function newUser(credits = 0): Promise<number> {
  const res = await api.post("/api/v1/users", { email: `adj${++n}-${Date.now()}@example.com` });
  expect(res.status, res.text).toBe(201);
  if (credits > 0) grantCredits(api.ctx, { userId: res.body.id, type: "topup", amount: credits, source: "admin" });
  return res.body.id;
}
const adjust = (userId: number | string, body: unknown, opts: { key?: string; idempotencyKey?: string } = {}) =>
  api.post(`/api/v1/users/${userId}/adjustments`, body, opts);

describe("POST /api/v1/users/:userId/adjustments", () => {
  it("adds credits with a positive amount: 201 {id, amount, balance, grantId, allocations: []}", async () => {
    const user = await newUser(10);
    const res = await adjust(user, { amount: 25, reason: "goodwill" });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      amount: 25,
      balance: 35,
      grantId: expect.any(Number),
      allocations: [],
    });
    const grants = (await api.get(`/api/v1/users/${user}/grants?status=all`)).body.data;
    expect(grants[0]).toMatchObject({
      id: res.body.grantId,
      type: "promotional",
      amount: 25,
      expiresAt: null,
      source: "api",
    });
    const entry = api.db.$client
      .prepare("select type, amount, reason, actor from credit_ledger where id = ?")
      .get(res.body.id) as Record<string, unknown>;
    expect(entry).toMatchObject({ type: "adjustment", amount: 25, reason: "goodwill" });
    expect(entry.actor).toMatch(/^api_key:\d+$/);
  });

  it("removes credits with a negative amount in burn-down order: grantId null and the allocations", async () => {
    const user = await newUser(10);
    const res = await adjust(user, { amount: -4, reason: "double charge" });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      amount: -4,
      balance: 6,
      grantId: null,
      allocations: [{ grantId: expect.any(Number), amount: 4 }],
    });
  });

  it("answers 402 insufficient_credits for taking more than the balance, writing nothing", async () => {
    const user = await newUser(3);
    const before = api.counts();
    const res = await adjust(user, { amount: -4, reason: "too much" });
    expect(res.status).toBe(402);
    expect(res.body).toMatchObject({ error: { code: "insufficient_credits" }, balance: 3, requested: 4 });
    expect(api.counts()).toEqual(before);
  });

  it.each([
    ["amount 0", { amount: 0, reason: "x" }, "amount"],
    ["no amount", { reason: "x" }, "amount"],
    ["a fractional amount", { amount: 1.5, reason: "x" }, "amount"],
    ["an amount as a string", { amount: "5", reason: "x" }, "amount"],
    ["an amount over the limit", { amount: 1_000_000_000_001, reason: "x" }, "amount"],
    ["an amount under minus the limit", { amount: -1_000_000_000_001, reason: "x" }, "amount"],
    ["no reason", { amount: 5 }, "reason"],
    ["a null reason", { amount: 5, reason: null }, "reason"],
    ["a blank reason", { amount: 5, reason: "   " }, "reason"],
    ["a reason over 1,000 characters", { amount: 5, reason: "x".repeat(1001) }, "reason"],
  ])("refuses %s with 400 naming the field, writing nothing", async (_name, body, field) => {
    const user = await newUser(10);
    const before = api.counts();
    const res = await adjust(user, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "invalid_request", field });
    expect(api.counts()).toEqual(before);
  });

  it("is for admin keys: 403 for a usage key, 401 without one, 404 for an unknown user — nothing written", async () => {
    const user = await newUser(10);
    const before = api.counts();
    expect((await adjust(user, { amount: 5, reason: "x" }, { key: api.keys.usage })).status).toBe(403);
    expect(
      (await api.post(`/api/v1/users/${user}/adjustments`, { amount: 5, reason: "x" }, { key: null })).status,
    ).toBe(401);
    expect((await adjust(99_999_999, { amount: 5, reason: "x" })).status).toBe(404);
    expect(api.counts()).toEqual(before);
  });

  it("replays by Idempotency-Key like grants: same answer, Idempotent-Replayed, nothing new; another body → 409", async () => {
    const user = await newUser(10);
    const first = await adjust(user, { amount: 5, reason: "once" }, { idempotencyKey: "adj-1" });
    expect(first.status).toBe(201);
    const before = api.counts();
    const replay = await adjust(user, { amount: 5, reason: "once" }, { idempotencyKey: "adj-1" });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(first.body);
    const conflict = await adjust(user, { amount: 6, reason: "once" }, { idempotencyKey: "adj-1" });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe("idempotency_conflict");
    expect(api.counts()).toEqual(before);
    expect((await api.get(`/api/v1/users/${user}/balance`)).body.balance).toBe(15);
  });
});

describe("GET /api/v1/users/:userId/grants", () => {
  const HOUR_MS = 3600_000;

  /** Collects every page of a listing; fails on a repeated grant. */
  async function allPages(userId: number, query: string, limit: number) {
    const ids: number[] = [];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const grants: any[] = [];
    let cursor: string | null = null;
    do {
      const res: Awaited<ReturnType<typeof api.get>> = await api.get(
        `/api/v1/users/${userId}/grants?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`,
        { key: api.keys.usage },
      );
      expect(res.status, res.text).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(limit);
      for (const g of res.body.data) {
        expect(ids).not.toContain(g.id);
        ids.push(g.id);
        grants.push(g);
      }
      cursor = res.body.nextCursor;
    } while (cursor);
    return grants;
  }

  it("pages through all active grants in burn-down order, continuing the balance's first 100 and matching grantCount", async () => {
    const user = await newUser();
    const nowMs = Date.now();
    // Mixed types, priorities, expiries (some never) and start times, created out of order.
    for (let i = 0; i < 130; i++) {
      grantCredits(api.ctx, {
        userId: user,
        type: (["subscription", "topup", "promotional"] as const)[i % 3],
        amount: 1 + (i % 5),
        source: "admin",
        priority: i % 7 === 0 ? 5 : undefined,
        expiresAt: i % 4 === 0 ? null : new Date(nowMs + ((i * 37) % 50) * HOUR_MS + HOUR_MS),
      });
    }
    const balance = (await api.get(`/api/v1/users/${user}/balance`)).body;
    expect(balance.grantCount).toBe(130);
    expect(balance.grants).toHaveLength(100);
    const active = await allPages(user, "status=active", 17);
    expect(active).toHaveLength(130);
    expect(active.slice(0, 100)).toEqual(balance.grants);
    // The default status is active.
    expect(await allPages(user, "", 50)).toEqual(active);
    // Burn-down order: priority, then expiry (never last), then start, then id.
    const key = (g: { priority: number; expiresAt: string | null; effectiveAt: string; id: number }) =>
      [g.priority, g.expiresAt === null ? 1 : 0, g.expiresAt ?? "", g.effectiveAt, g.id] as const;
    for (let i = 1; i < active.length; i++) {
      const [a, b] = [key(active[i - 1]), key(active[i])];
      const cmp = a.findIndex((v, j) => v !== b[j]);
      expect(cmp, `grants ${active[i - 1].id} and ${active[i].id}`).toBeGreaterThanOrEqual(0);
      expect(a[cmp] < b[cmp], `grants ${active[i - 1].id} before ${active[i].id}`).toBe(true);
    }
    // Together they hold the whole balance.
    expect(active.reduce((sum, g) => sum + g.remaining, 0)).toBe(balance.balance);
  });

  it("filters by status: pending by start, depleted, expired (swept or not), voided and all newest first", async () => {
    const user = await newUser();
    const nowMs = Date.now();
    const past = { now: () => new Date(nowMs - 10 * HOUR_MS) };
    const at = (clock: { now(): Date }) => ({ db: api.db, clock });
    const active = grantCredits(api.ctx, { userId: user, type: "topup", amount: 10, source: "admin" }).grant.id;
    const later = grantCredits(api.ctx, {
      userId: user,
      type: "topup",
      amount: 5,
      source: "admin",
      effectiveAt: new Date(nowMs + 5 * HOUR_MS),
    }).grant.id;
    const sooner = grantCredits(api.ctx, {
      userId: user,
      type: "topup",
      amount: 5,
      source: "admin",
      effectiveAt: new Date(nowMs + 2 * HOUR_MS),
    }).grant.id;
    // Expired an hour ago; the server's sweep is off, so no entry records it yet.
    const expired = grantCredits(at(past), {
      userId: user,
      type: "subscription",
      amount: 7,
      source: "admin",
      expiresAt: new Date(nowMs - HOUR_MS),
    }).grant.id;
    const voided = grantCredits(api.ctx, { userId: user, type: "promotional", amount: 3, source: "admin" }).grant.id;
    voidGrant(api.ctx, { grantId: voided });
    const depleted = grantCredits(api.ctx, { userId: user, type: "subscription", amount: 2, source: "admin" }).grant.id;
    expect((await api.post(`/api/v1/users/${user}/deductions`, { amount: 2 })).status).toBe(201);

    const ids = async (status: string) => (await allPages(user, `status=${status}`, 2)).map((g) => g.id);
    expect(await ids("active")).toEqual([active]);
    expect(await ids("pending")).toEqual([sooner, later]);
    expect(await ids("depleted")).toEqual([depleted]);
    expect(await ids("expired")).toEqual([expired]);
    expect(await ids("voided")).toEqual([voided]);
    expect(await ids("all")).toEqual([depleted, voided, expired, sooner, later, active]);
    const [shown] = await allPages(user, "status=expired", 5);
    expect(shown).toMatchObject({ status: "expired", remaining: 7 });
  });

  it.each([
    ["an unknown status", "status=spent", "status"],
    ["limit 0", "limit=0", "limit"],
    ["limit 101", "limit=101", "limit"],
    ["a made-up cursor", "cursor=abc", "cursor"],
    [
      "a cursor with the right shape but wrong values",
      `cursor=${Buffer.from('["grants:active","x"]').toString("base64url")}`,
      "cursor",
    ],
  ])("answers 400 for %s", async (_name, query, field) => {
    const user = await newUser(5);
    const res = await api.get(`/api/v1/users/${user}/grants?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "invalid_request", field });
  });

  it("refuses a cursor made for another status", async () => {
    const user = await newUser();
    for (let i = 0; i < 3; i++) grantCredits(api.ctx, { userId: user, type: "topup", amount: 1, source: "admin" });
    const page = await api.get(`/api/v1/users/${user}/grants?status=active&limit=1`);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const res = await api.get(`/api/v1/users/${user}/grants?status=all&cursor=${page.body.nextCursor}`);
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe("cursor");
  });

  it("answers 404 for an unknown user, an empty page for a user without grants, and 401 without a key", async () => {
    expect((await api.get("/api/v1/users/99999999/grants")).status).toBe(404);
    const user = await newUser();
    expect((await api.get(`/api/v1/users/${user}/grants`)).body).toEqual({ data: [], nextCursor: null });
    expect((await api.get(`/api/v1/users/${user}/grants`, { key: null })).status).toBe(401);
  });
});
