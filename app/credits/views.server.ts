import type { GrantSource, GrantStatus, GrantType, HoldStatus } from "../../db/schema";
import type { GrantRow } from "./tables/grants.server";
import type { HoldRow } from "./tables/holds.server";

/* Rows as the API and pages show them: times as ISO-8601, and status as time decides it. */

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

export function iso(atMs: number): string {
  return new Date(atMs).toISOString();
}

/**
 * Stored status, except that an active grant is shown `pending` before effectiveAt and `expired`
 * from expiresAt on — time decides, not whether the sweep has run. `remaining` is what no ledger
 * entry has taken yet (for an expired grant: what the sweep will record as expired).
 */
function viewStatus(row: Pick<GrantRow, "status" | "effective_at" | "expires_at">, nowMs: number): GrantView["status"] {
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
