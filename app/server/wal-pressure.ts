/**
 * A write-pressure valve on the WAL (docs/decisions/019-wal-under-litestream.md). Only a checkpoint
 * restarts the WAL, and under `litestream replicate` only Litestream's own: if writers outrun it,
 * the WAL (and the -wal file, which never shrinks) grows without bound until the volume is full and
 * every write fails. So while the WAL holds more than its bound, a request that may write waits,
 * polling every few milliseconds, for the checkpoint to restart it; past a deadline it is answered
 * 503 `storage_busy` with Retry-After, having written nothing. Back-pressure instead of a full disk.
 *
 * The WAL's size is read from its index (the -shm file's header: frames in use), with one pread
 * on a descriptor kept open: no SQLite lock, no connection.
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
  const header = Buffer.alloc(20);
  let fd: number | null = null;
  let readAtMs = -Infinity;
  let lastBytes = 0;

  // Read at most once per READ_EVERY_MS: one pread per write request was 2–3 % of the server's CPU.
  const walBytes = (): number => {
    const nowMs = performance.now();
    if (nowMs - readAtMs < READ_EVERY_MS) return lastBytes;
    readAtMs = nowMs;
    return (lastBytes = readWalBytes());
  };

  const readWalBytes = (): number => {
    try {
      fd ??= fs.openSync(`${databasePath}-shm`, "r");
      if (fs.readSync(fd, header, 0, 20, 0) < 20) return 0;
    } catch {
      // No WAL index yet (or it was removed when the last connection closed): try again next time.
      if (fd !== null) fs.closeSync(fd);
      fd = null;
      return 0;
    }
    const pageSize = header.readUInt16LE(14) === 1 ? 65536 : header.readUInt16LE(14);
    return header.readUInt32LE(16) * (pageSize + 24);
  };

  const admit = (req: IncomingMessage, res: ServerResponse, handle: () => void): void => {
    if (SAFE_METHODS.has(req.method ?? "GET") || walBytes() <= maxBytes) {
      handle();
      return;
    }
    const deadlineAtMs = Date.now() + deadlineMs;
    const poll = () => {
      if (res.destroyed) return;
      if (walBytes() <= maxBytes) handle();
      else if (Date.now() >= deadlineAtMs) storageBusy(res);
      else setTimeout(poll, pollMs);
    };
    setTimeout(poll, pollMs);
  };

  return {
    walBytes,
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
