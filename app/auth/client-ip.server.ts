import { isIP } from "node:net";
import type { TrustProxy } from "../utils/env.server";

/**
 * Which address counts as "the client" for per-IP throttling (login, signup).
 *
 * The Express server resolves it once per request (`resolveClientIp`) and overwrites the request's
 * X-Forwarded-For with that single address before Remix sees it, so route code only ever reads one
 * trusted value (`clientIpFromRequest`) and never a client-supplied chain.
 *
 * A header is believed only when TRUST_PROXY says a proxy in front of us sets it
 * (docs/decisions/004-trust-rules.md):
 *  - unset: no header; the socket's peer address. A client cannot change it.
 *  - `fly`: Fly-Client-IP, which Fly's edge sets and overwrites whatever the client sent.
 *  - N: the address N hops back in X-Forwarded-For (each trusted proxy appends the peer it saw,
 *    so the N right-most entries were written by our proxies; anything left of them is the client's
 *    own claim and is ignored).
 * A trusted header that is missing or not an IP address falls back to the socket address.
 */
export function resolveClientIp(
  headers: Record<string, string | string[] | undefined>,
  socketAddress: string | undefined,
  trust: TrustProxy,
): string | undefined {
  const claimed =
    trust.kind === "fly" ? flyClientIp(headers) : trust.kind === "hops" ? forwardedHop(headers, trust.hops) : undefined;
  const ip = claimed && isIP(claimed) ? claimed : socketAddress;
  return ip ? normalizeIp(ip) : undefined;
}

function single(value: string | string[] | undefined): string | undefined {
  return (Array.isArray(value) ? value.join(",") : value)?.trim() || undefined;
}

function flyClientIp(headers: Record<string, string | string[] | undefined>): string | undefined {
  const v = single(headers["fly-client-ip"]);
  return v && !v.includes(",") ? v : undefined;
}

function forwardedHop(headers: Record<string, string | string[] | undefined>, hops: number): string | undefined {
  const chain = (single(headers["x-forwarded-for"]) ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  // With N trusted proxies the client is the N-th entry from the right; a shorter chain means a
  // proxy added nothing, and its left-most entry is the best we have.
  return chain.length === 0 ? undefined : chain[Math.max(0, chain.length - hops)];
}

/** The one address the server put in X-Forwarded-For (first entry, in case it ran without it). */
export function clientIpFromRequest(request: Request): string | null {
  const first = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return first ? normalizeIp(first) : null;
}

/** "::ffff:127.0.0.1" and "127.0.0.1" are the same client; keys must not differ by notation. */
function normalizeIp(ip: string): string {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return (v4mapped ? v4mapped[1] : ip).toLowerCase().slice(0, 64);
}
