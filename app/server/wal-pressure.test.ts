// The write-pressure valve against a real SQLite file whose WAL a reader's snapshot keeps from restarting.
import Database from "better-sqlite3";
import fs from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqlite } from "../../db/client";
import { walPressureValve } from "./wal-pressure";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A database whose WAL holds more than 64 KiB that no checkpoint can restart until release(). */
function grownWal() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wal-pressure-"));
  const file = path.join(dir, "app.db");
  const writer = openSqlite(file);
  writer.pragma("wal_autocheckpoint = 0");
  writer.exec("create table t (v text)");
  const reader = new Database(file);
  reader.prepare("BEGIN").run();
  reader.prepare("select count(*) from t").get();
  for (let i = 0; i < 40; i++) writer.prepare("insert into t values (?)").run("x".repeat(4000));
  cleanups.push(() => {
    if (reader.inTransaction) reader.prepare("COMMIT").run();
    reader.close();
    writer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const releaseReader = () => reader.prepare("COMMIT").run();
  const release = () => {
    releaseReader();
    writer.pragma("wal_checkpoint(TRUNCATE)");
  };
  return { file, release, releaseReader, writer };
}

async function serve(valve: ReturnType<typeof walPressureValve>): Promise<{ base: string; handled: string[] }> {
  const handled: string[] = [];
  const server: Server = createServer((req, res) =>
    valve.admit(req, res, () => {
      handled.push(req.method ?? "");
      res.writeHead(201).end("written");
    }),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => {
    valve.stop();
    server.close();
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, handled };
}

describe("the WAL write-pressure valve", () => {
  it("lets writes through while the WAL is under its bound, and reads through always", async () => {
    const { file } = grownWal();
    const valve = walPressureValve(file, { maxBytes: 64 * 1024 * 1024 });
    const { base } = await serve(valve);
    expect(valve.walBytes()).toBeGreaterThan(64 * 1024);
    expect((await fetch(base, { method: "POST" })).status).toBe(201);
  });

  it("holds a write while the WAL is past its bound and runs it once a checkpoint restarts the WAL", async () => {
    const { file, release } = grownWal();
    const valve = walPressureValve(file, { maxBytes: 64 * 1024, deadlineMs: 60_000 });
    const { base, handled } = await serve(valve);
    expect((await fetch(base)).status).toBe(201);
    const write = fetch(base, { method: "POST" });
    // The GET went through; the POST waits on the WAL, not on time.
    await new Promise((r) => setTimeout(r, 50));
    expect(handled).toEqual(["GET"]);
    release();
    expect((await write).status).toBe(201);
    expect(handled).toEqual(["GET", "POST"]);
  });

  // The valve stops the writes; only a write restarts a WAL whose every frame a PASSIVE checkpoint has
  // copied. The plain server's checkpointer is PASSIVE, so a valve that waited for the WAL's size to
  // drop waited for a write it held back itself: every write was 503 until the server restarted.
  it("lets writes through once a checkpoint has copied every frame, as the first write then restarts the WAL", async () => {
    const { file, releaseReader, writer } = grownWal();
    const valve = walPressureValve(file, { maxBytes: 64 * 1024, deadlineMs: 60_000 });
    const { base, handled } = await serve(valve);
    releaseReader();
    const [copied] = writer.pragma("wal_checkpoint(PASSIVE)") as Array<{ log: number; checkpointed: number }>;
    expect(copied.checkpointed).toBe(copied.log);
    // Still past its bound in size: nothing has restarted it.
    expect(valve.walBytes()).toBeGreaterThan(64 * 1024);
    const res = await fetch(base, { method: "POST" });
    expect(res.status).toBe(201);
    expect(handled).toEqual(["POST"]);
    // The write it let through (here, the writer's next insert) restarts the WAL from its beginning.
    writer.prepare("insert into t values (?)").run("y");
    const fresh = walPressureValve(file);
    cleanups.push(fresh.stop);
    expect(fresh.walBytes()).toBeLessThan(64 * 1024);
  });

  it("answers 503 storage_busy with Retry-After, having run nothing, when the WAL stays past its bound", async () => {
    const { file } = grownWal();
    const valve = walPressureValve(file, { maxBytes: 64 * 1024, deadlineMs: 20 });
    const { base, handled } = await serve(valve);
    const res = await fetch(base, { method: "POST", body: "{}" });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect((await res.json()).error.code).toBe("storage_busy");
    expect(handled).toEqual([]);
  });
});
