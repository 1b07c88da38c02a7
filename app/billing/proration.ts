/**
 * Upgrade credits are prorated like the money: the share of the period left when the change is
 * made, as the plan-change preview shows it (subscriptions.server.ts) and the upgrade invoice
 * grants it (events/invoices.server.ts).
 */

/**
 * `credits` × the share of the period `[start, end)` (Unix seconds) left from `fromSeconds`,
 * rounded to the nearest credit, halves up: all of it from the period's start (or before), none
 * from its end (or after); nothing for a period of zero length (or one that ends before it
 * starts). For non-negative `credits` (an upgrade's difference).
 */
export function proratedCredits(credits: number, period: { start: number; end: number }, fromSeconds: number): number {
  const length = Math.max(1, period.end - period.start);
  const left = Math.min(length, Math.max(0, period.end - Math.max(fromSeconds, period.start)));
  return mulDivRound(credits, left, length);
}

/** a × b ÷ c rounded to the nearest integer (halves up), for non-negative a, b and positive c. */
export function mulDivRound(a: number, b: number, c: number): number {
  if (c <= 0) throw new Error("mulDivRound: divisor must be positive");
  return Number((BigInt(a) * BigInt(b) * 2n + BigInt(c)) / (2n * BigInt(c)));
}
