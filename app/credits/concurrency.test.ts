import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { testContext } from "../../test/db";
import type { WorkerReport } from "./__fixtures__/deduct-worker";
import { checkInvariants, getBalance, grantCredits } from "./index.server";
import { newUser, grant } from "./test-support";

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.join(here, "__fixtures__/deduct-worker.ts");
const ROOT = path.resolve(here, "../..");
const PROCESSES = 4;
const DEDUCTIONS_EACH = 300;

function startWorker(args: string[]): { child: ChildProcess; ready: Promise<void>; report: Promise<WorkerReport> } {
  const child = fork(WORKER, args, {
    cwd: ROOT,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const report = new Promise<WorkerReport>((resolve, reject) => {
    child.on("message", (m) => (m === "ready" ? onReady() : resolve(m as WorkerReport)));
    child.on("error", reject);
    child.on("exit", (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
  });
  return { child, ready, report };
}

describe("deductions from several processes at once", () => {
  it(`never overdraw and add up exactly with ${PROCESSES} OS processes on one database file`, async () => {
    const ctx = testContext();
    const userId = newUser(ctx);
    grantCredits(ctx, { userId, type: "subscription", amount: 1500, source: "subscription" });
    grant(ctx, userId, "promotional", 1000, { expiresAt: new Date("2026-06-01") });
    grantCredits(ctx, { userId, type: "topup", amount: 2500, source: "topup" });
    const start = getBalance(ctx, userId).balance;

    const workers = Array.from({ length: PROCESSES }, () =>
      startWorker([ctx.path, String(userId), String(DEDUCTIONS_EACH), String(ctx.clock.now().getTime())]),
    );
    try {
      // Everyone loaded and connected before anyone starts, so they really overlap.
      await Promise.all(workers.map((w) => w.ready));
      for (const w of workers) w.child.send("go");
      const reports = await Promise.all(workers.map((w) => w.report));

      expect(reports.flatMap((r) => r.otherErrors)).toEqual([]);
      const finalBalance = getBalance(ctx, userId).balance;
      const spent = reports.reduce((sum, r) => sum + r.spent, 0);
      expect(spent).toBe(start - finalBalance);
      // Demand (≈ 4 × 300 × 5) exceeds the 5,000 credits: the last ones were fought over.
      expect(reports.reduce((sum, r) => sum + r.insufficient, 0)).toBeGreaterThan(0);
      expect(finalBalance).toBeLessThan(9);

      const sqlite = ctx.db.$client;
      const deductions = sqlite
        .prepare("select count(*) from credit_ledger where user_id = ? and type = 'deduction'")
        .pluck()
        .get(userId);
      expect(deductions).toBe(reports.reduce((sum, r) => sum + r.ok, 0));
      // Each shared key was written once; every process got that one entry back.
      const keyedEntries = sqlite
        .prepare("select count(*) from credit_ledger where idempotency_key like 'shared:%'")
        .pluck()
        .get();
      expect(keyedEntries).toBe(20);
      for (const key of Object.keys(reports[0].keyed)) {
        expect(new Set(reports.map((r) => r.keyed[key])).size).toBe(1);
      }
      expect(reports.reduce((sum, r) => sum + r.replayed, 0)).toBe(20 * (PROCESSES - 1));
      // The processes all took part (each wrote deductions of its own).
      const writers = sqlite
        .prepare(
          "select reason from credit_ledger where user_id = ? and type = 'deduction' and reason like 'pid %' order by id",
        )
        .pluck()
        .all(userId) as string[];
      // Every process wrote (how the OS interleaved them is not this test's business).
      expect(new Set(writers).size).toBe(PROCESSES);

      checkInvariants(ctx);
    } finally {
      for (const w of workers) if (w.child.exitCode === null) w.child.kill();
      closeDatabase(ctx.db);
    }
  }, 60_000);
});
