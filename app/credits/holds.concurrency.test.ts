import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { testContext } from "../../test/db";
import type { HoldWorkerReport } from "./__fixtures__/hold-worker";
import { checkInvariants, getBalance, grantCredits } from "./index.server";
import { grant, newUser } from "./test-support";

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.join(here, "__fixtures__/hold-worker.ts");
const ROOT = path.resolve(here, "../..");
const PROCESSES = 4;
const ROUNDS_EACH = 150;

function startWorker(args: string[]) {
  const child: ChildProcess = fork(WORKER, args, {
    cwd: ROOT,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const report = new Promise<HoldWorkerReport>((resolve, reject) => {
    child.on("message", (m) => (m === "ready" ? onReady() : resolve(m as HoldWorkerReport)));
    child.on("error", reject);
    child.on("exit", (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
  });
  return { child, ready, report };
}

describe("holds and captures from several processes at once", () => {
  it(`never overdraw, and every capture of an open hold succeeds, with ${PROCESSES} OS processes on one database file`, async () => {
    const ctx = testContext();
    const userId = newUser(ctx);
    grantCredits(ctx, { userId, type: "subscription", amount: 1500, source: "subscription" });
    grant(ctx, userId, "promotional", 1000, { expiresAt: new Date("2026-06-01") });
    grantCredits(ctx, { userId, type: "topup", amount: 1500, source: "topup" });
    const start = getBalance(ctx, userId).balance;

    const workers = Array.from({ length: PROCESSES }, () =>
      startWorker([ctx.path, String(userId), String(ROUNDS_EACH), String(ctx.clock.now().getTime())]),
    );
    try {
      await Promise.all(workers.map((w) => w.ready));
      for (const w of workers) w.child.send("go");
      const reports = await Promise.all(workers.map((w) => w.report));

      expect(reports.flatMap((r) => r.otherErrors)).toEqual([]);
      const spent = reports.reduce((sum, r) => sum + r.captured + r.deducted, 0);
      const view = getBalance(ctx, userId);
      expect(view.held).toBe(0);
      // Never overdrawn: what the processes were told they spent is exactly what left the balance.
      expect(spent).toBe(start - view.balance);
      // Demand exceeds the 4,000 credits: holds and deductions were refused near the end.
      expect(reports.reduce((sum, r) => sum + r.insufficient, 0)).toBeGreaterThan(0);
      expect(reports.every((r) => r.holds > 0 && r.released > 0)).toBe(true);

      const sqlite = ctx.db.$client;
      const captures = sqlite
        .prepare("select count(*), coalesce(-sum(amount), 0) from credit_ledger where hold_id is not null")
        .raw()
        .get() as [number, number];
      expect(captures[1]).toBe(reports.reduce((sum, r) => sum + r.captured, 0));
      expect(sqlite.prepare("select count(*) from credit_holds where status = 'held'").pluck().get()).toBe(0);
      checkInvariants(ctx);
    } finally {
      for (const w of workers) if (w.child.exitCode === null) w.child.kill();
      closeDatabase(ctx.db);
    }
  }, 90_000);
});
