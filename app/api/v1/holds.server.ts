/**
 * Holds in the v1 API (decisions 010 and 015): reserve credits, then capture or release them.
 * Usage keys may do all of it. Each endpoint is thin: parse, one engine call, answer.
 *
 *   POST /api/v1/users/:userId/holds   {amount, expiresInSeconds?, reason?, metadata?} → 201 {hold, balance, held}
 *   POST /api/v1/holds/:holdId/capture {amount?}                                       → 200 {hold, deduction, held}
 *   POST /api/v1/holds/:holdId/release                                                 → 200 {hold, balance, held}
 *   GET  /api/v1/holds/:holdId                                                         → 200 {hold}
 *
 * Not enough credits → 402 insufficient_credits; capturing or releasing a hold that is not `held`
 * (or is past expiresAt) → 409 conflict; capturing more than the hold → 400. Idempotency-Key works
 * on the three POSTs as on deductions.
 */
import { z } from "zod";
import { apiKeyActor } from "../../auth/api-keys.server";
import { captureHold, getHold, HOLD_SECONDS, holdCredits, releaseHold } from "../../credits/index.server";
import { jsonAnswer, notFound } from "../../utils/http.server";
import { zCredits, zJsonObject, zReason } from "../../utils/schemas.server";
import { idempotently, idParam, jsonBody, type Endpoint } from "./call.server";

const secondsMessage = `must be from ${HOLD_SECONDS.min} to ${HOLD_SECONDS.max}.`;

/** POST /api/v1/users/:userId/holds */
export const createHoldBody = z.object({
  amount: zCredits,
  expiresInSeconds: z
    .number()
    .int()
    .min(HOLD_SECONDS.min, secondsMessage)
    .max(HOLD_SECONDS.max, secondsMessage)
    .nullish(),
  reason: zReason,
  metadata: zJsonObject.nullish(),
});

/** POST /api/v1/holds/:holdId/capture — amount absent or null = all of the hold (an empty body is `{}`). */
export const captureHoldBody = z.object({ amount: zCredits.nullish() });

/** POST /api/v1/holds/:holdId/release — no fields (an empty body, or none, is `{}`). */
export const releaseHoldBody = z.object({});

export const createHoldEndpoint: Endpoint = {
  scope: "usage",
  run(call) {
    const userId = idParam(call, "userId", "user");
    const { input, raw } = jsonBody(call, createHoldBody);
    return idempotently(call, `users/${userId}/holds`, raw, (idempotencyKey) => {
      const { hold, balance, held } = holdCredits(call.context, {
        userId,
        amount: input.amount,
        expiresInSeconds: input.expiresInSeconds ?? null,
        reason: input.reason ?? null,
        metadata: input.metadata ?? null,
        idempotencyKey,
        actor: apiKeyActor(call.apiKey),
      });
      return { status: 201, body: { hold, balance, held } };
    });
  },
};

export const captureHoldEndpoint: Endpoint = {
  scope: "usage",
  run(call) {
    const holdId = idParam(call, "holdId", "hold");
    const { input, raw } = jsonBody(call, captureHoldBody);
    return idempotently(call, `holds/${holdId}/capture`, raw, (idempotencyKey) => {
      const { hold, deduction, held } = captureHold(call.context, {
        holdId,
        amount: input.amount ?? null,
        idempotencyKey,
        actor: apiKeyActor(call.apiKey),
      });
      return { status: 200, body: { hold, deduction, held } };
    });
  },
};

export const releaseHoldEndpoint: Endpoint = {
  scope: "usage",
  run(call) {
    const holdId = idParam(call, "holdId", "hold");
    const { raw } = jsonBody(call, releaseHoldBody);
    return idempotently(call, `holds/${holdId}/release`, raw, () => {
      const { hold, balance, held } = releaseHold(call.context, { holdId, actor: apiKeyActor(call.apiKey) });
      return { status: 200, body: { hold, balance, held } };
    });
  },
};

export const getHoldEndpoint: Endpoint = {
  scope: "usage",
  run(call) {
    const holdId = idParam(call, "holdId", "hold");
    const hold = getHold(call.context, holdId);
    if (!hold) throw notFound("hold", holdId);
    return jsonAnswer({ hold });
  },
};
