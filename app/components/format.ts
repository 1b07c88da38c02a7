// Fixed locale and UTC, so the server's HTML and the browser's hydration render the same text.
const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });
const dateTimeFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const integerFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function formatDate(value: string | number | Date | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return dateFormat.format(new Date(value));
}

export function formatDateTime(value: string | number | Date | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return `${dateTimeFormat.format(new Date(value))} UTC`;
}

export function formatCredits(n: number): string {
  return integerFormat.format(n);
}

/** "+500" / "−120": ledger amounts with an explicit sign. */
export function formatSignedCredits(n: number): string {
  return n > 0 ? `+${integerFormat.format(n)}` : n < 0 ? `−${integerFormat.format(-n)}` : "0";
}
