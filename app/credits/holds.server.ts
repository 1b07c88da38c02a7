/**
 * Holds: reserve credits now, capture (part of) them later or release them (decision 010).
 *
 * - Holding takes the credits off the user's grants in burn-down order, exactly as a deduction
 *   would, but writes NO ledger entry: hold_allocations record where they came from. The spendable
 *   balance drops by the amount; `held` grows by it. Deductions and other holds cannot take them.
 * - Capturing writes ONE `deduction` entry (hold_id set) for the captured amount, allocated to the
 *   hold's grants in the order the hold took them (whether or not those grants expired meanwhile:
 *   a hold guarantees its capture until its expiresAt); the rest goes back at once.
 * - Releasing, or the hold reaching its expiresAt, gives every credit back to its grant (a grant
 *   voided or expired meanwhile gets a `void`/`expiration` entry for it instead).
 * - A refund or void of a grant takes what holds reserve on it after its free credits
 *   (docs/decisions/017): the hold reserves amount − clawed_amount, and only that can be captured
 *   or given back. A lapsed hold stops
 *   reserving at expiresAt with no job: every write path and the balance read record lapsed holds
 *   of their user first (settleLapsedHolds); the sweep records the rest.
 * So Σ ledger amounts = cached balance + Σ (amount − clawed) of stored open holds (invariant I9).
 */
import type { DbClock } from "../utils/context.server";
import { AppError } from "../utils/errors";
import { checkActor, checkCredits, checkId, checkMetadata, checkReason, checkUsageTag, invalid } from "./checks.server";
import type { UsageTag } from "./deduct.server";
import { findReplay, keyedRequest, requireSameRequest } from "./keyed.server";
import { type Statements, statementsFor } from "./statements.server";
import type { HoldRow } from "./tables/holds.server";
import { type HoldView, parseMetadata, toHoldView } from "./views.server";
import { insertEntry, requireUser, spendableOf } from "./writes.server";
import { burnDown } from "./deduct.server";
import { balanceLowered, creditsConfig } from "./events.server";
import { closeHold, endReturns, returnParts, settleLapsedHolds, type HoldPart } from "./hold-returns.server";
import type { Allocation } from "./deduct.server";
import { writeTransaction } from "../../db/transaction";

export const HOLD_SECONDS = { min: 60, max: 86_400, default: 900 } as const;

export interface HoldInput {
  userId: number;
  amount: number;
  /** 60–86,400; default 900. */
  expiresInSeconds?: number | null;
  reason?: string | null;
  metadata?: Record<string, unknown> | null;
  /** Caller-namespaced; a replay returns the hold it made (idempotency_conflict for another request). */
  idempotencyKey?: string | null;
  actor?: string | null;
}

export interface HoldResult {
  hold: HoldView;
  /** Spendable now (held credits excluded). */
  balance: number;
  /** What the user's holds reserve now. */
  held: number;
  replayed: boolean;
}

export interface CaptureInput {
  holdId: number;
  /** 1 … the hold's amount; default all of it. */
  amount?: number | null;
  idempotencyKey?: string | null;
  actor?: string | null;
  /** What the credits paid for, when a feature hold is captured (app/features/). */
  usage?: UsageTag | null;
}

export interface CaptureResult {
  hold: HoldView;
  deduction: {
    id: number;
    amount: number;
    balance: number;
    allocations: Allocation[];
    metadata: Record<string, unknown> | null;
  };
  held: number;
  replayed: boolean;
}

export interface ReleaseResult {
  hold: HoldView;
  balance: number;
  held: number;
}

function requireHold(s: Statements, holdId: number): HoldRow {
  const row = s.holdById.get(holdId);
  if (!row) throw new AppError("not_found", `No hold with id ${holdId}.`);
  return row;
}

/** A hold can be captured or released only while it is `held` and before its expiresAt. */
function requireOpen(row: HoldRow, nowMs: number, action: "capture" | "release"): void {
  const status = toHoldView(row, nowMs).status;
  if (status !== "held") {
    throw new AppError("conflict", `Hold ${row.id} is ${status}; only a held hold can be ${action}d.`, {
      extra: { status },
    });
  }
}

/**
 * Reserves `amount` of the user's spendable credits until now + expiresInSeconds. Not enough →
 * insufficient_credits with extra {balance, requested}, nothing written.
 */
