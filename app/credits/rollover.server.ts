/**
 * Rollover of unused subscription credits at renewal. Billing calls rollOverCredits() inside the
 * transaction that applies a renewal (`subscription_cycle` invoice), before granting the new
 * period's credits. Knows nothing of Stripe or plans: the caller passes the plan's terms.
 *
 * What happens, all in the caller's transaction:
 * 1. SOURCES: the group's grants (groupRef; billing passes "subscription:<id>") of type
 *    `subscription` that end with the period that ends (expiresAt = periodEnd), that are not
 *    themselves rollover grants (credit_rollovers.grant_id).
 * 2. Their unused credits end now with an `expiration` entry each. A source still in effect (the
 *    renewal came before the clock reached the period end — Stripe's test clock, the offline
 *    Stripe's "Renew now") first has its expiresAt brought forward to now: Stripe says the period
 *    ended, so its credits end with it. One the sweep already expired counts what its `expiration`
 *    entry recorded.
 * 3. ROLLED = min(floor(unused × percent ÷ 100), maxCredits) becomes ONE new `subscription` grant
 *    (source subscription, priority ROLLOVER_PRIORITY, effective now, expiring at newPeriodEnd,
 *    reason "Rolled over from …"), recorded in credit_rollovers with the numbers.
 *
 * Invariants kept here (checked by the property test in rollover.test.ts, with checkInvariants):
 * - R1 rolled ≤ floor(unused × percent ÷ 100) and rolled ≤ maxCredits (when set);
 * - R2 a rollover grant is never a source: rolled-over credits roll over at most once;
 * - R3 one rollover per renewal (renewal_key unique) and per ended period (group, periodEnd);
 *   a replay changes nothing and returns the first result;
 * - the ledger explains every credit: each source's `expiration` entry, then the rollover `grant`.
 */
import type { Db } from "../../db/client";
import { AppError } from "../utils/errors";
import type { DbClock } from "../utils/context.server";
import { grantCredits } from "./grants.server";
import { settleLapsedHolds } from "./hold-returns.server";
import { checkId, checkRef, invalid } from "./checks.server";
import { keyedRequest } from "./keyed.server";
import { statementsFor } from "./statements.server";
import { GRANT_COLUMNS, type GrantRow } from "./tables/grants.server";
import { isInEffect } from "./views.server";
import { expireGrantRow, spendableOf } from "./writes.server";
import { writeTransaction } from "../../db/transaction";

/**
 * Rolled-over credits are spent before the new period's plan credits (priority 10): both expire
 * together, and what is left of the plan's credits is what can roll over next time.
 */
export const ROLLOVER_PRIORITY = 9;

export interface RolloverInput {
  userId: number;
  /** The caller's opaque name for the grants that roll over together (billing: "subscription:<id>"). */
  groupRef: string;
  /** The caller's key for this renewal (billing: "invoice:<Stripe invoice id>"). */
  renewalKey: string;
  /** End of the period that ends (= start of the new one): where its subscription grants expire. */
  periodEnd: Date;
  /** End of the new period: when the rolled-over credits expire. */
  newPeriodEnd: Date;
  /** 0–100 */
  percent: number;
  /** null = no cap beyond the percentage */
  maxCredits: number | null;
  /** Completes the reason "Rolled over from …", e.g. "Starter (period ending Feb 1, 2026)". */
  fromLabel: string;
  actor?: string | null;
}

export interface RolloverResult {
  unused: number;
  rolled: number;
  grantId: number | null;
  /** true when this renewal was already rolled over (nothing written now). */
  replayed: boolean;
}

interface RolloverRow {
  unused_credits: number;
  rolled_credits: number;
  grant_id: number | null;
}

export function rolledAmount(unused: number, percent: number, maxCredits: number | null): number {
  const share = Math.floor((unused * percent) / 100);
  return maxCredits === null ? share : Math.min(share, maxCredits);
}

