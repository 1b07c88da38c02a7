/**
 * The rate card's input schemas, shared by the admin API, the price book forms and the v1 API
 * (zod; messages read as sentences after the field name).
 */
import { z } from "zod";
import { MAX_CREDITS_PER_CALL } from "../utils/limits";

export const FEATURE_KEY_PATTERN = /^[a-z0-9._-]{1,64}$/;
/** Largest `perUnits` of a price and largest `quantity` of one use. */
export const MAX_UNITS = 1_000_000_000;

export const zFeatureKey = z
  .string()
  .regex(FEATURE_KEY_PATTERN, "must be 1–64 characters of a–z, 0–9, '.', '_' and '-'.");

const zName = z.string().trim().min(1, "must not be empty.").max(200, "must be at most 200 characters.");

export const zPrice = z.object({
  credits: z
    .number()
    .int("must be a whole number.")
    .min(0, "must be at least 0.")
    .max(MAX_CREDITS_PER_CALL, `must be at most ${MAX_CREDITS_PER_CALL.toLocaleString("en-US")}.`),
  perUnits: z
    .number()
    .int("must be a whole number.")
    .min(1, "must be at least 1.")
    .max(MAX_UNITS, `must be at most ${MAX_UNITS.toLocaleString("en-US")}.`),
});

export const zQuantity = z
  .number()
  .int("must be a whole number.")
  .min(1, "must be at least 1.")
  .max(MAX_UNITS, `must be at most ${MAX_UNITS.toLocaleString("en-US")}.`);

/** POST /api/admin/features. */
export const createFeatureSchema = z.object({
  key: zFeatureKey,
  name: zName,
  unitName: zName,
  description: z.string().max(1000, "must be at most 1,000 characters.").nullish(),
  price: zPrice,
});
export type CreateFeatureInput = z.output<typeof createFeatureSchema>;

/** PATCH /api/admin/features/:key. */
export const updateFeatureSchema = z
  .object({
    name: zName.optional(),
    unitName: zName.optional(),
    description: z.string().max(1000, "must be at most 1,000 characters.").nullish(),
    archived: z.boolean().optional(),
  })
  .strict();
export type UpdateFeatureInput = z.output<typeof updateFeatureSchema>;

/** POST /api/admin/features/:key/prices; effectiveAt absent = now. */
export const newPriceSchema = zPrice.extend({
  effectiveAt: z
    .string()
    .datetime({ offset: true, message: "must be an ISO-8601 date-time such as 2026-05-01T00:00:00Z." })
    .transform((s) => new Date(s))
    .nullish(),
});
export type NewPriceInput = z.output<typeof newPriceSchema>;

/**
 * A plan's terms for one feature: any of enabled, price (null = the base price), includedUnits.
 * Fields left out keep their value.
 */
export const planFeatureSchema = z
  .object({
    enabled: z.boolean().optional(),
    price: zPrice.nullable().optional(),
    includedUnits: z
      .number()
      .int("must be a whole number.")
      .min(0, "must be at least 0.")
      .max(MAX_UNITS, `must be at most ${MAX_UNITS.toLocaleString("en-US")}.`)
      .optional(),
  })
  .strict();
export type PlanFeatureInput = z.output<typeof planFeatureSchema>;

/** A plan's `features` in the plan API: feature key → its terms. */
export const planFeaturesSchema = z.record(zFeatureKey, planFeatureSchema);
export type PlanFeaturesInput = z.output<typeof planFeaturesSchema>;
