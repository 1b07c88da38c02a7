#!/usr/bin/env node
// Starts the production build for Playwright on a fresh database in a temporary folder.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "credits-e2e-"));
const port = process.env.E2E_PORT ?? "3210";
const child = spawn(process.execPath, ["build/node/server.js"], {
  stdio: "inherit",
  env: {
    ...process.env,
    NODE_ENV: "production",
    PORT: port,
    HOST: "127.0.0.1",
    APP_URL: `http://localhost:${port}`,
    DATABASE_PATH: path.join(dir, "e2e.db"),
    SESSION_SECRET: "e2e-session-secret-0123456789",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    E2E: "1",
  },
});
const stop = (signal) => child.kill(signal);
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
child.on("exit", (code) => {
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(code ?? 0);
});
