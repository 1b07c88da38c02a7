import { requireApiKey } from "../auth/api-keys.server";
import { getUserById } from "../auth/users.server";
import { getBalance } from "../credits/index.server";
import { apiResource, jsonResponse, notFound, parseId } from "../utils/api.server";

// GET /api/v1/users/:userId
const route = apiResource({
  GET: ({ request, params, context }) => {
    requireApiKey(request, context, "usage");
    const userId = parseId(params.userId, "user");
    const user = getUserById(context.db, userId);
    if (!user) throw notFound("user", userId);
    const { balance } = getBalance(context, userId);
    return jsonResponse({ id: user.id, email: user.email, name: user.name, balance });
  },
});
export const loader = route.loader;
export const action = route.action;
