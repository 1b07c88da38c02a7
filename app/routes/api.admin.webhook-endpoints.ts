import { requireAdminCaller } from "../auth/admin-caller.server";
import { apiResource, jsonResponse, readJsonBody } from "../utils/http.server";
import { parseInput } from "../utils/schemas.server";
import {
  createWebhookEndpoint,
  createWebhookEndpointSchema,
  listWebhookEndpoints,
  webhookAddressPolicy,
} from "../webhooks/index.server";

// GET  /api/admin/webhook-endpoints — {data: [{id, url, events, description, enabled, previousSecretExpiresAt,
//      createdAt}]} (no secrets).
// POST /api/admin/webhook-endpoints — {url, events? (default: every public type but credits.deducted),
//      description?} → 201 {…, secret}; the secret only here. The URL's host must resolve to allowed addresses.
const route = apiResource({
  GET: async ({ request, context }) => {
    await requireAdminCaller(request, context);
    return jsonResponse({ data: listWebhookEndpoints(context) });
  },
  POST: async ({ request, context }) => {
    const caller = await requireAdminCaller(request, context);
    const input = parseInput(createWebhookEndpointSchema, await readJsonBody(request));
    const endpoint = await createWebhookEndpoint(context, input, {
      policy: webhookAddressPolicy(context.env),
      actor: caller.actor,
    });
    return jsonResponse(endpoint, 201);
  },
});
export const loader = route.loader;
export const action = route.action;
