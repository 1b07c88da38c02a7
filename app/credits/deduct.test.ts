import { describe, expect, it } from "vitest";
import { addDays } from "../utils/clock";
import { AppError } from "../utils/errors";
import { BURN_DOWN_SQL, deductCredits, getBalance, getGrant, grantCredits, listLedger } from "./index.server";
import { LEDGER_PAGE_SQL } from "./tables/ledger.server";
import { cachedBalance, expectAppError, newUser, useCreditsDb, writeCounts, grant } from "./test-support";
import { writeTransaction } from "../../db/transaction";

const ctx = useCreditsDb();

function plan(sql: string, ...params: unknown[]): string {
  const rows = ctx()
    .db.$client.prepare(`explain query plan ${sql}`)
    .all(...params) as { detail: string }[];
  return rows.map((r) => r.detail).join("\n");
}

describe("burn-down order", () => {
  it("spends subscription credits before promotional ones, and promotional before top-ups", () => {
    const userId = newUser(ctx());
    const now = ctx().clock.now();
    const topup = grant(ctx(), userId, "topup", 10, { expiresAt: addDays(now, 1) });
    const promo = grant(ctx(), userId, "promotional", 10, { expiresAt: addDays(now, 2) });
    const sub = grant(ctx(), userId, "subscription", 10, { expiresAt: addDays(now, 3) });
    const r = deductCredits(ctx(), { userId, amount: 25 });
    expect(r.allocations).toEqual([
      { grantId: sub.grant.id, amount: 10 },
      { grantId: promo.grant.id, amount: 10 },
      { grantId: topup.grant.id, amount: 5 },
    ]);
  });

  it("within a priority, spends the soonest-expiring grant first and never-expiring grants last", () => {
    const userId = newUser(ctx());
    const now = ctx().clock.now();
    const never = grantCredits(ctx(), { userId, type: "topup", amount: 10, source: "topup" });
    const late = grant(ctx(), userId, "topup", 10, { expiresAt: addDays(now, 9) });
    const soon = grant(ctx(), userId, "topup", 10, { expiresAt: addDays(now, 1) });
    expect(getBalance(ctx(), userId).grants.map((g) => g.id)).toEqual([soon.grant.id, late.grant.id, never.grant.id]);
    expect(deductCredits(ctx(), { userId, amount: 30 }).allocations.map((a) => a.grantId)).toEqual([
      soon.grant.id,
      late.grant.id,
      never.grant.id,
    ]);
  });

  it("then spends the earliest effective grant, then the oldest", () => {
    const userId = newUser(ctx());
    const now = ctx().clock.now();
    const expiresAt = addDays(now, 30);
    const newerButEarlier = grantCredits(ctx(), {
      userId,
      type: "promotional",
      amount: 10,
      source: "admin",
      expiresAt,
      effectiveAt: new Date(now.getTime() - 1000),
    });
    const a = grantCredits(ctx(), { userId, type: "promotional", amount: 10, source: "admin", expiresAt });
    const b = grantCredits(ctx(), { userId, type: "promotional", amount: 10, source: "admin", expiresAt });
    const order = [newerButEarlier.grant.id, a.grant.id, b.grant.id];
    expect(getBalance(ctx(), userId).grants.map((g) => g.id)).toEqual(order);
    expect(deductCredits(ctx(), { userId, amount: 30 }).allocations.map((a) => a.grantId)).toEqual(order);
  });

  it("lets an explicit priority override the type's default", () => {
    const userId = newUser(ctx());
    grantCredits(ctx(), { userId, type: "subscription", amount: 10, source: "subscription" });
    const first = grantCredits(ctx(), { userId, type: "topup", amount: 10, source: "admin", priority: 0 });
    expect(deductCredits(ctx(), { userId, amount: 4 }).allocations).toEqual([{ grantId: first.grant.id, amount: 4 }]);
  });

  it("skips future-dated and expired grants even when they come first in the order", () => {
    const userId = newUser(ctx());
    const now = ctx().clock.now();
    const expiring = grant(ctx(), userId, "topup", 10, { source: "admin", priority: 0, expiresAt: addDays(now, 1) });
    grant(ctx(), userId, "topup", 10, { source: "admin", priority: 0, effectiveAt: addDays(now, 5) });
    const spendable = grantCredits(ctx(), { userId, type: "topup", amount: 10, source: "admin", priority: 50 });
    ctx().clock.set(addDays(now, 1));
    expect(deductCredits(ctx(), { userId, amount: 3 }).allocations).toEqual([
      { grantId: spendable.grant.id, amount: 3 },
    ]);
    expect(getGrant(ctx(), expiring.grant.id)!.remaining).toBe(10);
  });

  it("runs on credit_grants_burn_down_idx and pages the ledger on credit_ledger_user_id_idx (the sweep's plans: sweep.test.ts)", () => {
    const burnDown = plan(BURN_DOWN_SQL, 1, 0, 0);
    expect(burnDown).toContain("SEARCH credit_grants USING INDEX credit_grants_burn_down_idx (user_id=?)");
    expect(burnDown).not.toMatch(/SCAN credit_grants/);

    const ledger = plan(LEDGER_PAGE_SQL, { userId: 1, before: 10, limit: 10 });
    expect(ledger).toMatch(
      /SEARCH credit_ledger USING (COVERING )?INDEX credit_ledger_user_id_idx \(user_id=\? AND (rowid|id)<\?\)/,
    );
    expect(ledger).not.toContain("TEMP B-TREE");

    const byKey = plan("select id from credit_ledger where user_id = ? and idempotency_key = ?", 1, "k");
    expect(byKey).toContain("credit_ledger_user_idempotency_unique");
  });
});

