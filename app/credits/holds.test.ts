import { describe, expect, it } from "vitest";
import {
  captureHold,
  deductCredits,
  expireGrants,
  expireHolds,
  getBalance,
  getHeld,
  getHold,
  holdCredits,
  listLedger,
  releaseHold,
  voidGrant,
} from "./index.server";
import { findInvariantViolations } from "./invariants.server";
import {
  DAY_MS,
  expectAppError,
  grant,
  ledgerSum,
  newUser,
  useCreditsDb,
  writeCounts,
  type TestCtx,
} from "./test-support";

const ctx = useCreditsDb();
const MINUTE_MS = 60_000;

function holdCounts(c: TestCtx): Record<string, number> {
  const n = (sql: string) => c.db.$client.prepare(sql).pluck().get() as number;
  return {
    ...writeCounts(c),
    holds: n("select count(*) from credit_holds"),
    holdAllocations: n("select count(*) from hold_allocations"),
    openHolds: n("select count(*) from credit_holds where status = 'held'"),
  };
}

/** A user with 100 subscription credits (spent first) and 50 never-expiring top-up credits. */
function userWith150(): { userId: number; sub: number; topup: number } {
  const userId = newUser(ctx());
  const sub = grant(ctx(), userId, "subscription", 100, {
    expiresAt: new Date(ctx().clock.now().getTime() + 30 * DAY_MS),
  });
  const topup = grant(ctx(), userId, "topup", 50);
  return { userId, sub: sub.grant.id, topup: topup.grant.id };
}

