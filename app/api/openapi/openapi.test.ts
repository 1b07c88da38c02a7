import { validate } from "@readme/openapi-parser";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { closeDatabase } from "../../../db/client";
import { testContext } from "../../../test/db";
import { createHarness, type ApiHarness } from "../../routes/__tests__/api-harness";
import { createUser } from "../../auth/users.server";
import {
  announceExpiringSoon,
  captureHold,
  deductCredits,
  expireGrants,
  getBalance,
  grantCredits,
  holdCredits,
  voidGrant,
} from "../../credits/index.server";
import { dispatchBatch } from "../../events/dispatcher.server";
import { PUBLIC_EVENT_TYPES, registerEventConsumer } from "../../events/outbox.server";
import { handleApiV1, RESOURCES } from "../v1/router.server";
import { buildRegistry, generateOpenApiDocument, openApiDocument, type OpenAPIObject } from "./document.server";
import { InsufficientCreditsBody } from "./components";
import type { Operation } from "./registry";
import { WEBHOOK_EVENTS } from "./webhooks";
import { createFeature } from "../../features/index.server";

// The OpenAPI document is generated from the schemas the server validates with: it must be a valid
// OpenAPI 3.1 document, list every route the code serves (read from the v1 router's table and the
// app/routes/api.admin.* files, not from a hand list), and what it calls invalid the server refuses.

type RouteModule = {
  loader?: (args: LoaderFunctionArgs) => Promise<Response>;
  action?: (args: LoaderFunctionArgs) => Promise<Response>;
};
const adminRouteFiles = import.meta.glob<RouteModule>("../../routes/api.admin.*.{ts,tsx}", { eager: true });
// Every module whose exported zod schemas a route validates with.
const serverModules = import.meta.glob<Record<string, unknown>>(
  [
    "../v1/*.server.ts",
    "../../plans/*.ts",
    "../../features/validation.ts",
    "../../billing/plan-features.server.ts",
    "../../webhooks/*.ts",
    "../../routes/api.admin.*.ts",
    "!**/*.test.ts",
  ],
  { eager: true },
);

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
const api = buildRegistry();
const doc: OpenAPIObject = generateOpenApiDocument(api);

/** "METHOD /path/{param}" for every operation in the document. */
function documented(): string[] {
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => m.toLowerCase() in (item as object)).map((m) => `${m} ${path}`),
  );
}

/** The URL path a Remix flat-route file serves: dots are slashes, `$name` a param, `[.]` a dot. */
function routePath(file: string): string {
  const name = file.replace(/^.*\/routes\//, "").replace(/\.tsx?$/, "");
  const segments = name.split(/(?<!\[)\.(?!\])/);
  return (
    "/" +
    segments
      .map((s) => s.replace(/\[\.\]/g, ".").replace(/_$/, ""))
      .map((s) => (s.startsWith("$") ? `{${s.slice(1)}}` : s))
      .join("/")
  );
}

/** A concrete URL for an OpenAPI path, with the params filled in. */
function fill(path: string, params: Record<string, string | number>): string {
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    if (!(name in params)) throw new Error(`no test value for {${name}} in ${path}`);
    return encodeURIComponent(String(params[name]));
  });
}

let ctx: ReturnType<typeof testContext>;
beforeAll(() => {
  ctx = testContext();
});
afterAll(() => closeDatabase(ctx.db));

