/*
 * THE CREDIT LEDGER'S INVARIANTS — kept by every write in this folder (each one a single
 * IMMEDIATE transaction) and checked by checkInvariants() after every step of the tests.
 *
 * Words:
 * - A grant is IN EFFECT at time t when effectiveAt <= t < expiresAt (never-expiring: no end).
 *   Time alone decides, not whether the expiry sweep has run.
 * - SPENDABLE balance(t) = Σ remaining over the user's active grants in effect at t. This is the
 *   `balance` every result reports (getBalance, deductCredits, grantCredits, …) and what a
 *   deduction may take.
 * - CACHED balance = users.credit_balance = Σ remaining over the user's grants with status
 *   'active' — including future-dated grants and expired grants the sweep has not recorded yet.
 *   It equals the ledger sum minus what open holds reserve at all times (I6, I9), which is what
 *   makes it cheap to audit.
 * - Every ledger entry's balanceAfter = the user's SPENDABLE balance right after the entry was
 *   written (so it equals the `balance` the call that wrote it returned, and a replay returns it).
 *   A future-dated grant's entry therefore adds to the ledger sum but not to its balanceAfter;
 *   the grant starts counting at effectiveAt with no further entry.
 *
 * Invariants:
 *  I1  cached balance >= 0 and every grant has 0 <= remaining <= amount (also DB CHECKs).
 *  I2  cached balance = Σ remaining over the user's active grants.
 *  I3  status 'active' ⇔ remaining > 0; an emptied grant is depleted (spent, refunded or all
 *      held), voided or expired, and never changes again — except that a depleted grant is
 *      active again when held credits come back to it (I11).
 *  I4  each grant is credited by exactly one entry (`grant`, or a positive `adjustment`) of
 *      +amount, and remaining = amount − Σ allocations − voided − expired − refunded.
 *  I5  each deduction / negative adjustment has allocations summing to −amount, each > 0, taken
 *      only from grants in effect at the entry's time; no other entry has allocations.
 *  I6  ledger sum per user = cached balance (+ open holds: I9). Once expiries are swept (no
 *      active grant past its expiresAt) and no grant is future-dated, the ledger sum = the
 *      spendable balance (+ held).
 *  I7  burn-down order held: each deduction took from grants exactly as the greedy walk over the
 *      grants in effect, in burn-down order (see BURN_DOWN_SQL), would — no allocation took from a
 *      grant while an earlier-ordered eligible grant still had credits.
 *  I8  balanceAfter of every entry = the spendable balance replayed to just after that entry; an
 *      expiration only happens at or after expiresAt and records exactly what was left; a void
 *      removes exactly what was left; a refund at most that.
 *
 * Holds (./holds.server.ts, decision 010) move credits off grants and back without ledger entries;
 * each hold records where it sits among the entries (opened/closed after entry N, closed after
 * hold M), so the replay applies them in order:
 *  I9  (I6 with holds) ledger sum per user = cached balance + Σ (amount − clawed_amount) of the
 *      user's stored open holds; once expiries (of grants and holds) are swept, ledger sum =
 *      spendable + held.
 *  I10 a hold took exactly its amount, from grants in effect when it was made, in burn-down order
 *      (as a deduction would have); while open its credits are on no grant (never spent by others).
 *  I11 a capture is ONE deduction entry (hold_id) before the hold's expiresAt, for captured_amount
 *      (1 … amount), allocated to the hold's grants in the order the hold took them; the rest, and
 *      all of a released or expired hold, went back to its grants — or, for a grant voided or
 *      expired meanwhile, ended with one `void`/`expiration` entry for exactly that part. A hold is
 *      released only before its expiresAt, expired only at or after it, and closed at most once.
 *  I12 a refund or void takes its grant's credits wherever they are (docs/decisions/017): what is
 *      left on the grant first, then what open holds reserve on it (hold_clawbacks name each hold
 *      part, each at most what that hold still reserved on that grant); a void leaves nothing of
 *      its grant on any open hold. From then on the hold reserves that much less: a capture takes
 *      at most what it reserves and a release or lapse gives back only that; its clawed_amount =
 *      Σ its clawbacks.
 *
 * checkInvariants replays the whole ledger (O(entries × grants per user)): for tests and audits,
 * not for the request path.
 */
