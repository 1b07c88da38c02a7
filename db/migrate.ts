import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { drizzle } from "drizzle-orm/better-sqlite3";
import type Database from "better-sqlite3";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isStorageError, sqliteCode, storageProblemOf } from "./storage-errors";
import { openSqlite, probeWrite } from "./client";

/** Finds `migrations/` whether we run from source (db/) or from the bundle (build/node/). */
export function defaultMigrationsFolder(): string {
  const candidates = [
    process.env.MIGRATIONS_DIR,
    path.resolve(process.cwd(), "migrations"),
    path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../migrations"),
    path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../migrations"),
  ].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => fs.existsSync(path.join(p, "meta", "_journal.json")));
  if (!found) throw new Error(`migrations folder not found (looked in ${candidates.join(", ")})`);
  return found;
}

/**
 * The database given to this build cannot be used safely; the message says why, names the path
 * and what to do. The server and the CLI print it and exit 1 instead of a stack.
 */
export class DatabaseRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseRefused";
  }
}

const SEE_README = 'See "When the server refuses to boot" in README.md to restore from the replica.';

/**
 * Checks the database file, then applies pending migrations, on a dedicated connection:
 * 1. it opens and `PRAGMA quick_check` says "ok" (a damaged page is refused, in SQLite's words);
 * 2. every migration it has applied is one of this build's, with the same hash (a database
 *    migrated by a newer or a different build is refused: drizzle would skip what it does not
 *    know, and queries written for the old schema would fail on every request);
 * 3. a small write succeeds (a full or read-only disk is named, with the path);
 * 4. pending migrations apply, with foreign keys off because drizzle rebuilds tables (create new,
 *    copy, drop old) and with them on, dropping the old table would cascade-delete child rows;
 *    afterwards foreign_key_check must find nothing.
 * Throws DatabaseRefused for 1–3 and for storage failures during 4.
 */
export function migrateDatabase(databasePath: string, migrationsFolder = defaultMigrationsFolder()): void {
  const migrations = readMigrations(migrationsFolder);
  refuseUnwritableLocation(databasePath);
  let sqlite: Database.Database;
  try {
    sqlite = openSqlite(databasePath);
  } catch (e) {
    throw refusal(databasePath, e);
  }
  try {
    checkIntegrity(sqlite, databasePath);
    checkMigrationHistory(sqlite, databasePath, migrations);
    probeWrite(sqlite);
    sqlite.pragma("foreign_keys = OFF");
    migrate(drizzle(sqlite), { migrationsFolder });
    const problems = sqlite.pragma("foreign_key_check") as unknown[];
    if (problems.length > 0) {
      throw new Error(`foreign_key_check failed after migrating: ${JSON.stringify(problems.slice(0, 5))}`);
    }
  } catch (e) {
    throw refusal(databasePath, e);
  } finally {
    sqlite.close();
  }
}

interface BuildMigration {
  number: number;
  tag: string;
  createdAtMs: number;
  hash: string;
}

/** This build's migrations as drizzle records them: created_at = the journal's `when`, hash = sha256 of the file. */
export function readMigrations(migrationsFolder: string): BuildMigration[] {
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8")) as {
    entries: Array<{ tag: string; when: number }>;
  };
  return journal.entries.map((entry, i) => ({
    number: i + 1,
    tag: entry.tag,
    createdAtMs: entry.when,
    hash: createHash("sha256")
      .update(fs.readFileSync(path.join(migrationsFolder, `${entry.tag}.sql`)).toString())
      .digest("hex"),
  }));
}

function checkIntegrity(sqlite: Database.Database, databasePath: string): void {
  const rows = sqlite.pragma("quick_check(20)") as Array<{ quick_check: string }>;
  const words = rows.map((r) => r.quick_check);
  if (words.length === 1 && words[0] === "ok") return;
  throw new DatabaseRefused(
    `Refusing to start: the database ${databasePath} is damaged. SQLite's quick_check says: ${words.join("; ")}. ${SEE_README}`,
  );
}

const when = (atMs: number) => new Date(atMs).toISOString();