/** Calls an admin route module the way Remix does; `key` null = no credentials. */
async function callAdmin(
  path: string,
  method: string,
  opts: { key?: string; body?: unknown; params?: Record<string, string> } = {},
): Promise<Response> {
  const file = Object.keys(adminRouteFiles).find((f) => {
    const pattern = new RegExp(`^${routePath(f).replace(/\{\w+\}/g, "[^/]+")}$`);
    return pattern.test(path.split("?")[0]);
  });
  if (!file) throw new Error(`no admin route file serves ${path}`);
  const mod = adminRouteFiles[file];
  const handler = method === "GET" || method === "HEAD" ? mod.loader : mod.action;
  if (!handler) return new Response(null, { status: 405 });
  const headers = new Headers();
  if (opts.key) headers.set("authorization", `Bearer ${opts.key}`);
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers.set("content-type", "application/json");
  }
  const request = new Request(new URL(path, "http://localhost"), { method, headers, body });
  return handler({ request, params: opts.params ?? {}, context: ctx } as unknown as LoaderFunctionArgs);
}

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    expect(doc.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("lists every /api/v1 route in the router's table, with its methods", () => {
    const inCode = [
      "GET /api/v1/openapi.json",
      ...RESOURCES.flatMap((r) =>
        r.allowed.map(
          (m) => `${m} /api/v1/${r.segments.map((s) => (s.startsWith(":") ? `{${s.slice(1)}}` : s)).join("/")}`,
        ),
      ),
    ];
    expect(inCode.length).toBeGreaterThan(7);
    const inDoc = documented().filter((op) => op.includes(" /api/v1/"));
    expect(inDoc.sort()).toEqual([...new Set(inCode)].sort());
  });

  it("lists every /api/admin route file, with each method it answers", async () => {
    const files = Object.keys(adminRouteFiles);
    expect(files.length).toBeGreaterThanOrEqual(5);
    const inCode: string[] = [];
    for (const file of files) {
      const path = routePath(file);
      // A method the route does not have is 405 before any check; any other answer means it serves it.
      for (const method of METHODS) {
        const url = path.replace(/\{(\w+)\}/g, "1");
        const res = await callAdmin(url, method);
        if (res.status !== 405) inCode.push(`${method} ${path}`);
      }
    }
    const inDoc = documented().filter((op) => op.includes(" /api/admin/"));
    expect(inDoc.sort()).toEqual(inCode.sort());
  });

  it("reads a route's methods from its 405 (so a new route file without a document entry fails above)", async () => {
    expect(routePath("../../routes/api.admin.topup-plans.$id.ts")).toBe("/api/admin/topup-plans/{id}");
    expect(routePath("../../routes/api.admin.stripe-events.$eventId.replay.ts")).toBe(
      "/api/admin/stripe-events/{eventId}/replay",
    );
    expect((await callAdmin("/api/admin/topup-plans", "DELETE")).status).toBe(405);
    expect((await callAdmin("/api/admin/topup-plans", "GET")).status).toBe(401);
  });

  it("describes every public event type (the outbox's list) under `webhooks`, each with its signed headers", () => {
    const types = [...PUBLIC_EVENT_TYPES].sort();
    expect(Object.keys(WEBHOOK_EVENTS).sort()).toEqual(types);
    expect(Object.keys(doc.webhooks ?? {}).sort()).toEqual(types);
    for (const type of types) {
      const post = (doc.webhooks![type] as { post: { parameters: { name: string }[] } }).post;
      expect(post.parameters.map((p) => p.name).sort()).toEqual([
        "webhook-id",
        "webhook-signature",
        "webhook-timestamp",
      ]);
    }
  });

  it("is served as one cached document (the answer of GET /api/v1/openapi.json)", () => {
    expect(openApiDocument()).toBe(openApiDocument());
    expect(openApiDocument()).toEqual(doc);
    const answer = handleApiV1(ctx, { method: "GET", url: "/api/v1/openapi.json", headers: {}, body: null });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual(doc);
    expect(handleApiV1(ctx, { method: "POST", url: "/api/v1/openapi.json", headers: {}, body: null }).status).toBe(405);
  });
});

