/**
 * The credit engine's public surface. Everything else (routes, billing, the CLI, tests) imports
 * from here only. Plain TypeScript over a database handle and a clock; no Remix, no Stripe.
 *
 * Every mutation works standalone (it opens its own IMMEDIATE transaction) and nested inside a
 * caller's transaction (better-sqlite3 turns the inner one into a savepoint), so a webhook can
 * write its event row and the credits it grants atomically.
 */
import type { Db } from "../../db/client";
import type { GrantSource, GrantStatus, GrantType, LedgerEntryType } from "../../db/schema";
import type { Clock } from "../utils/clock";

export type CreditsCtx = { db: Db; clock: Clock };

/** A grant as the API and pages show it. `pending` = active but effectiveAt in the future. */
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
  subscriptionId?: number | null;
  stripeInvoiceId?: string | null;
  topupPurchaseId?: number | null;
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
  /** Credits removed by this call (0 when the grant was already void / had nothing left). */
  removed: number;
  replayed: boolean;
}

export interface BalanceView {
  userId: number;
  balance: number;
  breakdown: { subscription: number; topup: number; promotional: number };
  nextExpiry: { amount: number; expiresAt: string } | null;
  /** In effect now, with credits left, in burn-down order. */
  grants: GrantView[];
}

export interface LedgerEntryView {
  id: number;
  type: LedgerEntryType;
  amount: number;
  balanceAfter: number;
  reason: string | null;
  createdAt: string;
  allocations?: { grantId: number; amount: number }[];
}

export type { LedgerEntryType };

const todo = (name: string): never => {
  throw new Error(`credits: ${name} is not implemented yet`);
};

/** Adds a grant and its `grant` ledger entry. */
export function grantCredits(ctx: CreditsCtx, input: GrantCreditsInput): GrantResult {
  return todo(`grantCredits(${ctx && input && ""})`);
}
/** Spends `amount` in burn-down order; `insufficient_credits` (AppError, extra {balance, requested}) writes nothing. */
export function deductCredits(ctx: CreditsCtx, input: DeductInput): DeductResult {
  return todo(`deductCredits(${ctx && input && ""})`);
}
/** Removes exactly what is left of a grant with a `void` entry; a second void writes nothing. */
export function voidGrant(ctx: CreditsCtx, input: VoidInput): VoidResult {
  return todo(`voidGrant(${ctx && input && ""})`);
}
/** Removes up to `amount` from one grant (capped at what is left) with a `refund` entry. */
export function refundGrantCredits(
  ctx: CreditsCtx,
  input: { grantId: number; amount: number; reason?: string | null; idempotencyKey?: string | null; actor?: string | null; metadata?: Record<string, unknown> | null },
): { removed: number; balance: number; replayed: boolean } {
  return todo(`refundGrantCredits(${ctx && input && ""})`);
}
export function getBalance(ctx: CreditsCtx, userId: number): BalanceView {
  return todo(`getBalance(${ctx && userId && ""})`);
}
export function getGrant(ctx: CreditsCtx, grantId: number): GrantView | undefined {
  return todo(`getGrant(${ctx && grantId && ""})`);
}
/** Newest first; `cursor` is opaque; `nextCursor` null on the last page. */
export function listLedger(
  ctx: CreditsCtx,
  userId: number,
  opts: { limit?: number; cursor?: string | null },
): { entries: LedgerEntryView[]; nextCursor: string | null } {
  return todo(`listLedger(${ctx && userId && opts && ""})`);
}
