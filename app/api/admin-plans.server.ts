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
import { inheritPlanFeatures, parsePlanFeatures, setPlanFeatureTerms } from "../billing/plan-features.server";
import { listPlanFeatures } from "../features/index.server";
import type { Db } from "../../db/client";
import type { KindedPlan } from "../plans/index.server";
import { AppError } from "../utils/errors";

/*
 * The admin plan JSON API (/api/admin/subscription-plans, /api/admin/topup-plans and their /:id)
 * behaves the same for both kinds of plan, so the four route files only pick a kind; the handlers
 * live here once. Every handler checks the caller first (admin session or admin API key).
 */

const adminCtx = (context: AppContext & { billing: StripeContext }): StripeContext => context.billing;

/** A plan as the API shows it: a subscription plan with its feature terms (the rate card). */
function planWithFeatures(db: Db, plan: KindedPlan) {
  return plan.kind === "subscription"
    ? { ...planJson(plan), features: listPlanFeatures({ db }, plan.plan.id) }
    : planJson(plan);
}

/** `features` on a top-up pack is refused: only subscription plans have feature terms. */
function featuresOf(context: AppContext, kind: PlanKind, body: unknown) {
  const features = parsePlanFeatures(context, body);
  if (features && kind !== "subscription") {
    throw new AppError("invalid_request", "Only subscription plans have feature terms.", { field: "features" });
  }
  return features;
}

/** GET lists every plan of the kind (legacy and archived included); POST creates one (201). */
export function planCollectionResource(kind: PlanKind) {
  return apiResource({
    GET: async ({ request, context }) => {
      await requireAdminCaller(request, context);
      const data =
        kind === "subscription"
          ? listSubscriptionPlans(context.db).map((plan) => ({
              ...subscriptionPlanJson(plan),
              features: listPlanFeatures(context, plan.id),
            }))
          : listTopupPlans(context.db).map(topupPlanJson);
      return jsonResponse({ data });
    },
    POST: async ({ request, context }) => {
      const caller = await requireAdminCaller(request, context);
      const body = await readJsonBody(request);
      const create = parseCreatePlanInput(kind, body);
      const features = featuresOf(context, kind, body);
      const plan = await createPlan(adminCtx(context), create, caller.actor);
      if (plan.kind === "subscription") inheritPlanFeatures(adminCtx(context), plan.plan, features, caller.actor);
      return jsonResponse(planWithFeatures(context.db, plan), 201);
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
      return jsonResponse(planWithFeatures(context.db, plan));
    },
    PATCH: async ({ request, context, params }) => {
      const caller = await requireAdminCaller(request, context);
      const id = parseId(params.id, what);
      const body = await readJsonBody(request);
      const patch = parsePlanPatch(body);
      const features = featuresOf(context, kind, body);
      const plan = await editPlan(adminCtx(context), kind, id, patch, caller.actor);
      if (!features) return jsonResponse(planWithFeatures(context.db, plan));
      // Terms changed on a plan with subscribers are a new version: 201 with it.
      const result = await setPlanFeatureTerms(adminCtx(context), id, features, caller.actor);
      return jsonResponse(planWithFeatures(context.db, result.plan), result.newVersion ? 201 : 200);
    },
    DELETE: async ({ request, context, params }) => {
      const caller = await requireAdminCaller(request, context);
      const id = parseId(params.id, what);
      const result = await deleteOrArchivePlan(adminCtx(context), kind, id, caller.actor);
      return jsonResponse(
        "deleted" in result ? { deleted: true } : { archived: true, plan: planWithFeatures(context.db, result.plan) },
      );
    },
  });
}
