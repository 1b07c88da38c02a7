import { requireAdminCaller } from "../auth/admin-caller.server";
import { createFeature, createFeatureSchema, listFeatures } from "../features/index.server";
import { apiResource, jsonResponse, readJsonBody } from "../utils/http.server";
import { parseInput } from "../utils/schemas.server";

// GET  /api/admin/features — {data: [feature…]} by key, archived ones too; each with its base
//      price now (`price`) and every base price version (`prices`, latest effectiveAt first).
// POST /api/admin/features — {key, name, unitName, description?, price: {credits, perUnits}} → 201
//      the feature (price version 1, in effect now); a taken key → 409.
const route = apiResource({
  GET: async ({ request, context }) => {
    await requireAdminCaller(request, context);
    return jsonResponse({ data: listFeatures(context) });
  },
  POST: async ({ request, context }) => {
    const caller = await requireAdminCaller(request, context);
    const input = parseInput(createFeatureSchema, await readJsonBody(request));
    return jsonResponse(createFeature(context, input, caller.actor), 201);
  },
});
export const loader = route.loader;
export const action = route.action;
