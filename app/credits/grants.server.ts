/**
 * Adding and removing grants: grantCredits, voidGrant, refundGrantCredits, importLegacyBalance,
 * and the demo seed's grants. Cold paths: clarity over speed, but the same cached statements.
 */
import { GRANT_SOURCES, GRANT_TYPES, type GrantSource, type GrantType } from "../../db/schema";
import { addDays } from "../utils/clock";
import { AppError } from "../utils/errors";
import {
  checkCredits,
  checkDate,
  checkId,
  checkMetadata,
  checkReason,
  checkRef,
  checkShownReason,
  invalid,
} from "./checks.server";
import { findReplay, keyedRequest } from "./keyed.server";
import { type Statements, statementsFor } from "./statements.server";
import type { GrantRow } from "./tables/grants.server";
import { type GrantView, parseMetadata, toGrantView } from "./views.server";
import { expireGrantRow, insertEntry, requireGrant, requireUser, spendableOf, takeFromGrant } from "./writes.server";
import type { DbClock } from "../utils/context.server";
import { balanceLowered, creditsConfig, emit, externalIdOf } from "./events.server";
import { clawFromHolds, planHeldTakes, settleLapsedHolds } from "./hold-returns.server";
import { writeTransaction } from "../../db/transaction";

export interface GrantCreditsInput {
  userId: number;
  type: GrantType;
  amount: number;
  effectiveAt?: Date;
  expiresAt?: Date | null;
  /** 0–100; defaults: subscription 10, promotional 20, topup 30. */
  priority?: number;
  reason?: string | null;
  source: GrantSource;
  /**
   * What produced the grant, the caller's opaque string (billing: "stripe_invoice:in_…"); a
   * second grant with the same sourceRef is a conflict (docs/decisions/016-grant-source-refs.md).
   */
  sourceRef?: string | null;
  /** Grants that belong together, the caller's opaque string (billing: "subscription:7"). */
  groupRef?: string | null;
  /** Caller-namespaced (e.g. "api:grants:<key>"); replays return the original result. */
  idempotencyKey?: string | null;
  actor?: string | null;
  metadata?: Record<string, unknown> | null;
}
export interface GrantResult {
  grant: GrantView;
  balance: number;
  entryId: number;
  replayed: boolean;
}

export interface VoidInput {
  grantId: number;
  reason?: string | null;
  idempotencyKey?: string | null;
  actor?: string | null;
}
export interface VoidResult {
  grant: GrantView;
  balance: number;
  /** Credits removed by this call, free and held (0 when the grant was already void / had nothing left). */
  removed: number;
  replayed: boolean;
}

export const DEFAULT_PRIORITY: Record<GrantType, number> = { subscription: 10, promotional: 20, topup: 30 };

/**
 * Adds a grant and its `grant` ledger entry (+amount). The entry is written at once even for a
 * future-dated grant: the ledger records the commitment when it is made, so the ledger sum keeps
 * matching users.credit_balance (which counts future-dated grants); its balanceAfter is the
 * spendable balance, which does not include the grant until effectiveAt.
 *
 * Bad input → invalid_request with `field`; unknown user → not_found; a sourceRef that already has
 * a grant → conflict (extra.grantId = the existing grant). sourceRef and groupRef are the caller's
 * opaque strings (docs/decisions/016-grant-source-refs.md): compared, never parsed or looked up.
 */
