import { decodeCursor, encodeCursor } from "../api/v1/cursor.server";
import { requireAdminCaller } from "../auth/admin-caller.server";
import { apiResource, jsonTextAnswer, toResponse } from "../utils/http.server";
import { parseInput } from "../utils/schemas.server";
import { cursorId } from "../webhooks/cursor";
import { listEventBodies, listEventsQuerySchema } from "../webhooks/index.server";

// GET /api/admin/events?type=&limit=&cursor= (limit 1–100, default 50) → {data: [event], nextCursor}: the
//     public events, newest first, each exactly the body its webhook deliveries send; nextCursor null on the
//     last page. A cursor belongs to its type filter.
const route = apiResource({
  GET: async ({ request, context }) => {
    await requireAdminCaller(request, context);
    const query = new URL(request.url).searchParams;
    const { type, limit, cursor } = parseInput(listEventsQuerySchema, {
      type: query.get("type"),
      limit: query.get("limit"),
      cursor: query.get("cursor"),
    });
    const kind = `events:${type ?? "*"}`;
    const beforeId = cursor ? cursorId(decodeCursor(cursor, kind)) : null;
    const page = listEventBodies(context.db, { type, limit, beforeId });
    const nextCursor = page.nextBeforeId === null ? null : encodeCursor(kind, [page.nextBeforeId]);
    // The stored bodies go in as text: byte for byte what the deliveries sent.
    return toResponse(
      jsonTextAnswer(`{"data":[${page.data.join(",")}],"nextCursor":${JSON.stringify(nextCursor)}}`, 200),
    );
  },
});
export const loader = route.loader;
export const action = route.action;
