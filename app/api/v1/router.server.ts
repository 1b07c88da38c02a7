/**
 * Routing for /api/v1/*: a hand-written matcher over the endpoints (a JSON 404 for any other
 * path under /api/v1, a JSON 405 with `Allow` for a method an endpoint does not have), then the
 * API-key check for the endpoint's scope, then `ext:` user ids resolved to numeric ids (once, here,
 * for every `:userId` route), then the endpoint. Transport-neutral: the caller hands in the method,
 * URL, headers and (once read) the body bytes, and gets an ApiAnswer back.
 */
import type { DbClock } from "../../utils/context.server";
import { requireApiKeyHeader } from "../../auth/api-keys.server";
import {
  errorAnswer,
  headerOf,
  methodNotAllowedAnswer,
  type ApiAnswer,
  type ApiHeaders,
} from "../../utils/http.server";
import { AppError } from "../../utils/errors";
import { MAX_BODY_BYTES } from "../../utils/limits";
import { isOpenApiPath, openApiAnswer } from "../openapi/document.server";
import type { Endpoint } from "./call.server";
import { batchDeductionsEndpoint } from "./batch.server";
import {
  createAdjustmentEndpoint,
  createDeductionEndpoint,
  createGrantEndpoint,
  createUserEndpoint,
  getBalanceEndpoint,
  getLedgerEndpoint,
  getUserEndpoint,
  listGrantsEndpoint,
  voidGrantEndpoint,
} from "./endpoints.server";
import { resolveUserRef, searchUsersEndpoint, updateUserEndpoint } from "./users.server";
import { updateAutoTopupEndpoint } from "./auto-topup.server";
import { captureHoldEndpoint, createHoldEndpoint, getHoldEndpoint, releaseHoldEndpoint } from "./holds.server";
import { checkEndpoint, recordUsageEndpoint, usageBatchEndpoint, usageSummaryEndpoint } from "./usage.server";

export const API_V1_PREFIX = "/api/v1";

