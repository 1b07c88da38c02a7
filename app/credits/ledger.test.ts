import { describe, expect, it } from "vitest";
import { addDays } from "../utils/clock";
import {
  checkInvariants,
  deductCredits,
  expireGrants,
  findInvariantViolations,
  getBalance,
  getGrant,
  grantCredits,
  listLedger,
  voidGrant,
} from "./index.server";
import { closeDatabase, openDatabase } from "../../db/client";
import { writeTransaction } from "../../db/transaction";
import { computeBalance } from "./ledger.server";
import { statementsFor } from "./statements.server";
import { expectAppError, newUser, useCreditsDb, grant } from "./test-support";

const ctx = useCreditsDb();

describe("the balance view", () => {
  it("breaks down the credits in effect by type, lists them in burn-down order and names the next expiry", () => {
    const userId = newUser(ctx());
    const now = ctx().clock.now();
    const topup = grant(ctx(), userId, "topup", 300, { expiresAt: addDays(now, 365) });
    const sub = grant(ctx(), userId, "subscription", 100, { expiresAt: addDays(now, 30) });
    const promo = grantCredits(ctx(), { userId, type: "promotional", amount: 50, source: "admin" });
    grantCredits(ctx(), { userId, type: "promotional", amount: 999, source: "admin", effectiveAt: addDays(now, 1) });
    deductCredits(ctx(), { userId, amount: 40 });

    const view = getBalance(ctx(), userId);
    expect(view).toMatchObject({
      userId,
      balance: 410,
      breakdown: { subscription: 60, topup: 300, promotional: 50 },
      nextExpiry: { amount: 60, expiresAt: addDays(now, 30).toISOString() },
    });
    expect(view.grants.map((g) => [g.id, g.remaining, g.status])).toEqual([
      [sub.grant.id, 60, "active"],
      [promo.grant.id, 50, "active"],
      [topup.grant.id, 300, "active"],
    ]);
  });

  it("sums the credits of grants that expire at the same instant", () => {
    const userId = newUser(ctx());
    const expiresAt = addDays(ctx().clock.now(), 7);
    grantCredits(ctx(), { userId, type: "subscription", amount: 10, source: "subscription", expiresAt });
    grantCredits(ctx(), { userId, type: "topup", amount: 5, source: "topup", expiresAt });
    grantCredits(ctx(), { userId, type: "topup", amount: 1, source: "topup", expiresAt: addDays(expiresAt, 1) });
    expect(getBalance(ctx(), userId).nextExpiry).toEqual({ amount: 15, expiresAt: expiresAt.toISOString() });
  });

  it("leaves out depleted, voided, expired and future-dated grants", () => {
    const userId = newUser(ctx());
    const now = ctx().clock.now();
    const voided = grantCredits(ctx(), { userId, type: "promotional", amount: 5, source: "admin" });
    voidGrant(ctx(), { grantId: voided.grant.id });
    grantCredits(ctx(), { userId, type: "subscription", amount: 5, source: "subscription" });
    deductCredits(ctx(), { userId, amount: 5 });
    grantCredits(ctx(), { userId, type: "topup", amount: 5, source: "topup", expiresAt: addDays(now, 1) });
    const pending = grant(ctx(), userId, "topup", 5, { effectiveAt: addDays(now, 10) });
    ctx().clock.set(addDays(now, 1));
    expect(getBalance(ctx(), userId)).toEqual({
      userId,
      balance: 0,
      held: 0,
      breakdown: { subscription: 0, topup: 0, promotional: 0 },
      nextExpiry: null,
      grantCount: 0,
      grants: [],
    });
    expect(getGrant(ctx(), pending.grant.id)!.status).toBe("pending");
  });

  it("answers not_found for an unknown user", () => {
    expectAppError(() => getBalance(ctx(), 123456), "not_found");
  });

  it("a kept view of a user with many grants follows every write, from any connection, and the passing of time", () => {
    const userId = newUser(ctx());
    const now = ctx().clock.now();
    const grants = Array.from({ length: 70 }, (_, i) =>
      grant(ctx(), userId, "subscription", 10, { expiresAt: addDays(now, 1 + i) }),
    );
    grant(ctx(), userId, "topup", 500, { effectiveAt: addDays(now, 2) }); // pending until day 2
    const other = openDatabase(ctx().path); // another connection (or process) on the same file
    try {
      const otherCtx = { db: other, clock: ctx().clock };
      const fresh = () => computeBalance(statementsFor(ctx().db), userId, 100, ctx().clock.now().getTime());
      const steps: [string, () => void][] = [
        ["nothing", () => {}],
        ["a deduction", () => deductCredits(ctx(), { userId, amount: 15 })],
        ["a grant", () => grantCredits(ctx(), { userId, type: "promotional", amount: 7, source: "admin" })],
        ["a void", () => voidGrant(ctx(), { grantId: grants[5].grant.id })],
        ["a deduction on another connection", () => deductCredits(otherCtx, { userId, amount: 3 })],
        ["the first expiry passing, unswept", () => ctx().clock.set(addDays(now, 1))],
        ["a pending grant taking effect", () => ctx().clock.set(addDays(now, 2))],
        ["the sweep", () => expireGrants(ctx())],
        ["a sweep on another connection", () => (ctx().clock.set(addDays(now, 3)), expireGrants(otherCtx))],
      ];
      for (const [what, step] of steps) {
        getBalance(ctx(), userId, { grantLimit: 100 }); // keep a view from before the step
        step();
        expect(getBalance(ctx(), userId, { grantLimit: 100 }), `after ${what}`).toEqual(fresh());
        expect(getBalance(ctx(), userId, { grantLimit: 100 }).grantCount, `after ${what}`).toBeGreaterThanOrEqual(64);
      }
      expect(getBalance(ctx(), userId, { grantLimit: 100 }).grants).toHaveLength(fresh().grantCount);
      // With nothing changed, the same (frozen, shared) view is answered: it was kept.
      const kept = getBalance(ctx(), userId, { grantLimit: 100 });
      expect(getBalance(ctx(), userId, { grantLimit: 100 })).toBe(kept);
      expect(Object.isFrozen(kept.grants[0])).toBe(true);
    } finally {
      closeDatabase(other);
    }
  });

  it("keeps no view read inside a write transaction: a rollback reuses the ids its version names (group commit, decision 027)", () => {
    const userId = newUser(ctx());
    const now = ctx().clock.now();
    for (let i = 0; i < 70; i++) grant(ctx(), userId, "subscription", 10, { expiresAt: addDays(now, 1 + i) });
    const fresh = () => computeBalance(statementsFor(ctx().db), userId, 100, ctx().clock.now().getTime());
    expect(() =>
      writeTransaction(ctx().db, () => {
        deductCredits(ctx(), { userId, amount: 15 }); // a request of the group, not committed
        expect(getBalance(ctx(), userId, { grantLimit: 100 }).balance).toBe(685);
        throw new Error("the group's COMMIT failed");
      }),
    ).toThrow("COMMIT failed");
    // The next entry takes the rolled-back one's id, so a view kept above would look current.
    deductCredits(ctx(), { userId, amount: 4 });
    expect(getBalance(ctx(), userId, { grantLimit: 100 })).toEqual(fresh());
    expect(getBalance(ctx(), userId, { grantLimit: 100 }).balance).toBe(696);
  });

  it("counts every grant in effect but lists only the first grantLimit, in burn-down order", () => {
    const userId = newUser(ctx());
    const now = ctx().clock.now();
    for (let i = 0; i < 7; i++) grant(ctx(), userId, "topup", 10 + i, { expiresAt: addDays(now, 30 - i) });
    grant(ctx(), userId, "topup", 999, { effectiveAt: addDays(now, 1) }); // pending: neither counted nor listed
    const all = getBalance(ctx(), userId);
    const firstThree = getBalance(ctx(), userId, { grantLimit: 3 });
    expect(all.grantCount).toBe(7);
    expect(all.grants).toHaveLength(7);
    expect(firstThree).toEqual({ ...all, grants: all.grants.slice(0, 3) });
    expect(firstThree.grants.map((g) => g.remaining)).toEqual([16, 15, 14]); // soonest expiry first
    expect(getBalance(ctx(), userId, { grantLimit: 0 })).toMatchObject({ balance: 91, grantCount: 7, grants: [] });
    expectAppError(() => getBalance(ctx(), userId, { grantLimit: 1.5 }), "invalid_request");
  });
});

