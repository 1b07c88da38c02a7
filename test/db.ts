import fs from "node:fs";
import path from "node:path";
import { openDatabase, type Db } from "../db/client";
import { ManualClock } from "../app/utils/clock";
import { parseEnv } from "../app/utils/env.server";
import type { AppContext } from "../app/utils/context.server";
import { billingContext, type StripeContext } from "../app/billing/context.server";

let counter = 0;

/** A fresh, migrated SQLite file (a copy of the run's base file) for one test or suite. */
export function freshDatabasePath(): string {
  const base = process.env.TEST_BASE_DB;
  const dir = process.env.TEST_TMP_DIR;
  if (!base || !dir) throw new Error("test/global-setup.ts did not run");
  const file = path.join(dir, `w${process.env.VITEST_POOL_ID ?? "0"}-${process.pid}-${++counter}.db`);
  fs.copyFileSync(base, file);
  return file;
}

export function freshDb(): { db: Db; path: string } {
  const file = freshDatabasePath();
  return { db: openDatabase(file), path: file };
}

/** A whole app context on a fresh database with a clock the test moves. */
export function testContext(
  envOverrides: Record<string, string> = {},
): AppContext & { clock: ManualClock; path: string; billing: StripeContext } {
  const { db, path: file } = freshDb();
  const env = parseEnv({ NODE_ENV: "test", LOG_LEVEL: "silent", DATABASE_PATH: file, ...envOverrides });
  const ctx = { db, clock: new ManualClock("2026-01-01T00:00:00.000Z"), env, path: file };
  // As the server's load context: billing's context (its Stripe client is made on first use).
  return { ...ctx, billing: billingContext(ctx) };
}

/** Row counts of everything an API write can touch (a refused request must leave them as they were). */
export function apiRowCounts(db: Db) {
  const n = (table: string) => db.$client.prepare(`select count(*) from ${table}`).pluck().get() as number;
  return {
    users: n("users"),
    grants: n("credit_grants"),
    ledger: n("credit_ledger"),
    allocations: n("ledger_allocations"),
    idempotency: n("api_idempotency"),
    audit: n("audit_log"),
  };
}
