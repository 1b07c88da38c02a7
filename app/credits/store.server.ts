/**
 * Internals shared by the credit engine's modules: the prepared statements (cached per
 * connection), row → view mapping, input checks and idempotency. Not part of the public surface;
 * import from ./index.server instead.
 */
import type Database from "better-sqlite3";
import type { Db } from "../../db/client";
import type { GrantSource, GrantStatus, GrantType, HoldStatus, LedgerEntryType } from "../../db/schema";
import { AppError } from "../utils/errors";
import { hasVisibleCharacter } from "../utils/text";
import type { GrantView, HoldView } from "./index.server";
import { jsonHash, MAX_JSON_DEPTH, nestsDeeperThan } from "../utils/json";
import { ENGINE_IDEMPOTENCY_KEY_MAX_LENGTH, MAX_CREDITS_PER_CALL, MAX_REASON_LENGTH } from "../utils/limits";
import { emit } from "./events.server";

/** Largest amount one call may move (the API's documented limit). */
export const MAX_CREDITS = MAX_CREDITS_PER_CALL;
const MAX_KEY_LENGTH = ENGINE_IDEMPOTENCY_KEY_MAX_LENGTH;
const MAX_ACTOR_LENGTH = 200;
const MAX_METADATA_BYTES = 64 * 1024;

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
export const HOLD_COLUMNS = `id, user_id, amount, captured_amount, clawed_amount, status, expires_at, reason, metadata, idempotency_key,
  request_hash, deduction_id, created_at`;

/** [externalId, lowBalanceThreshold, autoTopupThreshold] of a user: what balance events need. */
export type UserEventRow = [string | null, number | null, number | null];

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

/** Served by credit_ledger_user_id_idx (user_id, id). */
export const LEDGER_PAGE_SQL = `select id, type, amount, balance_after, reason, metadata, created_at, hold_id, usage from credit_ledger
  where user_id = @userId and id < @before order by id desc limit @limit`;

function prepareAll(sqlite: Database.Database) {
  const p = (sql: string) => sqlite.prepare(sql);
  return {
    // The hot path binds positionally (cheaper than named parameters) and reads raw rows.
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
    /** (userId) → the id of the user's newest ledger entry, or null (credit_ledger_user_id_idx). */
    lastEntryOf: p(`select max(id) from credit_ledger where user_id = ?`).pluck(),
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
    userBalance: p(`select credit_balance from users where id = ?`).pluck(),
    /** (delta, userId) */
    addToBalance: p(`update users set credit_balance = credit_balance + ? where id = ?`),
    userEventRow: p(`select external_id, low_balance_threshold, auto_topup_threshold from users where id = ?`).raw(
      true,
    ) as Database.Statement<[number], UserEventRow>,
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
    usersPage: p(`select id, credit_balance from users where id > ? order by id limit ?`),
    setBalance: p(`update users set credit_balance = ? where id = ?`),

    // ---- holds (./holds.server.ts; decision 010) ----
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
    lastEntryId: p(`select coalesce(max(id), 0) from credit_ledger`).pluck() as Database.Statement<[], number>,
    lastHoldId: p(`select coalesce(max(id), 0) from credit_holds`).pluck() as Database.Statement<[], number>,
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
    /** (now, limit) → owners of lapsed holds not recorded yet (one scan of credit_holds_open_idx: only held holds). */
    lapsedHoldUsers: p(`select distinct user_id from credit_holds where status = 'held' and expires_at <= ?
      limit ?`).pluck() as Database.Statement<[number, number], number>,
  };
}

export type Statements = ReturnType<typeof prepareAll> & {
  /** The connection's handle (appendEvent takes one). */
  db: Db;
};
const cache = new WeakMap<Database.Database, Statements>();

/** Prepared once per connection: the hot path never re-parses SQL or builds queries. */
export function statementsFor(db: Db): Statements {
  const sqlite = db.$client;
  let s = cache.get(sqlite);
  if (!s) {
    s = { ...prepareAll(sqlite), db };
    cache.set(sqlite, s);
  }
  return s;
}

