/**
 * Giving held credits back (a release, the uncaptured part of a capture, a lapsed hold), taking
 * them for a refund or void of their grant (docs/decisions/017), and recording lapsed holds. Every write path of the engine calls settleLapsedHolds for its user first,
 * so a hold stops reserving at its expiresAt without any job having run (decision 010).
 */
import { emit, externalIdOf } from "./events.server";
import type { Statements } from "./statements.server";
import type { HoldRow } from "./tables/holds.server";
import { toGrantView, toHoldView } from "./views.server";
import { insertEntry, requireGrant, spendableOf } from "./writes.server";

/** [grantId, credits] pieces of a hold, in the order it took them. */
export type HoldPart = [number, number];

/** Credits that went back to a grant voided or expired meanwhile: they end with a ledger entry. */
interface ClosedReturn {
  grantId: number;
  credits: number;
  status: "expired" | "voided";
}

/**
 * Puts `parts` back on their grants (a grant the hold had emptied becomes active again, and the
 * cached balance grows by what went back). Parts whose grant was voided or expired meanwhile cannot
 * go back: they are returned for endReturns to record once the spendable balance is known.
 */
export function returnParts(s: Statements, userId: number, parts: HoldPart[], nowMs: number): ClosedReturn[] {
  const closed: ClosedReturn[] = [];
  let back = 0;
  for (const [grantId, credits] of parts) {
    if (credits <= 0) continue;
    if (s.returnToGrant.run(credits, nowMs, grantId).changes === 1) back += credits;
    else closed.push({ grantId, credits, status: s.grantStatus.get(grantId) === "voided" ? "voided" : "expired" });
  }
  if (back > 0) s.addToBalance.run(back, userId);
  return closed;
}

/**
 * One `expiration` (or `void`) entry per part whose grant expired (or was voided) while it was held:
 * those credits end where the rest of their grant ended. `spendable` is the balance after the return.
 */
export function endReturns(s: Statements, userId: number, closed: ClosedReturn[], spendable: number, nowMs: number) {
  if (closed.length === 0) return;
  const externalId = externalIdOf(s, userId);
  for (const c of closed) {
    const voided = c.status === "voided";
    insertEntry(s, {
      userId,
      type: voided ? "void" : "expiration",
      amount: -c.credits,
      balanceAfter: spendable,
      reason: voided ? "Held credits of a voided grant" : "Held credits of an expired grant",
      grantId: c.grantId,
      key: null,
      hash: null,
      metadata: null,
      actor: "system",
      nowMs,
    });
    if (voided) {
      const grant = toGrantView(requireGrant(s, c.grantId), nowMs);
      emit(s, "credits.voided", userId, { userId, externalId, grant, balance: spendable }, nowMs);
    } else {
      const data = { userId, externalId, grantId: c.grantId, amount: c.credits, balance: spendable };
      emit(s, "credits.expired", userId, data, nowMs);
    }
  }
}

/** [holdId, credits] a refund or void takes from one open hold's reservation on its grant. */
export type HeldTake = [number, number];

/**
 * Up to `want` of what open holds reserve on a grant, oldest hold first. The caller has recorded
 * the user's lapsed holds, so every open hold still reserves.
 */
export function planHeldTakes(s: Statements, userId: number, grantId: number, want: number): HeldTake[] {
  const takes: HeldTake[] = [];
  let left = want;
  for (const [holdId, reserved] of s.heldOnGrant.all(userId, grantId)) {
    if (left <= 0) break;
    const take = Math.min(left, reserved);
    if (take > 0) takes.push([holdId, take]);
    left -= take;
  }
  return takes;
}

/**
 * Records what `entryId` (a refund or void of `grantId`) took from open holds: each reserves that
 * much less, so no capture spends those credits and no release or lapse gives them back.
 */
export function clawFromHolds(s: Statements, entryId: number, grantId: number, takes: HeldTake[], nowMs: number): void {
  for (const [holdId, credits] of takes) {
    if (s.addClawed.run(credits, nowMs, holdId, credits).changes !== 1) {
      throw new Error(`credits: hold ${holdId} changed under a write transaction`);
    }
    s.insertClawback.run(entryId, holdId, grantId, credits);
  }
}

/**
 * Closes an open hold as `released` or `expired` and gives all its credits back (inside the
 * caller's transaction). Records where it sits among ledger entries and holds (the invariant
 * checker replays in that order). Returns the spendable balance after.
 */
export function closeHold(s: Statements, row: HoldRow, status: "released" | "expired", nowMs: number): number {
  const changed = s.markClosed.run(status, s.lastEntryId.get(), s.lastHoldId.get(), nowMs, row.id).changes;
  if (changed !== 1) throw new Error(`credits: hold ${row.id} changed under a write transaction`);
  const closed = returnParts(s, row.user_id, s.holdAllocationsOf.all(row.id), nowMs);
  const balance = spendableOf(s, row.user_id, nowMs);
  endReturns(s, row.user_id, closed, balance, nowMs);
  return balance;
}

/**
 * Records the user's holds whose expiresAt has passed (status → expired, credits back, one
 * hold.expired event each). Cheap when there are none: one probe of credit_holds_open_idx, which is
 * all a deduction pays for holds. Returns how many it recorded.
 */
export function settleLapsedHolds(s: Statements, userId: number, nowMs: number): number {
  if (s.lapsedHoldOf.get(userId, nowMs) === undefined) return 0;
  const rows = s.lapsedHoldsOf.all(userId, nowMs);
  const externalId = externalIdOf(s, userId);
  for (const row of rows) {
    closeHold(s, row, "expired", nowMs);
    emit(
      s,
      "hold.expired",
      userId,
      { userId, externalId, hold: toHoldView({ ...row, status: "expired" }, nowMs) },
      nowMs,
    );
  }
  return rows.length;
}
