#!/usr/bin/env node
// `npm run bench`: measures the credit engine and the production server against bare baselines,
// every row in one run, and writes the results to docs/benchmarks.md (also printed).
//
// HTTP load comes from wrk (C; apt-get installed when missing), pinned to core 1 while the server
// under test is pinned to core 0 (taskset), so the generator is not the bottleneck. Rows:
//   1   in-process deductions/s: deductCredits vs raw better-sqlite3 statements           (≥ 70 %)
//   2   POST /api/v1/users/:id/deductions, 32 connections: the production server (plain, and under
//       `litestream replicate` with a file replica, via scripts/start.sh) vs a bare node:http +
//       raw-SQL server, rounds alternating                                    (≥ 50 %, p99 < 10 ms)
//   2e  the same deductions with one webhook endpoint subscribed to credits.deducted vs none (≥ 90 %)
//   3   batch deductions (100 a request) vs the bare server's single deductions                  (≥ 2×)
//   4   holds + captures (a hold of 1 credit, then its capture) vs the bare server             (≥ 40 %)
//   5   GET /balance: a user with 5,000 active grants vs a user with one                  (≤ 2×)
//   6   a mixed soak under Litestream (default 5 min; --soak <seconds>): last window vs first
//       (p99 ≤ 1.5×, throughput ≥ 0.8×), RSS flat after warm-up, WAL bounded
//   7   TTFB of the customer credits page and the admin customer page, 100,000 ledger entries (p50 < 50 ms)
//       and of /admin/reports with 1,000,000 ledger rows (p50 < 200 ms) — when those routes exist
//   8   deductions/s with 1,000,000 ledger rows vs 10,000 (in-process)                        (≥ 90 %)
//   9   the expiry sweep of 100,000 expired grants (< 5 s)
//   12  usage events/s through POST /api/v1/users/:id/usage vs plain deductions/s (≥ 90 %), and
//       POST /api/v1/usage/batch (100 events a request) vs the bare server's single deductions (≥ 2×)
//   11  production as deployed at saturation: under Litestream, wrk unpaced, 10 min in all (--saturation
//       <seconds>) in rounds alternating with the plain and bare servers; the -wal FILE sampled every
//       250 ms (≤ 64 MiB), throughput (≥ 0.8× plain), p99 (≤ 2× plain), CPU per request
// plus a CPU profile (node --cpu-prof) of the production server under the deduction load.
//
// Options: --soak <seconds> (default 300), --quick (short phases; a smoke run, not for the record),
// --no-profile, --saturation <seconds> (default 600), --only saturation (row 11 alone, printed as JSON),
// --only usage (row 12 alone on servers of its own, printed as JSON),
// --detail (row 11 also samples who holds the WAL locks and reads Litestream's checkpoint counters),
// --no-pin (nothing pinned: the server, Litestream and wrk share both cores, as issue 21 also asks).
// BENCH_SKIP_BUILD=1 skips the rebuild. Everything listens on 127.0.0.1 and lives in a
// temporary folder removed at the end.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  cpuSeconds,
  descendants,
  firstJsonLine,
  freePort,
  rssBytes,
  startChild,
  stopChild,
  waitFor,
  waitForHttp,
} from "./bench/processes.mjs";
import { rawDeducter } from "./bench/raw-sql.mjs";
import { summariseProfile } from "./bench/profile.mjs";
import { writeReport } from "./bench/report.mjs";
import { litestreamCheckpointMetrics, watchWal } from "./bench/wal-watch.mjs";
import {
  ensureWrk,
  FIXED_SCRIPT,
  HOLDS_SCRIPT,
  MIXED_SCRIPT,
  describePinning,
  pinned,
  pinning,
  runWrk,
  USAGE_BATCH_SCRIPT,
} from "./bench/wrk.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values: opts } = parseArgs({
  options: {
    soak: { type: "string" },
    quick: { type: "boolean", default: process.env.BENCH_QUICK === "1" },
    "no-profile": { type: "boolean", default: false },
    saturation: { type: "string" },
    only: { type: "string" },
    detail: { type: "boolean", default: false },
    // Read by scripts/bench/wrk.mjs (pinning is decided when it loads): nothing is pinned.
    "no-pin": { type: "boolean", default: false },
  },
});
const QUICK = opts.quick;
const SOAK_SECONDS = opts.soak ? Number(opts.soak) : QUICK ? 30 : 300;
if (!Number.isFinite(SOAK_SECONDS) || SOAK_SECONDS < 10) throw new Error("--soak takes a number of seconds ≥ 10");
// Row 11: seconds under Litestream at saturation (unpaced writers), in rounds alternating with the plain server.
const SATURATION_SECONDS = opts.saturation ? Number(opts.saturation) : QUICK ? 20 : 600;
if (!Number.isFinite(SATURATION_SECONDS) || SATURATION_SECONDS < 4)
  throw new Error("--saturation takes a number of seconds ≥ 4");
const SATURATION_CONNECTIONS = 16;
// --only saturation: just row 11 (and its report section), for investigating the WAL.
const ONLY = opts.only ?? null;
const ROUND_SECONDS = QUICK ? 2 : 5;
const ROUNDS = QUICK ? 1 : 3;
const WARMUP_SECONDS = QUICK ? 1 : 2;
const CONNECTIONS = 32;
const LATENCY_CONNECTIONS = [1, 4, 8];
const IN_PROCESS_ROUND_MS = QUICK ? 200 : 500;
const IN_PROCESS_ROUNDS = QUICK ? 3 : 9;
const BIG_LEDGER = QUICK ? 100_000 : 1_000_000;
const SMALL_LEDGER = 10_000;
const SWEEP_GRANTS = QUICK ? 10_000 : 100_000;
const MANY_GRANTS = 5_000;
const PAGE_LEDGER = QUICK ? 10_000 : 100_000;
const REPORTS_LEDGER = QUICK ? 100_000 : 1_000_000;
const TTFB_SAMPLES = QUICK ? 10 : 40;
const BATCH_ITEMS = 100;
const YEAR_MS = 365 * 86_400_000;
const MIGRATIONS = path.join(root, "migrations");
const SESSION_SECRET = "bench-session-secret-0123456789-0123456789";
const COMMAND = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;

const startedAt = new Date();
const loadBefore = os.loadavg();
const log = (msg) => process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);

