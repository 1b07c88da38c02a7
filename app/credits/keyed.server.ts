import { AppError } from "../utils/errors";
import { jsonHash } from "../utils/json";
import { checkActor, checkKey } from "./checks.server";
import type { Statements } from "./statements.server";
import type { EntryRow } from "./tables/ledger.server";

/*
 * WHAT AN IDEMPOTENCY KEY'S REQUEST HASH COVERS (one rule for every write):
 * - the operation (`op`: grant, deduction, adjustment, hold, capture, void, refund, rollover), so
 *   one key never names two kinds of write;
 * - every field that shapes the credits or the stored entry: amount, reason, metadata (as sent),
 *   and per operation type/source/priority/effectiveAt/expiresAt/links (grants), grantId (voids,
 *   refunds), holdId (captures), source (adjustments) — as the caller sent them: an omitted field
 *   is not the same as its default given explicitly (effectiveAt's default is the clock, so it
 *   cannot be otherwise; the one exception, an adjustment's source, defaults to "admin" before hashing);
 * - NOT the user (keys are unique per user already) and NOT `actor`: who retries does not change
 *   what is asked (a webhook retried by another worker, an API key rotated between retries).
 */

/** Who asks, under which key, and the hash a replay under that key must match. */
export interface KeyedRequest {
  actor: string | null;
  key: string | null;
  hash: string | null;
}

/**
 * The preamble every keyed write shares (grant, deduct, adjust, hold, capture, void, refund,
 * rollover): the actor and key checked, the key scoped to the one grant or hold the write acts on
 * (so the same caller key may void two grants), and the request's hash.
 */
export function keyedRequest(
  input: { idempotencyKey?: string | null; actor?: string | null },
  request: { op: string } & Record<string, unknown>,
  scope?: `grant:${number}` | `hold:${number}`,
): KeyedRequest {
  const actor = checkActor(input.actor);
  const given = checkKey(input.idempotencyKey);
  const key = given === null || scope === undefined ? given : `${given}#${scope}`;
  return { actor, key, hash: key === null ? null : requestHash(request) };
}

/** The hash stored beside an idempotency key (the rule above). */
export function requestHash(request: Record<string, unknown>): string {
  // Through JSON first, so a request hashes exactly as its metadata is stored (toJSON applied,
  // functions dropped): a Date and its ISO string are the same request, two different Dates are not.
  return jsonHash(JSON.parse(JSON.stringify(request) ?? "null"));
}

/** A key names one request for good: another request under it is `idempotency_conflict`. */
export function requireSameRequest(storedHash: string | null, request: KeyedRequest): void {
  if (storedHash !== request.hash) {
    throw new AppError("idempotency_conflict", "This idempotency key was already used for a different request.", {
      field: "idempotencyKey",
    });
  }
}

/** The ledger entry the request's key already produced for the user, if any. */
export function findReplay(s: Statements, userId: number, request: KeyedRequest): EntryRow | undefined {
  if (request.key === null) return undefined;
  const row = s.entryByKey.get(userId, request.key) as EntryRow | undefined;
  if (row) requireSameRequest(row.request_hash, request);
  return row;
}
