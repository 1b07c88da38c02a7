// A sick disk, against the production bundle (build/node/server.js) run as a child process: a real
// tmpfs filled until SQLite gets SQLITE_FULL, remounted read-only, and real database files with a
// damaged page or migrated by a newer build. Mounting needs root (or CAP_SYS_ADMIN); where the
// machine does not allow it, those tests are skipped and their names say why.
import Database from "better-sqlite3";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../../db/client";
import { defaultMigrationsFolder, migrateDatabase } from "../../db/migrate";
import { ensureBuild, freePort, repoRoot } from "../../test/server-process";
import { createApiKey } from "../auth/api-keys.server";
import { createUser } from "../auth/users.server";
import { grantCredits } from "../credits/index.server";
import { systemClock } from "../utils/clock";

const serverEntry = path.join(repoRoot, "build/node/server.js");
const WEBHOOK_SECRET = "whsec_storage_test_endpoint_secret";
const STORAGE_LOG = "storage unavailable: a database write failed";

// ---------------------------------------------------------------------------------------------
// tmpfs

/** Why a tmpfs cannot be mounted here (null when it can): tried once, on a 1 MiB tmpfs. */
function mountProblem(): string | null {
  if (process.platform !== "linux") return `tmpfs mounts need Linux (this is ${process.platform})`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "storage-mount-probe-"));
  try {
    const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir], { encoding: "utf8" });
    if (r.status !== 0) {
      return `cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): ${(r.stderr || String(r.error)).trim()}`;
    }
    spawnSync("umount", [dir]);
    return null;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const noTmpfs = mountProblem();

const mounts: string[] = [];
function mountTmpfs(sizeBytes: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "storage-tmpfs-"));
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${sizeBytes}`, "tmpfs", dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`mount failed: ${r.stderr}`);
  mounts.push(dir);
  return dir;
}
function remount(dir: string, mode: "ro" | "rw"): void {
  const r = spawnSync("mount", ["-o", `remount,${mode}`, dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`remount ${mode} failed: ${r.stderr}`);
}

/** Fills the file system under `dir` with `pieces` files of `pieceBytes`, then one more until ENOSPC. */
function fillDisk(dir: string, pieceBytes = 256 * 1024): string[] {
  const files: string[] = [];
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  for (let n = 0; ; n++) {
    const file = path.join(dir, `fill-${n}`);
    files.push(file);
    const fd = fs.openSync(file, "w");
    try {
      for (let written = 0; written < pieceBytes; written += chunk.length) fs.writeSync(fd, chunk);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOSPC") {
        // The last partial pages: keep writing smaller pieces until not one byte fits.
        for (const size of [4096, 512, 1]) {
          try {
            for (;;) fs.writeSync(fd, chunk, 0, size);
          } catch (inner) {
            if ((inner as NodeJS.ErrnoException).code !== "ENOSPC") throw inner;
          }
        }
        return files;
      }
      throw e;
    } finally {
      fs.closeSync(fd);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The server process

type Exit = { code: number | null; signal: NodeJS.Signals | null };

class ServerProcess {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<Exit>;
  exit: Exit | null = null;
  constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [serverEntry], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    running.add(this);
    this.child.stdout!.on("data", (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) =>
      this.child.on("close", (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        resolve(this.exit);
      }),
    );
  }
  /** JSON log records from stdout and stderr. */
  records(): Array<Record<string, unknown>> {
    return `${this.stdout}\n${this.stderr}`.split("\n").flatMap((l) => {
      try {
        const v = JSON.parse(l);
        return v && typeof v === "object" ? [v as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
  }
  output(): string {
    return `--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`;
  }
}
const running = new Set<ServerProcess>();

function serverEnv(port: number, databasePath: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? os.tmpdir(),
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(port),
    DATABASE_PATH: databasePath,
    LOG_LEVEL: "info",
    // A real deployment's settings (never called here), so neither the offline Stripe nor demo data run.
    STRIPE_SECRET_KEY: "sk_test_storage_test_not_a_real_key",
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    // Nothing listens there and nothing is mailed in these tests; production refuses to start without SMTP.
    SMTP_URL: "smtp://127.0.0.1:9",
    SESSION_SECRET: "storage-test-session-secret-0123456789abcdef",
  };
}

/** Polls `condition` every 100 ms until it holds or `ms` pass (then fails with `what`). */
async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadlineMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function boot(databasePath: string): Promise<{ proc: ServerProcess; base: string }> {
  const port = await freePort();
  const proc = new ServerProcess(serverEnv(port, databasePath));
  await until(
    "the server to listen",
    () => {
      if (proc.exit) throw new Error(`the server exited ${JSON.stringify(proc.exit)}\n${proc.output()}`);
      return proc.records().some((r) => r.msg === "server listening");
    },
    30_000,
  );
  return { proc, base: `http://127.0.0.1:${port}` };
}

