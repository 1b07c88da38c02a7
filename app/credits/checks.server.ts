import { AppError } from "../utils/errors";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../utils/json";
import { ENGINE_IDEMPOTENCY_KEY_MAX_LENGTH, MAX_CREDITS_PER_CALL, MAX_REASON_LENGTH } from "../utils/limits";
import { hasVisibleCharacter } from "../utils/text";

/* Input checks: bad input is an AppError invalid_request naming its field, before anything is written. */

/** Largest amount one call may move (the API's documented limit). */
export const MAX_CREDITS = MAX_CREDITS_PER_CALL;
const MAX_KEY_LENGTH = ENGINE_IDEMPOTENCY_KEY_MAX_LENGTH;
const MAX_ACTOR_LENGTH = 200;
const MAX_METADATA_BYTES = 64 * 1024;

export function invalid(field: string, message: string): AppError {
  return new AppError("invalid_request", message, { field });
}

export function checkId(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw invalid(field, `\`${field}\` must be a positive integer.`);
  }
  return value;
}

/** A page size: `fallback` when not given, else an integer from 1 to `max`. */
export function checkLimit(value: number | undefined, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw invalid("limit", `\`limit\` must be an integer from 1 to ${max}.`);
  }
  return value;
}

export function checkCredits(value: unknown, field = "amount"): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > MAX_CREDITS) {
    throw invalid(field, `\`${field}\` must be an integer from 1 to ${MAX_CREDITS}.`);
  }
  return value;
}

export function checkReason(value: unknown, field = "reason"): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw invalid(field, `\`${field}\` must be a string.`);
  if (value.length > MAX_REASON_LENGTH)
    throw invalid(field, `\`${field}\` must be at most ${MAX_REASON_LENGTH} characters.`);
  return value;
}

/**
 * The reason of a grant, void or adjustment, which the customer is shown beside the credits: when
 * given, it must have a character a person can see ("\u0000" or blanks alone say nothing).
 */
export function checkShownReason(value: unknown, field = "reason"): string | null {
  const reason = checkReason(value, field);
  if (reason !== null && !hasVisibleCharacter(reason)) {
    throw invalid(field, `\`${field}\` must contain a visible character.`);
  }
  return reason;
}

export function checkKey(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_KEY_LENGTH) {
    throw invalid("idempotencyKey", `\`idempotencyKey\` must be a string of 1 to ${MAX_KEY_LENGTH} characters.`);
  }
  return value;
}

/** Longest source or group reference a grant takes (docs/decisions/016-grant-source-refs.md). */
const MAX_REF_LENGTH = 255;

/** A grant's sourceRef / groupRef: an opaque string of 1 to MAX_REF_LENGTH characters, or null. */
export function checkRef(value: unknown, field: "sourceRef" | "groupRef"): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_REF_LENGTH) {
    throw invalid(field, `\`${field}\` must be a string of 1 to ${MAX_REF_LENGTH} characters.`);
  }
  return value;
}

export function checkActor(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || value.length > MAX_ACTOR_LENGTH) {
    throw invalid("actor", `\`actor\` must be a string of at most ${MAX_ACTOR_LENGTH} characters.`);
  }
  return value;
}

/** Returns the JSON to store (or null). */
export function checkMetadata(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "object" || Array.isArray(value)) throw invalid("metadata", "`metadata` must be an object.");
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch {
    throw invalid("metadata", "`metadata` must be JSON-serialisable.");
  }
  if (Buffer.byteLength(json) > MAX_METADATA_BYTES) {
    throw invalid("metadata", `\`metadata\` must be at most ${MAX_METADATA_BYTES} bytes as JSON.`);
  }
  // The request hash walks metadata recursively: bound its depth first.
  if (nestsDeeperThan(json, MAX_JSON_DEPTH)) {
    throw invalid("metadata", `\`metadata\` must not nest objects and arrays more than ${MAX_JSON_DEPTH} levels deep.`);
  }
  return json;
}

export function checkDate(value: unknown, field: string): number {
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw invalid(field, `\`${field}\` must be a valid date.`);
  return value.getTime();
}

/** A usage deduction's tag (app/features/: feature, quantity, price version…): JSON text to store, or null. */
export function checkUsageTag(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "object" || Array.isArray(value)) throw invalid("usage", "`usage` must be an object.");
  return JSON.stringify(value);
}
