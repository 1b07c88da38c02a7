/**
 * Cross-origin form posts are refused. Browsers send Sec-Fetch-Site (and Origin) on every POST;
 * a request from another site is refused even though the SameSite=Lax cookie would already be
 * withheld. Clients that are not browsers send neither header and are let through. The Stripe
 * webhook and requests authenticated by an API key (Bearer) are exempt: they carry no cookie.
 */
export function isExemptFromOriginCheck(pathname: string, headers: Headers): boolean {
  if (pathname.startsWith("/api/webhooks/")) return true;
  return /^Bearer\s+/i.test(headers.get("authorization") ?? "");
}

export function isCrossOriginPost(method: string, pathname: string, headers: Headers, appUrl: string): boolean {
  if (["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase())) return false;
  if (isExemptFromOriginCheck(pathname, headers)) return false;
  const site = headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return true;
  const origin = headers.get("origin");
  if (!origin || origin === "null") return origin === "null";
  const allowed = new Set<string>([new URL(appUrl).origin]);
  const host = headers.get("host");
  if (host) {
    allowed.add(`http://${host}`);
    allowed.add(`https://${host}`);
  }
  return !allowed.has(origin);
}
