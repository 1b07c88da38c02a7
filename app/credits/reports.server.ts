/**
 * Credit reports per UTC day for the admin console: credits granted by kind, spent, expired,
 * voided and refunded, and the outstanding balance at the end of each day.
 *
 * Cost: two range reads served by covering indexes (credit_ledger_created_at_idx,
 * credit_grants_created_at_idx), so only the window's rows are touched, never the table. The
 * outstanding balance is walked back from today's total: the ledger sum always equals the sum of
 * users.credit_balance (invariants.server.ts), so the balance at the end of day d is today's
 * total minus every ledger amount after d.
 */
import { MS_PER_DAY } from "../utils/clock";
import type { CreditsCtx } from "./index.server";

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

export function creditReport(ctx: CreditsCtx, days: ReportPeriod): CreditReport {
  const now = ctx.clock.now().getTime();
  const start = reportStart(now, days);
  const rows: CreditDay[] = reportDays(now, days).map((day) => ({
    day,
    grantedSubscription: 0,
    grantedTopup: 0,
    grantedPromotional: 0,
    spent: 0,
    expired: 0,
    voided: 0,
    refunded: 0,
    outstanding: 0,
  }));
  const net = new Array<number>(days).fill(0);
  const ledger = ctx.db.$client
    .prepare(
      `select cast((created_at - ?) / ${MS_PER_DAY} as integer) as d, type, sum(amount) as total,
         sum(case when amount < 0 then amount else 0 end) as negative
       from credit_ledger where created_at >= ? and created_at <= ?
       group by d, type`,
    )
    .all(start, start, now) as { d: number; type: string; total: number; negative: number }[];
  for (const r of ledger) {
    const row = rows[r.d];
    if (!row) continue;
    net[r.d] += r.total;
    if (r.type === "deduction") row.spent += -r.total;
    else if (r.type === "adjustment") row.spent += -r.negative;
    else if (r.type === "expiration") row.expired += -r.total;
    else if (r.type === "void") row.voided += -r.total;
    else if (r.type === "refund") row.refunded += -r.total;
  }
  const granted = ctx.db.$client
    .prepare(
      `select cast((created_at - ?) / ${MS_PER_DAY} as integer) as d, type, sum(amount) as total
       from credit_grants where created_at >= ? and created_at <= ?
       group by d, type`,
    )
    .all(start, start, now) as { d: number; type: "subscription" | "topup" | "promotional"; total: number }[];
  for (const g of granted) {
    const row = rows[g.d];
    if (!row) continue;
    if (g.type === "subscription") row.grantedSubscription += g.total;
    else if (g.type === "topup") row.grantedTopup += g.total;
    else row.grantedPromotional += g.total;
  }
  const outstandingNow = Number(
    ctx.db.$client.prepare(`select coalesce(sum(credit_balance), 0) from users`).pluck().get() ?? 0,
  );
  let after = 0;
  for (let i = days - 1; i >= 0; i--) {
    rows[i].outstanding = outstandingNow - after;
    after += net[i];
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