// ---- build and load ---------------------------------------------------------------------------

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (!entry.name.includes(".test.")) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function ensureBuild() {
  const server = path.join(root, "build/node/server.js");
  const serverBuild = path.join(root, "build/server/index.js");
  const built =
    fs.existsSync(server) && fs.existsSync(serverBuild)
      ? Math.min(fs.statSync(server).mtimeMs, fs.statSync(serverBuild).mtimeMs)
      : 0;
  const sources = Math.max(
    newestMtime(path.join(root, "app")),
    newestMtime(path.join(root, "db")),
    newestMtime(MIGRATIONS),
  );
  if (built && (built >= sources || process.env.BENCH_SKIP_BUILD === "1")) return;
  log(built ? "build/ is older than the sources: npm run build" : "build/ is missing: npm run build");
  // Under the tree's shared build lock when flock exists (other work may be building build/ too).
  const hasFlock = spawnSync("sh", ["-c", "command -v flock"], { stdio: "ignore" }).status === 0;
  const [cmd, args] = hasFlock
    ? ["flock", ["/tmp/credit-billing-build.lock", "npm", "run", "build"]]
    : ["npm", ["run", "build"]];
  const r = spawnSync(cmd, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error("npm run build failed");
}

/** The app's TypeScript (engine, users, keys, sessions), bundled with esbuild so plain node can load it. */
async function loadApp() {
  const { build } = await import("esbuild");
  const outfile = path.join(root, ".tmp/bench/app.mjs");
  await build({
    entryPoints: [path.join(root, "scripts/bench/engine-entry.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "error",
  });
  return import(`${outfile}?t=${Date.now()}`);
}

// ---- helpers ----------------------------------------------------------------------------------

let tmpDir;
let App;

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
const ratio = (a, b) => (b > 0 ? a / b : 0);

function migrated(name) {
  const file = path.join(tmpDir, `${name}.db`);
  App.migrateDatabase(file, MIGRATIONS);
  const db = App.openDatabase(file);
  return { file, db, ctx: { db, clock: App.systemClock } };
}

/** A user holding three large grants (what every deduction benchmark deducts from). */
function richUser(ctx, email) {
  const user = App.createUser(ctx, { email, name: "Bench" });
  const inAYear = new Date(Date.now() + YEAR_MS);
  App.grantCredits(ctx, { userId: user.id, type: "subscription", amount: 1e12, expiresAt: inAYear, source: "admin" });
  App.grantCredits(ctx, { userId: user.id, type: "promotional", amount: 1e12, source: "admin" });
  App.grantCredits(ctx, { userId: user.id, type: "topup", amount: 1e12, source: "admin" });
  return user.id;
}

function prepareDeductionDb(name) {
  const m = migrated(name);
  const userId = richUser(m.ctx, `${name}@bench.example`);
  const usageKey = App.createApiKey(m.ctx, { name: "bench", scope: "usage" }).key;
  const adminKey = App.createApiKey(m.ctx, { name: "bench-admin", scope: "admin" }).key;
  return { ...m, userId, usageKey, adminKey };
}

function serverEnv(port, databasePath, extra = {}) {
  return {
    ...process.env,
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(port),
    APP_URL: `http://127.0.0.1:${port}`,
    DATABASE_PATH: databasePath,
    LOG_LEVEL: "warn",
    SESSION_SECRET,
    // The offline Stripe (no Stripe key on a benchmark machine); no Stripe call is on a measured path.
    DEMO: "1",
    // Row 2e's receiver listens on loopback, which production refuses unless listed.
    WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
    ...extra,
  };
}

/** The production server, `node build/node/server.js`, pinned to the server core. */
async function startProduction(name, databasePath, nodeFlags = []) {
  const port = await freePort();
  const [cmd, args] = pinned(pinning.server, process.execPath, [...nodeFlags, "build/node/server.js"]);
  const child = startChild(cmd, args, { cwd: root, env: serverEnv(port, databasePath) });
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, child);
  return { name, child, pid: child.pid, port, databasePath };
}

/**
 * The production server as production starts it: scripts/start.sh with a file replica, i.e.
 * `litestream replicate -exec "node build/node/server.js"`, Litestream and server both on the server core.
 */
async function startUnderLitestream(name, databasePath, extraEnv = {}) {
  const port = await freePort();
  const replica = path.join(tmpDir, `${name}-replica`);
  const env = serverEnv(port, databasePath, {
    LITESTREAM_REPLICA_URL: `file://${replica}`,
    PATH: `${litestreamBinDir()}:${process.env.PATH}`,
    ...extraEnv,
  });
  const [cmd, args] = pinned(pinning.server, "bash", ["scripts/start.sh"]);
  const child = startChild(cmd, args, { cwd: root, env, group: true });
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, child, 60_000);
  const server = await waitFor("the server under Litestream", () =>
    descendants(child.pid).find((p) => p.cmdline.includes("build/node/server.js")),
  );
  const comm = fs.readFileSync(`/proc/${child.pid}/comm`, "utf8").trim();
  const litestreamPid =
    comm === "litestream" ? child.pid : (descendants(child.pid).find((p) => p.comm === "litestream")?.pid ?? null);
  return { name, child, pid: server.pid, litestreamPid, port, databasePath, replica };
}

/**
 * A directory whose `litestream` is the real binary. node_modules/.bin/litestream is a Node wrapper
 * (@flydotio/litestream) that runs the binary with spawnSync and does not forward signals; measured
 * through it, an extra Node process would sit in the tree, and SIGTERM would orphan Litestream.
 */
function litestreamBinDir() {
  const dir = path.join(tmpDir, "bin");
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir);
    const wrapper = path.join(root, "node_modules/@flydotio/litestream");
    const binary = path.join(wrapper, `../litestream-${process.platform}-${process.arch}/litestream`);
    fs.symlinkSync(
      fs.existsSync(binary) ? binary : path.join(root, "node_modules/.bin/litestream"),
      path.join(dir, "litestream"),
    );
  }
  return dir;
}

async function startBare(databasePath) {
  const [cmd, args] = pinned(pinning.server, process.execPath, [path.join(root, "scripts/bench/raw-server.mjs")]);
  const child = startChild(cmd, args, { cwd: root, env: { ...process.env, DATABASE_PATH: databasePath } });
  const { port } = await firstJsonLine(child);
  return { name: "bare", child, pid: child.pid, port, databasePath };
}

