/**
 * Read-only views of one customer's credits for the admin console: every grant (all statuses),
 * the ledger with a type filter, allocations and actor, and a constant-memory iterator over the
 * whole ledger for the CSV export. Keyset paging on ids (newest first), so a page costs the same
 * on the first page and the ten-thousandth.
 */
import { LEDGER_ENTRY_TYPES, type LedgerEntryType } from "../../db/schema";
import { GRANT_COLUMNS, type GrantRow } from "./tables/grants.server";
import { type GrantView, iso, toGrantView } from "./views.server";
import type { DbClock } from "../utils/context.server";
import { csvLine } from "../utils/csv.server";
import { perConnection } from "../../db/per-connection";

const ADMIN_PAGE_SIZE = 25;

/** A page of rows, newest first; `nextBefore` is the id to pass as `before` for the next page. */
export interface IdPage<T> {
  rows: T[];
  nextBefore: number | null;
}

/** A positive integer id from a query string, else null (bad input means "first page"). */
export function parseBefore(value: string | null): number | null {
  if (!value || !/^\d{1,15}$/.test(value)) return null;
  const n = Number(value);
  return n >= 1 ? n : null;
}

/** Credits each grant of a user still reserves for open holds (grants without any are absent). */
const heldStatement = perConnection((sqlite) =>
  sqlite
    .prepare<[number], [number, number]>(
      `select a.grant_id, sum(a.amount - coalesce((select sum(c.amount) from hold_clawbacks c
         where c.hold_id = h.id and c.grant_id = a.grant_id), 0))
       from credit_holds h join hold_allocations a on a.hold_id = h.id
       where h.user_id = ? and h.status = 'held' group by a.grant_id`,
    )
    .raw(true),
);

export function heldByGrant(ctx: DbClock, userId: number): Record<number, number> {
  return Object.fromEntries(
    heldStatement(ctx.db.$client)
      .all(userId)
      .filter(([, held]) => held > 0),
  );
}

/** Every grant of a user whatever its status, newest first. */
export function listGrantsPage(
  ctx: DbClock,
  userId: number,
  opts: { before?: number | null; limit?: number } = {},
): IdPage<GrantView & { createdAt: string }> {
  const limit = opts.limit ?? ADMIN_PAGE_SIZE;
  const rows = ctx.db.$client
    .prepare(`select ${GRANT_COLUMNS} from credit_grants where user_id = ? and id < ? order by id desc limit ?`)
    .all(userId, opts.before ?? Number.MAX_SAFE_INTEGER, limit + 1) as (GrantRow & { created_at: number })[];
  const nowMs = ctx.clock.now().getTime();
  const page = rows.slice(0, limit);
  return {
    rows: page.map((r) => ({ ...toGrantView(r, nowMs), createdAt: iso(r.created_at) })),
    nextBefore: rows.length > limit ? page[page.length - 1].id : null,
  };
}

export interface AdminLedgerEntry {
  id: number;
  type: LedgerEntryType;
  amount: number;
  balanceAfter: number;
  reason: string | null;
  actor: string | null;
  grantId: number | null;
  createdAt: string;
  /** The grants a spending entry took from; empty for entries about one grant (see grantId). */
  allocations: { grantId: number; amount: number }[];
}

export function isLedgerType(value: string | null): value is LedgerEntryType {
  return value !== null && (LEDGER_ENTRY_TYPES as readonly string[]).includes(value);
}

interface LedgerRow {
  id: number;
  type: LedgerEntryType;
  amount: number;
  balance_after: number;
  reason: string | null;
  actor: string | null;
  grant_id: number | null;
  created_at: number;
}

const LEDGER_COLUMNS = "id, type, amount, balance_after, reason, actor, grant_id, created_at";

function allocationsFor(ctx: DbClock, ids: number[]): Map<number, { grantId: number; amount: number }[]> {
  const out = new Map<number, { grantId: number; amount: number }[]>();
  if (ids.length === 0) return out;
  const rows = ctx.db.$client
    .prepare(
      `select entry_id as entryId, grant_id as grantId, amount from ledger_allocations
       where entry_id in (select value from json_each(?)) order by id`,
    )
    .all(JSON.stringify(ids)) as { entryId: number; grantId: number; amount: number }[];
  for (const a of rows) {
    let list = out.get(a.entryId);
    if (!list) out.set(a.entryId, (list = []));
    list.push({ grantId: a.grantId, amount: a.amount });
  }
  return out;
}

