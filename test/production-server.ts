/**
 * The production bundle (build/node/server.js) as a child process (v1 API and auto top-up tests),
 * on a fresh database (or one the test prepared), with a second connection to the same file for setup and row counts, an admin and a
 * usage key, and a small JSON client. The bundle is rebuilt first when a source
 * is newer than it (ensureBuild).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import Stripe from "stripe";
import { closeDatabase, openDatabase, type Db } from "../db/client";
import { ensureBuild, freePort, repoRoot } from "./server-process";
import { apiRowCounts } from "./db";
import { createApiKey } from "../app/auth/api-keys.server";
import { systemClock } from "../app/utils/clock";
import { contractForText, type Contract } from "./openapi-contract";

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface RequestOptions {
  /** Default: the admin key; null sends none. */
  key?: string | null;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

/** A fresh database in a folder of its own: the offline Stripe keeps its state file next to it. */
function freshServerDatabasePath(): string {
  const dir = process.env.TEST_TMP_DIR;
  const base = process.env.TEST_BASE_DB;
  if (!base || !dir) throw new Error("test/global-setup.ts did not run");
  const file = path.join(fs.mkdtempSync(path.join(dir, "server-")), "app.db");
  fs.copyFileSync(base, file);
  return file;
}

export type ProductionServer = Awaited<ReturnType<typeof startProductionServer>>;

/**
 * Boots the bundle (DEMO=1: production without Stripe keys, the offline Stripe started by the
 * server itself; its demo seed adds two users). APP_URL is the server's own address, so forms
 * posted with that Origin pass the cross-origin check.
 */
export async function startProductionServer(env: Record<string, string> = {}, opts: { databasePath?: string } = {}) {
  ensureBuild();
  const databasePath = opts.databasePath ?? freshServerDatabasePath();
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [path.join(repoRoot, "build/node/server.js")], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      DEMO: "1",
      HOST: "127.0.0.1",
      PORT: String(port),
      APP_URL: `http://127.0.0.1:${port}`,
      DATABASE_PATH: databasePath,
      LOG_LEVEL: "info",
      SESSION_SECRET: "v1-api-test-session-secret-0123456789abcdef",
      EXPIRY_SWEEP_INTERVAL_SECONDS: "0",
      ...env,
    },
  });
  let output = "";
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      if (output.length < 20_000) output += `${line}\n`;
      if (line.includes('"server listening"')) resolve();
    });
    child.once("exit", (code) => reject(new Error(`the server exited (${code}) before listening:\n${output}`)));
  });
  const db: Db = openDatabase(databasePath);
  const ctx = { db, clock: systemClock };
  const keys = {
    admin: createApiKey(ctx, { name: "test admin", scope: "admin" }).key,
    usage: createApiKey(ctx, { name: "test usage", scope: "usage" }).key,
  };
  const base = `http://127.0.0.1:${port}`;
  // The document this server serves: every answer the client gets is checked against it.
  let contract: Contract | undefined;
  const contractOfServer = async () =>
    (contract ??= contractForText(await (await fetch(`${base}/api/v1/openapi.json`)).text()));

  async function call(method: string, pathname: string, opts: RequestOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...opts.headers };
    const key = opts.key === undefined ? keys.admin : opts.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    if (opts.idempotencyKey !== undefined) headers["idempotency-key"] = opts.idempotencyKey;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${base}${pathname}`, { method, headers, body });
    const text = await res.text();
    if (pathname.startsWith("/api/")) {
      (await contractOfServer()).check({
        method,
        url: pathname,
        status: res.status,
        contentType: res.headers.get("content-type"),
        text,
      });
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  }

  const counts = () => apiRowCounts(db);

  /**
   * Delivers a Stripe event to the server's webhook as Stripe would, signed with the secret of the
   * offline Stripe the server started (its state file sits next to the database).
   */
  async function postStripeEvent(event: Stripe.Event): Promise<Response> {
    const state = path.join(path.dirname(databasePath), "offline-stripe.json");
    const { webhookSecret: secret } = JSON.parse(fs.readFileSync(state, "utf8")) as { webhookSecret: string };
    const payload = JSON.stringify(event);
    return fetch(`${base}/api/webhooks/stripe`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret }),
      },
      body: payload,
    });
  }

  return {
    base,
    databasePath,
    db,
    ctx,
    keys,
    call,
    get: (p: string, opts?: RequestOptions) => call("GET", p, opts),
    post: (p: string, body?: unknown, opts?: RequestOptions) => call("POST", p, { ...opts, body }),
    patch: (p: string, body?: unknown, opts?: RequestOptions) => call("PATCH", p, { ...opts, body }),
    counts,
    /** Rows of a read on the test's own connection to the server's database (it sees every commit). */
    query: <T>(sql: string, ...args: unknown[]): T[] => db.$client.prepare(sql).all(...args) as T[],
    postStripeEvent,
    output: () => output,
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      closeDatabase(db);
    },
  };
}
