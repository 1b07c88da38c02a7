/**
 * `backup verify` and `backup status`: proof that the replica can be restored and is what the live
 * database says it should be. verify restores the latest replica into a temporary file, runs
 * SQLite's integrity_check and the ledger invariants (app/credits/invariants.server.ts) on it, and
 * compares its newest ledger entry with the live database; any problem fails it. The result is
 * also written beside the database (backup-verify.json), where /healthz and the admin overview read
 * the last one whichever process (CLI, the server's schedule) ran it.
 */
import Database from "better-sqlite3";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findInvariantViolations } from "../credits/invariants.server";
import type { DbClock } from "../utils/context.server";
import { litestreamError, restoreReplicaFile, runLitestream, type LitestreamConfig } from "./litestream.server";

export interface BackupVerifyResult {
  ok: boolean;
  /** ISO time the check started. */
  checkedAt: string;
  /** One line for people: "backup verify: OK — …" or "backup verify: FAILED — …". */
  verdict: string;
  problems: string[];
  replica: string;
  durationMs: number;
  restoredLedgerEntries: number | null;
  newestReplicaEntryId: number | null;
  /** Live ledger entries newer than the replica's newest (written since its last sync). */
  liveEntriesNotInReplica: number | null;
}

/** Live entries may be missing from the replica for this long (sync-interval is 1 s) before it counts as behind. */
const DEFAULT_MAX_LAG_SECONDS = 300;

interface LedgerRow {
  id: number;
  user_id: number;
  type: string;
  amount: number;
  balance_after: number;
  created_at: number;
}

const NEWEST_ENTRY =
  "select id, user_id, type, amount, balance_after, created_at from credit_ledger order by id desc limit 1";