function toEntry(r: LedgerRow, allocations: { grantId: number; amount: number }[]): AdminLedgerEntry {
  return {
    id: r.id,
    type: r.type,
    amount: r.amount,
    balanceAfter: r.balance_after,
    reason: r.reason,
    actor: r.actor,
    grantId: r.grant_id,
    createdAt: iso(r.created_at),
    allocations,
  };
}

/**
 * A user's ledger, newest first, optionally of one entry type. Uses credit_ledger_user_id_idx
 * (user_id, id); a type filter scans that user's entries only.
 */
export function listLedgerPage(
  ctx: DbClock,
  userId: number,
  opts: { type?: LedgerEntryType | null; before?: number | null; limit?: number } = {},
): IdPage<AdminLedgerEntry> {
  const limit = opts.limit ?? ADMIN_PAGE_SIZE;
  const before = opts.before ?? Number.MAX_SAFE_INTEGER;
  const rows = (
    opts.type
      ? ctx.db.$client
          .prepare(
            `select ${LEDGER_COLUMNS} from credit_ledger where user_id = ? and id < ? and type = ? order by id desc limit ?`,
          )
          .all(userId, before, opts.type, limit + 1)
      : ctx.db.$client
          .prepare(`select ${LEDGER_COLUMNS} from credit_ledger where user_id = ? and id < ? order by id desc limit ?`)
          .all(userId, before, limit + 1)
  ) as LedgerRow[];
  const page = rows.slice(0, limit);
  const allocations = allocationsFor(
    ctx,
    page.filter((r) => r.amount < 0 && (r.type === "deduction" || r.type === "adjustment")).map((r) => r.id),
  );
  return {
    rows: page.map((r) => toEntry(r, allocations.get(r.id) ?? [])),
    nextBefore: rows.length > limit ? page[page.length - 1].id : null,
  };
}

const LEDGER_CSV_HEADER = ["id", "createdAt", "type", "amount", "balanceAfter", "reason", "actor", "allocations"];

/** "grant:amount;grant:amount" — the grants an entry took credits from, or the one it is about. */
function allocationsText(entry: Pick<AdminLedgerEntry, "allocations" | "grantId" | "amount">): string {
  if (entry.allocations.length > 0) return entry.allocations.map((a) => `${a.grantId}:${a.amount}`).join(";");
  return entry.grantId === null ? "" : `${entry.grantId}:${Math.abs(entry.amount)}`;
}

/**
 * The whole ledger of a user as CSV lines, oldest first, in pages of `pageSize` entries: each
 * page is one short read, so memory stays constant however long the ledger is and no read
 * transaction is held open between pages (writers are never blocked by a slow download).
 */
export function* ledgerCsvChunks(
  ctx: DbClock,
  userId: number,
  pageSize = 1000,
  type: LedgerEntryType | null = null,
): Generator<string> {
  yield csvLine(LEDGER_CSV_HEADER);
  const page = ctx.db.$client.prepare(
    `select ${LEDGER_COLUMNS} from credit_ledger where user_id = ? and id > ?${type ? " and type = ?" : ""} order by id limit ?`,
  );
  let after = 0;
  for (;;) {
    const rows = (type ? page.all(userId, after, type, pageSize) : page.all(userId, after, pageSize)) as LedgerRow[];
    if (rows.length === 0) return;
    const allocations = allocationsFor(
      ctx,
      rows.filter((r) => r.amount < 0 && (r.type === "deduction" || r.type === "adjustment")).map((r) => r.id),
    );
    let chunk = "";
    for (const r of rows) {
      const e = toEntry(r, allocations.get(r.id) ?? []);
      chunk += csvLine([e.id, e.createdAt, e.type, e.amount, e.balanceAfter, e.reason, e.actor, allocationsText(e)]);
    }
    yield chunk;
    after = rows[rows.length - 1].id;
    if (rows.length < pageSize) return;
  }
}

// ---------------------------------------------------------------------------------------------
// The customer's own views: usage over time with a forecast, and their ledger as CSV.

const DAY_MS = 86_400_000;

