/**
 * Usage seen: a customer's usage by feature over a range, their included units left this period,
 * and usage by feature across customers (admin reports). Credits are what was charged, so sums are
 * at the prices of their time.
 */
import type { DbClock } from "../utils/context.server";
import { AppError } from "../utils/errors";
import { statementsFor, type Statements } from "./store.server";
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

/** Usage by feature across every customer in [from, to) (admin reports and their CSV), by key. */
export function usageReport(ctx: Pick<DbClock, "db">, range: UsageRange): FeatureUsageReport[] {
  const [fromMs, toMs] = checkRange(range);
  const s = statementsFor(ctx.db);
  return s.usageByFeature
    .all(fromMs, toMs)
    .map(([featureId, quantity, credits, includedUnits, events, customers]) => ({
      ...named(s, featureId),
      quantity,
      credits,
      includedUnits,
      events,
      customers,
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
