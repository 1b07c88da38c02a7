/**
 * The /api/admin operations (Remix resource routes app/routes/api.admin.*.ts). Each entry names
 * the zod schema its handler validates with (the price book's, app/plans/validation.ts).
 */
import { createTopupPlanSchema, planPatchSchema } from "../../plans/validation";
import { createFeatureSchema, newPriceSchema, updateFeatureSchema } from "../../features/validation";
import { createSubscriptionPlanBody, subscriptionPlanPatchBody } from "../../billing/plan-features.server";
import { Deleted, Feature, idParam, PriceVersion, StripeEventReplay, SubscriptionPlan, TopupPlan } from "./components";
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
    patch: z.ZodTypeAny;
    patchExample: unknown;
    patchDescription: string;
    patchCreates?: string;
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
    description: kind.patchDescription,
    auth: "admin-or-session",
    params,
    body: { schema: kind.patch, example: kind.patchExample },
    responses: kind.patchCreates
      ? {
          200: { description: "The plan as edited.", schema: kind.plan },
          201: { description: kind.patchCreates, schema: kind.plan },
        }
      : { 200: { description: "The plan as edited.", schema: kind.plan } },
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

const PATCH_TEXT =
  "Edits publicName, isLegacy, isActive and creditExpiryDays; the other fields are accepted only when they repeat the current value (credits and price of a plan with a Stripe price are fixed: 400).";

function registerFeatures(api: ApiRegistry): void {
  const tag = "Features";
  const params = {
    key: z
      .string()
      .openapi({ param: { name: "key", in: "path" }, example: "tokens", description: "The feature's key." }),
  };
  api.operation({
    method: "get",
    path: "/api/admin/features",
    operationId: "listFeatures",
    tag,
    summary: "List features",
    description: "Every feature by key, archived ones too, with its base price now and its price history.",
    auth: "admin-or-session",
    responses: { 200: { description: "The features.", schema: z.object({ data: z.array(Feature) }) } },
  });
  api.operation({
    method: "post",
    path: "/api/admin/features",
    operationId: "createFeature",
    tag,
    summary: "Create a feature",
    description:
      "`key` is `[a-z0-9._-]{1,64}` and never changes. `price` is `credits` (≥ 0) per `perUnits` (≥ 1) units: 3 credits an image is `{credits: 3, perUnits: 1}`, 1 credit per 1,000 tokens `{credits: 1, perUnits: 1000}`. It is price version 1, in effect now.",
    auth: "admin-or-session",
    body: {
      schema: createFeatureSchema,
      example: { key: "tokens", name: "Tokens", unitName: "token", price: { credits: 1, perUnits: 1000 } },
    },
    responses: { 201: { description: "Created.", schema: Feature } },
    errors: { 409: "`conflict`: a feature with this key exists." },
  });
  api.operation({
    method: "get",
    path: "/api/admin/features/{key}",
    operationId: "getFeature",
    tag,
    summary: "Get a feature",
    auth: "admin-or-session",
    params,
    responses: { 200: { description: "The feature.", schema: Feature } },
    errors: { 404: "No such feature." },
  });
  api.operation({
    method: "patch",
    path: "/api/admin/features/{key}",
    operationId: "updateFeature",
    tag,
    summary: "Edit a feature",
    description:
      "Any of `name`, `unitName`, `description` (null clears it) and `archived`. An archived feature can no longer be used or held (`feature_archived`); its history stays.",
    auth: "admin-or-session",
    params,
    body: { schema: updateFeatureSchema, example: { name: "LLM tokens", archived: false } },
    responses: { 200: { description: "The feature as edited.", schema: Feature } },
    errors: { 404: "No such feature." },
  });
  api.operation({
    method: "post",
    path: "/api/admin/features/{key}/prices",
    operationId: "createFeaturePrice",
    tag,
    summary: "Change a feature's price",
    description:
      "A new base price version from `effectiveAt` (default now; not in the past). Usage is always charged at the price in effect when it is recorded; plans with their own price keep it.",
    auth: "admin-or-session",
    params,
    body: { schema: newPriceSchema, example: { credits: 2, perUnits: 1000, effectiveAt: "2026-07-01T00:00:00Z" } },
    responses: { 201: { description: "The new price version.", schema: PriceVersion } },
    errors: { 404: "No such feature." },
  });
}

export function registerAdmin(api: ApiRegistry): void {
  registerPlanKind(api, {
    path: "/api/admin/subscription-plans",
    tag: "Subscription plans",
    noun: "subscription plan",
    Name: "SubscriptionPlan",
    plan: SubscriptionPlan,
    create: createSubscriptionPlanBody,
    createExample: {
      planFamily: "starter",
      publicName: "Starter",
      credits: 1000,
      priceCents: 900,
      interval: "month",
      features: { images: { includedUnits: 100, price: { credits: 2, perUnits: 1 } } },
    },
    patch: subscriptionPlanPatchBody,
    patchExample: { publicName: "Starter (2026)", features: { images: { includedUnits: 150 } } },
    patchDescription: `${PATCH_TEXT} \`features\` sets this version's terms per feature key ({enabled, price ({credits, perUnits}, null = the base price), includedUnits}; fields left out keep their value). A new version of the family starts with the previous version's feature terms.`,
    patchCreates:
      "Feature terms changed on a plan with subscribers: a new version of the family (a new Stripe price of the same amount) with the new terms; the edited version is marked legacy and its subscribers keep its terms.",
  });
  registerPlanKind(api, {
    path: "/api/admin/topup-plans",
    tag: "Top-up plans",
    noun: "top-up plan",
    Name: "TopupPlan",
    plan: TopupPlan,
    create: createTopupPlanSchema,
    createExample: { internalId: "pack-500", publicName: "500 credits", credits: 500, priceCents: 500 },
    patch: planPatchSchema,
    patchExample: { publicName: "Starter (2026)", isLegacy: true },
    patchDescription: PATCH_TEXT,
  });
  registerFeatures(api);
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
