/**
 * Usage seen: a customer's usage by feature over a range, their included units left this period,
 * and usage by feature across customers (admin reports). Credits are what was charged, so sums are
 * at the prices of their time.
 */
import { MS_PER_DAY } from "../utils/clock";
import type { DbClock } from "../utils/context.server";
import { fillDays, forgetDaysBefore, type DayCache } from "../utils/day-cache.server";
import { AppError } from "../utils/errors";
import { statementsFor, type Statements, type UsageDaySum } from "./store.server";
import type { UsageCtx } from "./usage.server";

export interface UsageRange {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
}

/** One feature's usage over a range. */
export interface FeatureUsage {
  feature: string;
  name: string;
  unitName: string;
  /** Units used (included ones too). */
  quantity: number;
  /** Credits charged for them. */
  credits: number;
  /** Of `quantity`, units that were included in the plan (free). */
  includedUnits: number;
}

/** One feature's usage across customers over a range (reports). */
export interface FeatureUsageReport extends FeatureUsage {
  /** Usage records (API calls, batch events, captures). */
  events: number;
  /** Distinct customers. */
  customers: number;
}

/** One feature's usage on one UTC day (the credits page's chart). */
export interface DailyFeatureUsage {
  day: string; // YYYY-MM-DD
  feature: string;
  quantity: number;
  credits: number;
}

/** The included units of one feature for the user's current billing period. */
export interface IncludedUnitsLeft {
  feature: string;
  name: string;
  unitName: string;
  includedUnits: number;
  used: number;
  remaining: number;
  periodStart: string;
  periodEnd: string;
}

function checkRange(range: UsageRange): [number, number] {
  const fromMs = range.from.getTime();
  const toMs = range.to.getTime();
  if (Number.isNaN(fromMs) || Number.isNaN(toMs) || fromMs >= toMs) {
    throw new AppError("invalid_request", "`from` must be before `to`.", { field: "from" });
  }
  return [fromMs, toMs];
}

function named(s: Statements, featureId: number) {
  const f = s.featureById.get(featureId)!;
  return { feature: f.key, name: f.name, unitName: f.unit_name };
}

const byKey = <T extends { feature: string }>(a: T, b: T) =>
  a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0;

/** The user's usage in [from, to) by feature (features used in it only), by key. */
export function usageSummary(ctx: Pick<DbClock, "db">, userId: number, range: UsageRange): FeatureUsage[] {
  const [fromMs, toMs] = checkRange(range);
  const s = statementsFor(ctx.db);
  return s.userUsageByFeature
    .all(userId, fromMs, toMs)
    .map(([featureId, quantity, credits, includedUnits]) => ({
      ...named(s, featureId),
      quantity,
      credits,
      includedUnits,
    }))
    .sort(byKey);
}

/** The user's usage in [from, to) per UTC day and feature, oldest day first. */
export function usageByDay(ctx: Pick<DbClock, "db">, userId: number, range: UsageRange): DailyFeatureUsage[] {
  const [fromMs, toMs] = checkRange(range);
  const s = statementsFor(ctx.db);
  return s.userUsageByDay
    .all(userId, fromMs, toMs)
    .map(([day, featureId, quantity, credits]) => ({ day, feature: named(s, featureId).feature, quantity, credits }));
}

/** One feature's usage on one day: sums, and who used it (distinct customers do not add up across days). */
interface FeatureDay {
  quantity: number;
  credits: number;
  includedUnits: number;
  events: number;
  customers: Set<number>;
}

interface UsageDayCache extends DayCache<Map<number, FeatureDay>> {
  /** Usage rows up to this id (and no others) are summed into `days`. */
  maxId: number;
}

const usageDayCaches = new WeakMap<object, UsageDayCache>();
/** The longest report (app/credits/reports.server.ts REPORT_PERIODS): older days are never asked for. */
const LONGEST_REPORT_DAYS = 90;

