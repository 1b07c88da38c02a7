/**
 * Per-API-key rate limits: a token bucket per key, in this process's memory. A key limited to N
 * requests per second holds at most N tokens (a burst of one second's worth), refilled at N a
 * second; each request takes one, and a request that finds none is refused with 429
 * `rate_limited` and the standard headers. Keys without a limit never reach here. Several
 * processes (docs/decisions/005-scale-out.md) each keep their own buckets, so a key's limit there
 * is per process; the decision record says why that is enough (docs/decisions/021-api-rate-limits.md).
 */
import { AppError } from "../utils/errors";

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms, the injectable clock's). */
  atMs: number;
  limit: number;
}

const buckets = new Map<number, Bucket>();
/** Buckets of keys idle for this long are full again: dropped, to keep the map small. */
const IDLE_MS = 60_000;
const SWEEP_EVERY = 10_000;
let sinceSweep = 0;

function sweep(nowMs: number): void {
  for (const [id, b] of buckets) if (nowMs - b.atMs > IDLE_MS) buckets.delete(id);
}

/**
 * Takes one request from key `keyId`'s bucket (limit: requests per second) at `nowMs`, or throws
 * 429 `rate_limited` with Retry-After and RateLimit-Limit/-Remaining/-Reset (whole seconds, at least 1).
 */
export function takeRequest(keyId: number, limit: number, nowMs: number): void {
  let b = buckets.get(keyId);
  if (!b || b.limit !== limit) {
    b = { tokens: limit, atMs: nowMs, limit };
    buckets.set(keyId, b);
    if (++sinceSweep >= SWEEP_EVERY) {
      sinceSweep = 0;
      sweep(nowMs);
    }
  } else if (nowMs > b.atMs) {
    b.tokens = Math.min(limit, b.tokens + ((nowMs - b.atMs) * limit) / 1000);
    b.atMs = nowMs;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return;
  }
  const waitSeconds = String(Math.max(1, Math.ceil((1 - b.tokens) / limit)));
  throw new AppError(
    "rate_limited",
    `This API key may make ${limit} requests a second; retry after ${waitSeconds} s.`,
    {
      headers: {
        "Retry-After": waitSeconds,
        "RateLimit-Limit": String(limit),
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": waitSeconds,
      },
    },
  );
}

/** Forgets every bucket (tests). */
export function resetRateLimits(): void {
  buckets.clear();
}
