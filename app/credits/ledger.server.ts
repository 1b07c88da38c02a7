/**
 * Reads: the balance view and the ledger. What `balance` and `balanceAfter` mean, and the
 * invariants that tie the ledger to the grants, are stated in ./invariants.server.ts.
 */
import { AppError } from "../utils/errors";
import { checkId, checkLimit, invalid } from "./checks.server";
import { type Statements, statementsFor } from "./statements.server";
import type { GrantRow } from "./tables/grants.server";
import type { LedgerEntryType } from "../../db/schema";
import { type GrantView, iso, parseMetadata, toGrantView } from "./views.server";
import { requireUser } from "./writes.server";
import type { UsageTag } from "./deduct.server";
import { settleLapsedHolds } from "./hold-returns.server";
import type { DbClock } from "../utils/context.server";
import { writeTransaction } from "../../db/transaction";

export interface BalanceView {
  userId: number;
  /** Spendable now; credits reserved by holds are not in it (nor in breakdown or grants). */
  balance: number;
  /** What the user's holds reserve now (./holds.server.ts). */
  held: number;
  breakdown: { subscription: number; topup: number; promotional: number };
  nextExpiry: { amount: number; expiresAt: string } | null;
  /** How many grants are in effect now (all of them, however many `grants` lists). */
  grantCount: number;
  /** In effect now, with credits left, in burn-down order (the first `grantLimit` when asked). */
  grants: GrantView[];
}

export interface LedgerEntryView {
  id: number;
  type: LedgerEntryType;
  amount: number;
  balanceAfter: number;
  reason: string | null;
  /** The caller's metadata on this entry, as sent (null when none). */
  metadata: Record<string, unknown> | null;
  createdAt: string;
  allocations?: { grantId: number; amount: number }[];
  /** On a deduction that captured a hold. */
  holdId?: number;
  /** On a refund or void that took held credits: which open holds gave how many (the rest was free). */
  fromHolds?: { holdId: number; amount: number }[];
  /** On a deduction made by usage of a rate-card feature. */
  usage?: UsageTag;
}

/**
 * The spendable balance now: grants in effect (effectiveAt <= now < expiresAt, whatever the
 * sweep has done), broken down by type; `grantCount` counts them and `grants` lists them in
 * burn-down order — the first `grantLimit` of them when given (the API lists 100). `nextExpiry` is
 * the soonest expiresAt among them with the credits expiring at that instant (summed when several
 * grants share it). Future-dated grants are not counted or listed. Unknown user → not_found.
 *
 * Sums, counts and the soonest expiry are aggregated by SQLite, and only the listed grants become
 * objects. A user with many grants still costs a pass over all of them, so that user's view is
 * kept (see BalanceCache) until their next ledger entry or the next moment a grant starts or ends.
 *
 * `held` is what the user's holds reserve now; their credits are not in `balance`. A hold past its
 * expiresAt that no write has recorded yet is recorded first (a short IMMEDIATE transaction, only
 * then), so the answer counts its credits as they are: back on their grants.
 */
