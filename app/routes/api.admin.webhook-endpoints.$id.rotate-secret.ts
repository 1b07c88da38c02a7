import { requireAdminCaller } from "../auth/admin-caller.server";
import { apiResource, jsonResponse, parseId } from "../utils/http.server";
import { rotateWebhookSecret } from "../webhooks/index.server";

// POST /api/admin/webhook-endpoints/:id/rotate-secret (no body) → 200 {…endpoint, secret}: the new secret,
//      shown only here; for 24 hours deliveries carry the old secret's signature too.
const route = apiResource({
  POST: async ({ request, context, params }) => {
    const caller = await requireAdminCaller(request, context);
    return jsonResponse(rotateWebhookSecret(context, parseId(params.id, "webhook endpoint"), caller.actor));
  },
});
export const loader = route.loader;
export const action = route.action;
