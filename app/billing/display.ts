/** Billing values that pages render in the browser too (no server-only imports here). */

/** Top-up packs a customer may buy in one Checkout Session. */
export const MAX_TOPUP_QUANTITY = 10;

/** "$10.00" from integer cents; amounts stay integer cents everywhere else. */
export function formatMoney(cents: number, currency: string): string {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency.toUpperCase()}`;
  }
}