export function holdCredits(ctx: DbClock, input: HoldInput): HoldResult {
  const userId = checkId(input.userId, "userId");
  const amount = checkCredits(input.amount);
  const seconds = input.expiresInSeconds ?? HOLD_SECONDS.default;
  if (!Number.isSafeInteger(seconds) || seconds < HOLD_SECONDS.min || seconds > HOLD_SECONDS.max) {
    throw invalid(
      "expiresInSeconds",
      `\`expiresInSeconds\` must be an integer from ${HOLD_SECONDS.min} to ${HOLD_SECONDS.max}.`,
    );
  }
  const reason = checkReason(input.reason);
  const metadata = checkMetadata(input.metadata);
  const keyed = keyedRequest(input, {
    op: "hold",
    amount,
    expiresInSeconds: input.expiresInSeconds ?? null,
    reason,
    metadata: input.metadata ?? null,
  });
  const { key, hash, actor } = keyed;
  const s = statementsFor(ctx.db);
  return writeTransaction(ctx.db, (): HoldResult => {
    const nowMs = ctx.clock.now().getTime();
    if (key !== null) {
      const replay = s.holdByKey.get(userId, key);
      if (replay) {
        requireSameRequest(replay.request_hash, keyed);
        // As on every write path: a lapsed hold (this one, maybe) gives its credits back first, or
        // the balance below would miss credits that `held` no longer counts.
        settleLapsedHolds(s, userId, nowMs);
        const original = toHoldView(
          { ...replay, status: "held", captured_amount: 0, clawed_amount: 0 },
          replay.created_at,
        );
        return {
          hold: original,
          balance: spendableOf(s, userId, nowMs),
          held: s.heldOf.get(userId, nowMs)!,
          replayed: true,
        };
      }
    }
    const { before, allocations, user } = burnDown(s, userId, amount, nowMs);
    const expiresAtMs = nowMs + seconds * 1000;
    const openedAfter = s.lastEntryId.get()!;
    const holdId = Number(
      s.insertHold.run(userId, amount, expiresAtMs, reason, metadata, key, hash, actor, openedAfter, nowMs, nowMs)
        .lastInsertRowid,
    );
    for (const a of allocations) s.insertHoldAllocation.run(holdId, a.grantId, a.amount);
    const balance = before - amount;
    balanceLowered(s, creditsConfig(ctx), userId, user, before, balance, nowMs);
    const hold = toHoldView(s.holdById.get(holdId)!, nowMs);
    return { hold, balance, held: s.heldOf.get(userId, nowMs)!, replayed: false };
  });
}

/**
 * Captures `amount` (default all it reserves) of a held hold: ONE `deduction` entry with holdId,
 * allocated to the hold's grants in the order it took them; the rest goes back at once. Not held
 * (or past expiresAt, or reserving nothing) → conflict; more than it reserves → invalid_request
 * (field amount). A replayed key
 * answers the original capture.
 */
