/**
 * The v1 credits API's endpoints (contract: docs/decisions/003-api-keys-and-v1-api.md). Each one
 * is thin: its scope is checked before it runs; it parses, makes one domain call and answers.
 */
import { z } from "zod";
import { GRANT_TYPES } from "../../../db/schema";
import { apiKeyActor } from "../../auth/api-keys.server";
import { createUser, getUserById } from "../../auth/users.server";
import {
  adjustCredits,
  deductCredits,
  getBalance,
  grantCredits,
  GRANT_LIST_STATUSES,
  listGrants,
  listLedger,
  voidGrant,
} from "../../credits/index.server";
import { jsonAnswer, notFound, type ApiResult } from "../../utils/http.server";
import { hasVisibleCharacter } from "../../utils/text";
import { parseInput, parseLimit, zCredits, zInstant, zJsonObject, zReason } from "../../utils/schemas.server";
import { AppError } from "../../utils/errors";
import { MAX_CREDITS_PER_CALL, MAX_REASON_LENGTH } from "../../utils/limits";
import { idempotently, idParam, jsonBody, queryObject, type ApiCall, type Endpoint } from "./call.server";
import { decodeCursor, encodeCursor } from "./cursor.server";
import { userObject, userObjectNow, zExternalId } from "./users.server";
import { formatCredits } from "../../utils/format";

// POST /api/v1/users — creates a user who has credits but no password (cannot log in).
export const createUserBody = z.object({
  email: z.string().max(254, "must be at most 254 characters."),
  name: z.string().max(200, "must be at most 200 characters.").nullish(),
  externalId: zExternalId.nullish(),
});

export const createUserEndpoint: Endpoint = {
  scope: "admin",
  run(call) {
    const { input, raw } = jsonBody(call, createUserBody);
    return idempotently(call, "users", raw, () => {
      const user = createUser(call.context, {
        email: input.email,
        name: input.name ?? "",
        externalId: input.externalId ?? null,
      });
      // A user who was just created has no grants, so nothing to spend yet.
      return { status: 201, body: userObject(user, 0) };
    });
  },
};

// GET /api/v1/users/:userId
export const getUserEndpoint: Endpoint = {
  scope: "usage",
  run(call) {
    const userId = idParam(call, "userId", "user");
    const user = getUserById(call.context.db, userId);
    if (!user) throw notFound("user", userId);
    return jsonAnswer(userObjectNow(call.context, user));
  },
};

/** How many grants a balance answer lists; `grantCount` says how many there are. */
export const BALANCE_GRANT_LIMIT = 100;

// GET /api/v1/users/:userId/balance — spendable now, by type, the next expiry, grantCount and the
// first 100 grants in burn-down order (a bounded answer however many grants a user holds).
export const getBalanceEndpoint: Endpoint = {
  scope: "usage",
  run(call) {
    return jsonAnswer(getBalance(call.context, idParam(call, "userId", "user"), { grantLimit: BALANCE_GRANT_LIMIT }));
  },
};

// POST /api/v1/users/:userId/grants (admin) — adds credits; `expiresAt: null` or absent = never expires.
// The engine checks that expiresAt lies in the future and after effectiveAt (400, field expiresAt).
// effectiveAt and priority null = absent (now, the type's default), like every optional field.
export const grantBody = z.object({
  amount: zCredits,
  type: z.enum(GRANT_TYPES),
  expiresAt: zInstant.nullish(),
  effectiveAt: zInstant.nullish(),
  priority: z.number().int().min(0, "must be from 0 to 100.").max(100, "must be from 0 to 100.").nullish(),
  reason: zReason,
  metadata: zJsonObject.nullish(),
});

export const createGrantEndpoint: Endpoint = {
  scope: "admin",
  run(call) {
    const userId = idParam(call, "userId", "user");
    const { input, raw } = jsonBody(call, grantBody);
    return idempotently(call, `users/${userId}/grants`, raw, (idempotencyKey) => {
      const { grant, balance } = grantCredits(call.context, {
        userId,
        type: input.type,
        amount: input.amount,
        effectiveAt: input.effectiveAt ?? undefined,
        expiresAt: input.expiresAt ?? null,
        priority: input.priority ?? undefined,
        reason: input.reason ?? null,
        metadata: input.metadata ?? null,
        source: "api",
        idempotencyKey,
        actor: apiKeyActor(call.apiKey),
      });
      return { status: 201, body: { grant, balance, metadata: input.metadata ?? null } };
    });
  },
};

// POST /api/v1/users/:userId/deductions — spends credits in burn-down order; 402 when short.
export const deductionBody = z.object({
  amount: zCredits,
  reason: zReason,
  metadata: zJsonObject.nullish(),
});

/** The idempotency scope of a user's deductions (single and batch items share it). */
export const deductionScope = (userId: number) => `users/${userId}/deductions`;

