#!/usr/bin/env node
// `npm run demo`: from a fresh clone to a running demo in one command — installs dependencies if
// they are missing, builds, then starts the production server on ./data/app.db with the offline
// Stripe (no STRIPE_SECRET_KEY needed). The server seeds demo data into an empty database and
// prints the URL and both logins.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";

function step(label, cmd, args) {
  process.stdout.write(`▶ ${label}\n`);
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!fs.existsSync("node_modules/.package-lock.json")) step("installing dependencies (npm ci)", "npm", ["ci", "--no-audit", "--no-fund"]);
step("building", "npm", ["run", "build"]);

const env = { ...process.env };
env.NODE_ENV ??= "production";
env.DATABASE_PATH ??= "./data/app.db";
env.PORT ??= "3000";
env.APP_URL ??= `http://localhost:${env.PORT}`;
if (env.STRIPE_SECRET_KEY) {
  process.stderr.write("npm run demo uses the offline Stripe; unset STRIPE_SECRET_KEY (or use npm start).\n");
  process.exit(1);
}
const server = spawn(process.execPath, ["build/node/server.js"], { stdio: "inherit", env });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.kill(sig));
server.on("exit", (code) => process.exit(code ?? 0));
