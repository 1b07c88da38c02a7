// Runs the real production bundle (build/node/server.js) as a child process, the way `npm start`
// and scripts/start.sh do, and checks what operations depend on: health, headers, compression,
// request logs, configuration errors, migrations on boot and a graceful stop.
import Database from "better-sqlite3";
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import zlib from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { ensureBuild, freePort, repoRoot as root } from "../../test/server-process";
import { newWebhookSecret } from "@credit-billing/offline-stripe";
import { DEMO_BANNER_TEXT } from "../components/DemoBanner";
import { DEMO_LOGINS } from "./demo-seed.server";

const serverEntry = path.join(root, "build/node/server.js");

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** A child process whose stdout lines can be awaited (event-driven: no polling, no sleeps). */
class Proc {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  stderr = "";
  readonly exited: Promise<Exit>;
  exit: Exit | null = null;
  private listeners = new Set<() => void>();

  private readonly detached: boolean;

  constructor(command: string, args: string[], options: SpawnOptions) {
    this.detached = options.detached === true;
    this.child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    running.add(this);
    readline.createInterface({ input: this.child.stdout! }).on("line", (line) => {
      this.lines.push(line);
      this.notify();
    });
    this.child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => {
      this.child.on("close", (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        this.notify();
        resolve(this.exit);
      });
    });
  }

  /** Signals the process, or its whole process group when it was started detached (npm and its child). */
  kill(signal: NodeJS.Signals): void {
    if (this.exit) return;
    if (this.detached) process.kill(-this.child.pid!, signal);
    else this.child.kill(signal);
  }

  private notify() {
    for (const l of [...this.listeners]) l();
  }

  /** Resolves with the first stdout line matching `predicate`; rejects if the process ends first. */
  waitForLine(predicate: (line: string) => boolean, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.lines.find(predicate);
        if (hit !== undefined) {
          this.listeners.delete(check);
          resolve(hit);
        } else if (this.exit) {
          this.listeners.delete(check);
          reject(new Error(`process exited (${JSON.stringify(this.exit)}) before ${what}\n${this.output()}`));
        }
      };
      this.listeners.add(check);
      check();
    });
  }

  /** JSON log records written to stdout (non-JSON lines, such as the demo banner, are skipped). */
  records(): Array<Record<string, unknown>> {
    return this.lines.flatMap((l) => {
      try {
        const v = JSON.parse(l);
        return v && typeof v === "object" ? [v as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
  }

  output(): string {
    return `--- stdout ---\n${this.lines.join("\n")}\n--- stderr ---\n${this.stderr}`;
  }
}

const running = new Set<Proc>();
/** Servers a whole suite shares; the others are stopped after each test. */
const suiteServers = new Set<Proc>();
const tempDirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "credits-server-test-"));
  tempDirs.push(dir);
  return dir;
}

function isRecord(line: string, msg: string): boolean {
  try {
    return JSON.parse(line).msg === msg;
  } catch {
    return false;
  }
}

interface Booted {
  proc: Proc;
  port: number;
  base: string;
  databasePath: string;
}

/** The server's environment: nothing inherited from the test run but PATH and HOME. */
function serverEnv(port: number, databasePath: string, overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? os.tmpdir(),
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(port),
    DATABASE_PATH: databasePath,
    LOG_LEVEL: "info",
    // Production refuses to start without real Stripe keys; DEMO=1 is the explicit offline-Stripe mode.
    DEMO: "1",
    SESSION_SECRET: "server-test-session-secret-0123456789abcdef",
    ...overrides,
  };
}

async function boot(
  overrides: Record<string, string> = {},
  databasePath = path.join(tempDir(), "app.db"),
): Promise<Booted> {
  const port = await freePort();
  const proc = new Proc(process.execPath, [serverEntry], { cwd: root, env: serverEnv(port, databasePath, overrides) });
  await proc.waitForLine((l) => isRecord(l, "server listening"), "the server listened");
  return { proc, port, base: `http://127.0.0.1:${port}`, databasePath };
}

