import { planCollectionResource } from "../api/admin-plans.server";

// GET  /api/admin/topup-plans — every top-up plan (legacy and archived included).
// POST /api/admin/topup-plans — creates one (and its Stripe product + one-time price when no
// stripePriceId is given).
const route = planCollectionResource("topup");
export const loader = route.loader;
export const action = route.action;
