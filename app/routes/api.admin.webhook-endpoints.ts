import { requireAdminCaller } from "../auth/admin-caller.server";
import { apiResource, jsonResponse, readJsonBody } from "../utils/http.server";
import { parseInput } from "../utils/schemas.server";
import { createWebhookEndpoint, createWebhookEndpointSchema, listWebhookEndpoints } from "../webhooks/index.server";

// GET  /api/admin/webhook-endpoints — {data: [{id, url, events, description, createdAt}]} (no secrets).
// POST /api/admin/webhook-endpoints — {url, events? (default: every public type but credits.deducted),
//      description?} → 201 {id, url, events, description, secret, createdAt}; the secret only here.
const route = apiResource({
  GET: async ({ request, context }) => {
    await requireAdminCaller(request, context);
    return jsonResponse({ data: listWebhookEndpoints(context.db) });
  },
  POST: async ({ request, context }) => {
    const caller = await requireAdminCaller(request, context);
    const input = parseInput(createWebhookEndpointSchema, await readJsonBody(request));
    const endpoint = createWebhookEndpoint(context, input, {
      production: context.env.NODE_ENV === "production",
      actor: caller.actor,
    });
    return jsonResponse(endpoint, 201);
  },
});
export const loader = route.loader;
export const action = route.action;