describe("the document's request schemas are the server's", () => {
  const exported = new Set<unknown>(
    Object.values(serverModules).flatMap((mod) => Object.values(mod).filter((v) => v instanceof z.ZodType)),
  );

  it("registers, for every request body, a zod schema object the server's modules export", () => {
    const bodies = api.operations.filter((op) => op.body);
    expect(bodies.length).toBeGreaterThan(5);
    for (const op of bodies) expect(exported.has(op.body!.schema), op.operationId).toBe(true);
  });

  it("has request examples that the server's schemas accept", () => {
    for (const op of api.operations) {
      if (!op.body?.example) continue;
      const parsed = op.body.schema.safeParse(op.body.example);
      expect(parsed.success ? null : parsed.error.issues, op.operationId).toBeNull();
    }
  });
});

// -------------------------------------------------------------------------------------------------
// What the document calls invalid, the server refuses: for each operation with a body, each
// required field left out of its example and each field broken against its documented type and
// bounds is a 400 `invalid_request` naming that field.

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  format?: string;
  anyOf?: JsonSchema[];
};

function resolve(schema: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace("#/components/schemas/", "");
  return resolve((doc.components!.schemas as Record<string, JsonSchema>)[name]);
}

/** Values the documented schema of one property says are wrong. */
function wrongValues(prop: JsonSchema): unknown[] {
  const p = resolve(prop);
  const types = new Set([p.type ?? []].flat());
  const out: unknown[] = [];
  if (types.has("integer")) {
    out.push(1.5, "1");
    if (p.maximum !== undefined && p.maximum < Number.MAX_SAFE_INTEGER) out.push(p.maximum + 1);
    if (p.minimum !== undefined) out.push(p.minimum - 1);
  } else if (types.has("string")) {
    out.push(12345);
    if (p.maxLength !== undefined) out.push("x".repeat(p.maxLength + 1));
    if (p.enum) out.push("no-such-value");
    if (p.format === "date-time") out.push("not a date");
  } else if (types.has("boolean")) {
    out.push("yes");
  } else if (types.has("object")) {
    out.push("not an object");
  } else if (types.has("array")) {
    out.push("not an array");
    if (p.minItems) out.push([]);
  }
  return out;
}

function bodySchema(op: Operation): JsonSchema {
  const item = (
    doc.paths as Record<string, Record<string, { requestBody: { content: Record<string, { schema: JsonSchema }> } }>>
  )[op.path][op.method];
  return resolve(item.requestBody.content["application/json"].schema);
}

function invalidBodies(op: Operation): { what: string; field: string; body: Record<string, unknown> }[] {
  const schema = bodySchema(op);
  const example = op.body!.example as Record<string, unknown>;
  const cases: { what: string; field: string; body: Record<string, unknown> }[] = [];
  for (const field of schema.required ?? []) {
    const { [field]: _left, ...rest } = example;
    cases.push({ what: `without ${field}`, field, body: rest });
  }
  for (const [field, prop] of Object.entries(schema.properties ?? {})) {
    for (const value of wrongValues(prop)) {
      cases.push({
        what: `${field}: ${JSON.stringify(value).slice(0, 20)}`,
        field,
        body: { ...example, [field]: value },
      });
    }
  }
  return cases;
}

