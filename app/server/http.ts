import type { NextFunction, Request, Response } from "express";
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isApiV1Path } from "../api/v1/router.server";
import { isCrossOriginPost } from "../auth/csrf.server";
import { log } from "../utils/log.server";

const nonces = new WeakMap<ServerResponse, string>();

/** The CSP nonce of this answer (set by securityHeaders); scripts in the page must carry it. */
export function cspNonceOf(res: ServerResponse): string | undefined {
  return nonces.get(res);
}

/**
 * Where a form of ours may end up besides this origin: the billing page's forms post here and are
 * redirected to Stripe Checkout or the billing portal, and browsers apply form-action to that redirect.
 * (The offline Stripe's pages are under this origin.)
 */
const STRIPE_FORM_TARGETS = "https://checkout.stripe.com https://billing.stripe.com";

/**
 * Headers every answer carries. In production the CSP allows scripts only from this origin and
 * inline ones carrying this request's nonce (Remix's <Scripts nonce>): an injected inline script
 * has no nonce and does not run. The nonce is made only for answers that can be pages.
 */
export function securityHeaders(opts: { production: boolean; https: boolean }) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Referrer-Policy", "strict-origin-when-cross-origin");
    res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    res.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    if (opts.production) {
      const nonce = isApiV1Path(req.url) ? undefined : randomBytes(16).toString("base64");
      if (nonce) nonces.set(res, nonce);
      res.setHeader(
        "Content-Security-Policy",
        `default-src 'self'; script-src 'self'${nonce ? ` 'nonce-${nonce}'` : ""}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'; form-action 'self' ${STRIPE_FORM_TARGETS}`,
      );
    }
    if (opts.https) res.setHeader("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
    next();
  };
}

/** Every route but /api/v1 (which keeps its own limit): 1 MiB, counted while the body streams. */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/** After a 413, how long and how much more of the body is read (and dropped) before closing. */
const LINGER_MS = 2_000;
const LINGER_BYTES = 4 * 1024 * 1024;

/**
 * 413 with the API's error shape, then a short lingering close: up to 2 s or 4 MiB more of the body
 * is read and dropped, then the connection is closed. Closing at once could reach a client that
 * is still sending as a reset before it read the 413; reading everything would let it keep the
 * connection (and a buffer per chunk) for the whole request timeout.
 */
export function answerTooLarge(req: IncomingMessage, res: ServerResponse, maxBytes: number): void {
  if (res.headersSent) return;
  res.writeHead(413, { "Content-Type": "application/json; charset=utf-8" });
  res.end(
    JSON.stringify({
      error: { code: "payload_too_large", message: `The request body is larger than ${maxBytes / 1024 / 1024} MiB.` },
    }),
  );
  if (req.complete) return;
  let dropped = 0;
  const close = () => {
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(close, LINGER_MS);
  req.on("data", (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER_BYTES) close();
  });
  // The body ended within the linger: the connection is fine for another request.
  req.once("end", () => clearTimeout(timer));
  req.resume();
}

/** A body declared larger than the limit is refused before any of it is read. */
export function refuseDeclaredLargeBodies(maxBytes: number) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > maxBytes) {
      answerTooLarge(req, res, maxBytes);
      return;
    }
    next();
  };
}

/**
 * Pages take form posts only: a POST (or any other method with a body) to a page (anything
 * outside /api/) that does not say application/x-www-form-urlencoded is refused with 415, rather
 * than failing inside the route's formData() as a 500. This covers an empty body without a type:
 * formData() cannot read that either, and the app's forms always send the type (even when empty).
 * The app's forms never send multipart (there are no uploads).
 */
export function pagesTakeFormsOnly() {
  return (req: Request, res: Response, next: NextFunction) => {
    if (["GET", "HEAD", "OPTIONS"].includes(req.method) || req.path.startsWith("/api/")) return next();
    const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    if (type === "application/x-www-form-urlencoded") return next();
    req.resume();
    res.status(415).json({
      error: {
        code: "unsupported_media_type",
        message: "Pages accept only form posts (application/x-www-form-urlencoded).",
      },
    });
  };
}

/** Whether a request URL is under /api (any case): JSON answers, each with a Request-Id. */
export function isApiPath(url: string | undefined): boolean {
  return url !== undefined && /^\/api(?:[/?#]|$)/i.test(url);
}

/** A client's X-Request-Id is kept when it is this: short, and safe to put in headers and logs. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:/+=@-]{1,200}$/;

/**
 * Gives an /api request its id: the client's X-Request-Id when sane, else a new UUID. It is sent
 * back as `Request-Id`, put on the request's X-Request-Id (Remix routes read it there) and on its
 * log lines (requestLog, and withRequestId around the handling).
 */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers["x-request-id"];
  const id = typeof given === "string" && SANE_REQUEST_ID.test(given) ? given : randomUUID();
  req.headers["x-request-id"] = id;
  res.setHeader("Request-Id", id);
  return id;
}

/** One log line per request, written when the answer is finished (with its Request-Id, if any). */
export function requestLog() {
  return (req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, next: () => void) => {
    const start = process.hrtime.bigint();
    res.on("finish", () => {
      const durationMs = Number(process.hrtime.bigint() - start) / 1e6;
      const requestId = res.getHeader("Request-Id");
      log.info("request", {
        method: req.method,
        path: (req.originalUrl ?? req.url ?? "/").split("?")[0],
        status: res.statusCode,
        ms: Math.round(durationMs * 10) / 10,
        ...(requestId === undefined ? undefined : { requestId }),
      });
    });
    next();
  };
}

/**
 * Under /api, a path that is not valid percent-encoding is a JSON 400 before anything (static
 * files, Remix) tries to decode it and answers in HTML.
 */
export function refuseMalformedApiPaths() {
  return (req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, next: () => void) => {
    const url = req.originalUrl ?? req.url ?? "/";
    if (isApiPath(url)) {
      try {
        decodeURIComponent(url.split("?")[0]);
      } catch {
        sendJsonError(res, 400, "invalid_request", "The URL path is not valid percent-encoding.");
        return;
      }
    }
    next();
  };
}

/** A JSON error under /api that reached Express's error handling (a bug): 500 in the API's shape. */
export function apiErrorsAsJson() {
  return (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!isApiPath(req.originalUrl) || res.headersSent) return next(err);
    log.error("unhandled API error", { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    sendJsonError(res, 500, "internal_error", "Something went wrong on our side.");
  };
}

function sendJsonError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
    "Content-Length": Buffer.byteLength(body),
  });
  res.end(body);
}

export function refuseCrossOriginPosts(appUrl: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const headers = new Headers();
    for (const name of ["authorization", "sec-fetch-site", "origin", "host"]) {
      const v = req.headers[name];
      if (typeof v === "string") headers.set(name, v);
    }
    if (isCrossOriginPost(req.method, req.path, headers, appUrl)) {
      res.status(403).json({ error: { code: "forbidden", message: "Cross-origin form posts are not allowed." } });
      return;
    }
    next();
  };
}
