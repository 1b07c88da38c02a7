/**
 * SQLite errors that say the storage under the database failed (full, read-only, I/O error,
 * damaged file) rather than the statement. Here, below the app, so boot checks (./migrate.ts) and
 * the server's error mapping (app/utils/storage-errors.server.ts) classify them the same way.
 */

// SQLite's primary result codes (extended codes such as SQLITE_IOERR_WRITE start with them).
const STORAGE_CODES = [
  "SQLITE_FULL",
  "SQLITE_IOERR",
  "SQLITE_READONLY",
  "SQLITE_CANTOPEN",
  "SQLITE_CORRUPT",
  "SQLITE_NOTADB",
];

/** The SQLite error code of `e` (better-sqlite3's SqliteError.code), or undefined. */
export function sqliteCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_") ? code : undefined;
}

export function isStorageError(e: unknown): boolean {
  const code = sqliteCode(e);
  return code !== undefined && STORAGE_CODES.some((c) => code === c || code.startsWith(`${c}_`));
}

/** SQLITE_BUSY (and its extended codes): the write lock was not had in time; nothing was written. */
export function isBusyError(e: unknown): boolean {
  return sqliteCode(e)?.startsWith("SQLITE_BUSY") === true;
}

export type StorageProblem = "full" | "read-only" | "damaged" | "io";

export function storageProblemOf(code: string | undefined): StorageProblem {
  if (!code) return "io";
  if (code.startsWith("SQLITE_FULL")) return "full";
  if (code.startsWith("SQLITE_READONLY")) return "read-only";
  if (code.startsWith("SQLITE_CORRUPT") || code.startsWith("SQLITE_NOTADB")) return "damaged";
  return "io";
}
