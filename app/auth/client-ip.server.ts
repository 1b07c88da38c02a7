/**
 * Which address counts as "the client" for per-IP login throttling.
 *
 * The Express server resolves it once per request (`resolveClientIp`) and overwrites the request's
 * X-Forwarded-For with that single address before Remix sees it, so route code only ever reads one
 * trusted value (`clientIpFromRequest`) and never a client-supplied chain.
 *
 * Resolution order:
 *  1. Fly-Client-IP — Fly.io's edge sets it and replaces any value the client sent, so behind Fly it
 *     cannot be forged (X-Forwarded-For can: Fly appends to whatever chain the client started).
 *  2. Express's `req.ip` — with `trust proxy` on, the left-most X-Forwarded-For entry, else the
 *     socket address. Good behind a proxy that overwrites the header; forgeable without one.
 *
 * Per-account throttling does not depend on any of this, so a forged IP only buys an attacker a
 * fresh per-IP budget, never more guesses at one account.
 */
export function resolveClientIp(
  headers: Record<string, string | string[] | undefined>,
  expressIp: string | undefined,
): string | undefined {
  const fly = headers["fly-client-ip"];
  const flyIp = (Array.isArray(fly) ? fly[0] : fly)?.trim();
  const ip = flyIp || expressIp;
  return ip ? normalizeIp(ip) : undefined;
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