describe("what the document calls invalid, the server refuses", () => {
  let harness: ApiHarness;
  let params: Record<string, string | number>;
  beforeAll(() => {
    harness = createHarness();
    const user = harness.makeUser();
    const { grant } = grantCredits(harness.ctx, { userId: user.id, type: "topup", amount: 1000, source: "admin" });
    params = { userId: user.id, grantId: grant.id };
  });
  beforeAll(async () => {
    const held = await harness.post(`/api/v1/users/${params.userId}/holds`, { amount: 10 });
    expect(held.status, held.text).toBe(201);
    params.holdId = held.body.hold.id;
  });
  afterAll(() => harness.close());

  // Bodies without fields (a hold's release) have nothing to break.
  const breakable = (op: Operation) => op.body !== undefined && invalidBodies(op).length > 0;
  const v1 = api.operations.filter((op) => breakable(op) && op.path.startsWith("/api/v1/"));
  it.each(v1.map((op) => [op.operationId, op] as const))("%s", async (_id, op) => {
    const url = fill(op.path, params);
    const before = harness.counts();
    for (const c of invalidBodies(op)) {
      const res = await harness.call(op.method.toUpperCase(), url, { body: c.body, key: harness.keys.admin });
      expect([res.status, res.body?.error?.code, res.body?.error?.field], `${op.operationId} ${c.what}`).toEqual([
        400,
        "invalid_request",
        c.field,
      ]);
    }
    expect(harness.counts()).toEqual(before);
  });

  const admin = api.operations.filter((op) => breakable(op) && op.path.startsWith("/api/admin/"));
  it.each(admin.map((op) => [op.operationId, op] as const))("%s", async (_id, op) => {
    const key = (await import("../../auth/api-keys.server")).createApiKey(ctx, { name: "doc", scope: "admin" }).key;
    const url = fill(op.path, { id: 1, eventId: "evt_1", key: "tokens" });
    for (const c of invalidBodies(op)) {
      const res = await callAdmin(url, op.method.toUpperCase(), { key, body: c.body, params: { id: "1" } });
      const body = (await res.json()) as { error?: { code: string; field?: string } };
      expect([res.status, body.error?.code, body.error?.field], `${op.operationId} ${c.what}`).toEqual([
        400,
        "invalid_request",
        c.field,
      ]);
    }
  });
});

// -------------------------------------------------------------------------------------------------
// What the server answers, the document describes: each operation called for real, its answer
// checked against the response schema the document gives for that status (no field missing, none
// of the wrong type, none undocumented).

/** The answer as the documented schema reads it; equal to the answer when every field is documented. */
function expectDocumented(op: Operation, status: number, body: unknown): void {
  const documentedStatus =
    op.responses[status] ?? (op.errors?.[status] !== undefined ? { schema: undefined } : undefined);
  expect(documentedStatus, `${op.operationId} answered ${status}: ${JSON.stringify(body).slice(0, 300)}`).toBeDefined();
  const schema = op.responses[status]?.schema;
  if (!schema) return;
  const parsed = schema.safeParse(body);
  expect(parsed.success ? null : parsed.error.issues, op.operationId).toBeNull();
  // zod drops keys a schema does not name: a difference is an undocumented field.
  expect(parsed.data, `${op.operationId}: undocumented fields`).toEqual(body);
}

