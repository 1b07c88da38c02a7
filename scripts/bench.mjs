#!/usr/bin/env node
// `npm run bench`: measures the credit engine and the v1 API side by side with raw baselines,
// in one run, and writes the results to docs/benchmarks.md (also printed).
//
//   1. in-process deductions/s: deductCredits vs raw better-sqlite3 statements        (≥ 70 %)
//   2. POST /api/v1/users/:id/deductions on the production server vs a bare node:http
//      server doing the raw SQL, autocannon with 32 connections for 10 s              (≥ 50 %, p99 < 10 ms)
//   3. deductions/s with 1,000,000 ledger rows vs 10,000                               (≥ 90 %)
//   4. the expiry sweep of 100,000 expired grants (< 5 s) and the server's RSS under load (< 256 MB)
//
// Builds the app first when build/ is missing or older than the sources (BENCH_SKIP_BUILD=1 to
// skip). Everything listens on 127.0.0.1 and lives in a temporary folder that is removed at the
// end. BENCH_QUICK=1 shortens every phase (a smoke run; its numbers are not worth recording).
import autocannon from "autocannon";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { cpuSeconds, firstJsonLine, freePort, sampleRss, startChild, stopChild, waitForHttp } from "./bench/processes.mjs";
import { rawDeducter } from "./bench/raw-sql.mjs";
import { writeReport } from "./bench/report.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const QUICK = process.env.BENCH_QUICK === "1";
const HTTP_SECONDS = QUICK ? 2 : 10;
const HTTP_WARMUP_SECONDS = QUICK ? 1 : 2;
const ROUND_MS = QUICK ? 200 : 500;
const ROUNDS = QUICK ? 3 : 9;
const BIG_LEDGER = QUICK ? 100_000 : 1_000_000;
const SMALL_LEDGER = 10_000;
const SWEEP_GRANTS = QUICK ? 10_000 : 100_000;
const CONNECTIONS = 32;
const YEAR_MS = 365 * 86_400_000;
const MIGRATIONS = path.join(root, "migrations");

