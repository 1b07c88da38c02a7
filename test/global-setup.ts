import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrateDatabase } from "../db/migrate";

/**
 * Migrates one base database file for the whole run; each test worker copies it (test/setup.ts),
 * so every worker has its own real SQLite file and no test pays for migrations.
 */
export default function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "credits-test-"));
  const base = path.join(dir, "base.db");
  migrateDatabase(base);
  process.env.TEST_BASE_DB = base;
  process.env.TEST_TMP_DIR = dir;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