async function probe(url, init, expected) {
  const res = await fetch(url, init);
  if (res.status !== expected)
    throw new Error(`${init?.method ?? "GET"} ${url} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  return res;
}

/**
 * Waits until the server has worked off what the last wrk run left queued (requests already read
 * when wrk closed its connections): its CPU time stops moving for 200 ms, or 10 s have passed.
 * Otherwise a slow contender's backlog would be charged to the next one's round.
 */
async function drained(target) {
  const deadline = Date.now() + 10_000;
  let before = cpuSeconds(target.pid);
  while (before !== null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const now = cpuSeconds(target.pid);
    if (now === null || now - before <= 0.02) return;
    before = now;
  }
}

/** wrk against `target` with the server's CPU (and Litestream's) measured around the run. */
async function measured(target, wrkOptions) {
  await drained(target);
  const cpu0 = cpuSeconds(target.pid);
  const ls0 = target.litestreamPid ? cpuSeconds(target.litestreamPid) : null;
  const result = await runWrk(wrkOptions);
  const cpu1 = cpuSeconds(target.pid);
  const ls1 = target.litestreamPid ? cpuSeconds(target.litestreamPid) : null;
  return {
    ...result,
    cpuSeconds: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
    litestreamCpuSeconds: ls0 === null || ls1 === null ? null : ls1 - ls0,
  };
}

/** Sums rounds: total requests and CPU; median of per-round rps and latencies. */
function combine(rounds) {
  const requests = rounds.reduce((a, r) => a + r.requests, 0);
  const cpu = rounds.every((r) => r.cpuSeconds !== null) ? rounds.reduce((a, r) => a + r.cpuSeconds, 0) : null;
  const lsCpu = rounds.every((r) => r.litestreamCpuSeconds !== null)
    ? rounds.reduce((a, r) => a + r.litestreamCpuSeconds, 0)
    : null;
  return {
    rps: median(rounds.map((r) => r.rps)),
    requests,
    non2xx: rounds.reduce((a, r) => a + r.non2xx, 0),
    errors: rounds.reduce((a, r) => a + r.errors, 0),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    max: Math.max(...rounds.map((r) => r.max)),
    cpuUsPerRequest: cpu === null || requests === 0 ? null : (cpu / requests) * 1e6,
    litestreamCpuUsPerRequest: lsCpu === null || requests === 0 ? null : (lsCpu / requests) * 1e6,
    rounds: rounds.map((r) => ({ rps: r.rps, p50: r.p50, p99: r.p99 })),
  };
}

/**
 * Alternates contenders round by round (so a burst of load elsewhere hits all alike), after a
 * warm-up of each. `contenders`: name → {target, wrk options}.
 */
async function alternate(contenders) {
  const names = Object.keys(contenders);
  for (const name of names) {
    await drained(contenders[name].target);
    await runWrk({ ...contenders[name].wrk, seconds: WARMUP_SECONDS });
  }
  const all = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of r % 2 === 0 ? names : [...names].reverse()) {
      all[name].push(await measured(contenders[name].target, { ...contenders[name].wrk, seconds: ROUND_SECONDS }));
    }
  }
  return { all, combined: Object.fromEntries(names.map((n) => [n, combine(all[n])])) };
}

/** Median over rounds of a/b, each pair measured back to back. */
function pairRatio(all, a, b) {
  return median(all[a].map((r, i) => ratio(r.rps, all[b][i].rps)));
}

// ---- 1. in-process ----------------------------------------------------------------------------

function opsPerSecond(fn, ms) {
  const start = performance.now();
  let n = 0;
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
    now = performance.now();
  }
  return n / ((now - start) / 1000);
}

function compareInProcess(contenders) {
  const names = Object.keys(contenders);
  const all = Object.fromEntries(names.map((k) => [k, []]));
  for (const fn of Object.values(contenders)) opsPerSecond(fn, Math.min(300, IN_PROCESS_ROUND_MS));
  for (let r = 0; r < IN_PROCESS_ROUNDS; r++) {
    for (const name of r % 2 === 0 ? names : [...names].reverse())
      all[name].push(opsPerSecond(contenders[name], IN_PROCESS_ROUND_MS));
  }
  const [a, b] = names;
  return {
    median: Object.fromEntries(names.map((k) => [k, median(all[k])])),
    pairRatio: median(all[a].map((v, i) => v / all[b][i])),
    all: Object.fromEntries(names.map((k) => [k, all[k].map(Math.round)])),
  };
}

function benchInProcess() {
  log("1 in-process deductions: engine vs raw SQL");
  const engine = prepareDeductionDb("engine");
  const raw = prepareDeductionDb("raw");
  const rawDeduct = rawDeducter(raw.db.$client);
  const {
    median: m,
    pairRatio: r,
    all,
  } = compareInProcess({
    engine: () => App.deductCredits(engine.ctx, { userId: engine.userId, amount: 1, actor: "bench" }),
    raw: () => rawDeduct(raw.userId, 1),
  });
  App.closeDatabase(engine.db);
  App.closeDatabase(raw.db);
  return { engine: m.engine, raw: m.raw, rounds: all, ratio: r };
}

// ---- fixtures for the server rows -------------------------------------------------------------

/** Adds to the production server's database: balance users (1 and 5,000 grants), a page user, an admin. */
async function addServerFixtures(app) {
  const ctx = app.ctx;
  const one = App.createUser(ctx, { email: "one-grant@bench.example" }).id;
  App.grantCredits(ctx, { userId: one, type: "topup", amount: 1_000_000, source: "admin" });
  const many = App.createUser(ctx, { email: "many-grants@bench.example" }).id;
  const inAMonth = Date.now() + 30 * 86_400_000;
  for (let i = 0; i < MANY_GRANTS; i++) {
    // Grants of every type and a spread of expiries, as a heavy user's pile really looks.
    const type = ["subscription", "promotional", "topup"][i % 3];
    const expiresAt = type === "topup" ? null : new Date(inAMonth + i * 60_000);
    App.grantCredits(ctx, { userId: many, type, amount: 100, expiresAt, source: "admin" });
  }
  const pageUser = App.createUser(ctx, { email: "history@bench.example", role: "customer" }).id;
  App.grantCredits(ctx, { userId: pageUser, type: "topup", amount: 1e12, source: "admin" });
  const t0 = performance.now();
  for (let i = 0; i < PAGE_LEDGER; i++) App.deductCredits(ctx, { userId: pageUser, amount: 1, reason: "page fixture" });
  log(
    `  ${PAGE_LEDGER.toLocaleString("en-US")} deductions for the page user in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const admin = App.createUser(ctx, { email: "admin@bench.example", role: "admin" }).id;
  const cookieFor = (userId) => {
    const { token } = App.createSession(ctx, { userId });
    return App.sessionCookieHeader(SESSION_SECRET, token);
  };
  app.db.$client.pragma("wal_checkpoint(TRUNCATE)");
  return { one, many, pageUser, admin, customerCookie: await cookieFor(pageUser), adminCookie: await cookieFor(admin) };
}

/** Time to first byte (response headers) of `samples` sequential GETs, after 3 warm-ups; null on 404. */
async function ttfb(port, pathname, cookie) {
  const once = () =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = http.get(
        { host: "127.0.0.1", port, path: pathname, headers: { cookie, "accept-encoding": "gzip" } },
        (res) => {
          const ms = performance.now() - t0;
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode, ms }));
        },
      );
      req.on("error", reject);
    });
  const first = await once();
  if (first.status === 404) return null;
  if (first.status !== 200) throw new Error(`GET ${pathname} answered ${first.status}`);
  for (let i = 0; i < 2; i++) await once();
  const times = [];
  for (let i = 0; i < TTFB_SAMPLES; i++) times.push((await once()).ms);
  times.sort((a, b) => a - b);
  return { p50: median(times), p90: times[Math.floor(times.length * 0.9)], samples: times.length };
}