async function stop(proc: Proc, signal: NodeJS.Signals = "SIGTERM"): Promise<Exit> {
  proc.kill(signal);
  return proc.exited;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request on its own connection (no keep-alive), body returned as raw bytes. */
function request(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

/** Everything about the database a boot could change: schema, applied migrations and every row. */
function snapshot(databasePath: string): string {
  const db = new Database(databasePath, { readonly: true });
  try {
    const objects = db
      .prepare("select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' order by type, name")
      .all() as Array<{ type: string; name: string }>;
    const rows = Object.fromEntries(
      objects.filter((o) => o.type === "table").map((t) => [t.name, db.prepare(`select * from "${t.name}"`).all()]),
    );
    return JSON.stringify({ objects, rows });
  } finally {
    db.close();
  }
}

beforeAll(ensureBuild, 300_000);

afterEach(async () => {
  // A failed test must not leave a server behind.
  await Promise.all([...running].filter((p) => !suiteServers.has(p)).map((p) => stop(p, "SIGKILL")));
});

afterAll(async () => {
  await Promise.all([...running].map((p) => stop(p, "SIGKILL")));
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the running production server", () => {
  let server: Booted;

  beforeAll(async () => {
    server = await boot({ APP_URL: "https://credits.example.test" });
    suiteServers.add(server.proc);
  });

  afterAll(async () => {
    if (server) expect(await stop(server.proc)).toEqual({ code: 0, signal: null });
  });

  it("answers GET /healthz with 200 after reading the database", async () => {
    const res = await request(`${server.base}/healthz`);
    expect(res.status).toBe(200);
    // No replica is configured here, so the backup detail says so (app/backup).
    expect(JSON.parse(res.body.toString())).toEqual({
      ok: true,
      backup: { configured: false, intervalSeconds: expect.any(Number), last: null },
    });
  });

  it("sends the security headers on pages, health checks and errors alike", async () => {
    for (const p of ["/", "/healthz", "/no-such-page"]) {
      const { headers } = await request(`${server.base}${p}`);
      expect(headers["x-content-type-options"], p).toBe("nosniff");
      expect(headers["x-frame-options"], p).toBe("DENY");
      expect(headers["referrer-policy"], p).toBe("strict-origin-when-cross-origin");
      expect(headers["cross-origin-opener-policy"], p).toBe("same-origin");
      expect(headers["permissions-policy"], p).toContain("camera=()");
      expect(headers["content-security-policy"], p).toContain("default-src 'self'");
      expect(headers["content-security-policy"], p).toContain("frame-ancestors 'none'");
      // APP_URL is https, so browsers are told to stay on https.
      expect(headers["strict-transport-security"], p).toMatch(/max-age=\d{7,}/);
      expect(headers["x-powered-by"], p).toBeUndefined();
    }
  });

  it("compresses a large page with gzip when the client accepts gzip, and only then", async () => {
    const gzipped = await request(`${server.base}/`, { "accept-encoding": "gzip" });
    expect(gzipped.status).toBe(200);
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    const html = zlib.gunzipSync(gzipped.body).toString();
    expect(html).toContain("<html");
    // Above compression's 1 kB threshold, so this is the "large page" case.
    expect(Buffer.byteLength(html)).toBeGreaterThan(1024);
    expect(gzipped.body.length).toBeLessThan(Buffer.byteLength(html));

    const plain = await request(`${server.base}/`, { "accept-encoding": "identity" });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.toString()).toContain("<html");
  });

  it("writes exactly one JSON log line per request, with method, path, status and duration", async () => {
    const marker = `/log-check-${process.pid}-${Date.now()}`;
    await request(`${server.base}/healthz?probe=1`);
    await request(`${server.base}${marker}`);
    await request(`${server.base}/`);
    // Requests are answered and logged in order, so once the last one is logged all are.
    const last = `/log-check-last-${process.pid}`;
    await request(`${server.base}${last}`);
    await server.proc.waitForLine((l) => l.includes(`"path":"${last}"`), "the last request was logged");

    const requests = server.proc.records().filter((r) => r.msg === "request");
    const forMarker = requests.filter((r) => r.path === marker);
    expect(forMarker).toHaveLength(1);
    expect(forMarker[0]).toMatchObject({ level: "info", method: "GET", path: marker, status: 404 });
    expect(typeof forMarker[0].ms).toBe("number");
    expect(typeof forMarker[0].time).toBe("string");
    // The query string stays out of the log.
    expect(requests.filter((r) => typeof r.path === "string" && r.path.includes("probe"))).toHaveLength(0);
    expect(requests.filter((r) => r.path === last)).toHaveLength(1);
  });
});

describe("configuration", () => {
  it("refuses to start on bad settings, with exactly one clear line per bad value and nothing written", async () => {
    const dir = tempDir();
    const databasePath = path.join(dir, "sub", "app.db");
    const proc = new Proc(process.execPath, [serverEntry], {
      cwd: root,
      env: serverEnv(3000, databasePath, { PORT: "abc", APP_URL: "notaurl", LOG_LEVEL: "loud" }),
    });
    const exit = await proc.exited;
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    const lines = proc.stderr.trim().split("\n");
    for (const name of ["PORT", "APP_URL", "LOG_LEVEL"]) {
      expect(
        lines.filter((l) => l.includes(`${name}:`)),
        proc.output(),
      ).toHaveLength(1);
    }
    expect(proc.stderr).toContain("APP_URL: must be a URL");
    expect(proc.stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
    expect(proc.lines.some((l) => isRecord(l, "server listening"))).toBe(false);
    expect(fs.existsSync(path.dirname(databasePath))).toBe(false);
  });
});

describe("database lifecycle", () => {
  it("migrates a new database on boot, and a second boot changes nothing", async () => {
    // Background jobs off: this is about what booting does.
    const quiet = { EXPIRY_SWEEP_INTERVAL_SECONDS: "0", BALANCE_SYNC_INTERVAL_SECONDS: "0" };
    const first = await boot(quiet);
    expect((await request(`${first.base}/healthz`)).status).toBe(200);
    expect(await stop(first.proc, "SIGINT")).toEqual({ code: 0, signal: null });
    // Closing the last connection checkpoints and removes the WAL: the database was closed cleanly.
    expect(fs.existsSync(`${first.databasePath}-wal`)).toBe(false);

    const afterFirst = snapshot(first.databasePath);
    const journal = JSON.parse(fs.readFileSync(path.join(root, "migrations/meta/_journal.json"), "utf8"));
    const applied = new Database(first.databasePath, { readonly: true });
    expect(applied.prepare("select count(*) as n from __drizzle_migrations").get()).toEqual({
      n: journal.entries.length,
    });
    // WAL is recorded in the file itself; Litestream can only replicate a WAL-mode database.
    expect(applied.pragma("journal_mode", { simple: true })).toBe("wal");
    applied.close();

    const second = await boot(quiet, first.databasePath);
    expect((await request(`${second.base}/healthz`)).status).toBe(200);
    expect(await stop(second.proc, "SIGTERM")).toEqual({ code: 0, signal: null });
    expect(snapshot(first.databasePath)).toBe(afterFirst);
  });

  it("`npm start` runs the production server on the database at DATABASE_PATH", async () => {
    const databasePath = path.join(tempDir(), "npm-start.db");
    const port = await freePort();
    // Its own process group, so the stop signal reaches node under npm whatever npm does with it.
    const proc = new Proc("npm", ["start", "--silent"], {
      cwd: root,
      env: serverEnv(port, databasePath),
      detached: true,
    });
    await proc.waitForLine((l) => isRecord(l, "server listening"), "npm start listened");
    expect((await request(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const db = new Database(databasePath, { readonly: true });
    const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>;
    db.close();
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(["__drizzle_migrations", "users"]));
    const exit = await stop(proc, "SIGTERM");
    // npm re-raises the signal it got on itself; what matters is that the server under it shut down cleanly.
    expect(exit.code === 0 || exit.signal === "SIGTERM", JSON.stringify(exit)).toBe(true);
    expect(proc.lines.some((l) => isRecord(l, "shutting down"))).toBe(true);
    expect(fs.existsSync(`${databasePath}-wal`)).toBe(false);
  });
});

/** A raw connection with a request whose headers are only half sent. */
async function halfSentRequest(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  let answer = "";
  socket.on("data", (d) => (answer += d.toString()));
  const closed = new Promise<string>((resolve) => socket.on("close", () => resolve(answer)));
  socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  return {
    /** Sends the end of the headers; resolves with the whole answer once the server closes the connection. */
    finish: () => {
      socket.write("\r\n");
      return closed;
    },
  };
}

/** Whether a raw HTTP/1.1 answer arrived whole (by Content-Length, or the last chunk). */
function isCompleteHttpAnswer(raw: string): boolean {
  const split = raw.indexOf("\r\n\r\n");
  if (split < 0) return false;
  const head = raw.slice(0, split).toLowerCase();
  const body = raw.slice(split + 4);
  const length = /\r\ncontent-length: (\d+)/.exec(head);
  if (length) return Buffer.byteLength(body) === Number(length[1]);
  return /\r\ntransfer-encoding: chunked/.test(head) && body.endsWith("0\r\n\r\n");
}

function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve("connected");
    });
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? String(e)));
  });
}