// ---- rows → views ----------------------------------------------------------------------------

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Stored status, except that an active grant is shown `pending` before effectiveAt and `expired`
 * from expiresAt on — time decides, not whether the sweep has run. `remaining` is what no ledger
 * entry has taken yet (for an expired grant: what the sweep will record as expired).
 */
export function viewStatus(
  row: Pick<GrantRow, "status" | "effective_at" | "expires_at">,
  nowMs: number,
): GrantView["status"] {
  if (row.status !== "active") return row.status;
  if (row.effective_at > nowMs) return "pending";
  if (row.expires_at !== null && row.expires_at <= nowMs) return "expired";
  return "active";
}

export function toGrantView(row: GrantRow, nowMs: number): GrantView {
  return {
    id: row.id,
    userId: row.user_id,
    type: row.type,
    amount: row.amount,
    remaining: row.remaining,
    priority: row.priority,
    effectiveAt: iso(row.effective_at),
    expiresAt: row.expires_at === null ? null : iso(row.expires_at),
    status: viewStatus(row, nowMs),
    source: row.source,
    reason: row.reason,
  };
}

/** A hold as the API shows it: `held` past its expiresAt is `expired` (time decides, not the sweep). */
export function toHoldView(row: HoldRow, nowMs: number): HoldView {
  return {
    id: row.id,
    userId: row.user_id,
    amount: row.amount,
    capturedAmount: row.captured_amount,
    clawedBackAmount: row.clawed_amount,
    status: row.status === "held" && row.expires_at <= nowMs ? "expired" : row.status,
    expiresAt: iso(row.expires_at),
    reason: row.reason,
    metadata: parseMetadata(row.metadata),
    createdAt: iso(row.created_at),
  };
}

/** Stored metadata (JSON text) as the object the caller sent, or null. */
export function parseMetadata(stored: string | null): Record<string, unknown> | null {
  return stored === null ? null : (JSON.parse(stored) as Record<string, unknown>);
}

export function isInEffect(row: Pick<GrantRow, "effective_at" | "expires_at">, nowMs: number): boolean {
  return row.effective_at <= nowMs && (row.expires_at === null || row.expires_at > nowMs);
}

// ---- input checks (bad input → AppError invalid_request with `field`, before anything is written) ----

export function invalid(field: string, message: string): AppError {
  return new AppError("invalid_request", message, { field });
}

export function checkId(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw invalid(field, `\`${field}\` must be a positive integer.`);
  }
  return value;
}

/** A page size: `fallback` when not given, else an integer from 1 to `max`. */
export function checkLimit(value: number | undefined, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw invalid("limit", `\`limit\` must be an integer from 1 to ${max}.`);
  }
  return value;
}

export function checkCredits(value: unknown, field = "amount"): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > MAX_CREDITS) {
    throw invalid(field, `\`${field}\` must be an integer from 1 to ${MAX_CREDITS}.`);
  }
  return value;
}

export function checkReason(value: unknown, field = "reason"): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw invalid(field, `\`${field}\` must be a string.`);
  if (value.length > MAX_REASON_LENGTH)
    throw invalid(field, `\`${field}\` must be at most ${MAX_REASON_LENGTH} characters.`);
  return value;
}

/**
 * The reason of a grant, void or adjustment, which the customer is shown beside the credits: when
 * given, it must have a character a person can see ("\u0000" or blanks alone say nothing).
 */
export function checkShownReason(value: unknown, field = "reason"): string | null {
  const reason = checkReason(value, field);
  if (reason !== null && !hasVisibleCharacter(reason)) {
    throw invalid(field, `\`${field}\` must contain a visible character.`);
  }
  return reason;
}

export function checkKey(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_KEY_LENGTH) {
    throw invalid("idempotencyKey", `\`idempotencyKey\` must be a string of 1 to ${MAX_KEY_LENGTH} characters.`);
  }
  return value;
}

/** Longest source or group reference a grant takes (docs/decisions/016-grant-source-refs.md). */
export const MAX_REF_LENGTH = 255;

