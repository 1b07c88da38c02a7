/**
 * One OS process of the multi-process holds test (run with `node --import tsx`): opens its own
 * connection to the shared database file, waits for "go", then holds, captures (part or all),
 * releases and deducts as fast as it can. argv: databasePath userId rounds clockMs
 */
import { closeDatabase, openDatabase } from "../../../db/client";
import { ManualClock } from "../../utils/clock";
import { isAppError } from "../../utils/errors";
import { captureHold, deductCredits, holdCredits, releaseHold } from "../index.server";

export interface HoldWorkerReport {
  holds: number;
  /** Credits captured by this process's captures (each must succeed: a hold guarantees it). */
  captured: number;
  deducted: number;
  released: number;
  /** Holds and deductions refused for lack of credits (expected once credits run out). */
  insufficient: number;
  /** Anything else (a failed capture, SQLITE_BUSY…) — must stay empty. */
  otherErrors: string[];
}

const [databasePath, userIdArg, roundsArg, clockArg] = process.argv.slice(2);
const db = openDatabase(databasePath);
const ctx = { db, clock: new ManualClock(Number(clockArg)) };
const userId = Number(userIdArg);
const rounds = Number(roundsArg);

function work(): HoldWorkerReport {
  const report: HoldWorkerReport = {
    holds: 0,
    captured: 0,
    deducted: 0,
    released: 0,
    insufficient: 0,
    otherErrors: [],
  };
  const other = (e: unknown) => report.otherErrors.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  for (let i = 0; i < rounds; i++) {
    const amount = 1 + ((i * 13 + process.pid) % 17);
    let holdId: number;
    try {
      holdId = holdCredits(ctx, { userId, amount, reason: `pid ${process.pid}` }).hold.id;
      report.holds += 1;
    } catch (e) {
      if (isAppError(e) && e.code === "insufficient_credits") report.insufficient += 1;
      else other(e);
      continue;
    }
    // Others deduct while this hold is open: they must never take its credits.
    try {
      deductCredits(ctx, { userId, amount: 1 + (i % 3), reason: `pid ${process.pid}` });
      report.deducted += 1 + (i % 3);
    } catch (e) {
      if (isAppError(e) && e.code === "insufficient_credits") report.insufficient += 1;
      else other(e);
    }
    try {
      if (i % 4 === 3) {
        releaseHold(ctx, { holdId });
        report.released += 1;
      } else {
        const part = i % 2 === 0 ? null : Math.max(1, amount - 3);
        report.captured += captureHold(ctx, { holdId, amount: part }).deduction.amount;
      }
    } catch (e) {
      other(e); // capturing or releasing one's own open hold never fails
    }
  }
  return report;
}

process.on("message", (message) => {
  if (message !== "go") return;
  const report = work();
  closeDatabase(db);
  process.send!(report, () => process.exit(0));
});
process.send!("ready");