describe("holds", () => {
  it("reserves credits without a ledger entry: balance drops, held grows, and nobody else can spend them", () => {
    const { userId, sub, topup } = userWith150();
    const entries = holdCounts(ctx()).ledger;
    const r = holdCredits(ctx(), { userId, amount: 120, reason: "render #1" });
    expect(r).toMatchObject({ balance: 30, held: 120, replayed: false });
    expect(r.hold).toEqual({
      id: r.hold.id,
      userId,
      amount: 120,
      capturedAmount: 0,
      clawedBackAmount: 0,
      status: "held",
      expiresAt: new Date(ctx().clock.now().getTime() + 900_000).toISOString(),
      reason: "render #1",
      metadata: null,
      createdAt: ctx().clock.now().toISOString(),
    });
    expect(holdCounts(ctx()).ledger).toBe(entries);
    expect(getBalance(ctx(), userId)).toMatchObject({ balance: 30, held: 120 });
    expect(ledgerSum(ctx(), userId)).toBe(150); // = balance + held
    // Burn-down order: the subscription grant first, then 20 of the top-up.
    const parts = ctx().db.$client.prepare("select grant_id, amount from hold_allocations order by id").raw().all();
    expect(parts).toEqual([
      [sub, 100],
      [topup, 20],
    ]);
    const before = holdCounts(ctx());
    expectAppError(() => deductCredits(ctx(), { userId, amount: 31 }), "insufficient_credits");
    expectAppError(() => holdCredits(ctx(), { userId, amount: 31 }), "insufficient_credits");
    expect(holdCounts(ctx())).toEqual(before);
    expect(deductCredits(ctx(), { userId, amount: 30 }).balance).toBe(0);
  });

  it("captures all by default: ONE deduction entry with holdId, allocated as the hold took its credits", () => {
    const { userId, sub, topup } = userWith150();
    const { hold } = holdCredits(ctx(), { userId, amount: 120, reason: "render" });
    const entries = holdCounts(ctx()).ledger;
    const r = captureHold(ctx(), { holdId: hold.id });
    expect(r.hold).toMatchObject({ status: "captured", capturedAmount: 120, amount: 120 });
    expect(r.deduction).toEqual({
      id: r.deduction.id,
      amount: 120,
      balance: 30,
      allocations: [
        { grantId: sub, amount: 100 },
        { grantId: topup, amount: 20 },
      ],
      metadata: null,
    });
    expect(r.held).toBe(0);
    expect(holdCounts(ctx()).ledger).toBe(entries + 1);
    const [entry] = listLedger(ctx(), userId, { limit: 1 }).entries;
    expect(entry).toMatchObject({
      id: r.deduction.id,
      type: "deduction",
      amount: -120,
      balanceAfter: 30,
      holdId: hold.id,
    });
    expect(ledgerSum(ctx(), userId)).toBe(30);
  });

  it("gives back what a partial capture does not take, at once", () => {
    const { userId, sub, topup } = userWith150();
    const { hold } = holdCredits(ctx(), { userId, amount: 120 });
    const r = captureHold(ctx(), { holdId: hold.id, amount: 70 });
    expect(r.deduction).toMatchObject({ amount: 70, balance: 80, allocations: [{ grantId: sub, amount: 70 }] });
    expect(r.hold).toMatchObject({ status: "captured", capturedAmount: 70 });
    expect(getBalance(ctx(), userId)).toMatchObject({ balance: 80, held: 0 });
    // The 30 subscription credits and the 20 top-up credits are back on their grants.
    const remaining = ctx()
      .db.$client.prepare("select id, remaining, status from credit_grants order by id")
      .raw()
      .all();
    expect(remaining).toEqual([
      [sub, 30, "active"],
      [topup, 50, "active"],
    ]);
  });

  it("release gives every credit back and writes no entry; a grant the hold emptied is spendable again", () => {
    const { userId, sub } = userWith150();
    const { hold } = holdCredits(ctx(), { userId, amount: 100 });
    expect(ctx().db.$client.prepare("select status from credit_grants where id = ?").pluck().get(sub)).toBe("depleted");
    const entries = holdCounts(ctx()).ledger;
    const r = releaseHold(ctx(), { holdId: hold.id });
    expect(r).toEqual({ hold: { ...hold, status: "released" }, balance: 150, held: 0 });
    expect(holdCounts(ctx()).ledger).toBe(entries);
    expect(deductCredits(ctx(), { userId, amount: 10 }).allocations).toEqual([{ grantId: sub, amount: 10 }]);
  });

  it("refuses to capture or release a hold that is not held (409) or to capture more than held (400), writing nothing", () => {
    const { userId } = userWith150();
    const a = holdCredits(ctx(), { userId, amount: 10 }).hold;
    const b = holdCredits(ctx(), { userId, amount: 10 }).hold;
    captureHold(ctx(), { holdId: a.id });
    releaseHold(ctx(), { holdId: b.id });
    const c = holdCredits(ctx(), { userId, amount: 10 }).hold;
    const before = holdCounts(ctx());
    for (const id of [a.id, b.id]) {
      expectAppError(() => captureHold(ctx(), { holdId: id }), "conflict");
      expectAppError(() => releaseHold(ctx(), { holdId: id }), "conflict");
    }
    expectAppError(() => captureHold(ctx(), { holdId: c.id, amount: 11 }), "invalid_request", "amount");
    expectAppError(() => captureHold(ctx(), { holdId: c.id, amount: 0 }), "invalid_request", "amount");
    expectAppError(() => captureHold(ctx(), { holdId: 9999 }), "not_found");
    expectAppError(() => releaseHold(ctx(), { holdId: 9999 }), "not_found");
    expect(holdCounts(ctx())).toEqual(before);
  });

  it("checks its input before writing anything", () => {
    const { userId } = userWith150();
    const before = holdCounts(ctx());
    for (const seconds of [59, 86_401, 1.5]) {
      expectAppError(
        () => holdCredits(ctx(), { userId, amount: 1, expiresInSeconds: seconds }),
        "invalid_request",
        "expiresInSeconds",
      );
    }
    expectAppError(() => holdCredits(ctx(), { userId, amount: 0 }), "invalid_request", "amount");
    expectAppError(() => holdCredits(ctx(), { userId: 424242, amount: 1 }), "not_found");
    expect(holdCounts(ctx())).toEqual(before);
    expect(holdCredits(ctx(), { userId, amount: 1, expiresInSeconds: 86_400 }).hold.expiresAt).toBe(
      new Date(ctx().clock.now().getTime() + DAY_MS).toISOString(),
    );
  });

  it("stops reserving at expiresAt without any job having run, and a later write records it once", () => {
    const { userId } = userWith150();
    const { hold } = holdCredits(ctx(), { userId, amount: 120, expiresInSeconds: 60 });
    ctx().clock.advance(MINUTE_MS - 1);
    expect(getHold(ctx(), hold.id)!.status).toBe("held");
    expect(getHeld(ctx(), userId)).toBe(120);
    ctx().clock.advance(1);
    expect(getHold(ctx(), hold.id)!.status).toBe("expired");
    expect(getHeld(ctx(), userId)).toBe(0);
    expectAppError(() => captureHold(ctx(), { holdId: hold.id }), "conflict");
    expectAppError(() => releaseHold(ctx(), { holdId: hold.id }), "conflict");
    // A deduction can spend the credits at once: no sweep has run.
    expect(deductCredits(ctx(), { userId, amount: 150 }).balance).toBe(0);
    const events = ctx()
      .db.$client.prepare("select type, data from event_outbox where type = 'hold.expired'")
      .all() as {
      data: string;
    }[];
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0].data)).toEqual({
      userId,
      externalId: null,
      hold: { ...hold, status: "expired" },
    });
    expect(expireHolds(ctx())).toBe(0);
  });

  it("the balance answer counts a lapsed hold's credits as back, and the sweep records lapsed holds", () => {
    const { userId } = userWith150();
    holdCredits(ctx(), { userId, amount: 120, expiresInSeconds: 60 });
    const other = newUser(ctx());
    grant(ctx(), other, "topup", 10);
    holdCredits(ctx(), { userId: other, amount: 10, expiresInSeconds: 120 });
    ctx().clock.advance(MINUTE_MS);
    expect(getBalance(ctx(), userId)).toMatchObject({ balance: 150, held: 0 });
    ctx().clock.advance(MINUTE_MS);
    expect(expireHolds(ctx())).toBe(1);
    expect(findInvariantViolations(ctx())).toEqual([]);
    expect(ledgerSum(ctx(), other)).toBe(10);
  });

  it("a hold's key replayed after the hold lapsed answers the balance with its credits back (simulator seed 20261255)", () => {
    const { userId } = userWith150();
    const first = holdCredits(ctx(), { userId, amount: 27, expiresInSeconds: 60, idempotencyKey: "h1" });
    expect(first).toMatchObject({ balance: 123, held: 27, replayed: false });
    ctx().clock.advance(MINUTE_MS);
    const replay = holdCredits(ctx(), { userId, amount: 27, expiresInSeconds: 60, idempotencyKey: "h1" });
    expect(replay).toMatchObject({ balance: 150, held: 0, replayed: true });
    expect(replay.hold.id).toBe(first.hold.id);
    expect(getBalance(ctx(), userId)).toMatchObject({ balance: 150, held: 0 });
    expect(findInvariantViolations(ctx())).toEqual([]);
  });

  it("guarantees the capture until expiresAt even when the grant it came from expires meanwhile", () => {
    const userId = newUser(ctx());
    const nowMs = ctx().clock.now().getTime();
    const short = grant(ctx(), userId, "promotional", 40, { expiresAt: new Date(nowMs + 5 * MINUTE_MS) }).grant.id;
    grant(ctx(), userId, "topup", 10);
    const { hold } = holdCredits(ctx(), { userId, amount: 30, expiresInSeconds: 3600 });
    ctx().clock.advance(10 * MINUTE_MS);
    expect(expireGrants(ctx()).credits).toBe(10); // the 10 not held
    expect(getBalance(ctx(), userId)).toMatchObject({ balance: 10, held: 30 });
    const r = captureHold(ctx(), { holdId: hold.id, amount: 25 });
    expect(r.deduction).toMatchObject({ amount: 25, balance: 10, allocations: [{ grantId: short, amount: 25 }] });
    // The 5 not captured belonged to the expired grant: they expire with one entry.
    const [last, capture] = listLedger(ctx(), userId, { limit: 2 }).entries;
    expect(capture).toMatchObject({ type: "deduction", amount: -25, holdId: hold.id });
    expect(last).toMatchObject({ type: "expiration", amount: -5, balanceAfter: 10 });
    expect(ledgerSum(ctx(), userId)).toBe(10);
  });

  it("a released hold's credits of a grant that expired meanwhile end with their grant; a void took its grant's part at once", () => {
    const userId = newUser(ctx());
    const nowMs = ctx().clock.now().getTime();
    grant(ctx(), userId, "subscription", 20, { expiresAt: new Date(nowMs + 5 * MINUTE_MS) });
    const voided = grant(ctx(), userId, "promotional", 20).grant.id;
    grant(ctx(), userId, "topup", 10);
    const { hold } = holdCredits(ctx(), { userId, amount: 30, expiresInSeconds: 3600 }); // 20 + 10 of the promotional
    // The void takes the promotional grant's 10 free credits and the 10 the hold reserves on it.
    expect(voidGrant(ctx(), { grantId: voided })).toMatchObject({ removed: 20, grant: { status: "voided" } });
    ctx().clock.advance(10 * MINUTE_MS);
    expect(getBalance(ctx(), userId)).toMatchObject({ balance: 10, held: 20 });
    const entries = listLedger(ctx(), userId, { limit: 1 }).entries;
    const r = releaseHold(ctx(), { holdId: hold.id });
    expect(r).toMatchObject({ balance: 10, held: 0 });
    // Nothing comes back to the voided grant; the 20 of the expired grant (which the hold had
    // emptied, so the sweep had nothing to record) go back to it and the sweep expires them.
    expect(listLedger(ctx(), userId, { limit: 1 }).entries).toEqual(entries);
    expect(expireGrants(ctx())).toMatchObject({ expired: 1, credits: 20 });
    expect(getBalance(ctx(), userId)).toMatchObject({ balance: 10, held: 0 });
    expect(ledgerSum(ctx(), userId)).toBe(10);
  });

  it("replays a hold or a capture by idempotency key, and refuses the key for another request", () => {
    const { userId } = userWith150();
    const first = holdCredits(ctx(), { userId, amount: 10, idempotencyKey: "k1" });
    const again = holdCredits(ctx(), { userId, amount: 10, idempotencyKey: "k1" });
    expect(again).toMatchObject({ hold: first.hold, replayed: true });
    expectAppError(() => holdCredits(ctx(), { userId, amount: 11, idempotencyKey: "k1" }), "idempotency_conflict");
    const c1 = captureHold(ctx(), { holdId: first.hold.id, amount: 4, idempotencyKey: "c" });
    const c2 = captureHold(ctx(), { holdId: first.hold.id, amount: 4, idempotencyKey: "c" });
    expect(c2).toMatchObject({ deduction: c1.deduction, replayed: true });
    expectAppError(
      () => captureHold(ctx(), { holdId: first.hold.id, amount: 5, idempotencyKey: "c" }),
      "idempotency_conflict",
    );
    expect(holdCounts(ctx()).holds).toBe(1);
  });

  it("the invariant checker catches held credits that were also left on their grant, or a hold taken out of order", () => {
    const { userId, sub, topup } = userWith150();
    const { hold } = holdCredits(ctx(), { userId, amount: 120 });
    const sqlite = ctx().db.$client;
    sqlite.prepare("update credit_grants set remaining = remaining + 20 where id = ?").run(topup);
    sqlite.prepare("update users set credit_balance = credit_balance + 20 where id = ?").run(userId);
    expect(findInvariantViolations(ctx()).join("\n")).toMatch(/I6 user .*I4 grant/s);
    sqlite.prepare("update credit_grants set remaining = remaining - 20 where id = ?").run(topup);
    sqlite.prepare("update users set credit_balance = credit_balance - 20 where id = ?").run(userId);
    expect(findInvariantViolations(ctx())).toEqual([]);
    sqlite
      .prepare("update hold_allocations set grant_id = ? where hold_id = ? and grant_id = ?")
      .run(sub, hold.id, topup);
    expect(findInvariantViolations(ctx()).join("\n")).toMatch(/I10 user .* hold/);
    sqlite.prepare("update hold_allocations set grant_id = ? where hold_id = ? and amount = 20").run(topup, hold.id);
    sqlite.prepare("update credit_holds set status = 'released' where id = ?").run(hold.id);
    expect(findInvariantViolations(ctx()).join("\n")).toMatch(/I11 hold .* without its place/);
    sqlite.prepare("update credit_holds set status = 'held' where id = ?").run(hold.id);
  });

  it("keeps deductions on their indexed path: a user's lapsed holds are found through credit_holds_open_idx", () => {
    const plan = ctx()
      .db.$client.prepare(
        "explain query plan select 1 from credit_holds where user_id = ? and status = 'held' and expires_at <= ? limit 1",
      )
      .all(1, 1) as { detail: string }[];
    expect(plan.map((p) => p.detail).join("\n")).toMatch(/USING COVERING INDEX credit_holds_open_idx/);
  });
});
