/**
 * The credit engine's events (the webhook contract, decision 011), appended to the outbox INSIDE the write
 * transaction that causes them (app/events/outbox.server.ts): they exist iff the change committed.
 * credits.deducted is the exception: its record is the `deduction` ledger entry itself, which the
 * dispatcher reads after commit (deductionEvents below), so a deduction writes no outbox row.
 *
 * `data` shapes (public; the OpenAPI document describes them):
 *   credits.granted        {userId, externalId, grant: GrantView, balance, metadata}
 *   credits.deducted       {userId, externalId, deduction: {id, amount, balance, allocations, reason, metadata, holdId, usage}, balance}
 *   credits.expired        {userId, externalId, grantId, amount, balance}
 *   credits.voided         {userId, externalId, grant: GrantView, balance}
 *   credits.expiring_soon  {userId, externalId, grantId, amount, expiresAt}
 *   balance.low            {userId, externalId, balance, threshold}
 *   balance.depleted       {userId, externalId, balance: 0}
 *   hold.expired           {userId, externalId, hold: HoldView}
 * Internal (never sent to webhook endpoints; consumed by auto top-up):
 *   auto_topup.needed      {userId, balance, threshold}
 */
import type Database from "better-sqlite3";
import type { Db } from "../../db/client";
import { appendEvent, registerEventSource, type EventSource, type EventType } from "../events/outbox.server";
import type { DbClock } from "../utils/context.server";
import type { Env } from "../utils/env.server";
import type { Statements } from "./statements.server";
import type { UserEventRow } from "./tables/users.server";
import { parseMetadata } from "./views.server";
import { perConnection } from "../../db/per-connection";

/** What the engine needs from the configuration (env EXPIRING_SOON_DAYS, LOW_BALANCE_THRESHOLD). */
export interface CreditsConfig {
  /** `balance.low` below this for users without their own threshold; 0 = off. */
  lowBalanceThreshold: number;
  /** `credits.expiring_soon` this many days before a grant expires. */
  expiringSoonDays: number;
}

const DEFAULT_CREDITS_CONFIG: CreditsConfig = { lowBalanceThreshold: 100, expiringSoonDays: 7 };

/**
 * The engine's two settings from the parsed env when the caller's context has one (the server's
 * AppContext does), defaults otherwise (scripts, workers).
 */
export function creditsConfig(
  ctx: DbClock & { env?: Partial<Pick<Env, "LOW_BALANCE_THRESHOLD" | "EXPIRING_SOON_DAYS">> },
): CreditsConfig {
  return {
    lowBalanceThreshold: ctx.env?.LOW_BALANCE_THRESHOLD ?? DEFAULT_CREDITS_CONFIG.lowBalanceThreshold,
    expiringSoonDays: ctx.env?.EXPIRING_SOON_DAYS ?? DEFAULT_CREDITS_CONFIG.expiringSoonDays,
  };
}

/** Appends one event in the current transaction; the dispatcher is woken after it commits. */
export function emit(
  s: Statements,
  type: EventType,
  userId: number,
  data: Record<string, unknown>,
  nowMs: number,
): void {
  appendEvent(s.db, { type, userId, data, at: new Date(nowMs) });
}

interface DeductionRow {
  id: number;
  user_id: number;
  amount: number;
  balance_after: number;
  reason: string | null;
  metadata: string | null;
  hold_id: number | null;
  created_at: number;
  external_id: string | null;
  usage: string | null;
}

const sourceStmts = perConnection(
  (sqlite): Record<"read" | "allocations" | "before" | "after", Database.Statement> => ({
    // The rowid range from the position on; other entry types are skipped.
    read: sqlite.prepare(
      `select l.id, l.user_id, l.amount, l.balance_after, l.reason, l.metadata, l.hold_id, l.created_at, l.usage, u.external_id
         from credit_ledger l join users u on u.id = l.user_id
        where l.id > ? and l.type = 'deduction' order by l.id limit ?`,
    ),
    allocations: sqlite.prepare(
      `select entry_id, grant_id, amount from ledger_allocations
        where entry_id in (select value from json_each(?)) order by id`,
    ),
    // Two index lookups on credit_ledger_created_at_idx: the last moment before, then its last entry.
    before: sqlite
      .prepare(
        `select max(id) from credit_ledger
          where created_at = (select max(created_at) from credit_ledger where created_at < ?)`,
      )
      .pluck(),
    after: sqlite.prepare(`select 1 from credit_ledger where id > ? and type = 'deduction' limit 1`).pluck(),
  }),
);

/**
 * credits.deducted {userId, externalId, deduction: {id, amount, balance, allocations, reason, metadata, holdId,
 * usage}, balance}, read from the `deduction` entries (a capture's carries its holdId) and their allocations
 * in burn-down order. externalId is the user's when the event is copied (normally within a second).
 */
const deductionEvents: EventSource = {
  type: "credits.deducted",
  read(db: Db, afterId: number, limit: number) {
    const s = sourceStmts(db.$client);
    const rows = s.read.all(afterId, limit) as DeductionRow[];
    if (rows.length === 0) return [];
    const allocations = new Map<number, { grantId: number; amount: number }[]>();
    const allocationRows = s.allocations.all(JSON.stringify(rows.map((r) => r.id))) as {
      entry_id: number;
      grant_id: number;
      amount: number;
    }[];
    for (const a of allocationRows) {
      let list = allocations.get(a.entry_id);
      if (!list) allocations.set(a.entry_id, (list = []));
      list.push({ grantId: a.grant_id, amount: a.amount });
    }
    return rows.map((r) => ({
      sourceId: r.id,
      userId: r.user_id,
      atMs: r.created_at,
      data: {
        userId: r.user_id,
        externalId: r.external_id,
        deduction: {
          id: r.id,
          amount: -r.amount,
          balance: r.balance_after,
          allocations: allocations.get(r.id) ?? [],
          reason: r.reason,
          metadata: parseMetadata(r.metadata),
          holdId: r.hold_id,
          usage: parseMetadata(r.usage),
        },
        balance: r.balance_after,
      },
    }));
  },
  lastIdBefore(db: Db, beforeMs: number) {
    return (sourceStmts(db.$client).before.get(beforeMs) as number | null) ?? 0;
  },
  hasAfter(db: Db, afterId: number) {
    return sourceStmts(db.$client).after.get(afterId) !== undefined;
  },
};
registerEventSource(deductionEvents);

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
  nowMs: number,
): void {
  if (after >= before) return;
  const [externalId, ownLow, autoTopup] = user;
  const low = ownLow ?? config.lowBalanceThreshold;
  if (low > 0 && before >= low && after < low) {
    emit(s, "balance.low", userId, { userId, externalId, balance: after, threshold: low }, nowMs);
  }
  if (after === 0) emit(s, "balance.depleted", userId, { userId, externalId, balance: 0 }, nowMs);
  if (autoTopup !== null && before >= autoTopup && after < autoTopup) {
    emit(s, "auto_topup.needed", userId, { userId, balance: after, threshold: autoTopup }, nowMs);
  }
}
