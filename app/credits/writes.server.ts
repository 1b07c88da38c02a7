import type { LedgerEntryType } from "../../db/schema";
import { AppError } from "../utils/errors";
import { emit } from "./events.server";
import type { Statements } from "./statements.server";
import type { GrantRow } from "./tables/grants.server";
import type { UserEventRow } from "./tables/users.server";

/* Row writes and lookups the engine's operations share, inside the caller's write transaction. */

export interface EntryInsert {
  userId: number;
  type: LedgerEntryType;
  amount: number;
  balanceAfter: number;
  reason: string | null;
  grantId: number | null;
  key: string | null;
  hash: string | null;
  metadata: string | null;
  actor: string | null;
  nowMs: number;
  /** The hold a capture's deduction came from. */
  holdId?: number | null;
  /** What a usage deduction was for (JSON text; checkUsageTag), else null. */
  usage?: string | null;
}

export function insertEntry(s: Statements, e: EntryInsert): number {
  const { lastInsertRowid } = s.insertEntry.run(
    e.userId,
    e.type,
    e.amount,
    e.balanceAfter,
    e.reason,
    e.grantId,
    e.key,
    e.hash,
    e.metadata,
    e.actor,
    e.nowMs,
    e.holdId ?? null,
    e.usage ?? null,
  );
  return Number(lastInsertRowid);
}

/** Removes `take` (> 0, at most what is left) from an active grant; depleted when emptied. */
export function takeFromGrant(s: Statements, grantId: number, take: number, remaining: number, nowMs: number): void {
  const changed =
    take === remaining
      ? s.depleteGrant.run(nowMs, grantId, take).changes
      : s.takeFromGrant.run(take, nowMs, grantId, take).changes;
  if (changed !== 1) throw new Error(`credits: grant ${grantId} changed under a write transaction`);
}

export function spendableOf(s: Statements, userId: number, nowMs: number): number {
  return s.spendable.get({ userId, now: nowMs }) as number;
}

export function requireUser(s: Statements, userId: number): number {
  const balance = s.userBalance.get(userId) as number | undefined;
  if (balance === undefined) throw new AppError("not_found", `No user with id ${userId}.`);
  return balance;
}

export function requireGrant(s: Statements, grantId: number): GrantRow {
  const row = s.grantById.get(grantId) as GrantRow | undefined;
  if (!row) throw new AppError("not_found", `No grant with id ${grantId}.`);
  return row;
}

/**
 * Records the expiry of one active grant whose expiresAt has passed: an `expiration` entry for
 * exactly what was left, status → expired. Used by void/refund so they never act on credits that
 * are already gone, and by rollover. `spendable` is the user's spendable balance, which the expiry
 * does not change (an expired grant was not spendable anyway).
 */
export function expireGrantRow(s: Statements, row: GrantRow, nowMs: number, spendable: number): number {
  return expireGrantRows(s, row.user_id, [row], nowMs, spendable).ids[0];
}

/**
 * The sweep's form of expireGrantRow: several expired grants of ONE user, with one lookup of the
 * user's row and one update of their cached balance. Returns the entries' ids in order, the credits
 * they took and the user's event row (for the balance events that follow).
 */
export function expireGrantRows(
  s: Statements,
  userId: number,
  rows: GrantRow[],
  nowMs: number,
  spendable: number,
): { ids: number[]; credits: number; user: UserEventRow } {
  const user = s.userEventRow.get(userId);
  if (!user) throw new Error(`credits: no user ${userId}`);
  const externalId = user[0];
  let total = 0;
  const ids: number[] = [];
  for (const row of rows) {
    if (row.user_id !== userId) throw new Error(`credits: grant ${row.id} is not user ${userId}'s`);
    s.closeGrant.run("expired", nowMs, row.id);
    total += row.remaining;
    const data = { userId, externalId, grantId: row.id, amount: row.remaining, balance: spendable };
    emit(s, "credits.expired", userId, data, nowMs);
    ids.push(
      insertEntry(s, {
        userId,
        type: "expiration",
        amount: -row.remaining,
        balanceAfter: spendable,
        reason: "Expired",
        grantId: row.id,
        key: null,
        hash: null,
        metadata: null,
        actor: "system",
        nowMs,
      }),
    );
  }
  if (total !== 0) s.addToBalance.run(-total, userId);
  return { ids, credits: total, user };
}