import type Database from "better-sqlite3";
import type { Db } from "../../db/client";
import type { Clock } from "../utils/clock";
import type { GrantRow } from "./tables/grants.server";
import { isInEffect } from "./views.server";

interface Entry {
  id: number;
  user_id: number;
  type: string;
  amount: number;
  balance_after: number;
  grant_id: number | null;
  hold_id: number | null;
  created_at: number;
}

interface Hold {
  id: number;
  user_id: number;
  amount: number;
  captured_amount: number;
  clawed_amount: number;
  status: string;
  expires_at: number;
  deduction_id: number | null;
  opened_after_entry_id: number;
  closed_after_entry_id: number | null;
  closed_after_hold_id: number | null;
  created_at: number;
  updated_at: number;
}

/** A hold opening or closing, placed among ledger entries: after entry `after`, then by `order`. */
interface HoldEvent {
  hold: Hold;
  kind: "open" | "close";
  after: number;
  order: number;
}

function burnDownCompare(a: GrantRow, b: GrantRow): number {
  return (
    a.priority - b.priority ||
    (a.expires_at === null ? 1 : 0) - (b.expires_at === null ? 1 : 0) ||
    (a.expires_at ?? 0) - (b.expires_at ?? 0) ||
    a.effective_at - b.effective_at ||
    a.id - b.id
  );
}

/**
 * Every violated invariant, as readable lines; empty when the ledger is sound. The database may be
 * drizzle's or a raw connection (e.g. a restored copy).
 */