export function grantCredits(ctx: DbClock, input: GrantCreditsInput): GrantResult {
  const userId = checkId(input.userId, "userId");
  if (!GRANT_TYPES.includes(input.type)) throw invalid("type", `\`type\` must be one of ${GRANT_TYPES.join(", ")}.`);
  const type = input.type;
  const amount = checkCredits(input.amount);
  if (!GRANT_SOURCES.includes(input.source))
    throw invalid("source", `\`source\` must be one of ${GRANT_SOURCES.join(", ")}.`);
  const priority = input.priority ?? DEFAULT_PRIORITY[type];
  if (!Number.isInteger(priority) || priority < 0 || priority > 100) {
    throw invalid("priority", "`priority` must be an integer from 0 to 100.");
  }
  const givenEffectiveAtMs = input.effectiveAt === undefined ? null : checkDate(input.effectiveAt, "effectiveAt");
  const expiresAtMs =
    input.expiresAt === undefined || input.expiresAt === null ? null : checkDate(input.expiresAt, "expiresAt");
  const reason = checkShownReason(input.reason);
  const sourceRef = checkRef(input.sourceRef, "sourceRef");
  const groupRef = checkRef(input.groupRef, "groupRef");
  const metadata = checkMetadata(input.metadata);
  // The request as sent (before defaults): a replay that omits effectiveAt must still match.
  const keyed = keyedRequest(input, {
    op: "grant",
    type,
    amount,
    effectiveAt: givenEffectiveAtMs,
    expiresAt: expiresAtMs,
    priority: input.priority ?? null,
    reason,
    source: input.source,
    // Requests stored before source refs hashed these three as null: keep those replays replays.
    subscriptionId: null,
    stripeInvoiceId: null,
    topupPurchaseId: null,
    sourceRef: sourceRef ?? undefined,
    groupRef: groupRef ?? undefined,
    metadata: input.metadata ?? null,
  });
  const s = statementsFor(ctx.db);

  return writeTransaction(ctx.db, (): GrantResult => {
    const replay = findReplay(s, userId, keyed);
    if (replay) {
      // The original answer: the grant as it was created, with the balance reported then.
      const row = requireGrant(s, replay.grant_id!);
      const original = toGrantView({ ...row, remaining: row.amount, status: "active" }, replay.created_at);
      return { grant: original, balance: replay.balance_after, entryId: replay.id, replayed: true };
    }
    const nowMs = ctx.clock.now().getTime();
    const cached = requireUser(s, userId);
    const effectiveAtMs = givenEffectiveAtMs ?? nowMs;
    if (expiresAtMs !== null && expiresAtMs <= effectiveAtMs)
      throw invalid("expiresAt", "`expiresAt` must be after `effectiveAt`.");
    if (expiresAtMs !== null && expiresAtMs <= nowMs) throw invalid("expiresAt", "`expiresAt` must lie in the future.");
    refuseSecondGrant(s, sourceRef);
    const grant = {
      type,
      amount,
      priority,
      effectiveAt: effectiveAtMs,
      expiresAt: expiresAtMs,
      source: input.source,
      sourceRef,
      groupRef,
    };
    const entry = { type: "grant" as const, reason, metadata, ...keyed };
    const { grantId, entryId, balance } = addGrant(s, userId, cached, grant, entry, nowMs);
    return { grant: toGrantView(requireGrant(s, grantId), nowMs), balance, entryId, replayed: false };
  });
}

export interface NewGrant {
  type: GrantType;
  amount: number;
  priority: number;
  effectiveAt: number;
  expiresAt: number | null;
  source: GrantSource;
  sourceRef?: string | null;
  groupRef?: string | null;
}

/** The ledger entry that credits a new grant: a `grant`, or a positive `adjustment`. */
export interface CreditingEntry {
  type: "grant" | "adjustment";
  reason: string | null;
  key: string | null;
  hash: string | null;
  metadata: string | null;
  actor: string | null;
}

/**
 * Inserts a grant and the one entry that credits it (+amount, grant_id linked), inside the
 * caller's write transaction. `cached` is the user's users.credit_balance: it must stay an exact
 * JavaScript integer, and so must every sum of the user's grants (all ≤ it).
 */
export function addGrant(
  s: Statements,
  userId: number,
  cached: number,
  grant: NewGrant,
  entry: CreditingEntry,
  nowMs: number,
): { grantId: number; entryId: number; balance: number } {
  if (cached + grant.amount > Number.MAX_SAFE_INTEGER)
    throw invalid("amount", "This grant would overflow the user's balance.");
  settleLapsedHolds(s, userId, nowMs);
  const grantId = Number(
    s.insertGrant.run({
      sourceRef: null,
      groupRef: null,
      ...grant,
      userId,
      reason: entry.reason,
      now: nowMs,
    }).lastInsertRowid,
  );
  s.addToBalance.run(grant.amount, userId);
  const balance = spendableOf(s, userId, nowMs);
  const entryId = insertEntry(s, { ...entry, userId, amount: grant.amount, balanceAfter: balance, grantId, nowMs });
  const view = toGrantView(requireGrant(s, grantId), nowMs);
  const data = {
    userId,
    externalId: externalIdOf(s, userId),
    grant: view,
    balance,
    metadata: parseMetadata(entry.metadata),
  };
  emit(s, "credits.granted", userId, data, nowMs);
  return { grantId, entryId, balance };
}

