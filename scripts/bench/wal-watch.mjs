// Watches a live database's WAL from outside, taking no SQLite lock: the -wal file's size (what fills
// the disk), the WAL index header in -shm (frames in use, frames checkpointed, the salt that changes
// on every restart) and, in detail mode, which process holds which WAL lock (Linux /proc/locks).
import fs from "node:fs";

/** The WAL index (-shm) header: frames in use, frames checkpointed, salt; null without one. */
export function walIndex(file) {
  let fd;
  try {
    fd = fs.openSync(`${file}-shm`, "r");
    const buf = Buffer.alloc(136);
    if (fs.readSync(fd, buf, 0, 136, 0) < 136) return null;
    const pageSize = buf.readUInt16LE(14) === 1 ? 65536 : buf.readUInt16LE(14);
    return {
      pageSize,
      mxFrame: buf.readUInt32LE(16),
      salt: buf.readUInt32LE(32) ^ buf.readUInt32LE(36),
      nBackfill: buf.readUInt32LE(96),
    };
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

// SQLite's WAL locks are fcntl locks on bytes 120..127 of the -shm file.
const LOCK_NAMES = ["write", "checkpoint", "recover", "read0", "read1", "read2", "read3", "read4"];

/** The WAL locks held now: [{pid, lock, kind}] (Linux only; [] elsewhere). */
function walLocks(inode) {
  let text;
  try {
    text = fs.readFileSync("/proc/locks", "utf8");
  } catch {
    return [];
  }
  const out = [];
  for (const line of text.split("\n")) {
    // "1: POSIX  ADVISORY  WRITE 1234 00:2a:5678 120 120"
    const m = /POSIX\s+ADVISORY\s+(READ|WRITE)\s+(\d+)\s+\S+:(\d+)\s+(\d+)\s+(\d+|EOF)/.exec(line);
    if (!m || Number(m[3]) !== inode) continue;
    const start = Number(m[4]);
    const end = m[5] === "EOF" ? 127 : Number(m[5]);
    for (let b = Math.max(120, start); b <= Math.min(127, end); b++) {
      out.push({ pid: Number(m[2]), lock: LOCK_NAMES[b - 120], kind: m[1] === "WRITE" ? "exclusive" : "shared" });
    }
  }
  return out;
}

/**
 * Samples the WAL of `file` every `everyMs` until stop(): the -wal file size (peak, and every
 * sample), WAL restarts (salt changes), frames in use. With `locks: {pid → name}` it also samples
 * /proc/locks every `lockEveryMs` and counts, per WAL lock, how often each named process held it.
 */
export function watchWal(file, { everyMs = 250, locks = null, lockEveryMs = 5 } = {}) {
  const wal = `${file}-wal`;
  const sizes = [];
  let restarts = 0;
  let lastSalt = null;
  let framesPeak = 0;
  const take = () => {
    let size = 0;
    try {
      size = fs.statSync(wal).size;
    } catch {
      // no WAL yet
    }
    sizes.push(size);
    const idx = walIndex(file);
    if (idx) {
      if (lastSalt !== null && idx.salt !== lastSalt) restarts++;
      lastSalt = idx.salt;
      framesPeak = Math.max(framesPeak, idx.mxFrame);
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  let lockTimer = null;
  const lockCounts = {};
  let lockSamples = 0;
  if (locks) {
    let inode = null;
    lockTimer = setInterval(() => {
      try {
        inode ??= fs.statSync(`${file}-shm`).ino;
      } catch {
        return;
      }
      lockSamples++;
      for (const { pid, lock, kind } of walLocks(inode)) {
        const key = `${lock} ${kind} by ${locks[pid] ?? `pid ${pid}`}`;
        lockCounts[key] = (lockCounts[key] ?? 0) + 1;
      }
    }, lockEveryMs);
  }
  return () => {
    clearInterval(timer);
    if (lockTimer) clearInterval(lockTimer);
    take();
    const pageSize = walIndex(file)?.pageSize ?? 4096;
    return {
      samples: sizes.length,
      everyMs,
      filePeak: Math.max(...sizes),
      fileEnd: sizes.at(-1),
      sizes,
      restarts,
      framesPeak,
      inUsePeakBytes: framesPeak === 0 ? 0 : 32 + framesPeak * (pageSize + 24),
      locks: locks ? { samples: lockSamples, counts: lockCounts } : null,
    };
  };
}

/** Litestream's Prometheus counters (checkpoint count, errors and seconds by mode), from its `addr`. */
export async function litestreamCheckpointMetrics(url) {
  const text = await (await fetch(url)).text();
  const out = {};
  for (const line of text.split("\n")) {
    const m =
      /^litestream_(checkpoint_count|checkpoint_error_count|checkpoint_seconds)\{.*mode="(\w+)".*\}\s+(\S+)/.exec(line);
    if (m) (out[m[2]] ??= {})[m[1]] = Number(m[3]);
  }
  return out;
}
