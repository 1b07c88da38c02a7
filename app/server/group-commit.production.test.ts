/**
 * Group commit (app/server/group-commit.ts) on the production server: many deductions and uses
 * sent at once share write transactions, and every answer is still the one a request alone would
 * get. The assertions hold however the requests happened to be grouped; group-commit.test.ts shows
 * the grouping itself. Every answer is checked against the OpenAPI document by the test client.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProductionServer, type ProductionServer } from "../../test/production-server";

let server: ProductionServer;

beforeAll(async () => {
  server = await startProductionServer();
}, 120_000);
afterAll(async () => {
  await server?.close();
});

async function userWith(credits: number, name: string): Promise<number> {
  const user = await server.post("/api/v1/users", { email: `${name}-${process.pid}@example.com` });
  expect(user.status).toBe(201);
  const grant = await server.post(`/api/v1/users/${user.body.id}/grants`, { amount: credits, type: "topup" });
  expect(grant.status).toBe(201);
  return user.body.id;
}

const ledgerCount = (userId: number, type: string) =>
  server.query<{ n: number }>("select count(*) as n from credit_ledger where user_id = ? and type = ?", userId, type)[0]
    .n;

describe("group commit on the production server", () => {
  it("60 deductions at once: each answered as if alone, refusals and replays write nothing, the balances add up", async () => {
    const userId = await userWith(1_000, "group-deductions");
    const usage = { key: server.keys.usage };
    const sends = Array.from({ length: 60 }, (_, i) => {
      const url = `/api/v1/users/${userId}/deductions`;
      if (i % 10 === 3) return server.post(url, { amount: 5_000 }, usage); // more than there is: 402
      if (i % 10 === 7) return server.post(url, { amount: 1 }, { ...usage, idempotencyKey: "same-key" }); // one write, replays
      if (i % 10 === 9) return server.post(url, { amount: -1 }, usage); // invalid: 400
      return server.post(url, { amount: 10 }, usage);
    });
    const answers = await Promise.all(sends);
    const by = (status: number) => answers.filter((a) => a.status === status);
    expect(by(402)).toHaveLength(6);
    expect(by(400)).toHaveLength(6);
    const created = by(201);
    expect(created).toHaveLength(48);
    const replays = created.filter((a) => a.headers.get("idempotent-replayed") === "true");
    expect(replays).toHaveLength(5);
    const keyed = created.filter((a) => a.body.amount === 1);
    expect(new Set(keyed.map((a) => a.body.id)).size).toBe(1); // the replays answer the one deduction
    // 42 deductions of 10 and one of 1: each original saw its own balance, as if they came one by one.
    const originals = created.filter((a) => a.headers.get("idempotent-replayed") !== "true");
    expect(originals).toHaveLength(43);
    const balances = originals.map((a) => a.body.balance as number).sort((a, b) => b - a);
    expect(new Set(balances).size).toBe(43);
    expect(balances.at(-1)).toBe(1_000 - 42 * 10 - 1);
    expect((await server.get(`/api/v1/users/${userId}/balance`)).body.balance).toBe(1_000 - 421);
    expect(ledgerCount(userId, "deduction")).toBe(43);
  });

  it("holds made at once, then captured and released at once: the refused write nothing and the credits add up", async () => {
    const userId = await userWith(100, "group-holds");
    const usage = { key: server.keys.usage };
    const made = await Promise.all(
      Array.from({ length: 12 }, () => server.post(`/api/v1/users/${userId}/holds`, { amount: 10 }, usage)),
    );
    const held = made.filter((a) => a.status === 201);
    expect(held).toHaveLength(10); // 10 of 10 credits fit in 100
    expect(made.filter((a) => a.status === 402)).toHaveLength(2);
    expect(new Set(held.map((a) => a.body.balance)).size).toBe(10);
    const ends = await Promise.all(
      held.map((a, i) =>
        i % 2 === 0
          ? server.post(`/api/v1/holds/${a.body.hold.id}/capture`, { amount: 4 }, usage)
          : server.post(`/api/v1/holds/${a.body.hold.id}/release`, {}, usage),
      ),
    );
    expect(ends.map((a) => a.status)).toEqual(Array.from({ length: 10 }, () => 200));
    // Five captures of 4; everything else came back.
    expect((await server.get(`/api/v1/users/${userId}/balance`)).body).toMatchObject({ balance: 80, held: 0 });
    expect(ledgerCount(userId, "deduction")).toBe(5);
  });

  it("uses at once, some refused: the refused write nothing and the charged add up to the ledger", async () => {
    const feature = await server.post("/api/admin/features", {
      key: "group.calls",
      name: "Group calls",
      unitName: "call",
      price: { credits: 2, perUnits: 1 },
    });
    expect(feature.status).toBe(201);
    const userId = await userWith(100, "group-usage");
    const usage = { key: server.keys.usage };
    const url = `/api/v1/users/${userId}/usage`;
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 4 === 1
          ? server.post(url, { feature: "group.nope", quantity: 1 }, usage) // 404
          : server.post(url, { feature: "group.calls", quantity: 2 }, usage),
      ),
    );
    const by = (status: number) => answers.filter((a) => a.status === status);
    expect(by(404)).toHaveLength(10);
    // 30 uses of 4 credits against 100: 25 are charged, 5 are refused 402, whatever the grouping.
    expect(by(201)).toHaveLength(25);
    expect(by(402)).toHaveLength(5);
    expect(new Set(by(201).map((a) => a.body.balance)).size).toBe(25);
    expect((await server.get(`/api/v1/users/${userId}/balance`)).body.balance).toBe(0);
    expect(ledgerCount(userId, "deduction")).toBe(25);
    const rows = server.query<{ n: number; credits: number }>(
      "select count(*) as n, sum(credits) as credits from usage_records where user_id = ?",
      userId,
    );
    expect(rows).toEqual([{ n: 25, credits: 100 }]);
  });
});
