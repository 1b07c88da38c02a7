import { createHash } from "node:crypto";

/**
 * How deep request bodies and stored metadata may nest objects and arrays (deeper is a 400). Far
 * above what any body needs, and far below what a recursive walk of the value (canonicalJson) can
 * take: 100,000 levels fit in a 1 MiB body and overflowed the stack (a 500).
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether valid JSON text nests objects/arrays deeper than `max`. A scan of the text rather than
 * a walk of the parsed value: no recursion, so no depth can overflow it.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote; a backslash escapes the next character.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/**
 * JSON with object keys sorted (undefined members dropped), so key order and whitespace don't make
 * two equal values differ. The one canonical JSON: the API's Idempotency-Key store and the credit
 * engine's ledger keys both hash requests with it. For plain JSON data (a parsed body); callers
 * with Dates or other toJSON values pass them through JSON first.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** sha256 (hex) of the canonical JSON: the request hash stored beside an idempotency key. */
export function jsonHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}
