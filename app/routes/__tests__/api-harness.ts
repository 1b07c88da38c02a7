/**
 * Calls the v1 API's transport-neutral handler (app/api/v1/router.server.ts) — the one the
 * Express mount serves — with a method, URL, headers and body bytes, on a real SQLite file.
 * The body limit is applied as the Node handler applies it (over the endpoint's limit → 413);
 * api.v1.http.test.ts covers the real server. (Tests live in this folder, not beside the code:
 * every module directly in app/routes/ would become a route.)
 */
import { closeDatabase } from "../../../db/client";
import { apiRowCounts, testContext } from "../../../test/db";
import { handleApiV1 } from "../../api/v1/router.server";
import { createApiKey } from "../../auth/api-keys.server";
import { createUser } from "../../auth/users.server";
import { openApiAnswer } from "../../api/openapi/document.server";
import { contractForText } from "../../../test/openapi-contract";

export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface CallOptions {
  key?: string | null;
  /** An object is sent as JSON; a string is sent as is. */
  body?: unknown;
  headers?: Record<string, string>;
  idempotencyKey?: string;
}

export type ApiHarness = ReturnType<typeof createHarness>;

export function createHarness() {
  const ctx = testContext();
  const admin = createApiKey(ctx, { name: "admin", scope: "admin" }).key;
  const usage = createApiKey(ctx, { name: "usage", scope: "usage" }).key;

  async function call(method: string, path: string, opts: CallOptions = {}): Promise<ApiAnswer> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(opts.headers ?? {})) headers[name.toLowerCase()] = value;
    const key = opts.key === undefined ? admin : opts.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    if (opts.idempotencyKey !== undefined) headers["idempotency-key"] = opts.idempotencyKey;
    let body = Buffer.alloc(0);
    if (opts.body !== undefined) {
      body = Buffer.from(typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body));
      headers["content-type"] ??= "application/json";
      headers["content-length"] = String(body.byteLength);
    }
    const answer = handleApiV1(ctx, {
      method,
      url: path,
      headers,
      body,
    });
    // Every answer must be one the served OpenAPI document describes (test/openapi-contract.ts).
    contractForText(openApiAnswer("GET").body).check({
      method,
      url: path,
      status: answer.status,
      contentType: answer.headers["Content-Type"] ?? null,
      text: answer.body,
    });
    let parsed: unknown = undefined;
    try {
      parsed = answer.body ? JSON.parse(answer.body) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: answer.status, headers: new Headers(answer.headers), text: answer.body, body: parsed };
  }

  const counts = () => apiRowCounts(ctx.db);

  /** A user made directly in the database, for tests that are not about POST /users. */
  function makeUser(email = `u${Math.random().toString(36).slice(2)}@example.com`) {
    return createUser(ctx, { email, name: "Test" });
  }

  return {
    ctx,
    keys: { admin, usage },
    call,
    get: (path: string, opts?: CallOptions) => call("GET", path, opts),
    post: (path: string, body?: unknown, opts?: CallOptions) => call("POST", path, { ...opts, body }),
    counts,
    makeUser,
    close: () => closeDatabase(ctx.db),
  };
}
