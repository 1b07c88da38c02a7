// LiteFS mode's routing, with a simulated LiteFS directory (LiteFS itself needs FUSE): a `.primary`
// file makes this machine a replica, and `<db>-pos` is the replication position.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";
import { ensureBuild, freePort, repoRoot } from "../../test/server-process";
import { createUser } from "../auth/users.server";
import { systemClock } from "../utils/clock";
import { liteFsConfig, withLiteFs, type LiteFsConfig } from "./litefs";

const servers: Server[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function liteFsDir(opts: { primary?: string; pos?: number } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "credits-litefs-"));
  dirs.push(dir);
  if (opts.primary) fs.writeFileSync(path.join(dir, ".primary"), `${opts.primary}\n`);
  const setPos = (n: number) =>
    fs.writeFileSync(path.join(dir, "app.db-pos"), `${n.toString(16).padStart(16, "0")}/a1b2c3d4e5f60718\n`);
  if (opts.pos !== undefined) setPos(opts.pos);
  const config: LiteFsConfig = { dir, databaseFilename: "app.db", hostname: "machine-here", txWaitMs: 300, pollMs: 10 };
  return { dir, config, setPos };
}

/** A server whose app answers 200 "handled <method>" and counts the requests it saw. */
async function serve(config: LiteFsConfig) {
  const seen: string[] = [];
  const handler = withLiteFs(
    (req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`handled ${req.method}`);
    },
    { https: false, config },
  );
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, seen };
}

describe("LiteFS mode", () => {
  it("is off without LITEFS_DIR, and takes the database file name and wait from the environment", () => {
    expect(liteFsConfig({})).toBeNull();
    expect(
      liteFsConfig({
        LITEFS_DIR: "/litefs",
        DATABASE_PATH: "/litefs/app.db",
        HOSTNAME: "m1",
        LITEFS_TXID_WAIT_MS: "800",
      }),
    ).toMatchObject({ dir: "/litefs", databaseFilename: "app.db", hostname: "m1", txWaitMs: 800 });
  });

  it("on a replica, answers page and API writes with fly-replay to the primary without running them", async () => {
    const { config } = liteFsDir({ primary: "primary-machine", pos: 5 });
    const { base, seen } = await serve(config);
    for (const [url, body] of [
      ["/login", "email=a%40example.com"],
      ["/api/v1/users/1/deductions", JSON.stringify({ amount: 1 })],
    ]) {
      const res = await fetch(base + url, { method: "POST", body });
      expect(res.status).toBe(409);
      expect(res.headers.get("fly-replay")).toBe("instance=primary-machine");
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("replayed_to_primary");
    }
    for (const method of ["PUT", "PATCH", "DELETE"]) {
      expect((await fetch(`${base}/api/v1/grants/1`, { method })).headers.get("fly-replay")).toBe(
        "instance=primary-machine",
      );
    }
    expect(seen).toEqual([]);
  });

  it("on a replica, serves reads locally", async () => {
    const { config } = liteFsDir({ primary: "primary-machine", pos: 5 });
    const { base, seen } = await serve(config);
    const res = await fetch(`${base}/api/v1/users/1/balance`);
    expect(res.status).toBe(200);
    expect(res.headers.get("fly-replay")).toBeNull();
    expect(seen).toEqual(["GET /api/v1/users/1/balance"]);
  });

  it("on the primary (no .primary file, or one naming this machine), runs writes and sets the txnum cookie after them", async () => {
    for (const primary of [undefined, "machine-here"]) {
      const { config } = liteFsDir({ primary, pos: 0x2a });
      const { base, seen } = await serve(config);
      const res = await fetch(`${base}/api/v1/users/1/deductions`, { method: "POST", body: "{}" });
      expect(res.status).toBe(200);
      expect(res.headers.get("set-cookie")).toBe("txnum=42; Path=/; HttpOnly; SameSite=Lax");
      expect(seen).toEqual(["POST /api/v1/users/1/deductions"]);
    }
  });

  it("reads your own writes: a replica waits until it has replicated the cookie's transaction, then serves locally", async () => {
    const { config, setPos } = liteFsDir({ primary: "primary-machine", pos: 40 });
    const { base, seen } = await serve(config);
    const pending = fetch(`${base}/account`, { headers: { cookie: "session=x; txnum=42" } });
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([]); // still waiting for transaction 42
    setPos(42);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toContain("txnum=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    expect(seen).toEqual(["GET /account"]);
  });

  it("replays the read to the primary when the replica does not catch up in time", async () => {
    const { config } = liteFsDir({ primary: "primary-machine", pos: 40 });
    const { base, seen } = await serve(config);
    const res = await fetch(`${base}/account`, { headers: { cookie: "txnum=42" } });
    expect(res.status).toBe(409);
    expect(res.headers.get("fly-replay")).toBe("instance=primary-machine");
    expect(seen).toEqual([]);
  });
});

describe("a LiteFS read replica boots without writing", () => {
  beforeAll(ensureBuild, 300_000);

  it("opens the replicated database read-only: no migration, seed, probe or job writes a byte, and it answers", async () => {
    const { dir } = liteFsDir({ primary: "the-primary" });
    // The primary's file as LiteFS replicated it: migrated, with a customer, fully checkpointed.
    const databasePath = path.join(dir, "app.db");
    migrateDatabase(databasePath);
    const db = openDatabase(databasePath);
    createUser({ db, clock: systemClock }, { email: "replicated@example.com" });
    closeDatabase(db);
    const digest = () => createHash("sha256").update(fs.readFileSync(databasePath)).digest("hex");
    const before = digest();
    const walBytes = () => (fs.existsSync(`${databasePath}-wal`) ? fs.statSync(`${databasePath}-wal`).size : 0);

    const port = await freePort();
    const child = spawn(process.execPath, [path.join(repoRoot, "build/node/server.js")], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "production",
        HOST: "127.0.0.1",
        PORT: String(port),
        DATABASE_PATH: databasePath,
        LITEFS_DIR: dir,
        HOSTNAME: "this-replica",
        LOG_LEVEL: "warn",
        // Demo mode would seed an empty database and start the offline Stripe; a replica must do neither.
        DEMO: "1",
        SESSION_SECRET: "litefs-test-session-secret-0123456789abcdef",
        // Every background job on its shortest schedule, so one that ran would write before the checks.
        EXPIRY_SWEEP_INTERVAL_SECONDS: "1",
        BALANCE_SYNC_INTERVAL_SECONDS: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise((resolve) => child.on("close", resolve));
    try {
      const base = `http://127.0.0.1:${port}`;
      let health: Response | undefined;
      for (let i = 0; i < 300 && !health; i++) {
        if (child.exitCode !== null) throw new Error(`the replica exited ${child.exitCode}:\n${output}`);
        health = await fetch(`${base}/healthz`).catch(() => undefined);
        if (!health) await new Promise((r) => setTimeout(r, 100));
      }
      expect(health?.status, output).toBe(200);
      // Reads are served here; a write is replayed to the primary.
      expect((await fetch(`${base}/api/v1/openapi.json`)).status).toBe(200);
      const write = await fetch(`${base}/api/v1/users/1/deductions`, { method: "POST", body: "{}" });
      expect(write.headers.get("fly-replay")).toBe("instance=the-primary");
      // Past a sweep's and a sync's first run (1 s schedules).
      await new Promise((r) => setTimeout(r, 1_500));
      expect(child.exitCode, output).toBeNull();
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
    expect(digest()).toBe(before);
    expect(walBytes()).toBe(0);
  }, 120_000);
});
