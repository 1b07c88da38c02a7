// POST /api/v1/deductions/batch (issue 10) against the production server process: results in
// order, each item standing alone, Idempotency-Keys shared with single deductions, whole-request
// refusals that write nothing, and a body of 1,000 full items.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkInvariants, grantCredits } from "../../credits/index.server";
import { systemClock } from "../../utils/clock";
import { startProductionServer, type ProductionServer } from "../../../test/production-server";

let api: ProductionServer;
beforeAll(async () => {
  api = await startProductionServer();
}, 300_000);
afterAll(async () => {
  await api?.close();
});

let n = 0;
async function newUser(credits: number, externalId?: string): Promise<number> {
  const res = await api.post("/api/v1/users", { email: `batch${++n}-${Date.now()}@example.com`, externalId });
  expect(res.status, res.text).toBe(201);
  if (credits > 0) grantCredits(api.ctx, { userId: res.body.id, type: "topup", amount: credits, source: "admin" });
  return res.body.id;
}

const batch = (body: unknown, key = api.keys.usage) => api.post("/api/v1/deductions/batch", body, { key });
const balanceOf = async (userId: number) => (await api.get(`/api/v1/users/${userId}/balance`)).body.balance;

describe("POST /api/v1/deductions/batch", () => {
  it("answers one result per item, in order, each like a single deduction's answer", async () => {
    const a = await newUser(100);
    const b = await newUser(50, "batch-ext/1");
    const res = await batch({
      items: [
        { userId: a, amount: 10, reason: "render", metadata: { job: 1 } },
        { userId: "ext:batch-ext/1", amount: 20 },
        { userId: a, amount: 5 },
      ],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.results).toHaveLength(3);
    const [r1, r2, r3] = res.body.results;
    expect(r1).toEqual({
      status: 201,
      body: {
        id: expect.any(Number),
        amount: 10,
        balance: 90,
        allocations: [{ grantId: expect.any(Number), amount: 10 }],
        metadata: { job: 1 },
      },
    });
    expect(r2).toMatchObject({ status: 201, body: { amount: 20, balance: 30, metadata: null } });
    expect(r3).toMatchObject({ status: 201, body: { amount: 5, balance: 85 } });
    expect(await balanceOf(a)).toBe(85);
    expect(await balanceOf(b)).toBe(30);
    // The same ledger entries a single deduction writes: reason, metadata and the key as actor.
    const entry = api.db.$client
      .prepare("select type, amount, reason, metadata, actor from credit_ledger where id = ?")
      .get(r1.body.id) as Record<string, unknown>;
    expect(entry).toMatchObject({ type: "deduction", amount: -10, reason: "render", metadata: '{"job":1}' });
    expect(entry.actor).toMatch(/^api_key:\d+$/);
  });

  it("lets each item stand alone: a failing item writes nothing and the others go on", async () => {
    const rich = await newUser(100);
    const poor = await newUser(3);
    const before = api.counts();
    const res = await batch({
      items: [
        { userId: rich, amount: 10 },
        { userId: poor, amount: 4 }, // 402
        { userId: 99_999_999, amount: 1 }, // 404
        { userId: "ext:nobody-has-this", amount: 1 }, // 404
        { userId: rich, amount: 0 }, // 400
        { userId: rich }, // 400
        { userId: rich, amount: 1, metadata: [] }, // 400
        { userId: 1.5, amount: 1 }, // 400
        "not an object", // 400
        { userId: poor, amount: 3 },
      ],
    });
    expect(res.status).toBe(200);
    const results = res.body.results as { status: number; error?: { code: string; field?: string } }[];
    expect(results.map((r) => r.status)).toEqual([201, 402, 404, 404, 400, 400, 400, 400, 400, 201]);
    expect(results[1]).toEqual({
      status: 402,
      error: { code: "insufficient_credits", message: expect.any(String) },
      balance: 3,
      requested: 4,
    });
    expect(results[2].error?.code).toBe("not_found");
    expect(results[4].error).toMatchObject({ code: "invalid_request", field: "amount" });
    expect(results[5].error).toMatchObject({ code: "invalid_request", field: "amount" });
    expect(results[6].error).toMatchObject({ code: "invalid_request", field: "metadata" });
    expect(results[7].error).toMatchObject({ code: "invalid_request", field: "userId" });
    // Two deductions, one allocation each, and nothing else.
    expect(api.counts()).toEqual({ ...before, ledger: before.ledger + 2, allocations: before.allocations + 2 });
    expect(await balanceOf(rich)).toBe(90);
    expect(await balanceOf(poor)).toBe(0);
  });

  it("takes a user id as a number, as digits, or as ext: with the external id as it is (not URL-encoded)", async () => {
    const user = await newUser(10, "raw/ext id%20");
    const res = await batch({
      items: [
        { userId: user, amount: 1 },
        { userId: String(user), amount: 1 },
        { userId: "ext:raw/ext id%20", amount: 1 },
        { userId: `ext:${encodeURIComponent("raw/ext id%20")}`, amount: 1 },
        { userId: "EXT:raw/ext id%20", amount: 1 },
        { userId: 0, amount: 1 },
      ],
    });
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201, 201, 404, 404, 404]);
    expect(await balanceOf(user)).toBe(7);
  });

  it("spends in item order, so a later item sees what an earlier one took", async () => {
    const user = await newUser(10);
    const res = await batch({
      items: [
        { userId: user, amount: 6 },
        { userId: user, amount: 6 },
        { userId: user, amount: 4 },
      ],
    });
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([201, 402, 201]);
    expect(res.body.results[2].body.balance).toBe(0);
  });

  it("treats an item's idempotencyKey as the single deduction's Idempotency-Key for that user", async () => {
    const user = await newUser(100, "idem-batch");
    const single = await api.post(
      `/api/v1/users/${user}/deductions`,
      { amount: 7, reason: "r" },
      { idempotencyKey: "k1" },
    );
    expect(single.status).toBe(201);
    const before = api.counts();
    // A batch replays what the single request did (by numeric id or ext:), writing nothing.
    const replay = await batch({
      items: [
        { userId: user, amount: 7, reason: "r", idempotencyKey: "k1" },
        { userId: "ext:idem-batch", amount: 7, reason: "r", idempotencyKey: "k1" },
      ],
    });
    expect(replay.body.results).toEqual([
      { status: 201, body: single.body, replayed: true },
      { status: 201, body: single.body, replayed: true },
    ]);
    expect(api.counts()).toEqual(before);
    // A single request replays what a batch item did.
    const first = await batch({ items: [{ userId: user, amount: 3, idempotencyKey: "k2" }] });
    const again = await api.post(`/api/v1/users/${user}/deductions`, { amount: 3 }, { idempotencyKey: "k2" });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body.results[0].body);
    expect(await balanceOf(user)).toBe(90);
  });

  it("answers 409 idempotency_conflict for a key reused with another body, naming the item's idempotencyKey, and keys are per user", async () => {
    const a = await newUser(100);
    const b = await newUser(100);
    await batch({ items: [{ userId: a, amount: 5, idempotencyKey: "shared" }] });
    const before = api.counts();
    const res = await batch({
      items: [
        { userId: a, amount: 6, idempotencyKey: "shared" },
        { userId: b, amount: 6, idempotencyKey: "shared" },
      ],
    });
    expect(res.body.results[0]).toMatchObject({
      status: 409,
      error: {
        code: "idempotency_conflict",
        field: "idempotencyKey",
        message: expect.stringMatching(/^This item's idempotencyKey/),
      },
    });
    expect(res.body.results[1]).toMatchObject({ status: 201, body: { amount: 6, balance: 94 } });
    expect(api.counts()).toMatchObject({ ledger: before.ledger + 1 });
    expect(await balanceOf(a)).toBe(95);
  });

  it("replays a key repeated inside one batch instead of deducting twice", async () => {
    const user = await newUser(100);
    const res = await batch({
      items: [
        { userId: user, amount: 5, idempotencyKey: "twice" },
        { userId: user, amount: 5, idempotencyKey: "twice" },
      ],
    });
    expect(res.body.results[1]).toEqual({ ...res.body.results[0], replayed: true });
    expect(await balanceOf(user)).toBe(95);
  });

  it("lets a failed item be retried with the same key once it can succeed", async () => {
    const user = await newUser(1);
    const item = { userId: user, amount: 2, idempotencyKey: "retry" };
    expect((await batch({ items: [item] })).body.results[0].status).toBe(402);
    grantCredits(api.ctx, { userId: user, type: "topup", amount: 5, source: "admin" });
    expect((await batch({ items: [item] })).body.results[0]).toMatchObject({ status: 201, body: { balance: 4 } });
  });

  it("refuses an idempotencyKey that is empty or over 255 characters, for that item only", async () => {
    const user = await newUser(10);
    const res = await batch({
      items: [
        { userId: user, amount: 1, idempotencyKey: "" },
        { userId: user, amount: 1, idempotencyKey: "k".repeat(256) },
        { userId: user, amount: 1, idempotencyKey: "k".repeat(255) },
      ],
    });
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([400, 400, 201]);
    expect(res.body.results[0].error.field).toBe("idempotencyKey");
  });

  it.each([
    ["items missing", {}],
    ["items not an array", { items: { userId: 1, amount: 1 } }],
    ["no items", { items: [] }],
    ["1,001 items", { items: Array.from({ length: 1001 }, () => ({ userId: 1, amount: 1 })) }],
    ["a body that is an array", [{ userId: 1, amount: 1 }]],
    ["malformed JSON", '{"items": [{"userId": 1, "amount": 1}'],
  ])("answers 400 for the whole request with %s, writing nothing", async (_name, body) => {
    await newUser(100);
    const before = api.counts();
    const res = await batch(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    expect(api.counts()).toEqual(before);
  });

  it("answers 413 for a body over 4 MiB, writing nothing", async () => {
    const user = await newUser(100_000);
    const before = api.counts();
    const reason = "r".repeat(1000);
    const items = Array.from({ length: 1000 }, () => ({
      userId: user,
      amount: 1,
      reason,
      metadata: { pad: "p".repeat(3300) },
    }));
    const body = JSON.stringify({ items });
    expect(body.length).toBeGreaterThan(4 * 1024 * 1024);
    const res = await batch(body);
    expect(res.status).toBe(413);
    expect(res.body.error).toEqual({
      code: "payload_too_large",
      message: "The request body must be at most 4194304 bytes.",
    });
    expect(api.counts()).toEqual(before);
  });

  it("takes 1,000 items with 1,000-character reasons and ext: ids (a body well over 1 MiB)", async () => {
    const externalId = `big-batch-${"x".repeat(200)}`;
    const user = await newUser(2000, externalId);
    const reason = "r".repeat(1000);
    const items = Array.from({ length: 1000 }, (_, i) => ({
      userId: `ext:${externalId}`,
      amount: 1,
      reason,
      metadata: { i },
      idempotencyKey: `item-${i}`,
    }));
    const body = JSON.stringify({ items });
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const before = api.counts();
    const res = await batch(body);
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    expect(res.body.results).toHaveLength(1000);
    expect(res.body.results.every((r: { status: number }) => r.status === 201)).toBe(true);
    expect(res.body.results[999].body.balance).toBe(1000);
    expect(await balanceOf(user)).toBe(1000);
    expect(api.counts()).toMatchObject({ ledger: before.ledger + 1000, idempotency: before.idempotency + 1000 });
  });

  it("takes usage and admin keys, and nothing without one (401 before the body is read)", async () => {
    const user = await newUser(10);
    expect((await batch({ items: [{ userId: user, amount: 1 }] }, api.keys.admin)).status).toBe(200);
    const before = api.counts();
    const res = await api.post("/api/v1/deductions/batch", { items: [{ userId: user, amount: 1 }] }, { key: null });
    expect(res.status).toBe(401);
    expect(api.counts()).toEqual(before);
  });

  it("never overdraws when batches for one user arrive at once, and the ledger invariants hold", async () => {
    const user = await newUser(500);
    const other = await newUser(1000);
    const items = Array.from({ length: 100 }, (_, i) => ({ userId: i % 2 ? user : other, amount: 1 }));
    const answers = await Promise.all(Array.from({ length: 12 }, () => batch({ items })));
    const statuses = answers.flatMap((a) => a.body.results.map((r: { status: number }) => r.status));
    expect(statuses.filter((s) => s === 201)).toHaveLength(500 + 600);
    expect(statuses.filter((s) => s === 402)).toHaveLength(100);
    expect(await balanceOf(user)).toBe(0);
    expect(await balanceOf(other)).toBe(400);
    checkInvariants({ db: api.db, clock: systemClock });
  });

  it("answers 405 with Allow: POST for other methods", async () => {
    const res = await api.get("/api/v1/deductions/batch");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});
