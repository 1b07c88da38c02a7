/**
 * Per-UTC-day totals of append-only rows, kept in memory per connection, for reports over the last
 * N days (the credit report, usage by feature). Each day (today's too) is summed once; after that a
 * report reads only the rows written since (ids above a watermark: a primary-key range) and adds
 * each to the cached day it is stamped with, an earlier day's for a late row (a clock moved back, a
 * restore). Rows of days not cached yet are left for the range sum that will cache that day. So
 * the totals always equal a from-scratch sum, as long as each report runs in one read transaction.
 */

export interface DayCache<T> {
  /** Days (index = days since the epoch, UTC) → their totals, today's included (partial). */
  days: Map<number, T>;
}

/** Drops days before `oldest` (no report looks that far back). */
export function forgetDaysBefore<T>(cache: DayCache<T>, oldest: number): void {
  for (const d of cache.days.keys()) if (d < oldest) cache.days.delete(d);
}

/**
 * Caches the days in [first, last] not cached yet, summing each run of consecutive ones with one
 * `sumDays(fromDay, toDay)` (whole days [fromDay, toDay), keyed by day); a day without rows gets `empty()`.
 */
export function fillDays<T>(
  cache: DayCache<T>,
  first: number,
  last: number,
  sumDays: (fromDay: number, toDay: number) => Map<number, T>,
  empty: () => T,
): void {
  let d = first;
  while (d <= last) {
    if (cache.days.has(d)) {
      d++;
      continue;
    }
    let end = d;
    while (end <= last && !cache.days.has(end)) end++;
    const sums = sumDays(d, end);
    for (let i = d; i < end; i++) cache.days.set(i, sums.get(i) ?? empty());
    d = end;
  }
}
