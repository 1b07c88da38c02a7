/**
 * A subscription plan version's feature terms (the rate card: enabled, own price, included units)
 * through the plan API. Terms are part of what a subscriber bought, like the credits: changing
 * them on a plan version someone subscribes to makes a new version of the family (a new Stripe
 * price, the same amount) with the changed terms, and marks the old one legacy; its subscribers
 * keep their terms until they change plan. A plan nobody is on is changed in place.
 */
import { z } from "zod";
import { recordAudit } from "../auth/audit.server";
import {
  copyPlanFeatures,
  getFeature,
  listPlanFeatures,
  planFeaturesSchema,
  setPlanFeature,
  wouldChangePlanFeature,
  type PlanFeaturesInput,
  type PlanFeatureView,
} from "../features/index.server";
import {
  createSubscriptionPlanSchema,
  getPlan,
  listSubscriptionPlans,
  planPatchSchema,
  planNotFound,
  planSubject,
  updatePlan,
  type KindedPlan,
  type SubscriptionPlan,
} from "../plans/index.server";
import { AppError } from "../utils/errors";
import { parseInput } from "../utils/schemas.server";
import { writeTransaction } from "../../db/transaction";
import type { StripeContext } from "./context.server";
import { createPlan } from "./plan-sync.server";
import { isPlanInUse } from "./subscription-state.server";

type PlanAdminCtx = Omit<StripeContext, "appUrl">;

const featuresBody = z.object({ features: planFeaturesSchema });

/** The subscription plan API's bodies as documented: the price book's, plus `features`. */
export const createSubscriptionPlanBody = createSubscriptionPlanSchema
  .innerType()
  .extend({ features: planFeaturesSchema.optional() });
export const subscriptionPlanPatchBody = planPatchSchema.extend({ features: planFeaturesSchema.optional() });

/**
 * A plan body's `features` (feature key → {enabled?, price?, includedUnits?}), or undefined when
 * absent; every key must name a feature (400 naming it), checked before any Stripe call.
 */
export function parsePlanFeatures(
  ctx: Pick<PlanAdminCtx, "db" | "clock">,
  raw: unknown,
): PlanFeaturesInput | undefined {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw) || !("features" in raw)) return undefined;
  const { features } = parseInput(featuresBody, raw);
  for (const key of Object.keys(features)) {
    if (!getFeature(ctx, key)) {
      throw new AppError("invalid_request", `No feature with key "${key}".`, { field: `features.${key}` });
    }
  }
  return features;
}

/** Which keys of `features` (checked by parsePlanFeatures) would change the plan's terms. */
function changedKeys(ctx: PlanAdminCtx, planId: number, features: PlanFeaturesInput): string[] {
  return Object.keys(features).filter((key) => wouldChangePlanFeature(ctx, planId, key, features[key]));
}

/** Applies the terms in place and audits them (inside the caller's transaction or its own). */
function applyTerms(ctx: PlanAdminCtx, planId: number, features: PlanFeaturesInput, keys: string[], actor: string) {
  writeTransaction(ctx.db, () => {
    const before = listPlanFeatures(ctx, planId);
    for (const key of keys) setPlanFeature(ctx, planId, key, features[key], actor);
    const after = listPlanFeatures(ctx, planId);
    const pick = (list: PlanFeatureView[]) => list.filter((t) => keys.includes(t.feature));
    recordAudit(ctx, {
      actor,
      action: "plan.features_updated",
      subject: planSubject("subscription", planId),
      details: { features: keys, before: pick(before), after: pick(after) },
    });
  });
}

/**
 * Sets a subscription plan version's terms for the features named. Nothing changes → the plan as
 * it was. Subscribers on it → a new version of the family with these terms (returned, with
 * `newVersion: true`), the old one marked legacy. Unknown plan → not_found; a top-up → invalid.
 */
export async function setPlanFeatureTerms(
  ctx: PlanAdminCtx,
  planId: number,
  features: PlanFeaturesInput,
  actor: string,
): Promise<{ plan: KindedPlan; newVersion: boolean }> {
  const current = getPlan(ctx.db, "subscription", planId);
  if (!current || current.kind !== "subscription") throw planNotFound("subscription", planId);
  const keys = changedKeys(ctx, planId, features);
  if (keys.length === 0) return { plan: current, newVersion: false };
  if (!isPlanInUse(ctx.db, "subscription", planId)) {
    applyTerms(ctx, planId, features, keys, actor);
    return { plan: current, newVersion: false };
  }
  const next = await createPlan(ctx, { kind: "subscription", input: nextVersionInput(current.plan) }, actor);
  writeTransaction(ctx.db, () => {
    copyPlanFeatures(ctx, planId, next.plan.id);
    applyTerms(ctx, next.plan.id, features, keys, actor);
    const { changed } = updatePlan(ctx, "subscription", planId, { isLegacy: true });
    if (changed.length) {
      recordAudit(ctx, {
        actor,
        action: "plan.updated",
        subject: planSubject("subscription", planId),
        details: { changed, before: { isLegacy: false }, after: { isLegacy: true }, supersededBy: next.plan.id },
      });
    }
  });
  return { plan: getPlan(ctx.db, "subscription", next.plan.id)!, newVersion: true };
}

/** The same plan as the family's next version (a new Stripe price of the same amount). */
function nextVersionInput(plan: SubscriptionPlan) {
  return {
    planFamily: plan.planFamily,
    publicName: plan.publicName,
    credits: plan.credits,
    interval: plan.interval,
    priceCents: plan.priceCents,
    currency: plan.currency,
    creditExpiryDays: plan.creditExpiryDays,
    rolloverPercent: plan.rolloverPercent,
    rolloverMaxCredits: plan.rolloverMaxCredits,
    isActive: plan.isActive,
    isLegacy: false,
  };
}

/**
 * A new subscription plan version starts with the feature terms of its family's latest earlier
 * version (so a new version for new credits keeps its features), then `features` on top.
 */
export function inheritPlanFeatures(
  ctx: PlanAdminCtx,
  plan: SubscriptionPlan,
  features: PlanFeaturesInput | undefined,
  actor: string,
): void {
  writeTransaction(ctx.db, () => {
    const previous = listSubscriptionPlans(ctx.db)
      .filter((p) => p.planFamily === plan.planFamily && p.version < plan.version)
      .sort((a, b) => b.version - a.version)[0];
    if (previous) copyPlanFeatures(ctx, previous.id, plan.id);
    if (features) {
      const keys = changedKeys(ctx, plan.id, features);
      if (keys.length) applyTerms(ctx, plan.id, features, keys, actor);
    }
  });
}