export function captureHold(ctx: DbClock, input: CaptureInput): CaptureResult {
  const holdId = checkId(input.holdId, "holdId");
  const requested = input.amount === undefined || input.amount === null ? null : checkCredits(input.amount);
  // Keys for a hold's capture are scoped to it, like a grant's void.
  const usage = checkUsageTag(input.usage);
  const keyed = keyedRequest(
    input,
    { op: "capture", holdId, amount: requested, ...(usage && { usage: input.usage }) },
    `hold:${holdId}`,
  );
  const s = statementsFor(ctx.db);
  return writeTransaction(ctx.db, (): CaptureResult => {
    const nowMs = ctx.clock.now().getTime();
    const row = requireHold(s, holdId);
    const userId = row.user_id;
    const replay = findReplay(s, userId, keyed);
    if (replay) {
      const allocations = s.allocationsOf.all(replay.id) as Allocation[];
      const metadata = parseMetadata(row.metadata);
      const deduction = { id: replay.id, amount: -replay.amount, balance: replay.balance_after, allocations, metadata };
      return { hold: toHoldView(row, nowMs), deduction, held: s.heldOf.get(userId, nowMs)!, replayed: true };
    }
    requireOpen(row, nowMs, "capture");
    // Refunds and voids of its grants may have taken part of it (docs/decisions/017).
    const reserved = row.amount - row.clawed_amount;
    if (reserved === 0) {
      throw new AppError("conflict", `Hold ${holdId} reserves nothing: refunds or voids of its grants took it all.`, {
        extra: { status: "held", clawedBackAmount: row.clawed_amount },
      });
    }
    const amount = requested ?? reserved;
    if (amount > reserved) {
      throw invalid("amount", `\`amount\` must be at most the ${reserved} credits the hold reserves.`);
    }
    settleLapsedHolds(s, userId, nowMs);
    // The captured part, in the order the hold took its credits; the rest goes back.
    const captured: Allocation[] = [];
    const rest: HoldPart[] = [];
    let left = amount;
    for (const [grantId, credits] of s.holdAllocationsOf.all(holdId)) {
      const take = Math.min(left, credits);
      if (take > 0) captured.push({ grantId, amount: take });
      if (credits > take) rest.push([grantId, credits - take]);
      left -= take;
    }
    const closed = returnParts(s, userId, rest, nowMs);
    const balance = spendableOf(s, userId, nowMs);
    const id = insertEntry(s, {
      userId,
      type: "deduction",
      amount: -amount,
      balanceAfter: balance,
      reason: row.reason,
      grantId: null,
      // The hold's metadata goes on to the deduction that spends it (and so to credits.deducted).
      metadata: row.metadata,
      ...keyed,
      nowMs,
      holdId,
      usage,
    });
    for (const a of captured) s.insertAllocation.run(id, a.grantId, a.amount);
    if (s.markCaptured.run(amount, id, nowMs, holdId).changes !== 1) {
      throw new Error(`credits: hold ${holdId} changed under a write transaction`);
    }
    endReturns(s, userId, closed, balance, nowMs);
    // credits.deducted is the entry itself, holdId included (credits/events.server.ts).
    const deduction = { id, amount, balance, allocations: captured, metadata: parseMetadata(row.metadata) };
    const hold = toHoldView(s.holdById.get(holdId)!, nowMs);
    return { hold, deduction, held: s.heldOf.get(userId, nowMs)!, replayed: false };
  });
}

/** Gives all of a held hold's credits back. Not held (or past expiresAt) → conflict. */
export function releaseHold(ctx: DbClock, input: { holdId: number; actor?: string | null }): ReleaseResult {
  const holdId = checkId(input.holdId, "holdId");
  checkActor(input.actor);
  const s = statementsFor(ctx.db);
  return writeTransaction(ctx.db, (): ReleaseResult => {
    const nowMs = ctx.clock.now().getTime();
    const row = requireHold(s, holdId);
    requireOpen(row, nowMs, "release");
    settleLapsedHolds(s, row.user_id, nowMs);
    const balance = closeHold(s, row, "released", nowMs);
    const hold = toHoldView(s.holdById.get(holdId)!, nowMs);
    return { hold, balance, held: s.heldOf.get(row.user_id, nowMs)! };
  });
}

/** undefined for an unknown (or malformed) id. */
export function getHold(ctx: DbClock, holdId: number): HoldView | undefined {
  if (!Number.isSafeInteger(holdId) || holdId < 1) return undefined;
  const row = statementsFor(ctx.db).holdById.get(holdId);
  return row && toHoldView(row, ctx.clock.now().getTime());
}

/** What the user's holds reserve now (lapsed holds excluded, recorded or not). Unknown user → not_found. */
export function getHeld(ctx: DbClock, userId: number): number {
  checkId(userId, "userId");
  const s = statementsFor(ctx.db);
  requireUser(s, userId);
  return s.heldOf.get(userId, ctx.clock.now().getTime())!;
}

/**
 * Records every lapsed hold of every user (status → expired, credits back, hold.expired): the
 * sweep's part for holds. Each user is one IMMEDIATE transaction. Returns how many were recorded.
 */
export function expireHolds(ctx: DbClock): number {
  const s = statementsFor(ctx.db);
  let recorded = 0;
  for (;;) {
    const users = s.lapsedHoldUsers.all(ctx.clock.now().getTime(), 500);
    if (users.length === 0) return recorded;
    for (const userId of users) {
      recorded += writeTransaction(ctx.db, () => settleLapsedHolds(s, userId, ctx.clock.now().getTime()));
    }
  }
}
