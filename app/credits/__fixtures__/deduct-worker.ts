/**
 * One OS process of the multi-process deduction test (run with `node --import tsx`): opens its
 * own connection to the shared database file, waits for "go", then deducts as fast as it can.
 * argv: databasePath userId deductions clockMs
 */
import { closeDatabase, openDatabase } from "../../../db/client";
import { ManualClock } from "../../utils/clock";
import { isAppError } from "../../utils/errors";
import { deductCredits } from "../index.server";

export interface WorkerReport {
  ok: number;
  spent: number;
  insufficient: number;
  replayed: number;
  /** Anything other than insufficient_credits (e.g. SQLITE_BUSY) — must stay empty. */
  otherErrors: string[];
  /** Ledger entry id each shared idempotency key resolved to in this process. */
  keyed: Record<string, number>;
}

const [databasePath, userIdArg, countArg, clockArg] = process.argv.slice(2);
const db = openDatabase(databasePath);
const ctx = { db, clock: new ManualClock(Number(clockArg)) };
const userId = Number(userIdArg);
const count = Number(countArg);
const SHARED_KEYS = 20; // concurrency.test.ts expects 20 keyed entries

function work(): WorkerReport {
  const report: WorkerReport = { ok: 0, spent: 0, insufficient: 0, replayed: 0, otherErrors: [], keyed: {} };
  const attempt = (amount: number, idempotencyKey: string | null) => {
    try {
      const reason = idempotencyKey ? "shared" : `pid ${process.pid}`;
      const r = deductCredits(ctx, { userId, amount, idempotencyKey, reason });
      if (r.replayed) report.replayed += 1;
      else {
        report.ok += 1;
        report.spent += amount;
      }
      if (idempotencyKey) report.keyed[idempotencyKey] = r.id;
    } catch (e) {
      if (isAppError(e) && e.code === "insufficient_credits") report.insufficient += 1;
      else report.otherErrors.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    }
  };
  // Every process sends the same keyed requests: each must be written exactly once.
  for (let k = 0; k < SHARED_KEYS; k++) attempt(1, `shared:${k}`);
  for (let i = 0; i < count; i++) attempt(1 + ((i * 7 + process.pid) % 9), null);
  return report;
}

process.on("message", (message) => {
  if (message !== "go") return;
  const report = work();
  closeDatabase(db);
  process.send!(report, () => process.exit(0));
});
process.send!("ready");
