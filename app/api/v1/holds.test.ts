// Holds in the v1 API (issue 10 contract, decision 010) against the production server process:
// every contract line, errors included, and that a refused request writes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findInvariantViolations, grantCredits } from "../../credits/index.server";
import { startProductionServer, type ProductionServer } from "../../../test/production-server";

let api: ProductionServer;
beforeAll(async () => {
  // No sweep runs: lapsed holds must stop reserving on their own.
  api = await startProductionServer({ EXPIRY_SWEEP_INTERVAL_SECONDS: "0" });
}, 300_000);
/** Users whose grant's expiresAt a test moved into the past: their replayed history cannot add up. */
const rewrittenHistory = new Set<number>();
afterAll(async () => {
  if (api) {
    const problems = findInvariantViolations({ db: api.db, clock: api.ctx.clock });
    expect(problems.filter((p) => ![...rewrittenHistory].some((id) => p.includes(`user ${id} `)))).toEqual([]);
  }
  await api?.close();
});

let n = 0;
async function newUser(credits: number, externalId?: string): Promise<number> {
  const res = await api.post("/api/v1/users", { email: `hold${++n}-${Date.now()}@example.com`, externalId });
  expect(res.status, res.text).toBe(201);
  if (credits > 0) grantCredits(api.ctx, { userId: res.body.id, type: "topup", amount: credits, source: "admin" });
  return res.body.id;
}

const usage = () => ({ key: api.keys.usage });
const hold = (userId: number | string, body: unknown, opts: { idempotencyKey?: string; key?: string | null } = {}) =>
  api.post(`/api/v1/users/${userId}/holds`, body, { ...usage(), ...opts });
const capture = (holdId: number, body?: unknown, opts: { idempotencyKey?: string } = {}) =>
  api.post(`/api/v1/holds/${holdId}/capture`, body, { ...usage(), ...opts });
const release = (holdId: number, opts: { idempotencyKey?: string } = {}) =>
  api.post(`/api/v1/holds/${holdId}/release`, undefined, { ...usage(), ...opts });

function rows(userId: number) {
  const one = (sql: string) => api.db.$client.prepare(sql).pluck().get(userId) as number;
  return {
    ledger: one("select count(*) from credit_ledger where user_id = ?"),
    holds: one("select count(*) from credit_holds where user_id = ?"),
    holdAllocations: one(
      "select count(*) from hold_allocations where hold_id in (select id from credit_holds where user_id = ?)",
    ),
    remaining: one("select coalesce(sum(remaining), 0) from credit_grants where user_id = ?"),
    ledgerSum: one("select coalesce(sum(amount), 0) from credit_ledger where user_id = ?"),
  };
}

async function balanceOf(userId: number): Promise<{ balance: number; held: number }> {
  const res = await api.get(`/api/v1/users/${userId}/balance`, usage());
  expect(res.status, res.text).toBe(200);
  return { balance: res.body.balance, held: res.body.held };
}

/** Moves a hold's expiresAt into the past in the database, as time passing would. */
function lapse(holdId: number): void {
  api.db.$client.prepare("update credit_holds set expires_at = ? where id = ?").run(Date.now() - 1000, holdId);
}

