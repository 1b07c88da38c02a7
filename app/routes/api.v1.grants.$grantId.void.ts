import { z } from "zod";
import { apiKeyActor, requireApiKey } from "../auth/api-keys.server";
import { voidGrant } from "../credits/index.server";
import { apiResource, parseId, parseJsonBody, respondIdempotently, zReason } from "../utils/api.server";

// POST /api/v1/grants/:grantId/void (admin) — removes what is left of a grant; voiding twice changes nothing.
const voidBody = z.object({ reason: zReason });

const route = apiResource({
  POST: async ({ request, params, context }) => {
    const apiKey = requireApiKey(request, context, "admin");
    const grantId = parseId(params.grantId, "grant");
    const { input, raw } = await parseJsonBody(request, voidBody);
    return respondIdempotently(context, request, { scope: `grants/${grantId}/void`, body: raw }, (idempotencyKey) => {
      const { grant, balance } = voidGrant(context, {
        grantId,
        reason: input.reason ?? null,
        idempotencyKey,
        actor: apiKeyActor(apiKey),
      });
      return { status: 200, body: { grant, balance } };
    });
  },
});
export const loader = route.loader;
export const action = route.action;
