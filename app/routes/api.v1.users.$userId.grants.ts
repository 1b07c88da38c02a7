import { z } from "zod";
import { GRANT_TYPES } from "../../db/schema";
import { apiKeyActor, requireApiKey } from "../auth/api-keys.server";
import { grantCredits } from "../credits/index.server";
import {
  apiResource,
  parseId,
  parseJsonBody,
  respondIdempotently,
  zCredits,
  zInstant,
  zReason,
} from "../utils/api.server";

// POST /api/v1/users/:userId/grants (admin) — adds credits; `expiresAt: null` or absent = never expires.
// The engine checks that expiresAt lies in the future and after effectiveAt (400, field expiresAt).
const grantBody = z.object({
  amount: zCredits,
  type: z.enum(GRANT_TYPES),
  expiresAt: zInstant.nullish(),
  effectiveAt: zInstant.optional(),
  priority: z.number().int().min(0, "must be from 0 to 100.").max(100, "must be from 0 to 100.").optional(),
  reason: zReason,
});

const route = apiResource({
  POST: async ({ request, params, context }) => {
    const apiKey = requireApiKey(request, context, "admin");
    const userId = parseId(params.userId, "user");
    const { input, raw } = await parseJsonBody(request, grantBody);
    return respondIdempotently(context, request, { scope: `users/${userId}/grants`, body: raw }, (idempotencyKey) => {
      const { grant, balance } = grantCredits(context, {
        userId,
        type: input.type,
        amount: input.amount,
        effectiveAt: input.effectiveAt,
        expiresAt: input.expiresAt ?? null,
        priority: input.priority,
        reason: input.reason ?? null,
        source: "api",
        idempotencyKey,
        actor: apiKeyActor(apiKey),
      });
      return { status: 201, body: { grant, balance } };
    });
  },
});
export const loader = route.loader;
export const action = route.action;
