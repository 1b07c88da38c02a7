/**
 * Every grant of a user, a page at a time, by status (the v1 API's GET /users/:userId/grants).
 * Keyset paging: a page costs the same however deep it is, and a page boundary stays put while
 * grants are added or spent.
 *
 * Statuses are the ones a GrantView shows (time decides, not whether the sweep has run):
 * - `active` (default): in effect now, in BURN-DOWN ORDER (./tables/grants.server.ts) — the order the
 *   balance answer lists its first 100 in, so paging `active` continues that list;
 * - `pending` (effectiveAt in the future): the order they start in (effectiveAt, then id);
 * - `depleted`, `expired` (including grants past expiresAt the sweep has not recorded yet),
 *   `voided` and `all`: newest first (id descending).
 */
import type Database from "better-sqlite3";
import { checkId, checkLimit, invalid } from "./checks.server";
import { BURN_DOWN_ORDER, GRANT_COLUMNS, type GrantRow } from "./tables/grants.server";
import { type GrantView, toGrantView } from "./views.server";
import { getBalance } from "./ledger.server";
import type { DbClock } from "../utils/context.server";
import { perConnection } from "../../db/per-connection";

export const GRANT_LIST_STATUSES = ["active", "pending", "depleted", "expired", "voided", "all"] as const;
export type GrantListStatus = (typeof GRANT_LIST_STATUSES)[number];

/** Sorts never-expiring grants after every real expiry, as `expires_at is null, expires_at` does. */
const NEVER = Number.MAX_SAFE_INTEGER;

const NEWEST_FIRST = (where: string) =>
  `select ${GRANT_COLUMNS} from credit_grants where user_id = @userId and (${where}) and id < @id
   order by id desc limit @limit`;

const SQL: Record<GrantListStatus, string> = {
  active: `select ${GRANT_COLUMNS} from credit_grants
    where user_id = @userId and status = 'active' and effective_at <= @now and (expires_at is null or expires_at > @now)
      and (priority, coalesce(expires_at, ${NEVER}), effective_at, id) > (@priority, @expiresAt, @effectiveAt, @id)
    order by ${BURN_DOWN_ORDER} limit @limit`,
  pending: `select ${GRANT_COLUMNS} from credit_grants
    where user_id = @userId and status = 'active' and effective_at > @now
      and (effective_at, id) > (@effectiveAt, @id)
    order by effective_at, id limit @limit`,
  depleted: NEWEST_FIRST(`status = 'depleted'`),
  voided: NEWEST_FIRST(`status = 'voided'`),
  expired: NEWEST_FIRST(`status = 'expired' or (status = 'active' and expires_at <= @now)`),
  all: NEWEST_FIRST(`1`),
};

type Prepared = Record<GrantListStatus, Database.Statement>;
const prepared = perConnection(
  (sqlite): Prepared => Object.fromEntries(GRANT_LIST_STATUSES.map((s) => [s, sqlite.prepare(SQL[s])])) as Prepared,
);

/** Where a page starts: the sort key of the last grant of the page before (numbers only). */
export type GrantPosition = number[];

function keyOf(status: GrantListStatus, row: GrantRow): GrantPosition {
  if (status === "active") return [row.priority, row.expires_at ?? NEVER, row.effective_at, row.id];
  if (status === "pending") return [row.effective_at, row.id];
  return [row.id];
}

function bindings(status: GrantListStatus, after: GrantPosition | null): Record<string, number> {
  const size = status === "active" ? 4 : status === "pending" ? 2 : 1;
  if (after === null) {
    if (status === "active") return { priority: -1, expiresAt: 0, effectiveAt: 0, id: 0 };
    if (status === "pending") return { effectiveAt: 0, id: 0 };
    return { id: NEVER };
  }
  if (after.length !== size || !after.every((n) => Number.isSafeInteger(n))) {
    throw invalid("cursor", "`cursor` is not valid.");
  }
  if (status === "active") {
    const [priority, expiresAtMs, effectiveAtMs, id] = after;
    return { priority, expiresAt: expiresAtMs, effectiveAt: effectiveAtMs, id };
  }
  if (status === "pending") return { effectiveAt: after[0], id: after[1] };
  return { id: after[0] };
}

/**
 * One page of a user's grants with `status` (see above), `limit` 1–100; `next` is where the next
 * page starts (null on the last page). Unknown user → not_found; a malformed `after` → invalid_request.
 */
export function listGrants(
  ctx: DbClock,
  userId: number,
  opts: { status?: GrantListStatus; limit?: number; after?: GrantPosition | null } = {},
): { grants: GrantView[]; next: GrantPosition | null } {
  checkId(userId, "userId");
  const status = opts.status ?? "active";
  if (!GRANT_LIST_STATUSES.includes(status)) {
    throw invalid("status", `\`status\` must be one of: ${GRANT_LIST_STATUSES.join(", ")}.`);
  }
  const limit = checkLimit(opts.limit, 100, 50);
  // As the balance answer: not_found for an unknown user, and holds past their expiresAt that no
  // write has recorded yet are recorded first, so their credits show back on their grants.
  getBalance(ctx, userId, { grantLimit: 0 });
  const nowMs = ctx.clock.now().getTime();
  const rows = prepared(ctx.db.$client)[status].all({
    userId,
    now: nowMs,
    limit: limit + 1,
    ...bindings(status, opts.after ?? null),
  }) as GrantRow[];
  const page = rows.slice(0, limit);
  return {
    grants: page.map((row) => toGrantView(row, nowMs)),
    next: rows.length > limit ? keyOf(status, page[page.length - 1]) : null,
  };
}
