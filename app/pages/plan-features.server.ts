/**
 * The plan editor's rate-card section: a subscription plan version's terms per feature (enabled,
 * own price, included units), reviewed then confirmed. Terms are part of what a subscriber bought,
 * like the credits, so changing them on a plan someone is on makes the family's next version with
 * the new terms and marks this one legacy; a plan nobody is on changes in place.
 */
import { parseWithZod } from "@conform-to/zod";
import { setPlanFeatureTerms } from "../billing/plan-features.server";
import type { StripeContext } from "../billing/context.server";
import { isPlanInUse } from "../billing/subscription-state.server";
import {
  listFeatures,
  listPlanFeatures,
  wouldChangePlanFeature,
  type PlanFeatureInput,
  type PlanFeatureView,
} from "../features/index.server";
import { getPlan, type SubscriptionPlan } from "../plans/index.server";
import { httpStatusFor, isAppError } from "../utils/errors";
import { replyWithError } from "../utils/forms.server";
import { planFeatureForm } from "./price-book.schema";
import type { PageActionResult } from "./price-book.server";

type PlanAdminCtx = Omit<StripeContext, "appUrl">;

/** A row of the plan's feature table: every feature, with the plan's terms or the base ones. */
export interface PlanFeatureRow {
  key: string;
  name: string;
  unitName: string;
  archived: boolean;
  basePrice: { credits: number; perUnits: number };
  /** null: the plan does not set this feature (base price, enabled, nothing included). */
  terms: PlanFeatureView | null;
}

/** The review of a change before it is saved. */
export interface FeatureTermsReview {
  feature: string;
  enabled: boolean;
  price: { credits: number; perUnits: number } | null;
  includedUnits: number;
  changes: boolean;
  /** Live subscribers on the plan: saving makes version `nextVersion` and marks this one legacy. */
  newVersion: boolean;
}

/** The section's view model for a subscription plan version. */
export function planFeatureRows(ctx: PlanAdminCtx, planId: number): PlanFeatureRow[] {
  const terms = new Map(listPlanFeatures(ctx, planId).map((t) => [t.feature, t]));
  return listFeatures(ctx).map((f) => ({
    key: f.key,
    name: f.name,
    unitName: f.unitName,
    archived: f.archived,
    basePrice: { credits: f.price.credits, perUnits: f.price.perUnits },
    terms: terms.get(f.key) ?? null,
  }));
}

/**
 * Sets one feature's terms on a subscription plan version through billing (in place when nobody
 * is on it, else on the family's next version): the plan id the terms now live on.
 */
async function savePlanFeatureTerms(
  ctx: PlanAdminCtx,
  plan: SubscriptionPlan,
  key: string,
  input: PlanFeatureInput,
  actor: string,
): Promise<{ planId: number; newVersion: boolean; changed: boolean }> {
  if (!wouldChangePlanFeature(ctx, plan.id, key, input)) return { planId: plan.id, newVersion: false, changed: false };
  const saved = await setPlanFeatureTerms(ctx, plan.id, { [key]: input }, actor);
  return { planId: saved.plan.plan.id, newVersion: saved.newVersion, changed: true };
}

/** The plan editor's POST for intents review-feature and save-feature. */
export async function planFeatureAction(
  ctx: PlanAdminCtx,
  planId: number,
  form: FormData,
  actor: string,
): Promise<PageActionResult<FeatureTermsReview>> {
  const submission = parseWithZod(form, { schema: planFeatureForm });
  if (submission.status !== "success") return { kind: "reply", status: 400, result: submission.reply() };
  const v = submission.value;
  const current = getPlan(ctx.db, "subscription", planId);
  if (!current || current.kind !== "subscription") {
    return {
      kind: "reply",
      status: 400,
      result: submission.reply({ formErrors: ["Only subscription plans have feature terms."] }),
    };
  }
  const price =
    v.credits !== undefined && v.perUnits !== undefined ? { credits: v.credits, perUnits: v.perUnits } : null;
  const input: PlanFeatureInput = { enabled: v.enabled ?? false, price, includedUnits: v.includedUnits };
  try {
    if (v.intent === "review-feature") {
      const review: FeatureTermsReview = {
        feature: v.feature,
        enabled: input.enabled!,
        price,
        includedUnits: v.includedUnits,
        changes: wouldChangePlanFeature(ctx, planId, v.feature, input),
        newVersion: isPlanInUse(ctx.db, "subscription", planId),
      };
      return { kind: "reply", status: 200, result: submission.reply(), review };
    }
    const saved = await savePlanFeatureTerms(ctx, current.plan, v.feature, input, actor);
    const message = !saved.changed
      ? "Nothing changed."
      : saved.newVersion
        ? `Saved as a new version of “${current.plan.planFamily}”; subscribers of version ${current.plan.version} keep its terms.`
        : "Feature terms saved.";
    return { kind: "done", to: `/admin/plans/subscription/${saved.planId}`, message };
  } catch (e) {
    if (!isAppError(e)) throw e;
    const fieldFor = (f: string) => (f === "key" ? "feature" : f);
    const fields = ["feature", "credits", "perUnits", "includedUnits"];
    return {
      kind: "reply",
      status: httpStatusFor(e.code),
      result: replyWithError(submission, e, { fields, fieldFor }),
    };
  }
}
