#!/usr/bin/env node
// `npm test`: every test, in the order a failure is cheapest to find —
// typecheck, unit/integration (Vitest), then a production build and the e2e suite (Playwright).
import { spawnSync } from "node:child_process";
import fs from "node:fs";

function run(label, cmd, args, env = {}) {
  process.stdout.write(`\n▶ ${label}\n`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
  if (r.status !== 0) {
    process.stderr.write(`\n✖ ${label} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status ?? 1);
  }
}

if (!fs.existsSync("node_modules/.package-lock.json")) run("install dependencies", "npm", ["ci"]);
run("typecheck", "npx", ["tsc", "--noEmit"]);
run("unit and integration tests", "npx", ["vitest", "run"]);
run("production build", "npm", ["run", "build"]);
run("end-to-end tests", "npx", ["playwright", "test"]);
process.stdout.write("\n✔ all tests passed\n");
