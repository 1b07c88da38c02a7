import type { Env } from "../utils/env.server";
import { afterEach, describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { testContext } from "../../test/db";
import { createUser, updateUser } from "../auth/users.server";
import { getBalance, grantCredits } from "../credits/index.server";
import { MS_PER_DAY } from "../utils/clock";
import { getCustomerWarnings } from "./customer-warnings.server";

let ctx: ReturnType<typeof testContext> | undefined;
afterEach(() => {
  if (ctx) closeDatabase(ctx.db);
  ctx = undefined;
});

function setup() {
  ctx = testContext();
  ctx.clock.set("2026-05-01T00:00:00.000Z");
  const user = createUser(ctx, { email: `warn-${Math.random()}@example.com` }).id;
  const grant = (amount: number, days: number) =>
    grantCredits(ctx!, {
      userId: user,
      type: "promotional",
      source: "admin",
      amount,
      reason: "promo",
      actor: "test",
      expiresAt: new Date(ctx!.clock.now().getTime() + days * MS_PER_DAY),
    });
  const warnings = (env?: Partial<Env>) => {
    const withEnv = { ...ctx!, env };
    return getCustomerWarnings(withEnv, user, getBalance(ctx!, user));
  };
  return { user, grant, warnings };
}

describe("customer warnings", () => {
  it("warn about credits expiring within 7 days (amount, date, in N days) and not about those expiring in 30", () => {
    const { grant, warnings } = setup();
    grant(300, 3);
    grant(700, 30);
    grant(50, 2.5);
    expect(warnings().expiringSoon).toEqual([
      { amount: 50, type: "promotional", expiresAt: "2026-05-03T12:00:00.000Z", inDays: 3 },
      { amount: 300, type: "promotional", expiresAt: "2026-05-04T00:00:00.000Z", inDays: 3 },
    ]);
    // The same EXPIRING_SOON_DAYS as the credits.expiring_soon webhook: 30 days takes in the third grant.
    expect(warnings({ EXPIRING_SOON_DAYS: 30 }).expiringSoon.map((w) => w.amount)).toEqual([50, 300, 700]);
    expect(warnings({ EXPIRING_SOON_DAYS: 2 }).expiringSoon).toEqual([]);
  });

  it("show the low-balance notice below the customer's threshold, else the env default, and never at 0", () => {
    const { user, grant, warnings } = setup();
    grant(90, 30);
    expect(warnings().lowBalance).toEqual({ balance: 90, threshold: 100 });
    expect(warnings({ LOW_BALANCE_THRESHOLD: 50 }).lowBalance).toBeNull();
    updateUser(ctx!, { userId: user, changes: { lowBalanceThreshold: 500 }, actor: "test" });
    expect(warnings({ LOW_BALANCE_THRESHOLD: 50 }).lowBalance).toEqual({ balance: 90, threshold: 500 });
    updateUser(ctx!, { userId: user, changes: { lowBalanceThreshold: 0 }, actor: "test" });
    expect(warnings().lowBalance).toBeNull();
  });
});
