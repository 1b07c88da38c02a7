import { planCollectionResource } from "../api/admin-plans.server";

// GET  /api/admin/subscription-plans — every subscription plan (legacy and archived included).
// POST /api/admin/subscription-plans — creates one (and its Stripe product + price when no
// stripePriceId is given); a new version of a family is a POST with the same planFamily.
const route = planCollectionResource("subscription");
export const loader = route.loader;
export const action = route.action;