/** One grant per sourceRef: a second one (a replayed webhook, a double submit) is a conflict. */
function refuseSecondGrant(s: Statements, sourceRef: string | null): void {
  if (sourceRef === null) return;
  const existing = s.grantBySourceRef.get(sourceRef)?.id;
  if (existing !== undefined) {
    throw new AppError("conflict", `Source ${sourceRef} already has grant ${existing}.`, {
      field: "sourceRef",
      extra: { grantId: existing },
    });
  }
}

/**
 * A grant whose expiresAt has passed is recorded as expired first, exactly as the sweep would:
 * its credits are gone, so a void or refund after expiry removes nothing.
 */
function settleExpiry(s: Statements, row: GrantRow, nowMs: number): GrantRow {
  if (row.status === "active" && row.expires_at !== null && row.expires_at <= nowMs) {
    expireGrantRow(s, row, nowMs, spendableOf(s, row.user_id, nowMs));
    return requireGrant(s, row.id);
  }
  return row;
}

/**
 * Takes up to `want` credits of a grant wherever they are (docs/decisions/017): what is left on it
 * first, then what open holds reserve on it, oldest hold first. Writes one `void` (status → voided
 * unless it expired first) or `refund` (status → depleted if emptied) entry for all of it, with
 * hold_clawbacks naming the held part; nothing when there is nothing to take.
 */
function removeFromGrant(
  s: Statements,
  ctx: DbClock,
  row: GrantRow,
  want: number,
  entry: Omit<CreditingEntry, "type"> & { type: "void" | "refund" },
  nowMs: number,
): { removed: number; balance: number } {
  const userId = row.user_id;
  const free = Math.min(want, row.remaining);
  const held = planHeldTakes(s, userId, row.id, want - free);
  const removed = held.reduce((sum, [, credits]) => sum + credits, free);
  const before = spendableOf(s, userId, nowMs);
  if (removed === 0) return { removed, balance: before };
  if (entry.type === "void") {
    if (row.status !== "expired" && s.voidGrantRow.run(nowMs, row.id).changes !== 1)
      throw new Error(`credits: grant ${row.id} changed under a write transaction`);
  } else if (free > 0) takeFromGrant(s, row.id, free, row.remaining, nowMs);
  if (free > 0) s.addToBalance.run(-free, userId);
  const balance = spendableOf(s, userId, nowMs);
  const entryId = insertEntry(s, { ...entry, userId, amount: -removed, balanceAfter: balance, grantId: row.id, nowMs });
  clawFromHolds(s, entryId, row.id, held, nowMs);
  const user = s.userEventRow.get(userId)!;
  if (entry.type === "void") {
    const grant = toGrantView(requireGrant(s, row.id), nowMs);
    emit(s, "credits.voided", userId, { userId, externalId: user[0], grant, balance }, nowMs);
  }
  balanceLowered(s, creditsConfig(ctx), userId, user, before, balance, nowMs);
  return { removed, balance };
}

/**
 * Removes a grant's credits wherever they are, free and held (removeFromGrant), with one `void`
 * entry; the grant is `voided` (or stays `expired` if it expired first). A grant with nothing left
 * anywhere (already voided, or spent) is left alone: removed 0, nothing written. A grant past its
 * expiresAt that the sweep has not reached gets its `expiration` entry first. The idempotency key
 * is scoped to the grant.
 */
export function voidGrant(ctx: DbClock, input: VoidInput): VoidResult {
  const grantId = checkId(input.grantId, "grantId");
  const reason = checkShownReason(input.reason);
  const keyed = keyedRequest(input, { op: "void", grantId, reason }, `grant:${grantId}`);
  const s = statementsFor(ctx.db);

  return writeTransaction(ctx.db, (): VoidResult => {
    const nowMs = ctx.clock.now().getTime();
    let row = requireGrant(s, grantId);
    const replay = findReplay(s, row.user_id, keyed);
    if (replay) {
      // A voided grant never changes again, so its current view is the one first returned.
      return { grant: toGrantView(row, nowMs), balance: replay.balance_after, removed: -replay.amount, replayed: true };
    }
    settleLapsedHolds(s, row.user_id, nowMs);
    row = settleExpiry(s, requireGrant(s, grantId), nowMs);
    const voidEntry = { type: "void" as const, reason, metadata: null, ...keyed };
    const { removed, balance } =
      row.status === "voided"
        ? { removed: 0, balance: spendableOf(s, row.user_id, nowMs) }
        : removeFromGrant(s, ctx, row, Number.MAX_SAFE_INTEGER, voidEntry, nowMs);
    return { grant: toGrantView(requireGrant(s, grantId), nowMs), balance, removed, replayed: false };
  });
}