const startedAt = new Date();
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

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
  const built = fs.existsSync(server) && fs.existsSync(serverBuild) ? Math.min(fs.statSync(server).mtimeMs, fs.statSync(serverBuild).mtimeMs) : 0;
  const sources = Math.max(newestMtime(path.join(root, "app")), newestMtime(path.join(root, "db")), newestMtime(MIGRATIONS));
  if (built && (built >= sources || process.env.BENCH_SKIP_BUILD === "1")) return;
  log(built ? "build/ is older than the sources: npm run build" : "build/ is missing: npm run build");
  const r = spawnSync("npm", ["run", "build"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error("npm run build failed");
}

/** The app's TypeScript (engine, users, keys), bundled with esbuild so plain node can load it. */
const APP_MODULE = path.join(root, ".tmp/bench/app.mjs");

async function loadApp() {
  const { build } = await import("esbuild");
  const outfile = APP_MODULE;
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

/** A migrated database with one user holding three large grants (what both sides deduct from). */
function prepareDeductionDb(name, { apiKey = false } = {}) {
  const file = path.join(tmpDir, `${name}.db`);
  App.migrateDatabase(file, MIGRATIONS);
  const db = App.openDatabase(file);
  const ctx = { db, clock: App.systemClock };
  const user = App.createUser(ctx, { email: `${name}@bench.example`, name: "Bench" });
  const inAYear = new Date(Date.now() + YEAR_MS);
  App.grantCredits(ctx, { userId: user.id, type: "subscription", amount: 1e12, expiresAt: inAYear, source: "admin" });
  App.grantCredits(ctx, { userId: user.id, type: "promotional", amount: 1e12, source: "admin" });
  App.grantCredits(ctx, { userId: user.id, type: "topup", amount: 1e12, source: "admin" });
  const key = apiKey ? App.createApiKey(ctx, { name: "bench", scope: "usage" }).key : null;
  return { file, db, ctx, userId: user.id, key };
}

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

/**
 * Alternates two contenders in short rounds, so a burst of load elsewhere on the machine hits both
 * alike. The ratio is the median of the per-round ratios (each pair ran back to back), which shrugs
 * off a noisy round; the per-contender figure is its median round.
 */
function compare(contenders) {
  const names = Object.keys(contenders);
  const all = Object.fromEntries(names.map((k) => [k, []]));
  for (const fn of Object.values(contenders)) opsPerSecond(fn, Math.min(300, ROUND_MS)); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    // Swap who goes first each round, so neither always runs on a warmer cache.
    for (const name of r % 2 === 0 ? names : [...names].reverse()) all[name].push(opsPerSecond(contenders[name], ROUND_MS));
  }
  const [a, b] = names;
  const pairRatios = all[a].map((v, i) => v / all[b][i]);
  return {
    median: Object.fromEntries(names.map((k) => [k, median(all[k])])),
    pairRatio: median(pairRatios),
    all: Object.fromEntries(names.map((k) => [k, all[k].map(Math.round)])),
  };
}

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const ratio = (a, b) => (b > 0 ? a / b : 0);

// ---- 1. in-process ----------------------------------------------------------------------------

function benchInProcess() {
  log("1/4 in-process deductions: engine vs raw SQL");
  const engine = prepareDeductionDb("engine");
  const raw = prepareDeductionDb("raw");
  const rawDeduct = rawDeducter(raw.db.$client);
  const { median: m, pairRatio, all } = compare({
    engine: () => App.deductCredits(engine.ctx, { userId: engine.userId, amount: 1, actor: "bench" }),
    raw: () => rawDeduct(raw.userId, 1),
  });
  App.closeDatabase(engine.db);
  App.closeDatabase(raw.db);
  return { engine: m.engine, raw: m.raw, rounds: all, ratio: pairRatio };
}

// ---- 2. HTTP ----------------------------------------------------------------------------------

async function cannon(url, key) {
  const headers = { "content-type": "application/json" };
  if (key) headers.authorization = `Bearer ${key}`;
  const run = (duration) =>
    autocannon({ url, method: "POST", connections: CONNECTIONS, duration, headers, body: '{"amount":1}' });
  await run(HTTP_WARMUP_SECONDS);
  return run;
}

/** Runs the measured load and reports throughput, latency and the server's CPU per request. */
async function measure(run, pid) {
  const cpu0 = cpuSeconds(pid);
  const result = await run(HTTP_SECONDS);
  const cpu1 = cpuSeconds(pid);
  const answered = result["2xx"] + result.non2xx;
  const cpuUsPerRequest = cpu0 === null || cpu1 === null || answered === 0 ? null : ((cpu1 - cpu0) / answered) * 1e6;
  return { ...summarise(result), cpuUsPerRequest };
}

function summarise(result) {
  const ok = result["2xx"];
  return {
    rps: ok / result.duration,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
  };
}

async function benchHttp() {
  log(`2/4 HTTP deductions: production server vs bare node:http (${CONNECTIONS} connections, ${HTTP_SECONDS} s each)`);
  // The production server on its own database.
  const app = prepareDeductionDb("http-app", { apiKey: true });
  App.closeDatabase(app.db);
  const port = await freePort();
  const server = startChild(process.execPath, ["build/node/server.js"], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      APP_URL: `http://127.0.0.1:${port}`,
      DATABASE_PATH: app.file,
      LOG_LEVEL: "warn",
      SESSION_SECRET: "bench-session-secret-0123456789",
    },
  });
  let appResult;
  let rss;
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, server);
    const idleRss = sampleRss(server.pid)();
    const url = `http://127.0.0.1:${port}/api/v1/users/${app.userId}/deductions`;
    const probe = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${app.key}`, "content-type": "application/json" },
      body: '{"amount":1}',
    });
    if (probe.status !== 201) throw new Error(`the API answered ${probe.status}: ${await probe.text()}`);
    const run = await cannon(url, app.key);
    const stopSampling = sampleRss(server.pid);
    appResult = await measure(run, server.pid);
    rss = { idle: idleRss.last, ...stopSampling() };
  } finally {
    await stopChild(server);
  }

  // The bare node:http server doing the raw SQL, on its own database prepared the same way.
  const raw = prepareDeductionDb("http-raw");
  App.closeDatabase(raw.db);
  const bare = startChild(process.execPath, [path.join(root, "scripts/bench/raw-server.mjs")], {
    cwd: root,
    env: { ...process.env, DATABASE_PATH: raw.file },
  });
  let rawResult;
  try {
    const { port: rawPort } = await firstJsonLine(bare);
    const run = await cannon(`http://127.0.0.1:${rawPort}/api/v1/users/${raw.userId}/deductions`, null);
    rawResult = await measure(run, bare.pid);
  } finally {
    await stopChild(bare);
  }
  return { app: appResult, raw: rawResult, ratio: ratio(appResult.rps, rawResult.rps), rss };
}

// ---- 3. ledger size ---------------------------------------------------------------------------