describe("POST /api/v1/users/:userId/holds", () => {
  it("201 {hold, balance, held} with a usage key: reserves without a ledger entry; GET /balance adds held", async () => {
    const userId = await newUser(100);
    const before = rows(userId);
    const t0Ms = Date.now();
    const res = await hold(userId, { amount: 30, reason: "render 1", metadata: { job: "r1" } });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual({
      hold: {
        id: expect.any(Number),
        userId,
        amount: 30,
        capturedAmount: 0,
        clawedBackAmount: 0,
        status: "held",
        expiresAt: expect.any(String),
        reason: "render 1",
        metadata: { job: "r1" },
        createdAt: expect.any(String),
      },
      balance: 70,
      held: 30,
    });
    const lastsMs = Date.parse(res.body.hold.expiresAt) - Date.parse(res.body.hold.createdAt);
    expect(lastsMs).toBe(900_000); // default expiresInSeconds
    expect(Date.parse(res.body.hold.createdAt)).toBeGreaterThanOrEqual(t0Ms - 1000);
    expect(rows(userId).ledger).toBe(before.ledger);
    expect(await balanceOf(userId)).toEqual({ balance: 70, held: 30 });
    expect(rows(userId).ledgerSum).toBe(70 + 30); // Σ ledger = balance + held
  });

  it("takes expiresInSeconds 60–86400 and an ext: user id", async () => {
    const userId = await newUser(100, `acct_hold_${Date.now()}`);
    const ext = api.db.$client.prepare("select external_id from users where id = ?").pluck().get(userId) as string;
    const res = await hold(`ext:${encodeURIComponent(ext)}`, { amount: 5, expiresInSeconds: 86_400 });
    expect(res.status, res.text).toBe(201);
    expect(Date.parse(res.body.hold.expiresAt) - Date.parse(res.body.hold.createdAt)).toBe(86_400_000);
    const short = await hold(userId, { amount: 5, expiresInSeconds: 60 });
    expect(Date.parse(short.body.hold.expiresAt) - Date.parse(short.body.hold.createdAt)).toBe(60_000);
  });

  it("402 insufficient_credits like a deduction, and deductions or holds can never take held credits", async () => {
    const userId = await newUser(50);
    expect((await hold(userId, { amount: 40 })).status).toBe(201);
    const before = rows(userId);
    const refused = await hold(userId, { amount: 11 });
    expect(refused.status).toBe(402);
    expect(refused.body.error).toMatchObject({ code: "insufficient_credits" });
    const deduction = await api.post(`/api/v1/users/${userId}/deductions`, { amount: 11 }, usage());
    expect(deduction.status).toBe(402);
    expect(rows(userId)).toEqual(before);
    expect((await api.post(`/api/v1/users/${userId}/deductions`, { amount: 10 }, usage())).body.balance).toBe(0);
  });

  it("400 for a bad body and 404 for an unknown user, writing nothing", async () => {
    const userId = await newUser(50);
    const before = rows(userId);
    for (const [body, field] of [
      [{ amount: 0 }, "amount"],
      [{ amount: 1.5 }, "amount"],
      [{}, "amount"],
      [{ amount: 1, expiresInSeconds: 59 }, "expiresInSeconds"],
      [{ amount: 1, expiresInSeconds: 86_401 }, "expiresInSeconds"],
      [{ amount: 1, metadata: [1] }, "metadata"],
      [{ amount: 1, reason: 5 }, "reason"],
    ] as const) {
      const res = await hold(userId, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: "invalid_request", field });
    }
    expect((await hold(999_999, { amount: 1 })).status).toBe(404);
    expect((await hold(userId, { amount: 1 }, { key: null })).status).toBe(401);
    expect(rows(userId)).toEqual(before);
  });
});

describe("POST /api/v1/holds/:holdId/capture", () => {
  it("200 {hold, deduction: {id, amount, balance, allocations}}: ONE deduction entry with holdId", async () => {
    const userId = await newUser(100);
    const { hold: h } = (await hold(userId, { amount: 30, reason: "llm call" })).body;
    const before = rows(userId);
    const res = await capture(h.id);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      hold: { ...h, status: "captured", capturedAmount: 30 },
      deduction: {
        id: expect.any(Number),
        amount: 30,
        balance: 70,
        allocations: [{ grantId: expect.any(Number), amount: 30 }],
      },
    });
    expect(rows(userId).ledger).toBe(before.ledger + 1);
    const ledger = await api.get(`/api/v1/users/${userId}/ledger?limit=1`, usage());
    expect(ledger.body.entries[0]).toMatchObject({
      id: res.body.deduction.id,
      type: "deduction",
      amount: -30,
      balanceAfter: 70,
      holdId: h.id,
      reason: "llm call",
    });
    expect(rows(userId).ledgerSum).toBe(70);
  });

  it("captures part: what is not captured goes back at once", async () => {
    const userId = await newUser(100);
    const { hold: h } = (await hold(userId, { amount: 30 })).body;
    const res = await capture(h.id, { amount: 12 });
    expect(res.status, res.text).toBe(200);
    expect(res.body.deduction).toMatchObject({ amount: 12, balance: 88 });
    expect(res.body.hold).toMatchObject({ status: "captured", capturedAmount: 12 });
    expect(await balanceOf(userId)).toEqual({ balance: 88, held: 0 });
  });

  it("400 for more than held, 409 conflict once not held, 404 for an unknown hold — writing nothing", async () => {
    const userId = await newUser(100);
    const { hold: h } = (await hold(userId, { amount: 30 })).body;
    const before = rows(userId);
    const tooMuch = await capture(h.id, { amount: 31 });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.error).toMatchObject({ code: "invalid_request", field: "amount" });
    expect((await capture(h.id, { amount: 0 })).status).toBe(400);
    expect(rows(userId)).toEqual(before);
    expect((await capture(h.id)).status).toBe(200);
    const after = rows(userId);
    for (const res of [await capture(h.id), await release(h.id)]) {
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: "conflict" });
    }
    expect(rows(userId)).toEqual(after);
    expect((await capture(987_654)).status).toBe(404);
    expect((await api.get("/api/v1/holds/987654", usage())).status).toBe(404);
  });

  it("guarantees the capture until expiresAt even when the grant it came from expired meanwhile", async () => {
    const userId = await newUser(0);
    const grant = grantCredits(api.ctx, {
      userId,
      type: "promotional",
      amount: 40,
      source: "admin",
      expiresAt: new Date(Date.now() + 3_600_000),
    }).grant.id;
    const { hold: h } = (await hold(userId, { amount: 25 })).body;
    api.db.$client.prepare("update credit_grants set expires_at = ? where id = ?").run(Date.now() - 1000, grant);
    expect(await balanceOf(userId)).toEqual({ balance: 0, held: 25 });
    const res = await capture(h.id, { amount: 20 });
    expect(res.status, res.text).toBe(200);
    expect(res.body.deduction).toEqual({
      id: expect.any(Number),
      amount: 20,
      balance: 0,
      allocations: [{ grantId: grant, amount: 20 }],
      metadata: null,
    });
    rewrittenHistory.add(userId);
  });
});

