// Outbound webhooks against the production server (build/node/server.js as a child process): the
// admin endpoint contract with its errors, delivery of committed events (also those another
// process wrote), and pending deliveries surviving a restart.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Db } from "../../db/client";
import { ensureBuild, freePort, repoRoot } from "../../test/server-process";
import { createApiKey } from "../auth/api-keys.server";
import { appendEvent } from "../events/outbox.server";
import { systemClock } from "../utils/clock";
import { startReceiver, type Receiver } from "./test-support";

// WEBHOOKS_TEST_BUILD_ROOT: run another checkout's build (while the shared tree's build is broken).
const buildRoot = process.env.WEBHOOKS_TEST_BUILD_ROOT ?? repoRoot;
const serverEntry = path.join(buildRoot, "build/node/server.js");

interface Server {
  child: ChildProcess;
  base: string;
  output: () => string;
  exited: Promise<number | null>;
}

const running = new Set<Server>();
const cleanups: (() => unknown)[] = [];

async function startServer(databasePath: string): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [serverEntry], {
    cwd: buildRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME ?? os.tmpdir(),
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_PATH: databasePath,
      LOG_LEVEL: "info",
      DEMO: "1",
      SESSION_SECRET: "webhooks-test-session-secret-0123456789abcdef",
      // The tests' receivers listen on loopback, which production refuses unless listed.
      WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
    },
  });
  let out = "";
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const server: Server = { child, base: `http://127.0.0.1:${port}`, output: () => out, exited };
  running.add(server);
  void exited.then(() => running.delete(server));
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('"msg":"server listening"')) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${out}`)));
  });
  return server;
}

async function stopServer(server: Server): Promise<void> {
  server.child.kill("SIGTERM");
  expect(await server.exited).toBe(0);
}

let dir: string;
beforeAll(() => {
  if (buildRoot === repoRoot) ensureBuild();
  dir = fs.mkdtempSync(path.join(process.env.TEST_TMP_DIR ?? os.tmpdir(), "webhooks-prod-"));
});
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});
afterAll(() => {
  for (const s of running) s.child.kill("SIGKILL");
});

/** A production server on its own database, an admin key and a usage key. */
async function boot() {
  const databasePath = path.join(dir, `app-${Math.random().toString(36).slice(2)}.db`);
  const server = await startServer(databasePath);
  const db = openDatabase(databasePath);
  cleanups.push(() => db.$client.close());
  const ctx = { db, clock: systemClock };
  const admin = createApiKey(ctx, { name: "webhooks test", scope: "admin" }).key;
  const usage = createApiKey(ctx, { name: "webhooks usage", scope: "usage" }).key;
  const call = async (method: string, url: string, body?: unknown, key: string | null = admin) => {
    const res = await fetch(server.base + url, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return { server, db, databasePath, admin, usage, call };
}

async function receiver(answers?: Receiver["answers"], port?: number) {
  const r = await startReceiver({ answers, port });
  cleanups.push(() => r.close());
  return r;
}

const count = (db: Db, table: string) =>
  (db.$client.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;

describe("admin webhook endpoints API (production server)", () => {
  it("creates, lists, deletes endpoints; the secret only at creation; errors write nothing", async () => {
    const t = await boot();
    cleanups.push(() => stopServer(t.server));

    // No key, a usage key, a bad key.
    expect(await t.call("GET", "/api/admin/webhook-endpoints", undefined, null)).toMatchObject({
      status: 401,
      body: { error: { code: "unauthenticated" } },
    });
    expect((await t.call("POST", "/api/admin/webhook-endpoints", { url: "http://127.0.0.1:9/" }, null)).status).toBe(
      401,
    );
    expect((await t.call("GET", "/api/admin/webhook-endpoints", undefined, t.usage)).status).toBe(403);
    expect((await t.call("GET", "/api/admin/webhook-endpoints", undefined, "ck_admin_nope")).status).toBe(401);

    // Bad input: 400 naming the field, nothing written.
    const bad: [unknown, string][] = [
      [{}, "url"],
      [{ url: "not a url" }, "url"],
      [{ url: "ftp://example.com/hook" }, "url"],
      [{ url: "http://user:pw@127.0.0.1/hook" }, "url"],
      [{ url: "http://example.com/hook" }, "url"], // plain http leaves the machine: https only in production
      [{ url: "https://169.254.169.254/latest" }, "url"],
      [{ url: "https://[::ffff:169.254.169.254]/" }, "url"],
      [{ url: "http://vm.invalid:9/hook" }, "url"], // plain http to a host not listed
      [{ url: `https://example.com/${"x".repeat(2100)}` }, "url"],
      [{ url: "https://example.com/hook", events: [] }, "events"],
      [{ url: "https://example.com/hook", events: ["nope"] }, "events.0"],
      [{ url: "https://example.com/hook", events: ["payment.failed"] }, "events.0"],
      [{ url: "https://example.com/hook", events: "credits.granted" }, "events"],
      [{ url: "https://example.com/hook", description: "d".repeat(501) }, "description"],
    ];
    for (const [body, field] of bad) {
      const r = await t.call("POST", "/api/admin/webhook-endpoints", body);
      expect([r.status, r.body.error.code, r.body.error.field], JSON.stringify(body)).toEqual([
        400,
        "invalid_request",
        field,
      ]);
    }
    expect((await t.call("POST", "/api/admin/webhook-endpoints", "{not json")).status).toBe(400);
    expect(count(t.db, "webhook_endpoints")).toBe(0);

    // Created: 201 with the secret (whsec_ + base64 of 32 bytes); default events skip credits.deducted.
    const created = await t.call("POST", "/api/admin/webhook-endpoints", {
      url: "https://hooks.example.com/credits",
      description: "billing service",
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      url: "https://hooks.example.com/credits",
      events: [
        "credits.granted",
        "credits.expired",
        "credits.voided",
        "credits.expiring_soon",
        "balance.low",
        "balance.depleted",
        "hold.expired",
      ],
      description: "billing service",
      enabled: true,
      previousSecretExpiresAt: null,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      createdAt: expect.any(String),
    });
    expect(Buffer.from(created.body.secret.slice(6), "base64")).toHaveLength(32);
    const local = await t.call("POST", "/api/admin/webhook-endpoints", {
      url: "http://127.0.0.1:9/hook",
      events: ["credits.deducted", "balance.low", "balance.low"],
    });
    expect(local).toMatchObject({
      status: 201,
      body: { events: ["credits.deducted", "balance.low"], description: null },
    });

    const list = await t.call("GET", "/api/admin/webhook-endpoints");
    expect(list.status).toBe(200);
    expect(list.body.data.map((e: { id: number }) => e.id)).toEqual([created.body.id, local.body.id]);
    expect(JSON.stringify(list.body)).not.toContain("whsec_");
    const { secret: _secret, ...withoutSecret } = created.body;
    expect(list.body.data[0]).toEqual(withoutSecret);

    // 404s: unknown or malformed ids.
    for (const [method, url] of [
      ["DELETE", "/api/admin/webhook-endpoints/999"],
      ["DELETE", "/api/admin/webhook-endpoints/abc"],
      ["GET", "/api/admin/webhook-endpoints/999/deliveries"],
      ["POST", "/api/admin/webhook-deliveries/999/retry"],
    ]) {
      const r = await t.call(method, url);
      expect([r.status, r.body.error.code], `${method} ${url}`).toEqual([404, "not_found"]);
    }
    const badLimit = await t.call("GET", `/api/admin/webhook-endpoints/${created.body.id}/deliveries?limit=0`);
    expect([badLimit.status, badLimit.body.error.field]).toEqual([400, "limit"]);
    expect((await t.call("PUT", "/api/admin/webhook-endpoints")).status).toBe(405);

    expect(await t.call("DELETE", `/api/admin/webhook-endpoints/${created.body.id}`)).toEqual({
      status: 200,
      body: { deleted: true },
    });
    expect((await t.call("DELETE", `/api/admin/webhook-endpoints/${created.body.id}`)).status).toBe(404);
    expect((await t.call("GET", "/api/admin/webhook-endpoints")).body.data.map((e: { id: number }) => e.id)).toEqual([
      local.body.id,
    ]);
  });
});

