/**
 * Credit reports per UTC day for the admin console: credits granted by kind, spent, expired,
 * voided and refunded, and the outstanding balance at the end of each day.
 *
 * Cost: the ledger and the grants' amounts are append-only, so a day's totals are sums that only
 * grow by new rows: they are cached per day (app/utils/day-cache.server.ts), with watermarks (the
 * highest ledger and grant ids summed); the range sums are served by covering indexes
 * (credit_ledger_created_at_idx, credit_grants_created_at_idx). A day is its whole UTC day: a row
 * stamped later today than the clock (a clock moved back) counts today.
 *
 * The outstanding balance is walked back from today's total: the ledger sum always equals the
 * sum of users.credit_balance (invariants.server.ts), so the balance at the end of day d is
 * today's total minus every ledger amount after d.
 */
import { MS_PER_DAY } from "../utils/clock";
import { fillDays, forgetDaysBefore, type DayCache } from "../utils/day-cache.server";
import type { DbClock } from "../utils/context.server";

const REPORT_PERIODS = [30, 90] as const;
export type ReportPeriod = (typeof REPORT_PERIODS)[number];

interface CreditDay {
  day: string; // YYYY-MM-DD (UTC)
  grantedSubscription: number;
  grantedTopup: number;
  grantedPromotional: number;
  spent: number;
  expired: number;
  voided: number;
  refunded: number;
  outstanding: number;
}

export interface CreditReport {
  days: CreditDay[];
  totals: Omit<CreditDay, "day" | "outstanding"> & { outstandingNow: number };
}

/** The first instant of the report window: midnight UTC, `days` days back counting today. */
export function reportStart(nowMs: number, days: number): number {
  return (Math.floor(nowMs / MS_PER_DAY) - days + 1) * MS_PER_DAY;
}

export function reportDays(nowMs: number, days: number): string[] {
  const startMs = reportStart(nowMs, days);
  return Array.from({ length: days }, (_, i) => new Date(startMs + i * MS_PER_DAY).toISOString().slice(0, 10));
}

type DayTotals = Omit<CreditDay, "day" | "outstanding"> & { net: number };

interface CreditDayCache extends DayCache<DayTotals> {
  /** Ledger and grant rows up to these ids (and no others) are summed into `days`. */
  ledgerMaxId: number;
  grantMaxId: number;
}

const caches = new WeakMap<object, CreditDayCache>();

function emptyTotals(): DayTotals {
  return {
    grantedSubscription: 0,
    grantedTopup: 0,
    grantedPromotional: 0,
    spent: 0,
    expired: 0,
    voided: 0,
    refunded: 0,
    net: 0,
  };
}

type LedgerSum = { d: number; type: string; total: number; negative: number };
type GrantSum = { d: number; type: "subscription" | "topup" | "promotional"; total: number };

const LEDGER_SUMS = `select cast(created_at / ${MS_PER_DAY} as integer) as d, type, sum(amount) as total,
    sum(case when amount < 0 then amount else 0 end) as negative`;
const GRANT_SUMS = `select cast(created_at / ${MS_PER_DAY} as integer) as d, type, sum(amount) as total`;

function addLedger(row: DayTotals, r: LedgerSum): void {
  row.net += r.total;
  if (r.type === "deduction") row.spent += -r.total;
  else if (r.type === "adjustment") row.spent += -r.negative;
  else if (r.type === "expiration") row.expired += -r.total;
  else if (r.type === "void") row.voided += -r.total;
  else if (r.type === "refund") row.refunded += -r.total;
}

function addGrant(row: DayTotals, g: GrantSum): void {
  if (g.type === "subscription") row.grantedSubscription += g.total;
  else if (g.type === "topup") row.grantedTopup += g.total;
  else row.grantedPromotional += g.total;
}

/** Sums the whole days [fromDay, toDay), keyed by day index (covering created_at indexes). */
function sumDays(ctx: DbClock, fromDay: number, toDay: number): Map<number, DayTotals> {
  const out = new Map<number, DayTotals>();
  const at = (d: number) => {
    let t = out.get(d);
    if (!t) out.set(d, (t = emptyTotals()));
    return t;
  };
  const range = [fromDay * MS_PER_DAY, toDay * MS_PER_DAY];
  const ledger = ctx.db.$client
    .prepare(`${LEDGER_SUMS} from credit_ledger where created_at >= ? and created_at < ? group by d, type`)
    .all(...range) as LedgerSum[];
  for (const r of ledger) addLedger(at(r.d), r);
  const granted = ctx.db.$client
    .prepare(`${GRANT_SUMS} from credit_grants where created_at >= ? and created_at < ? group by d, type`)
    .all(...range) as GrantSum[];
  for (const g of granted) addGrant(at(g.d), g);
  return out;
}

