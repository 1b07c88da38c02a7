/**
 * The credit engine's public surface. Everything else (routes, billing, the CLI, tests) imports
 * from here only. Plain TypeScript over a database handle and a clock; no Remix, no Stripe.
 *
 * `balance` in every result is the user's SPENDABLE balance now (grants in effect; credits that
 * holds reserve are not in it — `held` counts them, ./holds.server.ts); ledger entries'
 * balanceAfter is the same number right after the entry. Definitions and invariants:
 * ./invariants.server.ts; burn-down order: BURN_DOWN_SQL in ./store.server.ts.
 *
 * Every mutation works standalone (it opens its own IMMEDIATE transaction) and nested inside a
 * caller's transaction (better-sqlite3 turns the inner one into a savepoint), so a webhook can
 * write its event row and the credits it grants atomically.
 */
import type { GrantSource, GrantStatus, GrantType, HoldStatus, LedgerEntryType } from "../../db/schema";

/**
 * A grant as the API and pages show it. `pending` = active but effectiveAt in the future;
 * `expired` also covers an active grant past its expiresAt that the sweep has not recorded yet
 * (its `remaining` is then what the sweep will record as expired).
 */
export interface GrantView {
  id: number;
  userId: number;
  type: GrantType;
  amount: number;
  remaining: number;
  priority: number;
  effectiveAt: string; // ISO-8601
  expiresAt: string | null;
  status: GrantStatus | "pending";
  source: GrantSource;
  reason: string | null;
}

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

export interface DeductInput {
  userId: number;
  amount: number;
  reason?: string | null;
  metadata?: Record<string, unknown> | null;
  idempotencyKey?: string | null;
  actor?: string | null;
  /** What the credits paid for, when usage of a rate-card feature made the deduction (app/features/). */
  usage?: UsageTag | null;
}

/**
 * A usage deduction's account of itself, in the caller's words (app/features/): which feature,
 * how many units, at which price version, how many of them were included units, and how many
 * units already paid for are carried to the next use (the remainder). Stored and shown as given.
 */
export interface UsageTag {
  feature: string;
  quantity: number;
  priceVersion: number;
  includedUnitsUsed: number;
  carriedUnits: number;
}
export interface DeductResult {
  id: number; // ledger entry id
  amount: number;
  balance: number;
  allocations: { grantId: number; amount: number }[];
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

/**
 * A hold as the API shows it. `expired` also covers a `held` hold past its expiresAt that no write
 * has recorded yet: it stopped reserving at expiresAt either way.
 */
export interface HoldView {
  id: number;
  userId: number;
  amount: number;
  capturedAmount: number;
  /** Taken by refunds and voids of its grants while open; the hold reserves amount − this. */
  clawedBackAmount: number;
  status: HoldStatus;
  expiresAt: string; // ISO-8601
  reason: string | null;
  /** The caller's metadata, as sent (null when none). */
  metadata: Record<string, unknown> | null;
  createdAt: string;
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

export type { LedgerEntryType };

export {
  grantCredits,
  voidGrant,
  refundGrantCredits,
  getGrant,
  importLegacyBalance,
  grantDemoCredits,
  DEFAULT_PRIORITY,
} from "./grants.server";
export type { RefundInput } from "./grants.server";
export { deductCredits, adjustCredits } from "./deduct.server";
export type { AdjustInput, AdjustResult, Allocation } from "./deduct.server";
export { getBalance, listLedger } from "./ledger.server";
export { expireGrants, syncBalances, startCreditJobs, announceExpiringSoon } from "./jobs.server";
export type { ExpireResult, SyncResult } from "./jobs.server";
export { checkInvariants, findInvariantViolations } from "./invariants.server";
export { holdCredits, captureHold, releaseHold, getHold, getHeld, expireHolds, HOLD_SECONDS } from "./holds.server";
export type { HoldInput, HoldResult, CaptureInput, CaptureResult, ReleaseResult } from "./holds.server";
export { creditsConfig, DEFAULT_CREDITS_CONFIG } from "./events.server";
export type { CreditsConfig, CreditsCtx } from "./events.server";
export { BURN_DOWN_SQL, MAX_CREDITS } from "./store.server";
export { findGrantBySource, listGrantsByGroup, listGrantsBySourcePrefix, type SourcedGrant } from "./grant-refs.server";
export { listGrants, GRANT_LIST_STATUSES, type GrantListStatus, type GrantPosition } from "./grants-list.server";
export { creditReport, reportDays, reportStart, type ReportPeriod } from "./reports.server";
export {
  rollOverCredits,
  rolledAmount,
  ROLLOVER_PRIORITY,
  type RolloverInput,
  type RolloverResult,
} from "./rollover.server";
