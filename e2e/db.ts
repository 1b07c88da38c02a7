import path from "node:path";
import { closeDatabase, openDatabase, type Db } from "../db/client";

/**
 * The e2e server's database, for seeding what no page writes (usage, until the v1 usage API
 * lands): the same file the server uses (playwright.config.ts E2E_DB_DIR), WAL-safe across processes.
 */
export function withE2eDb<T>(fn: (db: Db) => T): T {
  const dir = process.env.E2E_DB_DIR;
  if (!dir) throw new Error("E2E_DB_DIR is not set (playwright.config.ts sets it)");
  const db = openDatabase(path.join(dir, "e2e.db"));
  try {
    return fn(db);
  } finally {
    closeDatabase(db);
  }
}
