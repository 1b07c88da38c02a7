/**
 * A write-pressure valve on the WAL (docs/decisions/019-wal-under-litestream.md). Only a checkpoint
 * restarts the WAL, and under `litestream replicate` only Litestream's own: if writers outrun it,
 * the WAL (and the -wal file, which never shrinks) grows without bound until the volume is full and
 * every write fails. So while the WAL holds more than its bound, a request that may write waits,
 * polling every few milliseconds, for the checkpoint to restart it; past a deadline it is answered
 * 503 `storage_busy` with Retry-After, having written nothing. Back-pressure instead of a full disk.
 *
 * The WAL's size is read from its index (the -shm file's header: frames in use, and how many of
 * them a checkpoint has copied), with one pread on a descriptor kept open: no SQLite lock, no
 * connection. Once a checkpoint has copied every frame, writes go through again whatever the size:
 * the WAL restarts from its beginning only at the next write (a PASSIVE checkpoint, the plain
 * server's, never restarts it), so holding writes until the size dropped would wait for a write
 * the valve itself holds back: a server wedged at 503 until restarted (the bench saw it).
 */
import fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";

/** Above this many bytes of WAL in use, new writes wait (half the 64 MiB the WAL file may reach). */
const WAL_PRESSURE_BYTES = 32 * 1024 * 1024;
/** How long a write waits for the WAL to restart before it is answered 503 storage_busy. */
const WAL_PRESSURE_DEADLINE_MS = 2_000;
const POLL_MS = 2;
const READ_EVERY_MS = 1;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** The WAL index's header and checkpoint info up to nBackfill (see readWalState). */
const WAL_INDEX_READ_BYTES = 100;

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
  const header = Buffer.alloc(WAL_INDEX_READ_BYTES);
  let fd: number | null = null;
  let readAtMs = -Infinity;
  let last: WalState = { bytes: 0, copied: true };

  // Read at most once per READ_EVERY_MS: one pread per write request was 2–3 % of the server's CPU.
  const walState = (): WalState => {
    const nowMs = performance.now();
    if (nowMs - readAtMs < READ_EVERY_MS) return last;
    readAtMs = nowMs;
    return (last = readWalState());
  };

  const readWalState = (): WalState => {
    try {
      fd ??= fs.openSync(`${databasePath}-shm`, "r");
      if (fs.readSync(fd, header, 0, WAL_INDEX_READ_BYTES, 0) < WAL_INDEX_READ_BYTES) return { bytes: 0, copied: true };
    } catch {
      // No WAL index yet (or it was removed when the last connection closed): try again next time.
      if (fd !== null) fs.closeSync(fd);
      fd = null;
      return { bytes: 0, copied: true };
    }
    // SQLite's wal.c: WalIndexHdr.szPage (u16 at 14, 1 = 65,536) and mxFrame (u32 at 16); then,
    // after the header's two 48-byte copies, WalCkptInfo.nBackfill (u32 at 96). Native byte order.
    const pageSize = header.readUInt16LE(14) === 1 ? 65536 : header.readUInt16LE(14);
    const frames = header.readUInt32LE(16);
    return { bytes: frames * (pageSize + 24), copied: header.readUInt32LE(96) >= frames };
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
    stop: () => {
      if (fd !== null) fs.closeSync(fd);
      fd = null;
    },
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
