/**
 * The v1 API over real HTTP through the real Express app (startServer from app/server/main.ts),
 * on a loopback port: the Node-native /api/v1 handler with the middleware in front of it.
 * Catches what calling the handler directly cannot: streamed bodies, what reaches the client
 * on errors, headers.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDatabase, openDatabase, type Db } from "../../../db/client";
import { freshDatabasePath } from "../../../test/db";
import { createApiKey } from "../../auth/api-keys.server";
import { createUser } from "../../auth/users.server";
import { grantCredits } from "../../credits/index.server";
import { startServer, type RunningServer } from "../../server/main";
import { systemClock } from "../../utils/clock";
import { parseEnv } from "../../utils/env.server";
import { setLogLevel } from "../../utils/log.server";

let db: Db;
let running: RunningServer;
let base: string;
let key: string;
let userId: number;

beforeAll(async () => {
  const file = freshDatabasePath();
  // A Stripe key (never called here) keeps the offline Stripe and the demo seed out of this test.
  const env = parseEnv({
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: "0",
    DATABASE_PATH: file,
    LOG_LEVEL: "silent",
    SESSION_SECRET: "http-test-session-secret-0123456789",
    STRIPE_SECRET_KEY: "sk_test_http_test_unused",
    STRIPE_WEBHOOK_SECRET: "whsec_http_test_unused",
  });
  running = await startServer(env);
  base = `http://127.0.0.1:${(running.server.address() as AddressInfo).port}`;
  // A second connection to the same file, for setup and row counts (the server has its own).
  db = openDatabase(file);
  const ctx = { db, clock: systemClock };
  userId = createUser(ctx, { email: "http@example.com" }).id;
  grantCredits(ctx, { userId, type: "topup", amount: 1000, source: "admin" });
  key = createApiKey(ctx, { name: "http", scope: "usage" }).key;
}, 60_000);

afterAll(async () => {
  await running?.close();
  if (db) closeDatabase(db);
});

const auth = () => ({ authorization: `Bearer ${key}`, "content-type": "application/json" });
const ledgerRows = () => (db.$client.prepare("select count(*) as n from credit_ledger").get() as { n: number }).n;

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

  it("answers a body sent in pieces without a Content-Length", async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        `${base}/api/v1/users/${userId}/deductions`,
        { method: "POST", headers: auth() },
        (r) => {
          let body = "";
          r.on("data", (c) => (body += c));
          r.on("end", () => resolve({ status: r.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.write('{"amount"');
      setImmediate(() => req.end(":2}"));
    });
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toMatchObject({ amount: 2 });
  });

  it("answers a request without a key with 401 before reading its body, however large", async () => {
    const before = ledgerRows();
    const res = await fetch(`${base}/api/v1/users/${userId}/deductions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ amount: 1, reason: "x".repeat(2 * 1024 * 1024) }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(ledgerRows()).toBe(before);
  });

  it("sends the app's security headers, an exact Content-Length and no compression", async () => {
    const res = await new Promise<http.IncomingMessage & { text: string }>((resolve, reject) => {
      http
        .get(
          `${base}/api/v1/users/${userId}/balance`,
          { headers: { ...auth(), "accept-encoding": "gzip, br" } },
          (r) => {
            let text = "";
            r.setEncoding("utf8");
            r.on("data", (c) => (text += c));
            r.on("end", () => resolve(Object.assign(r, { text })));
          },
        )
        .on("error", reject);
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-encoding"]).toBeUndefined();
    expect(Number(res.headers["content-length"])).toBe(Buffer.byteLength(res.text));
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-frame-options"]).toBe("DENY");
    expect(res.headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    expect(JSON.parse(res.text)).toMatchObject({ userId });
  });

  it("logs one line per API request, refused ones too, and sends the security headers on every answer", async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    setLogLevel("info");
    try {
      const sent: [string, number][] = [];
      const send = async (path: string, init: RequestInit, status: number) => {
        const res = await fetch(`${base}${path}?secret=q`, init);
        expect(res.status, path).toBe(status);
        expect(res.headers.get("content-type"), path).toMatch(/^application\/json/);
        expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
        expect(res.headers.get("x-frame-options"), path).toBe("DENY");
        sent.push([path.toLowerCase(), status]);
      };
      await send(`/api/v1/users/${userId}/balance`, { headers: auth() }, 200);
      await send("/api/v1/users/987654", { headers: auth() }, 404);
      await send("/api/v1/no-such-endpoint", { headers: auth() }, 404);
      await send(`/api/v1/users/${userId}/deductions`, { method: "POST", body: "{}" }, 401);
      await send(
        `/api/v1/users/${userId}/deductions`,
        { method: "POST", headers: { ...auth(), "content-type": "text/plain" }, body: "{}" },
        415,
      );
      await send(`/api/v1/users/${userId}/deductions`, { method: "PUT", headers: auth() }, 405);
      // The line is written when the answer is handed to the socket, which may be just after the client has it.
      const records = () =>
        lines
          .flatMap((l) => l.split("\n"))
          .filter((l) => l.includes('"msg":"request"'))
          .map((l) => JSON.parse(l) as { path: string; status: number });
      await vi.waitFor(() => expect(records()).toHaveLength(sent.length));
      expect(records().map((r) => [r.path.toLowerCase(), r.status])).toEqual(sent);
      expect(lines.join("")).not.toContain("secret=q");
      expect(lines.join("")).not.toContain(key);
    } finally {
      setLogLevel("silent");
      spy.mockRestore();
    }
  });

  it("answers HEAD like GET, without a body", async () => {
    const res = await fetch(`${base}/api/v1/users/${userId}`, { method: "HEAD", headers: auth() });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get("content-length"))).toBeGreaterThan(0);
    expect(await res.text()).toBe("");
  });

  it("refuses a cross-origin browser POST without a key before reading it, but not one with a Bearer key", async () => {
    const before = ledgerRows();
    const crossSite = {
      "content-type": "application/json",
      "sec-fetch-site": "cross-site",
      origin: "https://evil.example",
    };
    const refused = await fetch(`${base}/api/v1/users/${userId}/deductions`, {
      method: "POST",
      headers: crossSite,
      body: JSON.stringify({ amount: 1 }),
    });
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.code).toBe("unauthenticated");
    expect(ledgerRows()).toBe(before);
    const withKey = await fetch(`${base}/api/v1/users/${userId}/deductions`, {
      method: "POST",
      headers: { ...crossSite, authorization: `Bearer ${key}` },
      body: JSON.stringify({ amount: 1 }),
    });
    expect(withKey.status).toBe(201);
  });

  it("matches paths case-insensitively and with a trailing slash, as the Remix routes did", async () => {
    const res = await fetch(`${base}/API/v1/Users/${userId}/balance/`, { headers: auth() });
    expect(res.status).toBe(200);
    const bare = await fetch(`${base}/api/v1`, { headers: auth() });
    expect(bare.status).toBe(404);
    expect((await bare.json()).error.code).toBe("not_found");
  });
});
