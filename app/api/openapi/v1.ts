/**
 * The /api/v1 operations. Each entry sits beside the import of the zod schema its endpoint
 * validates with; response shapes are in ./components.ts.
 */
import * as autoTopup from "../v1/auto-topup.server";
import * as batch from "../v1/batch.server";
import * as endpoints from "../v1/endpoints.server";
import * as holds from "../v1/holds.server";
import * as users from "../v1/users.server";
import * as usage from "../v1/usage.server";
import {
  Adjustment,
  CreatedGrant,
  ErrorBody,
  HoldConflictBody,
  AutoTopup,
  Balance,
  BatchAnswer,
  GrantPage,
  Hold,
  HoldAnswer,
  HoldCapture,
  UserPage,
  cursorQuery,
  Deduction,
  GrantWithBalance,
  idParam,
  LedgerPage,
  limitQuery,
  User,
  userIdParam,
  Usage,
  UsageBatchAnswer,
  UsageCheck,
  UsageSummary,
} from "./components";
import type { ApiRegistry } from "./registry";
import { documentInPlace, z } from "./zod";
import { zInstant, zJsonObject } from "../../utils/schemas.server";
import { EXTERNAL_ID_MAX_LENGTH, EXTERNAL_ID_PATTERN } from "../../auth/users.server";
import { zExternalId } from "../v1/users.server";

