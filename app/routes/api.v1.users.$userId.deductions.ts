import { z } from "zod";
import { apiKeyActor, requireApiKey } from "../auth/api-keys.server";
import { deductCredits } from "../credits/index.server";
import {
  apiResource,
  parseId,
  parseJsonBody,
  respondIdempotently,
  zCredits,
  zReason,
} from "../utils/api.server";

// POST /api/v1/users/:userId/deductions — spends credits in burn-down order; 402 when short.
const deductionBody = z.object({
  amount: zCredits,
  reason: zReason,
  metadata: z.record(z.unknown()).nullish(),
});

const route = apiResource({
  POST: async ({ request, params, context }) => {
    const apiKey = requireApiKey(request, context, "usage");
    const userId = parseId(params.userId, "user");
    const { input, raw } = await parseJsonBody(request, deductionBody);
    return respondIdempotently(context, request, { scope: `users/${userId}/deductions`, body: raw }, (idempotencyKey) => {
      const result = deductCredits(context, {
        userId,
        amount: input.amount,
        reason: input.reason ?? null,
        metadata: input.metadata ?? null,
        idempotencyKey,
        actor: apiKeyActor(apiKey),
      });
      return {
        status: 201,
        body: { id: result.id, amount: result.amount, balance: result.balance, allocations: result.allocations },
      };
    });
  },
});
export const loader = route.loader;
export const action = route.action;