export async function verifyBackup(
  ctx: DbClock,
  config: LitestreamConfig,
  opts: { maxLagSeconds?: number; now?: () => number } = {},
): Promise<BackupVerifyResult> {
  const started = ctx.clock.now();
  const t0Ms = (opts.now ?? (() => performance.now()))();
  const problems: string[] = [];
  let restoredLedgerEntries: number | null = null;
  let newestReplicaEntryId: number | null = null;
  let liveEntriesNotInReplica: number | null = null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "credits-backup-verify-"));
  const file = path.join(dir, "restored.db");
  try {
    const restore = await restoreReplicaFile(config, file);
    if (restore.code !== 0 || !fs.existsSync(file)) {
      const why = litestreamError(restore);
      problems.push(
        /no matching backups/.test(why)
          ? `the replica holds no backup to restore (${why})`
          : `restoring the replica failed: ${why}`,
      );
    } else {
      let restored: Database.Database | undefined;
      try {
        restored = new Database(file, { readonly: true, fileMustExist: true });
        const integrity = (restored.pragma("integrity_check") as { integrity_check: string }[]).map(
          (r) => r.integrity_check,
        );
        if (integrity.join() !== "ok")
          problems.push(`integrity_check on the restored copy: ${integrity.slice(0, 3).join("; ")}`);
        else {
          const violations = findInvariantViolations({ db: restored, clock: ctx.clock });
          if (violations.length) {
            problems.push(
              `ledger invariants broken in the restored copy (${violations.length}): ${violations.slice(0, 3).join("; ")}`,
            );
          }
          restoredLedgerEntries = (restored.prepare("select count(*) as n from credit_ledger").get() as { n: number })
            .n;
          const newest = restored.prepare(NEWEST_ENTRY).get() as LedgerRow | undefined;
          newestReplicaEntryId = newest?.id ?? null;
          const live = ctx.db.$client;
          if (newest) {
            const same = live
              .prepare("select id, user_id, type, amount, balance_after, created_at from credit_ledger where id = ?")
              .get(newest.id) as LedgerRow | undefined;
            if (!same) problems.push(`the replica's newest ledger entry #${newest.id} is not in the live database`);
            else if (JSON.stringify(same) !== JSON.stringify(newest)) {
              problems.push(`the replica's newest ledger entry #${newest.id} differs from the live database's`);
            }
          }
          const behind = live
            .prepare("select count(*) as n, min(created_at) as oldest from credit_ledger where id > ?")
            .get(newest?.id ?? 0) as { n: number; oldest: number | null };
          liveEntriesNotInReplica = behind.n;
          const maxLagMs = (opts.maxLagSeconds ?? DEFAULT_MAX_LAG_SECONDS) * 1000;
          if (behind.n > 0 && behind.oldest !== null && started.getTime() - behind.oldest > maxLagMs) {
            problems.push(
              `the replica is behind: ${behind.n} live ledger entries are not in it, the oldest from ${new Date(behind.oldest).toISOString()}`,
            );
          }
        }
      } catch (e) {
        problems.push(`the restored copy cannot be read: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        restored?.close();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const durationMs = Math.round((opts.now ?? (() => performance.now()))() - t0Ms);
  const ok = problems.length === 0;
  const verdict = ok
    ? `backup verify: OK — ${config.replica}: restored ${restoredLedgerEntries} ledger entries; integrity ok; invariants ok; ` +
      (newestReplicaEntryId === null
        ? "no ledger entries yet"
        : `newest entry #${newestReplicaEntryId} matches the live database (${liveEntriesNotInReplica} newer not yet replicated)`) +
      ` (${(durationMs / 1000).toFixed(1)} s)`
    : `backup verify: FAILED — ${config.replica}: ${problems.join("; ")}`;
  return {
    ok,
    checkedAt: started.toISOString(),
    verdict,
    problems,
    replica: config.replica,
    durationMs,
    restoredLedgerEntries,
    newestReplicaEntryId,
    liveEntriesNotInReplica,
  };
}

/** Where the last verify result is kept: beside the database, on the same volume. */
export function verifyResultPath(databasePath: string): string {
  return path.join(path.dirname(path.resolve(databasePath)), "backup-verify.json");
}

export function saveVerifyResult(databasePath: string, result: BackupVerifyResult): void {
  const file = verifyResultPath(databasePath);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(result));
  fs.renameSync(tmp, file);
}

/** The last verify result, or null when none has run (or the file is unreadable). */
export function readLastVerifyResult(databasePath: string): BackupVerifyResult | null {
  try {
    return JSON.parse(fs.readFileSync(verifyResultPath(databasePath), "utf8")) as BackupVerifyResult;
  } catch {
    return null;
  }
}

export interface BackupStatus {
  ok: boolean;
  replica: string;
  generations: { name: string; generation: string; lag: string; start: string; end: string }[];
  snapshots: number;
  problems: string[];
}

/** Generations (and the current one's lag behind the live database) and snapshots, from Litestream. */
export async function backupStatus(config: LitestreamConfig): Promise<BackupStatus> {
  const problems: string[] = [];
  const gens = await runLitestream(config, ["generations", "-config", config.configPath, config.databasePath]);
  const generations: BackupStatus["generations"] = [];
  if (gens.code !== 0) problems.push(`litestream generations failed: ${litestreamError(gens)}`);
  else {
    for (const line of gens.stdout.split("\n").slice(1)) {
      const [name, generation, lag, start, end] = line.trim().split(/\s+/);
      if (name && generation) generations.push({ name, generation, lag, start, end });
    }
    if (!generations.length) problems.push("the replica has no generation yet (nothing replicated)");
  }
  const snaps = await runLitestream(config, ["snapshots", "-config", config.configPath, config.databasePath]);
  const snapshots =
    snaps.code === 0
      ? snaps.stdout
          .split("\n")
          .slice(1)
          .filter((l) => l.trim()).length
      : 0;
  if (snaps.code !== 0) problems.push(`litestream snapshots failed: ${litestreamError(snaps)}`);
  return { ok: problems.length === 0, replica: config.replica, generations, snapshots, problems };
}