// The shared pieces zod alone cannot describe (a refined string, a custom check), documented in place.
documentInPlace(zInstant, {
  type: "string",
  format: "date-time",
  description: "ISO-8601 date-time with `Z` or an offset (a date alone is refused).",
  example: "2026-06-01T00:00:00Z",
});
documentInPlace(endpoints.createUserBody.shape.email, { format: "email", maxLength: 254 });
documentInPlace(zExternalId, {
  type: "string",
  minLength: 1,
  maxLength: EXTERNAL_ID_MAX_LENGTH,
  pattern: EXTERNAL_ID_PATTERN,
  description: `Your id for the user: 1–${EXTERNAL_ID_MAX_LENGTH} characters, no control characters; unique, case-sensitive.`,
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
    responses: {
      200: {
        description: "The OpenAPI document.",
        schema: z
          .object({ openapi: z.literal("3.1.0") })
          .passthrough()
          .openapi("OpenApiDocument", {
            description: "An OpenAPI 3.1 document (see the OpenAPI Specification).",
            additionalProperties: true,
          }),
      },
    },
    errors: { 405: "`method_not_allowed`: only GET (and HEAD) are answered." },
  });

  api.operation({
    method: "post",
    path: "/api/v1/users",
    operationId: "createUser",
    tag: "Users",
    summary: "Create a user",
    description: "A user who has credits but no password (cannot log in).",
    auth: "admin",
    body: {
      schema: endpoints.createUserBody,
      example: { email: "ada@example.com", name: "Ada", externalId: "acct_42" },
    },
    idempotent: true,
    responses: { 201: { description: "Created.", schema: User } },
    errors: { 409: "`conflict`: the email or the external id is taken." },
  });

  api.operation({
    method: "get",
    path: "/api/v1/users",
    operationId: "searchUsers",
    tag: "Users",
    summary: "Search users",
    description: "Matches part of the email, the name or the external id; newest first, a page at a time.",
    auth: "admin",
    query: {
      q: users.searchUsersQuery.shape.q.openapi({
        description: "Part of the email, name or external id; empty = everyone.",
      }),
      limit: limitQuery(),
      cursor: cursorQuery,
    },
    responses: { 200: { description: "A page of users.", schema: UserPage } },
    errors: { 400: "`q`, `limit` or `cursor` is not valid." },
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
    method: "patch",
    path: userPath(),
    operationId: "updateUser",
    tag: "Users",
    summary: "Update a user",
    description: "Sets `name`, `externalId` and `lowBalanceThreshold`; absent fields stay, null resets one.",
    auth: "admin",
    params: userParams,
    body: {
      schema: users.updateUserBody,
      example: { name: "Ada Lovelace", externalId: "acct_42", lowBalanceThreshold: 50 },
    },
    responses: { 200: { description: "The user as updated.", schema: User } },
    errors: { 404: "No such user.", 409: "`conflict`: another user has this external id." },
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
    responses: { 201: { description: "Granted.", schema: CreatedGrant } },
    errors: { 404: "No such user." },
  });

  api.operation({
    method: "get",
    path: userPath("/grants"),
    operationId: "listGrants",
    tag: "Grants",
    summary: "List grants",
    description:
      "Every grant, a page at a time: `active` (the default) in burn-down order, `pending` by effectiveAt, the others and `all` newest first.",
    auth: "usage",
    params: userParams,
    query: {
      status: endpoints.listGrantsQuery.shape.status.openapi({ description: "Which grants (default `active`)." }),
      limit: limitQuery(),
      cursor: cursorQuery,
    },
    responses: { 200: { description: "A page of grants.", schema: GrantPage } },
    errors: {
      400: "`status`, `limit` or `cursor` is not valid (a cursor belongs to one status).",
      404: "No such user.",
    },
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
    method: "post",
    path: "/api/v1/deductions/batch",
    operationId: "createDeductionBatch",
    tag: "Deductions",
    summary: "Spend credits in a batch",
    description:
      "1–1,000 deductions in one request. Each item stands alone, in order: a failing item writes nothing and does not stop the others. An item's `idempotencyKey` is the `Idempotency-Key` of a single deduction for that user (a replay answers the original result). `userId` is a numeric id or `ext:` + the external id (not URL-encoded).",
    auth: "usage",
    body: {
      schema: batch.batchDeductionsBody,
      example: {
        items: [
          { userId: 42, amount: 5, reason: "tokens", idempotencyKey: "meter-2026-05-01-42" },
          { userId: "ext:acct_7", amount: 5, reason: "tokens" },
        ],
      },
    },
    responses: { 200: { description: "One result per item, in order.", schema: BatchAnswer } },
    errors: {
      400: "The batch itself is malformed (`items` not an array, empty or over 1,000): nothing was written.",
      413: "The body is over 4 MiB.",
    },
  });

  api.operation({
    method: "post",
    path: userPath("/adjustments"),
    operationId: "createAdjustment",
    tag: "Adjustments",
    summary: "Adjust a balance",
    description:
      "A signed correction with a required reason: a positive amount adds a never-expiring promotional grant, a negative one spends in burn-down order.",
    auth: "admin",
    params: userParams,
    body: { schema: endpoints.adjustmentBody, example: { amount: -40, reason: "refund of a failed job was doubled" } },
    idempotent: true,
    responses: { 201: { description: "Adjusted.", schema: Adjustment } },
    errors: {
      402: "`insufficient_credits`: a negative amount larger than the balance; nothing was taken.",
      404: "No such user.",
    },
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
    description:
      "Removes the grant's credits wherever they are: what is left on it, and what open holds reserve on it (those holds reserve that much less). The grant is `voided` whether or not credits were held; voiding twice changes nothing.",
    auth: "admin",
    params: { grantId: idParam("grantId", "grant") },
    body: { schema: endpoints.voidBody, example: { reason: "granted by mistake" }, optional: true },
    idempotent: true,
    responses: { 200: { description: "Voided.", schema: GrantWithBalance } },
    errors: { 404: "No such grant." },
  });

  registerHolds(api);
  registerUsage(api);

  api.operation({
    method: "patch",
    path: userPath("/auto-topup"),
    operationId: "updateAutoTopup",
    tag: "Auto top-up",
    summary: "Set a customer's auto top-up",
    description:
      "When a change takes the balance below `threshold`, one `topupPlanId` pack is bought off-session with the customer's saved card, at most `monthlyCapPacks` a month. Fields left out keep their values (turning it on the first time needs all three numbers); unknown fields are refused. A declined card turns it off and sets `notice`.",
    auth: "admin",
    params: userParams,
    body: {
      schema: autoTopup.autoTopupBody,
      example: { enabled: true, topupPlanId: 2, threshold: 100, monthlyCapPacks: 3 },
    },
    responses: { 200: { description: "The setting as saved.", schema: AutoTopup } },
    errors: {
      400: "A field is not valid, a first setting lacks one of the three numbers, or the pack is not on sale (`field` names it).",
      404: "No such user.",
      409: "`conflict`: turning it on needs a card saved at a checkout (buy a pack once first).",
      413: "The body is over 4 KiB.",
    },
  });
}

