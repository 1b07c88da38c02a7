import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { closeDatabase } from "./client";
import { startBackgroundCheckpoints } from "./checkpoint";
import { testContext } from "../test/db";

const contexts: ReturnType<typeof testContext>[] = [];
afterEach(() => contexts.splice(0).forEach((c) => closeDatabase(c.db)));

async function until(what: string, ok: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
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

  it("does nothing for an in-memory or closed database", () => {
    const ctx = testContext();
    closeDatabase(ctx.db);
    expect(() => startBackgroundCheckpoints(ctx.db.$client)()).not.toThrow();
  });
});
