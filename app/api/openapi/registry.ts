/**
 * One way to describe an operation: `operation()` registers a route with zod-to-openapi and adds
 * what every route of its kind has (the security requirement and its 401/403, 413/415 and the
 * JSON 400 for a body, the Idempotency-Key header and its 409). Request bodies are the server's own
 * zod schemas, passed in by reference from the endpoint modules.
 */
import { OpenAPIRegistry, type ResponseConfig, type RouteConfig } from "@asteasolutions/zod-to-openapi";
import { ErrorBody, idempotencyKeyHeader, InsufficientCreditsBody } from "./components";
import { z } from "./zod";

/**
 * Who may call: `public` = no key; `usage` = a usage or admin API key; `admin` = an admin API key;
 * `admin-or-session` = an admin API key or an admin's browser session (the /api/admin routes).
 */
type Auth = "public" | "usage" | "admin" | "admin-or-session";

export interface Operation {
  method: "get" | "post" | "patch" | "delete";
  /** OpenAPI path ("/api/v1/users/{userId}"). */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  auth: Auth;
  /** Path parameters, one zod schema each (see components.ts). */
  params?: Record<string, z.ZodTypeAny>;
  query?: Record<string, z.ZodTypeAny>;
  /** The request body: the zod schema the server validates with, and an example. */
  body?: { schema: z.ZodTypeAny; example?: unknown; description?: string; optional?: boolean };
  idempotent?: boolean;
  /** Success answers by status. */
  responses: Record<number, { description: string; schema?: z.ZodTypeAny; example?: unknown }>;
  /**
   * Error answers by status, in words (402 uses the InsufficientCredits body, the rest Error), or
   * with their own body schema when the error carries more than `error`.
   */
  errors?: Record<number, string | { description: string; schema: z.ZodTypeAny }>;
}

const SECURITY: Record<Auth, RouteConfig["security"]> = {
  public: [],
  usage: [{ apiKey: [] }],
  admin: [{ apiKey: [] }],
  "admin-or-session": [{ apiKey: [] }, { session: [] }],
};

const SCOPE_TEXT: Record<Auth, string> = {
  public: "No key needed.",
  usage: "Key: usage or admin.",
  admin: "Key: admin.",
  "admin-or-session": "Key: admin (or an administrator's browser session).",
};

const REPLAYED_HEADER = {
  "Idempotent-Replayed": {
    description: "`true` when this is the stored answer to an earlier request with the same Idempotency-Key.",
    schema: { type: "string" as const, enum: ["true"] },
  },
};

const RATE_LIMIT_HEADERS = {
  "Retry-After": { description: "Seconds until a request will be let through.", schema: { type: "string" as const } },
  "RateLimit-Limit": { description: "The key's limit, requests per second.", schema: { type: "string" as const } },
  "RateLimit-Remaining": { description: "Requests left now (0).", schema: { type: "string" as const } },
  "RateLimit-Reset": {
    description: "Seconds until the bucket holds a request again.",
    schema: { type: "string" as const },
  },
};

function errorResponse(status: number, error: string | { description: string; schema: z.ZodTypeAny }): ResponseConfig {
  const description = typeof error === "string" ? error : error.description;
  const schema = typeof error === "string" ? (status === 402 ? InsufficientCreditsBody : ErrorBody) : error.schema;
  const headers =
    status === 429
      ? RATE_LIMIT_HEADERS
      : status === 503
        ? { "Retry-After": RATE_LIMIT_HEADERS["Retry-After"] }
        : undefined;
  return { description, headers, content: { "application/json": { schema } } };
}