function addUsage(
  day: Map<number, FeatureDay>,
  [, featureId, userId, quantity, credits, included, events]: UsageDaySum,
) {
  let f = day.get(featureId);
  if (!f) day.set(featureId, (f = { quantity: 0, credits: 0, includedUnits: 0, events: 0, customers: new Set() }));
  f.quantity += quantity;
  f.credits += credits;
  f.includedUnits += included;
  f.events += events;
  f.customers.add(userId);
}

/**
 * Usage by feature across every customer over the last `days` UTC days, today included (admin
 * reports and their CSV), by key. Days are cached (app/utils/day-cache.server.ts): after the first
 * report, one reads only the uses recorded since. A use stamped later today than the clock (a clock
 * moved back) counts today.
 */
export function usageReport(ctx: DbClock, days: number): FeatureUsageReport[] {
  // One read snapshot: the watermark and the sums describe the same moment.
  return ctx.db.$client.transaction(() => usageReportIn(ctx, days))();
}

function usageReportIn(ctx: DbClock, days: number): FeatureUsageReport[] {
  const s = statementsFor(ctx.db);
  const today = Math.floor(ctx.clock.now().getTime() / MS_PER_DAY);
  let cache = usageDayCaches.get(ctx.db.$client);
  if (!cache) usageDayCaches.set(ctx.db.$client, (cache = { maxId: 0, days: new Map() }));
  if (cache.days.size === 0) {
    cache.maxId = s.usageMaxId.get() ?? 0;
  } else {
    for (const row of s.usageSumsAfter.all(cache.maxId)) {
      const day = cache.days.get(row[0]);
      if (day) addUsage(day, row as unknown as UsageDaySum);
      cache.maxId = Math.max(cache.maxId, row[7]);
    }
  }
  forgetDaysBefore(cache, today - LONGEST_REPORT_DAYS + 1);
  fillDays(
    cache,
    today - days + 1,
    today,
    (fromDay, toDay) => {
      const out = new Map<number, Map<number, FeatureDay>>();
      for (const row of s.usageDaySums.iterate(fromDay * MS_PER_DAY, toDay * MS_PER_DAY)) {
        let day = out.get(row[0]);
        if (!day) out.set(row[0], (day = new Map()));
        addUsage(day, row);
      }
      return out;
    },
    () => new Map(),
  );

  const totals = new Map<number, FeatureDay>();
  for (let d = today - days + 1; d <= today; d++) {
    for (const [featureId, f] of cache.days.get(d)!) {
      const t = totals.get(featureId);
      if (!t) {
        totals.set(featureId, { ...f, customers: new Set(f.customers) });
        continue;
      }
      t.quantity += f.quantity;
      t.credits += f.credits;
      t.includedUnits += f.includedUnits;
      t.events += f.events;
      for (const userId of f.customers) t.customers.add(userId);
    }
  }
  return [...totals]
    .map(([featureId, t]) => ({
      ...named(s, featureId),
      quantity: t.quantity,
      credits: t.credits,
      includedUnits: t.includedUnits,
      events: t.events,
      customers: t.customers.size,
    }))
    .sort(byKey);
}

/**
 * The included units left this billing period for each feature the user's plan includes units of
 * (empty without a subscription, or when the plan includes none), by key.
 */
export function includedUnitsLeft(ctx: Pick<UsageCtx, "db" | "planTermsOf">, userId: number): IncludedUnitsLeft[] {
  const terms = ctx.planTermsOf(userId);
  if (!terms) return [];
  const s = statementsFor(ctx.db);
  return s.planFeatures
    .all(terms.planId)
    .filter((pf) => pf.enabled === 1 && pf.included_units > 0)
    .map((pf) => {
      const used = Math.min(pf.included_units, s.includedUsed.get(userId, pf.feature_id, terms.periodStartMs) ?? 0);
      return {
        ...named(s, pf.feature_id),
        includedUnits: pf.included_units,
        used,
        remaining: pf.included_units - used,
        periodStart: new Date(terms.periodStartMs).toISOString(),
        periodEnd: new Date(terms.periodEndMs).toISOString(),
      };
    })
    .sort(byKey);
}
