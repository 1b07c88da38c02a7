import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import * as schema from "./schema";
import { writeTransaction } from "./transaction";

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/**
 * Pragmas every connection sets. WAL lets readers run beside the one writer (and is what
 * Litestream replicates); busy_timeout makes a second process wait for the write lock instead
 * of failing with SQLITE_BUSY; NORMAL is durable in WAL mode up to the last checkpointed commit.
 * temp_store = MEMORY keeps savepoint journals in memory: a nested writeTransaction is a
 * savepoint, whose journal (a copy of each page it changes) otherwise spills to a new temporary
 * file past 64 KiB. A keyed batch event (the idempotency store, usage, the deduction: three
 * savepoints) crossed that every time: 150 µs an event in process, 63 in memory (decision 025).
 */
function applyPragmas(sqlite: Database.Database): void {
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("temp_store = MEMORY");
}

export function openSqlite(databasePath: string, opts: { readonly?: boolean } = {}): Database.Database {
  if (opts.readonly) {
    // A read replica's file (LiteFS): nothing may write to it, not even a pragma that changes the header.
    const sqlite = new Database(databasePath, { readonly: true, fileMustExist: true });
    sqlite.pragma("busy_timeout = 5000");
    sqlite.pragma("foreign_keys = ON");
    return sqlite;
  }
  if (databasePath !== ":memory:") {
    fs.mkdirSync(path.dirname(path.resolve(databasePath)), { recursive: true });
  }
  const sqlite = new Database(databasePath);
  applyPragmas(sqlite);
  commitReturningWritesVisibly(sqlite);
  return sqlite;
}

/**
 * better-sqlite3's `.get()` reads the first row and resets the statement without checking what
 * the reset said; for a write with RETURNING in autocommit mode the COMMIT happens in that reset.
 * So a commit that failed (SQLITE_FULL on a full disk) returned the row of a write SQLite had
 * rolled back: sign-up "created" a user that did not exist. On this connection such a `.get()`
 * outside a transaction runs in its own writeTransaction (./transaction.ts), whose COMMIT reports
 * failure.
 * (`.run()` and `.all()` step to the end, where the commit's result is reported already.)
 */
function commitReturningWritesVisibly(sqlite: Database.Database): void {
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    const statement = prepare(source);
    if (statement.reader && !statement.readonly && /\breturning\b/i.test(source)) {
      const get = statement.get.bind(statement);
      statement.get = (...params: unknown[]) =>
        sqlite.inTransaction ? get(...params) : writeTransaction(sqlite, () => get(...params));
    }
    return statement;
  }) as typeof sqlite.prepare;
}

export function openDatabase(databasePath: string, opts: { readonly?: boolean } = {}): Db {
  const sqlite = openSqlite(databasePath, opts);
  return drizzle(sqlite, { schema }) as Db;
}

/**
 * The smallest real write: rewrites the header's user_version with its own value (SQLite writes
 * the page even when the value is the same, so a WAL frame is appended and synced). Throws what
 * SQLite says when the disk is full, read-only or failing. Nothing in the app uses user_version.
 */
export function probeWrite(sqlite: Database.Database): void {
  const version = Number(sqlite.pragma("user_version", { simple: true }));
  sqlite.pragma(`user_version = ${version}`);
}

export function closeDatabase(db: Db): void {
  if (db.$client.open) db.$client.close();
}