function checkMigrationHistory(sqlite: Database.Database, databasePath: string, migrations: BuildMigration[]): void {
  const table = sqlite
    .prepare("select 1 from sqlite_master where type = 'table' and name = '__drizzle_migrations'")
    .get();
  if (!table) return;
  const applied = sqlite
    .prepare("select hash, created_at as createdAt from __drizzle_migrations order by created_at, id")
    .all() as Array<{ hash: string; createdAt: number | string }>;
  const newest = migrations.at(-1);
  const buildVersion = newest
    ? `this build's newest migration is ${newest.tag} (#${newest.number}, created ${when(newest.createdAtMs)})`
    : "this build has no migrations";
  applied.forEach((row, i) => {
    const createdAtMs = Number(row.createdAt);
    const known = migrations.find((m) => m.createdAtMs === createdAtMs);
    if (!known) {
      throw new DatabaseRefused(
        `Refusing to start: the database ${databasePath} was migrated by a newer build. Its migration #${i + 1} ` +
          `(created ${when(createdAtMs)}, hash ${row.hash.slice(0, 12)}) is not in this build's migrations/, and ` +
          `the database has ${applied.length} applied in all; ${buildVersion}. Deploy the newer build again, or ` +
          `restore a copy of the database made by this build. ${SEE_README}`,
      );
    }
    if (known.hash !== row.hash) {
      throw new DatabaseRefused(
        `Refusing to start: the database ${databasePath} applied migration ${known.tag} (created ` +
          `${when(createdAtMs)}) with hash ${row.hash.slice(0, 12)}, but this build's migrations/${known.tag}.sql ` +
          `has hash ${known.hash.slice(0, 12)}: it was migrated by a different build; ${buildVersion}. ${SEE_README}`,
      );
    }
  });
}

/** A read-only file system or file, found before SQLite gives a vaguer "unable to open" or I/O error. */
function refuseUnwritableLocation(databasePath: string): void {
  if (databasePath === ":memory:") return;
  const file = path.resolve(databasePath);
  const dir = path.dirname(file);
  for (const target of fs.existsSync(file) ? [file, dir] : fs.existsSync(dir) ? [dir] : []) {
    try {
      fs.accessSync(target, fs.constants.W_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EROFS" || code === "EACCES" || code === "EPERM") {
        throw new DatabaseRefused(
          `Refusing to start: the database ${file} cannot be written: ${target} is ` +
            `${code === "EROFS" ? "on a read-only file system" : "not writable by this user"} (${code}). ` +
            `Mount its volume read-write or fix the permissions, then start again.`,
        );
      }
    }
  }
}

/** A storage failure at boot as a DatabaseRefused that names the problem and the path; others pass through. */
function refusal(databasePath: string, e: unknown): unknown {
  if (e instanceof DatabaseRefused || !isStorageError(e)) return e;
  const file = path.resolve(databasePath);
  const dir = path.dirname(file);
  const words = `SQLite: ${sqliteCode(e)}: ${(e as Error).message}`;
  const free = freeBytes(dir);
  const problem = storageProblemOf(sqliteCode(e));
  if (problem === "full" || (free !== null && free < 1024 * 1024)) {
    return new DatabaseRefused(
      `Refusing to start: the disk holding the database ${file} is full ` +
        `(${free === null ? "unknown" : free.toLocaleString("en-US")} bytes free in ${dir}; ${words}). ` +
        `Free some space or grow the volume, then start again.`,
    );
  }
  if (problem === "read-only") {
    return new DatabaseRefused(
      `Refusing to start: the database ${file} is read-only (${words}). ` +
        `Mount its volume read-write or fix the file's permissions, then start again.`,
    );
  }
  if (problem === "damaged") {
    return new DatabaseRefused(`Refusing to start: the database ${file} is damaged (${words}). ${SEE_README}`);
  }
  return new DatabaseRefused(
    `Refusing to start: the database ${file} cannot be read or written: the disk reported an I/O error (${words}).`,
  );
}

function freeBytes(dir: string): number | null {
  try {
    const s = fs.statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}