describe("what the server answers, the document describes", () => {
  const byId = new Map(api.operations.map((op) => [op.operationId, op]));
  const called = new Set<string>();
  let harness: ApiHarness;
  beforeAll(() => {
    harness = createHarness();
  });
  afterAll(() => harness.close());

  async function v1(operationId: string, params: Record<string, string | number>, body?: unknown, query = "") {
    const op = byId.get(operationId)!;
    const res = await harness.call(op.method.toUpperCase(), fill(op.path, params) + query, {
      body,
      key: harness.keys.admin,
    });
    expect(res.status, `${operationId}: ${res.text}`).toBeLessThan(300);
    expectDocumented(op, res.status, res.body);
    called.add(operationId);
    return res.body;
  }

  it("for every v1 operation, from users to holds", async () => {
    const user = await v1("createUser", {}, { email: "ada@example.com", name: "Ada", externalId: "acct_42" });
    const userId = user.id as number;
    await v1("getUser", { userId });
    await v1("updateUser", { userId: "ext:acct_42" }, { lowBalanceThreshold: 50 });
    await v1("searchUsers", {}, undefined, "?q=ada&limit=1");
    const { grant } = await v1("createGrant", { userId }, { amount: 500, type: "promotional", reason: "welcome" });
    await v1("createGrant", { userId }, { amount: 100, type: "topup", expiresAt: "2026-06-01T00:00:00Z" });
    await v1("getBalance", { userId });
    await v1("listGrants", { userId }, undefined, "?limit=1");
    await v1("createDeduction", { userId }, { amount: 25, reason: "render", metadata: { job: "r-81" } });
    await v1("createAdjustment", { userId }, { amount: -40, reason: "doubled refund" });
    await v1("createAdjustment", { userId }, { amount: 40, reason: "goodwill" });
    const batch = await v1(
      "createDeductionBatch",
      {},
      {
        items: [
          { userId, amount: 5, idempotencyKey: "b-1" },
          { userId: "ext:acct_42", amount: 1_000_000_000, reason: "too much" },
          { userId: "ext:nobody", amount: 1 },
        ],
      },
    );
    expect(batch.results.map((r: { status: number }) => r.status)).toEqual([201, 402, 404]);
    const replay = await v1("createDeductionBatch", {}, { items: [{ userId, amount: 5, idempotencyKey: "b-1" }] });
    expect(replay.results[0].replayed).toBe(true);
    const { hold } = await v1("createHold", { userId }, { amount: 100, reason: "render r-82", metadata: { a: 1 } });
    await v1("getHold", { holdId: hold.id });
    await v1("captureHold", { holdId: hold.id }, { amount: 80 });
    const other = await v1("createHold", { userId }, { amount: 10 });
    await v1("releaseHold", { holdId: other.hold.id });
    createFeature(
      harness.ctx,
      { key: "images", name: "Images", unitName: "image", price: { credits: 3, perUnits: 1 } },
      "cli",
    );
    await v1("checkUsage", { userId }, { feature: "images", quantity: 2 });
    const used = await v1(
      "recordUsage",
      { userId: "ext:acct_42" },
      { feature: "images", quantity: 2, metadata: { r: 1 } },
    );
    expect(used).toMatchObject({ feature: "images", quantity: 2, credits: 6 });
    const usageBatch = await v1(
      "recordUsageBatch",
      {},
      {
        events: [
          { userId, feature: "images", quantity: 1, idempotencyKey: "u-1" },
          { userId, feature: "nope", quantity: 1, idempotencyKey: "u-2" },
        ],
      },
    );
    expect(usageBatch.results.map((r: { status: number }) => r.status)).toEqual([201, 404]);
    await v1("getUsageSummary", { userId }, undefined, "?from=2025-01-01T00:00:00Z");
    const featureHold = await v1("createHold", { userId }, { feature: "images", quantity: 3 });
    await v1("getHold", { holdId: featureHold.hold.id });
    await v1("captureHold", { holdId: featureHold.hold.id }, { quantity: 2 });
    await v1("listLedger", { userId }, undefined, "?limit=100");
    await v1("voidGrant", { grantId: grant.id }, { reason: "mistake" });
    await v1("getOpenApiDocument", {});

    // Errors have the documented error body too.
    const missing = await harness.get("/api/v1/users/999999", { key: harness.keys.admin });
    expectDocumented(byId.get("getUser")!, missing.status, missing.body);
    expect(byId.get("getUser")!.errors?.[404]).toBeDefined();
    const short = await harness.post(`/api/v1/users/${userId}/deductions`, { amount: 1_000_000_000 });
    expect(short.status).toBe(402);
    expect(InsufficientCreditsBody.strict().safeParse(short.body).success, short.text).toBe(true);

    // Auto top-up needs a pack on sale and a saved card (a Stripe customer): covered by its own tests.
    const skipped = ["updateAutoTopup"];
    const v1Ops = api.operations.filter((op) => op.path.startsWith("/api/v1/")).map((op) => op.operationId);
    expect(v1Ops.filter((id) => !called.has(id) && !skipped.includes(id))).toEqual([]);
  });

  it("for the admin webhook endpoints and plan lists", async () => {
    const key = (await import("../../auth/api-keys.server")).createApiKey(ctx, { name: "answers", scope: "admin" }).key;
    async function admin(operationId: string, params: Record<string, string>, body?: unknown, query = "") {
      const op = byId.get(operationId)!;
      const res = await callAdmin(fill(op.path, params) + query, op.method.toUpperCase(), { key, body, params });
      const json = await res.json();
      expect(res.status, `${operationId}: ${JSON.stringify(json)}`).toBeLessThan(300);
      expectDocumented(op, res.status, json);
      return json;
    }
    const created = await admin("createWebhookEndpoint", {}, { url: "https://example.com/hooks", description: "test" });
    await admin("listWebhookEndpoints", {});
    await admin("listWebhookDeliveries", { id: String(created.id) }, undefined, "?limit=5");
    await admin("updateWebhookEndpoint", { id: String(created.id) }, { enabled: false, description: null });
    await admin("rotateWebhookSecret", { id: String(created.id) });
    await admin("listEvents", {}, undefined, "?type=balance.low&limit=5");
    await admin("deleteWebhookEndpoint", { id: String(created.id) });
    await admin("listSubscriptionPlans", {});
    await admin("listTopupPlans", {});
    const tokens = { key: "tokens", name: "Tokens", unitName: "token", price: { credits: 1, perUnits: 1000 } };
    await admin("createFeature", {}, tokens);
    await admin("listFeatures", {});
    await admin("updateFeature", { key: "tokens" }, { description: "LLM tokens" });
    await admin("createFeaturePrice", { key: "tokens" }, { credits: 2, perUnits: 1000 });
    await admin("getFeature", { key: "tokens" });
  });
});

