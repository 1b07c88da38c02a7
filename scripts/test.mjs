#!/usr/bin/env node
// `npm test`: every test, in the order a failure is cheapest to find —
// typecheck, lint (ESLint, with the import boundaries; knip, no dead code; madge, no import cycles), a production build, unit/integration (Vitest), then the e2e suite (Playwright).
// Ends with one summary line over both runners: "tests: N passed, N failed, N skipped".
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const reports = fs.mkdtempSync(path.join(os.tmpdir(), "credits-test-reports-"));
const vitestJson = path.join(reports, "vitest.json");
const playwrightJson = path.join(reports, "playwright.json");

function run(label, cmd, args, env = {}) {
  process.stdout.write(`\n▶ ${label}\n`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
  if (r.status !== 0) {
    process.stderr.write(`\n✖ ${label} failed (exit ${r.status ?? r.signal})\n`);
    summary();
    process.exit(r.status ?? 1);
  }
}

/** Runs the steps `width` at a time; prints each one's output when it ends; exits on the first failure once all ended. */
async function runAll(steps, width = 2) {
  const queue = [...steps];
  const failures = [];
  const worker = async () => {
    for (let step = queue.shift(); step; step = queue.shift()) {
      const [label, cmd, args] = step;
      const started = Date.now();
      const { status, output } = await new Promise((resolve) => {
        const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
        const chunks = [];
        child.stdout.on("data", (c) => chunks.push(c));
        child.stderr.on("data", (c) => chunks.push(c));
        child.on("close", (code, signal) => resolve({ status: code ?? signal, output: Buffer.concat(chunks) }));
      });
      process.stdout.write(`\n▶ ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      process.stdout.write(output);
      if (status !== 0) failures.push({ label, status });
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  if (failures.length > 0) {
    for (const f of failures) process.stderr.write(`\n✖ ${f.label} failed (exit ${f.status})\n`);
    process.exit(typeof failures[0].status === "number" ? failures[0].status : 1);
  }
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

function summary() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const v = readJson(vitestJson);
  if (v) {
    passed += v.numPassedTests ?? 0;
    failed += v.numFailedTests ?? 0;
    skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
  }
  const p = readJson(playwrightJson);
  if (p?.stats) {
    passed += (p.stats.expected ?? 0) + (p.stats.flaky ?? 0);
    failed += p.stats.unexpected ?? 0;
    skipped += p.stats.skipped ?? 0;
  }
  if (v || p) process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
}

if (!fs.existsSync("node_modules/.package-lock.json")) run("install dependencies", "npm", ["ci"]);
// The static checks and the production build are independent: two at a time (one per core), each
// one's output printed whole when it ends, the first failure reported after all have ended.
await runAll([
  ["typecheck", "npx", ["tsc", "--noEmit"]],
  ["lint", "npx", ["eslint", "."]],
  ["dead code (knip: unused files, exports and dependencies)", "npx", ["knip", "--no-progress"]],
  [
    "import cycles (madge, type-only imports included)",
    "npx",
    ["madge", "--circular", "--extensions", "ts,tsx", "--ts-config", "tsconfig.json", "app", "db"],
  ],
  ["format", "npx", ["prettier", "--check", "."]],
  // One production build, before the runners: the production-server tests in Vitest and the e2e suite both use it.
  ["production build", "npm", ["run", "build"]],
]);
run("unit and integration tests", "npx", [
  "vitest",
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${vitestJson}`,
]);
run("end-to-end tests", "npx", ["playwright", "test", "--reporter=list,json"], {
  PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson,
});
summary();
fs.rmSync(reports, { recursive: true, force: true });
process.stdout.write("\n✔ all tests passed\n");
