import { afterEach, describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { testContext } from "../../test/db";
import { createUser } from "../../app/auth/users.server";
import { deductCredits, grantCredits } from "../../app/credits/index.server";
import { rawDeducter } from "./raw-sql.mjs";

// The benchmark's raw-SQL baseline must do the same writes as the engine, or the comparison means
// nothing: same grants touched in the same order, same balances, one ledger entry per deduction.

const contexts: ReturnType<typeof testContext>[] = [];
afterEach(() => contexts.splice(0).forEach((c) => closeDatabase(c.db)));

function userWithGrants() {
  const ctx = testContext();
  contexts.push(ctx);
  ctx.clock.set(Date.now()); // the raw baseline reads the system clock
  const userId = createUser(ctx, { email: "bench@example.com" }).id;
  const inAMonth = new Date(ctx.clock.now().getTime() + 30 * 86_400_000);
  grantCredits(ctx, { userId, type: "topup", amount: 20, source: "admin" });
  grantCredits(ctx, { userId, type: "promotional", amount: 10, source: "admin" });
  grantCredits(ctx, { userId, type: "subscription", amount: 5, expiresAt: inAMonth, source: "admin" });
  grantCredits(ctx, { userId, type: "promotional", amount: 50, effectiveAt: inAMonth, source: "admin" });
  return { ctx, userId };
}

function state(ctx: ReturnType<typeof testContext>) {
  const q = (sql: string) => ctx.db.$client.prepare(sql).all();
  return {
    grants: q("select id, remaining, status from credit_grants order by id"),
    users: q("select id, credit_balance from users"),
    ledger: q("select type, amount, balance_after from credit_ledger where type = 'deduction' order by id"),
  };
}

describe("the benchmark's raw-SQL deduction", () => {
  it("takes the same credits from the same grants as deductCredits", () => {
    const engine = userWithGrants();
    const raw = userWithGrants();
    const rawDeduct = rawDeducter(raw.ctx.db.$client);
    for (const amount of [3, 4, 7, 9, 6]) {
      const a = deductCredits(engine.ctx, { userId: engine.userId, amount });
      const b = rawDeduct(raw.userId, amount);
      expect(b.allocations).toEqual(a.allocations);
      expect(b.balance).toBe(a.balance);
    }
    expect(state(raw.ctx)).toEqual(state(engine.ctx));
  });

  it("refuses to overdraw, writing nothing", () => {
    const raw = userWithGrants();
    const before = state(raw.ctx);
    expect(() => rawDeducter(raw.ctx.db.$client)(raw.userId, 36)).toThrow(/insufficient/);
    expect(state(raw.ctx)).toEqual(before);
  });
});
