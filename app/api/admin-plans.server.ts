import { requireAdminCaller } from "../auth/admin-caller.server";
import {
  kindLabel,
  getPlan,
  listSubscriptionPlans,
  listTopupPlans,
  parseCreatePlanInput,
  parsePlanPatch,
  planJson,
  planNotFound,
  subscriptionPlanJson,
  topupPlanJson,
  type PlanKind,
} from "../plans/index.server";
import type { AppContext } from "../utils/context.server";
import { apiResource, jsonResponse, parseId, readJsonBody } from "../utils/http.server";
import type { StripeContext } from "../billing/context.server";
import { createPlan, deleteOrArchivePlan, editPlan } from "../billing/plan-sync.server";

/*
 * The admin plan JSON API (/api/admin/subscription-plans, /api/admin/topup-plans and their /:id)
 * behaves the same for both kinds of plan, so the four route files only pick a kind; the handlers
 * live here once. Every handler checks the caller first (admin session or admin API key).
 */

const adminCtx = (context: AppContext & { billing: StripeContext }): StripeContext => context.billing;

/** GET lists every plan of the kind (legacy and archived included); POST creates one (201). */
export function planCollectionResource(kind: PlanKind) {
  return apiResource({
    GET: async ({ request, context }) => {
      await requireAdminCaller(request, context);
      const data =
        kind === "subscription"
          ? listSubscriptionPlans(context.db).map(subscriptionPlanJson)
          : listTopupPlans(context.db).map(topupPlanJson);
      return jsonResponse({ data });
    },
    POST: async ({ request, context }) => {
      const caller = await requireAdminCaller(request, context);
      const create = parseCreatePlanInput(kind, await readJsonBody(request));
      const plan = await createPlan(adminCtx(context), create, caller.actor);
      return jsonResponse(planJson(plan), 201);
    },
  });
}

/** GET one plan; PATCH edits it; DELETE deletes it, or archives it when something refers to it. */
export function planItemResource(kind: PlanKind) {
  const what = kindLabel(kind);
  return apiResource({
    GET: async ({ request, context, params }) => {
      await requireAdminCaller(request, context);
      const id = parseId(params.id, what);
      const plan = getPlan(context.db, kind, id);
      if (!plan) throw planNotFound(kind, id);
      return jsonResponse(planJson(plan));
    },
    PATCH: async ({ request, context, params }) => {
      const caller = await requireAdminCaller(request, context);
      const id = parseId(params.id, what);
      const patch = parsePlanPatch(await readJsonBody(request));
      const plan = await editPlan(adminCtx(context), kind, id, patch, caller.actor);
      return jsonResponse(planJson(plan));
    },
    DELETE: async ({ request, context, params }) => {
      const caller = await requireAdminCaller(request, context);
      const id = parseId(params.id, what);
      const result = await deleteOrArchivePlan(adminCtx(context), kind, id, caller.actor);
      return jsonResponse("deleted" in result ? { deleted: true } : { archived: true, plan: planJson(result.plan) });
    },
  });
}
