import { afterEach, describe, expect, it, vi } from "vitest";
import { closeDatabase } from "../../db/client";
import { testContext } from "../../test/db";
import { addDays } from "../utils/clock";
import { log } from "../utils/log.server";
import {
  checkInvariants,
  deductCredits,
  expireGrants,
  getBalance,
  getGrant,
  grantCredits,
  holdCredits,
  listLedger,
  startCreditJobs,
  syncBalances,
} from "./index.server";
import {
  DAY_MS,
  cachedBalance,
  expectAppError,
  newUser,
  useCreditsDb,
  writeCounts,
  grant,
  ledgerSum,
} from "./test-support";

const ctx = useCreditsDb();

describe("the expiry sweep", () => {
  it("records each expired grant with one expiration entry for exactly what was left", () => {
    const userId = newUser(ctx());
    const now = ctx().clock.now();
    const a = grant(ctx(), userId, "subscription", 100, { expiresAt: addDays(now, 1) });
    const b = grantCredits(ctx(), { userId, type: "topup", amount: 50, source: "topup", expiresAt: addDays(now, 2) });
    const keep = grantCredits(ctx(), { userId, type: "promotional", amount: 7, source: "admin" });
    deductCredits(ctx(), { userId, amount: 30 });
    ctx().clock.set(addDays(now, 2)); // both due (expiresAt is exclusive)

    expect(cachedBalance(ctx(), userId)).toBe(127);
    expect(expireGrants(ctx())).toEqual({ expired: 2, credits: 120, batches: 1 });
    expect(getGrant(ctx(), a.grant.id)).toMatchObject({ status: "expired", remaining: 0 });
    expect(getGrant(ctx(), b.grant.id)).toMatchObject({ status: "expired", remaining: 0 });
    expect(getGrant(ctx(), keep.grant.id)).toMatchObject({ status: "active", remaining: 7 });
    expect(listLedger(ctx(), userId, { limit: 2 }).entries.map((e) => [e.type, e.amount, e.balanceAfter])).toEqual([
      ["expiration", -50, 7],
      ["expiration", -70, 7],
    ]);
    // Swept: the cache, the ledger sum and the spendable balance agree again.
    expect(cachedBalance(ctx(), userId)).toBe(7);
    expect(ledgerSum(ctx(), userId)).toBe(7);
    expect(getBalance(ctx(), userId).balance).toBe(7);
  });

  it("is idempotent: a second run finds nothing and writes nothing", () => {
    const userId = newUser(ctx());
    grant(ctx(), userId, "topup", 5, { expiresAt: addDays(ctx().clock.now(), 1) });
    ctx().clock.advance(2 * DAY_MS);
    expect(expireGrants(ctx()).expired).toBe(1);
    const before = writeCounts(ctx());
    expect(expireGrants(ctx())).toEqual({ expired: 0, credits: 0, batches: 1 });
    expect(writeCounts(ctx())).toEqual(before);
  });

  it("leaves grants that have not expired yet, and skips depleted and voided ones", () => {
    const userId = newUser(ctx());
    const now = ctx().clock.now();
    grantCredits(ctx(), { userId, type: "topup", amount: 5, source: "topup", expiresAt: addDays(now, 1) });
    grant(ctx(), userId, "subscription", 5, { expiresAt: addDays(now, 1) });
    deductCredits(ctx(), { userId, amount: 5 }); // depletes the subscription grant
    ctx().clock.set(addDays(now, 1).getTime() - 1);
    expect(expireGrants(ctx()).expired).toBe(0);
    ctx().clock.set(addDays(now, 1));
    expect(expireGrants(ctx())).toMatchObject({ expired: 1, credits: 5 });
  });

  it("works in batches across users", () => {
    const users = [newUser(ctx()), newUser(ctx()), newUser(ctx())];
    const expiresAt = addDays(ctx().clock.now(), 1);
    for (const userId of users) {
      for (let i = 0; i < 3; i++)
        grantCredits(ctx(), { userId, type: "topup", amount: 10 + i, source: "topup", expiresAt });
    }
    ctx().clock.set(expiresAt);
    expect(expireGrants(ctx(), { batchSize: 4 })).toEqual({ expired: 9, credits: 99, batches: 3 });
    for (const userId of users) expect(cachedBalance(ctx(), userId)).toBe(0);
    expectAppError(() => expireGrants(ctx(), { batchSize: 0 }), "invalid_request", "batchSize");
  });
});

