/**
 * Calls the v1 API's route modules the way Remix does — a real `Request`, the matched params and
 * the app context — on a real SQLite file. (Tests live in this folder, not beside the routes:
 * every module directly in app/routes/ would become a route.)
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { closeDatabase } from "../../../db/client";
import { testContext } from "../../../test/db";
import { createApiKey } from "../../auth/api-keys.server";
import { createUser } from "../../auth/users.server";
import * as catchAll from "../api.v1.$";
import * as voidGrant from "../api.v1.grants.$grantId.void";
import * as users from "../api.v1.users";
import * as user from "../api.v1.users.$userId";
import * as balance from "../api.v1.users.$userId.balance";
import * as deductions from "../api.v1.users.$userId.deductions";
import * as grants from "../api.v1.users.$userId.grants";
import * as ledger from "../api.v1.users.$userId.ledger";

type RouteModule = {
  loader: (args: LoaderFunctionArgs) => Promise<Response>;
  action: (args: ActionFunctionArgs) => Promise<Response>;
};

// Same table as Remix's flat routes would build; the catch-all comes last.
const ROUTES: [RegExp, string[], RouteModule][] = [
  [/^\/api\/v1\/users$/, [], users],
  [/^\/api\/v1\/users\/([^/]+)$/, ["userId"], user],
  [/^\/api\/v1\/users\/([^/]+)\/balance$/, ["userId"], balance],
  [/^\/api\/v1\/users\/([^/]+)\/grants$/, ["userId"], grants],
  [/^\/api\/v1\/users\/([^/]+)\/deductions$/, ["userId"], deductions],
  [/^\/api\/v1\/users\/([^/]+)\/ledger$/, ["userId"], ledger],
  [/^\/api\/v1\/grants\/([^/]+)\/void$/, ["grantId"], voidGrant],
  [/^\/api\/v1\/(.*)$/, ["*"], catchAll as RouteModule],
];

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
    const url = new URL(path, "http://localhost");
    const found = ROUTES.map(([re, names, mod]) => ({ m: re.exec(url.pathname), names, mod })).find((r) => r.m);
    if (!found) throw new Error(`no route for ${path}`);
    const params = Object.fromEntries(found.names.map((n, i) => [n, decodeURIComponent(found.m![i + 1])]));
    const headers = new Headers(opts.headers);
    const key = opts.key === undefined ? admin : opts.key;
    if (key !== null) headers.set("authorization", `Bearer ${key}`);
    if (opts.idempotencyKey !== undefined) headers.set("idempotency-key", opts.idempotencyKey);
    let body: BodyInit | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
    }
    const request = new Request(url, { method, headers, body });
    const args = { request, params, context: ctx } as unknown as LoaderFunctionArgs;
    const res = method === "GET" || method === "HEAD" ? await found.mod.loader(args) : await found.mod.action(args);
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  }

  function counts() {
    const n = (table: string) => (ctx.db.$client.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
    return {
      users: n("users"),
      grants: n("credit_grants"),
      ledger: n("credit_ledger"),
      allocations: n("ledger_allocations"),
      idempotency: n("api_idempotency"),
    };
  }

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
