import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApiKey } from "../../auth/api-keys.server";
import { resetRateLimits } from "../../auth/rate-limit.server";
import { createHarness, type ApiHarness } from "./api-harness";

// What an integrator met (issue 24), in-process: per-key rate limits on the test clock, hold
// conflicts as documented, date-only instants refused, turning auto top-up off the first time.
// Every answer here is also checked against the OpenAPI document by the harness.

let api: ApiHarness;
beforeEach(() => {
  resetRateLimits();
  api = createHarness();
});
afterEach(() => api.close());

describe("rate limits per API key", () => {
  it("answers 429 rate_limited with Retry-After and RateLimit-* past a key's requests per second, and lets it through again a second later", async () => {
    const userId = api.makeUser().id;
    const limited = createApiKey(api.ctx, { name: "meter", scope: "usage", rateLimitPerSecond: 3 }).key;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await api.get(`/api/v1/users/${userId}`, { key: limited })).status);
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await api.post(`/api/v1/users/${userId}/deductions`, { amount: 1 }, { key: limited });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.headers.get("ratelimit-limit")).toBe("3");
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    expect(refused.headers.get("ratelimit-reset")).toBe("1");
    expect(api.counts().ledger).toBe(0); // refused before the body was read: nothing written
    api.ctx.clock.advance(340); // a third of a second refills one request of three
    expect((await api.get(`/api/v1/users/${userId}`, { key: limited })).status).toBe(200);
    expect((await api.get(`/api/v1/users/${userId}`, { key: limited })).status).toBe(429);
    api.ctx.clock.advance(1000);
    for (let i = 0; i < 3; i++) expect((await api.get(`/api/v1/users/${userId}`, { key: limited })).status).toBe(200);
  });

  it("never limits a key without a limit, nor another key because one is limited", async () => {
    const userId = api.makeUser().id;
    const limited = createApiKey(api.ctx, { name: "meter", scope: "usage", rateLimitPerSecond: 1 }).key;
    expect((await api.get(`/api/v1/users/${userId}`, { key: limited })).status).toBe(200);
    expect((await api.get(`/api/v1/users/${userId}`, { key: limited })).status).toBe(429);
    const statuses = new Set<number>();
    for (let i = 0; i < 200; i++)
      statuses.add((await api.get(`/api/v1/users/${userId}`, { key: api.keys.usage })).status);
    expect([...statuses]).toEqual([200]);
  });

  it("refuses a limit that is not a whole number from 1 to 100,000", () => {
    for (const bad of [0, -1, 1.5, 100_001, Number.NaN]) {
      expect(() => createApiKey(api.ctx, { name: "x", scope: "usage", rateLimitPerSecond: bad }), String(bad)).toThrow(
        /rate limit/,
      );
    }
  });
});

describe("the spec's constraints, as the server keeps them", () => {
  it("refuses a date-only expiresAt or effectiveAt (the document says date-time) and writes nothing", async () => {
    const userId = api.makeUser().id;
    const before = api.counts();
    for (const field of ["expiresAt", "effectiveAt"]) {
      const res = await api.post(`/api/v1/users/${userId}/grants`, { amount: 5, type: "topup", [field]: "2026-06-01" });
      expect(res.status, res.text).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
    expect(api.counts()).toEqual(before);
  });

  it("answers a capture or release of a hold that is no longer held with 409 conflict and the hold's status", async () => {
    const userId = api.makeUser().id;
    await api.post(`/api/v1/users/${userId}/grants`, { amount: 50, type: "topup" });
    const { hold } = (await api.post(`/api/v1/users/${userId}/holds`, { amount: 10, metadata: { run: 7 } })).body;
    expect(hold.metadata).toEqual({ run: 7 });
    expect((await api.post(`/api/v1/holds/${hold.id}/release`)).status).toBe(200);
    const again = await api.post(`/api/v1/holds/${hold.id}/capture`);
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: { code: "conflict", message: expect.any(String) }, status: "released" });
    expect((await api.get(`/api/v1/holds/${hold.id}`)).body.hold.metadata).toEqual({ run: 7 });
  });
});

describe("auto top-up", () => {
  it("turns off for a customer who never set it, without asking for a pack or numbers", async () => {
    const userId = api.makeUser().id;
    const res = await api.call("PATCH", `/api/v1/users/${userId}/auto-topup`, { body: { enabled: false } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ userId, enabled: false, topupPlanId: null, threshold: null });
    // Turning it ON the first time still needs all three numbers.
    const on = await api.call("PATCH", `/api/v1/users/${userId}/auto-topup`, { body: { enabled: true } });
    expect(on.status).toBe(400);
    expect(on.body.error.field).toBe("topupPlanId");
  });
});
