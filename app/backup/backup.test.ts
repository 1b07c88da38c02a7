// `backup verify` and `backup status` against a real replica: the real Litestream (from the
// lockfile) replicating a real database to a local S3 server (s3rver), then the CLI as operators run it.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../auth/users.server";
import { deductCredits, grantCredits } from "../credits/index.server";
import { runCliForTest } from "../../test/cli";
import { testContext } from "../../test/db";
import { S3_BUCKET, pollFor, startLocalS3, type LocalS3 } from "../../scripts/restore-drill-harness";
import { litestreamSetup, restoreReplicaFile, runLitestream } from "./litestream.server";
import { backupHealth, backupVerifyIntervalSeconds, DEFAULT_BACKUP_VERIFY_INTERVAL_SECONDS } from "./schedule.server";
import { backupStatus, verifyResultPath } from "./verify.server";

let s3: LocalS3;
const saved: Record<string, string | undefined> = {};
let n = 0;

beforeAll(async () => {
  s3 = await startLocalS3();
});
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});
afterAll(async () => {
  await s3?.close();
});

/** The replica settings an operator sets, in this process's environment (the CLI reads them there). */
function useReplica(replicaPath: string) {
  const vars = {
    LITESTREAM_S3_BUCKET: S3_BUCKET,
    LITESTREAM_S3_PATH: replicaPath,
    LITESTREAM_S3_ENDPOINT: s3.endpoint,
    LITESTREAM_S3_REGION: "us-east-1",
    LITESTREAM_ACCESS_KEY_ID: "S3RVER",
    LITESTREAM_SECRET_ACCESS_KEY: "S3RVER",
    LITESTREAM_REPLICA_URL: "",
  };
  for (const [k, v] of Object.entries(vars)) {
    if (!(k in saved)) saved[k] = process.env[k];
    process.env[k] = v;
  }
}

/** A database with a ledger, replicated once by the real `litestream replicate`, which is then stopped. */
async function replicatedLedger() {
  const ctx = testContext();
  const replicaPath = `verify-${process.pid}-${++n}/app.db`;
  useReplica(replicaPath);
  const user = createUser(ctx, { email: `backup${n}@example.com` });
  grantCredits(ctx, { userId: user.id, type: "topup", amount: 1000, source: "topup" });
  for (let i = 0; i < 5; i++) deductCredits(ctx, { userId: user.id, amount: 10, reason: `call ${i}` });

  const setup = litestreamSetup(ctx.path);
  if (!setup.configured) throw new Error(setup.reason);
  const config = setup.config;
  const child = spawn(config.binary!, ["replicate", "-config", config.configPath], {
    env: config.env,
    stdio: "ignore",
  });
  try {
    await pollFor("a replicated generation", async () => {
      const status = await backupStatus(config);
      return status.ok ? status : undefined;
    });
    // Let the newest writes reach the replica too: stop (final sync) and wait.
  } finally {
    const exited = new Promise((r) => child.on("close", r));
    child.kill("SIGTERM");
    await exited;
  }
  return { ctx, config, replicaPath, userId: user.id };
}

