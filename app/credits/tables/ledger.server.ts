import type Database from "better-sqlite3";
import type { LedgerEntryType } from "../../../db/schema";

/* credit_ledger and ledger_allocations: their rows and every statement on them. */

export interface EntryRow {
  id: number;
  user_id: number;
  type: LedgerEntryType;
  amount: number;
  balance_after: number;
  reason: string | null;
  grant_id: number | null;
  hold_id: number | null;
  idempotency_key: string | null;
  request_hash: string | null;
  actor: string | null;
  created_at: number;
}

/** Served by credit_ledger_user_id_idx (user_id, id). */
export const LEDGER_PAGE_SQL = `select id, type, amount, balance_after, reason, metadata, created_at, hold_id, usage from credit_ledger
  where user_id = @userId and id < @before order by id desc limit @limit`;

export function ledgerStatements(sqlite: Database.Database) {
  const p = (sql: string) => sqlite.prepare(sql);
  return {
    /** (userId) → the id of the user's newest ledger entry, or null (credit_ledger_user_id_idx). */
    lastEntryOf: p(`select max(id) from credit_ledger where user_id = ?`).pluck(),
    insertEntry: p(`insert into credit_ledger (user_id, type, amount, balance_after, reason, grant_id,
      idempotency_key, request_hash, metadata, actor, created_at, hold_id, usage)
      values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertAllocation: p(`insert into ledger_allocations (entry_id, grant_id, amount) values (?, ?, ?)`),
    entryByKey: p(`select id, user_id, type, amount, balance_after, reason, grant_id, hold_id, idempotency_key,
      request_hash, actor, created_at from credit_ledger where user_id = ? and idempotency_key = ?`),
    allocationsOf: p(`select grant_id as grantId, amount from ledger_allocations where entry_id = ? order by id`),
    allocationsOfMany: p(`select entry_id as entryId, grant_id as grantId, amount from ledger_allocations
      where entry_id in (select value from json_each(?)) order by id`),
    ledgerPage: p(LEDGER_PAGE_SQL),
    lastEntryId: p(`select coalesce(max(id), 0) from credit_ledger`).pluck() as Database.Statement<[], number>,
  };
}
