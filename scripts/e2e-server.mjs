#!/usr/bin/env node
// Starts the production build for Playwright on a fresh database in a temporary folder.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

// The folder may be given (playwright.config.ts does) so specs can seed through the domain.
const dir = process.env.E2E_DB_DIR || fs.mkdtempSync(path.join(os.tmpdir(), "credits-e2e-"));
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
    SESSION_SECRET: "e2e-session-secret-0123456789abcdef0123",
    // Production refuses to run on the offline Stripe unless asked to: DEMO=1 is that request.
    DEMO: "1",
    TRUST_PROXY: "",
    // Every spec signs up its own customers, all from 127.0.0.1: more than a real address makes in an hour.
    SIGNUP_LIMIT_PER_IP_PER_HOUR: "100000",
    // Always the offline Stripe, never a key from the developer's shell; on a fixed port so specs can
    // call its test-clock triggers (http://127.0.0.1:<E2E_STRIPE_PORT>/_offline/…).
    STRIPE_SECRET_KEY: "",
    STRIPE_WEBHOOK_SECRET: "",
    STRIPE_API_BASE: "",
    STRIPE_OFFLINE_PORT: process.env.E2E_STRIPE_PORT ?? String(Number(port) + 1),
    // Mail goes to an SMTP server the mail spec (e2e/account.spec.ts) runs on this port while it needs it;
    // the app retries whatever it could not hand over.
    SMTP_URL: `smtp://127.0.0.1:${process.env.E2E_SMTP_PORT ?? String(Number(port) + 1000)}`,
    // The webhooks spec (e2e/admin-keys-webhooks.spec.ts) runs its receiver on loopback, over plain http.
    WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
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
