/**
 * Remix behind Express, with the request body counted while it streams. This replaces
 * @remix-run/express's createRequestHandler (same request and response mapping) because that one
 * hands Remix the raw request stream: a route that reads its body (the Stripe webhook's
 * `request.text()`) would buffer a chunked upload of any size. Here the body passes a counter; past
 * the limit the client gets 413 at once, the route's read fails (its answer is dropped) and the
 * connection is closed after a short linger, without reading the rest, so memory stays flat.
 */
import {
  createReadableStreamFromReadable,
  createRequestHandler,
  writeReadableStreamToWritable,
  type AppLoadContext,
  type ServerBuild,
} from "@remix-run/node";
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from "express";
import { Transform, type Readable } from "node:stream";
import { BodyTooLargeError } from "./body-too-large";
import { answerTooLarge } from "./http";

/** `req`'s body through a byte counter; past `maxBytes` it fails and `onTooLarge` runs once. */
function countedBody(req: ExpressRequest, maxBytes: number, onTooLarge: () => void): Readable {
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) callback(new BodyTooLargeError());
      else callback(null, chunk);
    },
  });
  counter.once("error", (e) => {
    if (!(e instanceof BodyTooLargeError)) return;
    // pipe() has unpiped on the error; the 413 reads a little more, then closes the connection.
    req.unpipe(counter);
    onTooLarge();
  });
  // A client that goes away mid-body: the route's read fails rather than waiting forever.
  req.once("close", () => {
    if (!req.complete && !counter.destroyed) counter.destroy(new Error("The client closed the connection mid-body."));
  });
  req.pipe(counter);
  return counter;
}

function remixRequest(req: ExpressRequest, body: Readable | undefined, signal: AbortSignal): Request {
  // As @remix-run/express does: the host (with its port) from the Host header, the full original path.
  const hostPort = Number.parseInt((req.get("host") ?? "").split(":")[1] ?? "", 10);
  const host = `${req.hostname}${Number.isSafeInteger(hostPort) ? `:${hostPort}` : ""}`;
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  const init: RequestInit & { duplex?: "half" } = { method: req.method, headers, signal };
  if (body) {
    init.body = createReadableStreamFromReadable(body);
    init.duplex = "half";
  }
  return new Request(new URL(`${req.protocol}://${host}${req.originalUrl}`).href, init);
}

async function sendRemixResponse(res: ExpressResponse, response: Response): Promise<void> {
  res.statusMessage = response.statusText;
  res.status(response.status);
  // Pages, their data and CSVs show one person's account: no shared or browser cache may keep them,
  // unless the route says otherwise itself.
  if (!response.headers.has("cache-control")) res.setHeader("Cache-Control", "no-store");
  for (const [name, value] of response.headers.entries()) res.append(name, value);
  if (/text\/event-stream/i.test(response.headers.get("content-type") ?? "")) res.flushHeaders();
  if (response.body) await writeReadableStreamToWritable(response.body, res);
  else res.end();
}

export function remixHandler(opts: {
  build: ServerBuild | (() => Promise<ServerBuild>);
  mode: string;
  maxBodyBytes: number;
  loadContext: (req: ExpressRequest, res: ExpressResponse) => AppLoadContext;
}) {
  const handle = createRequestHandler(opts.build, opts.mode);
  return async (req: ExpressRequest, res: ExpressResponse, next: NextFunction): Promise<void> => {
    const controller = new AbortController();
    // Abort loaders and actions once no answer can be written (closed without finishing).
    res.on("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    try {
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const body = hasBody
        ? countedBody(req, opts.maxBodyBytes, () => {
            controller.abort();
            answerTooLarge(req, res, opts.maxBodyBytes);
          })
        : undefined;
      const response = await handle(remixRequest(req, body, controller.signal), opts.loadContext(req, res));
      if (res.headersSent) {
        // Already answered (413): drop what the route made of its cut-off body.
        await response.body?.cancel().catch(() => {});
        return;
      }
      await sendRemixResponse(res, response);
    } catch (e) {
      if (res.headersSent) return;
      next(e);
    }
  };
}
