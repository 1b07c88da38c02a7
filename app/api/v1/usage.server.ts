/**
 * The rate card in the v1 API (usage or admin keys): check before use, record usage (one or a
 * batch), and read usage by feature. Each use is priced by the user's plan terms now (app/features/).
 *
 *   POST /api/v1/users/:userId/check  {feature, quantity}            → 200 {allowed, credits, balance, includedRemaining, reason?}
 *   POST /api/v1/users/:userId/usage  {feature, quantity, metadata?} → 201 {id, feature, quantity, credits, includedUnitsUsed, balance, deduction}
 *   POST /api/v1/usage/batch          {events: [{userId, feature, quantity, idempotencyKey, metadata?}]} → 200 {results}
 *   GET  /api/v1/users/:userId/usage?from=&to=                        → 200 {data: [{feature, quantity, credits}]}
 */
import { z } from "zod";
import { writeTransaction } from "../../../db/transaction";
import { apiKeyActor } from "../../auth/api-keys.server";
import { usageContext } from "../../billing/usage.server";
import { checkUsage, recordUsage, usageSummary, zQuantity } from "../../features/index.server";
import { AppError, errorBody, httpStatusFor, isAppError } from "../../utils/errors";
import { jsonAnswer, jsonTextAnswer, notFound, parseId, type ApiResult } from "../../utils/http.server";
import { getUserById } from "../../auth/users.server";
import { respondIdempotently } from "../../utils/idempotency.server";
import { IDEMPOTENCY_KEY_MAX_LENGTH } from "../../utils/limits";
import { parseInput, zInstant, zJsonObject } from "../../utils/schemas.server";
import { MAX_BATCH_BODY_BYTES } from "./batch.server";
import { idempotently, idParam, jsonBody, queryObject, type ApiCall, type Endpoint } from "./call.server";
import { resolveUserRef } from "./users.server";

/** A feature key as sent: an unknown one is 404, so only its length is checked here. */
export const zFeatureRef = z.string().min(1, "must not be empty.").max(64, "must be at most 64 characters.");

export const checkBody = z.object({ feature: zFeatureRef, quantity: zQuantity });

export const usageBody = z.object({
  feature: zFeatureRef,
  quantity: zQuantity,
  metadata: zJsonObject.nullish(),
});

/** The idempotency scope of a user's usage (single and batch events share it). */
export const usageScope = (userId: number) => `users/${userId}/usage`;

// POST /api/v1/users/:userId/check — writes nothing.
export const checkEndpoint: Endpoint = {
  scope: "usage",
  run(call) {
    const userId = idParam(call, "userId", "user");
    const { input } = jsonBody(call, checkBody);
    return jsonAnswer(checkUsage(usageContext(call.context), { userId, ...input }));
  },
};

/** One use and its answer: the single endpoint's and each batch event's. */
function recordOne(
  call: Pick<ApiCall, "context" | "apiKey">,
  userId: number,
  input: z.output<typeof usageBody>,
  idempotencyKey: string | null,
): ApiResult {
  const r = recordUsage(usageContext(call.context), {
    userId,
    feature: input.feature,
    quantity: input.quantity,
    metadata: input.metadata ?? null,
    idempotencyKey,
    actor: apiKeyActor(call.apiKey),
  });
  const { id, feature, quantity, credits, includedUnitsUsed, balance, deduction } = r;
  return { status: 201, body: { id, feature, quantity, credits, includedUnitsUsed, balance, deduction } };
}

// POST /api/v1/users/:userId/usage — 402 insufficient_credits, 403 feature_not_included /
// feature_archived and 404 (user, feature) write nothing.
export const recordUsageEndpoint: Endpoint = {
  scope: "usage",
  groupCommit: true,
  run(call) {
    const userId = idParam(call, "userId", "user");
    const { input, raw } = jsonBody(call, usageBody);
    return idempotently(call, usageScope(userId), raw, (key) => recordOne(call, userId, input, key));
  },
};

// GET /api/v1/users/:userId/usage?from=&to= — by feature over [from, to) (default: the 30 days to now).
export const usageQuery = z.object({ from: zInstant.optional(), to: zInstant.optional() });
const DEFAULT_RANGE_MS = 30 * 86_400_000;