/** Raw ledger rows spread over 100 other users (for the reports page: volume, not realism). */
function prefillLedger(sqlite, rows, userId = null) {
  const insertUser = sqlite.prepare("insert into users (email, name, created_at, updated_at) values (?, '', ?, ?)");
  const others = [];
  const now = Date.now();
  sqlite
    .transaction(() => {
      for (let i = 0; i < 99; i++)
        others.push(Number(insertUser.run(`other${i}-${rows}-${now}@bench.example`, now, now).lastInsertRowid));
    })
    .immediate();
  const insertEntry = sqlite.prepare(
    "insert into credit_ledger (user_id, type, amount, balance_after, reason, created_at) values (?, 'deduction', -1, 0, 'prefill', ?)",
  );
  const t0 = performance.now();
  const chunk = 100_000;
  for (let done = 0; done < rows; done += chunk) {
    sqlite
      .transaction(() => {
        for (let i = done; i < Math.min(rows, done + chunk); i++) {
          insertEntry.run(userId !== null && i % 2 === 0 ? userId : others[i % others.length], now - rows + i);
        }
      })
      .immediate();
  }
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  return (performance.now() - t0) / 1000;
}

// ---- 2–7. the servers -------------------------------------------------------------------------

const deductionWrk = (target, key) => ({
  url: `http://127.0.0.1:${target.port}/api/v1/users/${target.userId}/deductions`,
  connections: CONNECTIONS,
  script: FIXED_SCRIPT,
  args: ["POST", '{"amount":1}', ...(key ? [`Authorization: Bearer ${key}`] : [])],
});

/**
 * The v1.1 endpoints, each on the production server against the bare server in alternating rounds:
 * batch deductions (BATCH_ITEMS a request), holds + captures (holds.lua), and single deductions on a
 * second production server with one webhook endpoint subscribed to credits.deducted (its receiver
 * answers 204 in this process). An endpoint that answers 404 is reported "not built".
 */
async function benchApiV11(production, bare, app) {
  const usage = { "content-type": "application/json", authorization: `Bearer ${app.usageKey}` };
  const base = `http://127.0.0.1:${production.port}`;
  const batchBody = JSON.stringify({
    items: Array.from({ length: BATCH_ITEMS }, () => ({ userId: app.userId, amount: 1 })),
  });
  const built = async (url, init, expected) => {
    const res = await fetch(url, init);
    await res.arrayBuffer();
    if (res.status === 404) return false;
    if (res.status !== expected) throw new Error(`${init.method} ${url} answered ${res.status}`);
    return true;
  };
  const contenders = { bare: { target: bare, wrk: deductionWrk(bare, null) } };
  const result = { batch: null, holds: null, webhook: null };
  if (await built(`${base}/api/v1/deductions/batch`, { method: "POST", headers: usage, body: batchBody }, 200)) {
    contenders.batch = {
      target: production,
      wrk: {
        url: `${base}/api/v1/deductions/batch`,
        connections: CONNECTIONS,
        script: FIXED_SCRIPT,
        args: ["POST", batchBody, `Authorization: Bearer ${app.usageKey}`],
      },
    };
  }
  const holdsUrl = `${base}/api/v1/users/${app.userId}/holds`;
  if (await built(holdsUrl, { method: "POST", headers: usage, body: '{"amount":1}' }, 201)) {
    contenders.holds = {
      target: production,
      wrk: { url: base, connections: CONNECTIONS, script: HOLDS_SCRIPT, args: [app.usageKey, String(app.userId)] },
    };
  }
  // The webhook contender: its own database and server, and a receiver that counts deliveries.
  let delivered = 0;
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      delivered++;
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
  const hooked = prepareDeductionDb("http-webhook");
  App.closeDatabase(hooked.db);
  const hookedServer = await startProduction("webhook", hooked.file);
  hookedServer.userId = hooked.userId;
  try {
    const endpointsUrl = `http://127.0.0.1:${hookedServer.port}/api/admin/webhook-endpoints`;
    const body = JSON.stringify({
      url: `http://127.0.0.1:${receiver.address().port}/hook`,
      events: ["credits.deducted"],
    });
    const headers = { "content-type": "application/json", authorization: `Bearer ${hooked.adminKey}` };
    if (await built(endpointsUrl, { method: "POST", headers, body }, 201)) {
      contenders.plain = { target: production, wrk: deductionWrk(production, app.usageKey) };
      contenders.webhook = { target: hookedServer, wrk: deductionWrk(hookedServer, hooked.usageKey) };
    }
    if (Object.keys(contenders).length === 1) return result;
    log(
      `2e/3/4 ${Object.keys(contenders)
        .filter((n) => n !== "bare")
        .join(", ")} vs bare, alternating`,
    );
    const r = await alternate(contenders);
    const c = r.combined;
    if (c.batch) {
      const perRound = (i) => ratio(r.all.batch[i].rps * BATCH_ITEMS, r.all.bare[i].rps);
      result.batch = {
        ...c.batch,
        deductionsPerSecond: c.batch.rps * BATCH_ITEMS,
        bare: c.bare.rps,
        ratio: median(r.all.batch.map((_, i) => perRound(i))),
      };
      log(
        `  batch: ${Math.round(c.batch.rps)} batches/s = ${Math.round(result.batch.deductionsPerSecond)} deductions/s`,
      );
    }
    if (c.holds) {
      const ops = (x) => x.opsPerSecond ?? 0;
      result.holds = {
        ...c.holds,
        capturesPerSecond: median(r.all.holds.map(ops)),
        bare: c.bare.rps,
        ratio: median(r.all.holds.map((x, i) => ratio(ops(x), r.all.bare[i].rps))),
      };
      log(
        `  holds: ${Math.round(result.holds.capturesPerSecond)} holds captured/s (${Math.round(c.holds.rps)} requests/s)`,
      );
    }
    if (c.webhook) {
      result.webhook = { ...c.webhook, plain: c.plain, ratio: pairRatio(r.all, "webhook", "plain"), delivered };
      log(
        `  webhook subscribed: ${Math.round(c.webhook.rps)}/s vs ${Math.round(c.plain.rps)}/s, ${delivered} delivered`,
      );
    }
    return result;
  } finally {
    await stopChild(hookedServer.child);
    receiver.close();
  }
}

