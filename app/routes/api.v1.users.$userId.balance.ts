import { requireApiKey } from "../auth/api-keys.server";
import { getBalance } from "../credits/index.server";
import { apiResource, jsonResponse, parseId } from "../utils/api.server";

// GET /api/v1/users/:userId/balance — spendable now, by type, the next expiry, grants in burn-down order.
const route = apiResource({
  GET: ({ request, params, context }) => {
    requireApiKey(request, context, "usage");
    const userId = parseId(params.userId, "user");
    return jsonResponse(getBalance(context, userId));
  },
});
export const loader = route.loader;
export const action = route.action;
