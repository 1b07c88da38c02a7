/**
 * Random sequences of grants (every type; some future-dated, some expiring), deductions (some too
 * large, some replayed under an idempotency key), voids, refunds, adjustments, holds, captures
 * (all or part, some too large), releases, clock moves (to grant and hold expiries too), sweeps
 * and syncs, run against the engine on a real SQLite file and against a tiny in-memory model.
 * After every step: checkInvariants() (holds included: I9–I11), and every balance and `held`
 * equals the model's — so no overdraft, and held credits are never spent by anything but their
 * capture.
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
  captureHold,
  checkInvariants,
  deductCredits,
  expireGrants,
  expireHolds,
  holdCredits,
  releaseHold,
  getBalance,
  grantCredits,
  refundGrantCredits,
  syncBalances,
  voidGrant,
  type DeductResult,
} from "./index.server";
import { newUser } from "./test-support";

const HOUR_MS = 3_600_000;

type Op =
  | {
      kind: "grant";
      user: number;
      type: GrantType;
      amount: number;
      startsInMs: number;
      lastsForMs: number | null;
      priority: number | null;
    }
  | { kind: "deduct"; user: number; amount: number; key: string | null }
  | { kind: "void"; pick: number }
  | { kind: "refund"; pick: number; amount: number }
  | { kind: "adjust"; user: number; amount: number }
  | { kind: "advance"; ms: number }
  | { kind: "toBoundary"; offset: -1 | 0 }
  | { kind: "sweep" }
  | { kind: "sync" }
  | { kind: "hold"; user: number; amount: number; seconds: number }
  | { kind: "capture"; pick: number; amount: number | null }
  | { kind: "release"; pick: number };

const user = fc.integer({ min: 0, max: 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("grant" as const),
      user,
      type: fc.constantFrom(...GRANT_TYPES),
      amount: fc.integer({ min: 1, max: 200 }),
      startsInMs: fc.oneof(
        fc.constant(0),
        fc.integer({ min: 1, max: 72 }).map((h) => h * HOUR_MS),
      ),
      lastsForMs: fc.option(
        fc.oneof(
          fc.integer({ min: 1, max: 180 }).map((m) => m * 60_000),
          fc.integer({ min: 1, max: 240 }).map((h) => h * HOUR_MS),
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
        fc.integer({ min: 1, max: 96 }).map((h) => h * HOUR_MS - 1),
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
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("hold" as const),
      user,
      amount: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 400 })),
      seconds: fc.constantFrom(60, 600, 3600, 86_400),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("capture" as const),
      pick: fc.nat(),
      amount: fc.option(fc.integer({ min: 1, max: 80 }), { nil: null }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("release" as const), pick: fc.nat() }) },
);

/** Holds in the thick of it: many holds, captures and releases between grants, deductions and short clock moves. */
const holdHeavyOpArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("grant" as const),
      user,
      type: fc.constantFrom(...GRANT_TYPES),
      amount: fc.integer({ min: 20, max: 200 }),
      startsInMs: fc.constant(0),
      lastsForMs: fc.option(
        fc.integer({ min: 1, max: 120 }).map((m) => m * 60_000),
        { nil: null },
      ),
      priority: fc.constant(null),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("deduct" as const),
      user,
      amount: fc.integer({ min: 1, max: 80 }),
      key: fc.constant(null),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("hold" as const),
      user,
      amount: fc.integer({ min: 1, max: 80 }),
      seconds: fc.constantFrom(60, 300, 1800, 86_400),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("capture" as const),
      pick: fc.nat(),
      amount: fc.option(fc.integer({ min: 1, max: 40 }), { nil: null }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("release" as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      ms: fc.integer({ min: 1, max: 40 }).map((n) => n * 30_000),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("toBoundary" as const),
      offset: fc.constantFrom(-1 as const, 0 as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("void" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: "sweep" as const }) },
);

