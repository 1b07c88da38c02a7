// Formatting shared by pages (server and browser), the offline Stripe's pages and messages.
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

/** "Nov 8, 2026" from a UTC calendar day "2026-11-08" (chart axes and per-day tables). */
export function formatDay(day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`Not a calendar day: ${day}`);
  return dateFormat.format(new Date(`${day}T00:00:00Z`));
}

/** "Nov 23, 2026, 10:47 PM UTC" — for instants that matter to the minute (expiries, renewals). */
export function formatDateTime(value: DateInput): string {
  if (value === null || value === undefined) return "—";
  return `${dateTimeFormat.format(new Date(value))} UTC`;
}

/** "$10.00" from integer cents; amounts stay integer cents everywhere else. */
export function formatMoney(cents: number, currency: string): string {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency.toUpperCase()}`;
  }
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

/**
 * "Team pack — 1,000 credits", but a pack already named "1,000 credits" is named once (no
 * "1,000 credits — 1,000 credits"). `separator` joins the two where both are said.
 */
export function nameWithCredits(name: string, credits: number, separator = " — "): string {
  const amount = plural(credits, "credit");
  const said = name.replace(/[,\s]/g, "").toLowerCase().includes(amount.replace(/[,\s]/g, "").toLowerCase());
  return said ? name : `${name}${separator}${amount}`;
}
