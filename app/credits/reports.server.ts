/**
 * Credit reports per UTC day for the admin console: credits granted by kind, spent, expired,
 * voided and refunded, and the outstanding balance at the end of each day.
 *
 * Cost: a finished day never changes (the ledger is append-only and stamped with the clock), so
 * each finished day is summed once — range reads served by covering indexes
 * (credit_ledger_created_at_idx, credit_grants_created_at_idx) — and kept in memory; a request
 * then reads only today's rows. Rows written since the last request are checked by id (a
 * primary-key range): one stamped with an earlier day (a clock moved back, a restore) drops the
 * cached days from that day on, so the cache is never wrong, only recomputed.
 *
 * The outstanding balance is walked back from today's total: the ledger sum always equals the
 * sum of users.credit_balance (invariants.server.ts), so the balance at the end of day d is
 * today's total minus every ledger amount after d.
 */
import { MS_PER_DAY } from "../utils/clock";
import type { DomainCtx } from "../utils/context.server";

export const REPORT_PERIODS = [30, 90] as const;
export type ReportPeriod = (typeof REPORT_PERIODS)[number];

export interface CreditDay {
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
  const start = reportStart(nowMs, days);
  return Array.from({ length: days }, (_, i) => new Date(start + i * MS_PER_DAY).toISOString().slice(0, 10));
}

type DayTotals = Omit<CreditDay, "day" | "outstanding"> & { net: number };

interface DayCache {
  /** Ledger and grant rows up to these ids are reflected in `days`. */
  ledgerMaxId: number;
  grantMaxId: number;
  /** Finished days (index = days since the epoch, UTC) → their totals. */
  days: Map<number, DayTotals>;
}

const caches = new WeakMap<object, DayCache>();

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

/** Sums days [fromDay, toDay) plus the rows up to `untilMs`, keyed by day index. */
function sumDays(ctx: DomainCtx, fromMs: number, untilMs: number): Map<number, DayTotals> {
  const out = new Map<number, DayTotals>();
  const at = (d: number) => {
    let t = out.get(d);
    if (!t) out.set(d, (t = emptyTotals()));
    return t;
  };
  const ledger = ctx.db.$client
    .prepare(
      `select cast(created_at / ${MS_PER_DAY} as integer) as d, type, sum(amount) as total,
         sum(case when amount < 0 then amount else 0 end) as negative
       from credit_ledger where created_at >= ? and created_at < ?
       group by d, type`,
    )
    .all(fromMs, untilMs) as { d: number; type: string; total: number; negative: number }[];
  for (const r of ledger) {
    const row = at(r.d);
    row.net += r.total;
    if (r.type === "deduction") row.spent += -r.total;
    else if (r.type === "adjustment") row.spent += -r.negative;
    else if (r.type === "expiration") row.expired += -r.total;
    else if (r.type === "void") row.voided += -r.total;
    else if (r.type === "refund") row.refunded += -r.total;
  }
  const granted = ctx.db.$client
    .prepare(
      `select cast(created_at / ${MS_PER_DAY} as integer) as d, type, sum(amount) as total
       from credit_grants where created_at >= ? and created_at < ?
       group by d, type`,
    )
    .all(fromMs, untilMs) as { d: number; type: "subscription" | "topup" | "promotional"; total: number }[];
  for (const g of granted) {
    const row = at(g.d);
    if (g.type === "subscription") row.grantedSubscription += g.total;
    else if (g.type === "topup") row.grantedTopup += g.total;
    else row.grantedPromotional += g.total;
  }
  return out;
}

/** Drops cached days that rows written since the last look belong to (normally none). */
function invalidateLateRows(ctx: DomainCtx, cache: DayCache): void {
  if (cache.days.size === 0) {
    // Nothing cached to be wrong about: just note where the tables end.
    const maxId = (table: string) =>
      Number(ctx.db.$client.prepare(`select coalesce(max(id), 0) from ${table}`).pluck().get());
    cache.ledgerMaxId = maxId("credit_ledger");
    cache.grantMaxId = maxId("credit_grants");
    return;
  }
  const late = (table: "credit_ledger" | "credit_grants", afterId: number) =>
    ctx.db.$client
      .prepare(`select min(created_at) as minAt, max(id) as maxId from ${table} where id > ?`)
      .get(afterId) as {
      minAt: number | null;
      maxId: number | null;
    };
  const l = late("credit_ledger", cache.ledgerMaxId);
  const g = late("credit_grants", cache.grantMaxId);
  const earliest = Math.min(l.minAt ?? Infinity, g.minAt ?? Infinity);
  if (earliest !== Infinity) {
    const fromDay = Math.floor(earliest / MS_PER_DAY);
    for (const d of [...cache.days.keys()]) if (d >= fromDay) cache.days.delete(d);
  }
  cache.ledgerMaxId = l.maxId ?? cache.ledgerMaxId;
  cache.grantMaxId = g.maxId ?? cache.grantMaxId;
}

export function creditReport(ctx: DomainCtx, days: ReportPeriod): CreditReport {
  // One read snapshot: the watermarks, the sums and the total all describe the same moment.
  return ctx.db.$client.transaction(() => creditReportIn(ctx, days))();
}

function creditReportIn(ctx: DomainCtx, days: ReportPeriod): CreditReport {
  const now = ctx.clock.now().getTime();
  const today = Math.floor(now / MS_PER_DAY);
  const first = today - days + 1;
  let cache = caches.get(ctx.db.$client);
  if (!cache) caches.set(ctx.db.$client, (cache = { ledgerMaxId: 0, grantMaxId: 0, days: new Map() }));
  invalidateLateRows(ctx, cache);

  // Finished days not cached yet, summed in one range per run of consecutive days.
  let d = first;
  while (d < today) {
    if (cache.days.has(d)) {
      d++;
      continue;
    }
    let end = d;
    while (end < today && !cache.days.has(end)) end++;
    const sums = sumDays(ctx, d * MS_PER_DAY, end * MS_PER_DAY);
    for (let i = d; i < end; i++) cache.days.set(i, sums.get(i) ?? emptyTotals());
    d = end;
  }
  const todays = sumDays(ctx, today * MS_PER_DAY, now + 1).get(today) ?? emptyTotals();

  const labels = reportDays(now, days);
  const totalsOf = (i: number) => (first + i === today ? todays : (cache.days.get(first + i) ?? emptyTotals()));
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
