/**
 * Plumbing shared by the JSON APIs: body parsing with size and type limits, zod validation →
 * AppError, errors → JSON (in `errorAnswer`, the one place), and Idempotency-Key handling.
 *
 * The core is transport-neutral: an `ApiAnswer` ({status, headers, body text}) that the v1 API's
 * Node handler (app/server/api-v1.ts) writes in one go, and that `toResponse` turns into a web
 * Response for the Remix resource routes (the admin plan API, the Stripe webhook).
 *
 * Decisions (see docs/decisions/003-api-keys-and-v1-api.md):
 * - Unknown body fields are ignored (zod strips them), so clients can send newer fields to an
 *   older server; a misspelt required field still fails as "required".
 * - An optional field sent as null means the same as leaving it out.
 * - Bodies nest at most MAX_JSON_DEPTH levels of objects and arrays.
 * - Ids in the path that are not positive integers answer 404 `not_found`, like unknown ids.
 * - A POST with no body and no Content-Type, or with an empty JSON body, reads as `{}`.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { z } from "zod";
import { AppError, errorBody, httpStatusFor, isAppError } from "./errors";
import { log } from "./log.server";
import {
  isStorageError,
  noteStorageFailure,
  STORAGE_RETRY_AFTER_SECONDS,
  storageUnavailableError,
} from "./storage-errors.server";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "./json";
import type { DomainCtx } from "./context.server";
export { MAX_JSON_DEPTH };

export const MAX_BODY_BYTES = 1024 * 1024;
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
export const MAX_CREDITS_PER_CALL = 1_000_000_000_000;
export const MAX_REASON_LENGTH = 1000;
/**
 * Objects and arrays nested deeper than this are refused (400). Far above what any body needs,
 * and far below what a recursive walk of the value (the idempotency hash, the engine's own
 * canonical JSON) can take: 100,000 levels fit in a 1 MiB body and overflowed the stack (a 500).
 */

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

function jsonTextAnswer(text: string, status: number, headers?: Record<string, string>): ApiAnswer {
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
    return jsonAnswer(errorBody(e), httpStatusFor(e.code), headers);
  }
  if (isStorageError(e)) {
    // Full, read-only or failing disk: the transaction rolled back, so retrying later is safe.
    noteStorageFailure(e, "api");
    return errorAnswer(storageUnavailableError(e));
  }
  if (String((e as { code?: unknown } | null)?.code).startsWith("SQLITE_BUSY")) {
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
      return errorResponse(e);
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

function describeIssue(issue: z.ZodIssue): string {
  const field = issue.path.join(".");
  const name = field ? `\`${field}\`` : "The body";
  if (issue.code === "invalid_type") {
    if (issue.received === "undefined") return `${name} is required.`;
    if (issue.expected === "integer") return `${name} must be an integer.`;
    return `${name} must be ${issue.expected === "object" ? "an object" : `a ${issue.expected}`} (got ${issue.received}).`;
  }
  if (issue.code === "invalid_enum_value") {
    return `${name} must be one of: ${issue.options.map(String).join(", ")}.`;
  }
  return `${name} ${issue.message}`;
}

/** Validates with a zod schema; the first problem becomes a 400 `invalid_request` naming the field. */
export function parseInput<S extends z.ZodTypeAny>(schema: S, data: unknown): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new AppError("invalid_request", describeIssue(issue), {
    field: issue.path.length ? issue.path.join(".") : undefined,
  });
}

/** Parses and validates a JSON body; also returns the raw object (for the idempotency hash). */
export function parseJsonBody<S extends z.ZodTypeAny>(
  body: { bytes: Uint8Array | null; contentType: string | undefined },
  schema: S,
): { input: z.output<S>; raw: Record<string, unknown> } {
  const raw = parseJsonBytes(body.bytes, body.contentType);
  return { input: parseInput(schema, raw), raw };
}

/** Schema pieces every endpoint shares, with messages that read as sentences after the field name. */
export const zCredits = z
  .number()
  .int()
  .min(1, "must be at least 1.")
  .max(MAX_CREDITS_PER_CALL, `must be at most ${MAX_CREDITS_PER_CALL.toLocaleString("en-US")}.`);

export const zReason = z
  .string()
  .max(MAX_REASON_LENGTH, `must be at most ${MAX_REASON_LENGTH.toLocaleString("en-US")} characters.`)
  .nullish();

/**
 * A JSON object (e.g. `metadata`), passed on exactly as parsed. Not z.record(): zod rebuilds the
 * object and drops a "__proto__" key (its guard against prototype pollution), silently losing
 * what the client sent; JSON.parse makes "__proto__" an ordinary own property, safe to keep.
 */
export const zJsonObject = z.custom<Record<string, unknown>>(
  (value) => typeof value === "object" && value !== null && !Array.isArray(value),
  "must be an object.",
);