async function benchServers(profile) {
  log(`2 deductions over HTTP, ${CONNECTIONS} connections, ${ROUNDS} × ${ROUND_SECONDS} s each, alternating`);
  const app = prepareDeductionDb("http-app");
  const fixtures = await addServerFixtures(app);
  App.createFeature(app.ctx, USAGE_FEATURE, "bench");
  App.closeDatabase(app.db);
  const ls = prepareDeductionDb("http-litestream");
  App.closeDatabase(ls.db);
  const raw = prepareDeductionDb("http-raw");
  App.closeDatabase(raw.db);

  const result = {};
  const production = await startProduction("production", app.file);
  const underLitestream = await startUnderLitestream("litestream", ls.file);
  const bare = await startBare(raw.file);
  try {
    Object.assign(production, { userId: app.userId });
    Object.assign(underLitestream, { userId: ls.userId });
    Object.assign(bare, { userId: raw.userId });
    for (const [t, key] of [
      [production, app.usageKey],
      [underLitestream, ls.usageKey],
      [bare, null],
    ]) {
      const w = deductionWrk(t, key);
      const headers = { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) };
      await probe(w.url, { method: "POST", headers, body: '{"amount":1}' }, 201);
    }
    const idleRss = rssBytes(production.pid);
    const d = await alternate({
      production: { target: production, wrk: deductionWrk(production, app.usageKey) },
      litestream: { target: underLitestream, wrk: deductionWrk(underLitestream, ls.usageKey) },
      bare: { target: bare, wrk: deductionWrk(bare, null) },
    });
    result.deductions = {
      ...d.combined,
      ratio: pairRatio(d.all, "production", "bare"),
      litestreamRatio: pairRatio(d.all, "litestream", "bare"),
      p99VsBare: median(d.all.production.map((x, i) => ratio(x.p99, d.all.bare[i].p99))),
      litestreamP99VsPlain: median(d.all.litestream.map((x, i) => ratio(x.p99, d.all.production[i].p99))),
      rss: { idle: idleRss, after: rssBytes(production.pid) },
      replicaBytes: dirBytes(underLitestream.replica),
    };
    for (const n of ["production", "litestream", "bare"]) {
      const c = d.combined[n];
      log(
        `  ${n}: ${Math.round(c.rps)}/s p50 ${c.p50} ms p99 ${c.p99} ms, ${Math.round(c.cpuUsPerRequest ?? 0)} µs CPU/request, non-2xx ${c.non2xx}, errors ${c.errors}`,
      );
    }
    // Not a row: how p99 depends on the number of connections (the row-2b target is at 32), to
    // tell queueing (latency ≈ connections ÷ throughput) from slow requests.
    result.byConnections = [];
    for (const connections of LATENCY_CONNECTIONS) {
      const c = await alternate({
        production: { target: production, wrk: { ...deductionWrk(production, app.usageKey), connections } },
        litestream: { target: underLitestream, wrk: { ...deductionWrk(underLitestream, ls.usageKey), connections } },
        bare: { target: bare, wrk: { ...deductionWrk(bare, null), connections } },
      });
      result.byConnections.push({
        connections,
        production: c.combined.production,
        litestream: c.combined.litestream,
        bare: c.combined.bare,
      });
      log(
        `  ${connections} connections: production p50 ${c.combined.production.p50} ms p99 ${c.combined.production.p99} ms, litestream p99 ${c.combined.litestream.p99} ms, bare p50 ${c.combined.bare.p50} ms p99 ${c.combined.bare.p99} ms`,
      );
    }
    result.v11 = await benchApiV11(production, bare, app);
    result.usage = await benchUsage(production, bare, app);
  } finally {
    await stopChild(underLitestream.child);
    await stopChild(bare.child);
  }

  try {
    log(`5 GET /balance: ${MANY_GRANTS.toLocaleString("en-US")} active grants vs one`);
    const balanceWrk = (userId) => ({
      url: `http://127.0.0.1:${production.port}/api/v1/users/${userId}/balance`,
      connections: CONNECTIONS,
      script: FIXED_SCRIPT,
      args: ["GET", "-", `Authorization: Bearer ${app.usageKey}`],
    });
    const sizes = {};
    for (const [name, userId] of [
      ["one", fixtures.one],
      ["many", fixtures.many],
    ]) {
      const res = await probe(balanceWrk(userId).url, { headers: { authorization: `Bearer ${app.usageKey}` } }, 200);
      sizes[name] = (await res.arrayBuffer()).byteLength;
    }
    const b = await alternate({
      one: { target: production, wrk: balanceWrk(fixtures.one) },
      many: { target: production, wrk: balanceWrk(fixtures.many) },
    });
    result.balance = { ...b.combined, slowdown: 1 / pairRatio(b.all, "many", "one"), bytes: sizes };
    log(
      `  one grant ${Math.round(b.combined.one.rps)}/s (non-2xx ${b.combined.one.non2xx}), ${MANY_GRANTS} grants ${Math.round(b.combined.many.rps)}/s (non-2xx ${b.combined.many.non2xx})`,
    );

    log(`7 page TTFB with ${PAGE_LEDGER.toLocaleString("en-US")} ledger entries`);
    result.pages = {
      credits: await ttfb(production.port, "/credits", fixtures.customerCookie),
      adminCustomer: await ttfb(production.port, `/admin/customers/${fixtures.pageUser}`, fixtures.adminCookie),
    };
    const reportsBuilt = (await ttfb(production.port, "/admin/reports", fixtures.adminCookie)) !== null;
    if (reportsBuilt) {
      log(`  /admin/reports exists: prefilling to ${REPORTS_LEDGER.toLocaleString("en-US")} ledger rows`);
      const db = App.openDatabase(app.file);
      const have = db.$client.prepare("select count(*) from credit_ledger").pluck().get();
      if (have < REPORTS_LEDGER) prefillLedger(db.$client, REPORTS_LEDGER - have);
      App.closeDatabase(db);
      result.pages.reports = await ttfb(production.port, "/admin/reports", fixtures.adminCookie);
    } else {
      result.pages.reports = null;
    }
  } finally {
    await stopChild(production.child);
  }

  if (profile) {
    log("  CPU profile of the production server under the deduction load (node --cpu-prof)");
    const dir = path.join(tmpDir, "profile");
    const profiled = await startProduction("profiled", app.file, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
    try {
      profiled.userId = app.userId;
      await runWrk({ ...deductionWrk(profiled, app.usageKey), seconds: ROUND_SECONDS * 2 });
    } finally {
      await stopChild(profiled.child);
    }
    const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    result.profile = file ? summariseProfile(JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"))) : null;
    if (file) fs.copyFileSync(path.join(dir, file), path.join(root, ".tmp/bench/deductions.cpuprofile"));
  }
  return result;
}

function dirBytes(dir) {
  let total = 0;
  const walk = (d) => {
    for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else total += fs.statSync(p).size;
    }
  };
  walk(dir);
  return total;
}