interface ModelHold {
  id: number;
  userId: number;
  amount: number;
  parts: { grant: ModelGrant; amount: number }[];
  expiresAtMs: number;
  status: "held" | "captured" | "released" | "expired";
}

interface ModelGrant {
  id: number;
  userId: number;
  type: GrantType;
  remaining: number;
  priority: number;
  effectiveAtMs: number;
  expiresAtMs: number | null;
  status: "active" | "depleted" | "expired" | "voided";
}

class Model {
  grants: ModelGrant[] = [];
  holds: ModelHold[] = [];
  keys = new Map<string, { amount: number; result: DeductResult }>();

  /** What open holds reserve: a refund or void of a grant shrinks the parts it takes (decision 017). */
  held(userId: number, nowMs: number): number {
    return this.holds
      .filter((h) => h.userId === userId && h.status === "held" && h.expiresAtMs > nowMs)
      .reduce((sum, h) => sum + h.parts.reduce((s, p) => s + p.amount, 0), 0);
  }
  /** Takes up to `want` of a grant: what is left on it first, then open holds' parts, oldest hold first. */
  removeFrom(g: ModelGrant, want: number, nowMs: number): number {
    this.settleHolds(nowMs);
    const free = Math.min(want, g.remaining);
    g.remaining -= free;
    let removed = free;
    for (const h of this.holds) {
      if (h.status !== "held") continue;
      for (const p of h.parts) {
        if (p.grant !== g) continue;
        const take = Math.min(want - removed, p.amount);
        p.amount -= take;
        removed += take;
      }
    }
    return removed;
  }
  /** Held credits go back to their grant, unless it was voided or expired meanwhile (then they end). */
  giveBack(parts: { grant: ModelGrant; amount: number }[]): void {
    for (const p of parts) {
      if (p.amount === 0 || (p.grant.status !== "active" && p.grant.status !== "depleted")) continue;
      p.grant.remaining += p.amount;
      p.grant.status = "active";
    }
  }
  /** Holds past expiresAt stop reserving: what every engine write and read records first. */
  settleHolds(nowMs: number): void {
    for (const h of this.holds) {
      if (h.status === "held" && h.expiresAtMs <= nowMs) {
        h.status = "expired";
        this.giveBack(h.parts);
      }
    }
  }

