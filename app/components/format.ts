// Fixed locale and UTC, so the server's HTML and the browser's hydration render the same text;
// the zone is always printed so nobody has to guess whose midnight a date means.
const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });
const dateTimeFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const integerFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

type DateInput = string | number | Date | null | undefined;

/** "Nov 23, 2026" — for days (purchases, audit rows); the full instant goes in a title. */
export function formatDate(value: DateInput): string {
  if (value === null || value === undefined) return "—";
  return dateFormat.format(new Date(value));
}

/** "Nov 23, 2026, 10:47 PM UTC" — for instants that matter to the minute (expiries, renewals). */
export function formatDateTime(value: DateInput): string {
  if (value === null || value === undefined) return "—";
  return `${dateTimeFormat.format(new Date(value))} UTC`;
}

/** "1,500". */
export function formatCredits(n: number): string {
  return integerFormat.format(n);
}

/** "+500" / "−120": ledger amounts with an explicit sign. */
export function formatSignedCredits(n: number): string {
  return n > 0 ? `+${integerFormat.format(n)}` : n < 0 ? `−${integerFormat.format(-n)}` : "0";
}

/** "1 customer", "1,204 customers". */
export function plural(n: number, noun: string): string {
  return `${integerFormat.format(n)} ${noun}${n === 1 ? "" : "s"}`;
}

// Money: one formatter for every page ("$10.00" from integer cents).
export { formatMoney } from "~/billing/display";
