/**
 * Spending credits: deductions and adjustments. The hot path (deductCredits) runs on cached
 * better-sqlite3 statements inside one IMMEDIATE transaction; see BURN_DOWN_SQL for the order.
 */
import type { DbClock } from "../utils/context.server";
import { AppError } from "../utils/errors";
import {
  checkCredits,
  checkId,
  checkMetadata,
  checkReason,
  checkShownReason,
  checkUsageTag,
  invalid,
  MAX_CREDITS,
} from "./checks.server";
import { findReplay, keyedRequest } from "./keyed.server";
import { type Statements, statementsFor } from "./statements.server";
import type { EntryRow } from "./tables/ledger.server";
import type { UserEventRow } from "./tables/users.server";
import { insertEntry, requireUser, takeFromGrant } from "./writes.server";
import { addGrant } from "./grants.server";
import { balanceLowered, creditsConfig } from "./events.server";
import { settleLapsedHolds } from "./hold-returns.server";
import { writeTransaction } from "../../db/transaction";

export interface DeductInput {
  userId: number;
  amount: number;
  reason?: string | null;
  metadata?: Record<string, unknown> | null;
  idempotencyKey?: string | null;
  actor?: string | null;
  /** What the credits paid for, when usage of a rate-card feature made the deduction (app/features/). */
  usage?: UsageTag | null;
}

/**
 * A usage deduction's account of itself, in the caller's words (app/features/): which feature,
 * how many units, at which price version, how many of them were included units, and how many
 * units already paid for are carried to the next use (the remainder). Stored and shown as given.
 */
export interface UsageTag {
  feature: string;
  quantity: number;
  priceVersion: number;
  includedUnitsUsed: number;
  carriedUnits: number;
}
export interface DeductResult {
  id: number; // ledger entry id
  amount: number;
  balance: number;
  allocations: { grantId: number; amount: number }[];
  replayed: boolean;
}

export interface Allocation {
  grantId: number;
  amount: number;
}

/**
 * Takes `amount` from the user's grants in burn-down order (inside the caller's transaction), for a
 * deduction or a hold. Lapsed holds are recorded first (their credits are spendable again). Returns
 * the spendable balance before, the allocations and the user's event settings; throws
 * insufficient_credits (having written nothing but lapsed holds) when the grants in effect hold less.
 */
export function burnDown(
  s: Statements,
  userId: number,
  amount: number,
  nowMs: number,
): { before: number; allocations: Allocation[]; user: UserEventRow } {
  settleLapsedHolds(s, userId, nowMs);
  const grants = s.burnDown.all(userId, nowMs, nowMs);
  let before = 0;
  for (const g of grants) before += g[1];
  if (before < amount) {
    requireUser(s, userId); // an unknown user is not_found, not "short of credits"
    throw new AppError("insufficient_credits", `Not enough credits: ${before} available, ${amount} requested.`, {
      extra: { balance: before, requested: amount },
    });
  }
  const allocations: Allocation[] = [];
  let left = amount;
  for (const [grantId, remaining] of grants) {
    const take = remaining < left ? remaining : left;
    takeFromGrant(s, grantId, take, remaining, nowMs);
    allocations.push({ grantId, amount: take });
    left -= take;
    if (left === 0) break;
  }
  s.addToBalance.run(-amount, userId);
  // What the balance events need (a primary-key read: cheaper than UPDATE … RETURNING in SQLite).
  const user = s.userEventRow.get(userId)!;
  return { before, allocations, user };
}

/** What a spending entry (deduction or negative adjustment) records beside its allocations. */
interface SpendingEntry {
  type: "deduction" | "adjustment";
  reason: string | null;
  key: string | null;
  hash: string | null;
  metadata: string | null;
  actor: string | null;
  /** A usage deduction's tag (JSON text), else null. */
  usage?: string | null;
}

/**
 * Takes `amount` in burn-down order and writes the ONE entry (−amount, balanceAfter = spendable
 * left) plus an allocation row per grant touched, inside the caller's write transaction.
 */
function spend(
  s: Statements,
  ctx: DbClock,
  userId: number,
  amount: number,
  entry: SpendingEntry,
  nowMs: number,
): { id: number; balance: number; allocations: Allocation[] } {
  const { before, allocations, user } = burnDown(s, userId, amount, nowMs);
  const balance = before - amount;
  // Fields spelled out rather than spread: this is the deduction hot path.
  const { type, reason, key, hash, metadata, actor, usage } = entry;
  const id = insertEntry(s, {
    userId,
    type,
    amount: -amount,
    balanceAfter: balance,
    reason,
    grantId: null,
    key,
    hash,
    metadata,
    actor,
    nowMs,
    usage,
  });
  for (const a of allocations) s.insertAllocation.run(id, a.grantId, a.amount);
  // credits.deducted is this entry itself (read after commit by the dispatcher: credits/events.server.ts).
  balanceLowered(s, creditsConfig(ctx), userId, user, before, balance, nowMs);
  return { id, balance, allocations };
}

