import { describe, expect, it } from "vitest";
import {
  captureHold,
  deductCredits,
  getBalance,
  getGrant,
  getHold,
  holdCredits,
  listLedger,
  refundGrantCredits,
  releaseHold,
  voidGrant,
} from "./index.server";
import { findInvariantViolations } from "./invariants.server";
import { DAY_MS, expectAppError, grant, ledgerSum, newUser, useCreditsDb } from "./test-support";

const ctx = useCreditsDb();
const MINUTE_MS = 60_000;

/** A user whose one 500-credit top-up is all held by one hold (an hour long). */
function allHeld(): { userId: number; grantId: number; holdId: number } {
  const userId = newUser(ctx());
  const grantId = grant(ctx(), userId, "topup", 500).grant.id;
  const { hold } = holdCredits(ctx(), { userId, amount: 500, expiresInSeconds: 3600 });
  return { userId, grantId, holdId: hold.id };
}

/** Nothing of the user's credits can be spent beyond `balance`. */
function expectOnlySpendable(userId: number, balance: number) {
  expect(getBalance(ctx(), userId)).toMatchObject({ balance, held: 0 });
  expectAppError(() => deductCredits(ctx(), { userId, amount: balance + 1 }), "insufficient_credits");
  expect(ledgerSum(ctx(), userId)).toBe(balance);
}

const removals = [
  {
    name: "a full refund",
    run: (grantId: number) => refundGrantCredits(ctx(), { grantId, amount: 500 }).removed,
    removed: 500,
  },
  {
    name: "a half refund",
    run: (grantId: number) => refundGrantCredits(ctx(), { grantId, amount: 250 }).removed,
    removed: 250,
  },
  { name: "a void", run: (grantId: number) => voidGrant(ctx(), { grantId }).removed, removed: 500 },
];

describe.each(removals)("$name while every credit of the grant is held", ({ run, removed }) => {
  const kept = 500 - removed;

  it("takes the held credits at once and names the hold in its entry", () => {
    const { userId, grantId, holdId } = allHeld();
    expect(run(grantId)).toBe(removed);
    expect(getBalance(ctx(), userId)).toMatchObject({ balance: 0, held: kept });
    expect(getHold(ctx(), holdId)).toMatchObject({ amount: 500, clawedBackAmount: removed, status: "held" });
    const [entry] = listLedger(ctx(), userId, { limit: 1 }).entries;
    expect(entry).toMatchObject({ amount: -removed, fromHolds: [{ holdId, amount: removed }] });
    expect(ledgerSum(ctx(), userId)).toBe(kept);
  });

  it("then a release gives back only what the hold still reserves", () => {
    const { userId, grantId, holdId } = allHeld();
    run(grantId);
    expect(releaseHold(ctx(), { holdId })).toMatchObject({ balance: kept, held: 0 });
    expectOnlySpendable(userId, kept);
  });

  it("then a capture spends at most what the hold still reserves", () => {
    const { userId, grantId, holdId } = allHeld();
    run(grantId);
    if (kept === 0) {
      expectAppError(() => captureHold(ctx(), { holdId }), "conflict");
      expectAppError(() => captureHold(ctx(), { holdId, amount: 1 }), "conflict");
      expect(releaseHold(ctx(), { holdId })).toMatchObject({ balance: 0, held: 0 });
    } else {
      expectAppError(() => captureHold(ctx(), { holdId, amount: kept + 1 }), "invalid_request", "amount");
      const r = captureHold(ctx(), { holdId });
      expect(r.deduction).toMatchObject({ amount: kept, balance: 0, allocations: [{ grantId, amount: kept }] });
    }
    expectOnlySpendable(userId, 0);
  });

  it("then the hold's expiry gives back only what it still reserves", () => {
    const { userId, grantId } = allHeld();
    run(grantId);
    ctx().clock.advance(61 * MINUTE_MS);
    expectOnlySpendable(userId, kept);
  });
});