const notIncluded =
  "`feature_not_included`: the user's plan does not include the feature; or `feature_archived`: the feature is archived. Nothing was written.";

function registerUsage(api: ApiRegistry): void {
  const tag = "Usage";
  api.operation({
    method: "post",
    path: userPath("/check"),
    operationId: "checkUsage",
    tag,
    summary: "Check before use",
    description:
      "Whether the user may use `quantity` units of the feature now, what it would cost (after included units and the carried remainder) and what they have. Writes nothing.",
    auth: "usage",
    params: userParams,
    body: { schema: usage.checkBody, example: { feature: "images", quantity: 2 } },
    responses: { 200: { description: "The answer.", schema: UsageCheck } },
    errors: { 404: "No such user or feature." },
  });
  api.operation({
    method: "post",
    path: userPath("/usage"),
    operationId: "recordUsage",
    tag,
    summary: "Record usage",
    description:
      "Charges `quantity` units of the feature at the user's price now (their plan's, else the base price): included units of the billing period first, then credits as one deduction whose ledger entry names the feature, quantity and price version. A price per many units carries its remainder: at one price, a user is charged ceil(total units × credits ÷ perUnits) in all.",
    auth: "usage",
    params: userParams,
    body: { schema: usage.usageBody, example: { feature: "tokens", quantity: 1500, metadata: { request: "r-81" } } },
    idempotent: true,
    responses: { 201: { description: "Recorded.", schema: Usage } },
    errors: {
      402: "`insufficient_credits`: the use costs more than the spendable credits; nothing was written.",
      403: notIncluded,
      404: "No such user or feature.",
    },
  });
  api.operation({
    method: "get",
    path: userPath("/usage"),
    operationId: "getUsageSummary",
    tag,
    summary: "Usage by feature",
    description:
      "The user's usage in [`from`, `to`) summed by feature, credits at the prices of their time. Defaults: `to` now, `from` 30 days before `to`.",
    auth: "usage",
    params: userParams,
    query: {
      from: usage.usageQuery.shape.from.openapi({ description: "Inclusive (default: 30 days before `to`)." }),
      to: usage.usageQuery.shape.to.openapi({ description: "Exclusive (default: now)." }),
    },
    responses: { 200: { description: "Usage by feature.", schema: UsageSummary } },
    errors: { 400: "`from` or `to` is not a date-time, or `from` is not before `to`.", 404: "No such user." },
  });
  api.operation({
    method: "post",
    path: "/api/v1/usage/batch",
    operationId: "recordUsageBatch",
    tag,
    summary: "Record usage in a batch",
    description:
      "1–1,000 usage events in one request. Each event stands alone, in order: a failing event writes nothing and does not stop the others. An event's `idempotencyKey` is the `Idempotency-Key` of a single usage for that user (a replay answers the original result). `userId` is a numeric id or `ext:` + the external id (not URL-encoded).",
    auth: "usage",
    body: {
      schema: usage.usageBatchBody,
      example: {
        events: [
          { userId: 42, feature: "tokens", quantity: 1500, idempotencyKey: "req-81" },
          { userId: "ext:acct_7", feature: "images", quantity: 1, idempotencyKey: "req-82" },
        ],
      },
    },
    responses: { 200: { description: "One result per event, in order.", schema: UsageBatchAnswer } },
    errors: {
      400: "The batch itself is malformed (`events` not an array, empty or over 1,000): nothing was written.",
      413: "The body is over 4 MiB.",
    },
  });
}

