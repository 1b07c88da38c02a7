import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { drizzle } from "drizzle-orm/better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openSqlite } from "./client";

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
 * Applies pending migrations on a dedicated connection. Foreign keys are off while migrating
 * because drizzle rebuilds tables (create new, copy, drop old) and with them on, dropping the old
 * table would cascade-delete child rows. Afterwards foreign_key_check must find nothing.
 */
export function migrateDatabase(databasePath: string, migrationsFolder = defaultMigrationsFolder()): void {
  const sqlite = openSqlite(databasePath);
  try {
    sqlite.pragma("foreign_keys = OFF");
    migrate(drizzle(sqlite), { migrationsFolder });
    const problems = sqlite.pragma("foreign_key_check") as unknown[];
    if (problems.length > 0) {
      throw new Error(`foreign_key_check failed after migrating: ${JSON.stringify(problems.slice(0, 5))}`);
    }
  } finally {
    sqlite.close();
  }
}