/** Whether a request URL belongs to the v1 API: /api/v1 itself or anything below it, any case. */
export function isApiV1Path(url: string | undefined): boolean {
  return url !== undefined && /^\/api\/v1(?:[/?#]|$)/i.test(url);
}

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
interface Resource {
  /** Path segments after /api/v1/; ":name" is a param. */
  segments: string[];
  methods: Partial<Record<Method, Endpoint>>;
  allowed: string[];
}

function resource(path: string, methods: Partial<Record<Method, Endpoint>>): Resource {
  return { segments: path.split("/"), methods, allowed: Object.keys(methods) };
}

/**
 * Every `:userId` may also be `ext:<URL-encoded external id>` (resolved in startApiV1).
 * Exported for the OpenAPI coverage test (app/api/openapi/openapi.test.ts).
 */
export const RESOURCES: Resource[] = [
  resource("users", { GET: searchUsersEndpoint, POST: createUserEndpoint }),
  resource("users/:userId", { GET: getUserEndpoint, PATCH: updateUserEndpoint }),
  resource("users/:userId/balance", { GET: getBalanceEndpoint }),
  resource("users/:userId/grants", { GET: listGrantsEndpoint, POST: createGrantEndpoint }),
  resource("users/:userId/deductions", { POST: createDeductionEndpoint }),
  resource("users/:userId/adjustments", { POST: createAdjustmentEndpoint }),
  resource("users/:userId/ledger", { GET: getLedgerEndpoint }),
  resource("grants/:grantId/void", { POST: voidGrantEndpoint }),
  resource("deductions/batch", { POST: batchDeductionsEndpoint }),
  resource("users/:userId/auto-topup", { PATCH: updateAutoTopupEndpoint }),
  resource("users/:userId/holds", { POST: createHoldEndpoint }),
  resource("holds/:holdId", { GET: getHoldEndpoint }),
  resource("holds/:holdId/capture", { POST: captureHoldEndpoint }),
  resource("holds/:holdId/release", { POST: releaseHoldEndpoint }),
  resource("users/:userId/check", { POST: checkEndpoint }),
  resource("users/:userId/usage", { GET: usageSummaryEndpoint, POST: recordUsageEndpoint }),
  resource("usage/batch", { POST: usageBatchEndpoint }),
];

/** The resource and its params for a path under /api/v1 (matched case-insensitively, one trailing slash allowed). */
function match(pathname: string): { resource: Resource; params: Record<string, string> } | undefined {
  const prefix = pathname.slice(0, API_V1_PREFIX.length);
  if (prefix.toLowerCase() !== API_V1_PREFIX || pathname[API_V1_PREFIX.length] !== "/") return undefined;
  const parts = pathname.slice(API_V1_PREFIX.length + 1).split("/");
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  outer: for (const r of RESOURCES) {
    if (r.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    for (let i = 0; i < parts.length; i++) {
      const segment = r.segments[i];
      if (segment.startsWith(":")) {
        if (parts[i] === "") continue outer;
        try {
          params[segment.slice(1)] = decodeURIComponent(parts[i]);
        } catch {
          continue outer; // malformed percent-encoding names nothing
        }
      } else if (parts[i].toLowerCase() !== segment) {
        continue outer;
      }
    }
    return { resource: r, params };
  }
  return undefined;
}

/**
 * The caller's API key for `scope` (401 without a valid key, 403 for a usage key on an admin
 * endpoint): the header's value goes straight to the key check, with no web Request built for it.
 */
function authorize(context: DbClock, headers: ApiHeaders, scope: Endpoint["scope"]) {
  return requireApiKeyHeader(headerOf(headers, "authorization"), context, scope);
}

export interface ApiV1Request {
  method: string;
  /** Path and query, as on the request line (e.g. "/api/v1/users/1/ledger?limit=5"). */
  url: string;
  headers: ApiHeaders;
}

/**
 * The first half of a request, before its body is read: either the answer already (unknown path,
 * wrong method, bad or missing key), or the endpoint to finish once the body is there.
 * `readsBody` is false for GET/HEAD, whose body is never read.
 */
export type ApiV1Step =
  | { answer: ApiAnswer }
  | {
      readsBody: boolean;
      maxBodyBytes: number;
      /** The endpoint may share a write transaction with others (Endpoint.groupCommit). */
      groupCommit: boolean;
      /** The answer; an error is thrown (`finish` turns it into its answer). */
      run(body: Uint8Array | null): ApiAnswer;
      finish(body: Uint8Array | null): ApiAnswer;
    };

const NO_BODY = new Uint8Array(0);

export function startApiV1(context: DbClock, request: ApiV1Request): ApiV1Step {
  const q = request.url.indexOf("?");
  const pathname = q === -1 ? request.url : request.url.slice(0, q);
  const method = request.method.toUpperCase();
  const found = match(pathname);
  if (!found) {
    if (isOpenApiPath(pathname)) return { answer: openApiAnswer(method) }; // public: no key
    return { answer: errorAnswer(new AppError("not_found", `There is no endpoint ${method} ${pathname}.`)) };
  }
  // HEAD is GET without the body (the transport leaves it out).
  const endpoint = found.resource.methods[(method === "HEAD" ? "GET" : method) as Method];
  if (!endpoint) return { answer: methodNotAllowedAnswer(found.resource.allowed) };
  let apiKey;
  try {
    // Authentication comes first: the body of a request without a valid key is never read.
    apiKey = authorize(context, request.headers, endpoint.scope);
    // `ext:<external id>` → the numeric id, so endpoints (and their idempotency scopes) see one id.
    if (found.params.userId !== undefined) found.params.userId = resolveUserRef(context.db, found.params.userId);
  } catch (e) {
    return { answer: errorAnswer(e) };
  }
  const readsBody = method !== "GET" && method !== "HEAD";
  const maxBodyBytes = endpoint.maxBodyBytes ?? MAX_BODY_BYTES;
  const run = (body: Uint8Array | null) =>
    endpoint.run({
      context,
      apiKey,
      params: found.params,
      query: new URLSearchParams(q === -1 ? "" : request.url.slice(q + 1)),
      headers: request.headers,
      body: readsBody ? body : NO_BODY,
      maxBodyBytes,
    });
  return {
    readsBody,
    maxBodyBytes,
    groupCommit: endpoint.groupCommit === true && readsBody,
    run,
    finish(body) {
      try {
        return run(body);
      } catch (e) {
        return errorAnswer(e);
      }
    },
  };
}

/**
 * A whole request whose body is already in hand (null = over the size limit); a body over the
 * endpoint's limit counts as null, as the Node handler would have stopped reading it.
 */
export function handleApiV1(context: DbClock, request: ApiV1Request & { body: Uint8Array | null }): ApiAnswer {
  const step = startApiV1(context, request);
  if ("answer" in step) return step.answer;
  const body = request.body && request.body.byteLength > step.maxBodyBytes ? null : request.body;
  return step.finish(body);
}
