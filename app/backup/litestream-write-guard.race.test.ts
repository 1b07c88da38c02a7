// Decision 026's race, provoked under the real Litestream 0.3.13 with the production litestream.yml
// (a file replica): a forked writer keeps Litestream checkpointing; this process watches the WAL
// index and, the moment a checkpoint has copied every frame, writes a transaction larger than what
// Litestream had copied, before Litestream's own write restarts the WAL. Without the write guard
// (setWriteGate left out here and in the writer) that overwrote frames Litestream had not copied
// yet: 3 runs of 3 restored a damaged replica ("wrong # of entries in index sqlite_autoindex_t_1",
// as CI's restore drill once did). With it, every write waits until Litestream has restarted the
// WAL and copied the old one's end. Then the replica is restored and checked.
import { fork, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqlite } from "../../db/client";
import { setWriteGate, writeTransaction } from "../../db/transaction";
import { WalIndexFile } from "../../db/wal-index";
import { pollFor } from "../../scripts/restore-drill-harness";
import { litestreamSetup, restoreReplicaFile, type LitestreamConfig } from "./litestream.server";
import { litestreamMetaDir, litestreamWriteGuard, readShadowWal } from "./litestream-write-guard.server";

/** Big writes raced against Litestream's checkpoints: without the guard, 40 lost frames in every run here. */
const RACED_WRITES = 40;
/** Rows in a big write: ~3,000 pages, more than Litestream copies before a checkpoint (≥ 1,000). */
const BIG_WRITE_ROWS = 3_000;
const WRITER = path.join(path.dirname(new URL(import.meta.url).pathname), "__fixtures__/litestream-writer.ts");

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function startLitestream(config: LitestreamConfig): ChildProcess {
  const child = spawn(config.binary!, ["replicate", "-config", config.configPath], {
    env: config.env,
    stdio: "ignore",
  });
  cleanups.push(() => child.kill("SIGKILL"));
  return child;
}

describe("the Litestream write guard under the real Litestream", () => {
  it("keeps the replica whole when big writes race Litestream's checkpoints", async () => {
    const dir = path.join(process.env.TEST_TMP_DIR!, `write-guard-race-${process.pid}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const databasePath = path.join(dir, "app.db");
    const setup = litestreamSetup(databasePath, { ...process.env, LITESTREAM_REPLICA_URL: `file://${dir}/replica` });
    if (!setup.configured) throw new Error(setup.reason);

    const sqlite = openSqlite(databasePath);
    cleanups.push(() => sqlite.open && sqlite.close());
    sqlite.exec("create table t (id integer primary key, k text not null unique, v blob)");
    // As the server under Litestream: no checkpoints of its own. And no busy wait: a write takes the
    // lock the moment it is free, as a new request does.
    sqlite.pragma("wal_autocheckpoint = 0");
    sqlite.pragma("busy_timeout = 0");
    const litestream = startLitestream(setup.config);
    await pollFor("Litestream's first generation", () =>
      readShadowWal(litestreamMetaDir(databasePath)) ? true : undefined,
    );
    const guard = litestreamWriteGuard(databasePath);
    cleanups.push(() => guard.close());
    setWriteGate(sqlite, guard);

    const writer = fork(WRITER, [databasePath], { execArgv: ["--import", "tsx"], stdio: "inherit" });
    cleanups.push(() => writer.kill("SIGKILL"));
    await new Promise((resolve) => writer.once("message", resolve));

    const walIndex = new WalIndexFile(databasePath);
    cleanups.push(() => walIndex.close());
    const bigInsert = sqlite.prepare("insert into t (k, v) values (?, randomblob(2000))");
    let raced = 0;
    let rows = 0;
    for (let polls = 1; raced < RACED_WRITES; polls++) {
      if (polls % 20_000 === 0) await new Promise((resolve) => setImmediate(resolve));
      const wal = walIndex.read();
      if (!wal || wal.frames === 0 || wal.backfilled < wal.frames) continue;
      // Take the lock the moment it is free (Litestream's own write, or the writer's, may hold it).
      for (;;) {
        try {
          writeTransaction(sqlite, () => {
            for (let i = 0; i < BIG_WRITE_ROWS; i++) bigInsert.run(`big-${raced}-${i}`);
          });
          break;
        } catch (e) {
          if ((e as { code?: string }).code !== "SQLITE_BUSY") throw e;
        }
      }
      rows += BIG_WRITE_ROWS;
      raced++;
    }
    const stopped = new Promise<{ rows: number }>((resolve) => writer.once("message", resolve as never));
    writer.send("stop");
    rows += (await stopped).rows;

    // Stopped, Litestream makes a final sync to the replica before it exits.
    sqlite.close();
    const exited = new Promise((resolve) => litestream.once("exit", resolve));
    litestream.kill("SIGTERM");
    await exited;

    const restored = path.join(dir, "restored.db");
    const result = await restoreReplicaFile(setup.config, restored);
    expect(result.code, result.stderr).toBe(0);
    const check = openSqlite(restored, { readonly: true });
    try {
      expect(check.pragma("integrity_check", { simple: true })).toBe("ok");
      expect(check.prepare("select count(*) from t").pluck().get()).toBe(rows);
      console.log(`write guard race: ${raced} big writes raced Litestream's checkpoints; ${rows} rows, all restored`);
    } finally {
      check.close();
    }
  }, 120_000);
});
