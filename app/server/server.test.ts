// Runs the real production bundle (build/node/server.js) as a child process, the way `npm start`
// and scripts/start.sh do, and checks what operations depend on: health, headers, compression,
// request logs, configuration errors, migrations on boot and a graceful stop.
import Database from "better-sqlite3";
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
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
import { newWebhookSecret } from "../billing/offline/store";

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
    ...overrides,
  };
}

async function boot(overrides: Record<string, string> = {}, databasePath = path.join(tempDir(), "app.db")): Promise<Booted> {
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
    expect(JSON.parse(res.body.toString())).toEqual({ ok: true });
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
      expect(lines.filter((l) => l.includes(`${name}:`)), proc.output()).toHaveLength(1);
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
    expect(answer).toContain('{"ok":true}');

    // The second request still holds the process open, yet no new connection gets in.
    expect(await connectOutcome(port)).toBe("ECONNREFUSED");
    expect(proc.exit).toBeNull();

    expect(await second.finish()).toContain('{"ok":true}');
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
      STRIPE_SECRET_KEY: "sk_test_not_a_real_key",
      STRIPE_WEBHOOK_SECRET: "whsec_real_endpoint_secret",
      SESSION_SECRET: "a-real-deployment-session-secret",
    });
    suiteServers.add(server.proc);
    try {
      expect((await request(`${server.base}/healthz`)).status).toBe(200);
      // The offline Stripe's hosted pages are not mounted.
      expect((await request(`${server.base}/_offline-stripe/checkout/cs_test_x`)).status).toBe(404);

      const payload = JSON.stringify({ id: "evt_offline_forged", object: "event", type: "checkout.session.completed", data: { object: {} } });
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
