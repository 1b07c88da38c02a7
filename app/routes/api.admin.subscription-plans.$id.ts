import { planItemResource } from "../api/admin-plans.server";

// GET    /api/admin/subscription-plans/:id — one plan.
// PATCH  /api/admin/subscription-plans/:id — edits publicName, isLegacy, isActive, creditExpiryDays;
//        credits, price and interval of a plan with a Stripe price are fixed (400).
// DELETE /api/admin/subscription-plans/:id — {deleted: true}, or {archived: true, plan} when a
//        subscription or purchase refers to the plan.
const route = planItemResource("subscription");
export const loader = route.loader;
export const action = route.action;
