import type { NextFunction, Request, Response } from "express";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isCrossOriginPost } from "../auth/csrf.server";
import { log } from "../utils/log.server";

/** Headers every answer carries. */
export function securityHeaders(opts: { production: boolean; https: boolean }) {
  return (_req: IncomingMessage, res: ServerResponse, next: () => void) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Referrer-Policy", "strict-origin-when-cross-origin");
    res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    res.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    if (opts.production) {
      res.setHeader(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'",
      );
    }
    if (opts.https) res.setHeader("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
    next();
  };
}

/** One log line per request, written when the answer is finished. */
export function requestLog() {
  return (req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, next: () => void) => {
    const start = process.hrtime.bigint();
    res.on("finish", () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      log.info("request", {
        method: req.method,
        path: (req.originalUrl ?? req.url ?? "/").split("?")[0],
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
      });
    });
    next();
  };
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
