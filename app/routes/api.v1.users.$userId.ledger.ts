import { requireApiKey } from "../auth/api-keys.server";
import { listLedger } from "../credits/index.server";
import { AppError } from "../utils/errors";
import { apiResource, jsonResponse, parseId, parseLimit } from "../utils/api.server";

// GET /api/v1/users/:userId/ledger?limit=&cursor= — newest first; `nextCursor` null on the last page.
const route = apiResource({
  GET: ({ request, params, context }) => {
    requireApiKey(request, context, "usage");
    const userId = parseId(params.userId, "user");
    const url = new URL(request.url);
    const limit = parseLimit(url);
    const cursor = url.searchParams.get("cursor") || null;
    if (cursor && cursor.length > 200) throw new AppError("invalid_request", "`cursor` is not valid.", { field: "cursor" });
    return jsonResponse(listLedger(context, userId, { limit, cursor }));
  },
});
export const loader = route.loader;
export const action = route.action;
