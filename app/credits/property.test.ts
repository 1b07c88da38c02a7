/**
 * Random sequences of grants (every type; some future-dated, some expiring), deductions (some too
 * large, some replayed under an idempotency key), voids, refunds, adjustments, clock moves, sweeps
 * and syncs, run against the engine on a real SQLite file and against a tiny in-memory model.
 * After every step: checkInvariants(), and every balance equals the model's.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GRANT_TYPES, type GrantType } from "../../db/schema";
import { closeDatabase } from "../../db/client";
import { testContext } from "../../test/db";
import { AppError } from "../utils/errors";
import {
  DEFAULT_PRIORITY,
  adjustCredits,
  checkInvariants,
  deductCredits,
  expireGrants,
  getBalance,
  grantCredits,
  refundGrantCredits,
  syncBalances,
  voidGrant,
  type DeductResult,
} from "./index.server";
import { newUser } from "./test-support";

const HOUR = 3_600_000;

type Op =
  | {
      kind: "grant";
      user: number;
      type: GrantType;
      amount: number;
      startsIn: number;
      lastsFor: number | null;
      priority: number | null;
    }
  | { kind: "deduct"; user: number; amount: number; key: string | null }
  | { kind: "void"; pick: number }
  | { kind: "refund"; pick: number; amount: number }
  | { kind: "adjust"; user: number; amount: number }
  | { kind: "advance"; ms: number }
  | { kind: "toBoundary"; offset: -1 | 0 }
  | { kind: "sweep" }
  | { kind: "sync" };

const user = fc.integer({ min: 0, max: 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("grant" as const),
      user,
      type: fc.constantFrom(...GRANT_TYPES),
      amount: fc.integer({ min: 1, max: 200 }),
      startsIn: fc.oneof(
        fc.constant(0),
        fc.integer({ min: 1, max: 72 }).map((h) => h * HOUR),
      ),
      lastsFor: fc.option(
        fc.oneof(
          fc.integer({ min: 1, max: 180 }).map((m) => m * 60_000),
          fc.integer({ min: 1, max: 240 }).map((h) => h * HOUR),
        ),
        { nil: null },
      ),
      priority: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null, freq: 3 }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("deduct" as const),
      user,
      amount: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 600 })),
      key: fc.option(fc.constantFrom("k1", "k2", "k3"), { nil: null, freq: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("void" as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("refund" as const),
      pick: fc.nat(),
      amount: fc.integer({ min: 1, max: 150 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("adjust" as const),
      user,
      amount: fc.integer({ min: -150, max: 150 }).filter((n) => n !== 0),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      ms: fc.oneof(
        fc.integer({ min: 1, max: 120 }).map((m) => m * 60_000),
        fc.integer({ min: 1, max: 96 }).map((h) => h * HOUR - 1),
      ),
    }),
  },
  // Jumps to (or 1 ms before) the next instant a grant starts or stops counting: the edges.
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("toBoundary" as const),
      offset: fc.constantFrom(-1 as const, 0 as const),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "sweep" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "sync" as const }) },
);

interface ModelGrant {
  id: number;
  userId: number;
  type: GrantType;
  remaining: number;
  priority: number;
  effectiveAt: number;
  expiresAt: number | null;
  status: "active" | "depleted" | "expired" | "voided";
}

class Model {
  grants: ModelGrant[] = [];
  keys = new Map<string, { amount: number; result: DeductResult }>();

  inEffect(g: ModelGrant, now: number): boolean {
    return g.status === "active" && g.effectiveAt <= now && (g.expiresAt === null || g.expiresAt > now);
  }
  burnDownOrder(userId: number, now: number): ModelGrant[] {
    return this.grants
      .filter((g) => g.userId === userId && this.inEffect(g, now))
      .sort(
        (a, b) =>
          a.priority - b.priority ||
          (a.expiresAt === null ? 1 : 0) - (b.expiresAt === null ? 1 : 0) ||
          (a.expiresAt ?? 0) - (b.expiresAt ?? 0) ||
          a.effectiveAt - b.effectiveAt ||
          a.id - b.id,
      );
  }
  spendable(userId: number, now: number): number {
    return this.burnDownOrder(userId, now).reduce((sum, g) => sum + g.remaining, 0);
  }
  cached(userId: number): number {
    return this.grants
      .filter((g) => g.userId === userId && g.status === "active")
      .reduce((sum, g) => sum + g.remaining, 0);
  }
  /** Greedy burn-down; null when short. */
  take(userId: number, amount: number, now: number): { grantId: number; amount: number }[] | null {
    if (this.spendable(userId, now) < amount) return null;
    const allocations = [];
    let left = amount;
    for (const g of this.burnDownOrder(userId, now)) {
      if (left === 0) break;
      const take = Math.min(left, g.remaining);
      g.remaining -= take;
      if (g.remaining === 0) g.status = "depleted";
      allocations.push({ grantId: g.id, amount: take });
      left -= take;
    }
    return allocations;
  }
  settleExpiry(g: ModelGrant, now: number): void {
    if (g.status === "active" && g.expiresAt !== null && g.expiresAt <= now) {
      g.status = "expired";
      g.remaining = 0;
    }
  }
}

