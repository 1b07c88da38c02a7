/**
 * Rollover at renewal: random plans (percent, cap), random spending within each period, renewals
 * before the period end (a test clock's "Renew now") or after it (with or without the expiry
 * sweep), against the engine on a real SQLite file. After every step: checkInvariants(); at each
 * renewal: never more than the limits, rolled-over credits never roll again, replays change nothing.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { testContext } from "../../test/db";
import { AppError } from "../utils/errors";
import {
  checkInvariants,
  deductCredits,
  expireGrants,
  getBalance,
  grantCredits,
  rolledAmount,
  rollOverCredits,
  ROLLOVER_PRIORITY,
} from "./index.server";
import { DAY_MS, newUser, useCreditsDb, writeCounts, type TestCtx } from "./test-support";

const PERIOD_MS = 30 * DAY_MS;

/** A group of grants as billing would name a subscription's: an opaque ref to the engine. */
function newSubscription(ctx: TestCtx, userId: number): string {
  return `subscription:test-${userId}-${ctx.clock.now().getTime()}`;
}

function planGrant(ctx: TestCtx, userId: number, groupRef: string, credits: number, periodEndMs: number) {
  return grantCredits(ctx, {
    userId,
    type: "subscription",
    source: "subscription",
    amount: credits,
    expiresAt: new Date(periodEndMs),
    groupRef,
    reason: "Plan credits",
  }).grant.id;
}

function rollover(
  ctx: TestCtx,
  p: { userId: number; groupRef: string; periodEndMs: number; percent: number; max: number | null; key: string },
) {
  return rollOverCredits(ctx, {
    userId: p.userId,
    groupRef: p.groupRef,
    renewalKey: p.key,
    periodEnd: new Date(p.periodEndMs),
    newPeriodEnd: new Date(p.periodEndMs + PERIOD_MS),
    percent: p.percent,
    maxCredits: p.max,
    fromLabel: "Plan (test)",
  });
}

describe("rollover", () => {
  const db = useCreditsDb();

  it("rolls the unused share of the ending period's plan credits into one grant expiring with the new period", () => {
    const ctx = db();
    const userId = newUser(ctx);
    const sub = newSubscription(ctx, userId);
    const endMs = ctx.clock.now().getTime() + PERIOD_MS;
    planGrant(ctx, userId, sub, 1000, endMs);
    deductCredits(ctx, { userId, amount: 400 });
    ctx.clock.set(endMs); // the period ended
    const r = rollover(ctx, { userId, groupRef: sub, periodEndMs: endMs, percent: 50, max: null, key: "r1" });
    expect(r).toMatchObject({ unused: 600, rolled: 300, replayed: false });
    const balance = getBalance(ctx, userId);
    expect(balance.balance).toBe(300);
    expect(balance.grants[0]).toMatchObject({
      type: "subscription",
      amount: 300,
      priority: ROLLOVER_PRIORITY,
      expiresAt: new Date(endMs + PERIOD_MS).toISOString(),
      reason: "Rolled over from Plan (test)",
    });
    // The ledger shows the expiration of the 600 and the 300 rolled over.
    const entries = ctx.db.$client
      .prepare(`select type, amount, reason from credit_ledger where user_id = ? order by id`)
      .all(userId);
    expect(entries.slice(-2)).toEqual([
      { type: "expiration", amount: -600, reason: "Expired" },
      { type: "grant", amount: 300, reason: "Rolled over from Plan (test)" },
    ]);
  });

  it("ends a period early when the renewal comes before the clock reaches its end, and caps at maxCredits", () => {
    const ctx = db();
    const userId = newUser(ctx);
    const sub = newSubscription(ctx, userId);
    const endMs = ctx.clock.now().getTime() + PERIOD_MS;
    planGrant(ctx, userId, sub, 1000, endMs);
    ctx.clock.advance(DAY_MS);
    const r = rollover(ctx, { userId, groupRef: sub, periodEndMs: endMs, percent: 80, max: 250, key: "r1" });
    expect(r).toMatchObject({ unused: 1000, rolled: 250 });
    expect(getBalance(ctx, userId).balance).toBe(250);
  });

  it("rolls nothing with 0 %, and a replay of the same renewal writes nothing", () => {
    const ctx = db();
    const userId = newUser(ctx);
    const sub = newSubscription(ctx, userId);
    const endMs = ctx.clock.now().getTime() + PERIOD_MS;
    planGrant(ctx, userId, sub, 1000, endMs);
    ctx.clock.advance(DAY_MS);
    expect(rollover(ctx, { userId, groupRef: sub, periodEndMs: endMs, percent: 0, max: null, key: "zero" })).toEqual({
      unused: 0,
      rolled: 0,
      grantId: null,
      replayed: false,
    });
    expect(getBalance(ctx, userId).balance).toBe(1000); // untouched: expires as before
    const first = rollover(ctx, { userId, groupRef: sub, periodEndMs: endMs, percent: 10, max: null, key: "r" });
    const before = writeCounts(ctx);
    const again = rollover(ctx, { userId, groupRef: sub, periodEndMs: endMs, percent: 10, max: null, key: "r" });
    expect(again).toEqual({ ...first, replayed: true });
    expect(writeCounts(ctx)).toEqual(before);
  });

  it("refuses bad terms before writing anything", () => {
    const ctx = db();
    const userId = newUser(ctx);
    const sub = newSubscription(ctx, userId);
    const endMs = ctx.clock.now().getTime() + PERIOD_MS;
    planGrant(ctx, userId, sub, 100, endMs);
    const before = writeCounts(ctx);
    for (const [percent, max] of [
      [101, null],
      [-1, null],
      [1.5, null],
      [50, 0],
    ] as const) {
      expect(() => rollover(ctx, { userId, groupRef: sub, periodEndMs: endMs, percent, max, key: "bad" })).toThrow(
        AppError,
      );
    }
    expect(writeCounts(ctx)).toEqual(before);
  });
});