describe("deductions", () => {
  it("write one entry, one allocation per grant touched, deplete emptied grants and update the cached balance", () => {
    const userId = newUser(ctx());
    const a = grantCredits(ctx(), { userId, type: "subscription", amount: 30, source: "subscription" });
    const b = grantCredits(ctx(), { userId, type: "topup", amount: 50, source: "topup" });
    const before = writeCounts(ctx());
    const r = deductCredits(ctx(), {
      userId,
      amount: 45,
      reason: "render job",
      metadata: { job: "j1" },
      actor: "api_key:3",
    });

    expect(r).toEqual({
      id: r.id,
      amount: 45,
      balance: 35,
      allocations: [
        { grantId: a.grant.id, amount: 30 },
        { grantId: b.grant.id, amount: 15 },
      ],
      replayed: false,
    });
    expect(writeCounts(ctx())).toEqual({
      ...before,
      ledger: before.ledger + 1,
      allocations: before.allocations + 2,
      remaining: 35,
      cached: 35,
    });
    expect(getGrant(ctx(), a.grant.id)).toMatchObject({ remaining: 0, status: "depleted" });
    expect(getGrant(ctx(), b.grant.id)).toMatchObject({ remaining: 35, status: "active" });
    expect(cachedBalance(ctx(), userId)).toBe(35);
    const entry = ctx().db.$client.prepare("select * from credit_ledger where id = ?").get(r.id);
    expect(entry).toMatchObject({
      type: "deduction",
      amount: -45,
      balance_after: 35,
      reason: "render job",
      metadata: '{"job":"j1"}',
      actor: "api_key:3",
    });
    expect(listLedger(ctx(), userId, { limit: 1 }).entries[0]).toEqual({
      id: r.id,
      type: "deduction",
      amount: -45,
      balanceAfter: 35,
      reason: "render job",
      createdAt: "2026-01-01T00:00:00.000Z",
      allocations: r.allocations,
      metadata: { job: "j1" },
    });
  });

  it("can spend the whole balance down to zero", () => {
    const userId = newUser(ctx());
    grantCredits(ctx(), { userId, type: "subscription", amount: 30, source: "subscription" });
    grantCredits(ctx(), { userId, type: "topup", amount: 50, source: "topup" });
    expect(deductCredits(ctx(), { userId, amount: 80 }).balance).toBe(0);
    expect(getBalance(ctx(), userId)).toMatchObject({ balance: 0, grants: [] });
  });

  it("refuses to overdraw: insufficient_credits with balance and requested, nothing written", () => {
    const userId = newUser(ctx());
    grantCredits(ctx(), { userId, type: "topup", amount: 30, source: "topup" });
    grant(ctx(), userId, "topup", 30, { effectiveAt: addDays(ctx().clock.now(), 1) });
    const before = writeCounts(ctx());
    const e = expectAppError(() => deductCredits(ctx(), { userId, amount: 31 }), "insufficient_credits");
    expect(e.extra).toEqual({ balance: 30, requested: 31 });
    expect(writeCounts(ctx())).toEqual(before);
  });

  it("answers not_found for an unknown user and invalid_request for a bad amount, writing nothing", () => {
    const userId = newUser(ctx());
    grantCredits(ctx(), { userId, type: "topup", amount: 30, source: "topup" });
    const before = writeCounts(ctx());
    expectAppError(() => deductCredits(ctx(), { userId: 424242, amount: 1 }), "not_found");
    for (const amount of [0, -5, 2.5, 1e12 + 1]) {
      expectAppError(() => deductCredits(ctx(), { userId, amount }), "invalid_request", "amount");
    }
    expectAppError(
      () => deductCredits(ctx(), { userId, amount: 1, metadata: [] as never }),
      "invalid_request",
      "metadata",
    );
    expect(writeCounts(ctx())).toEqual(before);
  });

  it("leaves a caller's transaction usable after failing inside it, with nothing of its own written", () => {
    const userId = newUser(ctx());
    grantCredits(ctx(), { userId, type: "topup", amount: 30, source: "topup" });
    const before = writeCounts(ctx());
    const outcome = writeTransaction(ctx().db, () => {
      const failed = [
        () => deductCredits(ctx(), { userId, amount: 31 }),
        () => deductCredits(ctx(), { userId: 424242, amount: 1 }),
        () => grantCredits(ctx(), { userId, type: "topup", amount: 5, source: "topup", sourceRef: "" }),
      ].map((fn) => {
        try {
          fn();
          return null;
        } catch (e) {
          return (e as AppError).code;
        }
      });
      return { failed, after: deductCredits(ctx(), { userId, amount: 10 }) };
    });
    expect(outcome.failed).toEqual(["insufficient_credits", "not_found", "invalid_request"]);
    expect(outcome.after.balance).toBe(20);
    const after = writeCounts(ctx());
    expect([after.ledger - before.ledger, after.allocations - before.allocations, after.cached]).toEqual([1, 1, 20]);
  });

  it("joins a caller's transaction and rolls back with it", () => {
    const userId = newUser(ctx());
    grantCredits(ctx(), { userId, type: "topup", amount: 30, source: "topup" });
    const before = writeCounts(ctx());
    expect(() =>
      writeTransaction(ctx().db, () => {
        deductCredits(ctx(), { userId, amount: 10 });
        throw new AppError("conflict", "caller changed its mind");
      }),
    ).toThrow("caller changed its mind");
    expect(writeCounts(ctx())).toEqual(before);
    writeTransaction(ctx().db, () => deductCredits(ctx(), { userId, amount: 10 }));
    expect(getBalance(ctx(), userId).balance).toBe(20);
  });
});