describe("the ledger", () => {
  it("pages newest first with an opaque cursor until nextCursor is null", () => {
    const userId = newUser(ctx());
    const other = newUser(ctx());
    grantCredits(ctx(), { userId: other, type: "topup", amount: 5, source: "topup" });
    grantCredits(ctx(), { userId, type: "topup", amount: 1000, source: "topup" });
    for (let i = 1; i <= 11; i++) {
      ctx().clock.advance(1000);
      deductCredits(ctx(), { userId, amount: i });
    }
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: ReturnType<typeof listLedger> = listLedger(ctx(), userId, { limit: 5, cursor });
      seen.push(...page.entries.map((e) => e.amount));
      cursor = page.nextCursor;
      pages += 1;
      if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([-11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 1000]);
    const all = listLedger(ctx(), userId, {});
    expect(all.entries).toHaveLength(12);
    expect(all.nextCursor).toBeNull();
    expect(all.entries[0].createdAt).toBe("2026-01-01T00:00:11.000Z");
  });

  it("says nextCursor null when the last page is exactly full", () => {
    const userId = newUser(ctx());
    grantCredits(ctx(), { userId, type: "topup", amount: 10, source: "topup" });
    deductCredits(ctx(), { userId, amount: 1 });
    const first = listLedger(ctx(), userId, { limit: 1 });
    expect(first.nextCursor).not.toBeNull();
    expect(listLedger(ctx(), userId, { limit: 1, cursor: first.nextCursor })).toMatchObject({ nextCursor: null });
    expect(listLedger(ctx(), userId, { limit: 2 }).nextCursor).toBeNull();
  });

  it("includes allocations on deductions only", () => {
    const userId = newUser(ctx());
    const g = grantCredits(ctx(), { userId, type: "topup", amount: 10, source: "topup" });
    deductCredits(ctx(), { userId, amount: 4 });
    const [deduction, grant] = listLedger(ctx(), userId, {}).entries;
    expect(deduction.allocations).toEqual([{ grantId: g.grant.id, amount: 4 }]);
    expect(grant).not.toHaveProperty("allocations");
    expect(Object.keys(grant).sort()).toEqual([
      "amount",
      "balanceAfter",
      "createdAt",
      "id",
      "metadata",
      "reason",
      "type",
    ]);
  });

  it("rejects a limit outside 1–100 and a cursor it did not make", () => {
    const userId = newUser(ctx());
    for (const limit of [0, 101, 2.5])
      expectAppError(() => listLedger(ctx(), userId, { limit }), "invalid_request", "limit");
    for (const cursor of ["nope", "MTI", Buffer.from("v1.-3").toString("base64url"), "%%%"]) {
      expectAppError(() => listLedger(ctx(), userId, { cursor }), "invalid_request", "cursor");
    }
    expect(listLedger(ctx(), userId, { limit: 100 })).toEqual({ entries: [], nextCursor: null });
    expectAppError(() => listLedger(ctx(), 98765, {}), "not_found");
  });
});