export function findInvariantViolations(ctx: { db: Db | Database.Database; clock: Clock }): string[] {
  const { db, clock } = ctx;
  const sqlite: Database.Database = "$client" in db ? db.$client : db;
  const nowMs = clock.now().getTime();
  const problems: string[] = [];
  const users = sqlite.prepare(`select id, credit_balance from users order by id`).all() as {
    id: number;
    credit_balance: number;
  }[];
  const grants = sqlite.prepare(`select * from credit_grants order by id`).all() as GrantRow[];
  const entries = sqlite
    .prepare(
      `select id, user_id, type, amount, balance_after, grant_id, hold_id, created_at from credit_ledger order by id`,
    )
    .all() as Entry[];
  const holds = sqlite.prepare(`select * from credit_holds order by id`).all() as Hold[];
  const holdParts = new Map<number, { grant_id: number; amount: number }[]>();
  for (const a of sqlite.prepare(`select hold_id, grant_id, amount from hold_allocations order by id`).all() as {
    hold_id: number;
    grant_id: number;
    amount: number;
  }[]) {
    if (!holdParts.has(a.hold_id)) holdParts.set(a.hold_id, []);
    holdParts.get(a.hold_id)!.push({ grant_id: a.grant_id, amount: a.amount });
  }
  const holdsById = new Map(holds.map((h) => [h.id, h]));
  const clawbacksByEntry = new Map<number, { hold_id: number; grant_id: number; amount: number }[]>();
  const clawedByHold = new Map<number, number>();
  for (const c of sqlite
    .prepare(`select entry_id, hold_id, grant_id, amount from hold_clawbacks order by id`)
    .all() as {
    entry_id: number;
    hold_id: number;
    grant_id: number;
    amount: number;
  }[]) {
    if (!clawbacksByEntry.has(c.entry_id)) clawbacksByEntry.set(c.entry_id, []);
    clawbacksByEntry.get(c.entry_id)!.push(c);
    clawedByHold.set(c.hold_id, (clawedByHold.get(c.hold_id) ?? 0) + c.amount);
  }
  const allocationRows = sqlite
    .prepare(`select entry_id, grant_id, amount from ledger_allocations order by id`)
    .all() as {
    entry_id: number;
    grant_id: number;
    amount: number;
  }[];

  const grantsById = new Map(grants.map((g) => [g.id, g]));
  const allocationsByEntry = new Map<number, { grant_id: number; amount: number }[]>();
  for (const a of allocationRows) {
    if (!allocationsByEntry.has(a.entry_id)) allocationsByEntry.set(a.entry_id, []);
    allocationsByEntry.get(a.entry_id)!.push(a);
  }

  // Replayed state per grant: what is left and how it was closed.
  const left = new Map<number, number>();
  const closedBy = new Map<number, string>();
  const credited = new Set<number>();
  const entriesByUser = new Map<number, Entry[]>();
  for (const e of entries) {
    if (!entriesByUser.has(e.user_id)) entriesByUser.set(e.user_id, []);
    entriesByUser.get(e.user_id)!.push(e);
  }
  const spendableAt = (userId: number, atMs: number) => {
    let sum = 0;
    for (const [id, remaining] of left) {
      const g = grantsById.get(id)!;
      if (g.user_id === userId && remaining > 0 && !closedBy.has(id) && isInEffect(g, atMs)) sum += remaining;
    }
    return sum;
  };

  for (const user of users) {
    const where = `user ${user.id}`;
    const own = grants.filter((g) => g.user_id === user.id);
    const activeSum = own.filter((g) => g.status === "active").reduce((sum, g) => sum + g.remaining, 0);
    if (user.credit_balance < 0) problems.push(`I1 ${where}: cached balance ${user.credit_balance} < 0`);
    if (user.credit_balance !== activeSum)
      problems.push(`I2 ${where}: cached balance ${user.credit_balance} ≠ Σ active remaining ${activeSum}`);

    // ---- holds of this user, in ledger order (I9–I11) ----
    const ownHolds = holds.filter((h) => h.user_id === user.id);
    const events: HoldEvent[] = [];
    for (const h of ownHolds) {
      events.push({ hold: h, kind: "open", after: h.opened_after_entry_id, order: h.id });
      if (h.status === "released" || h.status === "expired") {
        if (h.closed_after_entry_id === null || h.closed_after_hold_id === null) {
          problems.push(`I11 hold ${h.id}: ${h.status} without its place among entries`);
        } else {
          events.push({ hold: h, kind: "close", after: h.closed_after_entry_id, order: h.closed_after_hold_id + 0.5 });
        }
      }
    }
    events.sort((a, b) => a.after - b.after || a.order - b.order);
    let nextEvent = 0;
    const openHolds = new Set<number>();
    const closedHolds = new Set<number>();
    /** What each open hold still reserves, per part, as the replay goes (refunds and voids take from it: I12). */
    const reserve = new Map<number, { grant_id: number; amount: number }[]>();
    /** Credits of closed holds owed to a grant voided/expired meanwhile: each ends with one entry. */
    const owed = new Map<number, number>();
    const giveBack = (h: Hold, parts: { grant_id: number; amount: number }[]) => {
      for (const p of parts) {
        if (p.amount <= 0) continue;
        if (closedBy.has(p.grant_id)) owed.set(p.grant_id, (owed.get(p.grant_id) ?? 0) + p.amount);
        else left.set(p.grant_id, (left.get(p.grant_id) ?? 0) + p.amount);
      }
      openHolds.delete(h.id);
      closedHolds.add(h.id);
    };
    const applyHoldEvents = (beforeEntry: number) => {
      while (nextEvent < events.length && events[nextEvent].after < beforeEntry) {
        const { hold: h, kind } = events[nextEvent++];
        const parts = holdParts.get(h.id) ?? [];
        const at = `${where} hold ${h.id}`;
        if (kind === "close") {
          if (!openHolds.has(h.id)) problems.push(`I11 ${at}: closed while not open`);
          if (h.status === "released" && h.updated_at >= h.expires_at)
            problems.push(`I11 ${at}: released at or after its expiresAt`);
          if (h.status === "expired" && h.updated_at < h.expires_at)
            problems.push(`I11 ${at}: expired before its expiresAt`);
          giveBack(h, reserve.get(h.id) ?? []);
          continue;
        }
        const total = parts.reduce((sum, p) => sum + p.amount, 0);
        if (total !== h.amount) problems.push(`I10 ${at}: allocations sum to ${total}, not ${h.amount}`);
        const eligible = [...left]
          .filter(([id, remaining]) => remaining > 0 && !closedBy.has(id) && grantsById.get(id)!.user_id === user.id)
          .map(([id]) => grantsById.get(id)!)
          .filter((grant) => isInEffect(grant, h.created_at))
          .sort(burnDownCompare);
        const expected: { grant_id: number; amount: number }[] = [];
        let need = h.amount;
        for (const grant of eligible) {
          if (need === 0) break;
          const take = Math.min(need, left.get(grant.id)!);
          expected.push({ grant_id: grant.id, amount: take });
          need -= take;
        }
        if (JSON.stringify(parts) !== JSON.stringify(expected))
          problems.push(`I10 ${at}: took ${JSON.stringify(parts)}, burn-down order gives ${JSON.stringify(expected)}`);
        for (const p of parts) {
          const remaining = left.get(p.grant_id);
          if (remaining === undefined || closedBy.has(p.grant_id) || p.amount <= 0 || p.amount > remaining) {
            problems.push(`I10 ${at}: took ${p.amount} from grant ${p.grant_id} holding ${remaining}`);
            continue;
          }
          left.set(p.grant_id, remaining - p.amount);
        }
        openHolds.add(h.id);
        reserve.set(
          h.id,
          parts.map((p) => ({ ...p })),
        );
      }
    };

    let ledgerSum = 0;
    for (const e of entriesByUser.get(user.id) ?? []) {
      applyHoldEvents(e.id);
      const at = `${where} entry ${e.id} (${e.type} ${e.amount})`;
      ledgerSum += e.amount;
      const capturedHold = e.hold_id === null ? undefined : holdsById.get(e.hold_id);
      const allocations = allocationsByEntry.get(e.id) ?? [];
      const g = e.grant_id === null ? undefined : grantsById.get(e.grant_id);
      if (g && g.user_id !== user.id) problems.push(`${at}: grant ${g.id} belongs to user ${g.user_id}`);
      const spends = e.type === "deduction" || (e.type === "adjustment" && e.amount < 0);
      const credits = e.type === "grant" || (e.type === "adjustment" && e.amount > 0);

      if (e.hold_id !== null) {
        // I11: a capture takes the hold's own credits (already off their grants), not the burn-down walk.
        const h = capturedHold;
        const parts = h ? (reserve.get(h.id) ?? []) : [];
        if (!h || h.user_id !== user.id || e.type !== "deduction") {
          problems.push(`I11 ${at}: names hold ${e.hold_id}, which is not this user's or not a deduction`);
        } else if (!openHolds.has(h.id)) {
          problems.push(`I11 ${at}: captures hold ${h.id}, which is not open`);
        } else {
          const c = -e.amount;
          if (h.status !== "captured" || h.deduction_id !== e.id || h.captured_amount !== c)
            problems.push(`I11 ${at}: hold ${h.id} says ${h.status} ${h.captured_amount} by entry ${h.deduction_id}`);
          const reserved = parts.reduce((sum, p) => sum + p.amount, 0);
          if (c < 1 || c > reserved) problems.push(`I11 ${at}: captures ${c} of a hold reserving ${reserved}`);
          if (e.created_at >= h.expires_at) problems.push(`I11 ${at}: captured at or after the hold's expiresAt`);
          const expected: { grant_id: number; amount: number }[] = [];
          const rest: { grant_id: number; amount: number }[] = [];
          let need = c;
          for (const p of parts) {
            const take = Math.min(need, p.amount);
            if (take > 0) expected.push({ grant_id: p.grant_id, amount: take });
            rest.push({ grant_id: p.grant_id, amount: p.amount - take });
            need -= take;
          }
          const actual = allocations.map((a) => ({ grant_id: a.grant_id, amount: a.amount }));
          if (JSON.stringify(actual) !== JSON.stringify(expected))
            problems.push(
              `I11 ${at}: allocations ${JSON.stringify(actual)}, the hold's order gives ${JSON.stringify(expected)}`,
            );
          giveBack(h, rest);
        }
      } else if (spends) {
        if (e.amount >= 0) problems.push(`I5 ${at}: a deduction must be negative`);
        const total = allocations.reduce((sum, a) => sum + a.amount, 0);
        if (total !== -e.amount) problems.push(`I5 ${at}: allocations sum to ${total}, not ${-e.amount}`);
        // I7: the greedy walk in burn-down order over what was in effect then.
        const eligible = [...left]
          .filter(([id, remaining]) => remaining > 0 && !closedBy.has(id) && grantsById.get(id)!.user_id === user.id)
          .map(([id]) => grantsById.get(id)!)
          .filter((grant) => isInEffect(grant, e.created_at))
          .sort(burnDownCompare);
        const expected: { grant_id: number; amount: number }[] = [];
        let need = -e.amount;
        for (const grant of eligible) {
          if (need === 0) break;
          const take = Math.min(need, left.get(grant.id)!);
          expected.push({ grant_id: grant.id, amount: take });
          need -= take;
        }
        const actual = allocations.map((a) => ({ grant_id: a.grant_id, amount: a.amount }));
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          problems.push(
            `I7 ${at}: allocations ${JSON.stringify(actual)}, burn-down order gives ${JSON.stringify(expected)}`,
          );
        }
        for (const a of allocations) {
          const remaining = left.get(a.grant_id);
          if (remaining === undefined || closedBy.has(a.grant_id)) {
            problems.push(`I5 ${at}: took from grant ${a.grant_id}, which was not open`);
            continue;
          }
          if (a.amount <= 0 || a.amount > remaining)
            problems.push(`I5 ${at}: took ${a.amount} from grant ${a.grant_id} holding ${remaining}`);
          left.set(a.grant_id, remaining - a.amount);
        }
      } else if (allocations.length > 0) {
        problems.push(`I5 ${at}: only deductions have allocations`);
      }

      if (credits) {
        if (!g) problems.push(`I4 ${at}: no grant linked`);
        else if (credited.has(g.id)) problems.push(`I4 ${at}: grant ${g.id} credited twice`);
        else if (e.amount !== g.amount)
          problems.push(`I4 ${at}: credits ${e.amount}, grant ${g.id} is for ${g.amount}`);
        else {
          credited.add(g.id);
          left.set(g.id, g.amount);
        }
      }

      const owedHere = g ? (owed.get(g.id) ?? 0) : 0;
      const clawbacks = clawbacksByEntry.get(e.id) ?? [];
      if (clawbacks.length > 0 && ((e.type !== "refund" && e.type !== "void") || !g)) {
        problems.push(`I12 ${at}: only a refund or void of a grant takes held credits`);
      } else if (clawbacks.length > 0 && g) {
        // I12: the grant's free credits first, then what open holds reserved on it.
        let heldTaken = 0;
        for (const c of clawbacks) {
          const part = openHolds.has(c.hold_id)
            ? reserve.get(c.hold_id)?.find((p) => p.grant_id === c.grant_id)
            : undefined;
          if (c.grant_id !== g.id || !part || c.amount <= 0 || c.amount > part.amount) {
            problems.push(
              `I12 ${at}: takes ${c.amount} of grant ${c.grant_id} from hold ${c.hold_id} reserving ${part?.amount ?? 0}`,
            );
            continue;
          }
          part.amount -= c.amount;
          heldTaken += c.amount;
        }
        const free = -e.amount - heldTaken;
        const remaining = left.get(g.id) ?? 0;
        const closed = closedBy.get(g.id);
        if (free < 0 || free > remaining || (closed !== undefined && free > 0))
          problems.push(`I12 ${at}: takes ${free} free credits of grant ${g.id} with ${remaining} left`);
        else if (free !== remaining) problems.push(`I12 ${at}: took held credits before all ${remaining} free ones`);
        left.set(g.id, remaining - Math.max(0, free));
        if (e.type === "void") {
          for (const id of openHolds) {
            const still = reserve.get(id)?.find((p) => p.grant_id === g.id)?.amount ?? 0;
            if (still > 0) problems.push(`I12 ${at}: leaves ${still} of the voided grant on hold ${id}`);
          }
          if (closed === undefined) closedBy.set(g.id, "voided");
        }
      } else if ((e.type === "void" || e.type === "expiration") && g && closedBy.has(g.id) && owedHere > 0) {
        // I11: held credits that came back to a grant voided or expired meanwhile end here.
        const expectedType = closedBy.get(g.id) === "voided" ? "void" : "expiration";
        if (e.type !== expectedType || e.amount >= 0 || -e.amount > owedHere)
          problems.push(
            `I11 ${at}: ends ${-e.amount} held credits of ${closedBy.get(g.id)} grant ${g.id} (${owedHere} owed)`,
          );
        owed.set(g.id, owedHere + e.amount);
      } else if (e.type === "void" || e.type === "expiration" || e.type === "refund") {
        const remaining = g ? left.get(g.id) : undefined;
        if (!g || remaining === undefined || closedBy.has(g.id)) {
          problems.push(`I8 ${at}: grant ${e.grant_id} was not open`);
        } else if (e.type === "refund") {
          if (e.amount >= 0 || -e.amount > remaining)
            problems.push(`I8 ${at}: refunds ${-e.amount} of ${remaining} left`);
          left.set(g.id, remaining + e.amount);
        } else {
          if (-e.amount !== remaining || remaining === 0)
            problems.push(`I8 ${at}: removes ${-e.amount}, but ${remaining} was left`);
          if (e.type === "expiration" && (g.expires_at === null || g.expires_at > e.created_at)) {
            problems.push(`I8 ${at}: expired before its expiresAt`);
          }
          left.set(g.id, 0);
          closedBy.set(g.id, e.type === "void" ? "voided" : "expired");
        }
      }

      const spendable = spendableAt(user.id, e.created_at);
      if (e.balance_after !== spendable)
        problems.push(`I8 ${at}: balanceAfter ${e.balance_after}, replayed spendable ${spendable}`);
    }

    applyHoldEvents(Infinity);
    for (const [grantId, credits] of owed) {
      if (credits !== 0) problems.push(`I11 ${where}: ${credits} held credits of grant ${grantId} never ended`);
    }
    const storedOpen = ownHolds.filter((h) => h.status === "held");
    for (const h of ownHolds) {
      const open = openHolds.has(h.id);
      if ((h.status === "held") !== open)
        problems.push(`I11 ${where} hold ${h.id}: ${h.status}, replay says open=${open}`);
      if (h.status === "captured" && !closedHolds.has(h.id))
        problems.push(`I11 ${where} hold ${h.id}: captured, but no entry captured it`);
    }
    for (const h of ownHolds) {
      if (h.clawed_amount !== (clawedByHold.get(h.id) ?? 0))
        problems.push(
          `I12 ${where} hold ${h.id}: clawed_amount ${h.clawed_amount}, its clawbacks sum to ${clawedByHold.get(h.id) ?? 0}`,
        );
    }
    const heldStored = storedOpen.reduce((sum, h) => sum + h.amount - h.clawed_amount, 0);
    if (ledgerSum !== user.credit_balance + heldStored)
      problems.push(
        `I6 ${where}: ledger sum ${ledgerSum} ≠ cached balance ${user.credit_balance} + open holds ${heldStored}`,
      );
    const unsettled =
      own.some(
        (g) => g.status === "active" && (g.effective_at > nowMs || (g.expires_at !== null && g.expires_at <= nowMs)),
      ) || storedOpen.some((h) => h.expires_at <= nowMs);
    const spendableNow = own
      .filter((g) => g.status === "active" && isInEffect(g, nowMs))
      .reduce((sum, g) => sum + g.remaining, 0);
    if (!unsettled && ledgerSum !== spendableNow + heldStored)
      problems.push(`I6 ${where}: swept, yet ledger sum ${ledgerSum} ≠ spendable ${spendableNow} + held ${heldStored}`);
  }

  for (const g of grants) {
    const at = `grant ${g.id}`;
    if (g.remaining < 0 || g.remaining > g.amount)
      problems.push(`I1 ${at}: remaining ${g.remaining} outside 0..${g.amount}`);
    if ((g.status === "active") !== g.remaining > 0)
      problems.push(`I3 ${at}: status ${g.status} with remaining ${g.remaining}`);
    if (!credited.has(g.id)) {
      problems.push(`I4 ${at}: no ledger entry credits it`);
      continue;
    }
    if (left.get(g.id) !== g.remaining)
      problems.push(`I4 ${at}: remaining ${g.remaining}, ledger replay gives ${left.get(g.id)}`);
    const closed = closedBy.get(g.id);
    const expectedStatus = closed ?? (g.remaining > 0 ? "active" : "depleted");
    if (g.status !== expectedStatus) problems.push(`I3 ${at}: status ${g.status}, ledger says ${expectedStatus}`);
  }
  return problems;
}

/** Throws one error listing every violated invariant (see the list at the top of this file). */
export function checkInvariants(ctx: { db: Db | Database.Database; clock: Clock }): void {
  const problems = findInvariantViolations(ctx);
  if (problems.length > 0) {
    throw new Error(`credit ledger invariants violated:\n  ${problems.slice(0, 50).join("\n  ")}`);
  }
}
