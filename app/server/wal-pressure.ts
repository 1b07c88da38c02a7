/**
 * A write-pressure valve on the WAL (docs/decisions/019-wal-under-litestream.md). Only a checkpoint
 * restarts the WAL, and under `litestream replicate` only Litestream's own: if writers outrun it,
 * the WAL (and the -wal file, which never shrinks) grows without bound until the volume is full and
 * every write fails. So while the WAL holds more than its bound, a request that may write waits,
 * polling every few milliseconds, for the checkpoint to restart it; past a deadline it is answered
 * 503 `storage_busy` with Retry-After, having written nothing. Back-pressure instead of a full disk.
 *
 * The WAL's size is read from its index (db/wal-index.ts: frames in use, and how many of them a
 * checkpoint has copied), with one pread on a descriptor kept open: no SQLite lock, no connection.
 * Once a checkpoint has copied every frame, writes go through again whatever the size: the WAL
 * restarts from its beginning only at the next write (a PASSIVE checkpoint, the plain
 * server's, never restarts it), so holding writes until the size dropped would wait for a write
 * the valve itself holds back: a server wedged at 503 until restarted (the bench saw it). Under
 * Litestream, whether a write may restart the WAL is for the write guard to decide, inside the
 * write's own transaction (app/backup/litestream-write-guard.server.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { WalIndexFile } from "../../db/wal-index";

/** Above this many bytes of WAL in use, new writes wait (half the 64 MiB the WAL file may reach). */
const WAL_PRESSURE_BYTES = 32 * 1024 * 1024;
/** How long a write waits for the WAL to restart before it is answered 503 storage_busy. */
const WAL_PRESSURE_DEADLINE_MS = 2_000;
const POLL_MS = 2;
const READ_EVERY_MS = 1;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

interface WalState {
  /** Bytes of WAL in use (frames × (page + frame header)). */
  bytes: number;
  /** Whether a checkpoint has copied every frame in use into the database. */
  copied: boolean;
}

export interface WalPressure {
  /** Bytes of WAL in use now (0 when there is no WAL index). */
  walBytes(): number;
  /** Runs `handle` now, or once the WAL is back under its bound; answers 503 storage_busy past the deadline. */
  admit(req: IncomingMessage, res: ServerResponse, handle: () => void): void;
  stop(): void;
}

export function walPressureValve(
  databasePath: string,
  opts: { maxBytes?: number; deadlineMs?: number; pollMs?: number } = {},
): WalPressure {
  const maxBytes = opts.maxBytes ?? WAL_PRESSURE_BYTES;
  const deadlineMs = opts.deadlineMs ?? WAL_PRESSURE_DEADLINE_MS;
  const pollMs = opts.pollMs ?? POLL_MS;
  const walIndex = new WalIndexFile(databasePath);
  let readAtMs = -Infinity;
  let last: WalState = { bytes: 0, copied: true };

  // Read at most once per READ_EVERY_MS: one pread per write request was 2–3 % of the server's CPU.
  const walState = (): WalState => {
    const nowMs = performance.now();
    if (nowMs - readAtMs < READ_EVERY_MS) return last;
    readAtMs = nowMs;
    const index = walIndex.read();
    last = index
      ? { bytes: index.frames * (index.pageSize + 24), copied: index.backfilled >= index.frames }
      : { bytes: 0, copied: true };
    return last;
  };

  /** Whether a write may start now: the WAL is under its bound, or a checkpoint copied all of it. */
  const open = (): boolean => {
    const { bytes, copied } = walState();
    return bytes <= maxBytes || copied;
  };

  const admit = (req: IncomingMessage, res: ServerResponse, handle: () => void): void => {
    if (SAFE_METHODS.has(req.method ?? "GET") || open()) {
      handle();
      return;
    }
    const deadlineAtMs = Date.now() + deadlineMs;
    const poll = () => {
      if (res.destroyed) return;
      if (open()) handle();
      else if (Date.now() >= deadlineAtMs) storageBusy(res);
      else setTimeout(poll, pollMs);
    };
    setTimeout(poll, pollMs);
  };

  return {
    walBytes: () => walState().bytes,
    admit,
    stop: () => walIndex.close(),
  };
}

function storageBusy(res: ServerResponse): void {
  const body = JSON.stringify({
    error: {
      code: "storage_busy",
      message: "Writes are arriving faster than the database can checkpoint them; nothing was written, retry shortly.",
    },
  });
  res.writeHead(503, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "retry-after": "1",
    "cache-control": "no-store",
  });
  res.end(body);
}