export interface UsageOverTime {
  /** UTC days, oldest first ("2026-03-01"), the last one today. */
  days: string[];
  /** The balance at the end of each day (today: now). */
  balance: number[];
  /** Credits spent (deductions) each day. */
  spent: number[];
  /** Average credits spent per day at the current rate (last 7 days, else the whole window); 0 = none. */
  dailyRate: number;
  /** When the balance runs out at that rate (null when nothing is being spent or nothing is left). */
  runsOutAt: string | null;
  /** Whole days until then. */
  daysLeft: number | null;
  /** The balance outlasts FORECAST_HORIZON_DAYS at that rate (then no date is given). */
  lastsBeyondHorizon: boolean;
}

/** How far ahead a run-out date is worth naming (and far inside what a Date can hold). */
const FORECAST_HORIZON_DAYS = 3650;

/**
 * Balance and spending per UTC day over the last `days` days, from the ledger (each entry's
 * balance_after is the balance after it, so a day's closing balance is its last entry's), and a
 * forecast: the balance divided by the average daily spending of the last 7 days (or of the whole
 * window when the last 7 days spent nothing). Credits that expire first are not counted out of it.
 */
export function usageOverTime(ctx: DbClock, userId: number, balanceNow: number, days = 30): UsageOverTime {
  const nowMs = ctx.clock.now().getTime();
  const today = Math.floor(nowMs / DAY_MS);
  const startDay = today - (days - 1);
  const startMs = startDay * DAY_MS;
  const facts = dailyFacts(ctx, userId, startDay);
  const out: UsageOverTime = {
    days: [],
    balance: [],
    spent: [],
    dailyRate: 0,
    runsOutAt: null,
    daysLeft: null,
    lastsBeyondHorizon: false,
  };
  let running = facts.opening;
  for (let d = 0; d < days; d++) {
    const day = facts.days.get(startDay + d);
    running = day?.closing ?? running;
    out.days.push(new Date(startMs + d * DAY_MS).toISOString().slice(0, 10));
    out.balance.push(d === days - 1 ? balanceNow : running);
    out.spent.push(day?.spent ?? 0);
  }
  out.dailyRate = forecastRate(out.spent);
  if (out.dailyRate > 0 && balanceNow / out.dailyRate > FORECAST_HORIZON_DAYS) {
    out.lastsBeyondHorizon = true;
  } else if (out.dailyRate > 0 && balanceNow > 0) {
    out.daysLeft = Math.floor(balanceNow / out.dailyRate);
    out.runsOutAt = new Date(nowMs + Math.floor((balanceNow / out.dailyRate) * DAY_MS)).toISOString();
  }
  return out;
}

interface DayFacts {
  /** Credits spent (deductions) that day. */
  spent: number;
  /** The day's last ledger entry and the balance after it. */
  lastId: number;
  closing: number;
}

interface UsageCacheEntry {
  /** Every entry of the user up to this id is counted in `days`. */
  lastId: number;
  /** The first UTC day (days since the epoch) `days` and `opening` describe. */
  fromDay: number;
  /** The balance before the first entry on or after fromDay. */
  opening: number;
  days: Map<number, DayFacts>;
}

/** Users whose usage is kept per database handle (least recently viewed dropped first). */
const USAGE_CACHE_USERS = 1000;
const usageCache = perConnection(() => new Map<number, UsageCacheEntry>());

const usageStatements = perConnection((sqlite) => ({
  window: sqlite.prepare<[number, number], { day: number; spent: number; lastId: number; firstId: number }>(
    `select cast(created_at / ${DAY_MS} as integer) as day,
            sum(case when type = 'deduction' then -amount else 0 end) as spent,
            max(id) as lastId, min(id) as firstId
       from credit_ledger where user_id = ? and created_at >= ? group by day`,
  ),
  since: sqlite.prepare<[number, number], { day: number; spent: number; lastId: number }>(
    `select cast(created_at / ${DAY_MS} as integer) as day,
            sum(case when type = 'deduction' then -amount else 0 end) as spent,
            max(id) as lastId
       from credit_ledger where user_id = ? and id > ? group by day`,
  ),
  balanceBefore: sqlite
    .prepare<[number, number], number>(
      `select balance_after from credit_ledger where user_id = ? and id < ? order by id desc limit 1`,
    )
    .pluck(),
  lastId: sqlite.prepare<[number], number | null>(`select max(id) from credit_ledger where user_id = ?`).pluck(),
  closings: sqlite.prepare<[string], { id: number; b: number }>(
    `select id, balance_after as b from credit_ledger where id in (select value from json_each(?))`,
  ),
  /** One read transaction (one snapshot) around a view's reads. */
  snapshot: sqlite.transaction((read: () => void) => read()),
}));

