/** Billing values that pages render in the browser too (no server-only imports here). */

/** Top-up packs a customer may buy in one Checkout Session. */
export const MAX_TOPUP_QUANTITY = 10;
