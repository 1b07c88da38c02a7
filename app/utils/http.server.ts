/**
 * HTTP for the JSON APIs: body reading with size and type limits, errors → JSON (in `errorAnswer`,
 * the one place), resource routes. Validation is ./schemas.server.ts; Idempotency-Key handling is
 * ./idempotency.server.ts.
 *
 * The core is transport-neutral: an `ApiAnswer` ({status, headers, body text}) that the v1 API's
 * Node handler (app/server/api-v1.ts) writes in one go, and that `toResponse` turns into a web
 * Response for the Remix resource routes (the admin plan API, the Stripe webhook).
 *
 * Decisions (see docs/decisions/003-api-keys-and-v1-api.md):
 * - Bodies nest at most MAX_JSON_DEPTH levels of objects and arrays.
 * - Ids in the path that are not positive integers answer 404 `not_found`, like unknown ids.
 * - A POST with no body and no Content-Type, or with an empty JSON body, reads as `{}`.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { AppError, errorBody, httpStatusFor, isAppError } from "./errors";
import { log, withRequestId } from "./log.server";
import {
  isBusyError,
  isStorageError,
  noteStorageFailure,
  STORAGE_RETRY_AFTER_SECONDS,
  storageUnavailableError,
} from "./storage-errors.server";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "./json";
import { MAX_BODY_BYTES } from "./limits";

/** What a route's domain call produces; turned into an answer (and stored for replays). */
export interface ApiResult {
  status: number;
  body: unknown;
}

/** A finished JSON answer: the body is already serialised, so it is written (or stored) as is. */
export interface ApiAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Request headers as Node gives them: lower-case names. */
export type ApiHeaders = Record<string, string | string[] | undefined>;

