import { requireAdminCaller } from "../auth/admin-caller.server";
import { getFeature, updateFeature, updateFeatureSchema } from "../features/index.server";
import { AppError } from "../utils/errors";
import { apiResource, jsonResponse, readJsonBody } from "../utils/http.server";
import { parseInput } from "../utils/schemas.server";

// GET   /api/admin/features/:key — the feature, its price now and its price history.
// PATCH /api/admin/features/:key — any of {name, unitName, description (null clears), archived} → the
//       feature. An archived feature can no longer be used (check: feature_archived).
const route = apiResource({
  GET: async ({ request, context, params }) => {
    await requireAdminCaller(request, context);
    const feature = getFeature(context, params.key ?? "");
    if (!feature) throw new AppError("not_found", `No feature with key ${JSON.stringify(params.key ?? "")}.`);
    return jsonResponse(feature);
  },
  PATCH: async ({ request, context, params }) => {
    const caller = await requireAdminCaller(request, context);
    const input = parseInput(updateFeatureSchema, await readJsonBody(request));
    return jsonResponse(updateFeature(context, params.key ?? "", input, caller.actor));
  },
});
export const loader = route.loader;
export const action = route.action;