// ---- 6. soak ----------------------------------------------------------------------------------

/**
 * Bytes of WAL in use: the frames SQLite's WAL index (the -shm file) counts as valid (mxFrame), not
 * the -wal file's size, which is a high-water mark (a restarted WAL is overwritten from the start,
 * the file never shrinks). A fully checkpointed WAL keeps its count until the next write restarts it,
 * which under the soak's load is at once. Read from the index header's first copy (native byte
 * order), without a connection, so sampling neither takes a lock nor checkpoints.
 */
function walInUse(file) {
  let fd;
  try {
    fd = fs.openSync(`${file}-shm`, "r");
    const header = Buffer.alloc(48);
    if (fs.readSync(fd, header, 0, 48, 0) < 48) return 0;
    const pageSize = header.readUInt16LE(14) === 1 ? 65536 : header.readUInt16LE(14);
    const frames = header.readUInt32LE(16);
    return frames === 0 ? 0 : 32 + frames * (pageSize + 24);
  } catch {
    return 0;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

async function benchSoak() {
  const windows = 5;
  const windowSeconds = Math.max(2, Math.round(SOAK_SECONDS / windows));
  log(`6 mixed soak under Litestream: ${windows} windows of ${windowSeconds} s`);
  const s = prepareDeductionDb("soak");
  const users = [s.userId];
  for (let i = 0; i < 7; i++) users.push(richUser(s.ctx, `soak${i}@bench.example`));
  App.closeDatabase(s.db);
  const server = await startUnderLitestream("soak", s.file);
  const wal = `${s.file}-wal`;
  const walFileSize = () => (fs.existsSync(wal) ? fs.statSync(wal).size : 0);
  const walSize = () => walInUse(s.file);
  const out = [];
  try {
    let walPeak = 0;
    const sampler = setInterval(() => (walPeak = Math.max(walPeak, walSize())), 250);
    try {
      for (let w = 0; w < windows; w++) {
        walPeak = walSize();
        const r = await measured(server, {
          url: `http://127.0.0.1:${server.port}`,
          seconds: windowSeconds,
          connections: CONNECTIONS,
          script: MIXED_SCRIPT,
          args: [
            s.usageKey,
            s.adminKey,
            users.join(","),
            `soak${w}`,
            new Date(Date.now() + 30 * 86_400_000).toISOString(),
          ],
        });
        out.push({
          ...r,
          rss: rssBytes(server.pid),
          walPeak: Math.max(walPeak, walSize()),
          walEnd: walSize(),
          walFile: walFileSize(),
        });
        log(
          `  window ${w + 1}: ${Math.round(r.rps)}/s p50 ${r.p50} ms p99 ${r.p99} ms, RSS ${((out.at(-1).rss ?? 0) / 2 ** 20).toFixed(0)} MB, WAL peak ${(out.at(-1).walPeak / 2 ** 20).toFixed(1)} MB`,
        );
      }
    } finally {
      clearInterval(sampler);
    }
    const db = App.openDatabase(s.file);
    const hotGrants = db.$client
      .prepare("select count(*) from credit_grants where user_id = ? and status = 'active'")
      .pluck()
      .get(users[0]);
    const ledgerRows = db.$client.prepare("select count(*) from credit_ledger").pluck().get();
    App.closeDatabase(db);
    return { windowSeconds, windows: out, hotGrants, ledgerRows, replicaBytes: dirBytes(server.replica) };
  } finally {
    await stopChild(server.child);
  }
}

// ---- 11. saturation under Litestream ----------------------------------------------------------

/**
 * Production as deployed, at saturation: wrk with no pacing against the server under Litestream
 * (scripts/start.sh, file replica) for SATURATION_SECONDS in all, in rounds alternating with the plain
 * server and the bare one, while the -wal FILE's size (what fills the disk) is sampled every 250 ms.
 * --detail also samples who holds the WAL locks (/proc/locks) and reads Litestream's checkpoint counters.
 */
async function benchSaturation() {
  const roundSeconds = Math.min(30, Math.max(2, Math.round(SATURATION_SECONDS / 4)));
  const rounds = Math.max(1, Math.round(SATURATION_SECONDS / roundSeconds));
  log(
    `11 saturation under Litestream: ${rounds} rounds of ${roundSeconds} s, ${SATURATION_CONNECTIONS} connections, alternating with plain and bare`,
  );
  const ls = prepareDeductionDb("sat-litestream");
  App.closeDatabase(ls.db);
  const plainDb = prepareDeductionDb("sat-plain");
  App.closeDatabase(plainDb.db);
  const raw = prepareDeductionDb("sat-raw");
  App.closeDatabase(raw.db);
  const extraEnv = {};
  let metricsUrl = null;
  if (opts.detail) {
    // Litestream's Prometheus endpoint: checkpoints by mode, their errors and seconds.
    const metricsPort = await freePort();
    const config = path.join(tmpDir, "litestream-metrics.yml");
    fs.writeFileSync(
      config,
      `addr: "127.0.0.1:${metricsPort}"\n${fs.readFileSync(path.join(root, "litestream.yml"), "utf8")}`,
    );
    extraEnv.LITESTREAM_CONFIG = config;
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  }
  const underLitestream = await startUnderLitestream("sat-litestream", ls.file, extraEnv);
  const plain = await startProduction("sat-plain", plainDb.file);
  const bare = await startBare(raw.file);
  Object.assign(underLitestream, { userId: ls.userId });
  Object.assign(plain, { userId: plainDb.userId });
  Object.assign(bare, { userId: raw.userId });
  const wrkOf = (target, key) => ({ ...deductionWrk(target, key), connections: SATURATION_CONNECTIONS });
  const contenders = {
    litestream: { target: underLitestream, wrk: wrkOf(underLitestream, ls.usageKey) },
    plain: { target: plain, wrk: wrkOf(plain, plainDb.usageKey) },
    bare: { target: bare, wrk: wrkOf(bare, null) },
  };
  const names = Object.keys(contenders);
  const stopWatch = watchWal(ls.file, {
    everyMs: 250,
    locks: opts.detail ? { [underLitestream.pid]: "server", [underLitestream.litestreamPid]: "litestream" } : null,
  });
  const plainWatch = watchWal(plainDb.file, { everyMs: 250 });
  const metrics0 = metricsUrl ? await litestreamCheckpointMetrics(metricsUrl) : null;
  const all = Object.fromEntries(names.map((n) => [n, []]));
  let litestreamSeconds = 0;
  let wal, plainWal, metrics1;
  try {
    for (let r = 0; r < rounds; r++) {
      for (const name of r % 2 === 0 ? names : [...names].reverse()) {
        const c = contenders[name];
        all[name].push(await measured(c.target, { ...c.wrk, seconds: roundSeconds }));
        if (name === "litestream") litestreamSeconds += roundSeconds;
      }
      const last = all.litestream.at(-1);
      log(
        `  round ${r + 1}: litestream ${Math.round(last.rps)}/s p99 ${last.p99} ms, plain ${Math.round(all.plain.at(-1).rps)}/s p99 ${all.plain.at(-1).p99} ms, bare ${Math.round(all.bare.at(-1).rps)}/s`,
      );
    }
  } finally {
    wal = stopWatch();
    plainWal = plainWatch();
    metrics1 = metricsUrl ? await litestreamCheckpointMetrics(metricsUrl).catch(() => null) : null;
    await stopChild(underLitestream.child);
    await stopChild(plain.child);
    await stopChild(bare.child);
  }
  const combined = Object.fromEntries(names.map((n) => [n, combine(all[n])]));
  const checkpoints =
    metrics0 && metrics1
      ? Object.fromEntries(
          Object.entries(metrics1).map(([mode, m]) => [
            mode,
            Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v - (metrics0[mode]?.[k] ?? 0)])),
          ]),
        )
      : null;
  const perRound = (a, b, key) => median(all[a].map((x, i) => ratio(x[key], all[b][i][key])));
  const result = {
    roundSeconds,
    rounds,
    litestreamSeconds,
    connections: SATURATION_CONNECTIONS,
    ...combined,
    throughputRatio: perRound("litestream", "plain", "rps"),
    p99Ratio: perRound("litestream", "plain", "p99"),
    plainVsBare: perRound("plain", "bare", "rps"),
    plainP99VsBare: perRound("plain", "bare", "p99"),
    wal: { ...wal, sizes: undefined },
    plainWalPeak: plainWal.filePeak,
    checkpoints,
    replicaBytes: dirBytes(underLitestream.replica),
  };
  log(
    `  WAL file peak ${(wal.filePeak / 2 ** 20).toFixed(1)} MiB (${wal.samples} samples, ${wal.restarts} restarts), litestream/plain ${pct(result.throughputRatio)} throughput, p99 ${result.p99Ratio.toFixed(2)}×`,
  );
  if (checkpoints) log(`  Litestream checkpoints: ${JSON.stringify(checkpoints)}`);
  if (wal.locks) log(`  WAL locks (${wal.locks.samples} samples): ${JSON.stringify(wal.locks.counts)}`);
  return result;
}

