// The SDK against the production server: typed calls, idempotent retries, pagination to the end,
// typed errors, and webhook verification with the standardwebhooks package (both secrets of a rotation).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProductionServer, type ProductionServer } from "../../../test/production-server";
import { Webhook } from "standardwebhooks";
import { createCreditsClient, CreditsApiError, idempotencyKey, paginate, verifyWebhook, type CreditsClient } from ".";

let server: ProductionServer;
let credits: CreditsClient;
beforeAll(async () => {
  server = await startProductionServer();
  credits = createCreditsClient({ baseUrl: server.base, apiKey: server.keys.admin });
}, 300_000);
afterAll(async () => {
  await server?.close();
});

describe("@credit-billing/client", () => {
  it("creates a user, grants, deducts once under one idempotency key, and reads the metadata back", async () => {
    const created = await credits.POST("/api/v1/users", {
      body: { email: `sdk-${Date.now()}@example.com`, externalId: `sdk_${Date.now()}` },
    });
    expect(created.response.status).toBe(201);
    const userId = String(created.data!.id);
    const grant = await credits.POST("/api/v1/users/{userId}/grants", {
      params: { path: { userId } },
      body: { amount: 100, type: "topup", metadata: { order: "o-1" } },
    });
    expect(grant.data?.metadata).toEqual({ order: "o-1" });
    const key = idempotencyKey("job-");
    const deduct = () =>
      credits.POST("/api/v1/users/{userId}/deductions", {
        params: { path: { userId }, header: { "Idempotency-Key": key } },
        body: { amount: 30, reason: "render", metadata: { job: "r-1" } },
      });
    const first = await deduct();
    const retry = await deduct();
    expect(first.data).toMatchObject({ amount: 30, balance: 70, metadata: { job: "r-1" } });
    expect(retry.data).toEqual(first.data);
    expect(retry.response.headers.get("idempotent-replayed")).toBe("true");
    const balance = await credits.GET("/api/v1/users/{userId}/balance", { params: { path: { userId } } });
    expect(balance.data?.balance).toBe(70);
  });

  it("pages a ledger to the end without repeats", async () => {
    const user = await credits.POST("/api/v1/users", { body: { email: `sdk-page-${Date.now()}@example.com` } });
    const userId = String(user.data!.id);
    await credits.POST("/api/v1/users/{userId}/grants", {
      params: { path: { userId } },
      body: { amount: 50, type: "topup" },
    });
    for (let i = 0; i < 7; i++) {
      await credits.POST("/api/v1/users/{userId}/deductions", { params: { path: { userId } }, body: { amount: 1 } });
    }
    const ids: number[] = [];
    for await (const entry of paginate((cursor) =>
      credits.GET("/api/v1/users/{userId}/ledger", { params: { path: { userId }, query: { limit: 3, cursor } } }),
    )) {
      ids.push(entry.id);
    }
    expect(ids).toHaveLength(8);
    expect(new Set(ids).size).toBe(8);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids); // newest first
  });

  it("gives error answers typed, and paginate throws them as CreditsApiError", async () => {
    const missing = await credits.GET("/api/v1/users/{userId}", { params: { path: { userId: "999999" } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.error.code).toBe("not_found");
    const pages = paginate((cursor) =>
      credits.GET("/api/v1/users/{userId}/ledger", { params: { path: { userId: "999999" }, query: { cursor } } }),
    );
    await expect(pages.next()).rejects.toMatchObject({ name: "CreditsApiError", status: 404, code: "not_found" });
    expect(new CreditsApiError(429, { error: { code: "rate_limited", message: "slow" } }).code).toBe("rate_limited");
  });

  it("verifies a Standard Webhooks signature with either secret of a rotation, and refuses a forgery", () => {
    const oldSecret = `whsec_${Buffer.from("old-secret-0123456789abcdef").toString("base64")}`;
    const newSecret = `whsec_${Buffer.from("new-secret-0123456789abcdef").toString("base64")}`;
    const body = JSON.stringify({
      id: "evt_1",
      type: "balance.depleted",
      createdAt: "2026-05-01T12:00:00.000Z",
      data: { userId: 1, externalId: null, balance: 0 },
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const at = new Date(timestamp * 1000);
    const signature = [new Webhook(oldSecret).sign("evt_1", at, body), new Webhook(newSecret).sign("evt_1", at, body)];
    const headers = {
      "webhook-id": "evt_1",
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signature.join(" "),
    };
    expect(verifyWebhook(oldSecret, body, headers).type).toBe("balance.depleted");
    expect(verifyWebhook(newSecret, body, new Headers(headers)).type).toBe("balance.depleted");
    expect(() => verifyWebhook(newSecret, body.replace('"balance":0', '"balance":1'), headers)).toThrow();
    const other = `whsec_${Buffer.from("someone-else-0123456789").toString("base64")}`;
    expect(() => verifyWebhook(other, body, headers)).toThrow();
  });
});