describe("webhook delivery (production server)", () => {
  it("delivers a committed event, signed, within seconds; the deliveries list shows it; retry sends it again", async () => {
    const t = await boot();
    cleanups.push(() => stopServer(t.server));
    const r = await receiver();
    const ep = await t.call("POST", "/api/admin/webhook-endpoints", { url: r.url, events: ["balance.low"] });
    r.setSecret(ep.body.secret);
    // Written by this process (another connection, like the CLI): the server's dispatcher polls for it.
    const id = appendEvent(t.db, {
      type: "balance.low",
      userId: 1,
      data: { userId: 1, externalId: null, balance: 5, threshold: 100 },
      at: new Date(),
    });
    await expect.poll(() => r.received.length, { timeout: 10_000, interval: 50 }).toBe(1);
    expect(r.received[0]).toMatchObject({ id, verifyError: null, contentType: "application/json" });
    expect(r.received[0].payload).toMatchObject({ id, type: "balance.low", data: { balance: 5, threshold: 100 } });
    const deliveries = async () =>
      (await t.call("GET", `/api/admin/webhook-endpoints/${ep.body.id}/deliveries?limit=5`)).body;
    await expect
      .poll(async () => (await deliveries()).data[0]?.status, { timeout: 5000, interval: 50 })
      .toBe("delivered");
    const [d] = (await deliveries()).data;
    expect(d).toEqual({
      id: expect.any(Number),
      eventId: id,
      type: "balance.low",
      status: "delivered",
      attempts: 1,
      lastStatusCode: 204,
      nextAttemptAt: null,
    });
    const retried = await t.call("POST", `/api/admin/webhook-deliveries/${d.id}/retry`);
    expect(retried).toMatchObject({ status: 200, body: { delivery: { id: d.id, status: "pending" } } });
    await expect.poll(() => r.received.length, { timeout: 10_000, interval: 50 }).toBe(2);
    expect(r.received[1]).toMatchObject({ id, verifyError: null });
  });

  it("an endpoint listing only credits.deducted gets each API deduction, signed, and nothing else (the benchmark's setup)", async () => {
    const t = await boot();
    cleanups.push(() => stopServer(t.server));
    const r = await receiver();
    const ep = await t.call("POST", "/api/admin/webhook-endpoints", { url: r.url, events: ["credits.deducted"] });
    expect(ep).toMatchObject({ status: 201, body: { events: ["credits.deducted"] } });
    r.setSecret(ep.body.secret);
    const user = await t.call("POST", "/api/v1/users", { email: "hooked@example.com", externalId: "acct_7" });
    expect(user.status).toBe(201);
    expect(
      (await t.call("POST", `/api/v1/users/${user.body.id}/grants`, { amount: 1000, type: "promotional" })).status,
    ).toBe(201);
    const deductions = [];
    for (let i = 1; i <= 3; i++) {
      const d = await t.call("POST", `/api/v1/users/ext:acct_7/deductions`, { amount: i }, t.usage);
      expect(d.status).toBe(201);
      deductions.push(d.body);
    }
    await expect.poll(() => r.received.length, { timeout: 10_000, interval: 50 }).toBe(3);
    expect(r.received.map((x) => x.verifyError)).toEqual([null, null, null]);
    // Only the type it lists: the grant and balance events are not sent here.
    expect(r.received.map((x) => x.payload?.type)).toEqual([
      "credits.deducted",
      "credits.deducted",
      "credits.deducted",
    ]);
    expect(r.received.map((x) => x.payload?.data)).toEqual(
      deductions.map((d) =>
        expect.objectContaining({
          userId: user.body.id,
          externalId: "acct_7",
          deduction: expect.objectContaining({ id: d.id, amount: d.amount }),
          balance: d.balance,
        }),
      ),
    );
  });

  it("sends pending deliveries after a restart", async () => {
    const t = await boot();
    // A receiver that is down: the first attempt fails and the delivery waits for its retry.
    const port = await freePort();
    const ep = await t.call("POST", "/api/admin/webhook-endpoints", {
      url: `http://127.0.0.1:${port}/hook`,
      events: ["credits.expired"],
    });
    const id = appendEvent(t.db, {
      type: "credits.expired",
      userId: 2,
      data: { userId: 2, externalId: "acct_2", grantId: 9, amount: 10, balance: 0 },
      at: new Date(),
    });
    const deliveries = async () =>
      (await t.call("GET", `/api/admin/webhook-endpoints/${ep.body.id}/deliveries`)).body.data;
    await expect.poll(async () => (await deliveries())[0]?.attempts, { timeout: 10_000, interval: 50 }).toBe(1);
    expect((await deliveries())[0]).toMatchObject({ eventId: id, status: "pending", lastStatusCode: null });
    await stopServer(t.server);

    const r = await receiver([200], port);
    r.setSecret(ep.body.secret);
    const again = await startServer(t.databasePath);
    cleanups.push(() => stopServer(again));
    await expect.poll(() => r.received.length, { timeout: 15_000, interval: 100 }).toBe(1);
    expect(r.received[0]).toMatchObject({ id, verifyError: null });
    expect(r.received[0].payload?.data).toEqual({
      userId: 2,
      externalId: "acct_2",
      grantId: 9,
      amount: 10,
      balance: 0,
    });
  });
});
