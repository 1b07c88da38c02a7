/**
 * The /api/admin operations (Remix resource routes app/routes/api.admin.*.ts). Each entry names
 * the zod schema its handler validates with (the price book's, app/plans/validation.ts).
 */
import { createSubscriptionPlanSchema, createTopupPlanSchema, planPatchSchema } from "../../plans/validation";
import { Deleted, idParam, StripeEventReplay, SubscriptionPlan, TopupPlan } from "./components";
import type { ApiRegistry } from "./registry";
import { z } from "./zod";

function registerPlanKind(
  api: ApiRegistry,
  kind: {
    path: string;
    tag: string;
    noun: string;
    Name: string;
    plan: z.ZodTypeAny;
    create: z.ZodTypeAny;
    createExample: unknown;
  },
): void {
  const item = `${kind.path}/{id}`;
  const params = { id: idParam("id", kind.noun) };
  api.operation({
    method: "get",
    path: kind.path,
    operationId: `list${kind.Name}s`,
    tag: kind.tag,
    summary: `List ${kind.noun}s`,
    description: "Every plan of the kind, legacy and archived included.",
    auth: "admin-or-session",
    responses: { 200: { description: "The plans.", schema: z.object({ data: z.array(kind.plan) }) } },
  });
  api.operation({
    method: "post",
    path: kind.path,
    operationId: `create${kind.Name}`,
    tag: kind.tag,
    summary: `Create a ${kind.noun}`,
    description:
      "Creates the Stripe product and price too, unless `stripePriceId` names an existing price (then price, currency and interval may be left out and are read from it).",
    auth: "admin-or-session",
    body: { schema: kind.create, example: kind.createExample },
    responses: { 201: { description: "Created.", schema: kind.plan } },
    errors: {
      409: "`conflict`: the internal id (or family and version, or Stripe price) is taken.",
      503: "Stripe is unavailable; nothing was created.",
    },
  });
  api.operation({
    method: "get",
    path: item,
    operationId: `get${kind.Name}`,
    tag: kind.tag,
    summary: `Get a ${kind.noun}`,
    auth: "admin-or-session",
    params,
    responses: { 200: { description: "The plan.", schema: kind.plan } },
    errors: { 404: "No such plan." },
  });
  api.operation({
    method: "patch",
    path: item,
    operationId: `update${kind.Name}`,
    tag: kind.tag,
    summary: `Edit a ${kind.noun}`,
    description:
      "Edits publicName, isLegacy, isActive and creditExpiryDays; the other fields are accepted only when they repeat the current value (credits and price of a plan with a Stripe price are fixed: 400).",
    auth: "admin-or-session",
    params,
    body: { schema: planPatchSchema, example: { publicName: "Starter (2026)", isLegacy: true } },
    responses: { 200: { description: "The plan as edited.", schema: kind.plan } },
    errors: { 404: "No such plan.", 503: "Stripe is unavailable; nothing was changed." },
  });
  api.operation({
    method: "delete",
    path: item,
    operationId: `delete${kind.Name}`,
    tag: kind.tag,
    summary: `Delete a ${kind.noun}`,
    description: "Deletes it, or archives it when a subscription or purchase refers to it.",
    auth: "admin-or-session",
    params,
    responses: {
      200: {
        description: "`{deleted: true}`, or `{archived: true, plan}`.",
        schema: z.union([Deleted, z.object({ archived: z.literal(true), plan: kind.plan })]),
      },
    },
    errors: { 404: "No such plan.", 503: "Stripe is unavailable; nothing was changed." },
  });
}

export function registerAdmin(api: ApiRegistry): void {
  registerPlanKind(api, {
    path: "/api/admin/subscription-plans",
    tag: "Subscription plans",
    noun: "subscription plan",
    Name: "SubscriptionPlan",
    plan: SubscriptionPlan,
    create: createSubscriptionPlanSchema,
    createExample: { planFamily: "starter", publicName: "Starter", credits: 1000, priceCents: 900, interval: "month" },
  });
  registerPlanKind(api, {
    path: "/api/admin/topup-plans",
    tag: "Top-up plans",
    noun: "top-up plan",
    Name: "TopupPlan",
    plan: TopupPlan,
    create: createTopupPlanSchema,
    createExample: { internalId: "pack-500", publicName: "500 credits", credits: 500, priceCents: 500 },
  });
  api.operation({
    method: "post",
    path: "/api/admin/stripe-events/{eventId}/replay",
    operationId: "replayStripeEvent",
    tag: "Stripe events",
    summary: "Replay a stored Stripe event",
    description: "Re-processes the event; one already applied is not applied again (outcome `duplicate`). No body.",
    auth: "admin-or-session",
    params: { eventId: z.string().openapi({ param: { name: "eventId", in: "path" }, example: "evt_1Q2w3E" }) },
    responses: { 200: { description: "What the replay did.", schema: StripeEventReplay } },
    errors: { 404: "No such event.", 503: "Stripe or the database is unavailable; try again." },
  });
}