/** One deduction and its answer: the single endpoint's and each batch item's. */
export function deduct(
  call: Pick<ApiCall, "context" | "apiKey">,
  userId: number,
  input: z.output<typeof deductionBody>,
  idempotencyKey: string | null,
): ApiResult {
  const result = deductCredits(call.context, {
    userId,
    amount: input.amount,
    reason: input.reason ?? null,
    metadata: input.metadata ?? null,
    idempotencyKey,
    actor: apiKeyActor(call.apiKey),
  });
  return {
    status: 201,
    body: {
      id: result.id,
      amount: result.amount,
      balance: result.balance,
      allocations: result.allocations,
      metadata: input.metadata ?? null,
    },
  };
}

export const createDeductionEndpoint: Endpoint = {
  scope: "usage",
  groupCommit: true,
  run(call) {
    const userId = idParam(call, "userId", "user");
    const { input, raw } = jsonBody(call, deductionBody);
    return idempotently(call, deductionScope(userId), raw, (idempotencyKey) =>
      deduct(call, userId, input, idempotencyKey),
    );
  },
};

// POST /api/v1/users/:userId/adjustments (admin) — a signed correction with a required reason:
// positive adds a never-expiring promotional grant (grantId), negative spends in burn-down order
// (allocations; 402 when short).
export const adjustmentBody = z.object({
  amount: z
    .number()
    .int()
    .min(-MAX_CREDITS_PER_CALL, `must be from -${formatCredits(MAX_CREDITS_PER_CALL)}.`)
    .max(MAX_CREDITS_PER_CALL, `must be at most ${formatCredits(MAX_CREDITS_PER_CALL)}.`)
    .refine((n) => n !== 0, "must not be 0."),
  reason: z
    .string()
    .max(MAX_REASON_LENGTH, `must be at most ${formatCredits(MAX_REASON_LENGTH)} characters.`)
    .refine(hasVisibleCharacter, "must contain a visible character: an adjustment needs a reason."),
});

export const createAdjustmentEndpoint: Endpoint = {
  scope: "admin",
  run(call) {
    const userId = idParam(call, "userId", "user");
    const { input, raw } = jsonBody(call, adjustmentBody);
    return idempotently(call, `users/${userId}/adjustments`, raw, (idempotencyKey) => {
      const result = adjustCredits(call.context, {
        userId,
        amount: input.amount,
        reason: input.reason,
        source: "api",
        idempotencyKey,
        actor: apiKeyActor(call.apiKey),
      });
      const { id, amount, balance, grantId, allocations } = result;
      return { status: 201, body: { id, amount, balance, grantId, allocations } };
    });
  },
};

// GET /api/v1/users/:userId/grants?status=&limit=&cursor= — every grant, a page at a time:
// `active` (default) in burn-down order, `pending` by effectiveAt, the others and `all` newest
// first (app/credits/grants-list.server.ts). `nextCursor` null on the last page.
export const listGrantsQuery = z.object({
  status: z.enum(GRANT_LIST_STATUSES).optional(),
  limit: z.string().optional(),
  cursor: z.string().optional(),
});

export const listGrantsEndpoint: Endpoint = {
  scope: "usage",
  run(call) {
    const userId = idParam(call, "userId", "user");
    const query = parseInput(listGrantsQuery, queryObject(call));
    const status = query.status ?? "active";
    const limit = parseLimit(call.query);
    const kind = `grants:${status}`;
    const after = query.cursor ? (decodeCursor(query.cursor, kind) as number[]) : null;
    const page = listGrants(call.context, userId, { status, limit, after });
    return jsonAnswer({ data: page.grants, nextCursor: page.next === null ? null : encodeCursor(kind, page.next) });
  },
};

// GET /api/v1/users/:userId/ledger?limit=&cursor= — newest first; `nextCursor` null on the last page.
export const getLedgerEndpoint: Endpoint = {
  scope: "usage",
  run(call) {
    const userId = idParam(call, "userId", "user");
    const limit = parseLimit(call.query);
    const cursor = call.query.get("cursor") || null;
    if (cursor && cursor.length > 200)
      throw new AppError("invalid_request", "`cursor` is not valid.", { field: "cursor" });
    return jsonAnswer(listLedger(call.context, userId, { limit, cursor }));
  },
};

// POST /api/v1/grants/:grantId/void (admin) — removes what is left of a grant; voiding twice changes nothing.
export const voidBody = z.object({ reason: zReason });

export const voidGrantEndpoint: Endpoint = {
  scope: "admin",
  run(call) {
    const grantId = idParam(call, "grantId", "grant");
    const { input, raw } = jsonBody(call, voidBody);
    return idempotently(call, `grants/${grantId}/void`, raw, (idempotencyKey) => {
      const { grant, balance } = voidGrant(call.context, {
        grantId,
        reason: input.reason ?? null,
        idempotencyKey,
        actor: apiKeyActor(call.apiKey),
      });
      return { status: 200, body: { grant, balance } };
    });
  },
};