describe("checkInvariants", () => {
  function tamperedAfter(sql: string, ...params: unknown[]): string[] {
    ctx()
      .db.$client.prepare(sql)
      .run(...params);
    const problems = findInvariantViolations(ctx());
    return problems;
  }

  function setup() {
    const userId = newUser(ctx());
    const sub = grantCredits(ctx(), { userId, type: "subscription", amount: 10, source: "subscription" });
    const topup = grantCredits(ctx(), { userId, type: "topup", amount: 10, source: "topup" });
    const d = deductCredits(ctx(), { userId, amount: 5 });
    checkInvariants(ctx());
    return { userId, sub, topup, d };
  }

  it("catches a cached balance that drifted", () => {
    const { userId } = setup();
    expect(
      tamperedAfter("update users set credit_balance = credit_balance + 1 where id = ?", userId).join("\n"),
    ).toMatch(/I2 .*I6/s);
    ctx().db.$client.prepare("update users set credit_balance = credit_balance - 1 where id = ?").run(userId);
  });

  it("catches credits taken out of burn-down order", () => {
    const { sub, topup, d } = setup();
    const problems = tamperedAfter(
      "update ledger_allocations set grant_id = ? where entry_id = ?",
      topup.grant.id,
      d.id,
    );
    expect(problems.join("\n")).toMatch(/I7 /);
    ctx().db.$client.prepare("update ledger_allocations set grant_id = ? where entry_id = ?").run(sub.grant.id, d.id);
  });

  it("catches a grant whose remaining does not match its ledger", () => {
    const { sub } = setup();
    expect(tamperedAfter("update credit_grants set remaining = 6 where id = ?", sub.grant.id).join("\n")).toMatch(
      /I4 grant/,
    );
    ctx().db.$client.prepare("update credit_grants set remaining = 5 where id = ?").run(sub.grant.id);
  });

  it("catches a balanceAfter that is not the spendable balance then", () => {
    const { d } = setup();
    expect(tamperedAfter("update credit_ledger set balance_after = 0 where id = ?", d.id).join("\n")).toMatch(
      /I8 .*balanceAfter/,
    );
    ctx().db.$client.prepare("update credit_ledger set balance_after = 15 where id = ?").run(d.id);
  });
});
