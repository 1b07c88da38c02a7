/**
 * Money and subscriber reports for the admin console, beside the credit report from
 * app/credits/reports.server.ts. Money is per UTC day in the smallest currency unit, for the
 * currency most payments use (others are listed in `otherCurrencies`, never summed across).
 */
import type { Db } from "../../db/client";
import { creditReport, reportDays, reportStart, type ReportPeriod } from "../credits/index.server";
import { MS_PER_DAY } from "../utils/clock";
import { LIVE_STATUSES } from "./subscription-state.server";
import type { DbClock } from "../utils/context.server";
import { csvLine } from "../utils/csv.server";

interface MoneyDay {
  day: string;
  topupsInCents: number;
  subscriptionsInCents: number;
  topupsRefundedCents: number;
}

export interface MoneyReport {
  currency: string;
  otherCurrencies: string[];
  days: MoneyDay[];
  totals: Omit<MoneyDay, "day">;
}

export interface PlanSubscribers {
  planName: string;
  planFamily: string | null;
  version: number | null;
  subscribers: number;
}

/**
 * Top-up money by purchase day, refunds by the day the purchase last changed (when its refund
 * was recorded), and paid subscription invoices by the invoice's date, from billing's own
 * payment history (subscription_invoices, as Stripe returned each invoice; refunds not deducted).
 */
export function moneyReport(ctx: DbClock, days: ReportPeriod): MoneyReport {
  const nowMs = ctx.clock.now().getTime();
  const startMs = reportStart(nowMs, days);
  const topups = ctx.db.$client
    .prepare(
      `select cast((created_at - ?) / ${MS_PER_DAY} as integer) as d, currency, sum(amount_paid_cents) as paid
       from topup_purchases where created_at >= ? group by d, currency`,
    )
    .all(startMs, startMs) as { d: number; currency: string; paid: number }[];
  const refunds = ctx.db.$client
    .prepare(
      `select cast((updated_at - ?) / ${MS_PER_DAY} as integer) as d, currency, sum(amount_refunded_cents) as refunded
       from topup_purchases where updated_at >= ? and amount_refunded_cents > 0 group by d, currency`,
    )
    .all(startMs, startMs) as { d: number; currency: string; refunded: number }[];
  // Failed invoices took no money; one paid later is `paid` (or refunded) by then.
  const invoices = ctx.db.$client
    .prepare(
      `select cast((created_at - ?) / ${MS_PER_DAY} as integer) as d, currency, sum(amount_paid_cents) as paid
       from subscription_invoices where created_at >= ? and status <> 'failed' group by d, currency`,
    )
    .all(startMs, startMs) as { d: number; currency: string; paid: number }[];

  const volume = new Map<string, number>();
  for (const r of [...topups, ...invoices]) volume.set(r.currency, (volume.get(r.currency) ?? 0) + r.paid);
  const currency = [...volume.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "usd";
  const rows: MoneyDay[] = reportDays(nowMs, days).map((day) => ({
    day,
    topupsInCents: 0,
    subscriptionsInCents: 0,
    topupsRefundedCents: 0,
  }));
  for (const r of topups) if (r.currency === currency && rows[r.d]) rows[r.d].topupsInCents += r.paid;
  for (const r of invoices) if (r.currency === currency && rows[r.d]) rows[r.d].subscriptionsInCents += r.paid;
  for (const r of refunds) if (r.currency === currency && rows[r.d]) rows[r.d].topupsRefundedCents += r.refunded;
  const sum = (k: keyof Omit<MoneyDay, "day">) => rows.reduce((a, r) => a + r[k], 0);
  return {
    currency,
    otherCurrencies: [...volume.keys()].filter((c) => c !== currency),
    days: rows,
    totals: {
      topupsInCents: sum("topupsInCents"),
      subscriptionsInCents: sum("subscriptionsInCents"),
      topupsRefundedCents: sum("topupsRefundedCents"),
    },
  };
}

/** Live subscriptions now, per plan and version (every plan listed, with 0 when it has none). */
export function subscribersPerPlan(db: Db): (PlanSubscribers & { planId: number })[] {
  const live = LIVE_STATUSES.map(() => "?").join(", ");
  // One pass over the subscriptions, then the (small) price book.
  const counts = new Map(
    (
      db.$client
        .prepare(
          `select plan_id as planId, count(*) as n from user_subscriptions where status in (${live}) group by plan_id`,
        )
        .all(...LIVE_STATUSES) as { planId: number | null; n: number }[]
    ).map((r) => [r.planId, r.n]),
  );
  const plans = db.$client
    .prepare(
      `select id as planId, public_name as planName, plan_family as planFamily, version from subscription_plans order by plan_family, version`,
    )
    .all() as (Omit<PlanSubscribers, "subscribers"> & { planId: number })[];
  return plans.map((p) => ({ ...p, subscribers: counts.get(p.planId) ?? 0 }));
}

/** Everything /admin/reports shows, for one period. */
export function adminReport(ctx: DbClock, days: ReportPeriod) {
  return {
    days,
    credits: creditReport(ctx, days),
    money: moneyReport(ctx, days),
    plans: subscribersPerPlan(ctx.db),
  };
}

const REPORT_CSV_HEADER = [
  "day",
  "grantedSubscription",
  "grantedTopup",
  "grantedPromotional",
  "spent",
  "expired",
  "voided",
  "refunded",
  "outstanding",
  "currency",
  "topupsInCents",
  "subscriptionsInCents",
  "topupsRefundedCents",
];

/** The report as CSV lines, one per day (small: at most 90 rows). */
export function* reportCsvLines(report: ReturnType<typeof adminReport>): Generator<string> {
  yield csvLine(REPORT_CSV_HEADER);
  for (const [i, c] of report.credits.days.entries()) {
    const m = report.money.days[i];
    const cells = [
      c.day,
      c.grantedSubscription,
      c.grantedTopup,
      c.grantedPromotional,
      c.spent,
      c.expired,
      c.voided,
      c.refunded,
      c.outstanding,
      report.money.currency,
      m.topupsInCents,
      m.subscriptionsInCents,
      m.topupsRefundedCents,
    ];
    yield csvLine(cells);
  }
}
