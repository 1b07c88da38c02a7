/**
 * The v1 credits API's endpoints (contract: docs/decisions/003-api-keys-and-v1-api.md). Each one
 * is thin: its scope is checked before it runs; it parses, makes one domain call and answers.
 */
import { z } from "zod";
import { GRANT_TYPES } from "../../../db/schema";
import { apiKeyActor } from "../../auth/api-keys.server";
import { createUser, getUserById } from "../../auth/users.server";
import { deductCredits, getBalance, grantCredits, listLedger, voidGrant } from "../../credits/index.server";
import { jsonAnswer, notFound } from "../../utils/http.server";
import { parseLimit, zCredits, zInstant, zJsonObject, zReason } from "../../utils/schemas.server";
import { AppError } from "../../utils/errors";
import { idempotently, idParam, jsonBody, type Endpoint } from "./call.server";

// POST /api/v1/users — creates a user who has credits but no password (cannot log in).
const createUserBody = z.object({
  email: z.string().max(254, "must be at most 254 characters."),
  name: z.string().max(200, "must be at most 200 characters.").nullish(),
});

export const createUserEndpoint: Endpoint = {
  scope: "admin",
  run(call) {
    const { input, raw } = jsonBody(call, createUserBody);
    return idempotently(call, "users", raw, () => {
      const user = createUser(call.context, { email: input.email, name: input.name ?? "" });
      // A user who was just created has no grants, so nothing to spend yet.
      return { status: 201, body: { id: user.id, email: user.email, name: user.name, balance: 0 } };
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
    const { balance } = getBalance(call.context, userId, { grantLimit: 0 });
    return jsonAnswer({ id: user.id, email: user.email, name: user.name, balance });
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
const grantBody = z.object({
  amount: zCredits,
  type: z.enum(GRANT_TYPES),
  expiresAt: zInstant.nullish(),
  effectiveAt: zInstant.nullish(),
  priority: z.number().int().min(0, "must be from 0 to 100.").max(100, "must be from 0 to 100.").nullish(),
  reason: zReason,
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
        source: "api",
        idempotencyKey,
        actor: apiKeyActor(call.apiKey),
      });
      return { status: 201, body: { grant, balance } };
    });
  },
};

// POST /api/v1/users/:userId/deductions — spends credits in burn-down order; 402 when short.
const deductionBody = z.object({
  amount: zCredits,
  reason: zReason,
  metadata: zJsonObject.nullish(),
});

export const createDeductionEndpoint: Endpoint = {
  scope: "usage",
  run(call) {
    const userId = idParam(call, "userId", "user");
    const { input, raw } = jsonBody(call, deductionBody);
    return idempotently(call, `users/${userId}/deductions`, raw, (idempotencyKey) => {
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
        body: { id: result.id, amount: result.amount, balance: result.balance, allocations: result.allocations },
      };
    });
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
const voidBody = z.object({ reason: zReason });

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