export const usageSummaryEndpoint: Endpoint = {
  scope: "usage",
  run(call) {
    const userId = idParam(call, "userId", "user");
    const query = parseInput(usageQuery, queryObject(call));
    const to = query.to ?? call.context.clock.now();
    const from = query.from ?? new Date(to.getTime() - DEFAULT_RANGE_MS);
    if (!getUserById(call.context.db, userId)) throw notFound("user", userId); // not an empty list
    const data = usageSummary(call.context, userId, { from, to }).map(({ feature, quantity, credits }) => ({
      feature,
      quantity,
      credits,
    }));
    return jsonAnswer({ data });
  },
};

export const USAGE_BATCH_MAX_EVENTS = 1000;
const eventsMessage = `must have 1–${USAGE_BATCH_MAX_EVENTS.toLocaleString("en-US")} events.`;

/** One event: a usage body plus whose it is and its idempotency key (required: pipelines retry). */
export const usageBatchEvent = usageBody.extend({
  userId: z.union([z.number().int(), z.string().max(300)], {
    errorMap: () => ({ message: 'must be a user id or "ext:" and an external id.' }),
  }),
  idempotencyKey: z
    .string()
    .min(1, `must be 1–${IDEMPOTENCY_KEY_MAX_LENGTH} characters.`)
    .max(IDEMPOTENCY_KEY_MAX_LENGTH, `must be 1–${IDEMPOTENCY_KEY_MAX_LENGTH} characters.`),
});

const eventsArray = <T extends z.ZodTypeAny>(item: T) =>
  z.array(item).min(1, eventsMessage).max(USAGE_BATCH_MAX_EVENTS, eventsMessage);
/** The request body as documented (OpenAPI). */
export const usageBatchBody = z.object({ events: eventsArray(usageBatchEvent) });
const batchEnvelope = z.object({ events: eventsArray(z.unknown()) });

/** One event's result as JSON text (a stored answer is spliced in as it was stored). */
function runEvent(call: ApiCall, rawEvent: unknown): string {
  try {
    if (typeof rawEvent !== "object" || rawEvent === null || Array.isArray(rawEvent)) {
      throw new AppError("invalid_request", "Each event must be a JSON object.");
    }
    const event = parseInput(usageBatchEvent, rawEvent);
    const userId = parseId(resolveUserRef(call.context.db, String(event.userId)), "user");
    // What a single use's body would be: the idempotency hash covers exactly that.
    const { userId: _userId, idempotencyKey: _key, ...raw } = rawEvent as Record<string, unknown>;
    const answer = respondIdempotently(
      call.context,
      event.idempotencyKey,
      { scope: usageScope(userId), body: raw },
      (key) => recordOne(call, userId, event, key),
    );
    const replayed = answer.headers["Idempotent-Replayed"] === "true" ? ',"replayed":true' : "";
    return `{"status":${answer.status},"body":${answer.body}${replayed}}`;
  } catch (e) {
    if (!isAppError(e) || httpStatusFor(e.code) >= 500) throw e;
    return JSON.stringify({ status: httpStatusFor(e.code), ...errorBody(asEventError(e)) });
  }
}

/** An event's key is its `idempotencyKey` field, not the request's Idempotency-Key header: say so. */
function asEventError(e: AppError): AppError {
  if (e.field !== "Idempotency-Key") return e;
  const message =
    e.code === "idempotency_conflict"
      ? "This event's idempotencyKey was already used for this user with a different use."
      : e.message.replace("Idempotency-Key", "idempotencyKey");
  return new AppError(e.code, message, { field: "idempotencyKey" });
}

// POST /api/v1/usage/batch — every event stands alone, in order, in ONE write transaction (a
// savepoint each): a failing event (4xx) writes nothing and the others go on.
export const usageBatchEndpoint: Endpoint = {
  scope: "usage",
  maxBodyBytes: MAX_BATCH_BODY_BYTES,
  run(call) {
    const { input } = jsonBody(call, batchEnvelope);
    const results = writeTransaction(call.context.db, () => input.events.map((event) => runEvent(call, event)));
    return jsonTextAnswer(`{"results":[${results.join(",")}]}`, 200);
  },
};
