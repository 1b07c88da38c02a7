/**
 * `backup verify` on a schedule, from the server (BACKUP_VERIFY_INTERVAL_SECONDS; daily by default,
 * 0 = off, off under NODE_ENV=test unless set). Each run is the CLI in a child process
 * (build/node/cli.js, beside the server bundle): the restore and the invariant replay take seconds
 * on a large database and must not block the server's event loop. The child writes its result
 * beside the database (verify.server.ts), where /healthz and the admin overview read it.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Clock } from "../utils/clock";
import type { Env } from "../utils/env.server";
import { log } from "../utils/log.server";
import { litestreamSetup } from "./litestream.server";
import { readLastVerifyResult, saveVerifyResult, type BackupVerifyResult } from "./verify.server";

export const DEFAULT_BACKUP_VERIFY_INTERVAL_SECONDS = 86_400;
const MAX_INTERVAL_SECONDS = Math.floor(2_147_483_647 / 1000);

export function backupVerifyIntervalSeconds(env: Pick<Env, "NODE_ENV" | "BACKUP_VERIFY_INTERVAL_SECONDS">): number {
  return env.BACKUP_VERIFY_INTERVAL_SECONDS ?? (env.NODE_ENV === "test" ? 0 : DEFAULT_BACKUP_VERIFY_INTERVAL_SECONDS);
}

/** What /healthz and the admin overview show about backups. */
export interface BackupHealth {
  configured: boolean;
  intervalSeconds: number;
  last: Pick<BackupVerifyResult, "ok" | "checkedAt" | "verdict"> | null;
}

export function backupHealth(
  env: Pick<Env, "NODE_ENV" | "BACKUP_VERIFY_INTERVAL_SECONDS" | "DATABASE_PATH">,
): BackupHealth {
  const last = readLastVerifyResult(env.DATABASE_PATH);
  return {
    configured: litestreamSetup(env.DATABASE_PATH).configured,
    intervalSeconds: backupVerifyIntervalSeconds(env),
    last: last && { ok: last.ok, checkedAt: last.checkedAt, verdict: last.verdict },
  };
}

/** Starts the schedule when a replica is configured and the interval is > 0; returns stop(). */
export function startBackupVerifySchedule(env: Env, clock: Clock): () => void {
  const seconds = Math.min(backupVerifyIntervalSeconds(env), MAX_INTERVAL_SECONDS);
  if (!(seconds > 0)) return () => {};
  const setup = litestreamSetup(env.DATABASE_PATH);
  if (!setup.configured) {
    log.info("backup verify not scheduled", { reason: setup.reason });
    return () => {};
  }
  // The bundle is build/node/server.js; the CLI bundle sits beside it.
  const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), "cli.js");
  let running = false;
  let stopped = false;
  const run = () => {
    if (running || stopped) return;
    if (!fs.existsSync(cli)) {
      log.warn("backup verify skipped: the CLI bundle is missing", { path: cli });
      return;
    }
    running = true;
    execFile(
      process.execPath,
      [cli, "backup", "verify", "--json"],
      { env: process.env, timeout: 30 * 60_000, maxBuffer: 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        running = false;
        let result: BackupVerifyResult | null = null;
        try {
          result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as BackupVerifyResult;
        } catch {
          // The child died before its verdict: record that as the (failed) result.
          const why = (stderr || String(error ?? "no output")).trim().split("\n").at(-1);
          result = {
            ok: false,
            checkedAt: clock.now().toISOString(),
            verdict: `backup verify: FAILED — the check itself did not finish: ${why}`,
            problems: [String(why)],
            replica: setup.config.replica,
            durationMs: 0,
            restoredLedgerEntries: null,
            newestReplicaEntryId: null,
            liveEntriesNotInReplica: null,
          };
          saveVerifyResult(env.DATABASE_PATH, result);
        }
        if (result.ok) log.info(result.verdict);
        else log.error(result.verdict);
      },
    );
  };
  const timer = setInterval(run, seconds * 1000);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
