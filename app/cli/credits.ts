import { expireGrants, syncBalances } from "../credits/index.server";
import { AppError } from "../utils/errors";
import type { CliCommand } from "./command";

function positiveInt(value: string | boolean | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new AppError("invalid_request", `--${flag} must be a positive integer`, { field: flag });
  }
  return n;
}

/**
 * The credit jobs on demand (the server also runs them on a schedule). Each prints a one-line
 * JSON summary on stdout, so cron and scripts can parse it.
 */
export const creditCommands: Record<string, CliCommand> = {
  "grants expire": {
    summary: "Record every grant past its expiry (expiration entries); --batch-size N (default 1000)",
    options: { "batch-size": { type: "string" } },
    run(ctx, values, io) {
      const result = expireGrants(ctx, { batchSize: positiveInt(values["batch-size"], "batch-size") });
      io.out(`${JSON.stringify(result)}\n`);
    },
  },
  "balances sync": {
    summary: "Recompute cached credit balances from the grants and fix drift; --user ID for one user",
    options: { user: { type: "string" } },
    run(ctx, values, io) {
      const result = syncBalances(ctx, { userId: positiveInt(values.user, "user") });
      io.out(`${JSON.stringify(result)}\n`);
    },
  },
};
