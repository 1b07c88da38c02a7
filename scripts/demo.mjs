#!/usr/bin/env node
// `npm run demo`: from a fresh clone to a running demo in one command — installs dependencies if
// they are missing, builds, then starts the production server on ./data/app.db with DEMO=1: the
// offline Stripe (no STRIPE_SECRET_KEY needed) and a "no real payments" banner on every page. The
// server seeds demo data into an empty database and prints the URL and both logins.
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

function step(label, cmd, args) {
  process.stdout.write(`▶ ${label}\n`);
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!fs.existsSync("node_modules/.package-lock.json"))
  step("installing dependencies (npm ci)", "npm", ["ci", "--no-audit", "--no-fund"]);
step("building", "npm", ["run", "build"]);

const env = { ...process.env };
env.NODE_ENV ??= "production";
env.DATABASE_PATH ??= "./data/app.db";
env.PORT ??= "3000";
env.APP_URL ??= `http://localhost:${env.PORT}`;
// DEMO=1 is what lets production run on the offline Stripe with the demo logins (and shows the
// "no real payments" banner); the server refuses it together with a real key.
env.DEMO = "1";
if (env.STRIPE_SECRET_KEY) {
  process.stderr.write("npm run demo uses the offline Stripe; unset STRIPE_SECRET_KEY (or use npm start).\n");
  process.exit(1);
}
// Production has no built-in session secret: the demo makes a random one, kept beside its database
// so sessions survive a restart.
if (!env.SESSION_SECRET) {
  const file = path.join(path.dirname(env.DATABASE_PATH), ".session-secret");
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, crypto.randomBytes(32).toString("hex"), { mode: 0o600 });
  }
  env.SESSION_SECRET = fs.readFileSync(file, "utf8").trim();
}
const server = spawn(process.execPath, ["build/node/server.js"], { stdio: "inherit", env });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.kill(sig));
server.on("exit", (code) => process.exit(code ?? 0));
