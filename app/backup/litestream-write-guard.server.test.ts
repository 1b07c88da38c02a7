// The Litestream write guard on a real SQLite file, with Litestream 0.3.13's meta directory laid out
// as Litestream lays it out (a generation name, shadow WAL files that copy the WAL byte for byte).
// The guard's whole job is to read those two states right; the restore drill runs it under the
// real Litestream (scripts/restore-drill.test.ts).
import type Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqlite } from "../../db/client";
import { setWriteGate, writeTransaction } from "../../db/transaction";
import { readWalIndex } from "../../db/wal-index";
import { litestreamMetaDir, litestreamWriteGuard, type LitestreamWriteGuard } from "./litestream-write-guard.server";

const GENERATION = "0123456789abcdef";
let dir: string;
let databasePath: string;
let sqlite: Database.Database;
let guard: LitestreamWriteGuard;
let runs = 0;

beforeEach(() => {
  dir = path.join(process.env.TEST_TMP_DIR!, `write-guard-${process.pid}-${++runs}`);
  fs.mkdirSync(dir, { recursive: true });
  databasePath = path.join(dir, "app.db");
  sqlite = openSqlite(databasePath);
  sqlite.exec("create table t (v text not null)");
  guard = litestreamWriteGuard(databasePath, { deadlineMs: 30 });
});
afterEach(() => {
  guard.close();
  sqlite.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const insert = (n = 1) => {
  for (let i = 0; i < n; i++) sqlite.prepare("insert into t (v) values (?)").run("x".repeat(500));
};
const frames = () => readWalIndex(databasePath)!.frames;

/** What Litestream does on a sync: its shadow WAL number `index` holds the WAL's header and first `count` frames. */
function shadow(index: number, count: number): void {
  const wal = fs.readFileSync(`${databasePath}-wal`);
  const pageSize = wal.readUInt32BE(8);
  const walDir = path.join(litestreamMetaDir(databasePath), "generations", GENERATION, "wal");
  fs.mkdirSync(walDir, { recursive: true });
  fs.writeFileSync(path.join(litestreamMetaDir(databasePath), "generation"), `${GENERATION}\n`);
  fs.writeFileSync(
    path.join(walDir, `${index.toString(16).padStart(8, "0")}.wal`),
    wal.subarray(0, 32 + count * (pageSize + 24)),
  );
}

describe("the Litestream write guard", () => {
  it("lets writes through before Litestream has a generation: nothing is shipped yet to protect", () => {
    insert(3);
    expect(fs.existsSync(litestreamMetaDir(databasePath))).toBe(false);
    expect(guard.open()).toBe(true);
  });

  it("lets writes through while Litestream's shadow WAL follows the WAL, copied or not yet", () => {
    insert(3);
    shadow(0, 1);
    // Frames not yet copied are safe while the WAL is not restarted: a write only appends.
    expect(frames()).toBeGreaterThan(1);
    expect(guard.open()).toBe(true);
  });

  it("holds writes while the WAL is fully checkpointed over frames Litestream has not copied (the next write would restart it over them)", () => {
    insert(3);
    shadow(0, 1);
    sqlite.pragma("wal_checkpoint(PASSIVE)");
    const wal = readWalIndex(databasePath)!;
    expect(wal.backfilled).toBe(wal.frames);
    expect(guard.open()).toBe(false);
    // Litestream copies the rest: now restarting the WAL loses nothing.
    shadow(0, wal.frames);
    expect(guard.open()).toBe(true);
  });

  it("holds writes once the WAL has restarted until Litestream has copied the old WAL's end and follows the new one", () => {
    insert(3);
    shadow(0, frames());
    sqlite.pragma("wal_checkpoint(PASSIVE)");
    // Litestream's own one-row write after its checkpoint restarts the WAL (a new salt).
    const before = readWalIndex(databasePath)!.salt;
    const other = openSqlite(databasePath);
    try {
      other.prepare("insert into t (v) values ('litestream')").run();
    } finally {
      other.close();
    }
    expect(readWalIndex(databasePath)!.salt).not.toBe(before);
    expect(guard.open()).toBe(false);

    // Through writeTransaction the write waits, then fails as SQLITE_BUSY with nothing written.
    setWriteGate(sqlite, guard);
    const count = () => sqlite.prepare("select count(*) from t").pluck().get();
    const rowsBefore = count();
    expect(() => writeTransaction(sqlite, () => insert())).toThrow(expect.objectContaining({ code: "SQLITE_BUSY" }));
    expect(count()).toBe(rowsBefore);

    // Litestream starts its next shadow WAL from the restarted WAL: writes go on.
    shadow(1, frames());
    writeTransaction(sqlite, () => insert());
    expect(count()).toBe(Number(rowsBefore) + 1);
  });

  it("holds writes while Litestream's generation cannot be read (a shadow WAL being replaced)", () => {
    insert(1);
    shadow(0, frames());
    sqlite.pragma("wal_checkpoint(PASSIVE)");
    insert(1);
    expect(guard.open()).toBe(false);
    fs.rmSync(path.join(litestreamMetaDir(databasePath), "generations"), { recursive: true });
    expect(guard.open()).toBe(false);
  });
});
