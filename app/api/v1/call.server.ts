/**
 * What a v1 endpoint gets and gives, independent of the HTTP server: the caller's checked API
 * key, the path params, the query, the headers and the body bytes in; an `ApiAnswer` (status,
 * headers, JSON text) out. app/server/api-v1.ts feeds it from Node's req/res; tests call it directly.
 */
import type { z } from "zod";
import type { ApiKeyRecord, ApiKeyScope } from "../../auth/api-keys.server";
import { headerOf, parseId, type ApiAnswer, type ApiHeaders, type ApiResult } from "../../utils/http.server";
import { respondIdempotently } from "../../utils/idempotency.server";
import { parseJsonBody } from "../../utils/schemas.server";
import type { DbClock } from "../../utils/context.server";

/** The part of the app context the API uses (the concurrency test runs it without an env). */

export interface ApiCall {
  context: DbClock;
  /** The caller's key, already checked against the endpoint's scope. */
  apiKey: ApiKeyRecord;
  /** Path params, percent-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Lower-case names, as Node gives them. */
  headers: ApiHeaders;
  /** The raw body; null when it was over the endpoint's limit (answered 413 once the body is parsed). */
  body: Uint8Array | null;
  /** The endpoint's body limit (its `maxBodyBytes`, else MAX_BODY_BYTES), for the 413's message. */
  maxBodyBytes: number;
}

export interface Endpoint {
  /** The key scope the endpoint needs; an admin key satisfies `usage`. */
  scope: ApiKeyScope;
  /** The largest body this endpoint reads (default MAX_BODY_BYTES, 1 MiB); over it → 413. */
  maxBodyBytes?: number;
  /**
   * One small synchronous write: the server may run it in a write transaction shared with the
   * other such requests that arrived together (group commit, app/server/group-commit.ts), each in
   * a savepoint of its own. Its run() must do nothing outside the database and must not catch a
   * database error (one may mean SQLite rolled the whole group back: it must reach the group).
   */
  groupCommit?: boolean;
  run(call: ApiCall): ApiAnswer;
}

/** A path param that must be a positive id; anything else is 404 `not_found`, like an unknown id. */
export function idParam(call: ApiCall, name: string, what: string): number {
  return parseId(call.params[name], what);
}

/** The query as an object for a zod schema: an empty value (`?status=`) counts as absent. */
export function queryObject(call: Pick<ApiCall, "query">): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of call.query) if (value !== "" && !(name in out)) out[name] = value;
  return out;
}

/** The JSON body validated by `schema`, and the raw object (what the idempotency hash covers). */
export function jsonBody<S extends z.ZodTypeAny>(
  call: ApiCall,
  schema: S,
): { input: z.output<S>; raw: Record<string, unknown> } {
  const body = { bytes: call.body, contentType: headerOf(call.headers, "content-type") };
  return parseJsonBody(body, schema, call.maxBodyBytes);
}

/**
 * Runs a POST's one domain call under the request's Idempotency-Key (see respondIdempotently):
 * `scope` names the endpoint and its user or grant, `raw` is the body as sent.
 */
export function idempotently(
  call: ApiCall,
  scope: string,
  raw: Record<string, unknown>,
  run: (domainKey: string | null) => ApiResult,
): ApiAnswer {
  return respondIdempotently(call.context, headerOf(call.headers, "idempotency-key"), { scope, body: raw }, run);
}
