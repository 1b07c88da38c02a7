/**
 * Background jobs: the expiry sweep and the balance sync, plus the in-process schedule that runs
 * them. Both are safe to run at any time, any number of times, from any process.
 */
import type Database from "better-sqlite3";
import { startBackgroundCheckpoints } from "../../db/checkpoint";
import { AppError } from "../utils/errors";
import { log } from "../utils/log.server";
import { checkId } from "./checks.server";
import { statementsFor } from "./statements.server";
import { GRANT_COLUMNS, type GrantRow } from "./tables/grants.server";
import { expireGrantRows, spendableOf } from "./writes.server";
import type { DbClock } from "../utils/context.server";
import { MS_PER_DAY } from "../utils/clock";
import { balanceLowered, creditsConfig, emit, externalIdOf } from "./events.server";
import { settleLapsedHolds } from "./hold-returns.server";
import { expireHolds } from "./holds.server";
import { perConnection } from "../../db/per-connection";
import { writeTransaction } from "../../db/transaction";

export interface ExpireResult {
  /** Grants recorded as expired by this run. */
  expired: number;
  /** Credits they still held (the sum of the expiration entries, as a positive number). */
  credits: number;
  batches: number;
}

/*
 * The sweep works user by user because a batch's cost is its COMMIT, which writes every page the
 * batch dirtied: grants that expire together belong to different users, so batches in plain expiry
 * order rewrite the same users' pages again and again, while a user's due grants in one batch
 * write each user's pages once.
 */
/** (now) → the owner of the earliest-expiring due grant: the first entry of credit_grants_expiry_idx. */
export const NEXT_DUE_USER_SQL = `select user_id from credit_grants
  where status = 'active' and expires_at is not null and expires_at <= ? order by expires_at, id limit 1`;
/** (userId, now, limit) → that user's due grants, found through credit_grants_burn_down_idx (user_id = ?). */
export const DUE_OF_USER_SQL = `select ${GRANT_COLUMNS} from credit_grants
  where user_id = ? and status = 'active' and expires_at is not null and expires_at <= ?
  order by expires_at, id limit ?`;

/** (now, until, limit) → grants with credits left expiring in (now, until] not announced yet (credit_grants_expiring_soon_idx). */
const EXPIRING_SOON_SQL = `select id, user_id, remaining, expires_at from credit_grants
  where status = 'active' and expires_at is not null and expiring_soon_sent_at is null and expires_at > ? and expires_at <= ?
  order by expires_at limit ?`;

function prepareSweep(sqlite: Database.Database) {
  return {
    nextDueUser: sqlite.prepare(NEXT_DUE_USER_SQL).pluck() as Database.Statement<[number], number>,
    dueOfUser: sqlite.prepare(DUE_OF_USER_SQL) as Database.Statement<[number, number, number], GrantRow>,
    expiringSoon: sqlite.prepare(EXPIRING_SOON_SQL) as Database.Statement<
      [number, number, number],
      { id: number; user_id: number; remaining: number; expires_at: number }
    >,
    markExpiringSoonSent: sqlite.prepare(`update credit_grants set expiring_soon_sent_at = ? where id = ?`),
  };
}
const sweepStatements = perConnection(prepareSweep);
const sweepStatementsFor = (ctx: DbClock) => sweepStatements(ctx.db.$client);

/**
 * Records every grant whose expiresAt has passed: one `expiration` entry for exactly what was
 * left, status → expired. Reads and deductions never needed this (they filter by the clock); it
 * makes the ledger and users.credit_balance catch up. Idempotent: an expired grant leaves
 * credit_grants_expiry_idx, so the next run does not see it and work is proportional to the
 * number of grants due. Each batch (at most `batchSize` grants: ~10 ms per 1,000) is its own
 * IMMEDIATE transaction so writers are not held up; a batch takes whole users, earliest expiry
 * first (see above), and splits a user only when one user has more than fits.
 */
export function expireGrants(ctx: DbClock, opts: { batchSize?: number } = {}): ExpireResult {
  const batchSize = opts.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new AppError("invalid_request", "batchSize must be a positive integer.", { field: "batchSize" });
  const s = statementsFor(ctx.db);
  const sweep = sweepStatementsFor(ctx);
  const config = creditsConfig(ctx);
  const result: ExpireResult = { expired: 0, credits: 0, batches: 0 };
  for (;;) {
    const full = writeTransaction(ctx.db, () => {
      // Read per batch, inside its transaction: other writers commit between batches, and the
      // entries must carry the time they were written (and see grants due by then).
      const nowMs = ctx.clock.now().getTime();
      let taken = 0;
      while (taken < batchSize) {
        const userId = sweep.nextDueUser.get(nowMs);
        if (userId === undefined) return false;
        // A lapsed hold's credits go back to their grants first (those past expiresAt expire here too).
        settleLapsedHolds(s, userId, nowMs);
        const rows = sweep.dueOfUser.all(userId, nowMs, batchSize - taken);
        if (rows.length === 0) throw new Error(`credits: user ${userId} has a due grant the sweep cannot see`);
        // Expiring a grant does not change the user's spendable balance (it was out of effect
        // already), so one lookup serves all of the user's grants in this transaction.
        const spendable = spendableOf(s, userId, nowMs);
        const { credits, user } = expireGrantRows(s, userId, rows, nowMs, spendable);
        result.expired += rows.length;
        result.credits += credits;
        // The balance fell when these grants expired, with no write then: the balance events are
        // judged here, from what was spendable with their credits to what is spendable now.
        balanceLowered(s, config, userId, user, spendable + credits, spendable, nowMs);
        taken += rows.length;
      }
      return true;
    });
    result.batches += 1;
    if (!full) return result;
  }
}