function expectError(fn: () => unknown, code: string): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe(code);
    return e as AppError;
  }
  throw new Error(`expected ${code}`);
}

function run(ops: Op[]): void {
  const ctx = testContext();
  try {
    const users = [newUser(ctx), newUser(ctx)];
    const model = new Model();
    for (const op of ops) {
      const now = ctx.clock.now().getTime();
      switch (op.kind) {
        case "grant": {
          const userId = users[op.user];
          const effectiveAt = now + op.startsIn;
          const expiresAt = op.lastsFor === null ? null : effectiveAt + op.lastsFor;
          const r = grantCredits(ctx, {
            userId,
            type: op.type,
            amount: op.amount,
            source: "admin",
            effectiveAt: new Date(effectiveAt),
            expiresAt: expiresAt === null ? null : new Date(expiresAt),
            priority: op.priority ?? undefined,
          });
          model.grants.push({
            id: r.grant.id,
            userId,
            type: op.type,
            remaining: op.amount,
            priority: op.priority ?? DEFAULT_PRIORITY[op.type],
            effectiveAt,
            expiresAt,
            status: "active",
          });
          expect(r.balance).toBe(model.spendable(userId, now));
          expect(r.grant.status).toBe(op.startsIn > 0 ? "pending" : "active");
          break;
        }
        case "deduct": {
          const userId = users[op.user];
          const keyed = op.key === null ? undefined : model.keys.get(`${userId}:${op.key}`);
          const input = { userId, amount: op.amount, idempotencyKey: op.key };
          if (keyed && keyed.amount === op.amount) {
            expect(deductCredits(ctx, input)).toEqual({ ...keyed.result, replayed: true });
          } else if (keyed) {
            expectError(() => deductCredits(ctx, input), "idempotency_conflict");
          } else {
            const before = model.spendable(userId, now);
            const expected = model.take(userId, op.amount, now);
            if (expected === null) {
              const e = expectError(() => deductCredits(ctx, input), "insufficient_credits");
              expect(e.extra).toEqual({ balance: before, requested: op.amount });
            } else {
              const r = deductCredits(ctx, input);
              expect(r).toMatchObject({
                amount: op.amount,
                balance: before - op.amount,
                allocations: expected,
                replayed: false,
              });
              if (op.key !== null) model.keys.set(`${userId}:${op.key}`, { amount: op.amount, result: r });
            }
          }
          break;
        }
        case "void": {
          if (model.grants.length === 0) break;
          const g = model.grants[op.pick % model.grants.length];
          model.settleExpiry(g, now);
          const removed = g.status === "active" ? g.remaining : 0;
          if (g.status === "active") {
            g.status = "voided";
            g.remaining = 0;
          }
          const r = voidGrant(ctx, { grantId: g.id });
          expect(r).toMatchObject({
            removed,
            balance: model.spendable(g.userId, now),
            grant: { status: g.status, remaining: 0 },
          });
          break;
        }
        case "refund": {
          if (model.grants.length === 0) break;
          const g = model.grants[op.pick % model.grants.length];
          model.settleExpiry(g, now);
          const removed = g.status === "active" ? Math.min(op.amount, g.remaining) : 0;
          g.remaining -= removed;
          if (g.status === "active" && g.remaining === 0) g.status = "depleted";
          expect(refundGrantCredits(ctx, { grantId: g.id, amount: op.amount })).toEqual({
            removed,
            balance: model.spendable(g.userId, now),
            replayed: false,
          });
          break;
        }
        case "adjust": {
          const userId = users[op.user];
          if (op.amount > 0) {
            const r = adjustCredits(ctx, { userId, amount: op.amount, reason: "property" });
            model.grants.push({
              id: r.grantId!,
              userId,
              type: "promotional",
              remaining: op.amount,
              priority: 20,
              effectiveAt: now,
              expiresAt: null,
              status: "active",
            });
            expect(r.balance).toBe(model.spendable(userId, now));
          } else {
            const before = model.spendable(userId, now);
            const expected = model.take(userId, -op.amount, now);
            if (expected === null)
              expectError(
                () => adjustCredits(ctx, { userId, amount: op.amount, reason: "property" }),
                "insufficient_credits",
              );
            else {
              expect(adjustCredits(ctx, { userId, amount: op.amount, reason: "property" })).toMatchObject({
                balance: before + op.amount,
                allocations: expected,
              });
            }
          }
          break;
        }
        case "advance":
          ctx.clock.advance(op.ms);
          break;
        case "toBoundary": {
          const next = model.grants
            .filter((g) => g.status === "active")
            .flatMap((g) => [g.effectiveAt, g.expiresAt ?? Infinity])
            .filter((t) => t + op.offset > now)
            .sort((a, b) => a - b)[0];
          if (next !== undefined && next !== Infinity) ctx.clock.set(next + op.offset);
          break;
        }
        case "sweep": {
          const due = model.grants.filter((g) => g.status === "active" && g.expiresAt !== null && g.expiresAt <= now);
          const credits = due.reduce((sum, g) => sum + g.remaining, 0);
          for (const g of due) model.settleExpiry(g, now);
          expect(expireGrants(ctx, { batchSize: 3 })).toMatchObject({ expired: due.length, credits });
          break;
        }
        case "sync":
          expect(syncBalances(ctx)).toEqual({ checked: 2, drifted: [] });
          break;
      }

      checkInvariants(ctx.db, ctx.clock);
      const at = ctx.clock.now().getTime();
      for (const userId of users) {
        const view = getBalance(ctx, userId);
        const order = model.burnDownOrder(userId, at);
        expect(view.balance).toBe(model.spendable(userId, at));
        expect(view.grants.map((g) => [g.id, g.remaining])).toEqual(order.map((g) => [g.id, g.remaining]));
        const breakdown = { subscription: 0, topup: 0, promotional: 0 };
        for (const g of order) breakdown[g.type] += g.remaining;
        expect(view.breakdown).toEqual(breakdown);
        const cached = ctx.db.$client.prepare("select credit_balance from users where id = ?").pluck().get(userId);
        expect(cached).toBe(model.cached(userId));
      }
    }
  } finally {
    closeDatabase(ctx.db);
  }
}

describe("the credit engine against a model", () => {
  it("keeps every invariant and the model's balances through random sequences of operations", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 50 }), (ops) => run(ops)),
      { numRuns: 150 },
    );
  });
});
