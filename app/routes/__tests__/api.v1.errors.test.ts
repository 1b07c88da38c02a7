import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revokeApiKey, createApiKey } from "../../auth/api-keys.server";
import { grantCredits } from "../../credits/index.server";
import { createHarness, type ApiHarness, type CallOptions } from "./api-harness";

// Every error answer of the v1 API: the status, the stable code (and field), and that nothing
// was written. One harness (database) for the file: each case checks row counts around itself.

let api: ApiHarness;
let userId: number;
let grantId: number;
const FUTURE = "2026-06-01T00:00:00.000Z"; // the test clock starts at 2026-01-01
const PAST = "2025-12-01T00:00:00.000Z";

beforeAll(() => {
  api = createHarness();
  userId = api.makeUser("owner@example.com").id;
  grantId = grantCredits(api.ctx, { userId, type: "promotional", amount: 10, source: "admin" }).grant.id;
});
afterAll(() => api.close());

interface Case extends CallOptions {
  name: string;
  method?: string;
  path: () => string;
  status: number;
  code: string;
  field?: string;
}

const users = "/api/v1/users";
const grants = () => `/api/v1/users/${userId}/grants`;
const deductions = () => `/api/v1/users/${userId}/deductions`;
const voidPath = () => `/api/v1/grants/${grantId}/void`;
const ONE_MIB = 1024 * 1024;
/** 100,000 nested arrays: a valid JSON value of 200 kB. */
const DEEP = "[".repeat(100_000) + "]".repeat(100_000);

