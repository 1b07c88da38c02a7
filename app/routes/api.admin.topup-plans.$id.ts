import { planItemResource } from "../api/admin-plans.server";

// GET    /api/admin/topup-plans/:id — one plan.
// PATCH  /api/admin/topup-plans/:id — edits publicName, isLegacy, isActive, creditExpiryDays;
//        credits and price of a plan with a Stripe price are fixed (400).
// DELETE /api/admin/topup-plans/:id — {deleted: true}, or {archived: true, plan} when a
//        purchase refers to the plan.
const route = planItemResource("topup");
export const loader = route.loader;
export const action = route.action;