export function getBalance(ctx: DbClock, userId: number, opts: { grantLimit?: number } = {}): BalanceView {
  checkId(userId, "userId");
  const limit = opts.grantLimit ?? -1;
  if (!Number.isSafeInteger(limit) || limit < -1) throw invalid("grantLimit", "`grantLimit` must be a whole number.");
  const s = statementsFor(ctx.db);
  requireUser(s, userId);
  let nowMs = ctx.clock.now().getTime();
  if (s.lapsedHoldOf.get(userId, nowMs) !== undefined) {
    nowMs = writeTransaction(ctx.db, () => {
      const atMs = ctx.clock.now().getTime();
      settleLapsedHolds(s, userId, atMs);
      return atMs;
    });
  }
  const cache = cacheFor(ctx.db.$client);
  const key = `${userId}:${limit}`;
  const [openHolds, newestOpenHold, nextHoldEndMs] = s.openHoldsState.get(userId)!;
  const version = `${(s.lastEntryOf.get(userId) as number | null) ?? 0}:${openHolds}:${newestOpenHold}`;
  const hit = cache.get(key);
  if (hit && hit.version === version && hit.fromMs <= nowMs && nowMs < hit.untilMs) {
    cache.delete(key); // most recently used last
    cache.set(key, hit);
    return hit.view;
  }
  cache.delete(key);
  const view = computeBalance(s, userId, limit, nowMs);
  // Not from inside a write transaction: its writes may still roll back (a group commit's failure,
  // decision 027), and the ids they took are then taken again, so the version would match.
  if (view.grantCount >= CACHE_FROM_GRANTS && !ctx.db.$client.inTransaction) {
    // Valid until the first instant something in effect expires, something pending starts or a hold lapses.
    const nextStartMs = s.nextStart.get(userId, nowMs) as number | null;
    const nextEndMs = view.nextExpiry ? Date.parse(view.nextExpiry.expiresAt) : Infinity;
    const untilMs = Math.min(nextStartMs ?? Infinity, nextEndMs, nextHoldEndMs ?? Infinity);
    cache.set(key, { version, fromMs: nowMs, untilMs, view: deepFreeze(view) });
    if (cache.size > CACHE_MAX_USERS) cache.delete(cache.keys().next().value as string);
  }
  return view;
}

/** The balance view computed from the grants (no cache). */
export function computeBalance(s: Statements, userId: number, limit: number, nowMs: number): BalanceView {
  const breakdown = { subscription: 0, topup: 0, promotional: 0 };
  let balance = 0;
  let grantCount = 0;
  for (const [type, remaining, count] of s.inEffectByType.all(userId, nowMs, nowMs)) {
    breakdown[type] += remaining;
    balance += remaining;
    grantCount += count;
  }
  const soonest = s.soonestExpiry.get(userId, nowMs, nowMs);
  const rows = s.grantsInEffect.all({ userId, now: nowMs, limit }) as GrantRow[];
  return {
    userId,
    balance,
    held: s.heldOf.get(userId, nowMs)!,
    breakdown,
    nextExpiry: soonest ? { amount: soonest[1], expiresAt: iso(soonest[0]) } : null,
    grantCount,
    grants: rows.map((row) => toGrantView(row, nowMs)),
  };
}

/*
 * BalanceCache — why a kept view is still right. A user's grants change only inside the engine
 * (./tables/grants.server.ts holds every statement that writes credit_grants), and every such change writes
 * a ledger entry for that user in the same transaction (grant, deduction, expiration, void, refund,
 * adjustment — invariants I4 and I6 in invariants.server.ts: no credits move without an entry,
 * and a status only changes with the credits it leaves) — except holds, which move credits off and
 * back onto grants without one: opening a hold adds an open hold with a new, larger id, and closing
 * one removes it. Ledger and hold ids only grow (AUTOINCREMENT), so "the user's newest entry id,
 * open-hold count and newest open-hold id are unchanged" means "their grants are unchanged" — in
 * any process, since it is read from the database each time. That holds for committed ids only: a
 * rolled-back transaction's ids are taken again, so no view read inside a write transaction is kept. Without writes, the
 * view changes only when time passes a grant's expiresAt (in effect → expired) or a pending grant's
 * effectiveAt; the view is kept for [from, until) between such instants. Only users with at least
 * CACHE_FROM_GRANTS grants are kept (for others, computing is as cheap as checking), at most
 * CACHE_MAX_USERS of them per connection, least recently used first out. Views are frozen: callers
 * share them.
 */
const CACHE_FROM_GRANTS = 64;
const CACHE_MAX_USERS = 256;
interface CachedBalance {
  version: string;
  fromMs: number;
  untilMs: number;
  view: BalanceView;
}
const caches = new WeakMap<object, Map<string, CachedBalance>>();