const cases: Case[] = [
  // POST /users
  {
    name: "POST /users with malformed JSON",
    path: () => users,
    body: '{"email":',
    status: 400,
    code: "invalid_request",
  },
  {
    name: "POST /users without an email",
    path: () => users,
    body: { name: "x" },
    status: 400,
    code: "invalid_request",
    field: "email",
  },
  {
    name: "POST /users with a numeric email",
    path: () => users,
    body: { email: 5 },
    status: 400,
    code: "invalid_request",
    field: "email",
  },
  {
    name: "POST /users with an invalid email",
    path: () => users,
    body: { email: "not-an-email" },
    status: 400,
    code: "invalid_request",
    field: "email",
  },
  {
    name: "POST /users with a numeric name",
    path: () => users,
    body: { email: "n@example.com", name: 7 },
    status: 400,
    code: "invalid_request",
    field: "name",
  },
  { name: "POST /users with a JSON array", path: () => users, body: "[]", status: 400, code: "invalid_request" },
  {
    name: "POST /users with a taken email (any case)",
    path: () => users,
    body: { email: "OWNER@example.com" },
    status: 409,
    code: "conflict",
    field: "email",
  },
  {
    name: "POST /users as a form",
    path: () => users,
    body: "email=a%40b.c",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "POST /users as text/plain",
    path: () => users,
    body: '{"email":"t@example.com"}',
    headers: { "content-type": "text/plain" },
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "POST /users over 1 MiB",
    path: () => users,
    body: JSON.stringify({ email: "big@example.com", name: "x".repeat(ONE_MIB) }),
    status: 413,
    code: "payload_too_large",
  },
  // POST /users/:id/grants
  {
    name: "a grant without an amount",
    path: grants,
    body: { type: "topup" },
    status: 400,
    code: "invalid_request",
    field: "amount",
  },
  {
    name: "a grant with a string amount",
    path: grants,
    body: { amount: "10", type: "topup" },
    status: 400,
    code: "invalid_request",
    field: "amount",
  },
  {
    name: "a grant with a fractional amount",
    path: grants,
    body: { amount: 1.5, type: "topup" },
    status: 400,
    code: "invalid_request",
    field: "amount",
  },
  {
    name: "a grant of 0",
    path: grants,
    body: { amount: 0, type: "topup" },
    status: 400,
    code: "invalid_request",
    field: "amount",
  },
  {
    name: "a negative grant",
    path: grants,
    body: { amount: -5, type: "topup" },
    status: 400,
    code: "invalid_request",
    field: "amount",
  },
  {
    name: "a grant above 1,000,000,000,000",
    path: grants,
    body: { amount: 1e12 + 1, type: "topup" },
    status: 400,
    code: "invalid_request",
    field: "amount",
  },
  {
    name: "a grant of an unknown type",
    path: grants,
    body: { amount: 5, type: "gift" },
    status: 400,
    code: "invalid_request",
    field: "type",
  },
  {
    name: "a grant without a type",
    path: grants,
    body: { amount: 5 },
    status: 400,
    code: "invalid_request",
    field: "type",
  },
  {
    name: "a grant with priority -1",
    path: grants,
    body: { amount: 5, type: "topup", priority: -1 },
    status: 400,
    code: "invalid_request",
    field: "priority",
  },
  {
    name: "a grant with priority 101",
    path: grants,
    body: { amount: 5, type: "topup", priority: 101 },
    status: 400,
    code: "invalid_request",
    field: "priority",
  },
  {
    name: "a grant with priority 1.5",
    path: grants,
    body: { amount: 5, type: "topup", priority: 1.5 },
    status: 400,
    code: "invalid_request",
    field: "priority",
  },
  {
    name: "a grant expiring in the past",
    path: grants,
    body: { amount: 5, type: "topup", expiresAt: PAST },
    status: 400,
    code: "invalid_request",
    field: "expiresAt",
  },
  {
    name: "a grant expiring before it takes effect",
    path: grants,
    body: { amount: 5, type: "topup", effectiveAt: "2026-07-01T00:00:00Z", expiresAt: FUTURE },
    status: 400,
    code: "invalid_request",
    field: "expiresAt",
  },
  {
    name: "a grant expiring when it takes effect",
    path: grants,
    body: { amount: 5, type: "topup", effectiveAt: FUTURE, expiresAt: FUTURE },
    status: 400,
    code: "invalid_request",
    field: "expiresAt",
  },
  {
    name: "a grant with a date that is not ISO-8601",
    path: grants,
    body: { amount: 5, type: "topup", expiresAt: "next week" },
    status: 400,
    code: "invalid_request",
    field: "expiresAt",
  },
  {
    name: "a grant with a numeric effectiveAt",
    path: grants,
    body: { amount: 5, type: "topup", effectiveAt: 1767225600000 },
    status: 400,
    code: "invalid_request",
    field: "effectiveAt",
  },
  {
    name: "a grant with a reason over 1,000 characters",
    path: grants,
    body: { amount: 5, type: "topup", reason: "r".repeat(1001) },
    status: 400,
    code: "invalid_request",
    field: "reason",
  },
  {
    name: "a grant for an unknown user",
    path: () => "/api/v1/users/999999/grants",
    body: { amount: 5, type: "topup" },
    status: 404,
    code: "not_found",
  },
  {
    name: "a grant for a non-numeric user id",
    path: () => "/api/v1/users/abc/grants",
    body: { amount: 5, type: "topup" },
    status: 404,
    code: "not_found",
  },
  {
    name: "a grant sent as text/plain",
    path: grants,
    body: '{"amount":5,"type":"topup"}',
    headers: { "content-type": "text/plain" },
    status: 415,
    code: "unsupported_media_type",
  },
  { name: "a grant with malformed JSON", path: grants, body: '{"amount":5,', status: 400, code: "invalid_request" },
  // POST /users/:id/deductions
  {
    name: "a deduction of 0",
    path: deductions,
    body: { amount: 0 },
    status: 400,
    code: "invalid_request",
    field: "amount",
  },
  {
    name: "a negative deduction",
    path: deductions,
    body: { amount: -1 },
    status: 400,
    code: "invalid_request",
    field: "amount",
  },
  {
    name: "a fractional deduction",
    path: deductions,
    body: { amount: 0.5 },
    status: 400,
    code: "invalid_request",
    field: "amount",
  },
  {
    name: "a deduction above 1,000,000,000,000",
    path: deductions,
    body: { amount: 1e13 },
    status: 400,
    code: "invalid_request",
    field: "amount",
  },
  {
    name: "a deduction without an amount",
    path: deductions,
    body: {},
    status: 400,
    code: "invalid_request",
    field: "amount",
  },
  { name: "a deduction with no body at all", path: deductions, status: 400, code: "invalid_request", field: "amount" },
  {
    name: "a deduction with a string amount",
    path: deductions,
    body: { amount: "1" },
    status: 400,
    code: "invalid_request",
    field: "amount",
  },
  {
    name: "a deduction with a null amount",
    path: deductions,
    body: { amount: null },
    status: 400,
    code: "invalid_request",
    field: "amount",
  },
  {
    name: "a deduction with array metadata",
    path: deductions,
    body: { amount: 1, metadata: [1] },
    status: 400,
    code: "invalid_request",
    field: "metadata",
  },
  {
    name: "a deduction with a numeric reason",
    path: deductions,
    body: { amount: 1, reason: 5 },
    status: 400,
    code: "invalid_request",
    field: "reason",
  },
  {
    name: "a deduction larger than the balance",
    path: deductions,
    body: { amount: 11 },
    status: 402,
    code: "insufficient_credits",
  },
  {
    name: "a deduction for an unknown user",
    path: () => "/api/v1/users/999999/deductions",
    body: { amount: 1 },
    status: 404,
    code: "not_found",
  },
  {
    name: "a deduction for user id 0",
    path: () => "/api/v1/users/0/deductions",
    body: { amount: 1 },
    status: 404,
    code: "not_found",
  },
  {
    name: "a deduction sent as a form",
    path: deductions,
    body: "amount=1",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "a deduction over 1 MiB",
    path: deductions,
    body: JSON.stringify({ amount: 1, metadata: { pad: "x".repeat(ONE_MIB) } }),
    status: 413,
    code: "payload_too_large",
  },
  {
    name: "a deduction with an Idempotency-Key over 255 characters",
    path: deductions,
    body: { amount: 1 },
    idempotencyKey: "k".repeat(256),
    status: 400,
    code: "invalid_request",
    field: "Idempotency-Key",
  },
  // Nesting deep enough to overflow a recursive walk (the idempotency hash) must be bad input, not a 500.
  {
    name: "a deduction with deeply nested metadata and an Idempotency-Key",
    path: deductions,
    body: `{"amount":1,"metadata":{"a":${DEEP}}}`,
    idempotencyKey: "deep-1",
    status: 400,
    code: "invalid_request",
  },
  {
    name: "a deduction with a deeply nested unknown field and an Idempotency-Key",
    path: deductions,
    body: `{"amount":1,"extra":${DEEP}}`,
    idempotencyKey: "deep-2",
    status: 400,
    code: "invalid_request",
  },
  {
    name: "a deduction with deeply nested metadata",
    path: deductions,
    body: `{"amount":1,"metadata":{"a":${DEEP}}}`,
    status: 400,
    code: "invalid_request",
  },
  {
    name: "a grant with a deeply nested unknown field and an Idempotency-Key",
    path: grants,
    body: `{"amount":1,"type":"topup","extra":${DEEP}}`,
    idempotencyKey: "deep-3",
    status: 400,
    code: "invalid_request",
  },
  // POST /grants/:id/void
  {
    name: "voiding an unknown grant",
    path: () => "/api/v1/grants/999999/void",
    body: {},
    status: 404,
    code: "not_found",
  },
  {
    name: "voiding a non-numeric grant id",
    path: () => "/api/v1/grants/first/void",
    body: {},
    status: 404,
    code: "not_found",
  },
  {
    name: "voiding with a reason over 1,000 characters",
    path: voidPath,
    body: { reason: "r".repeat(1001) },
    status: 400,
    code: "invalid_request",
    field: "reason",
  },
  {
    name: "voiding with a text/plain body",
    path: voidPath,
    body: "{}",
    headers: { "content-type": "text/plain" },
    status: 415,
    code: "unsupported_media_type",
  },
  // GET endpoints
  {
    name: "reading an unknown user",
    method: "GET",
    path: () => "/api/v1/users/999999",
    status: 404,
    code: "not_found",
  },
  {
    name: "reading a non-numeric user id",
    method: "GET",
    path: () => "/api/v1/users/me",
    status: 404,
    code: "not_found",
  },
  {
    name: "the balance of an unknown user",
    method: "GET",
    path: () => "/api/v1/users/999999/balance",
    status: 404,
    code: "not_found",
  },
  {
    name: "the ledger of an unknown user",
    method: "GET",
    path: () => "/api/v1/users/999999/ledger",
    status: 404,
    code: "not_found",
  },
  {
    name: "the ledger with limit 0",
    method: "GET",
    path: () => `/api/v1/users/${userId}/ledger?limit=0`,
    status: 400,
    code: "invalid_request",
    field: "limit",
  },
  {
    name: "the ledger with limit 101",
    method: "GET",
    path: () => `/api/v1/users/${userId}/ledger?limit=101`,
    status: 400,
    code: "invalid_request",
    field: "limit",
  },
  {
    name: "the ledger with limit 2.5",
    method: "GET",
    path: () => `/api/v1/users/${userId}/ledger?limit=2.5`,
    status: 400,
    code: "invalid_request",
    field: "limit",
  },
  {
    name: "the ledger with limit abc",
    method: "GET",
    path: () => `/api/v1/users/${userId}/ledger?limit=abc`,
    status: 400,
    code: "invalid_request",
    field: "limit",
  },
  {
    name: "the ledger with a cursor it never gave",
    method: "GET",
    path: () => `/api/v1/users/${userId}/ledger?cursor=not-a-cursor`,
    status: 400,
    code: "invalid_request",
    field: "cursor",
  },
  {
    name: "an endpoint that does not exist",
    method: "GET",
    path: () => "/api/v1/widgets",
    status: 404,
    code: "not_found",
  },
  // Wrong methods
  { name: "PUT on /users", method: "PUT", path: () => users, status: 405, code: "method_not_allowed" },
  {
    name: "DELETE on a user",
    method: "DELETE",
    path: () => `/api/v1/users/${userId}`,
    status: 405,
    code: "method_not_allowed",
  },
  {
    name: "POST on the balance",
    method: "POST",
    path: () => `/api/v1/users/${userId}/balance`,
    body: {},
    status: 405,
    code: "method_not_allowed",
  },
  { name: "GET on deductions", method: "GET", path: deductions, status: 405, code: "method_not_allowed" },
  {
    name: "PUT on grants",
    method: "PUT",
    path: grants,
    body: { amount: 5, type: "topup" },
    status: 405,
    code: "method_not_allowed",
  },
  { name: "GET on void", method: "GET", path: voidPath, status: 405, code: "method_not_allowed" },
  {
    name: "PATCH on the ledger",
    method: "PATCH",
    path: () => `/api/v1/users/${userId}/ledger`,
    body: {},
    status: 405,
    code: "method_not_allowed",
  },
];