describe("backup verify / backup status", () => {
  it("verifies a sound replica: one OK line naming the newest entry, exit 0, and the result kept for /healthz", async () => {
    const { ctx } = await replicatedLedger();
    const run = await runCliForTest(ctx, ["backup", "verify"]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^backup verify: OK — s3:\/\/backups\/verify-.*: restored 6 ledger entries; integrity ok; invariants ok; newest entry #\d+ matches the live database \(0 newer not yet replicated\)/,
    );
    const kept = JSON.parse(fs.readFileSync(path.join(path.dirname(ctx.path), "backup-verify.json"), "utf8"));
    expect(kept).toMatchObject({ ok: true, verdict: lines[0] });
  }, 60_000);

  it("schedules daily by default, off under NODE_ENV=test unless set, and shows the last verdict as health detail", async () => {
    expect(backupVerifyIntervalSeconds({ NODE_ENV: "production", BACKUP_VERIFY_INTERVAL_SECONDS: undefined })).toBe(
      DEFAULT_BACKUP_VERIFY_INTERVAL_SECONDS,
    );
    expect(backupVerifyIntervalSeconds({ NODE_ENV: "test", BACKUP_VERIFY_INTERVAL_SECONDS: undefined })).toBe(0);
    expect(backupVerifyIntervalSeconds({ NODE_ENV: "test", BACKUP_VERIFY_INTERVAL_SECONDS: 60 })).toBe(60);
    expect(backupVerifyIntervalSeconds({ NODE_ENV: "production", BACKUP_VERIFY_INTERVAL_SECONDS: 0 })).toBe(0);
    const { ctx } = await replicatedLedger();
    // Test databases share a folder, and so the result file: start from none.
    fs.rmSync(verifyResultPath(ctx.path), { force: true });
    expect(backupHealth(ctx.env)).toMatchObject({ configured: true, intervalSeconds: 0, last: null });
    await runCliForTest(ctx, ["backup", "verify"]);
    expect(backupHealth(ctx.env).last).toMatchObject({
      ok: true,
      verdict: expect.stringMatching(/^backup verify: OK/),
    });
  }, 60_000);

  it("shows the generations with their lag, and the snapshots", async () => {
    const { ctx } = await replicatedLedger();
    const run = await runCliForTest(ctx, ["backup", "status"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^replica: s3:\/\/backups\/verify-/m);
    expect(run.stdout).toMatch(/^generations: 1$/m);
    expect(run.stdout).toMatch(/^ {2}[0-9a-f]{16} {2}last sync lag \S+/m);
    expect(run.stdout).toMatch(/^snapshots: 1$/m);
  }, 60_000);

  it("fails with a clear message when the replica is corrupted", async () => {
    const { ctx, replicaPath } = await replicatedLedger();
    // Damage every stored snapshot and WAL segment of this replica in the S3 server's files.
    const objects = fs
      .readdirSync(path.join(s3.directory, S3_BUCKET, path.dirname(replicaPath)), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(".lz4._S3rver_object"));
    expect(objects.length).toBeGreaterThan(0);
    for (const f of objects)
      fs.writeFileSync(path.join(s3.directory, S3_BUCKET, path.dirname(replicaPath), f), "not lz4 at all");
    const run = await runCliForTest(ctx, ["backup", "verify"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^backup verify: FAILED — s3:\/\/backups\/verify-.*: restoring the replica failed: .+/);
    expect(run.stdout.trim().split("\n")).toHaveLength(1);
  }, 60_000);

  it("fails when the live database lost what the replica has (the newest replicated entry is gone)", async () => {
    const { ctx } = await replicatedLedger();
    ctx.db.$client.exec(
      "delete from ledger_allocations where entry_id = (select max(id) from credit_ledger); delete from credit_ledger where id = (select max(id) from credit_ledger)",
    );
    const run = await runCliForTest(ctx, ["backup", "verify"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAILED — .*the replica's newest ledger entry #\d+ is not in the live database/);
  }, 60_000);

  it("refuses without a replica configured, saying which settings are missing", async () => {
    const ctx = testContext();
    useReplica("");
    process.env.LITESTREAM_S3_BUCKET = "";
    const run = await runCliForTest(ctx, ["backup", "verify"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("no replica configured (LITESTREAM_REPLICA_URL / LITESTREAM_S3_BUCKET unset)");
    // The litestream runner reports a missing binary rather than throwing.
    expect((await runLitestream({ ...litestreamSetupOrThrow(), binary: null }, ["version"])).code).toBe(127);
  });
});

describe("restoreReplicaFile", () => {
  // Litestream 0.3.13 reports a failed parallel WAL download as a bare "context canceled" and never
  // retries it; a stand-in binary fails that way once, so the retry is seen without a flaky network.
  function standIn(script: string) {
    const dir = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "litestream-stand-in-"));
    const binary = path.join(dir, "litestream");
    fs.writeFileSync(binary, `#!/bin/sh\ncd "${dir}"\n${script}\n`, { mode: 0o755 });
    return { ...litestreamSetupOrThrow(), binary, dir };
  }
  const canceled = `echo '{"level":"ERROR","msg":"failed to run","error":"context canceled"}' >&2; exit 1`;

  it("runs a restore that failed with Litestream's masked download error once more, from scratch", async () => {
    const config = standIn(`if [ -e tried ]; then touch "$5"; exit 0; fi; touch tried "$5.tmp"; ${canceled}`);
    const out = path.join(config.dir, "restored.db");
    const result = await restoreReplicaFile(config, out);
    expect(result).toMatchObject({ code: 0, attempts: 2 });
    expect(fs.existsSync(out)).toBe(true);
    expect(fs.existsSync(`${out}.tmp`)).toBe(false);
  });

  it("gives up after the second masked failure, and never retries any other failure", async () => {
    const twice = standIn(canceled);
    expect(await restoreReplicaFile(twice, path.join(twice.dir, "r.db"))).toMatchObject({ code: 1, attempts: 2 });
    const other = standIn(
      `echo '{"level":"ERROR","msg":"failed to run","error":"no matching backups found"}' >&2; exit 1`,
    );
    expect(await restoreReplicaFile(other, path.join(other.dir, "r.db"))).toMatchObject({ code: 1, attempts: 1 });
  });
});

function litestreamSetupOrThrow() {
  useReplica("x/app.db");
  const setup = litestreamSetup("/tmp/x.db");
  if (!setup.configured) throw new Error(setup.reason);
  return setup.config;
}
