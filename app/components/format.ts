export { formatDate, formatDateTime, formatMoney, nameWithCredits } from "~/utils/format";

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

/** The product's name, after every page's heading in its `<title>`. */
const PRODUCT_NAME = "Credits";

/** A page's `<title>`: its heading, then the product ("Plans — Credits"). */
export function pageTitle(heading: string): string {
  return `${heading} — ${PRODUCT_NAME}`;
}
