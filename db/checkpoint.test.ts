import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { closeDatabase } from "./client";
import { startBackgroundCheckpoints } from "./checkpoint";
import { testContext } from "../test/db";

const contexts: ReturnType<typeof testContext>[] = [];
afterEach(() => contexts.splice(0).forEach((c) => closeDatabase(c.db)));

async function until(what: string, ok: () => boolean, timeoutMs = 10_000) {
  const deadlineMs = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadlineMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("background WAL checkpoints", () => {
  it("take checkpoints out of the connection's commits and copy the WAL into the database from another thread", async () => {
    const ctx = testContext();
    contexts.push(ctx);
    const sqlite = ctx.db.$client;
    sqlite.exec("create table filler (id integer primary key, body text)");
    const stop = startBackgroundCheckpoints(sqlite, { intervalMs: 20 });
    try {
      expect(sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
      const dbBytes = () => fs.statSync(sqlite.name).size;
      const before = dbBytes();
      const insert = sqlite.prepare("insert into filler (body) values (?)");
      // ~2,000 pages of commits: past SQLite's own 1,000-page autocheckpoint.
      for (let i = 0; i < 200; i++) sqlite.transaction(() => insert.run("x".repeat(40_000))).immediate();
      // Only the worker can have moved those pages into the database file.
      await until("the background checkpoint", () => dbBytes() > before + 4_000_000);
    } finally {
      stop();
    }
    expect(sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
  });

  it("keeps the WAL bounded while the connection writes without pause (the WAL restarts)", async () => {
    const ctx = testContext();
    contexts.push(ctx);
    const sqlite = ctx.db.$client;
    sqlite.exec("create table filler (id integer primary key, body text)");
    const stop = startBackgroundCheckpoints(sqlite, { intervalMs: 20 });
    // Valid frames in the WAL, from the WAL index's header (the -shm file; little-endian here).
    const frames = () => {
      const header = Buffer.alloc(20);
      const fd = fs.openSync(`${sqlite.name}-shm`, "r");
      try {
        fs.readSync(fd, header, 0, 20, 0);
      } finally {
        fs.closeSync(fd);
      }
      return header.readUInt32LE(16);
    };
    let restarts = 0;
    let peakAfterRestart = 0;
    try {
      const insert = sqlite.prepare("insert into filler (body) values (?)");
      // ~100 MB of WAL frames, committed back to back like a server under steady load: between
      // commits only the event loop's own turn (where the worker's messages arrive), never a pause
      // long enough for a checkpoint on another thread to catch up with the writer by itself.
      let last = 0;
      for (let i = 0; i < 2_500; i++) {
        sqlite.transaction(() => insert.run("x".repeat(40_000))).immediate();
        const now = frames();
        if (now < last) restarts++;
        if (restarts > 0) peakAfterRestart = Math.max(peakAfterRestart, now);
        last = now;
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      stop();
    }
    // A WAL that never restarts holds all ~25,000 frames at the end; restarted, it is overwritten
    // from its start each time the checkpoints catch up (the worker's first one comes only once
    // its thread has started, hence "after the first restart").
    expect(restarts).toBeGreaterThanOrEqual(3);
    expect(peakAfterRestart).toBeLessThan(20_000);
  });

  it("does nothing for an in-memory or closed database", () => {
    const ctx = testContext();
    closeDatabase(ctx.db);
    expect(() => startBackgroundCheckpoints(ctx.db.$client)()).not.toThrow();
  });
});
