export { formatDate, formatDateTime, formatMoney } from "~/utils/format";

const integerFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

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