describe("graceful shutdown", () => {
  it("on SIGTERM refuses new connections, answers the requests in flight, closes idle keep-alive sockets and exits 0", async () => {
    const { proc, port, base } = await boot();

    // An idle keep-alive connection: its earlier answer is done, it must not hold the shutdown open.
    const idle = net.connect(port, "127.0.0.1");
    const idleClosed = new Promise<void>((resolve) => idle.on("close", () => resolve()));
    const firstAnswer = new Promise<string>((resolve) => idle.once("data", (d) => resolve(d.toString())));
    idle.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n");
    expect(await firstAnswer).toMatch(/^HTTP\/1\.1 200/);

    // Two requests in flight, headers half sent.
    const first = await halfSentRequest(port);
    const second = await halfSentRequest(port);
    // A barrier: both half requests were ready to read before this one was sent, so once this one
    // is answered the server has read and parsed them.
    expect((await request(`${base}/healthz`)).status).toBe(200);

    proc.kill("SIGTERM");
    await proc.waitForLine((l) => isRecord(l, "shutting down"), "the shutdown started");
    await idleClosed;

    // The first request completes. Its "Connection: close" shows the server had already stopped
    // listening when it answered (both happen in close()).
    const answer = await first.finish();
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer.toLowerCase()).toContain("connection: close");
    expect(answer).toContain('{"ok":true,');

    // The second request still holds the process open, yet no new connection gets in.
    expect(await connectOutcome(port)).toBe("ECONNREFUSED");
    expect(proc.exit).toBeNull();

    expect(await second.finish()).toContain('{"ok":true,');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
  }, 45_000);

  it("on SIGTERM lets a request already being handled read the rest of its body and answer, then exits 0", async () => {
    const { proc, port } = await boot();
    // The Stripe webhook reads the whole raw body before anything else, so with half a body sent
    // the request sits inside the app, on a keep-alive connection, when the signal arrives.
    const body = JSON.stringify({ id: "evt_shutdown_test", type: "ping", padding: "x".repeat(64) });
    const socket = net.connect(port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    let answer = "";
    socket.on("data", (d) => (answer += d.toString()));
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.write(
      "POST /api/webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n" +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
        body.slice(0, 20),
    );
    // Barrier, as above: once this is answered the server has read the half request.
    expect((await request(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    proc.kill("SIGTERM");
    await proc.waitForLine((l) => isRecord(l, "shutting down"), "the shutdown started");
    expect(answer).toBe(""); // still waiting for its body

    socket.write(body.slice(20));
    await closed; // the server lets go of the keep-alive socket once it has answered
    // Answered in full (the unsigned event itself is refused).
    expect(answer).toMatch(/^HTTP\/1\.1 \d{3} /);
    expect(isCompleteHttpAnswer(answer), answer).toBe(true);
    expect(await proc.exited).toEqual({ code: 0, signal: null });
  }, 45_000);
});

describe("`npm start` with only the contract's variables", () => {
  it("runs the production build, not the Vite dev server, when NODE_ENV is not set", async () => {
    const env: Record<string, string | undefined> = serverEnv(await freePort(), path.join(tempDir(), "no-node-env.db"));
    delete env.NODE_ENV;
    const port = Number(env.PORT);
    const proc = new Proc(process.execPath, [serverEntry], { cwd: root, env: env as NodeJS.ProcessEnv });
    await proc.waitForLine((l) => isRecord(l, "server listening"), "the server listened");
    // The Vite dev server answers its client script; the production server has no such file.
    expect((await request(`http://127.0.0.1:${port}/@vite/client`)).status).toBe(404);
    const page = await request(`http://127.0.0.1:${port}/login`);
    expect(page.status).toBe(200);
    expect(page.body.toString()).not.toContain("/@vite/client");
    expect(await stop(proc)).toEqual({ code: 0, signal: null });
  });
});

describe("with a real Stripe key", () => {
  it("never starts the offline Stripe, seeds no demo data, and refuses events signed with the offline secret", async () => {
    const server = await boot({
      DEMO: "",
      STRIPE_SECRET_KEY: "sk_test_not_a_real_key",
      STRIPE_WEBHOOK_SECRET: "whsec_real_endpoint_secret",
      SESSION_SECRET: "a-real-deployment-session-secret-0123456789",
      // Required in production without DEMO=1; nothing is mailed here.
      SMTP_URL: "smtp://127.0.0.1:9",
    });
    suiteServers.add(server.proc);
    try {
      expect((await request(`${server.base}/healthz`)).status).toBe(200);
      // The offline Stripe's hosted pages are not mounted.
      expect((await request(`${server.base}/_offline-stripe/checkout/cs_test_x`)).status).toBe(404);
      // Real payments: no demo banner.
      expect((await request(`${server.base}/login`)).body.toString()).not.toContain(DEMO_BANNER_TEXT);

      const payload = JSON.stringify({
        id: "evt_offline_forged",
        object: "event",
        type: "checkout.session.completed",
        data: { object: {} },
      });
      const forged = await fetch(`${server.base}/api/webhooks/stripe`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret: newWebhookSecret() }),
        },
        body: payload,
      });
      expect(forged.status).toBe(400);

      const db = new Database(server.databasePath, { readonly: true });
      try {
        expect(db.prepare("select count(*) as n from users").get()).toEqual({ n: 0 });
        expect(db.prepare("select count(*) as n from subscription_plans").get()).toEqual({ n: 0 });
        expect(db.prepare("select count(*) as n from stripe_events").get()).toEqual({ n: 0 });
      } finally {
        db.close();
      }
    } finally {
      expect(await stop(server.proc)).toEqual({ code: 0, signal: null });
    }
  });
});

