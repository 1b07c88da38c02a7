/** Limits on what a caller may send, defined once for the APIs, the forms and the credit engine. */

/** Largest request body the JSON APIs read. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** An Idempotency-Key header's longest value. */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
/**
 * The credit engine's longest idempotency key: the caller's namespace in front of a header's key
 * (`api:<scope>:<key>`, `admin-adjust:<key>`) or a Stripe event id (decision 003).
 */
export const ENGINE_IDEMPOTENCY_KEY_MAX_LENGTH = 1000;
/** Largest amount of credits one call may move (the API's documented limit). */
export const MAX_CREDITS_PER_CALL = 1_000_000_000_000;
/** Longest `reason` a grant, deduction or correction may carry. */
export const MAX_REASON_LENGTH = 1000;
/** Top-up packs a customer may buy in one Checkout Session. */
export const MAX_TOPUP_QUANTITY = 10;
