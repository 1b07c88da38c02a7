import { describe, expect, it } from "vitest";
import { addDays } from "../utils/clock";
import {
  adjustCredits,
  deductCredits,
  getBalance,
  getGrant,
  grantCredits,
  listLedger,
  refundGrantCredits,
  voidGrant,
} from "./index.server";
import { cachedBalance, expectAppError, newUser, useCreditsDb, writeCounts, grant } from "./test-support";

const ctx = useCreditsDb();

describe("voiding a grant", () => {
  it("removes exactly what is left with one void entry", () => {
    const userId = newUser(ctx());
    const g = grantCredits(ctx(), { userId, type: "promotional", amount: 100, source: "admin" });
    grantCredits(ctx(), { userId, type: "topup", amount: 10, source: "topup" });
    deductCredits(ctx(), { userId, amount: 30 });
    const r = voidGrant(ctx(), { grantId: g.grant.id, reason: "granted by mistake", actor: "user:1" });
    expect(r).toMatchObject({ removed: 70, balance: 10, replayed: false, grant: { status: "voided", remaining: 0 } });
    expect(listLedger(ctx(), userId, { limit: 1 }).entries[0]).toMatchObject({
      type: "void",
      amount: -70,
      balanceAfter: 10,
      reason: "granted by mistake",
    });
    expect(cachedBalance(ctx(), userId)).toBe(10);
  });

  it("writes nothing the second time and reports 0 removed", () => {
    const userId = newUser(ctx());
    const g = grantCredits(ctx(), { userId, type: "promotional", amount: 100, source: "admin" });
    voidGrant(ctx(), { grantId: g.grant.id });
    const before = writeCounts(ctx());
    expect(voidGrant(ctx(), { grantId: g.grant.id })).toMatchObject({
      removed: 0,
      balance: 0,
      grant: { status: "voided" },
    });
    expect(writeCounts(ctx())).toEqual(before);
  });

  it("leaves a depleted grant alone", () => {
    const userId = newUser(ctx());
    const g = grantCredits(ctx(), { userId, type: "promotional", amount: 5, source: "admin" });
    deductCredits(ctx(), { userId, amount: 5 });
    const before = writeCounts(ctx());
    expect(voidGrant(ctx(), { grantId: g.grant.id })).toMatchObject({ removed: 0, grant: { status: "depleted" } });
    expect(writeCounts(ctx())).toEqual(before);
  });

  it("removes a future-dated grant's credits before they ever count", () => {
    const userId = newUser(ctx());
    const g = grant(ctx(), userId, "topup", 40, { source: "admin", effectiveAt: addDays(ctx().clock.now(), 2) });
    expect(voidGrant(ctx(), { grantId: g.grant.id })).toMatchObject({ removed: 40, balance: 0 });
    expect(cachedBalance(ctx(), userId)).toBe(0);
  });

  it("records an already-expired grant as expired instead, so nothing is voided", () => {
    const userId = newUser(ctx());
    const g = grant(ctx(), userId, "topup", 40, { source: "admin", expiresAt: addDays(ctx().clock.now(), 1) });
    ctx().clock.set(addDays(ctx().clock.now(), 2));
    expect(voidGrant(ctx(), { grantId: g.grant.id })).toMatchObject({
      removed: 0,
      grant: { status: "expired", remaining: 0 },
    });
    expect(listLedger(ctx(), userId, {}).entries.map((e) => [e.type, e.amount])).toEqual([
      ["expiration", -40],
      ["grant", 40],
    ]);
  });

  it("answers not_found for an unknown grant", () => {
    expectAppError(() => voidGrant(ctx(), { grantId: 777 }), "not_found");
    expectAppError(() => refundGrantCredits(ctx(), { grantId: 777, amount: 1 }), "not_found");
    expect(getGrant(ctx(), 777)).toBeUndefined();
  });
});