export interface RefundInput {
  grantId: number;
  amount: number;
  reason?: string | null;
  idempotencyKey?: string | null;
  actor?: string | null;
  metadata?: Record<string, unknown> | null;
}

/**
 * Removes up to `amount` of one grant's credits wherever they are, free first, then held
 * (removeFromGrant), with a `refund` entry (used when Stripe refunds a charge). Spent credits are
 * not taken back; removing 0 writes nothing. The idempotency key is scoped to the grant.
 */
export function refundGrantCredits(
  ctx: DbClock,
  input: RefundInput,
): { removed: number; balance: number; replayed: boolean } {
  const grantId = checkId(input.grantId, "grantId");
  const amount = checkCredits(input.amount);
  const reason = checkReason(input.reason);
  const metadata = checkMetadata(input.metadata);
  const keyed = keyedRequest(
    input,
    { op: "refund", grantId, amount, reason, metadata: input.metadata ?? null },
    `grant:${grantId}`,
  );
  const s = statementsFor(ctx.db);

  return writeTransaction(ctx.db, () => {
    const nowMs = ctx.clock.now().getTime();
    let row = requireGrant(s, grantId);
    const replay = findReplay(s, row.user_id, keyed);
    if (replay) return { removed: -replay.amount, balance: replay.balance_after, replayed: true };
    settleLapsedHolds(s, row.user_id, nowMs);
    row = settleExpiry(s, requireGrant(s, grantId), nowMs);
    if (row.status === "voided") return { removed: 0, balance: spendableOf(s, row.user_id, nowMs), replayed: false };
    const refund = { type: "refund" as const, reason, metadata, ...keyed };
    return { ...removeFromGrant(s, ctx, row, amount, refund, nowMs), replayed: false };
  });
}

/** undefined for an unknown (or malformed) id; the mutations throw not_found instead. */
export function getGrant(ctx: DbClock, grantId: number): GrantView | undefined {
  if (!Number.isSafeInteger(grantId) || grantId < 1) return undefined;
  const row = statementsFor(ctx.db).grantById.get(grantId) as GrantRow | undefined;
  return row && toGrantView(row, ctx.clock.now().getTime());
}

const LEGACY_IMPORT_KEY = "migration:legacy-balance";

/**
 * Turns an old single-number balance into one never-expiring `topup` grant (source "migration"),
 * so it is spent after subscription and promotional credits. Idempotent per user: importing the
 * same amount again is a replay; a different amount is idempotency_conflict. 0 imports nothing
 * (returns null).
 */
export function importLegacyBalance(
  ctx: DbClock,
  input: { userId: number; amount: number; reason?: string | null; actor?: string | null },
): GrantResult | null {
  if (input.amount === 0) return null;
  return grantCredits(ctx, {
    userId: input.userId,
    type: "topup",
    amount: input.amount,
    source: "migration",
    reason: input.reason ?? "Balance carried over from the previous billing system",
    idempotencyKey: LEGACY_IMPORT_KEY,
    actor: input.actor ?? "migration",
  });
}

const DEMO_KEYS = { welcome: "seed:welcome-credits", topup: "seed:demo-topup" };

/**
 * Demo credits for the seed: 500 never-expiring "Welcome credits" (promotional) and a 1,000-credit
 * top-up expiring in a year. Once per user: a second call grants nothing.
 */
export function grantDemoCredits(ctx: DbClock, userId: number): { balance: number } {
  const s = statementsFor(ctx.db);
  return writeTransaction(ctx.db, () => {
    if (s.entryByKey.get(userId, DEMO_KEYS.welcome)) {
      return { balance: spendableOf(s, userId, ctx.clock.now().getTime()) };
    }
    grantCredits(ctx, {
      userId,
      type: "promotional",
      amount: 500,
      reason: "Welcome credits",
      source: "admin",
      actor: "seed",
      idempotencyKey: DEMO_KEYS.welcome,
    });
    const topup = grantCredits(ctx, {
      userId,
      type: "topup",
      amount: 1000,
      expiresAt: addDays(ctx.clock.now(), 365),
      reason: "Demo top-up",
      source: "admin",
      actor: "seed",
      idempotencyKey: DEMO_KEYS.topup,
    });
    return { balance: topup.balance };
  });
}
