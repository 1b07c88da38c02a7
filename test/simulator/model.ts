/**
 * The simulator's reference model of the credit engine: plain arrays of grants, holds and ledger
 * lines, written from the rules as the README and the issues state them — no SQL and no engine
 * code, so a shared mistake cannot hide a bug. Time is `now` (the simulator's virtual clock).
 *
 * The rules it encodes:
 * - burn-down: grants in effect (effectiveAt <= now < expiresAt, status active), lowest priority
 *   first, then earliest expiresAt (never-expiring last), earliest effectiveAt, oldest;
 * - a hold takes credits in that order and writes no line; its credits come back to their grants on
 *   release, lapse or the uncaptured part of a capture — to a grant voided or expired meanwhile
 *   they come back as a `void` / `expiration` line instead;
 * - a void or refund takes the grant's credits wherever they are: free first, then what open holds
 *   reserve on it (issue 20); those credits are never spendable again;
 * - the sweep writes an `expiration` line for what is left of every grant past its expiresAt;
 * - auto top-up: a change that lowers the spendable balance across the armed threshold asks for a
 *   pack; one is recorded when the balance is still below, none is open and the month's cap allows.
 */

import { RateModel } from "./rate-model";

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export type GrantType = "subscription" | "promotional" | "topup";
/** The published default priorities (README, burn-down order). */
export const DEFAULT_PRIORITY: Record<GrantType, number> = { subscription: 10, promotional: 20, topup: 30 };
export const ROLLOVER_PRIORITY = 9;
export const ADJUSTMENT_PRIORITY = 20;

export interface MGrant {
  id: number;
  user: number;
  type: GrantType;
  amount: number;
  remaining: number;
  priority: number;
  effectiveAtMs: number;
  expiresAtMs: number | null;
  status: "active" | "depleted" | "voided" | "expired";
  groupRef: string | null;
  /** A rollover grant never rolls over again. */
  rollover: boolean;
  /** Σ of this grant's `expiration` lines (what a rollover counts for a swept source). */
  expiredCredits: number;
}

export interface MPart {
  grantId: number;
  amount: number;
}

export interface MHold {
  id: number;
  user: number;
  amount: number;
  parts: MPart[];
  expiresAtMs: number;
  status: "held" | "captured" | "released" | "expired";
  captured: number;
}

export type LineType = "grant" | "deduction" | "adjustment" | "void" | "refund" | "expiration";

export interface MLine {
  user: number;
  type: LineType;
  amount: number;
  grantId: number | null;
}

export interface MAttempt {
  id: number;
  user: number;
  month: string;
  status: "pending" | "succeeded" | "failed";
}

export interface MAutoTopup {
  enabled: boolean;
  threshold: number;
  cap: number;
}

export interface MPurchase {
  id: number;
  user: number;
  grantId: number;
  credits: number;
  paidCents: number;
  refundedCents: number;
  creditsRefunded: number;
}

/** A subscription per user: the period its plan credits belong to. */
export interface MSubscription {
  groupRef: string;
  /** The billing period (included units of the rate card count per period start). */
  periodStartMs: number;
  periodEndMs: number;
  invoices: number;
}

export class InsufficientCredits extends Error {
  constructor(readonly balance: number) {
    super(`insufficient credits: ${balance}`);
  }
}

export class Model {
  grants: MGrant[] = [];
  holds: MHold[] = [];
  lines: MLine[] = [];
  attempts: MAttempt[] = [];
  autoTopup = new Map<number, MAutoTopup>();
  purchases: MPurchase[] = [];
  subscriptions = new Map<number, MSubscription>();
  /** The legacy import per user: its amount and whether it expires. */
  legacy = new Map<number, { amount: number; expires: boolean }>();
  /** Renewals rolled over, by key and by (group, periodEnd). */
  rollovers = new Map<string, { unused: number; rolled: number; grantId: number | null }>();
  /** auto_topup.needed asked in this step (dispatched at its end). */
  needed: { user: number; atMs: number }[] = [];
  /** Holds that lapsed since the last step (the engine records them lazily). */
  settledThisStep = 0;
  /** What happened, by name (the coverage test reads it). */
  seen = new Set<string>();
  /** The rate card: features, prices, plan terms and what was used. */
  rate: RateModel;

  constructor(
    public nowMs: number,
    readonly users: number[],
  ) {
    this.rate = new RateModel(nowMs);
  }

  grant(id: number): MGrant {
    const g = this.grants.find((x) => x.id === id);
    if (!g) throw new Error(`model: no grant ${id}`);
    return g;
  }

  // ---- reads ---------------------------------------------------------------------------------

  inEffect(g: MGrant): boolean {
    return (
      g.status === "active" && g.effectiveAtMs <= this.nowMs && (g.expiresAtMs === null || g.expiresAtMs > this.nowMs)
    );
  }

  burnDownOrder(user: number): MGrant[] {
    return this.grants
      .filter((g) => g.user === user && this.inEffect(g))
      .sort(
        (a, b) =>
          a.priority - b.priority ||
          (a.expiresAtMs === null ? 1 : 0) - (b.expiresAtMs === null ? 1 : 0) ||
          (a.expiresAtMs ?? 0) - (b.expiresAtMs ?? 0) ||
          a.effectiveAtMs - b.effectiveAtMs ||
          a.id - b.id,
      );
  }

  spendable(user: number): number {
    return this.burnDownOrder(user).reduce((sum, g) => sum + g.remaining, 0);
  }

  cached(user: number): number {
    return this.grants.filter((g) => g.user === user && g.status === "active").reduce((s, g) => s + g.remaining, 0);
  }

