/**
 * Holds in the v1 API (decisions 010 and 015): reserve credits, then capture or release them.
 * Usage keys may do all of it. Each endpoint is thin: parse, one engine call, answer.
 *
 *   POST /api/v1/users/:userId/holds   {amount, expiresInSeconds?, reason?, metadata?} → 201 {hold, balance, held}
 *                                      or {feature, quantity, …}: the worst-case cost of the units (rate card)
 *   POST /api/v1/holds/:holdId/capture {amount?}                                       → 200 {hold, deduction, held}
 *                                      a feature hold: {quantity?}, charged at the held price → … usage
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
import { usageContext } from "../../billing/usage.server";
import { captureFeatureHold, featureHoldOf, holdFeature, zQuantity } from "../../features/index.server";
import { AppError } from "../../utils/errors";
import { zFeatureRef } from "./usage.server";
import { idempotently, idParam, jsonBody, type Endpoint } from "./call.server";

const secondsMessage = `must be from ${HOLD_SECONDS.min} to ${HOLD_SECONDS.max}.`;

/** POST /api/v1/users/:userId/holds: credits (`amount`) or units of a feature (`feature` + `quantity`). */
export const createHoldFields = z.object({
  amount: zCredits.optional(),
  feature: zFeatureRef.optional(),
  quantity: zQuantity.optional(),
  expiresInSeconds: z
    .number()
    .int()
    .min(HOLD_SECONDS.min, secondsMessage)
    .max(HOLD_SECONDS.max, secondsMessage)
    .nullish(),
  reason: zReason,
  metadata: zJsonObject.nullish(),
});
export const createHoldBody = createHoldFields.superRefine((v, ctx) => {
  const byFeature = v.feature !== undefined || v.quantity !== undefined;
  if (v.amount !== undefined && byFeature) {
    ctx.addIssue({ code: "custom", path: ["amount"], message: "must not be sent with `feature` and `quantity`." });
  } else if (!byFeature && v.amount === undefined) {
    ctx.addIssue({ code: "custom", path: ["amount"], message: "is required (or `feature` and `quantity`)." });
  } else if (byFeature && v.feature === undefined) {
    ctx.addIssue({ code: "custom", path: ["feature"], message: "is required with `quantity`." });
  } else if (byFeature && v.quantity === undefined) {
    ctx.addIssue({ code: "custom", path: ["quantity"], message: "is required with `feature`." });
  }
});

/**
 * POST /api/v1/holds/:holdId/capture — `amount` (credits) for a credit hold, `quantity` (units)
 * for a feature hold; absent or null = all of it (an empty body is `{}`).
 */
export const captureHoldBody = z.object({ amount: zCredits.nullish(), quantity: zQuantity.nullish() });

/** POST /api/v1/holds/:holdId/release — no fields (an empty body, or none, is `{}`). */
export const releaseHoldBody = z.object({});

export const createHoldEndpoint: Endpoint = {
  scope: "usage",
  groupCommit: true,
  run(call) {
    const userId = idParam(call, "userId", "user");
    const { input, raw } = jsonBody(call, createHoldBody);
    return idempotently(call, `users/${userId}/holds`, raw, (idempotencyKey) => {
      if (input.feature !== undefined) {
        const { hold, balance, held } = holdFeature(usageContext(call.context), {
          userId,
          feature: input.feature,
          quantity: input.quantity!,
          expiresInSeconds: input.expiresInSeconds ?? null,
          reason: input.reason ?? null,
          metadata: input.metadata ?? null,
          idempotencyKey,
          actor: apiKeyActor(call.apiKey),
        });
        return { status: 201, body: { hold, balance, held } };
      }
      const { hold, balance, held } = holdCredits(call.context, {
        userId,
        amount: input.amount!,
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
  groupCommit: true,
  run(call) {
    const holdId = idParam(call, "holdId", "hold");
    const { input, raw } = jsonBody(call, captureHoldBody);
    return idempotently(call, `holds/${holdId}/capture`, raw, (idempotencyKey) => {
      const byFeature = featureHoldOf(call.context, holdId);
      if (byFeature || (input.quantity !== undefined && input.quantity !== null)) {
        if (input.amount !== undefined && input.amount !== null) {
          throw new AppError("invalid_request", "A hold made by feature is captured by `quantity`, not `amount`.", {
            field: "amount",
          });
        }
        const c = captureFeatureHold(usageContext(call.context), {
          holdId,
          quantity: input.quantity ?? null,
          actor: apiKeyActor(call.apiKey),
        });
        const deduction = c.usage.deduction && { ...c.usage.deduction, metadata: c.hold.metadata };
        const { id, feature, quantity, credits, includedUnitsUsed, balance } = c.usage;
        const usage = { id, feature, quantity, credits, includedUnitsUsed, balance };
        return { status: 200, body: { hold: c.hold, deduction, held: c.held, usage } };
      }
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
  groupCommit: true,
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
    return jsonAnswer({ hold: { ...hold, ...featureHoldOf(call.context, holdId) } });
  },
};