function registerHolds(api: ApiRegistry): void {
  const tag = "Holds";
  const holdParams = { holdId: idParam("holdId", "hold") };
  const notHeld = {
    description:
      "`conflict` (with the hold's `status`), or `idempotency_conflict`: the hold is no longer `held` (captured, released or past `expiresAt`), or the Idempotency-Key was used with another body.",
    schema: z.union([HoldConflictBody, ErrorBody]),
  };
  api.operation({
    method: "post",
    path: userPath("/holds"),
    operationId: "createHold",
    tag,
    summary: "Hold credits",
    description:
      "Reserves credits for long-running work: deductions and other holds cannot take them, and the capture is guaranteed until `expiresAt` even if the grants they came from expire meanwhile. An uncaptured hold stops reserving at `expiresAt` and its credits return. Holding writes no ledger entry. Send `amount` (credits), or `feature` and `quantity`: the hold then reserves the worst-case cost of the units at the user's price now, ceil(quantity × credits ÷ perUnits), and its capture charges that price.",
    auth: "usage",
    params: userParams,
    body: {
      schema: holds.createHoldBody,
      example: { amount: 100, expiresInSeconds: 900, reason: "video render r-81", metadata: { job: "r-81" } },
    },
    idempotent: true,
    responses: { 201: { description: "Held.", schema: HoldAnswer } },
    errors: {
      402: "`insufficient_credits`: not enough spendable credits; nothing was held.",
      403: notIncluded,
      404: "No such user (or feature).",
    },
  });
  api.operation({
    method: "get",
    path: "/api/v1/holds/{holdId}",
    operationId: "getHold",
    tag,
    summary: "Get a hold",
    auth: "usage",
    params: holdParams,
    responses: { 200: { description: "The hold.", schema: z.object({ hold: Hold }) } },
    errors: { 404: "No such hold." },
  });
  api.operation({
    method: "post",
    path: "/api/v1/holds/{holdId}/capture",
    operationId: "captureHold",
    tag,
    summary: "Capture a hold",
    description:
      "Spends `amount` (1 … what the hold reserves, `amount` − `clawedBackAmount`; default all of it) as ONE `deduction` ledger entry with the hold's id; what is not captured goes back at once. A hold made by feature is captured by `quantity` (1 … the units held; default all): included units left first, then the meter at the held price; `usage` is the use recorded, and `deduction` is null when it owed nothing (the hold is then released).",
    auth: "usage",
    params: holdParams,
    body: { schema: holds.captureHoldBody, example: { amount: 80 }, optional: true },
    idempotent: true,
    responses: { 200: { description: "Captured.", schema: HoldCapture } },
    errors: {
      400: "`amount` is not valid, or more than the hold reserves; or `quantity` on a credit hold, `amount` on a feature hold, or more units than held.",
      404: "No such hold.",
      409: {
        ...notHeld,
        description: `${notHeld.description} Or the hold reserves nothing: refunds or voids of its grants took it all.`,
      },
    },
  });
  api.operation({
    method: "post",
    path: "/api/v1/holds/{holdId}/release",
    operationId: "releaseHold",
    tag,
    summary: "Release a hold",
    description:
      "Gives back all the hold reserves (credits a refund or void took from it stay gone); writes no ledger entry. No body.",
    auth: "usage",
    params: holdParams,
    body: { schema: holds.releaseHoldBody, example: {}, optional: true },
    idempotent: true,
    responses: { 200: { description: "Released.", schema: HoldAnswer } },
    errors: { 404: "No such hold.", 409: notHeld },
  });
}
