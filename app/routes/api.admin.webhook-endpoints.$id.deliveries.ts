import { requireAdminCaller } from "../auth/admin-caller.server";
import { apiResource, jsonResponse, parseId } from "../utils/http.server";
import { parseInput } from "../utils/schemas.server";
import { listWebhookDeliveries, listWebhookDeliveriesQuerySchema } from "../webhooks/index.server";

// GET /api/admin/webhook-endpoints/:id/deliveries?limit= (1–100, default 50) → {data: [{id, eventId,
//     type, status, attempts, lastStatusCode, nextAttemptAt}]}, newest event first.
const route = apiResource({
  GET: async ({ request, context, params }) => {
    await requireAdminCaller(request, context);
    const id = parseId(params.id, "webhook endpoint");
    const query = new URL(request.url).searchParams;
    const { limit } = parseInput(listWebhookDeliveriesQuerySchema, { limit: query.get("limit") });
    return jsonResponse({ data: listWebhookDeliveries(context.db, id, limit) });
  },
});
export const loader = route.loader;
export const action = route.action;