/**
 * A user's spending and closing balance per UTC day from `fromDay` on. The ledger is append-only
 * and written one transaction at a time, so once every entry up to an id has been counted only
 * later ids can change the answer: a view after the first reads only the entries written since
 * (a user with 100,000 entries this month no longer costs a 100,000-row scan per page view). Both
 * reads of a view run in one read transaction (one snapshot).
 */
function dailyFacts(ctx: DbClock, userId: number, fromDay: number): { opening: number; days: Map<number, DayFacts> } {
  const sqlite = ctx.db.$client;
  const perDb = usageCache(sqlite);
  const q = usageStatements(sqlite);
  let entry = perDb.get(userId);
  perDb.delete(userId);
  q.snapshot(() => {
    if (!entry || entry.fromDay > fromDay) {
      const rows = q.window.all(userId, fromDay * DAY_MS);
      const firstId = rows.length ? Math.min(...rows.map((r) => r.firstId)) : Number.MAX_SAFE_INTEGER;
      entry = {
        lastId: q.lastId.get(userId) ?? 0,
        fromDay,
        opening: q.balanceBefore.get(userId, firstId) ?? 0,
        days: new Map(),
      };
      mergeDays(q, entry, rows);
    } else {
      const rows = q.since.all(userId, entry.lastId);
      for (const r of rows) entry.lastId = Math.max(entry.lastId, r.lastId);
      mergeDays(q, entry, rows);
      // The window moved on: the days before it fold into the opening balance.
      for (const [day, facts] of [...entry.days].sort((x, y) => x[0] - y[0])) {
        if (day >= fromDay) break;
        entry.opening = facts.closing;
        entry.days.delete(day);
      }
      entry.fromDay = fromDay;
    }
  });
  perDb.set(userId, entry!);
  if (perDb.size > USAGE_CACHE_USERS) perDb.delete(perDb.keys().next().value as number);
  return { opening: entry!.opening, days: entry!.days };
}

function mergeDays(
  q: ReturnType<typeof usageStatements>,
  entry: UsageCacheEntry,
  rows: { day: number; spent: number; lastId: number }[],
): void {
  if (!rows.length) return;
  const closings = new Map(q.closings.all(JSON.stringify(rows.map((r) => r.lastId))).map((r) => [r.id, r.b]));
  for (const r of rows) {
    const day = entry.days.get(r.day);
    const closing = closings.get(r.lastId) ?? 0;
    if (!day) entry.days.set(r.day, { spent: r.spent, lastId: r.lastId, closing });
    else {
      day.spent += r.spent;
      if (r.lastId > day.lastId) Object.assign(day, { lastId: r.lastId, closing });
    }
  }
}

/** Credits per day at the current rate: the last 7 days' average, else the whole window's; rounded up. */
export function forecastRate(spentPerDay: number[]): number {
  const average = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const recent = average(spentPerDay.slice(-7));
  const rate = recent > 0 ? recent : average(spentPerDay);
  return rate > 0 ? Math.ceil(rate) : 0;
}

const CUSTOMER_CSV_HEADER = ["id", "createdAt", "type", "amount", "balanceAfter", "reason"];

/**
 * A customer's own ledger as CSV, oldest first, paged like ledgerCsvChunks (constant memory); the
 * same entries and numbers as the history on the credits page, without the admin-only columns
 * (actor, allocations). `type` filters to one entry type.
 */
export function* customerLedgerCsvChunks(
  ctx: DbClock,
  userId: number,
  opts: { type?: LedgerEntryType | null; pageSize?: number } = {},
): Generator<string> {
  const pageSize = opts.pageSize ?? 1000;
  yield csvLine(CUSTOMER_CSV_HEADER);
  const page = ctx.db.$client.prepare(
    `select ${LEDGER_COLUMNS} from credit_ledger where user_id = ? and id > ?${opts.type ? " and type = ?" : ""} order by id limit ?`,
  );
  let after = 0;
  for (;;) {
    const rows = (
      opts.type ? page.all(userId, after, opts.type, pageSize) : page.all(userId, after, pageSize)
    ) as LedgerRow[];
    if (rows.length === 0) return;
    let chunk = "";
    for (const r of rows) chunk += csvLine([r.id, iso(r.created_at), r.type, r.amount, r.balance_after, r.reason]);
    yield chunk;
    after = rows[rows.length - 1].id;
    if (rows.length < pageSize) return;
  }
}