describe("what webhooks send, the document describes", () => {
  it("every public event's data, as the engine writes it to the outbox, matches its documented schema", () => {
    const c = testContext();
    // credits.deducted becomes an outbox row only when something consumes it, copied by the dispatcher.
    const unregister = registerEventConsumer({ name: "openapi-test", types: ["credits.deducted"], handle() {} });
    try {
      dispatchBatch(c); // wanted from now on
      c.clock.advance(1);
      const DAY_MS = 86_400_000;
      const now = () => c.clock.now().getTime();
      const userId = createUser(c, { email: "hooks@example.com", externalId: "acct_hooks" }).id;
      grantCredits(c, { userId, type: "topup", amount: 150, source: "admin" });
      const soon = grantCredits(c, {
        userId,
        type: "subscription",
        amount: 40,
        source: "admin",
        expiresAt: new Date(now() + 2 * DAY_MS),
      });
      const doomed = grantCredits(c, { userId, type: "promotional", amount: 10, source: "admin" });
      announceExpiringSoon(c);
      deductCredits(c, { userId, amount: 5, reason: "render" });
      const { hold } = holdCredits(c, { userId, amount: 20, expiresInSeconds: 60 });
      captureHold(c, { holdId: hold.id, amount: 5 });
      holdCredits(c, { userId, amount: 20, expiresInSeconds: 60 });
      c.clock.advance(61_000);
      voidGrant(c, { grantId: doomed.grant.id, reason: "mistake" });
      c.clock.advance(3 * DAY_MS);
      expireGrants(c);
      expect(soon.grant.id).toBeGreaterThan(0);
      const { balance } = getBalance(c, userId, { grantLimit: 0 });
      deductCredits(c, { userId, amount: balance - 50 }); // below 100: balance.low
      deductCredits(c, { userId, amount: 50 }); // 0: balance.depleted
      while (dispatchBatch(c).count > 0);

      const rows = c.db.$client.prepare("select type, data from event_outbox order by id").all() as {
        type: string;
        data: string;
      }[];
      const seen = new Set<string>();
      for (const row of rows) {
        if (!(row.type in WEBHOOK_EVENTS)) continue; // internal events are never sent
        const schema = WEBHOOK_EVENTS[row.type as keyof typeof WEBHOOK_EVENTS].data;
        const data = JSON.parse(row.data);
        const parsed = schema.safeParse(data);
        expect(parsed.success ? null : parsed.error.issues, row.type).toBeNull();
        expect(parsed.data, `${row.type}: undocumented fields`).toEqual(data);
        seen.add(row.type);
      }
      expect([...seen].sort()).toEqual([...PUBLIC_EVENT_TYPES].sort());
    } finally {
      unregister();
      closeDatabase(c.db);
    }
  });
});
