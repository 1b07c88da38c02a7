import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../../db/client";
import { runCliForTest } from "../../test/cli";
import { testContext } from "../../test/db";
import { authenticateApiKey, listApiKeys } from "../auth/api-keys.server";

let ctx: ReturnType<typeof testContext>;
afterEach(() => closeDatabase(ctx.db));

async function cli(...argv: string[]) {
  const r = await runCliForTest(ctx, argv);
  return { ...r, lastLine: r.stdout.trimEnd().split("\n").at(-1) ?? "" };
}

describe("npm run credits -- api-keys", () => {
  it("creates a key, printing it as the last line of stdout and the explanation on stderr", async () => {
    ctx = testContext();
    const r = await cli("api-keys", "create", "--name", "billing worker", "--scope", "usage");
    expect(r.code).toBe(0);
    expect(r.lastLine).toMatch(/^cb_usage_[A-Za-z0-9_-]{43}$/);
    expect(r.stderr).toContain("shown only once");
    expect(r.stderr).not.toContain(r.lastLine);
    const record = authenticateApiKey(ctx, r.lastLine);
    expect(record).toMatchObject({ name: "billing worker", scope: "usage", createdBy: "cli" });
  });

  it("creates a key with --rate-limit N, stored on the key and shown in the list; a bad limit writes nothing", async () => {
    ctx = testContext();
    const r = await cli("api-keys", "create", "--name", "meter", "--scope", "usage", "--rate-limit", "25");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("25 requests/s");
    expect(authenticateApiKey(ctx, r.lastLine)).toMatchObject({ name: "meter", rateLimitPerSecond: 25 });
    expect((await cli("api-keys", "list")).stdout).toMatch(/meter\s+usage\s.*active\s+25\/s/);
    const plain = await cli("api-keys", "create", "--name", "open", "--scope", "usage");
    expect(authenticateApiKey(ctx, plain.lastLine)).toMatchObject({ rateLimitPerSecond: null });
    for (const bad of ["0", "-1", "1.5", "ten", "100001"]) {
      const refused = await cli("api-keys", "create", "--name", "x", "--scope", "usage", "--rate-limit", bad);
      expect(refused.code, bad).not.toBe(0);
      expect(refused.stderr).toMatch(/--rate-limit/);
    }
    expect(listApiKeys(ctx.db)).toHaveLength(2);
  });

  it("fails with a clear message and writes nothing when --name or --scope is missing or wrong", async () => {
    ctx = testContext();
    const cases: [string[], RegExp][] = [
      [["--scope", "usage"], /--name is required/],
      [["--name", "x"], /--scope must be one of: admin, usage/],
      [["--name", "x", "--scope", "root"], /--scope must be one of/],
      [["--name", "x", "--scope", "usage", "--colour", "red"], /Unknown option '--colour'/],
      [["--name"], /argument missing/],
    ];
    for (const [args, message] of cases) {
      const r = await cli("api-keys", "create", ...args);
      expect(r.code, args.join(" ")).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe("");
    }
    expect(listApiKeys(ctx.db)).toHaveLength(0);
  });

  it("lists keys by id, name, scope and prefix without showing any key", async () => {
    ctx = testContext();
    const created = await cli("api-keys", "create", "--name", "ops", "--scope", "admin");
    const r = await cli("api-keys", "list");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ID\s+NAME\s+SCOPE\s+PREFIX/);
    expect(r.stdout).toMatch(/1\s+ops\s+admin\s+cb_admin_\S{4}…/);
    expect(r.stdout).not.toContain(created.lastLine);
    const json = await cli("api-keys", "list", "--json");
    expect(JSON.parse(json.lastLine)).toMatchObject({ id: 1, name: "ops", scope: "admin", revokedAt: null });
  });

  it("revokes a key by id so it stops working, and refuses a bad or unknown id", async () => {
    ctx = testContext();
    const { lastLine: key } = await cli("api-keys", "create", "--name", "w", "--scope", "usage");
    const r = await cli("api-keys", "revoke", "--id", "1");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.lastLine)).toMatchObject({ id: 1, revokedAt: expect.any(String) });
    expect(authenticateApiKey(ctx, key)).toBeNull();
    expect((await cli("api-keys", "list")).stdout).toContain("revoked");

    const bad = await cli("api-keys", "revoke", "--id", "abc");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--id must be a key id/);
    const unknown = await cli("api-keys", "revoke", "--id", "42");
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/not_found/);
  });

  it("works through the real `npm run credits` on a fresh DATABASE_PATH, migrating it first", () => {
    ctx = testContext();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "credits-cli-"));
    try {
      const databasePath = path.join(dir, "nested", "app.db");
      const run = (...args: string[]) =>
        spawnSync("npm", ["run", "--silent", "credits", "--", ...args], {
          cwd: path.resolve(__dirname, "../.."),
          env: {
            ...process.env,
            DATABASE_PATH: databasePath,
            LOG_LEVEL: "warn",
            NODE_ENV: "production",
            // Production refuses to start without these (the CLI too); never called here.
            STRIPE_SECRET_KEY: "sk_test_cli_test_unused",
            STRIPE_WEBHOOK_SECRET: "whsec_cli_test_unused",
            SESSION_SECRET: "cli-test-session-secret-0123456789abcdef",
            SMTP_URL: "smtp://127.0.0.1:9",
            DEMO: "",
          },
          encoding: "utf8",
          timeout: 60_000,
        });
      const created = run("api-keys", "create", "--name", "from the shell", "--scope", "admin");
      expect(created.status, created.stderr).toBe(0);
      const key = created.stdout.trimEnd().split("\n").at(-1)!;
      expect(key).toMatch(/^cb_admin_[A-Za-z0-9_-]{43}$/);
      expect(created.stderr).toContain("shown only once");

      const db = openDatabase(databasePath);
      try {
        expect(authenticateApiKey({ db, clock: ctx.clock }, key)).toMatchObject({
          name: "from the shell",
          scope: "admin",
        });
      } finally {
        closeDatabase(db);
      }

      const missing = run("api-keys", "create", "--scope", "admin");
      expect(missing.status).not.toBe(0);
      expect(missing.stderr).toMatch(/--name is required/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