/** An ISO-8601 instant ("2026-05-01T00:00:00Z", with an offset, or a date meaning midnight UTC). */
const isoDateTime = z.string().datetime({ offset: true });
const isoDate = z.string().date();
export const zInstant = z
  .string()
  .refine(
    (s) => isoDateTime.safeParse(s).success || isoDate.safeParse(s).success,
    "must be an ISO-8601 date-time such as 2026-05-01T00:00:00Z.",
  )
  .transform((s) => new Date(s));

/** `?limit=` on list endpoints: an integer 1–100, default 50; empty means the default. */
export function parseLimit(query: URLSearchParams, { max = 100, fallback = 50 } = {}): number {
  const value = query.get("limit");
  if (value === null || value === "") return fallback;
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new AppError("invalid_request", `\`limit\` must be an integer from 1 to ${max}.`, { field: "limit" });
  }
  return Number(value);
}

// ---------------------------------------------------------------------------------------------
// Idempotency

/** The Idempotency-Key header: absent → null; empty or longer than 255 characters → 400. */
export function idempotencyKeyOf(header: string | null | undefined): string | null {
  const key = header ?? null;
  if (key === null) return null;
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
    throw new AppError("invalid_request", `The Idempotency-Key header must be 1–${IDEMPOTENCY_KEY_MAX_LENGTH} characters.`, {
      field: "Idempotency-Key",
    });
  }
  return key;
}

/** JSON with object keys sorted, so key order and whitespace don't make two equal bodies differ. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function requestHash(body: unknown): string {
  return createHash("sha256").update(canonicalJson(body)).digest("hex");
}

interface IdempotencyRow {
  request_hash: string;
  status: number;
  body: string;
}

function prepare(sqlite: Database.Database) {
  return {
    find: sqlite.prepare<[string, string], IdempotencyRow>(
      "select request_hash, status, body from api_idempotency where scope = ? and key = ?",
    ),
    insert: sqlite.prepare<[string, string, string, number, string, number]>(
      "insert into api_idempotency (scope, key, request_hash, status, body, created_at) values (?, ?, ?, ?, ?, ?)",
    ),
    // One reusable transaction function per connection; the work to do is its argument.
    immediate: sqlite.transaction((work: () => { status: number; text: string; replayed: boolean }) => work()).immediate,
  };
}
const statementCache = new WeakMap<Database.Database, ReturnType<typeof prepare>>();
function statements(sqlite: Database.Database): ReturnType<typeof prepare> {
  let s = statementCache.get(sqlite);
  if (!s) statementCache.set(sqlite, (s = prepare(sqlite)));
  return s;
}

/**
 * Runs a POST's domain call under the request's Idempotency-Key.
 *
 * With a key, the lookup, the domain call and the stored answer share ONE immediate transaction
 * (the domain function's own transaction nests as a savepoint), so two identical requests at
 * once still write once: the second waits for the lock, then finds the first's record. A replay
 * with the same body returns the stored status and body with `Idempotent-Replayed: true`; the
 * same key with another body is 409 `idempotency_conflict`. Only 2xx answers are stored: a failed
 * request rolls back and may be retried with the same key.
 *
 * `scope` names the endpoint and the user or grant (e.g. "users/12/deductions"). The domain call
 * gets a namespaced key ("api:<scope>:<key>") to record on its ledger entry.
 */
export function respondIdempotently(
  context: DomainCtx,
  idempotencyKeyHeader: string | null | undefined,
  opts: { scope: string; body: unknown },
  run: (domainKey: string | null) => ApiResult,
): ApiAnswer {
  const key = idempotencyKeyOf(idempotencyKeyHeader);
  if (key === null) {
    const result = run(null);
    return jsonAnswer(result.body, result.status);
  }
  const hash = requestHash(opts.body);
  const s = statements(context.db.$client);
  const outcome = s.immediate(() => {
    const stored = s.find.get(opts.scope, key);
    if (stored) {
      if (stored.request_hash !== hash) {
        throw new AppError(
          "idempotency_conflict",
          "This Idempotency-Key was already used with a different request body.",
          { field: "Idempotency-Key" },
        );
      }
      return { status: stored.status, text: stored.body, replayed: true };
    }
    const result = run(`api:${opts.scope}:${key}`);
    const text = JSON.stringify(result.body);
    if (result.status >= 200 && result.status < 300) {
      s.insert.run(opts.scope, key, hash, result.status, text, context.clock.now().getTime());
    }
    return { status: result.status, text, replayed: false };
  });
  return jsonTextAnswer(outcome.text, outcome.status, outcome.replayed ? REPLAYED : undefined);
}

const REPLAYED = { "Idempotent-Replayed": "true" };
