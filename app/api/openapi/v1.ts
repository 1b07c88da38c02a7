/**
 * The /api/v1 operations. Each entry sits beside the import of the zod schema its endpoint
 * validates with; response shapes are in ./components.ts.
 */
import * as endpoints from "../v1/endpoints.server";
import {
  Balance,
  cursorQuery,
  Deduction,
  GrantWithBalance,
  idParam,
  LedgerPage,
  limitQuery,
  User,
  userIdParam,
} from "./components";
import type { ApiRegistry } from "./registry";
import { documentInPlace } from "./zod";
import { zInstant, zJsonObject } from "../../utils/schemas.server";

// The shared pieces zod alone cannot describe (a refined string, a custom check), documented in place.
documentInPlace(zInstant, {
  type: "string",
  format: "date-time",
  description: "ISO-8601 with `Z` or an offset, or a date (midnight UTC).",
  example: "2026-06-01T00:00:00Z",
});
documentInPlace(zJsonObject, {
  type: "object",
  additionalProperties: true,
  description: "Any JSON object, stored and returned as sent.",
});

const userPath = (rest = "") => `/api/v1/users/{userId}${rest}`;
const userParams = { userId: userIdParam };

export function registerV1(api: ApiRegistry): void {
  api.operation({
    method: "get",
    path: "/api/v1/openapi.json",
    operationId: "getOpenApiDocument",
    tag: "Meta",
    summary: "This document",
    description: "The OpenAPI 3.1 description of every /api/v1 and /api/admin JSON route and of the outbound webhooks.",
    auth: "public",
    responses: { 200: { description: "The OpenAPI document." } },
  });

  api.operation({
    method: "post",
    path: "/api/v1/users",
    operationId: "createUser",
    tag: "Users",
    summary: "Create a user",
    description: "A user who has credits but no password (cannot log in).",
    auth: "admin",
    body: { schema: endpoints.createUserBody, example: { email: "ada@example.com", name: "Ada" } },
    idempotent: true,
    responses: { 201: { description: "Created.", schema: User } },
    errors: { 409: "`conflict`: the email is taken." },
  });

  api.operation({
    method: "get",
    path: userPath(),
    operationId: "getUser",
    tag: "Users",
    summary: "Get a user",
    auth: "usage",
    params: userParams,
    responses: { 200: { description: "The user.", schema: User } },
    errors: { 404: "No such user." },
  });

  api.operation({
    method: "get",
    path: userPath("/balance"),
    operationId: "getBalance",
    tag: "Balances and ledger",
    summary: "Get a balance",
    description: "Spendable now, by type, the next expiry, and the first 100 grants in burn-down order.",
    auth: "usage",
    params: userParams,
    responses: { 200: { description: "The balance.", schema: Balance } },
    errors: { 404: "No such user." },
  });

  api.operation({
    method: "post",
    path: userPath("/grants"),
    operationId: "createGrant",
    tag: "Grants",
    summary: "Grant credits",
    description: "`expiresAt` null or absent = never expires; it must lie in the future and after `effectiveAt`.",
    auth: "admin",
    params: userParams,
    body: {
      schema: endpoints.grantBody,
      example: { amount: 500, type: "promotional", expiresAt: "2026-12-31T00:00:00Z", reason: "welcome" },
    },
    idempotent: true,
    responses: { 201: { description: "Granted.", schema: GrantWithBalance } },
    errors: { 404: "No such user." },
  });

  api.operation({
    method: "post",
    path: userPath("/deductions"),
    operationId: "createDeduction",
    tag: "Deductions",
    summary: "Spend credits",
    description: "Takes the amount from the grants in effect, in burn-down order; all or nothing.",
    auth: "usage",
    params: userParams,
    body: {
      schema: endpoints.deductionBody,
      example: { amount: 25, reason: "image render", metadata: { job: "r-81" } },
    },
    idempotent: true,
    responses: { 201: { description: "Spent.", schema: Deduction } },
    errors: { 402: "`insufficient_credits`: not enough spendable credits; nothing was spent.", 404: "No such user." },
  });

  api.operation({
    method: "get",
    path: userPath("/ledger"),
    operationId: "listLedger",
    tag: "Balances and ledger",
    summary: "List ledger entries",
    description: "Newest first, a page at a time.",
    auth: "usage",
    params: userParams,
    query: { limit: limitQuery(), cursor: cursorQuery },
    responses: { 200: { description: "A page of entries.", schema: LedgerPage } },
    errors: { 400: "`limit` or `cursor` is not valid.", 404: "No such user." },
  });

  api.operation({
    method: "post",
    path: "/api/v1/grants/{grantId}/void",
    operationId: "voidGrant",
    tag: "Grants",
    summary: "Void a grant",
    description: "Removes what is left of the grant; voiding twice changes nothing.",
    auth: "admin",
    params: { grantId: idParam("grantId", "grant") },
    body: { schema: endpoints.voidBody, example: { reason: "granted by mistake" }, optional: true },
    idempotent: true,
    responses: { 200: { description: "Voided.", schema: GrantWithBalance } },
    errors: { 404: "No such grant." },
  });
}
