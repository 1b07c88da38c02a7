/**
 * Validation for the JSON APIs: zod schemas → values, the first problem → a 400 `invalid_request`
 * naming the field (the one zod → AppError mapping), and the schema pieces endpoints share.
 *
 * Decisions (see docs/decisions/003-api-keys-and-v1-api.md):
 * - Unknown body fields are ignored (zod strips them), so clients can send newer fields to an
 *   older server; a misspelt required field still fails as "required".
 * - An optional field sent as null means the same as leaving it out.
 */
import { z } from "zod";
import { AppError } from "./errors";
import { parseJsonBytes } from "./http.server";
import { MAX_CREDITS_PER_CALL, MAX_REASON_LENGTH } from "./limits";
import { parseInput } from "./zod-input";
import { formatCredits } from "./format";

// The one zod → AppError mapping lives in a client-safe module; the APIs import it from here.
export { parseInput } from "./zod-input";

/** Parses and validates a JSON body; also returns the raw object (for the idempotency hash). */
export function parseJsonBody<S extends z.ZodTypeAny>(
  body: { bytes: Uint8Array | null; contentType: string | undefined },
  schema: S,
  maxBytes?: number,
): { input: z.output<S>; raw: Record<string, unknown> } {
  const raw = parseJsonBytes(body.bytes, body.contentType, maxBytes);
  return { input: parseInput(schema, raw), raw };
}

/** Schema pieces every endpoint shares, with messages that read as sentences after the field name. */
export const zCredits = z
  .number()
  .int()
  .min(1, "must be at least 1.")
  .max(MAX_CREDITS_PER_CALL, `must be at most ${formatCredits(MAX_CREDITS_PER_CALL)}.`);

export const zReason = z
  .string()
  .max(MAX_REASON_LENGTH, `must be at most ${formatCredits(MAX_REASON_LENGTH)} characters.`)
  .nullish();

/**
 * A JSON object (e.g. `metadata`), passed on exactly as parsed. Not z.record(): zod rebuilds the
 * object and drops a "__proto__" key (its guard against prototype pollution), silently losing
 * what the client sent; JSON.parse makes "__proto__" an ordinary own property, safe to keep.
 */
export const zJsonObject = z.custom<Record<string, unknown>>(
  (value) => typeof value === "object" && value !== null && !Array.isArray(value),
  "must be an object.",
);

/**
 * An ISO-8601 instant with `Z` or an offset ("2026-05-01T00:00:00Z"): the OpenAPI `date-time` format
 * exactly, so a date alone ("2026-05-01", whose midnight is in no stated zone) is refused.
 */
const isoDateTime = z.string().datetime({ offset: true });
export const zInstant = z
  .string()
  .refine((s) => isoDateTime.safeParse(s).success, "must be an ISO-8601 date-time such as 2026-05-01T00:00:00Z.")
  .transform((s) => new Date(s));

/** `?limit=` on list endpoints: an integer 1–100, default 50; empty means the default. */
export function parseLimit(query: URLSearchParams, { max = 100, fallback = 50 } = {}): number {
  const value = query.get("limit");
  if (value === null || value === "") return fallback;
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new AppError("invalid_request", `\`limit\` must be an integer from 1 to ${max}.`, { field: "limit" });
  }
  return Number(value);
}