describe("the balance sync", () => {
  it("finds and fixes a drifted cached balance", () => {
    const a = newUser(ctx());
    const b = newUser(ctx());
    grantCredits(ctx(), { userId: a, type: "topup", amount: 40, source: "topup" });
    grantCredits(ctx(), { userId: b, type: "topup", amount: 60, source: "topup" });
    expect(syncBalances(ctx())).toEqual({ checked: 2, drifted: [] });

    ctx().db.$client.prepare("update users set credit_balance = 999 where id = ?").run(b);
    expect(syncBalances(ctx())).toEqual({ checked: 2, drifted: [{ userId: b, cached: 999, actual: 60 }] });
    expect(cachedBalance(ctx(), b)).toBe(60);
    expect(syncBalances(ctx(), { userId: b })).toEqual({ checked: 1, drifted: [] });
  });

  it("counts future-dated and not-yet-swept grants in the cached balance, as the invariant says", () => {
    const userId = newUser(ctx());
    const now = ctx().clock.now();
    grantCredits(ctx(), { userId, type: "topup", amount: 10, source: "topup", effectiveAt: addDays(now, 5) });
    grantCredits(ctx(), { userId, type: "topup", amount: 20, source: "topup", expiresAt: addDays(now, 1) });
    ctx().clock.set(addDays(now, 2));
    expect(syncBalances(ctx(), { userId })).toEqual({ checked: 1, drifted: [] });
    expect(cachedBalance(ctx(), userId)).toBe(30);
  });

  it("answers not_found for an unknown user", () => {
    expectAppError(() => syncBalances(ctx(), { userId: 31337 }), "not_found");
  });
});

describe("the in-process schedule", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("sweeps and syncs on its intervals and stops when asked", () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const userId = newUser(ctx());
    const g = grant(ctx(), userId, "topup", 5, { expiresAt: addDays(ctx().clock.now(), 1) });
    ctx().clock.advance(2 * DAY_MS);
    ctx().db.$client.prepare("update users set credit_balance = 77 where id = ?").run(userId);
    const storedStatus = () =>
      ctx().db.$client.prepare("select status from credit_grants where id = ?").pluck().get(g.grant.id);

    const stop = startCreditJobs(ctx(), { sweepSeconds: 60, syncSeconds: 120 });
    vi.advanceTimersByTime(59_999);
    expect(storedStatus()).toBe("active");
    vi.advanceTimersByTime(1);
    expect(storedStatus()).toBe("expired");
    expect(listLedger(ctx(), userId, { limit: 1 }).entries[0].type).toBe("expiration");
    expect(cachedBalance(ctx(), userId)).toBe(72); // the sweep subtracts from the drifted cache
    vi.advanceTimersByTime(60_000);
    expect(cachedBalance(ctx(), userId)).toBe(0); // the sync fixed it
    stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("the sweep also records lapsed holds and announces grants expiring soon, once", () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const userId = newUser(ctx());
    const soon = grant(ctx(), userId, "topup", 50, { expiresAt: addDays(ctx().clock.now(), 3) });
    const hold = holdCredits(ctx(), { userId, amount: 20, expiresInSeconds: 60 }).hold;
    ctx().clock.advance(60_000);
    const holdStatus = () =>
      ctx().db.$client.prepare("select status from credit_holds where id = ?").pluck().get(hold.id);
    const outbox = (type: string) =>
      ctx().db.$client.prepare("select count(*) from event_outbox where type = ?").pluck().get(type);
    expect(holdStatus()).toBe("held");

    const stop = startCreditJobs(ctx(), { sweepSeconds: 60, syncSeconds: 0 });
    vi.advanceTimersByTime(60_000);
    expect(holdStatus()).toBe("expired");
    expect(outbox("hold.expired")).toBe(1);
    expect(outbox("credits.expiring_soon")).toBe(1);
    vi.advanceTimersByTime(60_000);
    expect(outbox("hold.expired")).toBe(1);
    expect(outbox("credits.expiring_soon")).toBe(1);
    expect(getGrant(ctx(), soon.grant.id)!.remaining).toBe(50);
    stop();
  });

  it("starts nothing for 0 seconds", () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const stop = startCreditJobs(ctx(), { sweepSeconds: 0, syncSeconds: 0 });
    expect(vi.getTimerCount()).toBe(0);
    stop();
  });

  it("logs a failing run instead of throwing, and keeps its timers from holding the process open", () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const errors = vi.spyOn(log, "error").mockImplementation(() => {});
    const broken = testContext();
    closeDatabase(broken.db);
    const stop = startCreditJobs(broken, { sweepSeconds: 1, syncSeconds: 1 });
    expect(() => vi.advanceTimersByTime(2000)).not.toThrow();
    expect(errors).toHaveBeenCalledWith(
      "credit expiry sweep failed",
      expect.objectContaining({ error: expect.any(String) }),
    );
    expect(errors).toHaveBeenCalledWith(
      "credit balance sync failed",
      expect.objectContaining({ error: expect.any(String) }),
    );
    stop();
    checkInvariants(ctx());
  });
});
