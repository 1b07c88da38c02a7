// Pages import every formatter from here; the formatters themselves live in ~/utils/format (shared
// with the mail templates and the server), so there is one of each.
export {
  formatCredits,
  formatDate,
  formatDateTime,
  formatDay,
  formatMoney,
  formatSignedCredits,
  nameWithCredits,
  plural,
} from "~/utils/format";

/** Ledger entry types in people's words, in the order filters list them (customer and admin pages alike). */
export const ENTRY_LABELS: Record<string, string> = {
  grant: "Added",
  deduction: "Used",
  expiration: "Expired",
  void: "Voided",
  refund: "Refunded",
  adjustment: "Adjustment",
};

/** The product's name, after every page's heading in its `<title>`. */
const PRODUCT_NAME = "Credits";

/** A page's `<title>`: its heading, then the product ("Plans — Credits"). */
export function pageTitle(heading: string): string {
  return `${heading} — ${PRODUCT_NAME}`;
}