const EXPIRING_SOON_BATCH = 500;

/**
 * `credits.expiring_soon` {userId, externalId, grantId, amount, expiresAt} once per grant that has
 * credits left and expires within EXPIRING_SOON_DAYS: grants are remembered as announced
 * (expiring_soon_sent_at), so each is sent once, and the scan reads only grants not announced yet.
 * Returns how many it announced.
 */
export function announceExpiringSoon(ctx: DbClock): number {
  const s = statementsFor(ctx.db);
  const sweep = sweepStatementsFor(ctx);
  const days = creditsConfig(ctx).expiringSoonDays;
  let announced = 0;
  for (;;) {
    const n = writeTransaction(ctx.db, () => {
      const nowMs = ctx.clock.now().getTime();
      const rows = sweep.expiringSoon.all(nowMs, nowMs + days * MS_PER_DAY, EXPIRING_SOON_BATCH);
      for (const g of rows) {
        sweep.markExpiringSoonSent.run(nowMs, g.id);
        const data = {
          userId: g.user_id,
          externalId: externalIdOf(s, g.user_id),
          grantId: g.id,
          amount: g.remaining,
          expiresAt: new Date(g.expires_at).toISOString(),
        };
        emit(s, "credits.expiring_soon", g.user_id, data, nowMs);
      }
      return rows.length;
    });
    announced += n;
    if (n < EXPIRING_SOON_BATCH) return announced;
  }
}

export interface SyncResult {
  checked: number;
  drifted: { userId: number; cached: number; actual: number }[];
}

const SYNC_BATCH = 500;

/**
 * Recomputes users.credit_balance (Σ remaining over the user's active grants) for every user, or
 * one, and fixes any drift. Nothing in the engine lets it drift; this is the safety net for manual
 * edits and bugs, and the drift list says which users to look at.
 */
export function syncBalances(ctx: DbClock, opts: { userId?: number } = {}): SyncResult {
  const s = statementsFor(ctx.db);
  const result: SyncResult = { checked: 0, drifted: [] };
  const fix = (userId: number, cached: number) => {
    const actual = s.activeSum.get(userId) as number;
    result.checked += 1;
    if (actual !== cached) {
      s.setBalance.run(actual, userId);
      result.drifted.push({ userId, cached, actual });
      log.warn("credit balance drift fixed", { userId, cached, actual });
    }
  };
  if (opts.userId !== undefined) {
    const userId = checkId(opts.userId, "userId");
    writeTransaction(ctx.db, () => {
      const cached = s.userBalance.get(userId) as number | undefined;
      if (cached === undefined) throw new AppError("not_found", `No user with id ${userId}.`);
      fix(userId, cached);
    });
    return result;
  }
  let afterId = 0;
  for (;;) {
    const users = writeTransaction(ctx.db, () => {
      const page = s.usersPage.all(afterId, SYNC_BATCH) as { id: number; credit_balance: number }[];
      for (const u of page) fix(u.id, u.credit_balance);
      return page;
    });
    if (users.length < SYNC_BATCH) return result;
    afterId = users[users.length - 1].id;
  }
}

/** setInterval's limit (2^31 − 1 ms); anything longer would fire immediately. */
const MAX_INTERVAL_SECONDS = Math.floor(2_147_483_647 / 1000);

/**
 * Runs the sweep and the sync on an in-process schedule (0 seconds = off). The timers are
 * unref'd, so they never keep the process alive; a failing run is logged and retried next tick.
 * Each run is synchronous: a normal sweep handles the last interval's expiries in milliseconds; a
 * large backlog (e.g. 100,000 grants after downtime, ~1 s) blocks the event loop once.
 * With any job scheduled (the server), the connection's WAL checkpoints also move to a background
 * thread (db/checkpoint.ts; `walCheckpoints` overrides): otherwise every ~100th deduction pays for
 * one inside its COMMIT. Returns stop().
 */
export function startCreditJobs(
  ctx: DbClock,
  opts: { sweepSeconds: number; syncSeconds: number; walCheckpoints?: boolean },
): () => void {
  const timers: NodeJS.Timeout[] = [];
  const background = opts.walCheckpoints ?? (opts.sweepSeconds > 0 || opts.syncSeconds > 0);
  const stopCheckpoints = background
    ? startBackgroundCheckpoints(ctx.db.$client, {
        onError: (error) => log.error("background WAL checkpoint failed", { error }),
      })
    : () => {};
  // `job` returns a summary and whether it changed anything (worth an info line).
  const every = (seconds: number, name: string, job: () => { summary: Record<string, unknown>; changed: boolean }) => {
    if (!(seconds > 0)) return;
    const timer = setInterval(
      () => {
        try {
          const { summary, changed } = job();
          (changed ? log.info : log.debug)(`${name} finished`, summary);
        } catch (e) {
          log.error(`${name} failed`, { error: e instanceof Error ? e.message : String(e) });
        }
      },
      Math.min(seconds, MAX_INTERVAL_SECONDS) * 1000,
    );
    timer.unref();
    timers.push(timer);
  };
  every(opts.sweepSeconds, "credit expiry sweep", () => {
    const holds = expireHolds(ctx);
    const r = expireGrants(ctx);
    const expiringSoon = announceExpiringSoon(ctx);
    return { summary: { ...r, holds, expiringSoon }, changed: r.expired > 0 || holds > 0 || expiringSoon > 0 };
  });
  every(opts.syncSeconds, "credit balance sync", () => {
    const r = syncBalances(ctx);
    return { summary: { checked: r.checked, drifted: r.drifted.length }, changed: r.drifted.length > 0 };
  });
  return () => {
    for (const t of timers) clearInterval(t);
    timers.length = 0;
    stopCheckpoints();
  };
}