/** Every tag an operation may use, in the order the document lists them, with what it covers. */
export const TAGS = [
  { name: "Meta", description: "The OpenAPI document itself." },
  { name: "Users", description: "Users who hold credits, by numeric id or your external id." },
  { name: "Balances and ledger", description: "What a user can spend now, and every change that led there." },
  { name: "Grants", description: "Credits added to a user, each with its type, priority and expiry." },
  { name: "Deductions", description: "Spending credits in burn-down order, one at a time or in batches." },
  { name: "Adjustments", description: "Signed corrections with a reason." },
  { name: "Holds", description: "Credits reserved for long-running work, then captured or released." },
  {
    name: "Usage",
    description: "Features used, priced by the rate card: check before use, record usage, read usage by feature.",
  },
  { name: "Auto top-up", description: "Buying a top-up pack automatically when the balance runs low." },
  { name: "Subscription plans", description: "The price book's subscription plans and their versions (admin)." },
  { name: "Top-up plans", description: "The price book's one-off top-up packs (admin)." },
  { name: "Features", description: "The rate card: features priced in credits, and their price versions (admin)." },
  { name: "Stripe events", description: "Stripe webhook events the server received (admin)." },
  { name: "Webhook endpoints", description: "Where the server sends its own events, and what it sent (admin)." },
  { name: "Events", description: "Every event the server has sent, to reconcile after an outage (admin)." },
  { name: "Webhooks", description: "The events the server sends, signed the Standard Webhooks way." },
] as const;

/** Builds the zod-to-openapi registry; `operations` keeps what was registered, for tests and the docs page. */
export class ApiRegistry {
  readonly registry = new OpenAPIRegistry();
  readonly operations: Operation[] = [];

  constructor() {
    this.registry.registerComponent("securitySchemes", "apiKey", {
      type: "http",
      scheme: "bearer",
      description:
        "An API key: `Authorization: Bearer cb_usage_…` or `cb_admin_…` (`npm run credits -- api-keys create --name … --scope usage|admin`).",
    });
    this.registry.registerComponent("securitySchemes", "session", {
      type: "apiKey",
      in: "cookie",
      name: "session",
      description: "An administrator's browser session (the admin console). Without it, send an admin key.",
    });
  }

  operation(op: Operation): void {
    this.operations.push(op);
    const responses: RouteConfig["responses"] = {};
    for (const [status, r] of Object.entries(op.responses)) {
      responses[status] = {
        description: r.description,
        headers: op.idempotent ? REPLAYED_HEADER : undefined,
        content: r.schema ? { "application/json": { schema: r.schema, example: r.example } } : undefined,
      };
    }
    const errors: NonNullable<Operation["errors"]> = {};
    if (op.body) {
      errors[400] = "Invalid input: the body is not a JSON object or a field is wrong (`field` names it).";
      errors[413] = "The body is over 1 MiB.";
      errors[415] = "The body is not JSON (`Content-Type: application/json`).";
    }
    if (op.auth !== "public") errors[401] = "No valid key (or session).";
    if (op.auth === "admin" || op.auth === "admin-or-session") errors[403] = "The key (or user) is not an admin.";
    if (op.idempotent) errors[409] = "`idempotency_conflict`: the Idempotency-Key was used with another body.";
    if (op.auth === "usage" || op.auth === "admin") {
      errors[429] = "`rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds.";
    }
    if (op.method !== "get") {
      errors[503] =
        "`storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds.";
    }
    Object.assign(errors, op.errors);
    for (const [status, description] of Object.entries(errors)) responses[status] = errorResponse(+status, description);

    const headers = op.idempotent ? z.object({ "Idempotency-Key": idempotencyKeyHeader }) : undefined;
    this.registry.registerPath({
      method: op.method,
      path: op.path,
      operationId: op.operationId,
      tags: [op.tag],
      summary: op.summary,
      description: [op.description, SCOPE_TEXT[op.auth]].filter(Boolean).join("\n\n"),
      security: SECURITY[op.auth],
      request: {
        params: op.params ? z.object(op.params) : undefined,
        query: op.query ? z.object(op.query) : undefined,
        headers,
        body: op.body
          ? {
              description: op.body.description,
              required: !op.body.optional,
              content: { "application/json": { schema: op.body.schema, example: op.body.example } },
            }
          : undefined,
      },
      responses,
    });
  }
}