function cacheFor(sqlite: object): Map<string, CachedBalance> {
  let cache = caches.get(sqlite);
  if (!cache) {
    cache = new Map();
    caches.set(sqlite, cache);
  }
  return cache;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const CURSOR_PREFIX = "v1.";

function encodeCursor(lastId: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${lastId}`).toString("base64url");
}

function decodeCursor(cursor: string): number {
  const text = /^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? Buffer.from(cursor, "base64url").toString() : "";
  const id = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(id) || id < 1 || text !== `${CURSOR_PREFIX}${id}`)
    throw invalid("cursor", "`cursor` is not valid.");
  return id;
}

interface LedgerRow {
  hold_id: number | null;
  id: number;
  type: LedgerEntryView["type"];
  amount: number;
  balance_after: number;
  reason: string | null;
  metadata: string | null;
  created_at: number;
  usage: string | null;
}

/**
 * A user's ledger, newest first, `limit` 1–100 (default 50). `cursor` is opaque (the previous
 * page's nextCursor); nextCursor is null on the last page. Entries that took credits from grants
 * (deductions, negative adjustments) carry their allocations; refunds and voids that took held
 * credits carry fromHolds.
 */
export function listLedger(
  ctx: DbClock,
  userId: number,
  opts: { limit?: number; cursor?: string | null } = {},
): { entries: LedgerEntryView[]; nextCursor: string | null } {
  checkId(userId, "userId");
  const limit = checkLimit(opts.limit, 100, 50);
  const before = opts.cursor ? decodeCursor(opts.cursor) : Number.MAX_SAFE_INTEGER;
  const s = statementsFor(ctx.db);
  if (s.userBalance.get(userId) === undefined) throw new AppError("not_found", `No user with id ${userId}.`);

  const rows = s.ledgerPage.all({ userId, before, limit: limit + 1 }) as LedgerRow[];
  const page = rows.slice(0, limit);
  const spending = page
    .filter((r) => r.type === "deduction" || (r.type === "adjustment" && r.amount < 0))
    .map((r) => r.id);
  const allocations = new Map<number, { grantId: number; amount: number }[]>();
  if (spending.length > 0) {
    for (const a of s.allocationsOfMany.all(JSON.stringify(spending)) as {
      entryId: number;
      grantId: number;
      amount: number;
    }[]) {
      let list = allocations.get(a.entryId);
      if (!list) allocations.set(a.entryId, (list = []));
      list.push({ grantId: a.grantId, amount: a.amount });
    }
  }
  const removing = page.filter((r) => r.type === "refund" || r.type === "void").map((r) => r.id);
  const fromHolds = new Map<number, { holdId: number; amount: number }[]>();
  if (removing.length > 0) {
    for (const c of s.clawbacksOfMany.all(JSON.stringify(removing)) as {
      entryId: number;
      holdId: number;
      amount: number;
    }[]) {
      let list = fromHolds.get(c.entryId);
      if (!list) fromHolds.set(c.entryId, (list = []));
      list.push({ holdId: c.holdId, amount: c.amount });
    }
  }
  const entries = page.map((r): LedgerEntryView => {
    const entry: LedgerEntryView = {
      id: r.id,
      type: r.type,
      amount: r.amount,
      balanceAfter: r.balance_after,
      reason: r.reason,
      metadata: parseMetadata(r.metadata),
      createdAt: iso(r.created_at),
    };
    if (allocations.has(r.id) || r.type === "deduction") entry.allocations = allocations.get(r.id) ?? [];
    if (r.hold_id !== null) entry.holdId = r.hold_id;
    if (r.usage !== null) entry.usage = parseMetadata(r.usage) as unknown as UsageTag;
    if (r.usage !== null) entry.usage = parseMetadata(r.usage) as unknown as UsageTag;
    const held = fromHolds.get(r.id);
    if (held) entry.fromHolds = held;
    return entry;
  });
  return { entries, nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null };
}