  inEffect(g: ModelGrant, nowMs: number): boolean {
    return g.status === "active" && g.effectiveAtMs <= nowMs && (g.expiresAtMs === null || g.expiresAtMs > nowMs);
  }
  burnDownOrder(userId: number, nowMs: number): ModelGrant[] {
    return this.grants
      .filter((g) => g.userId === userId && this.inEffect(g, nowMs))
      .sort(
        (a, b) =>
          a.priority - b.priority ||
          (a.expiresAtMs === null ? 1 : 0) - (b.expiresAtMs === null ? 1 : 0) ||
          (a.expiresAtMs ?? 0) - (b.expiresAtMs ?? 0) ||
          a.effectiveAtMs - b.effectiveAtMs ||
          a.id - b.id,
      );
  }
  spendable(userId: number, nowMs: number): number {
    return this.burnDownOrder(userId, nowMs).reduce((sum, g) => sum + g.remaining, 0);
  }
  cached(userId: number): number {
    return this.grants
      .filter((g) => g.userId === userId && g.status === "active")
      .reduce((sum, g) => sum + g.remaining, 0);
  }
  /** Greedy burn-down; null when short. */
  take(userId: number, amount: number, nowMs: number): { grantId: number; amount: number }[] | null {
    return this.takeParts(userId, amount, nowMs)?.map((p) => ({ grantId: p.grant.id, amount: p.amount })) ?? null;
  }
  takeParts(userId: number, amount: number, nowMs: number): { grant: ModelGrant; amount: number }[] | null {
    if (this.spendable(userId, nowMs) < amount) return null;
    const allocations = [];
    let left = amount;
    for (const g of this.burnDownOrder(userId, nowMs)) {
      if (left === 0) break;
      const take = Math.min(left, g.remaining);
      g.remaining -= take;
      if (g.remaining === 0) g.status = "depleted";
      allocations.push({ grant: g, amount: take });
      left -= take;
    }
    return allocations;
  }
  settleExpiry(g: ModelGrant, nowMs: number): void {
    if (g.status === "active" && g.expiresAtMs !== null && g.expiresAtMs <= nowMs) {
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
      const nowMs = ctx.clock.now().getTime();
      switch (op.kind) {
        case "grant": {
          const userId = users[op.user];
          const effectiveAtMs = nowMs + op.startsInMs;
          const expiresAtMs = op.lastsForMs === null ? null : effectiveAtMs + op.lastsForMs;
          const r = grantCredits(ctx, {
            userId,
            type: op.type,
            amount: op.amount,
            source: "admin",
            effectiveAt: new Date(effectiveAtMs),
            expiresAt: expiresAtMs === null ? null : new Date(expiresAtMs),
            priority: op.priority ?? undefined,
          });
          model.grants.push({
            id: r.grant.id,
            userId,
            type: op.type,
            remaining: op.amount,
            priority: op.priority ?? DEFAULT_PRIORITY[op.type],
            effectiveAtMs,
            expiresAtMs,
            status: "active",
          });
          expect(r.balance).toBe(model.spendable(userId, nowMs));
          expect(r.grant.status).toBe(op.startsInMs > 0 ? "pending" : "active");
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
            const before = model.spendable(userId, nowMs);
            const expected = model.take(userId, op.amount, nowMs);
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
          model.settleHolds(nowMs);
          model.settleExpiry(g, nowMs);
          const removed = g.status === "voided" ? 0 : model.removeFrom(g, Number.MAX_SAFE_INTEGER, nowMs);
          if (removed > 0 && g.status !== "expired") g.status = "voided";
          const r = voidGrant(ctx, { grantId: g.id });
          expect(r).toMatchObject({
            removed,
            balance: model.spendable(g.userId, nowMs),
            grant: { status: g.status, remaining: 0 },
          });
          break;
        }
        case "refund": {
          if (model.grants.length === 0) break;
          const g = model.grants[op.pick % model.grants.length];
          model.settleHolds(nowMs);
          model.settleExpiry(g, nowMs);
          const removed = g.status === "voided" ? 0 : model.removeFrom(g, op.amount, nowMs);
          if (g.status === "active" && g.remaining === 0) g.status = "depleted";
          expect(refundGrantCredits(ctx, { grantId: g.id, amount: op.amount })).toEqual({
            removed,
            balance: model.spendable(g.userId, nowMs),
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
              effectiveAtMs: nowMs,
              expiresAtMs: null,
              status: "active",
            });
            expect(r.balance).toBe(model.spendable(userId, nowMs));
          } else {
            const before = model.spendable(userId, nowMs);
            const expected = model.take(userId, -op.amount, nowMs);
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
            .flatMap((g) => [g.effectiveAtMs, g.expiresAtMs ?? Infinity])
            .concat(model.holds.filter((h) => h.status === "held").map((h) => h.expiresAtMs))
            .filter((atMs) => atMs + op.offset > nowMs)
            .sort((a, b) => a - b)[0];
          if (next !== undefined && next !== Infinity) ctx.clock.set(next + op.offset);
          break;
        }
        case "sweep": {
          const due = model.grants.filter(
            (g) => g.status === "active" && g.expiresAtMs !== null && g.expiresAtMs <= nowMs,
          );
          const credits = due.reduce((sum, g) => sum + g.remaining, 0);
          for (const g of due) model.settleExpiry(g, nowMs);
          expect(expireHolds(ctx)).toBe(0); // the last step's balance reads recorded every lapsed hold
          expect(expireGrants(ctx, { batchSize: 3 })).toMatchObject({ expired: due.length, credits });
          break;
        }
        case "sync":
          expect(syncBalances(ctx)).toEqual({ checked: 2, drifted: [] });
          break;
        case "hold": {
          const userId = users[op.user];
          const before = model.spendable(userId, nowMs);
          const parts = model.takeParts(userId, op.amount, nowMs);
          const input = { userId, amount: op.amount, expiresInSeconds: op.seconds };
          if (parts === null) {
            const e = expectError(() => holdCredits(ctx, input), "insufficient_credits");
            expect(e.extra).toEqual({ balance: before, requested: op.amount });
            break;
          }
          const r = holdCredits(ctx, input);
          const expiresAtMs = nowMs + op.seconds * 1000;
          model.holds.push({ id: r.hold.id, userId, amount: op.amount, parts, expiresAtMs, status: "held" });
          expect(r).toMatchObject({ balance: before - op.amount, held: model.held(userId, nowMs) });
          expect(r.hold).toMatchObject({
            status: "held",
            amount: op.amount,
            expiresAt: new Date(expiresAtMs).toISOString(),
          });
          break;
        }
        case "capture": {
          if (model.holds.length === 0) break;
          const h = model.holds[op.pick % model.holds.length];
          const input = { holdId: h.id, amount: op.amount };
          if (h.status !== "held" || h.expiresAtMs <= nowMs) {
            expectError(() => captureHold(ctx, input), "conflict");
            break;
          }
          const reserved = h.parts.reduce((sum, p) => sum + p.amount, 0);
          if (reserved === 0) {
            expectError(() => captureHold(ctx, input), "conflict");
            break;
          }
          const amount = op.amount ?? reserved;
          if (amount > reserved) {
            expectError(() => captureHold(ctx, input), "invalid_request");
            break;
          }
          const captured: { grantId: number; amount: number }[] = [];
          const rest: { grant: ModelGrant; amount: number }[] = [];
          let left = amount;
          for (const p of h.parts) {
            const take = Math.min(left, p.amount);
            if (take > 0) captured.push({ grantId: p.grant.id, amount: take });
            rest.push({ grant: p.grant, amount: p.amount - take });
            left -= take;
          }
          h.status = "captured";
          model.giveBack(rest);
          const r = captureHold(ctx, input);
          expect(r.deduction).toEqual({
            id: r.deduction.id,
            amount,
            balance: model.spendable(h.userId, nowMs),
            allocations: captured,
            metadata: null,
          });
          expect(r.hold).toMatchObject({ status: "captured", capturedAmount: amount });
          expect(r.held).toBe(model.held(h.userId, nowMs));
          break;
        }
        case "release": {
          if (model.holds.length === 0) break;
          const h = model.holds[op.pick % model.holds.length];
          if (h.status !== "held" || h.expiresAtMs <= nowMs) {
            expectError(() => releaseHold(ctx, { holdId: h.id }), "conflict");
            break;
          }
          h.status = "released";
          model.giveBack(h.parts);
          expect(releaseHold(ctx, { holdId: h.id })).toMatchObject({
            hold: { status: "released" },
            balance: model.spendable(h.userId, nowMs),
            held: model.held(h.userId, nowMs),
          });
          break;
        }
      }
      // Every engine write and balance read records lapsed holds first; the model does it here.
      model.settleHolds(ctx.clock.now().getTime());

      checkInvariants(ctx);
      const atMs = ctx.clock.now().getTime();
      for (const userId of users) {
        const view = getBalance(ctx, userId);
        const order = model.burnDownOrder(userId, atMs);
        expect(view.balance).toBe(model.spendable(userId, atMs));
        expect(view.held).toBe(model.held(userId, atMs));
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

  it("holds, captures, releases and expiries never overdraw and never let others spend held credits", () => {
    fc.assert(
      fc.property(fc.array(holdHeavyOpArb, { minLength: 20, maxLength: 60 }), (ops) => run(ops)),
      { numRuns: 60 },
    );
  });
});
