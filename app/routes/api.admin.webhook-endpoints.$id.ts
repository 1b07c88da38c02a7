import { requireAdminCaller } from "../auth/admin-caller.server";
import { apiResource, jsonResponse, parseId } from "../utils/http.server";
import { deleteWebhookEndpoint } from "../webhooks/index.server";

// DELETE /api/admin/webhook-endpoints/:id → {deleted: true}; its deliveries (pending ones too) go with it.
const route = apiResource({
  DELETE: async ({ request, context, params }) => {
    const caller = await requireAdminCaller(request, context);
    deleteWebhookEndpoint(context, parseId(params.id, "webhook endpoint"), caller.actor);
    return jsonResponse({ deleted: true });
  },
});
export const loader = route.loader;
export const action = route.action;
