/**
 * The admin report function timed directly (no HTTP): 1,000,000 ledger rows stamped inside the
 * current day, as `npm run bench` row 7c prefills them, then p50 of 40 calls after 3 warm-ups —
 * once with the rows present before the first report (cold start), once with them inserted after
 * a report was taken (the bench's order). Run: npx tsx scripts/bench/reports-direct.ts [rows]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { closeDatabase, openDatabase } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";
import { adminReport } from "../../app/billing/reports.server";
import { systemClock } from "../../app/utils/clock";
import { time } from "./time";

const ROWS = Number(process.argv[2] ?? 1_000_000);

function prefill(sqlite: ReturnType<typeof openDatabase>["$client"], rows: number) {
  const insertUser = sqlite.prepare("insert into users (email, name, created_at, updated_at) values (?, '', ?, ?)");
  const now = Date.now();
  const others: number[] = [];
  sqlite
    .transaction(() => {
      for (let i = 0; i < 99; i++)
        others.push(Number(insertUser.run(`o${i}-${now}@bench.example`, now, now).lastInsertRowid));
    })
    .immediate();
  const insert = sqlite.prepare(
    "insert into credit_ledger (user_id, type, amount, balance_after, reason, created_at) values (?, 'deduction', -1, 0, 'prefill', ?)",
  );
  sqlite
    .transaction(() => {
      for (let i = 0; i < rows; i++) insert.run(others[i % others.length], now - rows + i);
    })
    .immediate();
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reports-bench-"));
try {
  for (const order of ["rows-then-report", "report-then-rows"] as const) {
    const file = path.join(dir, `${order}.db`);
    migrateDatabase(file, path.resolve("migrations"));
    const db = openDatabase(file);
    const ctx = { db, clock: systemClock };
    if (order === "report-then-rows") adminReport(ctx, 90);
    prefill(db.$client, ROWS);
    time(`${order}, ${ROWS.toLocaleString("en-US")} rows, 90 days`, () => adminReport(ctx, 90));
    time(`${order}, 30 days`, () => adminReport(ctx, 30));
    closeDatabase(db);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