/** POST with a raw body on its own connection; resolves with the status and the body as text. */
function post(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers, agent: false }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Resident memory of a process in bytes, from /proc (Linux). */
function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/**
 * A chunked POST of up to `total` bytes to the webhook on a raw connection, writing the framing
 * itself with backpressure, for as long as the server reads it.
 */
async function chunkedUpload(
  port: number,
  total: number,
): Promise<{ status: number; sentWhenAnswered: number; sent: number }> {
  const chunk = Buffer.alloc(64 * 1024, "a");
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  let sent = 0;
  let sentWhenAnswered = -1;
  let answer = "";
  socket.on("data", (d: Buffer) => {
    if (sentWhenAnswered < 0) sentWhenAnswered = sent;
    answer += d.toString();
  });
  socket.write(
    "POST /api/webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
  );
  const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]);
  while (sent < total && !socket.destroyed) {
    sent += chunk.length;
    if (!socket.write(frame))
      await Promise.race([new Promise<void>((resolve) => socket.once("drain", () => resolve())), closed]);
  }
  if (!socket.destroyed) socket.end("0\r\n\r\n");
  await closed;
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]), sentWhenAnswered, sent };
}

describe("production without a safe configuration", () => {
  it("refuses to start without Stripe keys, SMTP and a session secret, one message per problem, and writes nothing", async () => {
    const databasePath = path.join(tempDir(), "sub", "app.db");
    const proc = new Proc(process.execPath, [serverEntry], {
      cwd: root,
      env: serverEnv(await freePort(), databasePath, { DEMO: "", SESSION_SECRET: "" }),
    });
    const exit = await proc.exited;
    expect(exit.code, proc.output()).toBe(1);
    const lines = proc.stderr
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("  - "));
    expect(lines, proc.stderr).toHaveLength(4);
    for (const name of ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "SMTP_URL", "SESSION_SECRET"]) {
      expect(
        lines.filter((l) => l.includes(`${name}:`)),
        proc.stderr,
      ).toHaveLength(1);
    }
    expect(proc.stderr).not.toMatch(/^\s+at /m);
    expect(fs.existsSync(path.dirname(databasePath))).toBe(false);
  });

  it("refuses a short session secret even with real Stripe keys", async () => {
    const proc = new Proc(process.execPath, [serverEntry], {
      cwd: root,
      env: serverEnv(await freePort(), path.join(tempDir(), "app.db"), {
        DEMO: "",
        STRIPE_SECRET_KEY: "sk_test_x",
        STRIPE_WEBHOOK_SECRET: "whsec_x",
        SESSION_SECRET: "only-twenty-chars-xx",
      }),
    });
    expect((await proc.exited).code).toBe(1);
    expect(proc.stderr).toMatch(/SESSION_SECRET: .*32 characters/);
  });

  it("refuses DEMO=1 with a real Stripe key", async () => {
    const proc = new Proc(process.execPath, [serverEntry], {
      cwd: root,
      env: serverEnv(await freePort(), path.join(tempDir(), "app.db"), {
        STRIPE_SECRET_KEY: "sk_live_x",
        STRIPE_WEBHOOK_SECRET: "whsec_x",
      }),
    });
    expect((await proc.exited).code).toBe(1);
    expect(proc.stderr).toContain("DEMO:");
  });

  it("the CLI refuses the same unsafe production configuration", () => {
    const r = spawnSync("npm", ["run", "--silent", "credits", "--", "help"], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: "production",
        DATABASE_PATH: path.join(tempDir(), "cli.db"),
      },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain("STRIPE_SECRET_KEY:");
    expect(r.stderr).toContain("SESSION_SECRET:");
  });
});