  held(user: number): number {
    return this.openHolds(user).reduce((sum, h) => sum + h.amount, 0);
  }

  openHolds(user: number): MHold[] {
    return this.holds.filter((h) => h.user === user && h.status === "held" && h.expiresAtMs > this.nowMs);
  }

  ledgerSum(user: number): number {
    return this.lines.filter((l) => l.user === user).reduce((sum, l) => sum + l.amount, 0);
  }

  // ---- moving credits ------------------------------------------------------------------------

  line(user: number, type: LineType, amount: number, grantId: number | null = null): void {
    this.lines.push({ user, type, amount, grantId });
  }

  addGrant(g: Omit<MGrant, "remaining" | "status" | "expiredCredits">, lineType: "grant" | "adjustment"): MGrant {
    const grant: MGrant = { ...g, remaining: g.amount, status: "active", expiredCredits: 0 };
    this.grants.push(grant);
    this.line(g.user, lineType, g.amount, g.id);
    return grant;
  }

  /** Greedy burn-down of `amount`; throws InsufficientCredits (nothing taken) when short. */
  take(user: number, amount: number): MPart[] {
    const before = this.spendable(user);
    if (before < amount) throw new InsufficientCredits(before);
    const parts: MPart[] = [];
    let left = amount;
    for (const g of this.burnDownOrder(user)) {
      if (left === 0) break;
      const n = Math.min(left, g.remaining);
      g.remaining -= n;
      if (g.remaining === 0) g.status = "depleted";
      parts.push({ grantId: g.id, amount: n });
      left -= n;
    }
    this.lowered(user, before, before - amount);
    return parts;
  }

  /** Held credits go back to their grants; to a grant that ended meanwhile they end with a line. */
  giveBack(user: number, parts: MPart[]): void {
    for (const p of parts) {
      if (p.amount <= 0) continue;
      const g = this.grant(p.grantId);
      if (g.status === "active" || g.status === "depleted") {
        g.remaining += p.amount;
        g.status = "active";
      } else if (g.status === "voided") {
        this.line(user, "void", -p.amount, g.id);
      } else {
        this.line(user, "expiration", -p.amount, g.id);
        g.expiredCredits += p.amount;
      }
    }
  }

  /** Holds past expiresAt stop reserving (every engine write and read records them first). */
  settleHolds(): number {
    const lapsed = this.holds
      .filter((h) => h.status === "held" && h.expiresAtMs <= this.nowMs)
      .sort((a, b) => a.expiresAtMs - b.expiresAtMs || a.id - b.id);
    for (const h of lapsed) {
      h.status = "expired";
      this.giveBack(h.user, h.parts);
      this.seen.add("hold lapsed");
      if (this.rate.featureHolds.has(h.id)) this.seen.add("feature hold lapsed");
    }
    return lapsed.length;
  }

  expire(g: MGrant): number {
    const credits = g.remaining;
    this.line(g.user, "expiration", -credits, g.id);
    g.expiredCredits += credits;
    g.remaining = 0;
    g.status = "expired";
    return credits;
  }

  /** A grant past its expiresAt is recorded as expired before a void or refund looks at it. */
  settleExpiry(g: MGrant): void {
    if (g.status === "active" && g.expiresAtMs !== null && g.expiresAtMs <= this.nowMs) this.expire(g);
  }

  /**
   * Takes up to `want` credits of grant g wherever they are (issue 20): what is free first, then
   * what open holds reserve on it, oldest hold first; a hold reserves that much less, for good.
   * Returns how many came from each place.
   */
  takeEverywhere(g: MGrant, want: number): { free: number; held: number } {
    const free = Math.min(want, g.status === "active" ? g.remaining : 0);
    g.remaining -= free;
    let held = 0;
    for (const h of this.openHolds(g.user).sort((a, b) => a.id - b.id)) {
      for (const p of h.parts) {
        if (p.grantId !== g.id) continue;
        const n = Math.min(p.amount, want - free - held);
        p.amount -= n;
        h.amount -= n;
        held += n;
      }
    }
    return { free, held };
  }

  /** The credits open holds reserve on grant g. */
  heldOn(g: MGrant): number {
    let sum = 0;
    for (const h of this.openHolds(g.user)) for (const p of h.parts) if (p.grantId === g.id) sum += p.amount;
    return sum;
  }

  // ---- auto top-up ---------------------------------------------------------------------------

  /** The engine asks for a pack when a change takes the spendable balance across the threshold. */
  lowered(user: number, before: number, after: number): void {
    const t = this.autoTopup.get(user);
    if (after >= before || !t?.enabled) return;
    if (before >= t.threshold && after < t.threshold) {
      this.needed.push({ user, atMs: this.nowMs });
      this.seen.add("auto top-up crossing");
    }
  }

  /** The dispatcher's turn: each ask records a pending attempt when it still applies. */
  dispatch(): void {
    const asks = this.needed;
    this.needed = [];
    for (const ask of asks) {
      const t = this.autoTopup.get(ask.user);
      if (!t?.enabled || this.spendable(ask.user) >= t.threshold) continue;
      if (this.attempts.some((a) => a.user === ask.user && a.status === "pending")) continue;
      const month = new Date(ask.atMs).toISOString().slice(0, 7);
      const counted = this.attempts.filter((a) => a.user === ask.user && a.month === month && a.status !== "failed");
      if (counted.length >= t.cap) continue;
      this.attempts.push({ id: this.attempts.length + 1, user: ask.user, month, status: "pending" });
      this.seen.add("auto top-up attempt");
    }
  }
}
