/**
 * Background jobs: the expiry sweep and the balance sync, plus the in-process schedule that runs
 * them. Both are safe to run at any time, any number of times, from any process.
 */
import { AppError } from "../utils/errors";
import { log } from "../utils/log.server";
import type { CreditsCtx } from "./index.server";
import { checkId, expireGrantRow, immediate, spendableOf, statementsFor, type GrantRow } from "./store.server";

export interface ExpireResult {
  /** Grants recorded as expired by this run. */
  expired: number;
  /** Credits they still held (the sum of the expiration entries, as a positive number). */
  credits: number;
  batches: number;
}

/**
 * Records every grant whose expiresAt has passed: one `expiration` entry for exactly what was
 * left, status → expired. Reads and deductions never needed this (they filter by the clock); it
 * makes the ledger and users.credit_balance catch up. Idempotent: an expired grant leaves
 * credit_grants_expiry_idx, so the next run does not see it and work is proportional to the
 * number of grants due. Each batch is its own IMMEDIATE transaction so writers are not held up.
 */
export function expireGrants(ctx: CreditsCtx, opts: { batchSize?: number } = {}): ExpireResult {
  const batchSize = opts.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new AppError("invalid_request", "batchSize must be a positive integer.", { field: "batchSize" });
  const s = statementsFor(ctx.db);
  const now = ctx.clock.now().getTime();
  // Expiring a grant does not change its user's spendable balance (it was out of effect already),
  // so one lookup per user serves all of that user's expired grants — as long as nobody else has
  // written to the user's ledger in between (checked through the user's newest entry id).
  const spendable = new Map<number, { balance: number; lastEntryId: number }>();
  const result: ExpireResult = { expired: 0, credits: 0, batches: 0 };
  for (;;) {
    const done = immediate(ctx.db, () => {
      const rows = s.dueForExpiry.all({ now, limit: batchSize }) as GrantRow[];
      for (const row of rows) {
        let known = spendable.get(row.user_id);
        if (!known || known.lastEntryId !== (s.lastEntryId.get(row.user_id) as number | null)) {
          known = { balance: spendableOf(s, row.user_id, now), lastEntryId: 0 };
        }
        known.lastEntryId = expireGrantRow(s, row, now, known.balance);
        spendable.set(row.user_id, known);
        result.expired += 1;
        result.credits += row.remaining;
      }
      return rows.length < batchSize;
    });
    result.batches += 1;
    if (done) return result;
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
export function syncBalances(ctx: CreditsCtx, opts: { userId?: number } = {}): SyncResult {
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
    immediate(ctx.db, () => {
      const cached = s.userBalance.get(userId) as number | undefined;
      if (cached === undefined) throw new AppError("not_found", `No user with id ${userId}.`);
      fix(userId, cached);
    });
    return result;
  }
  let afterId = 0;
  for (;;) {
    const users = immediate(ctx.db, () => {
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
 * Returns stop().
 */
export function startCreditJobs(ctx: CreditsCtx, opts: { sweepSeconds: number; syncSeconds: number }): () => void {
  const timers: NodeJS.Timeout[] = [];
  // `job` returns a summary and whether it changed anything (worth an info line).
  const every = (seconds: number, name: string, job: () => { summary: Record<string, unknown>; changed: boolean }) => {
    if (!(seconds > 0)) return;
    const timer = setInterval(() => {
      try {
        const { summary, changed } = job();
        (changed ? log.info : log.debug)(`${name} finished`, summary);
      } catch (e) {
        log.error(`${name} failed`, { error: e instanceof Error ? e.message : String(e) });
      }
    }, Math.min(seconds, MAX_INTERVAL_SECONDS) * 1000);
    timer.unref();
    timers.push(timer);
  };
  every(opts.sweepSeconds, "credit expiry sweep", () => {
    const r = expireGrants(ctx);
    return { summary: { ...r }, changed: r.expired > 0 };
  });
  every(opts.syncSeconds, "credit balance sync", () => {
    const r = syncBalances(ctx);
    return { summary: { checked: r.checked, drifted: r.drifted.length }, changed: r.drifted.length > 0 };
  });
  return () => {
    for (const t of timers) clearInterval(t);
    timers.length = 0;
  };
}