describe("the edges of the running production server (DEMO=1)", () => {
  let server: Booted;

  beforeAll(async () => {
    server = await boot({ APP_URL: "http://credits.example.test" });
    suiteServers.add(server.proc);
  });

  afterAll(async () => {
    if (server) expect(await stop(server.proc)).toEqual({ code: 0, signal: null });
  });

  it("shows the demo banner on every page while the offline Stripe is in use", async () => {
    for (const p of ["/", "/login", "/signup", "/no-such-page"]) {
      expect((await request(`${server.base}${p}`)).body.toString(), p).toContain(DEMO_BANNER_TEXT);
    }
  });

  it("announces its HTTP timeouts: headers within 20 s, the whole request within 30 s", () => {
    const listening = server.proc.records().find((r) => r.msg === "server listening")!;
    expect(listening.headersTimeoutMs).toBeLessThanOrEqual(20_000);
    expect(listening.requestTimeoutMs).toBeLessThanOrEqual(30_000);
    expect(listening.headersTimeoutMs).toBeGreaterThan(0);
  });

  it("never redirects a login to another site: /login?redirectTo=%2F%09%2Fevil.example lands on this one", async () => {
    const form = new URLSearchParams({
      email: DEMO_LOGINS.customer.email,
      password: DEMO_LOGINS.customer.password,
      redirectTo: "/\t/evil.example",
    });
    const res = await post(`${server.base}/login?redirectTo=%2F%09%2Fevil.example`, form.toString(), {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(res.status).toBe(302);
    expect(new URL(res.headers.location!, "http://credits.example.test").origin).toBe("http://credits.example.test");
    expect(res.headers.location).toBe("/credits");

    // A logged-in visitor sent to /login with such a redirectTo is sent home, not away.
    const cookie = String(res.headers["set-cookie"]).split(";")[0];
    for (const bad of [
      "%2F%09%2Fevil.example",
      "%2F%5Cevil.example",
      "https%3A%2F%2Fevil.example",
      "%2F%2Fevil.example",
    ]) {
      const again = await request(`${server.base}/login?redirectTo=${bad}`, { cookie });
      expect(again.status, bad).toBe(302);
      expect(again.headers.location, bad).toBe("/credits");
    }
  });

  it("answers a form route given JSON or another non-form body with 415, never 500", async () => {
    const json = await post(`${server.base}/login`, JSON.stringify({ email: "a@b.c", password: "x" }), {
      "content-type": "application/json",
    });
    expect(json.status).toBe(415);
    const garbage = await post(`${server.base}/signup`, "--x\r\nnot multipart", {
      "content-type": "multipart/form-data; boundary=y",
    });
    expect(garbage.status).toBe(415);
    const untyped = await post(`${server.base}/login`, "email=a", {});
    expect(untyped.status).toBe(415);
  });

  it("refuses a declared body over 1 MiB on every route with 413 before reading it", async () => {
    for (const p of ["/login", "/signup", "/api/webhooks/stripe", "/api/admin/subscription-plans"]) {
      // Only the headers are sent: the answer must not wait for the body.
      const socket = net.connect(server.port, "127.0.0.1");
      socket.on("error", () => {});
      let answer = "";
      const answered = new Promise<void>((resolve) => {
        socket.on("data", (d) => {
          answer += d.toString();
          if (answer.includes("payload_too_large")) resolve();
        });
        socket.on("close", () => resolve());
      });
      socket.write(
        `POST ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${1024 * 1024 + 1}\r\n\r\n`,
      );
      await answered;
      socket.destroy();
      expect(answer, p).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer, p).toContain('"code":"payload_too_large"');
    }
  });

  it("refuses a chunked 64 MiB webhook body with 413 as soon as it passes 1 MiB, and its memory does not grow", async () => {
    const pid = server.proc.child.pid!;
    // Warm up first (route modules, buffers), so the baseline is the steady state.
    await chunkedUpload(server.port, 4 * 1024 * 1024);
    const baseline = rssBytes(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 20);
    const total = 64 * 1024 * 1024;
    try {
      const result = await chunkedUpload(server.port, total);
      expect(result.status).toBe(413);
      // Answered as soon as the body passed 1 MiB, and the connection closed soon after: the rest is never read.
      expect(result.sentWhenAnswered).toBeGreaterThan(1024 * 1024);
      expect(result.sentWhenAnswered).toBeLessThan(16 * 1024 * 1024);
      expect(result.sent).toBeLessThan(total);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, rssBytes(pid));
    expect(peak - baseline, `RSS ${baseline} → ${peak}`).toBeLessThan(16 * 1024 * 1024);
    // The server is still fine.
    expect((await request(`${server.base}/healthz`)).status).toBe(200);
  }, 60_000);

  it("counts the client IP from the socket when no proxy is trusted, whatever the headers say", async () => {
    const res = await post(
      `${server.base}/login`,
      new URLSearchParams({ email: "nobody-ip-check@example.com", password: "wrong password" }).toString(),
      {
        "content-type": "application/x-www-form-urlencoded",
        "x-forwarded-for": "203.0.113.9",
        "fly-client-ip": "198.51.100.7",
      },
    );
    expect(res.status).toBe(401);
    const db = new Database(server.databasePath, { readonly: true });
    try {
      const keys = (
        db.prepare("select key from login_throttle where key like 'ip:%'").all() as Array<{ key: string }>
      ).map((r) => r.key);
      expect(keys).toEqual(["ip:127.0.0.1"]);
    } finally {
      db.close();
    }
  });

  it("runs scripts only under a per-request nonce: no 'unsafe-inline' in script-src", async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const page = await request(`${server.base}/login`);
      const csp = String(page.headers["content-security-policy"]);
      const scriptSrc = /script-src ([^;]*)/.exec(csp)![1];
      expect(scriptSrc).not.toContain("'unsafe-inline'");
      const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(scriptSrc)?.[1];
      expect(nonce, csp).toBeTruthy();
      nonces.add(nonce!);
      const html = page.body.toString();
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      expect(scripts.length).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag, tag).toContain(`nonce="${nonce}"`);
    }
    expect(nonces.size).toBe(2);
  });
});

