/**
 * Every error code the API answers with: what it means and what the caller should do. Rendered
 * on /docs/api (#errors) and in docs/api.md; typed over ErrorCode, so a new code cannot ship without
 * its entry.
 */
import { ERROR_STATUS, type ErrorCode } from "../utils/errors";

const ERROR_CATALOGUE: Record<ErrorCode, { meaning: string; action: string }> = {
  invalid_request: {
    meaning: "The body, a query parameter or the URL is not valid; `field` names the culprit. Nothing was written.",
    action: "Fix the request (the message says how). Retrying it unchanged fails the same way.",
  },
  unauthenticated: {
    meaning: "No `Authorization: Bearer <key>`, or the key is unknown or revoked.",
    action: "Send a valid key; if it was revoked, ask an administrator for a new one.",
  },
  insufficient_credits: {
    meaning: "The user cannot spend (or hold) that many credits now; `balance` and `requested` say how far off.",
    action: "Spend less, grant or sell credits first, or wait for a hold to be released. Do not retry as is.",
  },
  forbidden: {
    meaning: "The key is valid but its scope does not allow this (a usage key on an admin endpoint).",
    action: "Use an admin key for this call.",
  },
  feature_not_included: {
    meaning: "The user's plan does not include this feature (the plan sets it `enabled: false`). Nothing was written.",
    action: "Offer the customer a plan that includes it; `POST /users/:userId/check` tells in advance.",
  },
  feature_archived: {
    meaning: "The feature is archived: it can no longer be used or held. Nothing was written.",
    action: "Stop sending this feature, or ask an administrator to unarchive it.",
  },
  not_found: {
    meaning: "No such user, grant, hold, plan or endpoint (also for ids that cannot exist, and unknown paths).",
    action: "Check the id (or `ext:` external id) and the path.",
  },
  method_not_allowed: {
    meaning: "The path exists, but not with this HTTP method; `Allow` lists the methods it has.",
    action: "Use one of the methods in `Allow`.",
  },
  conflict: {
    meaning: "The request contradicts what exists: a taken email or external id, a hold no longer held (`status`).",
    action: "Read the current state (GET the resource) and decide; retrying as is fails the same way.",
  },
  idempotency_conflict: {
    meaning: "This Idempotency-Key (or a batch item's `idempotencyKey`) was already used with another body.",
    action: "Use a new key for a new operation; reuse a key only to retry the very same request.",
  },
  payload_too_large: {
    meaning: "The body is over the endpoint's limit (1 MiB; deduction batches 4 MiB).",
    action: "Send less: split a batch into several requests.",
  },
  unsupported_media_type: {
    meaning: "The body is not JSON.",
    action: "Send `Content-Type: application/json` and a JSON object.",
  },
  too_many_requests: {
    meaning: "Too many attempts of a sign-in or password action from one place.",
    action: "Wait `Retry-After` seconds.",
  },
  rate_limited: {
    meaning: "The API key used up its requests per second (a token bucket per key and server process).",
    action:
      "Wait `Retry-After` seconds (RateLimit-Reset says the same), then retry with the same Idempotency-Key; spread requests or batch deductions.",
  },
  internal_error: {
    meaning: "A bug on our side; the request's change was rolled back.",
    action: "Retry with the same Idempotency-Key; report the answer's `Request-Id` if it persists.",
  },
  service_unavailable: {
    meaning: "The database was busy for too long; nothing was written.",
    action: "Retry after `Retry-After` seconds with the same Idempotency-Key.",
  },
  storage_unavailable: {
    meaning: "The server's disk is full, read-only or failing; nothing was written.",
    action: "Retry after `Retry-After` seconds with the same Idempotency-Key; reads may still work.",
  },
};

/** The catalogue in the order of HTTP status, for pages and docs. */
export function errorCatalogue(): { code: ErrorCode; status: number; meaning: string; action: string }[] {
  return (Object.keys(ERROR_CATALOGUE) as ErrorCode[])
    .map((code) => ({ code, status: ERROR_STATUS[code], ...ERROR_CATALOGUE[code] }))
    .sort((a, b) => a.status - b.status);
}
