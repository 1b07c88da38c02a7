// The pieces of the restore drill (scripts/restore-drill.test.ts, scripts/restore-drill-wal.ts and
// the backup CLI tests): a local S3 server (s3rver), the production server run through
// scripts/start.sh under the real Litestream, a write load through the v1 API that records every
// acknowledged deduction, and restores into fresh files.
import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import S3rver from "s3rver";
import { migrateDatabase } from "../db/migrate";
import { openDatabase, closeDatabase } from "../db/client";
import { createApiKey } from "../app/auth/api-keys.server";
import {
  litestreamSetup,
  restoreReplicaFile,
  runLitestream,
  type LitestreamConfig,
} from "../app/backup/litestream.server";
import { findInvariantViolations } from "../app/credits/invariants.server";
import { systemClock } from "../app/utils/clock";
import { freePort, repoRoot } from "../test/server-process";

export const S3_BUCKET = "backups";
/** s3rver's fixed credentials. */
const S3_KEY = "S3RVER";

export interface LocalS3 {
  endpoint: string;
  directory: string;
  close(): Promise<void>;
}

/** s3rver on a free loopback port with one empty bucket, its objects in a temp folder. */
export async function startLocalS3(): Promise<LocalS3> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "credits-s3-"));
  const port = await freePort();
  const server = new S3rver({
    port,
    address: "127.0.0.1",
    silent: true,
    directory,
    configureBuckets: [{ name: S3_BUCKET, configs: [] }],
  });
  fixDelimiterListing(server);
  atomicPuts(server);
  await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    directory,
    async close() {
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

interface ListedObject {
  key: string;
}
interface ListResult {
  objects: ListedObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
}
type ListObjects = (
  bucket: string,
  options: { delimiter?: string; prefix?: string; maxKeys?: number },
) => Promise<ListResult>;

/**
 * s3rver 3.7.1 lists with a delimiter wrongly: it skips every directory below a common prefix before
 * looking inside, so it never finds the objects that make the prefix, and `prefix=a/&delimiter=/`
 * answers nothing when all objects sit deeper (node_modules/s3rver/lib/stores/filesystem.js,
 * listObjects). Litestream lists generations exactly that way. This lists without the delimiter
 * and groups the keys into common prefixes as S3 does.
 */
function fixDelimiterListing(server: S3rver): void {
  const store = (server as unknown as { store: { listObjects: ListObjects } }).store;
  const list = store.listObjects.bind(store);
  store.listObjects = async (bucket, options) => {
    const { delimiter = "", prefix = "", maxKeys = Infinity } = options;
    if (!delimiter) return list(bucket, options);
    const all = await list(bucket, { ...options, delimiter: "", maxKeys: Infinity });
    const commonPrefixes = new Set<string>();
    const objects: ListedObject[] = [];
    for (const o of all.objects) {
      const at = o.key.slice(prefix.length).indexOf(delimiter);
      if (at === -1) objects.push(o);
      else commonPrefixes.add(o.key.slice(0, prefix.length + at + delimiter.length));
    }
    return {
      objects: objects.slice(0, maxKeys),
      commonPrefixes: [...commonPrefixes].sort(),
      isTruncated: objects.length > maxKeys,
    };
  };
}

interface PutObject {
  bucket: string;
  key: string;
  content: NodeJS.ReadableStream | Buffer;
  metadata: Record<string, string>;
}
interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: PutObject): Promise<{ size: number; md5: string }>;
}

/**
 * S3 replaces an object atomically: a reader sees the old object or the whole new one, and an
 * upload cut off halfway (a killed process, a retried PUT racing the first) leaves nothing. s3rver
 * 3.7.1 streams straight into the object's file, so a torn or doubled upload would leave a broken
 * WAL segment in the replica that no real bucket could hold. This writes to a temporary file and
 * renames it into place once the whole body has arrived.
 */
function atomicPuts(server: S3rver): void {
  const store = (server as unknown as { store: FilesystemStore }).store;
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, "object");
    await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
    const partPath = `${objectPath}.${process.pid}-${Math.random().toString(36).slice(2)}.part`;
    const md5 = crypto.createHash("md5");
    let size = 0;
    try {
      if (Buffer.isBuffer(object.content)) {
        md5.update(object.content);
        size = object.content.length;
        await fs.promises.writeFile(partPath, object.content);
      } else {
        const count = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            md5.update(chunk);
            size += chunk.length;
            done(null, chunk);
          },
        });
        await pipeline(object.content, count, fs.createWriteStream(partPath));
      }
      const digest = md5.digest("hex");
      await store.putMetadata(object.bucket, object.key, object.metadata, digest);
      await fs.promises.rename(partPath, objectPath);
      return { size, md5: digest };
    } catch (e) {
      await fs.promises.rm(partPath, { force: true });
      throw e;
    }
  };
}