describe("refunding a grant's credits", () => {
  it("removes the amount asked, capped at what is left, and never below zero", () => {
    const userId = newUser(ctx());
    const g = grantCredits(ctx(), { userId, type: "topup", amount: 100, source: "topup" });
    deductCredits(ctx(), { userId, amount: 70 });
    expect(refundGrantCredits(ctx(), { grantId: g.grant.id, amount: 20, reason: "partial refund" })).toEqual({
      removed: 20,
      balance: 10,
      replayed: false,
    });
    expect(refundGrantCredits(ctx(), { grantId: g.grant.id, amount: 50 })).toEqual({
      removed: 10,
      balance: 0,
      replayed: false,
    });
    expect(getGrant(ctx(), g.grant.id)).toMatchObject({ remaining: 0, status: "depleted" });
    const before = writeCounts(ctx());
    expect(refundGrantCredits(ctx(), { grantId: g.grant.id, amount: 5 })).toEqual({
      removed: 0,
      balance: 0,
      replayed: false,
    });
    expect(writeCounts(ctx())).toEqual(before);
    expect(listLedger(ctx(), userId, { limit: 2 }).entries.map((e) => [e.type, e.amount])).toEqual([
      ["refund", -10],
      ["refund", -20],
    ]);
  });

  it("rejects a non-positive or fractional amount", () => {
    const userId = newUser(ctx());
    const g = grantCredits(ctx(), { userId, type: "topup", amount: 100, source: "topup" });
    for (const amount of [0, -1, 0.5]) {
      expectAppError(() => refundGrantCredits(ctx(), { grantId: g.grant.id, amount }), "invalid_request", "amount");
    }
  });
});

describe("adjustments", () => {
  it("adds credits as a never-expiring promotional grant linked by the adjustment entry", () => {
    const userId = newUser(ctx());
    const r = adjustCredits(ctx(), { userId, amount: 25, reason: "support goodwill", actor: "user:9" });
    expect(r).toMatchObject({ amount: 25, balance: 25, allocations: [], replayed: false });
    expect(getGrant(ctx(), r.grantId!)).toMatchObject({
      type: "promotional",
      amount: 25,
      expiresAt: null,
      priority: 20,
      source: "admin",
    });
    const entry = ctx()
      .db.$client.prepare("select type, amount, grant_id, actor from credit_ledger where id = ?")
      .get(r.id);
    expect(entry).toEqual({ type: "adjustment", amount: 25, grant_id: r.grantId, actor: "user:9" });
    expect(listLedger(ctx(), userId, {}).entries).toHaveLength(1);
  });

  it("removes credits in burn-down order like a deduction", () => {
    const userId = newUser(ctx());
    const sub = grantCredits(ctx(), { userId, type: "subscription", amount: 10, source: "subscription" });
    const topup = grantCredits(ctx(), { userId, type: "topup", amount: 10, source: "topup" });
    const r = adjustCredits(ctx(), { userId, amount: -15, reason: "double-granted on import", source: "api" });
    expect(r).toMatchObject({
      amount: -15,
      balance: 5,
      grantId: null,
      allocations: [
        { grantId: sub.grant.id, amount: 10 },
        { grantId: topup.grant.id, amount: 5 },
      ],
    });
    expect(listLedger(ctx(), userId, { limit: 1 }).entries[0]).toMatchObject({
      type: "adjustment",
      amount: -15,
      allocations: r.allocations,
    });
  });

  it("refuses to take more than the spendable balance, writing nothing", () => {
    const userId = newUser(ctx());
    grantCredits(ctx(), { userId, type: "topup", amount: 10, source: "topup" });
    const before = writeCounts(ctx());
    const e = expectAppError(
      () => adjustCredits(ctx(), { userId, amount: -11, reason: "fix" }),
      "insufficient_credits",
    );
    expect(e.extra).toEqual({ balance: 10, requested: 11 });
    expect(writeCounts(ctx())).toEqual(before);
  });

  it("needs a non-zero integer amount and a reason", () => {
    const userId = newUser(ctx());
    const before = writeCounts(ctx());
    expectAppError(() => adjustCredits(ctx(), { userId, amount: 0, reason: "x" }), "invalid_request", "amount");
    expectAppError(() => adjustCredits(ctx(), { userId, amount: 1.5, reason: "x" }), "invalid_request", "amount");
    expectAppError(() => adjustCredits(ctx(), { userId, amount: 5, reason: " " }), "invalid_request", "reason");
    expectAppError(
      () => adjustCredits(ctx(), { userId, amount: 5, reason: undefined as never }),
      "invalid_request",
      "reason",
    );
    expectAppError(() => adjustCredits(ctx(), { userId: 5555, amount: 5, reason: "x" }), "not_found");
    expectAppError(() => adjustCredits(ctx(), { userId: 5555, amount: -5, reason: "x" }), "not_found");
    expect(writeCounts(ctx())).toEqual(before);
    expect(getBalance(ctx(), userId).balance).toBe(0);
  });
});
