import { decodeCursor, encodeCursor } from "../api/v1/cursor.server";
import { requireAdminCaller } from "../auth/admin-caller.server";
import { apiResource, jsonResponse, parseId } from "../utils/http.server";
import { parseInput } from "../utils/schemas.server";
import { cursorId } from "../webhooks/cursor";
import { listWebhookDeliveries, listWebhookDeliveriesQuerySchema } from "../webhooks/index.server";

const CURSOR_KIND = "webhook-deliveries";

// GET /api/admin/webhook-endpoints/:id/deliveries?limit=&cursor= (limit 1–100, default 50) → {data: [{id,
//     eventId, type, status, attempts, lastStatusCode, nextAttemptAt}], nextCursor}, newest event first;
//     nextCursor null on the last page.
const route = apiResource({
  GET: async ({ request, context, params }) => {
    await requireAdminCaller(request, context);
    const id = parseId(params.id, "webhook endpoint");
    const query = new URL(request.url).searchParams;
    const { limit, cursor } = parseInput(listWebhookDeliveriesQuerySchema, {
      limit: query.get("limit"),
      cursor: query.get("cursor"),
    });
    const beforeId = cursor ? cursorId(decodeCursor(cursor, `${CURSOR_KIND}:${id}`)) : null;
    const page = listWebhookDeliveries(context.db, id, { limit, beforeId });
    const nextCursor = page.nextBeforeId === null ? null : encodeCursor(`${CURSOR_KIND}:${id}`, [page.nextBeforeId]);
    return jsonResponse({ data: page.data, nextCursor });
  },
});
export const loader = route.loader;
export const action = route.action;