describe("refunds and voids reach held credits", () => {
  it("a refund takes the grant's free credits first, then the held ones", () => {
    const userId = newUser(ctx());
    const grantId = grant(ctx(), userId, "topup", 500).grant.id;
    const { hold } = holdCredits(ctx(), { userId, amount: 300 });
    expect(refundGrantCredits(ctx(), { grantId, amount: 400 })).toMatchObject({ removed: 400, balance: 0 });
    expect(getGrant(ctx(), grantId)).toMatchObject({ remaining: 0, status: "depleted" });
    expect(getHold(ctx(), hold.id)).toMatchObject({ clawedBackAmount: 200 });
    const [entry] = listLedger(ctx(), userId, { limit: 1 }).entries;
    expect(entry).toMatchObject({ type: "refund", amount: -400, fromHolds: [{ holdId: hold.id, amount: 200 }] });
    // A refund of free credits alone names no hold.
    const other = grant(ctx(), userId, "topup", 50).grant.id;
    refundGrantCredits(ctx(), { grantId: other, amount: 10 });
    expect(listLedger(ctx(), userId, { limit: 1 }).entries[0]).not.toHaveProperty("fromHolds");
  });

  it("a refund takes from the oldest hold first, and never more than the holds reserve", () => {
    const userId = newUser(ctx());
    const grantId = grant(ctx(), userId, "topup", 100).grant.id;
    const a = holdCredits(ctx(), { userId, amount: 40 }).hold.id;
    const b = holdCredits(ctx(), { userId, amount: 60 }).hold.id;
    refundGrantCredits(ctx(), { grantId, amount: 50 });
    expect([getHold(ctx(), a)!.clawedBackAmount, getHold(ctx(), b)!.clawedBackAmount]).toEqual([40, 10]);
    expect(refundGrantCredits(ctx(), { grantId, amount: 80 }).removed).toBe(50);
    expect(getBalance(ctx(), userId)).toMatchObject({ balance: 0, held: 0 });
  });

  it("a hold over two grants keeps the other grant's credits when one is refunded", () => {
    const userId = newUser(ctx());
    const sub = grant(ctx(), userId, "subscription", 100, {
      expiresAt: new Date(ctx().clock.now().getTime() + 30 * DAY_MS),
    }).grant.id;
    const topup = grant(ctx(), userId, "topup", 50).grant.id;
    const { hold } = holdCredits(ctx(), { userId, amount: 120 }); // 100 of the subscription, 20 of the top-up
    expect(refundGrantCredits(ctx(), { grantId: topup, amount: 50 }).removed).toBe(50);
    const r = captureHold(ctx(), { holdId: hold.id });
    expect(r.deduction).toMatchObject({ amount: 100, allocations: [{ grantId: sub, amount: 100 }] });
    expectOnlySpendable(userId, 0);
  });

  it("voiding a grant a hold emptied answers voided and writes its void entry", () => {
    const { userId, grantId, holdId } = allHeld();
    const r = voidGrant(ctx(), { grantId, reason: "granted by mistake" });
    expect(r).toMatchObject({ removed: 500, balance: 0, grant: { status: "voided", remaining: 0 } });
    const [entry] = listLedger(ctx(), userId, { limit: 1 }).entries;
    expect(entry).toMatchObject({ type: "void", amount: -500, reason: "granted by mistake" });
    expect(entry.fromHolds).toEqual([{ holdId, amount: 500 }]);
    // Voiding again changes nothing.
    expect(voidGrant(ctx(), { grantId })).toMatchObject({ removed: 0, grant: { status: "voided" } });
  });

  it("a void takes what is left on the grant and what every open hold reserves on it", () => {
    const userId = newUser(ctx());
    const grantId = grant(ctx(), userId, "topup", 100).grant.id;
    const a = holdCredits(ctx(), { userId, amount: 30 }).hold.id;
    const b = holdCredits(ctx(), { userId, amount: 20 }).hold.id;
    expect(voidGrant(ctx(), { grantId }).removed).toBe(100);
    const [entry] = listLedger(ctx(), userId, { limit: 1 }).entries;
    expect(entry.fromHolds).toEqual([
      { holdId: a, amount: 30 },
      { holdId: b, amount: 20 },
    ]);
    releaseHold(ctx(), { holdId: a });
    ctx().clock.advance(16 * MINUTE_MS);
    expectOnlySpendable(userId, 0);
  });

  it("a spent grant is left alone by a void: nothing to remove, nothing written", () => {
    const userId = newUser(ctx());
    const grantId = grant(ctx(), userId, "topup", 10).grant.id;
    deductCredits(ctx(), { userId, amount: 10 });
    const entries = ledgerSum(ctx(), userId);
    expect(voidGrant(ctx(), { grantId })).toMatchObject({ removed: 0, grant: { status: "depleted" } });
    expect(ledgerSum(ctx(), userId)).toBe(entries);
  });

  it("held credits of a grant that expired meanwhile are refunded, so the hold cannot spend them", () => {
    const userId = newUser(ctx());
    const nowMs = ctx().clock.now().getTime();
    const grantId = grant(ctx(), userId, "topup", 50, { expiresAt: new Date(nowMs + 5 * MINUTE_MS) }).grant.id;
    grant(ctx(), userId, "topup", 10);
    const { hold } = holdCredits(ctx(), { userId, amount: 50, expiresInSeconds: 3600 });
    ctx().clock.advance(10 * MINUTE_MS);
    expect(refundGrantCredits(ctx(), { grantId, amount: 50 }).removed).toBe(50);
    expect(getGrant(ctx(), grantId)).toMatchObject({ remaining: 0 });
    expectAppError(() => captureHold(ctx(), { holdId: hold.id }), "conflict");
    releaseHold(ctx(), { holdId: hold.id });
    expectOnlySpendable(userId, 10);
  });

  it("the invariant checker catches a hold reserving credits a refund took, or a clawback nobody recorded", () => {
    const { grantId, holdId } = allHeld();
    refundGrantCredits(ctx(), { grantId, amount: 200 });
    const sqlite = ctx().db.$client;
    sqlite.prepare("update credit_holds set clawed_amount = 100 where id = ?").run(holdId);
    expect(findInvariantViolations(ctx()).join("\n")).toMatch(/I12 user .* clawed_amount 100/);
    sqlite.prepare("update credit_holds set clawed_amount = 200 where id = ?").run(holdId);
    expect(findInvariantViolations(ctx())).toEqual([]);
    sqlite.prepare("update hold_clawbacks set amount = 150 where hold_id = ?").run(holdId);
    sqlite.prepare("update credit_holds set clawed_amount = 150 where id = ?").run(holdId);
    expect(findInvariantViolations(ctx()).join("\n")).toMatch(/I12 .*took held credits before|I12 .*free credits/);
    sqlite.prepare("update hold_clawbacks set amount = 200 where hold_id = ?").run(holdId);
    sqlite.prepare("update credit_holds set clawed_amount = 200 where id = ?").run(holdId);
  });
});
