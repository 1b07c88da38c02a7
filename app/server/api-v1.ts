/**
 * Serves /api/v1/* straight from Node's req/res, ahead of compression and Remix: the body is read
 * as a Buffer (up to the endpoint's limit, 1 MiB unless it says more), the transport-neutral router
 * (app/api/v1/router.server.ts) answers, and the answer goes out in one writeHead + end. Remix's per-request machinery (route ranking,
 * web Request/Response, streams, AbortSignals) cost ~80 % of an API request; see docs/benchmarks.md.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { startApiV1 } from "../api/v1/router.server";
import type { DbClock } from "../utils/context.server";
import { errorAnswer, type ApiAnswer } from "../utils/http.server";
import { withRequestId } from "../utils/log.server";
import { groupCommitter } from "./group-commit";

/**
 * Reads the body into one Buffer; `done(null)` as soon as it is known to be over `maxBytes`
 * (by Content-Length, or by the bytes that arrive). The rest of an oversized body is left to flow
 * and be discarded, so the client, still sending, receives the 413 rather than a reset.
 */
function readBody(req: IncomingMessage, maxBytes: number, done: (body: Buffer | null) => void): void {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > maxBytes) {
    done(null);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) {
      req.off("data", onData);
      req.off("end", onEnd);
      req.resume();
      chunks.length = 0;
      done(null);
      return;
    }
    chunks.push(chunk);
  };
  const onEnd = () => done(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
  req.on("data", onData);
  req.on("end", onEnd);
  // A client that goes away mid-body gets no answer; without a listener the error would be thrown.
  req.on("error", () => {});
}

function send(req: IncomingMessage, res: ServerResponse, answer: ApiAnswer): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(answer.status, { ...answer.headers, "Content-Length": Buffer.byteLength(answer.body) });
  res.end(req.method === "HEAD" ? undefined : answer.body);
}

/** The /api/v1 handler on Node's own req/res: the server calls it for /api/v1 paths before Express sees them. */
export function apiV1Handler(context: DbClock) {
  const group = groupCommitter(context.db.$client);
  return (req: IncomingMessage, res: ServerResponse): void => {
    try {
      const step = startApiV1(context, {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: req.headers,
      });
      if ("answer" in step) send(req, res, step.answer);
      else if (!step.readsBody) send(req, res, step.finish(null));
      else {
        const requestId = res.getHeader("Request-Id") as string | undefined;
        const answer = (make: () => ApiAnswer) =>
          withRequestId(requestId, () => {
            try {
              send(req, res, make());
            } catch (e) {
              send(req, res, errorAnswer(e));
            }
          });
        readBody(req, step.maxBodyBytes, (body) => {
          if (step.groupCommit && body !== null) {
            group({ requestId, run: () => step.run(body), done: (a) => answer(() => a) });
          } else {
            answer(() => step.finish(body));
          }
        });
      }
    } catch (e) {
      send(req, res, errorAnswer(e));
    }
  };
}
