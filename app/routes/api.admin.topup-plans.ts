import { requireAdminCaller } from "../auth/admin-caller.server";
import { createPlan } from "../billing/plan-sync.server";
import { getStripe } from "../billing/stripe.server";
import { listTopupPlans, parseCreatePlanInput, planJson, topupPlanJson } from "../plans/index.server";
import { apiResource, jsonResponse, readJsonBody } from "../utils/api.server";

// GET  /api/admin/topup-plans — every top-up plan (legacy and archived included).
// POST /api/admin/topup-plans — creates one (and its Stripe product + one-time price when no
// stripePriceId is given).
const route = apiResource({
  GET: async ({ request, context }) => {
    await requireAdminCaller(request, context);
    return jsonResponse({ data: listTopupPlans(context.db).map(topupPlanJson) });
  },
  POST: async ({ request, context }) => {
    const caller = await requireAdminCaller(request, context);
    const create = parseCreatePlanInput("topup", await readJsonBody(request));
    const plan = await createPlan({ ...context, stripe: getStripe(context) }, create, caller.actor);
    return jsonResponse(planJson(plan), 201);
  },
});
export const loader = route.loader;
export const action = route.action;
