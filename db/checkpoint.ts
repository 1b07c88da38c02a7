/**
 * WAL checkpoints off the request path. By default SQLite checkpoints inside the COMMIT that takes
 * the WAL past 1,000 pages: under a steady stream of deductions one request in ~100 copies 4 MB
 * into the database file and fsyncs it, which is most of the server's p99 (docs/benchmarks.md).
 * The server's connection turns that off and a worker thread, on its own connection, runs a
 * PASSIVE checkpoint every 100 ms instead: PASSIVE never takes the write lock or waits for
 * readers, so requests go on meanwhile.
 *
 * The WAL restarts from its beginning only at a write that finds every frame checkpointed. Under
 * steady load the worker never gets there by itself: it copies the frames that existed when it
 * began, and requests append more meanwhile, so the WAL grew without bound (measured: 220,000 frames,
 * 900 MB, in 12 s at 2,500 deductions/s) and each checkpoint took longer. So after each worker checkpoint
 * that copied anything, the connection itself runs a PASSIVE checkpoint between two requests: it
 * copies only what was written during the worker's (no write can interleave on the writer's own
 * thread), and the next write restarts the WAL.
 *
 * Under `litestream replicate` this is still safe: Litestream keeps a read transaction open on the
 * WAL until it has copied new frames, so no checkpoint can let SQLite overwrite frames it has not
 * shipped; Litestream runs its own checkpoints too (as it recommends for busy servers).
 */
import type Database from "better-sqlite3";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * How often the worker checkpoints. Short, so each round is small: at 2,500 deductions/s, 100 ms
 * keeps the WAL near 2,000 frames (8 MB) and the connection's share (below) near 5 ms; at 1 s the
 * rounds took 200 ms on the worker and 40 ms on the connection, and p99 at one connection went
 * from 6 to 50 ms (measured with wrk, the server pinned to one core).
 */
const CHECKPOINT_INTERVAL_MS = 100;
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
let lastLog = 0;
const timer = setInterval(() => {
  try {
    const [r] = db.pragma("wal_checkpoint(PASSIVE)");
    // Only when the WAL changed since the last tick: an idle server gets no message.
    if (r.log > 0 && r.log !== lastLog) parentPort.postMessage({ checkpointed: r.checkpointed });
    lastLog = r.log;
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
    workerData: {
      driver,
      path: sqlite.name,
      intervalMs: opts.intervalMs ?? CHECKPOINT_INTERVAL_MS,
      walSizeLimit: WAL_SIZE_LIMIT_BYTES,
    },
  });
  worker.unref();
  sqlite.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  sqlite.pragma("wal_autocheckpoint = 0");
  let stopped = false;
  const restore = () => {
    if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  };
  worker.on("message", (m: { error?: string; checkpointed?: number }) => {
    if (m.error) opts.onError?.(m.error);
    // The rest of the WAL, on the writer's thread (see above): what came in during the worker's.
    if (m.checkpointed !== undefined && !stopped && sqlite.open) {
      try {
        sqlite.pragma("wal_checkpoint(PASSIVE)");
      } catch (e) {
        opts.onError?.(String(e));
      }
    }
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
