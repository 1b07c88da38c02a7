import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { grantCredits } from "../../credits/index.server";
import { createHarness, type ApiHarness } from "../../routes/__tests__/api-harness";
import { BALANCE_GRANT_LIMIT } from "./endpoints.server";

// GET /balance stays small however many grants a user holds: the first 100 in burn-down order,
// and grantCount for all of them (docs/api.md).

let api: ApiHarness;
beforeEach(() => {
  api = createHarness();
});
afterEach(() => api.close());

describe("GET /api/v1/users/:userId/balance with many grants", () => {
  it("lists the first 100 grants in burn-down order and counts them all in grantCount", async () => {
    const userId = api.makeUser().id;
    const nowMs = api.ctx.clock.now().getTime();
    const total = BALANCE_GRANT_LIMIT + 30;
    // Created latest-expiry first, so burn-down order is the reverse of creation order.
    for (let i = 0; i < total; i++) {
      grantCredits(api.ctx, {
        userId,
        type: "subscription",
        amount: 2,
        source: "admin",
        expiresAt: new Date(nowMs + (total - i) * 60_000),
      });
    }
    const res = await api.get(`/api/v1/users/${userId}/balance`, { key: api.keys.usage });
    expect(res.status, res.text).toBe(200);
    expect(BALANCE_GRANT_LIMIT).toBe(100);
    expect(res.body).toMatchObject({ userId, balance: 2 * total, grantCount: total });
    expect(res.body.breakdown).toEqual({ subscription: 2 * total, topup: 0, promotional: 0 });
    expect(res.body.nextExpiry).toEqual({ amount: 2, expiresAt: new Date(nowMs + 60_000).toISOString() });
    const expiries: string[] = res.body.grants.map((g: { expiresAt: string }) => g.expiresAt);
    expect(expiries).toHaveLength(100);
    expect(expiries).toEqual([...expiries].sort());
    expect(expiries[0]).toBe(new Date(nowMs + 60_000).toISOString());
  });
});
