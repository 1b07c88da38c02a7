import { requireAdminCaller } from "../auth/admin-caller.server";
import { createPlan } from "../billing/plan-sync.server";
import { getStripe } from "../billing/stripe.server";
import { listSubscriptionPlans, parseCreatePlanInput, planJson, subscriptionPlanJson } from "../plans/index.server";
import { apiResource, jsonResponse, readJsonBody } from "../utils/api.server";

// GET  /api/admin/subscription-plans — every subscription plan (legacy and archived included).
// POST /api/admin/subscription-plans — creates one (and its Stripe product + price when no
// stripePriceId is given); a new version of a family is a POST with the same planFamily.
const route = apiResource({
  GET: async ({ request, context }) => {
    await requireAdminCaller(request, context);
    return jsonResponse({ data: listSubscriptionPlans(context.db).map(subscriptionPlanJson) });
  },
  POST: async ({ request, context }) => {
    const caller = await requireAdminCaller(request, context);
    const create = parseCreatePlanInput("subscription", await readJsonBody(request));
    const plan = await createPlan({ ...context, stripe: getStripe(context) }, create, caller.actor);
    return jsonResponse(planJson(plan), 201);
  },
});
export const loader = route.loader;
export const action = route.action;
