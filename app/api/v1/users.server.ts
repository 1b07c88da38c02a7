/**
 * The v1 user endpoints that came with external ids: `ext:` path resolution, PATCH and search.
 * A user object is `{id, email, name, externalId, lowBalanceThreshold, balance}` everywhere.
 */
import type { DbClock } from "../../utils/context.server";
import { z } from "zod";
import { apiKeyActor } from "../../auth/api-keys.server";
import {
  externalIdProblem,
  getUserIdByExternalId,
  MAX_LOW_BALANCE_THRESHOLD,
  searchUsers,
  updateUser,
  USER_SEARCH_MAX_LENGTH,
  type User,
} from "../../auth/users.server";
import type { Db } from "../../../db/client";
import { getBalance } from "../../credits/index.server";
import { jsonAnswer } from "../../utils/http.server";
import { parseInput, parseLimit } from "../../utils/schemas.server";
import { AppError } from "../../utils/errors";
import { idParam, jsonBody, queryObject, type Endpoint } from "./call.server";
import { decodeCursor, encodeCursor } from "./cursor.server";
import { formatCredits } from "../../utils/format";

/** What every v1 answer shows of a user. */
export interface UserObject {
  id: number;
  email: string;
  name: string;
  externalId: string | null;
  /** null = the deployment's default (LOW_BALANCE_THRESHOLD); 0 = no balance.low events. */
  lowBalanceThreshold: number | null;
  balance: number;
}

export function userObject(user: User, balance: number): UserObject {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    externalId: user.externalId,
    lowBalanceThreshold: user.lowBalanceThreshold,
    balance,
  };
}

/** The user object with the spendable balance now. */
export function userObjectNow(context: DbClock, user: User): UserObject {
  return userObject(user, getBalance(context, user.id, { grantLimit: 0 }).balance);
}

export const EXTERNAL_ID_PREFIX = "ext:";

/**
 * A `:userId` path param as the numeric id endpoints parse: `ext:<external id>` (already
 * percent-decoded) becomes the id of the user who has it; anything else is left for the endpoint
 * (which answers 404 for a non-id). An unknown or impossible external id → 404 `not_found`.
 */
export function resolveUserRef(db: Db, param: string): string {
  if (!param.startsWith(EXTERNAL_ID_PREFIX)) return param;
  const externalId = param.slice(EXTERNAL_ID_PREFIX.length);
  const id = externalIdProblem(externalId) === null ? getUserIdByExternalId(db, externalId) : undefined;
  if (id === undefined) throw new AppError("not_found", `No user with externalId ${JSON.stringify(externalId)}.`);
  return String(id);
}

/** `externalId` in a body: 1–255 characters, no control characters. */
export const zExternalId = z.string().superRefine((value, ctx) => {
  const problem = externalIdProblem(value);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

// PATCH /api/v1/users/:userId (admin) — absent fields stay; null resets (name "", no external id,
// the default threshold).
export const updateUserBody = z.object({
  name: z.string().max(200, "must be at most 200 characters.").nullable().optional(),
  externalId: zExternalId.nullable().optional(),
  lowBalanceThreshold: z
    .number()
    .int()
    .min(0, "must be 0 or more (0 turns balance.low off).")
    .max(MAX_LOW_BALANCE_THRESHOLD, `must be at most ${formatCredits(MAX_LOW_BALANCE_THRESHOLD)}.`)
    .nullable()
    .optional(),
});

export const updateUserEndpoint: Endpoint = {
  scope: "admin",
  run(call) {
    const userId = idParam(call, "userId", "user");
    const { input } = jsonBody(call, updateUserBody);
    const user = updateUser(call.context, { userId, changes: input, actor: apiKeyActor(call.apiKey) });
    return jsonAnswer(userObjectNow(call.context, user));
  },
};

// GET /api/v1/users?q=&limit=&cursor= (admin) — newest first; `nextCursor` null on the last page.
export const searchUsersQuery = z.object({
  q: z.string().max(USER_SEARCH_MAX_LENGTH, `must be at most ${USER_SEARCH_MAX_LENGTH} characters.`).optional(),
  limit: z.string().optional(),
  cursor: z.string().optional(),
});

const USERS_CURSOR = "users";

export const searchUsersEndpoint: Endpoint = {
  scope: "admin",
  run(call) {
    const query = parseInput(searchUsersQuery, queryObject(call));
    const limit = parseLimit(call.query);
    const cursor = query.cursor ? decodeCursor(query.cursor, USERS_CURSOR) : null;
    const beforeId = cursor === null ? null : cursorId(cursor);
    const page = searchUsers(call.context.db, { q: query.q ?? "", limit, beforeId });
    return jsonAnswer({
      data: page.users.map((u) => userObjectNow(call.context, u)),
      nextCursor: page.nextBeforeId === null ? null : encodeCursor(USERS_CURSOR, [page.nextBeforeId]),
    });
  },
};

function cursorId(values: unknown[]): number {
  const [id] = values;
  if (values.length !== 1 || typeof id !== "number" || !Number.isSafeInteger(id) || id < 1) {
    throw new AppError("invalid_request", "`cursor` is not valid.", { field: "cursor" });
  }
  return id;
}