const pct = (r) => `${(r * 100).toFixed(0)} %`;

// ---- 8. ledger size, 9. sweep (in-process) ------------------------------------------------------

function benchLedgerSize() {
  log(`8 deductions with ${BIG_LEDGER.toLocaleString("en-US")} vs ${SMALL_LEDGER.toLocaleString("en-US")} ledger rows`);
  const small = prepareDeductionDb("ledger-small");
  const big = prepareDeductionDb("ledger-big");
  prefillLedger(small.db.$client, SMALL_LEDGER, small.userId);
  const prefillSeconds = prefillLedger(big.db.$client, BIG_LEDGER, big.userId);
  const {
    median: m,
    pairRatio: r,
    all,
  } = compareInProcess({
    big: () => App.deductCredits(big.ctx, { userId: big.userId, amount: 1, actor: "bench" }),
    small: () => App.deductCredits(small.ctx, { userId: small.userId, amount: 1, actor: "bench" }),
  });
  App.closeDatabase(small.db);
  App.closeDatabase(big.db);
  return { small: m.small, big: m.big, rounds: all, ratio: r, prefillSeconds };
}

function benchSweep() {
  log(`9 expiry sweep of ${SWEEP_GRANTS.toLocaleString("en-US")} expired grants`);
  const { db } = migrated("sweep");
  const sqlite = db.$client;
  const perUser = 100;
  const users = SWEEP_GRANTS / perUser;
  const now = Date.now();
  const insertUser = sqlite.prepare(
    "insert into users (email, name, credit_balance, created_at, updated_at) values (?, '', ?, ?, ?)",
  );
  const insertGrant = sqlite.prepare(`insert into credit_grants (user_id, type, amount, remaining, priority,
    effective_at, expires_at, status, source, created_at, updated_at)
    values (?, 'subscription', 10, 10, 10, ?, ?, 'active', 'subscription', ?, ?)`);
  const insertEntry =
    sqlite.prepare(`insert into credit_ledger (user_id, type, amount, balance_after, grant_id, created_at)
    values (?, 'grant', 10, ?, ?, ?)`);
  // Consistent with the engine's invariants: cached balance = Σ active grants' remaining, every
  // grant has its `grant` entry; users' grants expire at the same moments, as real ones do.
  sqlite
    .transaction(() => {
      for (let u = 0; u < users; u++) {
        const userId = Number(
          insertUser.run(`sweep${u}@bench.example`, perUser * 10, now - 40 * 86_400_000, now).lastInsertRowid,
        );
        for (let g = 0; g < perUser; g++) {
          const createdAt = now - 30 * 86_400_000;
          const grantId = Number(
            insertGrant.run(userId, createdAt, now - 86_400_000 + g, createdAt, createdAt).lastInsertRowid,
          );
          insertEntry.run(userId, (g + 1) * 10, grantId, createdAt);
        }
      }
    })
    .immediate();
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  const t0 = performance.now();
  const result = App.expireGrants({ db, clock: App.systemClock }, {});
  const seconds = (performance.now() - t0) / 1000;
  const left = sqlite.prepare("select count(*) as n from credit_grants where status = 'active'").get().n;
  App.closeDatabase(db);
  if (result.expired !== SWEEP_GRANTS || left !== 0)
    throw new Error(`the sweep expired ${result.expired} of ${SWEEP_GRANTS} grants (${left} still active)`);
  return { seconds, expired: result.expired, batches: result.batches };
}

// ---- 12. usage through the rate card ------------------------------------------------------------

/** The feature row 12 uses: 1 credit a unit, so each use of 1 unit is one deduction, as in row 2. */
const USAGE_FEATURE = { key: "bench.calls", name: "Bench calls", unitName: "call", price: { credits: 1, perUnits: 1 } };