/** One app deployment's volume and environment: its own database file and its own replica path in the bucket. */
export async function deployment(s3: LocalS3, name: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `credits-drill-${name}-`));
  const databasePath = path.join(dir, "data", "app.db");
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    NODE_ENV: "production",
    DEMO: "1",
    SESSION_SECRET: "restore-drill-session-secret-0123456789abcdef",
    HOST: "127.0.0.1",
    PORT: String(port),
    APP_URL: `http://127.0.0.1:${port}`,
    DATABASE_PATH: databasePath,
    LOG_LEVEL: "warn",
    EXPIRY_SWEEP_INTERVAL_SECONDS: "60",
    LITESTREAM_S3_BUCKET: S3_BUCKET,
    LITESTREAM_S3_PATH: `${name}-${path.basename(dir)}/app.db`,
    LITESTREAM_S3_ENDPOINT: s3.endpoint,
    LITESTREAM_S3_REGION: "us-east-1",
    LITESTREAM_ACCESS_KEY_ID: S3_KEY,
    LITESTREAM_SECRET_ACCESS_KEY: S3_KEY,
  };
  const setup = litestreamSetup(databasePath, env);
  if (!setup.configured) throw new Error(setup.reason);
  return {
    dir,
    databasePath,
    port,
    env,
    litestream: setup.config,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
export type Deployment = Awaited<ReturnType<typeof deployment>>;

/** A migrated database with an admin API key, made before the first boot (as an operator would with the CLI). */
export function seedDatabase(databasePath: string): string {
  migrateDatabase(databasePath);
  const db = openDatabase(databasePath);
  try {
    return createApiKey({ db, clock: systemClock }, { name: "restore drill", scope: "admin", createdBy: "cli" }).key;
  } finally {
    closeDatabase(db);
  }
}

export interface AppProcess {
  pid: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM to start.sh's pid (Litestream, after exec), as the platform sends it. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL to the whole process group: the machine is gone. */
  kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<number>();

/** Kills every app process group a test left behind (afterEach/afterAll). */
export function killLeftovers(): void {
  for (const pid of running) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  running.clear();
}

/** scripts/start.sh in its own process group; resolves once /healthz answers 200. */
export async function startApp(d: Deployment, timeoutMs = 60_000): Promise<AppProcess> {
  const child = spawn(path.join(repoRoot, "scripts/start.sh"), [], {
    cwd: repoRoot,
    env: d.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const pid = child.pid!;
  running.add(pid);
  let output = "";
  child.stdout!.on("data", (b: Buffer) => (output += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (output += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => {
      running.delete(pid);
      resolve({ code, signal });
    }),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const deadlineMs = Date.now() + timeoutMs;
  for (;;) {
    if (gone) throw new Error(`start.sh exited before the server answered:\n${output}`);
    if ((await get(d.port, "/healthz").catch(() => 0)) === 200) break;
    if (Date.now() > deadlineMs)
      throw new Error(`the server did not answer /healthz within ${timeoutMs} ms:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid,
    output: () => output,
    exited,
    stop() {
      process.kill(pid, "SIGTERM");
      return exited;
    },
    kill() {
      process.kill(-pid, "SIGKILL");
      return exited;
    },
  };
}

function get(port: number, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: urlPath, agent: false }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode!));
      })
      .on("error", reject);
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** One JSON request to the v1 API; status 0 when the connection failed (server stopping). */
export function api(
  port: number,
  key: string,
  method: string,
  urlPath: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: urlPath,
        method,
        agent,
        headers: {
          authorization: `Bearer ${key}`,
          ...(payload ? { "content-type": "application/json", "content-length": String(payload.length) } : {}),
          ...headers,
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode!, body: parsed });
        });
        res.on("error", () => resolve({ status: 0, body: null }));
      },
    );
    req.on("error", () => resolve({ status: 0, body: null }));
    req.end(payload);
  });
}

/** Customers with a large promotional grant each, made through the API. */
export async function makeCustomers(port: number, key: string, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const user = await api(port, key, "POST", "/api/v1/users", { email: `drill${i}-${Date.now()}@example.com` });
    if (user.status !== 201) throw new Error(`POST /users: ${user.status} ${JSON.stringify(user.body)}`);
    const id = (user.body as { id: number }).id;
    const grant = await api(port, key, "POST", `/api/v1/users/${id}/grants`, {
      amount: 100_000_000,
      type: "promotional",
    });
    if (grant.status !== 201) throw new Error(`POST grants: ${grant.status} ${JSON.stringify(grant.body)}`);
    ids.push(id);
  }
  return ids;
}

export interface Ack {
  /** The ledger entry id the API returned. */
  id: number;
  userId: number;
  /** Wall-clock ms when the 201 arrived. */
  ackAtMs: number;
}

/** Deductions of 1 credit from `concurrency` loops until stop(); every 201 is recorded. */
/**
 * Deductions from `concurrency` loops until stop(). `perSecond` paces the whole load to a steady rate
 * (a production-like stream rather than as fast as this machine allows, so what the test measures
 * does not depend on how fast the machine is).
 */
export function startLoad(port: number, key: string, userIds: number[], concurrency = 4, perSecond?: number) {
  const acks: Ack[] = [];
  let stopped = false;
  let failures = 0;
  let n = 0;
  const startedMs = Date.now();
  const loop = async (worker: number) => {
    let sent = 0;
    while (!stopped) {
      if (perSecond) {
        const dueMs = startedMs + ((sent * concurrency + worker) * 1000) / perSecond;
        if (dueMs > Date.now()) await new Promise((res) => setTimeout(res, dueMs - Date.now()));
        if (stopped) break;
        sent++;
      }
      const userId = userIds[(worker + n++) % userIds.length];
      const r = await api(
        port,
        key,
        "POST",
        `/api/v1/users/${userId}/deductions`,
        { amount: 1 },
        {
          "idempotency-key": `drill-${worker}-${n}-${Math.random()}`,
        },
      );
      if (r.status === 201) acks.push({ id: (r.body as { id: number }).id, userId, ackAtMs: Date.now() });
      else {
        failures++;
        // The server is stopping or gone: back off instead of spinning.
        if (r.status === 0 || r.status >= 500) await new Promise((res) => setTimeout(res, 20));
      }
    }
  };
  const loops = Array.from({ length: concurrency }, (_, i) => loop(i));
  return {
    acks,
    failures: () => failures,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** `litestream restore` of the deployment's replica into `outPath` (optionally as of a time). */
export async function restoreReplica(config: LitestreamConfig, outPath: string, timestamp?: Date): Promise<void> {
  fs.mkdirSync(path.dirname(outPath), { recursive: true });
  const r = await restoreReplicaFile(config, outPath, timestamp);
  if (r.attempts > 1) console.warn(`litestream restore needed ${r.attempts} attempts (a WAL download failed)`);
  if (r.code !== 0 || !fs.existsSync(outPath)) {
    throw new Error(`litestream restore failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  }
}

/** What a restored file holds: integrity, invariant violations and its ledger entry ids. */
export function inspectRestored(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    const integrity = (db.pragma("integrity_check") as { integrity_check: string }[]).map((r) => r.integrity_check);
    const violations = findInvariantViolations({ db, clock: systemClock });
    const ids = new Set((db.prepare("select id from credit_ledger").all() as { id: number }[]).map((r) => r.id));
    const reasons = (
      db.prepare("select reason from credit_ledger where reason is not null").all() as { reason: string }[]
    ).map((r) => r.reason);
    return { integrity, violations, ids, reasons };
  } finally {
    db.close();
  }
}

/** The newest WAL segment Litestream has uploaded for the deployment, by its creation time. */
export async function newestWalSegmentAt(config: LitestreamConfig): Promise<Date | null> {
  const r = await runLitestream(config, ["wal", "-config", config.configPath, config.databasePath]);
  if (r.code !== 0) return null;
  let newest: Date | null = null;
  for (const line of r.stdout.split("\n").slice(1)) {
    const created = line.trim().split(/\s+/).at(-1);
    const at = created ? new Date(created) : null;
    if (at && !Number.isNaN(at.getTime()) && (!newest || at > newest)) newest = at;
  }
  return newest;
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function pollFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadlineMs = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadlineMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
