/**
 * The price book's public surface: subscription plans (families of versions) and top-up packs.
 * Knows nothing of Stripe; app/billing/plan-sync.server.ts connects plans and Stripe prices.
 */
export * from "./plans.server";
export * from "./validation";
export * from "./format";
