/**
 * A clean stop under Litestream 0.3.13.
 *
 * On SIGTERM `litestream replicate -exec` forwards the signal, waits for the server, then closes:
 * it cancels its context and makes a final sync. If that sync decides to checkpoint (the WAL holds
 * ≥ min-checkpoint-page-count frames, or checkpoint-interval has passed since the database file
 * changed), the checkpoint itself succeeds but re-taking Litestream's read lock runs under the
 * cancelled context and fails, so Litestream logs `checkpoint: mode=PASSIVE err=release read lock:
 * context canceled` and exits 1 — after the final sync to the replica, so nothing is lost, but a
 * deploy looks like a crash. (db.go, execCheckpoint → acquireReadLock(db.ctx) in v0.3.13.)
 *
 * The way around it: litestream.yml turns off the time-based checkpoint (checkpoint-interval: 0s),
 * and the server, once it has stopped writing and closed its database, waits (up to a deadline)
 * until the WAL holds fewer frames than the checkpoint threshold. Litestream's monitor, still
 * running while it waits for us, checkpoints a larger WAL within a second and restarts it; the
 * final sync then only copies frames, and Litestream exits 0.
 *
 * A second race: Litestream cancels its context as soon as the server exits, and a WAL segment
 * upload its monitor has in flight then fails (`client write: RequestCanceled`), after which the
 * final sync cannot read the replica's position (`error closing db … EOF`) and Litestream exits 1.
 * Under load an upload takes tens of milliseconds of every 1 s sync interval, so a deploy hit it now
 * and then. So the server also stays for two sync intervals after its last write: the monitor's
 * next tick uploads the rest, the one after finds nothing to send, and the exit finds it idle.
 */
import { readWalIndex } from "../../db/wal-index";

/** Litestream's default min-checkpoint-page-count (litestream.yml keeps the default). */
const LITESTREAM_SYNC_INTERVAL_MS = 1_000; // litestream.yml: sync-interval: 1s
/** How long the server stays after its last write so Litestream's monitor is idle when it exits. */
const LITESTREAM_QUIET_MS = 2 * LITESTREAM_SYNC_INTERVAL_MS + 200;

const LITESTREAM_MIN_CHECKPOINT_PAGES = 1000;

/**
 * Frames in the WAL, from the wal-index header in the -shm file (db/wal-index.ts). Reading it takes
 * no lock and changes nothing; NaN while a writer is midway (the caller polls again); null: no WAL index.
 */
export function walFrameCount(databasePath: string): number | null {
  const index = readWalIndex(databasePath);
  if (index === null) return null;
  return index.consistent ? index.frames : Number.NaN;
}

/** True when this process runs under `litestream replicate -exec` started by scripts/start.sh. */
export function underLitestream(source: NodeJS.ProcessEnv = process.env): boolean {
  return source.LITESTREAM_REPLICATING === "1";
}

/**
 * After the server has closed its database: wait until Litestream's final sync will not need a
 * checkpoint and its monitor has gone idle (see above). Polls; gives up at the deadline (Litestream
 * may then exit 1, with the data still synced). Returns the frames left and whether it got there.
 */
export async function settleLitestreamBeforeExit(
  databasePath: string,
  opts: { timeoutMs?: number; pollMs?: number; quietMs?: number; now?: () => number } = {},
): Promise<{ settled: boolean; frames: number | null }> {
  const now = opts.now ?? (() => performance.now());
  const closedAtMs = now();
  const deadlineMs = closedAtMs + (opts.timeoutMs ?? 5_000);
  const quietUntilMs = closedAtMs + (opts.quietMs ?? LITESTREAM_QUIET_MS);
  for (;;) {
    const frames = walFrameCount(databasePath);
    if (frames === null || (Number.isFinite(frames) && frames < LITESTREAM_MIN_CHECKPOINT_PAGES)) {
      const waitMs = quietUntilMs - now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      return { settled: true, frames };
    }
    if (now() >= deadlineMs) return { settled: false, frames };
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 100));
  }
}
