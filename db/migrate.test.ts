import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { DatabaseRefused, defaultMigrationsFolder, migrateDatabase, readMigrations } from "./migrate";
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

  it("every connection sets WAL, busy_timeout, synchronous=NORMAL, foreign keys and temp_store=MEMORY", () => {
    const file = path.join(process.env.TEST_TMP_DIR!, `pragmas-${process.pid}.db`);
    migrateDatabase(file);
    const db = openDatabase(file);
    expect(db.$client.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.$client.pragma("busy_timeout", { simple: true })).toBe(5000);
    expect(db.$client.pragma("synchronous", { simple: true })).toBe(1);
    expect(db.$client.pragma("foreign_keys", { simple: true })).toBe(1);
    // Savepoint journals stay in memory (db/client.ts): 2 = MEMORY.
    expect(db.$client.pragma("temp_store", { simple: true })).toBe(2);
    db.$client.close();
  });
});

describe("boot checks of the database given", () => {
  const dir = () => fs.mkdtempSync(path.join(process.env.TEST_TMP_DIR!, "boot-checks-"));

  /** A copy of this build's migrations/ that the test can add to or change. */
  function copyOfMigrations(): string {
    const folder = path.join(dir(), "migrations");
    fs.cpSync(defaultMigrationsFolder(), folder, { recursive: true });
    return folder;
  }

  function refusal(fn: () => void): DatabaseRefused {
    try {
      fn();
    } catch (e) {
      if (e instanceof DatabaseRefused) return e;
      throw e;
    }
    throw new Error("expected the database to be refused");
  }

  it("refuses a database with a damaged page, naming the path and SQLite's words", () => {
    const file = path.join(dir(), "damaged.db");
    migrateDatabase(file);
    const db = new Database(file);
    const insert = db.prepare(
      "insert into users (email, name, role, credit_balance, created_at, updated_at) values (?, ?, 'customer', 0, 0, 0)",
    );
    for (let i = 0; i < 200; i++) insert.run(`user${i}@example.com`, "x".repeat(200));
    const { rootpage } = db.prepare("select rootpage from sqlite_master where name = 'users'").get() as {
      rootpage: number;
    };
    const pageSize = Number(db.pragma("page_size", { simple: true }));
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.close();
    // The users table's root page: its b-tree page type byte becomes one that does not exist.
    const fd = fs.openSync(file, "r+");
    fs.writeSync(fd, Buffer.from([0x6f, 0x6f, 0x6f, 0x6f]), 0, 4, (rootpage - 1) * pageSize);
    fs.closeSync(fd);

    const e = refusal(() => migrateDatabase(file));
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/damaged/);
    // SQLite's own words: quick_check's report, or the error it stops with.
    expect(e.message).toMatch(/(quick_check says: .*page|SQLITE_CORRUPT: database disk image is malformed)/);
  });

  it("refuses a database migrated by a newer build (a migration this build does not know), naming both versions", () => {
    const newer = copyOfMigrations();
    const journalPath = path.join(newer, "meta", "_journal.json");
    const journal = JSON.parse(fs.readFileSync(journalPath, "utf8"));
    const last = journal.entries.at(-1);
    journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 86_400_000, tag: "9999_newer_build" });
    fs.writeFileSync(journalPath, JSON.stringify(journal));
    fs.writeFileSync(
      path.join(newer, "9999_newer_build.sql"),
      "ALTER TABLE `users` RENAME COLUMN `name` TO `display_name`;",
    );
    const file = path.join(dir(), "newer.db");
    migrateDatabase(file, newer);
    const before = fs.readFileSync(file);

    const e = refusal(() => migrateDatabase(file));
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/newer build/);
    expect(e.message).toContain(new Date(last.when + 86_400_000).toISOString());
    expect(e.message).toContain(`this build's newest migration is ${last.tag}`);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it("refuses a database whose applied migration differs from this build's file, naming both hashes", () => {
    const other = copyOfMigrations();
    const first = readMigrations(other)[0];
    fs.appendFileSync(
      path.join(other, `${first.tag}.sql`),
      "\n--> statement-breakpoint\nCREATE TABLE `other_build` (`id` integer);",
    );
    const file = path.join(dir(), "other.db");
    migrateDatabase(file, other);
    const theirs = readMigrations(other)[0].hash;

    const e = refusal(() => migrateDatabase(file));
    expect(e.message).toContain(file);
    expect(e.message).toContain(first.tag);
    expect(e.message).toContain(theirs.slice(0, 12));
    expect(e.message).toContain(first.hash.slice(0, 12));
  });

  it("accepts this build's own database again, and an older one that only lacks newer migrations", () => {
    const file = path.join(dir(), "own.db");
    migrateDatabase(file);
    expect(() => migrateDatabase(file)).not.toThrow();
  });
});