describe("trusted proxies", () => {
  for (const [trust, expected] of [
    ["fly", "198.51.100.7"],
    ["1", "203.0.113.9"],
  ] as const) {
    it(`with TRUST_PROXY=${trust} counts the address that proxy reports`, async () => {
      const server = await boot({
        TRUST_PROXY: trust,
        EXPIRY_SWEEP_INTERVAL_SECONDS: "0",
        BALANCE_SYNC_INTERVAL_SECONDS: "0",
      });
      const res = await post(
        `${server.base}/login`,
        new URLSearchParams({ email: "nobody-proxy@example.com", password: "wrong password" }).toString(),
        {
          "content-type": "application/x-www-form-urlencoded",
          "x-forwarded-for": "192.0.2.1, 203.0.113.9",
          "fly-client-ip": "198.51.100.7",
        },
      );
      expect(res.status).toBe(401);
      const db = new Database(server.databasePath, { readonly: true });
      try {
        expect(db.prepare("select key from login_throttle where key like 'ip:%'").all()).toEqual([
          { key: `ip:${expected}` },
        ]);
      } finally {
        db.close();
      }
      expect(await stop(server.proc)).toEqual({ code: 0, signal: null });
    }, 45_000);
  }
});

describe("slow clients", () => {
  it("answers 408 to a body trickled slower than the request timeout", async () => {
    const { port } = await boot({ HTTP_REQUEST_TIMEOUT_SECONDS: "2" });
    const socket = net.connect(port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    let answer = "";
    socket.on("data", (d) => (answer += d.toString()));
    socket.on("error", () => {});
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.write(
      "POST /api/webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
    );
    const startedMs = Date.now();
    // One byte every 200 ms, for at most 15 s: far slower than the 2 s allowed.
    while (!socket.destroyed && !answer && Date.now() - startedMs < 15_000) {
      socket.write(" ");
      await new Promise((r) => setTimeout(r, 200));
    }
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - startedMs).toBeLessThan(10_000);
  }, 45_000);

  it("on SIGTERM closes connections that sent nothing or half a request line, exits 0 within 10 s and closes the database", async () => {
    const { proc, port, base, databasePath } = await boot({
      EXPIRY_SWEEP_INTERVAL_SECONDS: "0",
      BALANCE_SYNC_INTERVAL_SECONDS: "0",
    });
    const silent = net.connect(port, "127.0.0.1");
    const partial = net.connect(port, "127.0.0.1");
    for (const s of [silent, partial]) {
      s.on("error", () => {});
      await new Promise<void>((resolve) => s.once("connect", () => resolve()));
    }
    partial.write("GET /heal");
    // Barrier: both connections were accepted (and the partial line read) before this answer.
    expect((await request(`${base}/healthz`)).status).toBe(200);
    const startedMs = Date.now();
    proc.kill("SIGTERM");
    const exit = await proc.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - startedMs).toBeLessThan(10_000);
    expect(proc.lines.some((l) => l.includes("shutdown timed out"))).toBe(false);
    // Closing the last connection checkpoints and removes the WAL: the database was closed.
    expect(fs.existsSync(`${databasePath}-wal`)).toBe(false);
    silent.destroy();
    partial.destroy();
  }, 45_000);
});
