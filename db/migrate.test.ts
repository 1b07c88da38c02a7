import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { migrateDatabase } from "./migrate";
import { openDatabase } from "./client";

describe("migrations", () => {
  it("apply to an empty file, and a second run changes nothing", () => {
    const file = path.join(process.env.TEST_TMP_DIR!, `empty-${process.pid}.db`);
    migrateDatabase(file);
    const dump = () => {
      const d = new Database(file, { readonly: true });
      const rows = d.prepare("select type, name, sql from sqlite_master order by name").all();
      const applied = d.prepare("select count(*) as n from __drizzle_migrations").get();
      d.close();
      return JSON.stringify({ rows, applied });
    };
    const first = dump();
    migrateDatabase(file);
    expect(dump()).toBe(first);
    expect(first).toContain("credit_grants");
    fs.rmSync(file, { force: true });
  });

  it("every connection sets WAL, busy_timeout, synchronous=NORMAL and foreign keys", () => {
    const file = path.join(process.env.TEST_TMP_DIR!, `pragmas-${process.pid}.db`);
    migrateDatabase(file);
    const db = openDatabase(file);
    expect(db.$client.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.$client.pragma("busy_timeout", { simple: true })).toBe(5000);
    expect(db.$client.pragma("synchronous", { simple: true })).toBe(1);
    expect(db.$client.pragma("foreign_keys", { simple: true })).toBe(1);
    db.$client.close();
  });
});