/** The stored answer of a spending entry an idempotency key already produced. */
function replayedSpend(s: Statements, replay: EntryRow) {
  const allocations = s.allocationsOf.all(replay.id) as Allocation[];
  return { id: replay.id, balance: replay.balance_after, allocations, replayed: true };
}

/**
 * Spends `amount` in burn-down order: ONE `deduction` ledger entry (negative amount, balanceAfter
 * = the spendable balance left) and one allocation row per grant touched. Not enough credits →
 * `insufficient_credits` with extra {balance, requested}, nothing written.
 */
export function deductCredits(ctx: DbClock, input: DeductInput): DeductResult {
  const userId = checkId(input.userId, "userId");
  const amount = checkCredits(input.amount);
  const reason = checkReason(input.reason);
  const metadata = checkMetadata(input.metadata);
  const usage = checkUsageTag(input.usage);
  const keyed = keyedRequest(input, {
    op: "deduction",
    amount,
    reason,
    metadata: input.metadata ?? null,
    ...(usage && { usage: input.usage }),
  });
  const s = statementsFor(ctx.db);
  return writeTransaction(ctx.db, (): DeductResult => {
    const replay = findReplay(s, userId, keyed);
    if (replay) return { ...replayedSpend(s, replay), amount: -replay.amount };
    // Read inside the transaction: after any wait for the write lock, not before it.
    const nowMs = ctx.clock.now().getTime();
    const entry = { type: "deduction" as const, reason, metadata, usage, ...keyed };
    const { id, balance, allocations } = spend(s, ctx, userId, amount, entry, nowMs);
    return { id, amount, balance, allocations, replayed: false };
  });
}

export interface AdjustInput {
  userId: number;
  /** Signed, non-zero: positive adds credits, negative removes them. */
  amount: number;
  /** Required: an adjustment is a correction someone must be able to explain. */
  reason: string;
  idempotencyKey?: string | null;
  actor?: string | null;
  /** Who asked: recorded as the source of the grant a positive adjustment creates. */
  source?: "admin" | "api";
  metadata?: Record<string, unknown> | null;
}

export interface AdjustResult {
  /** The adjustment's ledger entry. */
  id: number;
  /** Signed, as on the entry. */
  amount: number;
  balance: number;
  /** The grant a positive adjustment created; null for a negative one. */
  grantId: number | null;
  /** Where a negative adjustment took its credits from (burn-down order); empty for a positive one. */
  allocations: Allocation[];
  replayed: boolean;
}

/** Never-expiring, like a promotional credit: corrections should not silently disappear. */
const ADJUSTMENT_GRANT_PRIORITY = 20;

/**
 * An admin/API correction: one `adjustment` entry.
 * - Positive: creates a never-expiring `promotional` grant (priority 20) that the entry links via
 *   grant_id, so "cached balance = Σ active grants' remaining" and "ledger sum = balance" keep
 *   holding, and the credits burn down like any other grant.
 * - Negative: takes the credits in burn-down order exactly like a deduction (allocation rows;
 *   insufficient_credits when the spendable balance is smaller, nothing written).
 */
export function adjustCredits(ctx: DbClock, input: AdjustInput): AdjustResult {
  const userId = checkId(input.userId, "userId");
  const amount = input.amount;
  if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount === 0 || Math.abs(amount) > MAX_CREDITS) {
    throw invalid("amount", `\`amount\` must be a non-zero integer from -${MAX_CREDITS} to ${MAX_CREDITS}.`);
  }
  const reason = checkShownReason(input.reason);
  if (reason === null) throw invalid("reason", "An adjustment needs a reason.");
  const source = input.source ?? "admin";
  if (source !== "admin" && source !== "api") throw invalid("source", "`source` must be admin or api.");
  const metadata = checkMetadata(input.metadata);
  const keyed = keyedRequest(input, { op: "adjustment", amount, reason, source, metadata: input.metadata ?? null });
  const s = statementsFor(ctx.db);
  return writeTransaction(ctx.db, (): AdjustResult => {
    const replay = findReplay(s, userId, keyed);
    if (replay) return { ...replayedSpend(s, replay), amount: replay.amount, grantId: replay.grant_id };
    const nowMs = ctx.clock.now().getTime();
    const entry = { type: "adjustment" as const, reason, metadata, ...keyed };
    if (amount > 0) {
      const grant = { type: "promotional" as const, amount, priority: ADJUSTMENT_GRANT_PRIORITY, source };
      const cached = requireUser(s, userId);
      const added = addGrant(s, userId, cached, { ...grant, effectiveAt: nowMs, expiresAt: null }, entry, nowMs);
      const { entryId: id, balance, grantId } = added;
      return { id, amount, balance, grantId, allocations: [], replayed: false };
    }
    const spent = spend(s, ctx, userId, -amount, entry, nowMs);
    return { ...spent, amount, grantId: null, replayed: false };
  });
}