/** A grant's sourceRef / groupRef: an opaque string of 1 to MAX_REF_LENGTH characters, or null. */
export function checkRef(value: unknown, field: "sourceRef" | "groupRef"): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_REF_LENGTH) {
    throw invalid(field, `\`${field}\` must be a string of 1 to ${MAX_REF_LENGTH} characters.`);
  }
  return value;
}

export function checkActor(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || value.length > MAX_ACTOR_LENGTH) {
    throw invalid("actor", `\`actor\` must be a string of at most ${MAX_ACTOR_LENGTH} characters.`);
  }
  return value;
}

/** Returns the JSON to store (or null). */
export function checkMetadata(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "object" || Array.isArray(value)) throw invalid("metadata", "`metadata` must be an object.");
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch {
    throw invalid("metadata", "`metadata` must be JSON-serialisable.");
  }
  if (Buffer.byteLength(json) > MAX_METADATA_BYTES) {
    throw invalid("metadata", `\`metadata\` must be at most ${MAX_METADATA_BYTES} bytes as JSON.`);
  }
  // The request hash walks metadata recursively: bound its depth first.
  if (nestsDeeperThan(json, MAX_JSON_DEPTH)) {
    throw invalid("metadata", `\`metadata\` must not nest objects and arrays more than ${MAX_JSON_DEPTH} levels deep.`);
  }
  return json;
}

/** A usage deduction's tag (app/features/: feature, quantity, price version…): JSON text to store, or null. */
export function checkUsageTag(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "object" || Array.isArray(value)) throw invalid("usage", "`usage` must be an object.");
  return JSON.stringify(value);
}

export function checkDate(value: unknown, field: string): number {
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw invalid(field, `\`${field}\` must be a valid date.`);
  return value.getTime();
}

// ---- idempotency ------------------------------------------------------------------------------

/*
 * WHAT AN IDEMPOTENCY KEY'S REQUEST HASH COVERS (one rule for every write):
 * - the operation (`op`: grant, deduction, void, refund, adjustment), so one key never names two
 *   kinds of write;
 * - every field that shapes the credits or the stored entry: amount, reason, metadata (as stored),
 *   and per operation type/source/priority/effectiveAt/expiresAt/links (grants), grantId (voids,
 *   refunds), source (adjustments) — as the caller sent them: an omitted field is not the same as
 *   its default given explicitly (effectiveAt's default is the clock, so it cannot be otherwise;
 *   the one exception, an adjustment's source, defaults to "admin" before hashing);
 * - NOT the user (keys are unique per user already) and NOT `actor`: who retries does not change
 *   what is asked (a webhook retried by another worker, an API key rotated between retries).
 */
/** The hash stored beside an idempotency key (see above). */
export function requestHash(request: Record<string, unknown>): string {
  // Through JSON first, so a request hashes exactly as its metadata is stored (toJSON applied,
  // functions dropped): a Date and its ISO string are the same request, two different Dates are not.
  return jsonHash(JSON.parse(JSON.stringify(request) ?? "null"));
}

/**
 * The entry an idempotency key already produced, if any. A different request under the same key
 * is `idempotency_conflict`: the key names one operation, for good.
 */
export function findReplay(
  s: Statements,
  userId: number,
  key: string | null,
  hash: string | null,
): EntryRow | undefined {
  if (key === null) return undefined;
  const row = s.entryByKey.get(userId, key) as EntryRow | undefined;
  if (row && row.request_hash !== hash) {
    throw new AppError("idempotency_conflict", "This idempotency key was already used for a different request.", {
      field: "idempotencyKey",
    });
  }
  return row;
}

/** Keys for operations on one grant are scoped to it: the same caller key may void two grants. */
export function grantScopedKey(key: string | null, grantId: number): string | null {
  return key === null ? null : `${key}#grant:${grantId}`;
}

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
  now: number;
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
    e.now,
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
        now: nowMs,
      }),
    );
  }
  if (total !== 0) s.addToBalance.run(-total, userId);
  return { ids, credits: total, user };
}