type Period = {
  spends: number[];
  /** when the renewal comes: before the period end (test clock), at it, or after it with the sweep run */
  renewal: "early" | "at-end" | "after-sweep";
  topup: boolean;
};

const periodArb: fc.Arbitrary<Period> = fc.record({
  spends: fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 6 }),
  renewal: fc.constantFrom("early" as const, "at-end" as const, "after-sweep" as const),
  topup: fc.boolean(),
});

describe("rollover property", () => {
  it("never rolls more than the limits, never rolls rolled-over credits again, and keeps the invariants", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.option(fc.integer({ min: 1, max: 600 }), { nil: null }),
        fc.integer({ min: 1, max: 500 }),
        fc.array(periodArb, { minLength: 1, maxLength: 6 }),
        (percent, max, credits, periods) => {
          const ctx = testContext();
          try {
            const userId = newUser(ctx);
            const sub = newSubscription(ctx, userId);
            let endMs = ctx.clock.now().getTime() + PERIOD_MS;
            let planGrantId = planGrant(ctx, userId, sub, credits, endMs);
            const rolloverGrants = new Set<number>();
            periods.forEach((p, i) => {
              if (p.topup) grantCredits(ctx, { userId, type: "topup", source: "topup", amount: 100 });
              for (const amount of p.spends) {
                ctx.clock.advance(Math.floor(PERIOD_MS / 10));
                try {
                  deductCredits(ctx, { userId, amount });
                } catch (e) {
                  if (!(e instanceof AppError && e.code === "insufficient_credits")) throw e;
                }
                checkInvariants(ctx);
              }
              // What the plan grant of the ending period has left (the only credits that may roll).
              const planLeft = ctx.db.$client
                .prepare(`select remaining from credit_grants where id = ?`)
                .pluck()
                .get(planGrantId) as number;
              // Spending takes at most 18 of the 30 days, so an early renewal is still inside the period.
              if (p.renewal === "early") ctx.clock.set(Math.min(ctx.clock.now().getTime() + 3_600_000, endMs - 1));
              else ctx.clock.set(Math.max(ctx.clock.now().getTime(), endMs));
              if (p.renewal === "after-sweep") expireGrants(ctx);
              const r = rollover(ctx, { userId, groupRef: sub, periodEndMs: endMs, percent, max, key: `inv_${i}` });
              // Only the plan grant's credits count as unused: a rollover grant of the period never does.
              expect(r.unused).toBe(percent === 0 ? 0 : planLeft);
              expect(r.rolled).toBe(rolledAmount(planLeft, percent, max));
              expect(r.rolled).toBeLessThanOrEqual(Math.floor((r.unused * percent) / 100));
              if (max !== null) expect(r.rolled).toBeLessThanOrEqual(max);
              expect(r.rolled === 0).toBe(r.grantId === null);
              if (r.grantId !== null) rolloverGrants.add(r.grantId);
              // A replay of this renewal changes nothing.
              const before = writeCounts(ctx);
              expect(
                rollover(ctx, { userId, groupRef: sub, periodEndMs: endMs, percent, max, key: `inv_${i}` }),
              ).toMatchObject({ rolled: r.rolled, replayed: percent > 0 });
              expect(writeCounts(ctx)).toEqual(before);
              checkInvariants(ctx);
              // The new period: the plan's credits, expiring with it.
              endMs += PERIOD_MS;
              planGrantId = planGrant(ctx, userId, sub, credits, endMs);
              checkInvariants(ctx);
            });
            // No rollover grant was ever a source.
            const sources = ctx.db.$client
              .prepare(
                `select json_extract(metadata, '$.rollover.fromGrantIds') from credit_ledger
                 where user_id = ? and type = 'grant' and json_extract(metadata, '$.rollover') is not null`,
              )
              .pluck()
              .all(userId) as string[];
            for (const ids of sources)
              for (const id of JSON.parse(ids) as number[]) expect(rolloverGrants.has(id)).toBe(false);
            // Every rollover grant expires with the period after the one it came from.
            const expiries = ctx.db.$client
              .prepare(
                `select count(*) from credit_rollovers r join credit_grants g on g.id = r.grant_id
                where g.expires_at != r.period_end + ?`,
              )
              .pluck()
              .get(PERIOD_MS) as number;
            expect(expiries).toBe(0);
          } finally {
            closeDatabase(ctx.db);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