/**
 * Row 12 (issue 25): usage events through `POST /api/v1/users/:userId/usage` against plain
 * deductions on the same production server (≥ 0.9), and `POST /api/v1/usage/batch` (BATCH_ITEMS
 * events a request, each with its own idempotency key) against the bare server's single
 * deductions (≥ 2×), each pair in alternating rounds of its own: the batch rounds write ~15,000
 * events a second, and the rounds after them (plain and usage alike) ran at two thirds of the
 * first while the server caught up, which made 12a a draw of the round order. The database needs
 * USAGE_FEATURE (createFeature). An endpoint that answers 404 is reported "not built".
 */
async function benchUsage(production, bare, app) {
  const base = `http://127.0.0.1:${production.port}`;
  const auth = `Authorization: Bearer ${app.usageKey}`;
  const headers = { "content-type": "application/json", authorization: `Bearer ${app.usageKey}` };
  const answers = async (url, body, expected) => {
    const res = await fetch(url, { method: "POST", headers, body });
    const text = await res.text();
    if (res.status === 404) return false; // the route, as the feature exists
    if (res.status !== expected) throw new Error(`POST ${url} answered ${res.status}: ${text.slice(0, 300)}`);
    return true;
  };
  const result = { single: null, batch: null };
  const usageUrl = `${base}/api/v1/users/${app.userId}/usage`;
  const usageBody = JSON.stringify({ feature: USAGE_FEATURE.key, quantity: 1 });
  const contenders = { plain: { target: production, wrk: deductionWrk(production, app.usageKey) } };
  const batchContenders = { bare: { target: bare, wrk: deductionWrk(bare, null) } };
  if (await answers(usageUrl, usageBody, 201)) {
    contenders.usage = {
      target: production,
      wrk: { url: usageUrl, connections: CONNECTIONS, script: FIXED_SCRIPT, args: ["POST", usageBody, auth] },
    };
  }
  const probeEvent = { userId: app.userId, feature: USAGE_FEATURE.key, quantity: 1, idempotencyKey: "bench-probe" };
  if (await answers(`${base}/api/v1/usage/batch`, JSON.stringify({ events: [probeEvent] }), 200)) {
    batchContenders.batch = {
      target: production,
      wrk: {
        url: base,
        connections: CONNECTIONS,
        script: USAGE_BATCH_SCRIPT,
        args: [app.usageKey, String(app.userId), USAGE_FEATURE.key, String(BATCH_ITEMS)],
      },
    };
  }
  if (contenders.usage) {
    log("12a usage: plain, usage, alternating");
    const r = await alternate(contenders);
    const c = r.combined;
    result.single = { ...c.usage, plain: c.plain, ratio: pairRatio(r.all, "usage", "plain") };
    log(`  usage: ${Math.round(c.usage.rps)} events/s vs ${Math.round(c.plain.rps)} deductions/s`);
  }
  if (batchContenders.batch) {
    log("12b usage batch: bare, batch, alternating");
    const r = await alternate(batchContenders);
    const c = r.combined;
    result.batch = {
      ...c.batch,
      eventsPerSecond: c.batch.rps * BATCH_ITEMS,
      bare: c.bare.rps,
      ratio: median(r.all.batch.map((x, i) => ratio(x.rps * BATCH_ITEMS, r.all.bare[i].rps))),
    };
    log(`  usage batch: ${Math.round(result.batch.eventsPerSecond)} events/s vs bare ${Math.round(c.bare.rps)}/s`);
  }
  return result;
}

/** `--only usage`: row 12 alone on its own servers, printed as JSON. */
async function benchUsageOnly() {
  const app = prepareDeductionDb("usage-app");
  App.createFeature(app.ctx, USAGE_FEATURE, "bench");
  App.closeDatabase(app.db);
  const raw = prepareDeductionDb("usage-raw");
  App.closeDatabase(raw.db);
  const production = await startProduction("production", app.file);
  const bare = await startBare(raw.file);
  try {
    Object.assign(production, { userId: app.userId });
    Object.assign(bare, { userId: raw.userId });
    return await benchUsage(production, bare, app);
  } finally {
    await stopChild(production.child);
    await stopChild(bare.child);
  }
}

// ---- main -------------------------------------------------------------------------------------

async function main() {
  ensureWrk(log);
  ensureBuild();
  App = await loadApp();
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "credits-bench-"));
  log(`pinning: ${describePinning(pinning)}`);
  try {
    if (ONLY === "saturation") {
      process.stdout.write(`${JSON.stringify(await benchSaturation(), null, 2)}\n`);
      return;
    }
    if (ONLY === "usage") {
      process.stdout.write(`${JSON.stringify(await benchUsageOnly(), null, 2)}\n`);
      return;
    }
    const inProcess = benchInProcess();
    const servers = await benchServers(!opts["no-profile"]);
    const soak = await benchSoak();
    const saturation = await benchSaturation();
    const ledger = benchLedgerSize();
    const sweep = benchSweep();
    const sqliteVersion = (() => {
      const db = App.openDatabase(":memory:");
      const v = db.$client.prepare("select sqlite_version() as v").get().v;
      App.closeDatabase(db);
      return v;
    })();
    const results = {
      root,
      quick: QUICK,
      command: COMMAND,
      startedAt,
      loadBefore,
      seconds: (Date.now() - startedAt.getTime()) / 1000,
      sqliteVersion,
      pinning,
      wrkVersion: spawnSync("sh", ["-c", "wrk -v 2>&1 | head -1"], { encoding: "utf8" }).stdout.trim(),
      litestreamVersion:
        spawnSync(path.join(root, "node_modules/.bin/litestream"), ["version"], { encoding: "utf8" }).stdout?.trim() ??
        "?",
      settings: {
        ROUND_SECONDS,
        ROUNDS,
        CONNECTIONS,
        IN_PROCESS_ROUNDS,
        IN_PROCESS_ROUND_MS,
        BIG_LEDGER,
        SMALL_LEDGER,
        SWEEP_GRANTS,
        MANY_GRANTS,
        PAGE_LEDGER,
        REPORTS_LEDGER,
        TTFB_SAMPLES,
        SOAK_SECONDS,
        SATURATION_SECONDS,
        BATCH_ITEMS,
      },
      inProcess,
      servers,
      soak,
      saturation,
      ledger,
      sweep,
    };
    // Kept, so a report can be rendered again without measuring again.
    fs.writeFileSync(path.join(root, ".tmp/bench/last-run.json"), JSON.stringify(results));
    const report = writeReport(results);
    process.stdout.write(report);
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`[bench] failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
