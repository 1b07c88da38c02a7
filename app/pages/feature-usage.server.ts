/**
 * Usage by feature, as the customer's credits page and the admin's customer page show it: the
 * current billing period (the last 30 days without a subscription), per feature and per day, and
 * the included units left this period.
 */
import { planTermsOf, usageContext } from "../billing/usage.server";
import { includedUnitsLeft, usageByDay, usageSummary, type FeatureUsageReport } from "../features/index.server";
import type { DbClock } from "../utils/context.server";
import { csvLine } from "../utils/csv.server";

const DAY_MS = 86_400_000;
const dayOf = (atMs: number) => new Date(atMs).toISOString().slice(0, 10);

/** Every UTC day from `fromMs` to `toMs` (exclusive), oldest first. */
function daysBetween(fromMs: number, toMs: number): string[] {
  const days: string[] = [];
  for (let dayStartMs = Date.parse(`${dayOf(fromMs)}T00:00:00Z`); dayStartMs < toMs; dayStartMs += DAY_MS)
    days.push(dayOf(dayStartMs));
  return days;
}

/** The usage section's view model for one customer. */
export function featureUsageView(ctx: DbClock, userId: number) {
  const nowMs = ctx.clock.now().getTime();
  const terms = planTermsOf(ctx, userId);
  const toMs = nowMs + 1; // exclusive, so usage recorded this millisecond counts
  const fromMs =
    terms && terms.periodStartMs < nowMs ? terms.periodStartMs : Date.parse(`${dayOf(nowMs - 29 * DAY_MS)}T00:00:00Z`);
  const range = { from: new Date(fromMs), to: new Date(toMs) };
  const features = usageSummary(ctx, userId, range);
  const days = daysBetween(fromMs, toMs);
  const index = new Map(days.map((d, i) => [d, i]));
  const perDay = new Map(features.map((f) => [f.feature, days.map(() => 0)]));
  for (const d of usageByDay(ctx, userId, range)) {
    const i = index.get(d.day);
    const values = perDay.get(d.feature);
    if (i !== undefined && values) values[i] += d.credits;
  }
  return {
    period: terms ? ("billing-period" as const) : ("last-30-days" as const),
    from: range.from.toISOString(),
    features,
    days,
    creditsPerDay: features.map((f) => ({ feature: f.feature, name: f.name, values: perDay.get(f.feature)! })),
    included: includedUnitsLeft(usageContext(ctx), userId),
  };
}
export type FeatureUsageView = ReturnType<typeof featureUsageView>;

const FEATURE_REPORT_CSV_HEADER = [
  "feature",
  "name",
  "unit",
  "units_used",
  "included_units_used",
  "credits",
  "events",
  "customers",
] as const;

/** The reports page's usage by feature as CSV lines, header first. */
export function* featureReportCsvLines(rows: FeatureUsageReport[]): Generator<string> {
  yield csvLine(FEATURE_REPORT_CSV_HEADER);
  for (const r of rows) {
    yield csvLine([r.feature, r.name, r.unitName, r.quantity, r.includedUnits, r.credits, r.events, r.customers]);
  }
}
