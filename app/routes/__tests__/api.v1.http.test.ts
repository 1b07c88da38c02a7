/**
 * The v1 API over real HTTP: Express and Remix's request handler in front of the real route
 * modules (nested exactly as Remix's flat routes nest them), on a loopback port. Catches what
 * calling loaders directly cannot: streamed bodies, what reaches the client on errors, headers.
 */
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase } from "../../../db/client";
import { testContext } from "../../../test/db";
import { createApiKey } from "../../auth/api-keys.server";
import { createUser } from "../../auth/users.server";
import { grantCredits } from "../../credits/index.server";

// Remix's own flat-routes reader, so the nesting (e.g. …$userId.balance under …$userId) is real.
import { flatRoutes } from "@remix-run/dev/dist/config/flat-routes.js";

const appDir = path.resolve(__dirname, "../..");
let ctx: ReturnType<typeof testContext>;
let server: http.Server;
let base: string;
let key: string;
let userId: number;

async function apiBuild(): Promise<ServerBuild> {
  const manifest = flatRoutes(appDir, ["**/*.test.{ts,tsx}", "**/__tests__/**"]) as Record<string, { id: string; parentId?: string; path?: string; index?: boolean; file: string }>;
  const routes: ServerBuild["routes"] = {
    root: { id: "root", path: "", module: {} as never },
  };
  for (const route of Object.values(manifest)) {
    if (!/^routes\/api\.v1\./.test(route.id)) continue;
    const module = await import(/* @vite-ignore */ path.join(appDir, route.file));
    routes[route.id] = {
      id: route.id,
      parentId: route.parentId,
      path: route.path,
      index: route.index,
      module,
    };
  }
  return {
    mode: "production",
    entry: { module: { default: () => new Response("no documents here", { status: 500 }) } },
    routes,
    assets: { entry: { module: "", imports: [] }, routes: {}, url: "", version: "test" },
    publicPath: "/",
    assetsBuildDirectory: "",
    future: { v3_fetcherPersist: true, v3_relativeSplatPath: true, v3_throwAbortReason: true, v3_singleFetch: true, v3_lazyRouteDiscovery: true },
    isSpaMode: false,
  } as unknown as ServerBuild;
}

beforeAll(async () => {
  ctx = testContext();
  userId = createUser(ctx, { email: "http@example.com" }).id;
  grantCredits(ctx, { userId, type: "topup", amount: 1000, source: "admin" });
  key = createApiKey(ctx, { name: "http", scope: "usage" }).key;
  const app = express();
  app.all("*", createRequestHandler({ build: await apiBuild(), mode: "production", getLoadContext: () => ctx }));
  server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  closeDatabase(ctx.db);
});

const auth = () => ({ authorization: `Bearer ${key}`, "content-type": "application/json" });
const ledgerRows = () => (ctx.db.$client.prepare("select count(*) as n from credit_ledger").get() as { n: number }).n;

/** POSTs a body in 64 KiB chunks without a Content-Length (chunked), like a streaming client. */
function postChunked(pathname: string, totalBytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${pathname}`, { method: "POST", headers: auth() }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.write('{"amount":1,"reason":"');
    let sent = 0;
    const chunk = "x".repeat(64 * 1024);
    const next = () => {
      if (sent >= totalBytes) return req.end('"}');
      sent += chunk.length;
      if (req.write(chunk)) setImmediate(next);
      else req.once("drain", next);
    };
    next();
  });
}

describe("the v1 API over HTTP", () => {
  it("answers a deduction with 201 JSON, and a replay with Idempotent-Replayed", async () => {
    const send = () =>
      fetch(`${base}/api/v1/users/${userId}/deductions`, {
        method: "POST",
        headers: { ...auth(), "idempotency-key": "http-1" },
        body: JSON.stringify({ amount: 3 }),
      });
    const first = await send();
    expect(first.status).toBe(201);
    expect(first.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const body = await first.json();
    expect(body).toMatchObject({ amount: 3, balance: 997 });
    const replay = await send();
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.json()).toEqual(body);
  });

  it("serves nested endpoints and answers unknown ones with a JSON 404", async () => {
    const balance = await fetch(`${base}/api/v1/users/${userId}/balance`, { headers: auth() });
    expect(balance.status).toBe(200);
    expect(await balance.json()).toMatchObject({ userId, balance: expect.any(Number) });
    const unknown = await fetch(`${base}/api/v1/users/${userId}/nothing`, { headers: auth() });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe("not_found");
  });

  it("answers a wrong method with a JSON 405 and an Allow header", async () => {
    const res = await fetch(`${base}/api/v1/users/${userId}/balance`, { method: "DELETE", headers: auth() });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET");
    expect((await res.json()).error.code).toBe("method_not_allowed");
  });

  it("delivers the 413 for a chunked body over 1 MiB instead of resetting the connection", async () => {
    const before = ledgerRows();
    const res = await postChunked(`/api/v1/users/${userId}/deductions`, 2 * 1024 * 1024);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe("payload_too_large");
    expect(ledgerRows()).toBe(before);
    // The server is still fine afterwards.
    expect((await fetch(`${base}/api/v1/users/${userId}`, { headers: auth() })).status).toBe(200);
  });

  it("refuses a body whose Content-Length is over 1 MiB", async () => {
    const before = ledgerRows();
    const res = await fetch(`${base}/api/v1/users/${userId}/deductions`, {
      method: "POST",
      headers: auth(),
      body: JSON.stringify({ amount: 1, reason: "x".repeat(1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect(ledgerRows()).toBe(before);
  });
});
