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
export type Auth = "public" | "usage" | "admin" | "admin-or-session";

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
  /** Error answers by status, in words; 402 uses the InsufficientCredits body, the rest Error. */
  errors?: Record<number, string>;
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

function errorResponse(status: number, description: string): ResponseConfig {
  const schema = status === 402 ? InsufficientCreditsBody : ErrorBody;
  return { description, content: { "application/json": { schema } } };
}

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
    const errors: Record<number, string> = {};
    if (op.body) {
      errors[400] = "Invalid input: the body is not a JSON object or a field is wrong (`field` names it).";
      errors[413] = "The body is over 1 MiB.";
      errors[415] = "The body is not JSON (`Content-Type: application/json`).";
    }
    if (op.auth !== "public") errors[401] = "No valid key (or session).";
    if (op.auth === "admin" || op.auth === "admin-or-session") errors[403] = "The key (or user) is not an admin.";
    if (op.idempotent) errors[409] = "`idempotency_conflict`: the Idempotency-Key was used with another body.";
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