/**
 * Adds the rows written since the last look (ids above the watermarks: a primary-key range) to
 * the cached days they are stamped with — today's, or an earlier day's for a late row (a clock
 * moved back, a restore) — and moves the watermarks. Rows of days not cached are left for the
 * range sum that will cache that day.
 */
function addNewRows(ctx: DbClock, cache: CreditDayCache): void {
  const maxId = (table: string) =>
    Number(ctx.db.$client.prepare(`select coalesce(max(id), 0) from ${table}`).pluck().get());
  if (cache.days.size === 0) {
    // Nothing cached to add to: just note where the tables end.
    cache.ledgerMaxId = maxId("credit_ledger");
    cache.grantMaxId = maxId("credit_grants");
    return;
  }
  const ledger = ctx.db.$client
    .prepare(`${LEDGER_SUMS}, max(id) as maxId from credit_ledger where id > ? group by d, type`)
    .all(cache.ledgerMaxId) as (LedgerSum & { maxId: number })[];
  for (const r of ledger) {
    const row = cache.days.get(r.d);
    if (row) addLedger(row, r);
    cache.ledgerMaxId = Math.max(cache.ledgerMaxId, r.maxId);
  }
  const granted = ctx.db.$client
    .prepare(`${GRANT_SUMS}, max(id) as maxId from credit_grants where id > ? group by d, type`)
    .all(cache.grantMaxId) as (GrantSum & { maxId: number })[];
  for (const g of granted) {
    const row = cache.days.get(g.d);
    if (row) addGrant(row, g);
    cache.grantMaxId = Math.max(cache.grantMaxId, g.maxId);
  }
}

export function creditReport(ctx: DbClock, days: ReportPeriod): CreditReport {
  // One read snapshot: the watermarks, the sums and the total all describe the same moment.
  return ctx.db.$client.transaction(() => creditReportIn(ctx, days))();
}

function creditReportIn(ctx: DbClock, days: ReportPeriod): CreditReport {
  const nowMs = ctx.clock.now().getTime();
  const today = Math.floor(nowMs / MS_PER_DAY);
  const first = today - days + 1;
  let cache = caches.get(ctx.db.$client);
  if (!cache) caches.set(ctx.db.$client, (cache = { ledgerMaxId: 0, grantMaxId: 0, days: new Map() }));
  addNewRows(ctx, cache);
  // Only the longest window is ever asked for again.
  forgetDaysBefore(cache, today - Math.max(...REPORT_PERIODS) + 1);
  // Days not cached yet (today included, whole).
  fillDays(cache, first, today, (from, to) => sumDays(ctx, from, to), emptyTotals);

  const labels = reportDays(nowMs, days);
  const totalsOf = (i: number) => cache.days.get(first + i) ?? emptyTotals();
  const rows: CreditDay[] = labels.map((day, i) => {
    const { net: _net, ...t } = totalsOf(i);
    return { day, ...t, outstanding: 0 };
  });
  const outstandingNow = Number(
    ctx.db.$client.prepare(`select coalesce(sum(credit_balance), 0) from users`).pluck().get() ?? 0,
  );
  let after = 0;
  for (let i = days - 1; i >= 0; i--) {
    rows[i].outstanding = outstandingNow - after;
    after += totalsOf(i).net;
  }
  const sum = (k: keyof Omit<CreditDay, "day" | "outstanding">) => rows.reduce((a, r) => a + r[k], 0);
  return {
    days: rows,
    totals: {
      grantedSubscription: sum("grantedSubscription"),
      grantedTopup: sum("grantedTopup"),
      grantedPromotional: sum("grantedPromotional"),
      spent: sum("spent"),
      expired: sum("expired"),
      voided: sum("voided"),
      refunded: sum("refunded"),
      outstandingNow,
    },
  };
}