/** Boots on a database the server must refuse: returns how it exited and what it said. */
async function bootRefused(databasePath: string): Promise<{ exit: Exit; stderr: string; output: string }> {
  const proc = new ServerProcess(serverEnv(await freePort(), databasePath));
  const timer = setTimeout(() => proc.child.kill("SIGKILL"), 30_000);
  const exit = await proc.exited;
  clearTimeout(timer);
  return { exit, stderr: proc.stderr, output: proc.output() };
}

function expectRefusal(r: { exit: Exit; stderr: string; output: string }, databasePath: string, says: RegExp): void {
  expect(r.exit.code, r.output).not.toBe(0);
  expect(r.exit.code, r.output).not.toBeNull();
  expect(r.output).not.toContain("server listening");
  expect(r.stderr).toContain(databasePath);
  expect(r.stderr).toMatch(says);
  // One sentence, not a crash dump.
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
}

beforeAll(ensureBuild, 300_000);

afterEach(async () => {
  await Promise.all(
    [...running].map((p) => {
      p.child.kill("SIGKILL");
      return p.exited;
    }),
  );
});

afterAll(() => {
  for (const dir of mounts.splice(0)) {
    spawnSync("umount", [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** A migrated database with a customer holding credits and a usage API key. */
function prepareDatabase(databasePath: string): { userId: number; key: string } {
  migrateDatabase(databasePath);
  const db = openDatabase(databasePath);
  try {
    const ctx = { db, clock: systemClock };
    const userId = createUser(ctx, { email: "disk@example.com" }).id;
    grantCredits(ctx, { userId, type: "topup", amount: 1_000_000, source: "admin" });
    return { userId, key: createApiKey(ctx, { name: "disk", scope: "usage" }).key };
  } finally {
    closeDatabase(db);
  }
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}
async function send(url: string, init: RequestInit): Promise<Answer> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const tmpfsDescribe = noTmpfs ? describe.skip : describe;

tmpfsDescribe(noTmpfs ? `on a real tmpfs — SKIPPED: ${noTmpfs}` : "on a real tmpfs", () => {
  it(
    "a full disk: writes answer 503 storage_unavailable with Retry-After, pages say so, healthz answers 503, " +
      "the log stays short, and writes come back without a restart once space is freed",
    async () => {
      const dir = mountTmpfs(24 * 1024 * 1024);
      const databasePath = path.join(dir, "app.db");
      const { userId, key } = prepareDatabase(databasePath);
      const { proc, base } = await boot(databasePath);
      const deduct = (metadata: Record<string, unknown> = {}) =>
        send(`${base}/api/v1/users/${userId}/deductions`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ amount: 1, metadata }),
        });
      expect((await send(`${base}/healthz`, {})).status).toBe(200);

      // A WAL grown big before the disk fills (a busy day): each deduction carries 60 KB of metadata,
      // written while a reader holds a snapshot, so no checkpoint can restart the WAL meanwhile
      // (the background checkpointer otherwise may, on a machine slow enough to let it catch up).
      const reader = new Database(databasePath);
      reader.prepare("BEGIN").run();
      reader.prepare("SELECT count(*) FROM users").get();
      for (let i = 0; i < 30; i++) expect((await deduct({ blob: "x".repeat(60_000) })).status).toBe(201);
      reader.prepare("COMMIT").run();
      reader.close();
      const walPath = `${databasePath}-wal`;
      const walBefore = fs.statSync(walPath).size;
      expect(walBefore).toBeGreaterThan(1024 * 1024);

      const fullSinceMs = Date.now();
      const fill = fillDisk(dir);
      // Writes fail as soon as the WAL must grow; every answer is a 201 or the 503, never a 500.
      let failed: Answer | undefined;
      for (let i = 0; i < 200 && !failed; i++) {
        const answer = await deduct();
        if (answer.status !== 201) failed = answer;
      }
      expect(failed, "no write failed on a full disk").toBeDefined();
      expect(failed!.status, failed!.text).toBe(503);
      expect(JSON.parse(failed!.text).error.code).toBe("storage_unavailable");
      expect(failed!.headers.get("retry-after")).toMatch(/^[1-9][0-9]*$/);

      // Many more attempts, as a busy API would make. A small write can still fit now and then (a
      // failed WAL append left allocated space behind), so each answer is a 201 or the 503.
      const statuses = new Set<number>();
      for (let i = 0; i < 100; i++) statuses.add((await deduct()).status);
      expect([...statuses].filter((s) => s !== 201 && s !== 503)).toEqual([]);
      expect(statuses.has(503)).toBe(true);

      // A Stripe webhook gets a 5xx, so Stripe retries it later.
      const webhookOnce = async (n: number) => {
        const payload = JSON.stringify({
          id: `evt_storage_full_${n}`,
          object: "event",
          type: "balance.available",
          created: Math.floor(Date.now() / 1000),
          data: { object: { object: "balance" } },
        });
        return send(`${base}/api/webhooks/stripe`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }),
          },
          body: payload,
        });
      };
      let webhook = await webhookOnce(0);
      for (let n = 1; n < 20 && webhook.status === 200; n++) webhook = await webhookOnce(n);
      expect(webhook.status, webhook.text).toBe(503);
      expect(JSON.parse(webhook.text).error.code).toBe("storage_unavailable");

      // A page that writes (sign-up) shows a clear message, not a stack.
      const signupOnce = (n: number) =>
        send(`${base}/signup`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", origin: base },
          body: new URLSearchParams({
            email: `new${n}@example.com`,
            name: "New",
            password: "a-long-enough-password",
          }).toString(),
          redirect: "manual",
        });
      let signup = await signupOnce(0);
      for (let n = 1; n < 20 && signup.status === 302; n++) signup = await signupOnce(n);
      expect(signup.status, `${signup.text.slice(0, 3000)}\n${proc.stderr.slice(-3000)}`).toBe(503);
      expect(signup.text).toContain("cannot save data right now (the disk is full)");
      expect(signup.text).not.toMatch(/SqliteError|\n\s+at /);

      // Health says so (the probe is cached: it may take one probe interval).
      await until("healthz to answer 503", async () => (await send(`${base}/healthz`, {})).status === 503);
      const health = await send(`${base}/healthz`, {});
      expect(JSON.parse(health.text).error.code).toBe("storage_unavailable");

      // Logged at most once per 10 s with a count, without stacks: a failure is news again only after
      // 10 s or after writes worked in between, however slow this machine is. The server's bundle and
      // the Remix build each keep their own limiter (the API and the webhook route), hence twice.
      const logged = proc.records().filter((r) => r.msg === STORAGE_LOG);
      const recoveries = proc.records().filter((r) => r.msg === "storage recovered: database writes work again");
      expect(logged.length).toBeGreaterThanOrEqual(1);
      expect(logged.length).toBeLessThanOrEqual(
        2 * (1 + recoveries.length + Math.floor((Date.now() - fullSinceMs) / 10_000)),
      );
      expect(logged[0]).toMatchObject({ code: "SQLITE_FULL", problem: "full" });
      expect(proc.stderr).not.toMatch(/\n\s+at /);
      expect(proc.stderr.length).toBeLessThan(20_000);

      // Space comes back: writes and health return without a restart, and the checkpoint retried
      // on a timer copies the WAL that could not be checkpointed on the full disk into the
      // database and truncates it.
      for (const file of fill) fs.rmSync(file);
      await until("healthz to answer 200 again", async () => (await send(`${base}/healthz`, {})).status === 200);
      const after = await deduct();
      expect(after.status, after.text).toBe(201);
      await until("the WAL to be checkpointed and truncated", () => fs.statSync(walPath).size < walBefore);
      expect(proc.records().some((r) => r.msg === "storage recovered: WAL checkpointed and truncated")).toBe(true);
      expect(proc.records().some((r) => r.msg === "storage recovered: database writes work again")).toBe(true);
      expect(proc.exit).toBeNull();

      // Every 201 was kept and no failed write left anything behind.
      proc.child.kill("SIGTERM");
      expect(await proc.exited).toEqual({ code: 0, signal: null });
      const db = new Database(databasePath, { readonly: true });
      try {
        const { n } = db.prepare("select count(*) as n from credit_ledger where amount < 0").get() as { n: number };
        const { balance } = db.prepare("select credit_balance as balance from users where id = ?").get(userId) as {
          balance: number;
        };
        expect(balance).toBe(1_000_000 - n);
      } finally {
        db.close();
      }
    },
    120_000,
  );

  it("a full disk under the log file: the server keeps answering, drops log lines and says how many once it can", async () => {
    const logDir = mountTmpfs(1024 * 1024);
    const logPath = path.join(logDir, "server.log");
    const databasePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "storage-log-")), "app.db");
    const { userId, key } = prepareDatabase(databasePath);
    const port = await freePort();
    const logFd = fs.openSync(logPath, "a");
    const child = spawn(process.execPath, [serverEntry], {
      cwd: repoRoot,
      env: serverEnv(port, databasePath),
      stdio: ["ignore", logFd, "pipe"],
    });
    fs.closeSync(logFd);
    let exit: Exit | null = null;
    const exited = new Promise<Exit>((resolve) =>
      child.on("close", (code, signal) => resolve((exit = { code, signal }))),
    );
    const base = `http://127.0.0.1:${port}`;
    const deduct = () =>
      send(`${base}/api/v1/users/${userId}/deductions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ amount: 1 }),
      });
    try {
      await until("the server to listen", () => {
        if (exit) throw new Error(`the server exited ${JSON.stringify(exit)}`);
        return fs.readFileSync(logPath, "utf8").includes('"server listening"');
      });
      const fill = fillDisk(logDir);
      // Every request logs a line to the full disk; every one is still answered.
      for (let i = 0; i < 50; i++) expect((await deduct()).status).toBe(201);
      expect((await send(`${base}/healthz`, {})).status).toBe(200);
      expect(exit).toBeNull();

      for (const file of fill) fs.rmSync(file);
      await until("the log to say how many lines it dropped", async () => {
        expect((await deduct()).status).toBe(201);
        return fs.readFileSync(logPath, "utf8").includes("log lines dropped");
      });
      const dropped = fs
        .readFileSync(logPath, "utf8")
        .split("\n")
        .filter((l) => l.includes("log lines dropped"))
        .map((l) => JSON.parse(l) as { dropped: number }); // a line cut off by the full disk is ended before it
      expect(dropped).toHaveLength(1);
      expect(dropped[0].dropped).toBeGreaterThan(0);
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
  }, 60_000);

  it("booting on a full disk exits non-zero with a message that says the disk is full and names the path", async () => {
    const dir = mountTmpfs(4 * 1024 * 1024);
    const databasePath = path.join(dir, "app.db");
    prepareDatabase(databasePath);
    fillDisk(dir);
    expectRefusal(await bootRefused(databasePath), databasePath, /disk holding the database .* is full/);
  }, 60_000);

  it("booting on a read-only disk exits non-zero with a message that says it is read-only and names the path", async () => {
    const dir = mountTmpfs(4 * 1024 * 1024);
    const databasePath = path.join(dir, "app.db");
    prepareDatabase(databasePath);
    remount(dir, "ro");
    try {
      expectRefusal(await bootRefused(databasePath), databasePath, /read-only/);
    } finally {
      remount(dir, "rw");
    }
  }, 60_000);
});

describe("booting on a database this build must not use", () => {
  const tempDirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "storage-boot-"));
    tempDirs.push(dir);
    return dir;
  };
  afterAll(() => tempDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it("refuses a database with a damaged page, naming the path and SQLite's words, and leaves it as it was", async () => {
    const databasePath = path.join(tempDir(), "damaged.db");
    prepareDatabase(databasePath);
    const db = new Database(databasePath);
    const { rootpage } = db.prepare("select rootpage from sqlite_master where name = 'credit_ledger'").get() as {
      rootpage: number;
    };
    const pageSize = Number(db.pragma("page_size", { simple: true }));
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.close();
    const fd = fs.openSync(databasePath, "r+");
    fs.writeSync(fd, Buffer.from([0x6f, 0x6f, 0x6f, 0x6f]), 0, 4, (rootpage - 1) * pageSize);
    fs.closeSync(fd);
    const before = fs.readFileSync(databasePath);

    const r = await bootRefused(databasePath);
    expectRefusal(
      r,
      databasePath,
      /is damaged.*(quick_check says: .*page|SQLITE_CORRUPT: database disk image is malformed)/,
    );
    expect(r.stderr).toMatch(/litestream restore|README/);
    expect(fs.readFileSync(databasePath).equals(before)).toBe(true);
  }, 60_000);

  it("refuses a database migrated by a newer build, naming both versions, and leaves it as it was", async () => {
    const dir = tempDir();
    const newer = path.join(dir, "migrations");
    fs.cpSync(defaultMigrationsFolder(), newer, { recursive: true });
    const journalPath = path.join(newer, "meta", "_journal.json");
    const journal = JSON.parse(fs.readFileSync(journalPath, "utf8"));
    const last = journal.entries.at(-1);
    const newerWhen = last.when + 86_400_000;
    journal.entries.push({ ...last, idx: last.idx + 1, when: newerWhen, tag: "9999_rename_name" });
    fs.writeFileSync(journalPath, JSON.stringify(journal));
    fs.writeFileSync(
      path.join(newer, "9999_rename_name.sql"),
      "ALTER TABLE `users` RENAME COLUMN `name` TO `display_name`;",
    );
    const databasePath = path.join(dir, "newer.db");
    migrateDatabase(databasePath, newer);
    const before = fs.readFileSync(databasePath);

    const r = await bootRefused(databasePath);
    expectRefusal(r, databasePath, /migrated by a newer build/);
    expect(r.stderr).toContain(new Date(newerWhen).toISOString());
    expect(r.stderr).toContain(`this build's newest migration is ${last.tag}`);
    expect(fs.readFileSync(databasePath).equals(before)).toBe(true);
  }, 60_000);
});
