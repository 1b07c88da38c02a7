/**
 * Under Litestream 0.3.13: no write of the server's may overwrite WAL frames that Litestream has
 * not copied to its shadow WAL yet (docs/decisions/026-litestream-write-guard.md).
 *
 * The race, in Litestream's checkpoint (db.go, v0.3.13; the same shape as benbjohnson/litestream
 * #582, and #1337 in 0.5): Litestream copies the WAL to its shadow WAL up to frame N, then runs its
 * checkpoint without holding the write lock, so frames the server commits meanwhile (N+1…M) reach
 * the database file but not the shadow WAL. The next write restarts the WAL (Litestream's own
 * one-row write, or the server's); Litestream then takes the write lock and copies "the end of the
 * previous WAL" from N+1. Those frames are still there, since a restarted WAL is overwritten from
 * its start, unless the server has by then written more than N frames into it: then the copy stops
 * at the first new frame, frames N+1…M are never shipped, and every restore from then on lacks
 * them (rows missing from their indexes, pages from two moments). Nothing logs it. A Litestream
 * slow to get the write lock back (a busy machine) is all it takes; the restore drill saw it once.
 *
 * So every outermost write transaction first checks, with the write lock held (no checkpoint that
 * restarts the WAL, and none of Litestream's locked copying, can run meanwhile), from the -shm file
 * and Litestream's newest shadow WAL in its meta directory beside the database:
 * - the WAL's salt is the shadow WAL's: otherwise the WAL restarted and Litestream has not copied
 *   the end of the previous one yet;
 * - when every frame is checkpointed (this write would restart the WAL), the shadow WAL holds all of
 *   them: otherwise Litestream's own write restarts it, as Litestream expects.
 * While either fails the write waits (db/transaction.ts: the lock is released, 1 ms steps) for
 * Litestream, which needs only the write lock nobody holds; past the deadline it fails as
 * SQLITE_BUSY (503, nothing written). With no generation yet (Litestream has not synced once)
 * there is nothing shipped to protect. The usual write costs one pread of the -shm file: the
 * shadow WAL is read only after a restart or a full checkpoint.
 */
import fs from "node:fs";
import path from "node:path";
import type { WriteGate } from "../../db/transaction";
import { WalIndexFile } from "../../db/wal-index";

/** How long a write waits for Litestream before it fails (as the write-pressure valve's deadline). */
const GUARD_DEADLINE_MS = 2_000;
const WAL_HEADER_BYTES = 32;
const WAL_FRAME_HEADER_BYTES = 24;

/** Litestream 0.3.13's meta directory for a database (no `meta-path` in litestream.yml). */
export function litestreamMetaDir(databasePath: string): string {
  return path.join(path.dirname(databasePath), `.${path.basename(databasePath)}-litestream`);
}

interface ShadowWal {
  /** The salts of the WAL it copies (bytes 16–24 of its header, as in db/wal-index.ts). */
  salt: bigint;
  /** Whole frames copied. */
  frames: number;
}

/**
 * Litestream's newest shadow WAL in the current generation: null when there is no generation yet,
 * "unknown" when one exists but its shadow WAL cannot be read right now (being replaced).
 */
export function readShadowWal(metaDir: string): ShadowWal | null | "unknown" {
  let generation: string;
  try {
    generation = fs.readFileSync(path.join(metaDir, "generation"), "utf8").trim();
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ENOENT" ? null : "unknown";
  }
  if (!/^[0-9a-f]{16}$/.test(generation)) return "unknown";
  const dir = path.join(metaDir, "generations", generation, "wal");
  let fd: number | null = null;
  try {
    const newest = fs
      .readdirSync(dir)
      .filter((name) => /^[0-9a-f]{8}\.wal$/.test(name))
      .sort()
      .at(-1);
    if (!newest) return "unknown";
    fd = fs.openSync(path.join(dir, newest), "r");
    const header = Buffer.alloc(WAL_HEADER_BYTES);
    if (fs.readSync(fd, header, 0, WAL_HEADER_BYTES, 0) < WAL_HEADER_BYTES) return "unknown";
    const pageSize = header.readUInt32BE(8);
    const size = fs.fstatSync(fd).size;
    return {
      salt: header.readBigUInt64LE(16),
      frames: Math.floor((size - WAL_HEADER_BYTES) / (pageSize + WAL_FRAME_HEADER_BYTES)),
    };
  } catch {
    return "unknown";
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

export interface LitestreamWriteGuard extends WriteGate {
  close(): void;
}

/** The write gate for a server replicated by Litestream (see above). */
export function litestreamWriteGuard(
  databasePath: string,
  opts: { metaDir?: string; deadlineMs?: number } = {},
): LitestreamWriteGuard {
  const walIndex = new WalIndexFile(databasePath);
  const metaDir = opts.metaDir ?? litestreamMetaDir(databasePath);
  /** The WAL salt Litestream's shadow WAL was last seen to follow: no need to look again. */
  let followedSalt: bigint | null = null;

  const open = (): boolean => {
    const wal = walIndex.read();
    // No WAL, or an empty one: nothing in it to overwrite.
    if (wal === null || wal.frames === 0) return true;
    // The writer holds the lock, so the copies agree unless the index is being rebuilt: wait.
    if (!wal.consistent) return false;
    const restartsWal = wal.backfilled >= wal.frames;
    if (wal.salt === followedSalt && !restartsWal) return true;
    const shadow = readShadowWal(metaDir);
    if (shadow === null) return true;
    if (shadow === "unknown" || shadow.salt !== wal.salt) return false;
    followedSalt = wal.salt;
    return !restartsWal || shadow.frames >= wal.frames;
  };

  return { open, deadlineMs: opts.deadlineMs ?? GUARD_DEADLINE_MS, close: () => walIndex.close() };
}
