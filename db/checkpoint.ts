/**
 * WAL checkpoints off the request path. By default SQLite checkpoints inside the COMMIT that takes
 * the WAL past 1,000 pages: under a steady stream of deductions one request in ~100 copies 4 MB
 * into the database file and fsyncs it, which is most of the server's p99 (docs/benchmarks.md).
 * The server's connection turns that off and a worker thread, on its own connection, runs a
 * PASSIVE checkpoint every second instead: PASSIVE never takes the write lock or waits for
 * readers, so requests go on meanwhile, and the next writer restarts the WAL from the beginning
 * once the checkpoint has caught up, which keeps the file bounded.
 *
 * Under `litestream replicate` this is still safe: Litestream keeps a read transaction open on the
 * WAL until it has copied new frames, so no checkpoint can let SQLite overwrite frames it has not
 * shipped; Litestream runs its own checkpoints too (as it recommends for busy servers).
 */
import type Database from "better-sqlite3";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** SQLite's default, restored when the background checkpoints stop. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/** After a checkpoint or WAL restart, a WAL file larger than this is truncated to it. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

// CommonJS, run by the worker (eval): its own connection, a PASSIVE checkpoint per tick.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma("journal_size_limit = " + workerData.walSizeLimit);
const timer = setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch (e) {
    parentPort.postMessage({ error: String(e) });
  }
}, workerData.intervalMs);
parentPort.on("message", (m) => {
  if (m === "stop") {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
`;

/**
 * Moves `sqlite`'s WAL checkpoints to a background thread (see above). Returns stop(), which
 * restores SQLite's automatic checkpoints on the connection if it is still open. An in-memory or
 * temporary database has no WAL file, and a closed one nothing to checkpoint: nothing to do.
 */
export function startBackgroundCheckpoints(
  sqlite: Database.Database,
  opts: { intervalMs?: number; onError?: (message: string) => void } = {},
): () => void {
  if (!sqlite.open || sqlite.memory || sqlite.name === "") return () => {};
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, path: sqlite.name, intervalMs: opts.intervalMs ?? 1000, walSizeLimit: WAL_SIZE_LIMIT_BYTES },
  });
  worker.unref();
  sqlite.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  sqlite.pragma("wal_autocheckpoint = 0");
  let stopped = false;
  const restore = () => {
    if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  };
  worker.on("message", (m: { error?: string }) => {
    if (m.error) opts.onError?.(m.error);
  });
  worker.on("error", (e) => {
    // Fail safe: without the worker, the connection checkpoints by itself again.
    opts.onError?.(String(e));
    restore();
  });
  return () => {
    if (stopped) return;
    stopped = true;
    worker.postMessage("stop");
    restore();
  };
}