function prefillLedger(db, userId, rows) {
  const sqlite = db.$client;
  const insertUser = sqlite.prepare("insert into users (email, name, created_at, updated_at) values (?, '', ?, ?)");
  const others = [];
  const now = Date.now();
  sqlite.transaction(() => {
    for (let i = 0; i < 99; i++) others.push(Number(insertUser.run(`other${i}@bench.example`, now, now).lastInsertRowid));
  }).immediate();
  const insertEntry = sqlite.prepare(
    "insert into credit_ledger (user_id, type, amount, balance_after, reason, created_at) values (?, 'deduction', -1, 0, 'prefill', ?)",
  );
  const t0 = performance.now();
  // Half the rows are the benchmarked user's own history, half belong to others.
  sqlite.transaction(() => {
    for (let i = 0; i < rows; i++) insertEntry.run(i % 2 === 0 ? userId : others[i % others.length], now - rows + i);
  }).immediate();
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  return (performance.now() - t0) / 1000;
}

function benchLedgerSize() {
  log(`3/4 deductions with ${BIG_LEDGER.toLocaleString("en-US")} vs ${SMALL_LEDGER.toLocaleString("en-US")} ledger rows`);
  const small = prepareDeductionDb("ledger-small");
  const big = prepareDeductionDb("ledger-big");
  prefillLedger(small.db, small.userId, SMALL_LEDGER);
  const prefillSeconds = prefillLedger(big.db, big.userId, BIG_LEDGER);
  const { median: m, pairRatio, all } = compare({
    big: () => App.deductCredits(big.ctx, { userId: big.userId, amount: 1, actor: "bench" }),
    small: () => App.deductCredits(small.ctx, { userId: small.userId, amount: 1, actor: "bench" }),
  });
  App.closeDatabase(small.db);
  App.closeDatabase(big.db);
  return { small: m.small, big: m.big, rounds: all, ratio: pairRatio, prefillSeconds };
}

// ---- 4. expiry sweep --------------------------------------------------------------------------

function benchSweep(batchSize) {
  log(`4/4 expiry sweep of ${SWEEP_GRANTS.toLocaleString("en-US")} expired grants (${batchSize ? `batchSize ${batchSize}` : "default batches"})`);
  const file = path.join(tmpDir, `sweep-${batchSize ?? "default"}.db`);
  App.migrateDatabase(file, MIGRATIONS);
  const db = App.openDatabase(file);
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
  const insertEntry = sqlite.prepare(`insert into credit_ledger (user_id, type, amount, balance_after, grant_id, created_at)
    values (?, 'grant', 10, ?, ?, ?)`);
  // Grants are interleaved across users in expiry order, as real ones are (users' grants expire at
  // the same moments), so a batch touches many pages. Consistent with the engine's invariants: the cached balance is the sum of the active grants'
  // remaining credits, and every grant has its `grant` entry.
  sqlite.transaction(() => {
    for (let u = 0; u < users; u++) {
      const userId = Number(insertUser.run(`sweep${u}@bench.example`, perUser * 10, now - 40 * 86_400_000, now).lastInsertRowid);
      for (let g = 0; g < perUser; g++) {
        const createdAt = now - 30 * 86_400_000;
        const grantId = Number(insertGrant.run(userId, createdAt, now - 86_400_000 + g, createdAt, createdAt).lastInsertRowid);
        insertEntry.run(userId, (g + 1) * 10, grantId, createdAt);
      }
    }
  }).immediate();
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  const t0 = performance.now();
  const result = App.expireGrants({ db, clock: App.systemClock }, batchSize ? { batchSize } : {});
  const seconds = (performance.now() - t0) / 1000;
  const left = sqlite.prepare("select count(*) as n from credit_grants where status = 'active'").get().n;
  App.closeDatabase(db);
  if (result.expired !== SWEEP_GRANTS || left !== 0) {
    throw new Error(`the sweep expired ${result.expired} of ${SWEEP_GRANTS} grants (${left} still active)`);
  }
  return { seconds, expired: result.expired, batches: result.batches };
}

// ---- main -------------------------------------------------------------------------------------

async function main() {
  ensureBuild();
  App = await loadApp();
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "credits-bench-"));
  try {
    const inProcess = benchInProcess();
    const http = await benchHttp();
    const ledger = benchLedgerSize();
    const sweep = benchSweep();
    // For comparison only (not a target): the same sweep in larger transactions.
    sweep.largeBatches = { batchSize: 10_000, ...benchSweep(10_000) };
    const sqliteVersion = (() => {
      const db = App.openDatabase(":memory:");
      const v = db.$client.prepare("select sqlite_version() as v").get().v;
      App.closeDatabase(db);
      return v;
    })();
    const report = writeReport({
      root,
      quick: QUICK,
      startedAt,
      seconds: (Date.now() - startedAt.getTime()) / 1000,
      sqliteVersion,
      settings: { HTTP_SECONDS, CONNECTIONS, ROUNDS, ROUND_MS, BIG_LEDGER, SMALL_LEDGER, SWEEP_GRANTS },
      inProcess,
      http,
      ledger,
      sweep,
    });
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
