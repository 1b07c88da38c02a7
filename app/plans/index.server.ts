/**
 * The price book's public surface: subscription plans (families of versions) and top-up packs.
 * Knows nothing of Stripe; app/billing/plan-sync.server.ts (plans → Stripe) and price-to-plan.server.ts (Stripe → plans) connect them.
 */
export * from "./plans.server";
export * from "./validation";
export * from "./format";
