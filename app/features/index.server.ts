/**
 * The rate card's public surface (docs/decisions/022-rate-card-pricing.md): features priced in
 * credits, per subscription plan version, checked before use and charged by what was used.
 * Routes, billing, the CLI, pages and tests import from here only.
 *
 * Where it sits: features/ → credits/, db/, utils/. It knows no plans table and no Stripe: a plan
 * is an id, and the user's plan terms now (plan version, billing period) come in through
 * UsageCtx.planTermsOf, which billing supplies (app/billing/usage.server.ts usageContext).
 *
 * Catalogue (admin):  listFeatures, getFeature, createFeature, updateFeature, addFeaturePrice
 * Plan terms:         listPlanFeatures, setPlanFeature, wouldChangePlanFeature, copyPlanFeatures
 * Using (v1):         checkUsage, recordUsage, holdFeature, captureFeatureHold, featureHoldOf
 * Usage seen:         usageSummary, usageByDay, usageReport, includedUnitsLeft
 * Arithmetic:         creditsFor, charge, carriedUnits (./pricing.ts, pure)
 */
export {
  listFeatures,
  getFeature,
  createFeature,
  updateFeature,
  addFeaturePrice,
  listPlanFeatures,
  setPlanFeature,
  wouldChangePlanFeature,
  copyPlanFeatures,
  type FeatureView,
  type PlanFeatureView,
} from "./catalog.server";
export {
  checkUsage,
  recordUsage,
  holdFeature,
  captureFeatureHold,
  featureHoldOf,
  type PlanTerms,
  type UsageCtx,
  type UsageResult,
} from "./usage.server";
export { usageSummary, usageByDay, usageReport, includedUnitsLeft, type FeatureUsageReport } from "./reports.server";
export * from "./validation";
export { findRateCardViolations } from "./invariants.server";
