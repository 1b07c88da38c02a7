/**
 * The migration of old single-number balances into grants, with an expiry (the original plan:
 * 30 days by default, or never). Once per user, whatever the expiry or the day it runs: the
 * import's ledger entry carries a fixed key, and an existing one decides the outcome (same amount
 * → already imported, different → conflict) before any new grant is attempted — the expiry is
 * not part of that decision, so a re-run days later imports nothing twice.
 */
import { grantCredits } from "./grants.server";
import { AppError } from "../utils/errors";
import type { DbClock } from "../utils/context.server";

/** The same key importLegacyBalance uses: a user imported either way is never imported again. */
const LEGACY_IMPORT_KEY = "migration:legacy-balance";

export type LegacyImportOutcome = "import" | "already_imported" | "conflict" | "zero";

/** What importing `amount` for the user would do now (read only). */
export function previewLegacyImport(ctx: DbClock, userId: number, amount: number): LegacyImportOutcome {
  if (amount === 0) return "zero";
  const existing = ctx.db.$client
    .prepare(`select amount from credit_ledger where user_id = ? and idempotency_key = ?`)
    .pluck()
    .get(userId, LEGACY_IMPORT_KEY) as number | undefined;
  if (existing === undefined) return "import";
  return existing === amount ? "already_imported" : "conflict";
}

/**
 * Imports one balance as a `topup` grant (spent after subscription and promotional credits),
 * source "migration", expiring at `expiresAt` (null = never). Inside the caller's transaction
 * when there is one. A different amount already imported → idempotency_conflict.
 */
export function importLegacyBalanceExpiring(
  ctx: DbClock,
  input: { userId: number; amount: number; expiresAt: Date | null; actor?: string; reason?: string },
): Exclude<LegacyImportOutcome, "conflict"> {
  const outcome = previewLegacyImport(ctx, input.userId, input.amount);
  if (outcome === "conflict") {
    throw new AppError("idempotency_conflict", `User #${input.userId} already has a different imported balance.`);
  }
  if (outcome !== "import") return outcome;
  grantCredits(ctx, {
    userId: input.userId,
    type: "topup",
    amount: input.amount,
    expiresAt: input.expiresAt,
    source: "migration",
    reason: "Balance carried over from the previous billing system",
    idempotencyKey: LEGACY_IMPORT_KEY,
    actor: input.actor ?? "migration",
  });
  return "import";
}