/** One header's value; a repeated header counts by its first value. */
export function headerOf(headers: ApiHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

// Shared by most answers, so never mutated (frozen to make sure).
const JSON_HEADERS: Record<string, string> = Object.freeze({
  "Content-Type": "application/json; charset=utf-8",
  "Cache-Control": "no-store",
});

export function jsonAnswer(body: unknown, status = 200, headers?: Record<string, string>): ApiAnswer {
  return jsonTextAnswer(JSON.stringify(body), status, headers);
}

export function jsonTextAnswer(text: string, status: number, headers?: Record<string, string>): ApiAnswer {
  return { status, headers: headers ? { ...JSON_HEADERS, ...headers } : JSON_HEADERS, body: text };
}

export function toResponse(answer: ApiAnswer): Response {
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

export function jsonResponse(body: unknown, status = 200, headers?: Record<string, string>): Response {
  return toResponse(jsonAnswer(body, status, headers));
}

/** The one place an error becomes an HTTP answer: `{"error": {"code", "message", "field"?}, ...extra}`. */
export function errorAnswer(e: unknown): ApiAnswer {
  if (isAppError(e)) {
    const headers: Record<string, string> = {};
    if (e.code === "unauthenticated") headers["WWW-Authenticate"] = 'Bearer realm="api"';
    if (e.code === "service_unavailable" || e.code === "too_many_requests") headers["Retry-After"] = "1";
    if (e.code === "storage_unavailable") headers["Retry-After"] = String(STORAGE_RETRY_AFTER_SECONDS);
    if (e.headers) Object.assign(headers, e.headers);
    return jsonAnswer(errorBody(e), httpStatusFor(e.code), headers);
  }
  if (isStorageError(e)) {
    // Full, read-only or failing disk: the transaction rolled back, so retrying later is safe.
    noteStorageFailure(e, "api");
    return errorAnswer(storageUnavailableError(e));
  }
  if (isBusyError(e)) {
    // Another process held the write lock past busy_timeout; nothing was written, retrying is safe.
    log.warn("database busy", { error: String(e) });
    return errorAnswer(new AppError("service_unavailable", "The database is busy; retry shortly."));
  }
  log.error("unhandled API error", { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  return jsonAnswer({ error: { code: "internal_error", message: "Something went wrong on our side." } }, 500);
}

/** `errorAnswer` as a web Response (a thrown Response, e.g. a redirect, passes through). */
export function errorResponse(e: unknown): Response {
  if (e instanceof Response) return e;
  return toResponse(errorAnswer(e));
}

export function methodNotAllowedAnswer(allowed: string[]): ApiAnswer {
  return jsonAnswer(
    { error: { code: "method_not_allowed", message: `Use ${allowed.join(" or ")} on this endpoint.` } },
    405,
    { Allow: allowed.join(", ") },
  );
}

export function methodNotAllowed(allowed: string[]): Response {
  return toResponse(methodNotAllowedAnswer(allowed));
}

type Handler<A> = (args: A) => Response | Promise<Response>;
type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Wraps a loader or action so every thrown error becomes the API's JSON error answer. */
export function apiRoute<A extends { request: Request }>(handler: Handler<A>): (args: A) => Promise<Response> {
  return async (args) => {
    try {
      return await handler(args);
    } catch (e) {
      // Its log lines (a storage failure, a bug) name the request (app/server/http.ts assignRequestId).
      return withRequestId(args.request.headers.get("x-request-id") ?? undefined, () => errorResponse(e));
    }
  };
}

/**
 * A resource route's `loader` and `action` from one handler per HTTP method; other methods
 * answer 405 with an `Allow` header. HEAD is served by the GET handler (Remix strips the body).
 */
export function apiResource(handlers: Partial<Record<HttpMethod, Handler<LoaderFunctionArgs>>>): {
  loader: (args: LoaderFunctionArgs) => Promise<Response>;
  action: (args: ActionFunctionArgs) => Promise<Response>;
} {
  const allowed = Object.keys(handlers);
  const dispatch = apiRoute<LoaderFunctionArgs>((args) => {
    const method = args.request.method.toUpperCase();
    const handler = handlers[(method === "HEAD" ? "GET" : method) as keyof typeof handlers];
    return handler ? handler(args) : methodNotAllowed(allowed);
  });
  return { loader: dispatch, action: dispatch };
}

// ---------------------------------------------------------------------------------------------
// Input

/** A path id: a positive integer, else the resource cannot exist → 404. */
export function parseId(value: string | undefined, what: string): number {
  if (value && /^[1-9][0-9]{0,15}$/.test(value)) {
    const n = Number(value);
    if (Number.isSafeInteger(n)) return n;
  }
  throw notFound(what, value);
}

export function notFound(what: string, id: string | number | undefined): AppError {
  return new AppError("not_found", `No ${what} with id ${JSON.stringify(String(id ?? ""))}.`);
}

function isJsonMediaType(contentType: string): boolean {
  const type = contentType.split(";")[0].trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

const payloadTooLarge = (maxBytes: number) =>
  new AppError("payload_too_large", `The request body must be at most ${maxBytes} bytes.`);
const unsupportedMediaType = () =>
  new AppError("unsupported_media_type", "Send the body as JSON with Content-Type: application/json.");

// One decoder for every request: with `fatal`, invalid UTF-8 is an error rather than U+FFFD.
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A request body as the JSON object it must be. `bytes` is null when the body was over the size
 * limit (the transport stopped reading it). 415 for a non-JSON Content-Type (or a non-empty body
 * without one), 413 for a body over the limit, 400 for invalid UTF-8, malformed JSON, a body that
 * is not an object or one nested deeper than MAX_JSON_DEPTH; an empty body reads as `{}`.
 */
export function parseJsonBytes(
  bytes: Uint8Array | null,
  contentType: string | null | undefined,
  maxBytes = MAX_BODY_BYTES,
): Record<string, unknown> {
  if (contentType && !isJsonMediaType(contentType)) throw unsupportedMediaType();
  if (bytes === null || bytes.byteLength > maxBytes) throw payloadTooLarge(maxBytes);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new AppError("invalid_request", "The request body is not valid UTF-8.");
  }
  if (text.trim() === "") return {};
  if (!contentType) throw unsupportedMediaType();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new AppError("invalid_request", `The request body is not valid JSON (${(e as Error).message}).`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AppError("invalid_request", "The request body must be a JSON object.");
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new AppError(
      "invalid_request",
      `The request body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep.`,
    );
  }
  return value as Record<string, unknown>;
}

/**
 * Reads at most `maxBytes` of a web Request's body, counting what actually arrives (Content-Length
 * may lie or be absent); null when there is more.
 */
async function readBodyBytes(request: Request, maxBytes: number): Promise<Buffer | null> {
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Not reader.cancel(): on the Node server that destroys the socket and the client gets a
      // reset instead of the 413. Left alone, Node discards the rest of the body after answering.
      reader.releaseLock();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/**
 * A web Request's JSON object body (for the Remix resource routes), with the rules of
 * `parseJsonBytes`; the size is checked on Content-Length first, then on the bytes that arrive.
 */
export async function readJsonBody(
  request: Request,
  { maxBytes = MAX_BODY_BYTES }: { maxBytes?: number } = {},
): Promise<Record<string, unknown>> {
  const contentType = request.headers.get("content-type");
  if (contentType && !isJsonMediaType(contentType)) throw unsupportedMediaType();
  const declared = request.headers.get("content-length");
  const declaredBytes = declared && /^\d+$/.test(declared) ? Number(declared) : null;
  if (declaredBytes !== null && declaredBytes > maxBytes) throw payloadTooLarge(maxBytes);
  return parseJsonBytes(await readBodyBytes(request, maxBytes), contentType, maxBytes);
}