describe("POST /api/v1/holds/:holdId/release and GET /api/v1/holds/:holdId", () => {
  it("release → 200 {hold, balance}, no ledger entry; GET → 200 {hold}", async () => {
    const userId = await newUser(100);
    const { hold: h } = (await hold(userId, { amount: 30 })).body;
    const before = rows(userId);
    const res = await release(h.id);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ hold: { ...h, status: "released" }, balance: 100 });
    expect(rows(userId).ledger).toBe(before.ledger);
    expect(rows(userId).remaining).toBe(100);
    const got = await api.get(`/api/v1/holds/${h.id}`, usage());
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ hold: { ...h, status: "released" } });
  });

  it("at expiresAt an uncaptured hold stops reserving without any job: expired, credits back, 409 to capture or release", async () => {
    const userId = await newUser(100);
    const { hold: h } = (await hold(userId, { amount: 30 })).body;
    lapse(h.id);
    const got = await api.get(`/api/v1/holds/${h.id}`, usage());
    expect(got.body.hold.status).toBe("expired");
    const before = rows(userId);
    expect((await capture(h.id)).status).toBe(409);
    expect((await release(h.id)).status).toBe(409);
    expect(rows(userId)).toEqual(before);
    const spend = await api.post(`/api/v1/users/${userId}/deductions`, { amount: 100 }, usage());
    expect(spend.status, spend.text).toBe(201);
    expect(await balanceOf(userId)).toEqual({ balance: 0, held: 0 });
    expect(rows(userId).ledgerSum).toBe(0);
  });
});

describe("Idempotency-Key on the three hold POSTs", () => {
  it("replays the first answer and refuses the key with another body; nothing is written twice", async () => {
    const userId = await newUser(100);
    const first = await hold(userId, { amount: 10 }, { idempotencyKey: "h-1" });
    const again = await hold(userId, { amount: 10 }, { idempotencyKey: "h-1" });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await hold(userId, { amount: 11 }, { idempotencyKey: "h-1" })).status).toBe(409);
    expect(rows(userId).holds).toBe(1);

    const id = first.body.hold.id;
    const c1 = await capture(id, { amount: 4 }, { idempotencyKey: "c-1" });
    const c2 = await capture(id, { amount: 4 }, { idempotencyKey: "c-1" });
    expect(c2.status).toBe(200);
    expect(c2.body).toEqual(c1.body);
    const conflict = await capture(id, { amount: 5 }, { idempotencyKey: "c-1" });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe("idempotency_conflict");
    expect(rows(userId).ledger).toBe(2); // the grant and one capture

    const other = (await hold(userId, { amount: 10 })).body.hold.id;
    const r1 = await release(other, { idempotencyKey: "r-1" });
    const r2 = await release(other, { idempotencyKey: "r-1" });
    expect([r1.status, r2.status]).toEqual([200, 200]);
    expect(r2.body).toEqual(r1.body);
    expect(await balanceOf(userId)).toEqual({ balance: 96, held: 0 });
  });
});
