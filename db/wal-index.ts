/**
 * The WAL index's header, read from the -shm file with one pread and no SQLite lock: how the
 * server watches its WAL from outside SQLite (the write-pressure valve, the Litestream write guard,
 * the shutdown settle). Layout from SQLite's wal.c: WalIndexHdr (48 bytes) twice, then
 * WalCkptInfo, whose nBackfill comes first. Fields are in native byte order (little-endian here).
 * A writer updates the second copy first and the first copy last, so the two differ only while a
 * write is midway: `consistent` says whether they agreed.
 */
import fs from "node:fs";

/** Both header copies and WalCkptInfo.nBackfill. */
const READ_BYTES = 100;
const HEADER_BYTES = 48;

export interface WalIndexHeader {
  /** Bytes per page (the header's 1 stands for 65,536). */
  pageSize: number;
  /** Frames in use (mxFrame). */
  frames: number;
  /** Frames a checkpoint has copied into the database (nBackfill). */
  backfilled: number;
  /** The WAL header's two salts, as bytes 16–24 of the -wal file (changed by every WAL restart). */
  salt: bigint;
  /** Whether the two header copies agreed (false: a writer was midway; read again). */
  consistent: boolean;
}

/** A -shm file kept open for repeated reads; `read()` is null while there is no WAL index. */
export class WalIndexFile {
  private fd: number | null = null;
  private readonly buf = Buffer.alloc(READ_BYTES);

  constructor(private readonly databasePath: string) {}

  read(): WalIndexHeader | null {
    const buf = this.buf;
    try {
      this.fd ??= fs.openSync(`${this.databasePath}-shm`, "r");
      if (fs.readSync(this.fd, buf, 0, READ_BYTES, 0) < READ_BYTES) return null;
    } catch {
      // No WAL index yet (or it was removed when the last connection closed): try again next time.
      this.close();
      return null;
    }
    const rawPageSize = buf.readUInt16LE(14);
    return {
      pageSize: rawPageSize === 1 ? 65536 : rawPageSize,
      frames: buf.readUInt32LE(16),
      backfilled: buf.readUInt32LE(96),
      salt: buf.readBigUInt64LE(32),
      consistent: buf.compare(buf, 0, HEADER_BYTES, HEADER_BYTES, 2 * HEADER_BYTES) === 0,
    };
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** One read of `databasePath`'s WAL index (null: none). */
export function readWalIndex(databasePath: string): WalIndexHeader | null {
  const file = new WalIndexFile(databasePath);
  try {
    return file.read();
  } finally {
    file.close();
  }
}
