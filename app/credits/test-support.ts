/** Test helpers for the credit engine's tests (real SQLite files, a manual clock). */
import { afterEach, beforeEach, expect } from "vitest";
import { closeDatabase } from "../../db/client";
import { testContext } from "../../test/db";
import { createUser } from "../auth/users.server";
import { AppError } from "../utils/errors";
import type { GrantSource, GrantType } from "../../db/schema";
import { grantCredits, type GrantCreditsInput, type GrantResult } from "./index.server";
import { checkInvariants } from "./invariants.server";

export type TestCtx = ReturnType<typeof testContext>;

let emails = 0;

export function newUser(ctx: TestCtx): number {
  return createUser(ctx, { email: `user${++emails}-${process.pid}@example.com` }).id;
}

/**
 * A fresh database and clock per test; after each test the ledger invariants must hold.
 * Returns a getter because the context is created in beforeEach.
 */
export function useCreditsDb(): () => TestCtx {
  let ctx: TestCtx | undefined;
  beforeEach(() => {
    ctx = testContext();
  });
  afterEach(() => {
    if (!ctx) return;
    try {
      checkInvariants(ctx);
    } finally {
      closeDatabase(ctx.db);
      ctx = undefined;
    }
  });
  return () => ctx!;
}

/** Row counts of the tables a credit write touches: equal before/after = nothing written. */
export function writeCounts(ctx: TestCtx): Record<string, number> {
  const sqlite = ctx.db.$client;
  const count = (table: string) => sqlite.prepare(`select count(*) from ${table}`).pluck().get() as number;
  const sum = (sql: string) => sqlite.prepare(sql).pluck().get() as number;
  return {
    grants: count("credit_grants"),
    ledger: count("credit_ledger"),
    allocations: count("ledger_allocations"),
    remaining: sum("select coalesce(sum(remaining), 0) from credit_grants"),
    cached: sum("select coalesce(sum(credit_balance), 0) from users"),
  };
}

export function cachedBalance(ctx: TestCtx, userId: number): number {
  return ctx.db.$client.prepare("select credit_balance from users where id = ?").pluck().get(userId) as number;
}

/** The sum of every ledger entry of a user: the balance plus what holds reserve, once expiries are swept. */
export function ledgerSum(ctx: TestCtx, userId: number): number {
  return ctx.db.$client
    .prepare("select coalesce(sum(amount), 0) from credit_ledger where user_id = ?")
    .pluck()
    .get(userId) as number;
}

/** Runs fn, expects an AppError with `code` (and `field`, when given), and returns it. */
export function expectAppError(fn: () => unknown, code: string, field?: string): AppError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected AppError ${code}`).toBeInstanceOf(AppError);
  const e = caught as AppError;
  expect({ code: e.code, field: field === undefined ? undefined : e.field }).toEqual({ code, field });
  return e;
}

export const DAY_MS = 86_400_000;

const USUAL_SOURCE: Record<GrantType, GrantSource> = {
  subscription: "subscription",
  topup: "topup",
  promotional: "admin",
};

/** grantCredits with the usual source for the type; `extra` adds or overrides fields. */
export function grant(
  ctx: TestCtx,
  userId: number,
  type: GrantType,
  amount: number,
  extra: Partial<GrantCreditsInput> = {},
): GrantResult {
  return grantCredits(ctx, { userId, type, amount, source: USUAL_SOURCE[type], ...extra });
}
