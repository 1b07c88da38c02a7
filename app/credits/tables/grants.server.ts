import type Database from "better-sqlite3";
import type { GrantSource, GrantStatus, GrantType } from "../../../db/schema";

/* credit_grants: its rows and every statement that reads or writes it. */

export interface GrantRow {
  id: number;
  user_id: number;
  type: GrantType;
  amount: number;
  remaining: number;
  priority: number;
  effective_at: number;
  expires_at: number | null;
  status: GrantStatus;
  reason: string | null;
  source: GrantSource;
  source_ref: string | null;
  group_ref: string | null;
  created_at: number;
}

/** The columns every grant query reads (GrantRow). */
export const GRANT_COLUMNS = `id, user_id, type, amount, remaining, priority, effective_at, expires_at, status, reason,
  source, source_ref, group_ref, created_at`;

/** A grant is in effect (spendable) from effectiveAt until expiresAt, exclusive. */
const IN_EFFECT = `effective_at <= @now and (expires_at is null or expires_at > @now)`;

/*
 * BURN-DOWN ORDER — the order a user's credits are spent in (deductions and negative adjustments):
 *   1. lowest priority first (defaults: subscription 10, promotional 20, top-up 30);
 *   2. then the earliest expiresAt; never-expiring grants last;
 *   3. then the earliest effectiveAt;
 *   4. then the oldest grant (lowest id).
 * Only grants in effect now are eligible: effectiveAt <= now < expiresAt, whether or not the
 * expiry sweep has run.
 *
 * The query is served by credit_grants_burn_down_idx (user_id, priority, expires_at,
 * effective_at, id) WHERE status = 'active' — `status = 'active'` must stay a literal so SQLite
 * can prove the partial index applies. SQLite sorts NULL first, so `expires_at is null` in the
 * ORDER BY moves never-expiring grants last; that costs a small sort over the user's active grants
 * (EXPLAIN QUERY PLAN: "SEARCH credit_grants USING INDEX credit_grants_burn_down_idx (user_id=?)"
 * + "USE TEMP B-TREE FOR LAST 4 TERMS OF ORDER BY"; asserted in deduct.test.ts).
 */
export const BURN_DOWN_ORDER = `priority, expires_at is null, expires_at, effective_at, id`;
export const BURN_DOWN_SQL = `select id, remaining from credit_grants
  where user_id = ? and status = 'active' and effective_at <= ? and (expires_at is null or expires_at > ?)
  order by ${BURN_DOWN_ORDER}`;

/** The statements on credit_grants; the hot path binds positionally (cheaper than named parameters) and reads raw rows. */
export function grantStatements(sqlite: Database.Database) {
  const p = (sql: string) => sqlite.prepare(sql);
  return {
    /** (userId, now, now) → [id, remaining][] in burn-down order. */
    burnDown: p(BURN_DOWN_SQL).raw(true) as Database.Statement<[number, number, number], [number, number]>,
    /**
     * The first @limit grants in effect, in burn-down order (-1 = all). The inner query sorts
     * entries of the burn-down index alone (it covers every column it reads); only the grants
     * listed are read from the table.
     */
    grantsInEffect: p(`select ${GRANT_COLUMNS} from credit_grants where id in (
        select id from credit_grants where user_id = @userId and status = 'active' and ${IN_EFFECT}
        order by ${BURN_DOWN_ORDER} limit @limit)
      order by ${BURN_DOWN_ORDER}`),
    /** (userId, now) → the earliest effectiveAt of the user's pending grants, or null. */
    nextStart: p(`select min(effective_at) from credit_grants
      where user_id = ? and status = 'active' and effective_at > ?`).pluck(),
    /** (userId, now, now) → [type, Σ remaining, count][] over the grants in effect. */
    inEffectByType: p(`select type, sum(remaining), count(*) from credit_grants
      where user_id = ? and status = 'active' and effective_at <= ? and (expires_at is null or expires_at > ?)
      group by type`).raw(true) as Database.Statement<[number, number, number], [GrantType, number, number]>,
    /** (userId, now, now) → [expiresAt, Σ remaining] of the soonest expiry among the grants in effect. */
    soonestExpiry: p(`select expires_at, sum(remaining) from credit_grants
      where user_id = ? and status = 'active' and effective_at <= ? and expires_at > ?
      group by expires_at order by expires_at limit 1`).raw(true) as Database.Statement<
      [number, number, number],
      [number, number]
    >,
    spendable: p(`select coalesce(sum(remaining), 0) from credit_grants
      where user_id = @userId and status = 'active' and ${IN_EFFECT}`).pluck(),
    activeSum: p(
      `select coalesce(sum(remaining), 0) from credit_grants where user_id = ? and status = 'active'`,
    ).pluck(),
    grantById: p(`select ${GRANT_COLUMNS} from credit_grants where id = ?`),
    /** (sourceRef) → the grant (credit_grants_source_ref_unique). */
    grantBySourceRef: p(`select id, status, remaining from credit_grants where source_ref = ?`) as Database.Statement<
      [string],
      { id: number; status: GrantStatus; remaining: number }
    >,
    insertGrant: p(`insert into credit_grants (user_id, type, amount, remaining, priority, effective_at, expires_at,
      status, reason, source, source_ref, group_ref, created_at, updated_at)
      values (@userId, @type, @amount, @amount, @priority, @effectiveAt, @expiresAt, 'active', @reason, @source,
      @sourceRef, @groupRef, @now, @now)`),
    /**
     * (take, now, id, take): takes part of a grant. Leaves `status` alone on purpose: writing that
     * column (even unchanged) makes SQLite maintain both partial indexes on every deduction.
     */
    takeFromGrant: p(`update credit_grants set remaining = remaining - ?, updated_at = ?
      where id = ? and status = 'active' and remaining > ?`),
    /** (now, id, take): takes all that is left; the grant is `depleted` and leaves the partial indexes. */
    depleteGrant: p(`update credit_grants set remaining = 0, status = 'depleted', updated_at = ?
      where id = ? and status = 'active' and remaining = ?`),
    /** (now, id): a void empties a grant for good, also one its holds had emptied. */
    voidGrantRow: p(`update credit_grants set remaining = 0, status = 'voided', updated_at = ?
      where id = ? and status in ('active', 'depleted')`),
    /** (status, now, id): empties a grant for good (void or expiry). */
    closeGrant: p(
      `update credit_grants set remaining = 0, status = ?, updated_at = ? where id = ? and status = 'active'`,
    ),
    /**
     * (credits, now, grantId): gives held credits back to their grant unless it was voided or expired
     * meanwhile; a grant a hold had emptied becomes active again.
     */
    returnToGrant: p(`update credit_grants set remaining = remaining + ?, status = 'active', updated_at = ?
      where id = ? and status in ('active', 'depleted')`),
    grantStatus: p(`select status from credit_grants where id = ?`).pluck() as Database.Statement<
      [number],
      GrantStatus
    >,
  };
}
