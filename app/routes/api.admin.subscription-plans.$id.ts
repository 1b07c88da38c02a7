import { requireAdminCaller } from "../auth/admin-caller.server";
import { deleteOrArchivePlan, editPlan } from "../billing/plan-sync.server";
import { getStripe } from "../billing/stripe.server";
import { getPlan, parsePlanPatch, planJson, planNotFound } from "../plans/index.server";
import { apiResource, jsonResponse, parseId, readJsonBody } from "../utils/api.server";

// GET    /api/admin/subscription-plans/:id — one plan.
// PATCH  /api/admin/subscription-plans/:id — edits publicName, isLegacy, isActive, creditExpiryDays;
//        credits, price and interval of a plan with a Stripe price are fixed (400).
// DELETE /api/admin/subscription-plans/:id — {deleted: true}, or {archived: true, plan} when a
//        subscription or purchase refers to the plan.
const KIND = "subscription" as const;
const WHAT = "subscription plan";

const route = apiResource({
  GET: async ({ request, context, params }) => {
    await requireAdminCaller(request, context);
    const id = parseId(params.id, WHAT);
    const plan = getPlan(context.db, KIND, id);
    if (!plan) throw planNotFound(KIND, id);
    return jsonResponse(planJson(plan));
  },
  PATCH: async ({ request, context, params }) => {
    const caller = await requireAdminCaller(request, context);
    const id = parseId(params.id, WHAT);
    const patch = parsePlanPatch(await readJsonBody(request));
    const plan = await editPlan({ ...context, stripe: getStripe(context) }, KIND, id, patch, caller.actor);
    return jsonResponse(planJson(plan));
  },
  DELETE: async ({ request, context, params }) => {
    const caller = await requireAdminCaller(request, context);
    const id = parseId(params.id, WHAT);
    const result = await deleteOrArchivePlan({ ...context, stripe: getStripe(context) }, KIND, id, caller.actor);
    return jsonResponse("deleted" in result ? { deleted: true } : { archived: true, plan: planJson(result.plan) });
  },
});
export const loader = route.loader;
export const action = route.action;