export function rollOverCredits(ctx: DbClock, input: RolloverInput): RolloverResult {
  const userId = checkId(input.userId, "userId");
  const groupRef = checkRef(input.groupRef, "groupRef");
  if (groupRef === null) throw invalid("groupRef", "`groupRef` is required.");
  if (!Number.isInteger(input.percent) || input.percent < 0 || input.percent > 100) {
    throw invalid("percent", "`percent` must be an integer from 0 to 100.");
  }
  if (input.maxCredits !== null && (!Number.isSafeInteger(input.maxCredits) || input.maxCredits < 1)) {
    throw invalid("maxCredits", "`maxCredits` must be a positive integer or null.");
  }
  if (typeof input.renewalKey !== "string" || input.renewalKey === "" || input.renewalKey.length > 255) {
    throw invalid("renewalKey", "`renewalKey` must be a string of 1 to 255 characters.");
  }
  // The renewal key is the rollover's idempotency key: credit_rollovers answers a second call with the first.
  const { actor } = keyedRequest({ idempotencyKey: input.renewalKey, actor: input.actor }, { op: "rollover" });
  const periodEndMs = input.periodEnd.getTime();
  const newPeriodEndMs = input.newPeriodEnd.getTime();
  if (!(newPeriodEndMs > periodEndMs)) throw invalid("newPeriodEnd", "`newPeriodEnd` must be after `periodEnd`.");
  const sqlite = ctx.db.$client;

  return writeTransaction(ctx.db, (): RolloverResult => {
    const done = sqlite
      .prepare(
        `select unused_credits, rolled_credits, grant_id from credit_rollovers
         where renewal_key = ? or (group_ref = ? and period_end = ?)`,
      )
      .get(input.renewalKey, groupRef, periodEndMs) as RolloverRow | undefined;
    if (done)
      return { unused: done.unused_credits, rolled: done.rolled_credits, grantId: done.grant_id, replayed: true };
    if (input.percent === 0) return { unused: 0, rolled: 0, grantId: null, replayed: false };

    const nowMs = ctx.clock.now().getTime();
    // A hold that lapsed before now gave its credits back then: they count as unused.
    settleLapsedHolds(statementsFor(ctx.db), userId, nowMs);
    const sources = sqlite
      .prepare(
        `select ${GRANT_COLUMNS} from credit_grants
         where group_ref = ? and expires_at = ? and user_id = ? and type = 'subscription'
           and not exists (select 1 from credit_rollovers r where r.grant_id = credit_grants.id)
         order by id`,
      )
      .all(groupRef, periodEndMs, userId) as GrantRow[];
    let unused = 0;
    const sourceIds: number[] = [];
    for (const row of sources) {
      const ended = endGrant(ctx.db, row, nowMs);
      if (ended === null) continue;
      unused += ended;
      sourceIds.push(row.id);
    }
    const rolled = Math.min(rolledAmount(unused, input.percent, input.maxCredits), Number.MAX_SAFE_INTEGER);
    let grantId: number | null = null;
    if (rolled > 0) {
      if (newPeriodEndMs <= nowMs) throw new AppError("invalid_request", "The new period has already ended.");
      grantId = grantCredits(ctx, {
        userId,
        type: "subscription",
        source: "subscription",
        amount: rolled,
        priority: ROLLOVER_PRIORITY,
        effectiveAt: new Date(nowMs),
        expiresAt: new Date(newPeriodEndMs),
        groupRef,
        reason: `Rolled over from ${input.fromLabel}`,
        actor: actor ?? "system",
        idempotencyKey: `rollover:${input.renewalKey}`,
        metadata: {
          rollover: { fromGrantIds: sourceIds, unused, percent: input.percent, maxCredits: input.maxCredits },
        },
      }).grant.id;
    }
    sqlite
      .prepare(
        `insert into credit_rollovers (user_id, group_ref, renewal_key, period_end, unused_credits, percent,
           max_credits, rolled_credits, grant_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        userId,
        groupRef,
        input.renewalKey,
        periodEndMs,
        unused,
        input.percent,
        input.maxCredits,
        rolled,
        grantId,
        nowMs,
      );
    return { unused, rolled, grantId, replayed: false };
  });
}

/**
 * Ends one source grant now and returns its unused credits, or null when it cannot take part: it
 * is still in effect and bringing its end forward would contradict the ledger (another grant of its
 * priority expires between now and its end, reordering past deductions' burn-down; or an entry was
 * written at this same millisecond). It then simply runs to its own end and rolls nothing.
 */
function endGrant(db: Db, row: GrantRow, nowMs: number): number | null {
  const sqlite = db.$client;
  const s = statementsFor(db);
  if (row.status === "expired") {
    const recorded = sqlite
      .prepare(`select coalesce(-sum(amount), 0) from credit_ledger where grant_id = ? and type = 'expiration'`)
      .pluck()
      .get(row.id) as number;
    return recorded;
  }
  if (row.status !== "active") return 0; // spent, voided or refunded: nothing unused
  if (row.expires_at !== null && row.expires_at > nowMs) {
    // A grant of the same priority that expires between now and this one's end sorted before it
    // and would sort after it: harmless only if it never had credits while this one did. Checked
    // over the user's active grants (burn-down index) and the group's other grants.
    const between =
      sqlite
        .prepare(
          `select 1 from credit_grants where user_id = ? and status = 'active' and priority = ? and id != ?
             and expires_at > ? and expires_at < ? limit 1`,
        )
        .get(row.user_id, row.priority, row.id, nowMs, row.expires_at) ??
      sqlite
        .prepare(
          `select 1 from credit_grants where group_ref = ? and expires_at > ? and expires_at < ?
             and priority = ? and id != ? and not (status != 'active' and updated_at < ?) limit 1`,
        )
        .get(row.group_ref, nowMs, row.expires_at, row.priority, row.id, row.effective_at);
    // An entry written at this very millisecond counted the grant as spendable; ending it at `now`
    // would contradict that entry's balanceAfter. Then too, the grant runs to its own end.
    const lastEntryAtMs = sqlite
      .prepare(`select created_at from credit_ledger where user_id = ? order by id desc limit 1`)
      .pluck()
      .get(row.user_id) as number | undefined;
    if (between || row.effective_at >= nowMs || (lastEntryAtMs ?? 0) >= nowMs) return null;
    sqlite.prepare(`update credit_grants set expires_at = ?, updated_at = ? where id = ?`).run(nowMs, nowMs, row.id);
    row = { ...row, expires_at: nowMs };
  }
  // Not in effect any more (expires_at <= now): the expiry leaves the spendable balance as it is.
  const spendable = spendableOf(s, row.user_id, nowMs);
  if (isInEffect(row, nowMs)) throw new Error(`credits: rollover source ${row.id} still in effect`);
  const unused = row.remaining;
  expireGrantRow(s, row, nowMs, spendable);
  return unused;
}
