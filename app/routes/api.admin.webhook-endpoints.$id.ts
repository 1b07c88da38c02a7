import { requireAdminCaller } from "../auth/admin-caller.server";
import { apiResource, jsonResponse, parseId, readJsonBody } from "../utils/http.server";
import { parseInput } from "../utils/schemas.server";
import {
  deleteWebhookEndpoint,
  updateWebhookEndpoint,
  updateWebhookEndpointSchema,
  webhookAddressPolicy,
} from "../webhooks/index.server";

// PATCH  /api/admin/webhook-endpoints/:id — any of {url, events, enabled, description} → 200 the endpoint.
// DELETE /api/admin/webhook-endpoints/:id → {deleted: true}; its deliveries (pending ones too) go with it.
const route = apiResource({
  PATCH: async ({ request, context, params }) => {
    const caller = await requireAdminCaller(request, context);
    const id = parseId(params.id, "webhook endpoint");
    const input = parseInput(updateWebhookEndpointSchema, await readJsonBody(request));
    const endpoint = await updateWebhookEndpoint(context, id, input, {
      policy: webhookAddressPolicy(context.env),
      actor: caller.actor,
    });
    return jsonResponse(endpoint);
  },
  DELETE: async ({ request, context, params }) => {
    const caller = await requireAdminCaller(request, context);
    deleteWebhookEndpoint(context, parseId(params.id, "webhook endpoint"), caller.actor);
    return jsonResponse({ deleted: true });
  },
});
export const loader = route.loader;
export const action = route.action;