describe("v1 API error answers", () => {
  it.each(cases)("answers $status $code for $name and writes nothing", async (c) => {
    const before = api.counts();
    const res = await api.call(c.method ?? "POST", c.path(), c);
    expect(res.status, res.text).toBe(c.status);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.body.error).toMatchObject({ code: c.code, message: expect.any(String) });
    expect(res.body.error.message.length).toBeGreaterThan(5);
    if (c.field) expect(res.body.error.field).toBe(c.field);
    expect(api.counts()).toEqual(before);
  });

  it("says how short the user is on 402: balance and requested beside the error", async () => {
    const res = await api.post(deductions(), { amount: 11 });
    expect(res.status).toBe(402);
    expect(res.body).toEqual({
      error: { code: "insufficient_credits", message: expect.any(String) },
      balance: 10,
      requested: 11,
    });
  });

  it("names the allowed methods on 405", async () => {
    const res = await api.get(deductions());
    expect(res.headers.get("allow")).toBe("POST");
  });
});

describe("v1 API authentication and scopes", () => {
  const everyEndpoint = (): [string, string, unknown?][] => [
    ["POST", users, { email: "new@example.com" }],
    ["GET", `/api/v1/users/${userId}`],
    ["GET", `/api/v1/users/${userId}/balance`],
    ["POST", grants(), { amount: 5, type: "topup" }],
    ["POST", deductions(), { amount: 1 }],
    ["POST", voidPath(), {}],
    ["GET", `/api/v1/users/${userId}/ledger`],
  ];

  it("answers 401 unauthenticated on every endpoint without a key, and writes nothing", async () => {
    for (const [method, path, body] of everyEndpoint()) {
      const before = api.counts();
      const res = await api.call(method, path, { key: null, body });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error.code).toBe("unauthenticated");
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(api.counts()).toEqual(before);
    }
  });

  it("answers 401 for a wrong key and for a key in another scheme", async () => {
    for (const [method, path, body] of everyEndpoint()) {
      const before = api.counts();
      const wrong = await api.call(method, path, { key: "cb_admin_" + "x".repeat(43), body });
      expect(wrong.status, `${method} ${path}`).toBe(401);
      const basic = await api.call(method, path, {
        key: null,
        body,
        headers: { authorization: `Basic ${api.keys.admin}` },
      });
      expect(basic.status).toBe(401);
      expect(api.counts()).toEqual(before);
    }
  });

  it("answers 401 for a revoked key on every endpoint", async () => {
    const { key, record } = createApiKey(api.ctx, { name: "soon revoked", scope: "admin" });
    expect((await api.get(`/api/v1/users/${userId}`, { key })).status).toBe(200);
    revokeApiKey(api.ctx, { id: record.id });
    for (const [method, path, body] of everyEndpoint()) {
      const before = api.counts();
      const res = await api.call(method, path, { key, body });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(api.counts()).toEqual(before);
    }
  });

  it("forbids a usage key to create users, grant credits or void grants", async () => {
    for (const [method, path, body] of everyEndpoint().filter(([m, p]) => m === "POST" && !p.endsWith("/deductions"))) {
      const before = api.counts();
      const res = await api.call(method, path, { key: api.keys.usage, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
      expect(api.counts()).toEqual(before);
    }
  });

  it("lets a usage key read users, balances and ledgers and create deductions", async () => {
    for (const [method, path, body] of everyEndpoint().filter(([m, p]) => m === "GET" || p.endsWith("/deductions"))) {
      const res = await api.call(method, path, { key: api.keys.usage, body });
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(method === "GET" ? 200 : 201);
    }
  });
});
