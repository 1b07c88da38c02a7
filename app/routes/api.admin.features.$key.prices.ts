import { requireAdminCaller } from "../auth/admin-caller.server";
import { addFeaturePrice, newPriceSchema } from "../features/index.server";
import { apiResource, jsonResponse, readJsonBody } from "../utils/http.server";
import { parseInput } from "../utils/schemas.server";

// POST /api/admin/features/:key/prices — {credits, perUnits, effectiveAt? (default now; not in the
//      past)} → 201 the new base price version. Usage is charged at the price in effect when it is
//      recorded; plans with their own price keep it.
const route = apiResource({
  POST: async ({ request, context, params }) => {
    const caller = await requireAdminCaller(request, context);
    const input = parseInput(newPriceSchema, await readJsonBody(request));
    return jsonResponse(addFeaturePrice(context, params.key ?? "", input, caller.actor), 201);
  },
});
export const loader = route.loader;
export const action = route.action;
