/**
 * A sick disk, named: SQLite errors that say the storage under the database failed (full, read-only,
 * I/O error, damaged) rather than the request. They become 503 `storage_unavailable` with
 * Retry-After (nothing was written; the same request may be retried once the disk is back), are
 * logged at most once per LOG_INTERVAL_MS with a count of the failures in between (a full disk
 * fails every write; a stack per failure was ~1 MB/s of logs), and wake the server's storage
 * health monitor (app/server/storage.ts), which answers /healthz and retries a checkpoint.
 */
import { sqliteCode, storageProblemOf, type StorageProblem } from "../../db/storage-errors";
import { AppError } from "./errors";
import { log } from "./log.server";

export { isBusyError, isStorageError, sqliteCode } from "../../db/storage-errors";

export const STORAGE_RETRY_AFTER_SECONDS = 5;
export const STORAGE_LOG_INTERVAL_MS = 10_000;

const PROBLEM_TEXT: Record<StorageProblem, string> = {
  full: "the disk is full",
  "read-only": "the database is read-only",
  damaged: "the database file is damaged",
  io: "the disk reported an I/O error",
};

/** The API's answer for a storage failure; says nothing of paths (the log does). */
export function storageUnavailableError(e?: unknown): AppError {
  const why = e === undefined ? "storage is unavailable" : PROBLEM_TEXT[storageProblemOf(sqliteCode(e))];
  return new AppError(
    "storage_unavailable",
    `The service cannot save data right now (${why}). Nothing was changed; retry in a few seconds.`,
  );
}

/** Counts failures and logs the first of each LOG_INTERVAL_MS window, with how many it stood for. */
export class StorageFailureLog {
  private lastLoggedAtMs = -Infinity;
  private suppressed = 0;
  constructor(
    private readonly now: () => number = Date.now,
    private readonly intervalMs = STORAGE_LOG_INTERVAL_MS,
  ) {}

  note(e: unknown, where: string): void {
    const atMs = this.now();
    if (atMs - this.lastLoggedAtMs < this.intervalMs) {
      this.suppressed++;
      return;
    }
    // The message and code only: the stack is the same every time and says nothing about the disk.
    log.error("storage unavailable: a database write failed", {
      code: sqliteCode(e) ?? "unknown",
      problem: storageProblemOf(sqliteCode(e)),
      error: e instanceof Error ? e.message : String(e),
      where,
      suppressed: this.suppressed,
    });
    this.lastLoggedAtMs = atMs;
    this.suppressed = 0;
  }

  /** Called once storage works again, so the next failure is logged at once. */
  reset(): number {
    const n = this.suppressed;
    this.lastLoggedAtMs = -Infinity;
    this.suppressed = 0;
    return n;
  }
}

const failureLog = new StorageFailureLog();
const listeners = new Set<(e: unknown) => void>();

/** Records a storage failure: rate-limited log line, and the health monitor is told. */
export function noteStorageFailure(e: unknown, where: string): void {
  failureLog.note(e, where);
  for (const listener of listeners) listener(e);
}

/** The health monitor's hook; returns an unsubscribe function. */
export function onStorageFailure(listener: (e: unknown) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Storage works again: the next failure is news, logged at once. */
export function storageRecovered(): number {
  return failureLog.reset();
}
