import type Database from "better-sqlite3";
import type { HoldStatus } from "../../../db/schema";

/* credit_holds, hold_allocations and hold_clawbacks (decision 010): their rows and every statement on them. */

export interface HoldRow {
  id: number;
  user_id: number;
  amount: number;
  captured_amount: number;
  /** What refunds and voids of its grants took from it while open (docs/decisions/017). */
  clawed_amount: number;
  status: HoldStatus;
  expires_at: number;
  reason: string | null;
  /** The caller's metadata as stored (JSON text), or null. */
  metadata: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
  deduction_id: number | null;
  created_at: number;
}

/** The columns every hold query reads (HoldRow). */
const HOLD_COLUMNS = `id, user_id, amount, captured_amount, clawed_amount, status, expires_at, reason, metadata, idempotency_key,
  request_hash, deduction_id, created_at`;

export function holdStatements(sqlite: Database.Database) {
  const p = (sql: string) => sqlite.prepare(sql);
  return {
    /** (userId, now) → 1 when the user has a hold past its expiresAt not recorded yet (credit_holds_open_idx). */
    lapsedHoldOf: p(
      `select 1 from credit_holds where user_id = ? and status = 'held' and expires_at <= ? limit 1`,
    ).pluck() as Database.Statement<[number, number], 1>,
    lapsedHoldsOf: p(`select ${HOLD_COLUMNS} from credit_holds
      where user_id = ? and status = 'held' and expires_at <= ? order by expires_at, id`) as Database.Statement<
      [number, number],
      HoldRow
    >,
    /** (userId, now) → what the holds reserving credits now reserve (refunds and voids took the rest). */
    heldOf: p(`select coalesce(sum(amount - clawed_amount), 0) from credit_holds
      where user_id = ? and status = 'held' and expires_at > ?`).pluck() as Database.Statement<
      [number, number],
      number
    >,
    /** (userId) → [count, max id, min expiresAt] of the user's stored open holds: the balance cache's check. */
    openHoldsState: p(`select count(*), coalesce(max(id), 0), min(expires_at) from credit_holds
      where user_id = ? and status = 'held'`).raw(true) as Database.Statement<
      [number],
      [number, number, number | null]
    >,
    holdById: p(`select ${HOLD_COLUMNS} from credit_holds where id = ?`) as Database.Statement<[number], HoldRow>,
    holdByKey: p(
      `select ${HOLD_COLUMNS} from credit_holds where user_id = ? and idempotency_key = ?`,
    ) as Database.Statement<[number, string], HoldRow>,
    insertHold: p(`insert into credit_holds (user_id, amount, expires_at, reason, metadata, idempotency_key,
      request_hash, actor, opened_after_entry_id, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertHoldAllocation: p(`insert into hold_allocations (hold_id, grant_id, amount) values (?, ?, ?)`),
    /**
     * (holdId) → [grantId, credits it still reserves][] in the order the hold took them (burn-down
     * order): what it took less what refunds and voids of that grant took from it.
     */
    holdAllocationsOf: p(`select a.grant_id, a.amount - coalesce((select sum(c.amount) from hold_clawbacks c
      where c.hold_id = a.hold_id and c.grant_id = a.grant_id), 0) from hold_allocations a
      where a.hold_id = ? order by a.id`).raw(true) as Database.Statement<[number], [number, number]>,
    /** (userId, grantId) → [holdId, credits it still reserves][] of the open holds on a grant, oldest hold first. */
    heldOnGrant: p(`select h.id, a.amount - coalesce((select sum(c.amount) from hold_clawbacks c
      where c.hold_id = h.id and c.grant_id = a.grant_id), 0) from credit_holds h
      join hold_allocations a on a.hold_id = h.id
      where h.user_id = ? and h.status = 'held' and a.grant_id = ? order by h.id`).raw(true) as Database.Statement<
      [number, number],
      [number, number]
    >,
    /** (entryId, holdId, grantId, credits): a refund or void took held credits. */
    insertClawback: p(`insert into hold_clawbacks (entry_id, hold_id, grant_id, amount) values (?, ?, ?, ?)`),
    /** (credits, now, holdId) */
    addClawed: p(`update credit_holds set clawed_amount = clawed_amount + ?, updated_at = ?
      where id = ? and status = 'held' and clawed_amount + ? <= amount`),
    clawbacksOfMany: p(`select entry_id as entryId, hold_id as holdId, amount from hold_clawbacks
      where entry_id in (select value from json_each(?)) order by id`),
    /** (capturedAmount, deductionId, now, holdId) */
    markCaptured: p(`update credit_holds set status = 'captured', captured_amount = ?, deduction_id = ?, updated_at = ?
      where id = ? and status = 'held'`),
    /** (status, closedAfterEntryId, closedAfterHoldId, now, holdId): released or expired. */
    markClosed: p(`update credit_holds set status = ?, closed_after_entry_id = ?, closed_after_hold_id = ?,
      updated_at = ? where id = ? and status = 'held'`),
    lastHoldId: p(`select coalesce(max(id), 0) from credit_holds`).pluck() as Database.Statement<[], number>,
    /** (now, limit) → owners of lapsed holds not recorded yet (one scan of credit_holds_open_idx: only held holds). */
    lapsedHoldUsers: p(`select distinct user_id from credit_holds where status = 'held' and expires_at <= ?
      limit ?`).pluck() as Database.Statement<[number, number], number>,
  };
}
