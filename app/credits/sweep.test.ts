import { describe, expect, it } from "vitest";
import { addDays } from "../utils/clock";
import { checkInvariants, expireGrants, grantCredits } from "./index.server";
import { DUE_OF_USER_SQL, NEXT_DUE_USER_SQL } from "./jobs.server";
import { cachedBalance, newUser, useCreditsDb } from "./test-support";

// How the expiry sweep cuts its work into transactions (jobs.server.ts): whole users per batch,
// earliest expiry first, found through indexes only.

const ctx = useCreditsDb();

function expirationOwners(): number[] {
  return ctx()
    .db.$client.prepare("select user_id from credit_ledger where type = 'expiration' order by id")
    .pluck()
    .all() as number[];
}

describe("the expiry sweep's batches", () => {
  it("expires each user's due grants together, earliest expiry first, even when expiries interleave", () => {
    const users = [newUser(ctx()), newUser(ctx()), newUser(ctx())];
    const start = ctx().clock.now();
    // Round-robin over the users, so in plain expiry order every batch would touch every user.
    for (let g = 0; g < 3; g++) {
      for (const [i, userId] of users.entries()) {
        const expiresAt = new Date(addDays(start, 1).getTime() + (g * users.length + i) * 1000);
        grantCredits(ctx(), { userId, type: "topup", amount: 10, source: "topup", expiresAt });
      }
    }
    ctx().clock.set(addDays(start, 2));
    expect(expireGrants(ctx(), { batchSize: 3 })).toEqual({ expired: 9, credits: 90, batches: 4 });
    expect(expirationOwners()).toEqual(users.flatMap((u) => [u, u, u]));
    for (const userId of users) expect(cachedBalance(ctx(), userId)).toBe(0);
    checkInvariants(ctx());
  });

  it("splits a user with more due grants than a batch holds across batches", () => {
    const userId = newUser(ctx());
    const other = newUser(ctx());
    const expiresAt = addDays(ctx().clock.now(), 1);
    for (let i = 0; i < 5; i++)
      grantCredits(ctx(), { userId, type: "topup", amount: 1 + i, source: "topup", expiresAt });
    grantCredits(ctx(), {
      userId: other,
      type: "topup",
      amount: 100,
      source: "topup",
      expiresAt: addDays(expiresAt, 1),
    });
    grantCredits(ctx(), { userId: other, type: "promotional", amount: 7, source: "admin" });
    ctx().clock.set(addDays(expiresAt, 2));
    expect(expireGrants(ctx(), { batchSize: 2 })).toEqual({ expired: 6, credits: 115, batches: 4 });
    expect(expirationOwners()).toEqual([userId, userId, userId, userId, userId, other]);
    expect(cachedBalance(ctx(), userId)).toBe(0);
    expect(cachedBalance(ctx(), other)).toBe(7);
    const balances = ctx()
      .db.$client.prepare("select balance_after from credit_ledger where type = 'expiration' and user_id = ?")
      .pluck()
      .all(other);
    expect(balances).toEqual([7]);
    checkInvariants(ctx());
  });

  it("dates each batch's expiration entries by the clock when that batch ran, not when the sweep started", () => {
    const users = [newUser(ctx()), newUser(ctx())];
    const expiresAt = addDays(ctx().clock.now(), 1);
    for (const userId of users) grantCredits(ctx(), { userId, type: "topup", amount: 10, source: "topup", expiresAt });
    // A clock that moves on each time it is read, like a real one across a long sweep.
    let atMs = addDays(expiresAt, 1).getTime();
    const moving = { now: () => new Date((atMs += 1000)) };
    expect(expireGrants({ db: ctx().db, clock: moving }, { batchSize: 1 })).toMatchObject({ expired: 2 });
    const dates = ctx()
      .db.$client.prepare("select created_at from credit_ledger where type = 'expiration' order by id")
      .pluck()
      .all() as number[];
    expect(dates).toHaveLength(2);
    expect(dates[1]).toBeGreaterThan(dates[0]);
    ctx().clock.set(atMs);
    checkInvariants(ctx());
  });

  it("finds due grants through indexes, never by scanning credit_grants", () => {
    const plan = (sql: string, ...args: number[]) =>
      (
        ctx()
          .db.$client.prepare(`explain query plan ${sql}`)
          .all(...args) as { detail: string }[]
      ).map((r) => r.detail);
    expect(plan(NEXT_DUE_USER_SQL, 0)).toEqual([expect.stringContaining("USING INDEX credit_grants_expiry_idx")]);
    expect(plan(DUE_OF_USER_SQL, 1, 0, 10)[0]).toContain("USING INDEX credit_grants_burn_down_idx (user_id=?)");
  });
});
