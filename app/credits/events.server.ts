/**
 * The credit engine's events (issue 10's webhook contract), appended to the outbox INSIDE the write
 * transaction that causes them (app/events/outbox.server.ts): they exist iff the change committed.
 *
 * `data` shapes (public; the OpenAPI document describes them):
 *   credits.granted        {userId, externalId, grant: GrantView, balance}
 *   credits.deducted       {userId, externalId, deduction: {id, amount, balance, allocations, reason, holdId}, balance}
 *   credits.expired        {userId, externalId, grantId, amount, balance}
 *   credits.voided         {userId, externalId, grant: GrantView, balance}
 *   credits.expiring_soon  {userId, externalId, grantId, amount, expiresAt}
 *   balance.low            {userId, externalId, balance, threshold}
 *   balance.depleted       {userId, externalId, balance: 0}
 *   hold.expired           {userId, externalId, hold: HoldView}
 * Internal (never sent to webhook endpoints; consumed by auto top-up):
 *   auto_topup.needed      {userId, balance, threshold}
 */
import { appendEvent, type EventType } from "../events/outbox.server";
import type { DomainCtx } from "../utils/context.server";
import type { Statements, UserEventRow } from "./store.server";

/** What the engine needs from the configuration (env EXPIRING_SOON_DAYS, LOW_BALANCE_THRESHOLD). */
export interface CreditsConfig {
  /** `balance.low` below this for users without their own threshold; 0 = off. */
  lowBalanceThreshold: number;
  /** `credits.expiring_soon` this many days before a grant expires. */
  expiringSoonDays: number;
}

export const DEFAULT_CREDITS_CONFIG: CreditsConfig = { lowBalanceThreshold: 100, expiringSoonDays: 7 };

/**
 * A domain context, optionally with the parsed env the server builds its context with (AppContext
 * is one): the engine reads its two settings from there, defaults otherwise (scripts, workers).
 */
export type CreditsCtx = DomainCtx & { env?: { LOW_BALANCE_THRESHOLD?: number; EXPIRING_SOON_DAYS?: number } };

export function creditsConfig(ctx: CreditsCtx): CreditsConfig {
  return {
    lowBalanceThreshold: ctx.env?.LOW_BALANCE_THRESHOLD ?? DEFAULT_CREDITS_CONFIG.lowBalanceThreshold,
    expiringSoonDays: ctx.env?.EXPIRING_SOON_DAYS ?? DEFAULT_CREDITS_CONFIG.expiringSoonDays,
  };
}

/** Appends one event in the current transaction; the dispatcher is poked after it commits. */
export function emit(s: Statements, type: EventType, userId: number, data: Record<string, unknown>, now: number): void {
  if (appendEvent(s.db, { type, userId, data, at: new Date(now) }) !== null) s.eventsAppended = true;
}

export function externalIdOf(s: Statements, userId: number): string | null {
  return s.userEventRow.get(userId)?.[0] ?? null;
}

/**
 * After a change lowered the spendable balance from `before` to `after` (same transaction):
 * balance.low when it crossed the user's low threshold (their own, or the configured default;
 * 0 = off), balance.depleted when it reached 0, auto_topup.needed when it crossed the user's
 * auto top-up threshold (null = off).
 */
export function balanceLowered(
  s: Statements,
  config: CreditsConfig,
  userId: number,
  user: UserEventRow,
  before: number,
  after: number,
  now: number,
): void {
  if (after >= before) return;
  const [externalId, ownLow, autoTopup] = user;
  const low = ownLow ?? config.lowBalanceThreshold;
  if (low > 0 && before >= low && after < low) {
    emit(s, "balance.low", userId, { userId, externalId, balance: after, threshold: low }, now);
  }
  if (after === 0) emit(s, "balance.depleted", userId, { userId, externalId, balance: 0 }, now);
  if (autoTopup !== null && before >= autoTopup && after < autoTopup) {
    emit(s, "auto_topup.needed", userId, { userId, balance: after, threshold: autoTopup }, now);
  }
}
