import { requireAdminCaller } from "../auth/admin-caller.server";
import { apiResource, jsonResponse, parseId } from "../utils/http.server";
import { retryWebhookDelivery } from "../webhooks/index.server";

// POST /api/admin/webhook-deliveries/:id/retry (no body) → 200 {delivery}: due again now, same webhook-id
//      (a failed one gets one more attempt; a delivered one is sent once more).
const route = apiResource({
  POST: async ({ request, context, params }) => {
    const caller = await requireAdminCaller(request, context);
    const delivery = retryWebhookDelivery(context, parseId(params.id, "webhook delivery"), caller.actor);
    return jsonResponse({ delivery });
  },
});
export const loader = route.loader;
export const action = route.action;
