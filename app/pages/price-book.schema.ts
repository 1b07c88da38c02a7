/**
 * The price book's form schemas (Conform + zod), shared by the pages' server actions and their
 * forms in the browser; messages are in the admin's words. Bounds are the API's (features/validation).
 */
import { z } from "zod";
import { FEATURE_KEY_PATTERN, MAX_UNITS } from "../features/validation";
import { MAX_CREDITS_PER_CALL } from "../utils/limits";

const whole = (what: string, min: number, max: number) =>
  z
    .number({ required_error: `Enter ${what}.`, invalid_type_error: `Enter ${what} as a whole number.` })
    .int(`Enter ${what} as a whole number.`)
    .min(min, `${what[0].toUpperCase()}${what.slice(1)} must be at least ${min}.`)
    .max(max, `${what[0].toUpperCase()}${what.slice(1)} must be at most ${max.toLocaleString("en-US")}.`);

/** Credits of a price: a whole number ≥ 0. */
const zFormCredits = whole("the credits", 0, MAX_CREDITS_PER_CALL);
/** Units a price is for: a whole number ≥ 1. */
const zFormPerUnits = whole("the number of units", 1, MAX_UNITS);
/** Free units per billing period: a whole number ≥ 0. */
const zFormIncludedUnits = whole("the included units", 0, MAX_UNITS);

const zText = (what: string, max: number) =>
  z
    .string({ required_error: `Enter ${what}.` })
    .trim()
    .min(1, `Enter ${what}.`)
    .max(max, `Keep ${what} to ${max} characters.`);

export const createFeatureForm = z.object({
  intent: z.literal("create"),
  key: z
    .string({ required_error: "Enter a key." })
    .regex(FEATURE_KEY_PATTERN, "Use 1–64 characters: a–z, 0–9, '.', '_' and '-'."),
  name: zText("a name", 200),
  unitName: zText("a unit name", 200),
  description: z.string().trim().max(1000, "Keep the description to 1,000 characters.").optional(),
  credits: zFormCredits,
  perUnits: zFormPerUnits,
});

export const editFeatureForm = z.object({
  intent: z.literal("update"),
  name: zText("a name", 200),
  unitName: zText("a unit name", 200),
  description: z.string().trim().max(1000, "Keep the description to 1,000 characters.").optional(),
  archived: z.boolean().optional(),
});

/** `effectiveOn`: a UTC day, today or later; empty = now. */
export const newPriceForm = z.object({
  intent: z.enum(["review-price", "add-price"]),
  credits: zFormCredits,
  perUnits: zFormPerUnits,
  effectiveOn: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "Enter a date such as 2026-05-01.")
    .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), "Enter a real date.")
    .optional(),
});

/** The feature page's forms, told apart by the button pressed. */
export const featurePageForm = z.discriminatedUnion("intent", [
  editFeatureForm,
  newPriceForm.extend({ intent: z.literal("review-price") }),
  newPriceForm.extend({ intent: z.literal("add-price") }),
]);

export const FEATURE_TERMS_INTENTS = ["review-feature", "save-feature"] as const;

/** One feature's terms on the plan; leaving both price fields empty means the feature's base price. */
export const planFeatureForm = z
  .object({
    intent: z.enum(FEATURE_TERMS_INTENTS),
    feature: z.string({ required_error: "Choose a feature." }).regex(FEATURE_KEY_PATTERN, "Choose a feature."),
    enabled: z.boolean().optional(),
    credits: zFormCredits.optional(),
    perUnits: zFormPerUnits.optional(),
    includedUnits: zFormIncludedUnits,
  })
  .superRefine((v, issue) => {
    if (v.credits !== undefined && v.perUnits === undefined) {
      issue.addIssue({ code: "custom", path: ["perUnits"], message: "Enter the units this price is for." });
    }
    if (v.perUnits !== undefined && v.credits === undefined) {
      issue.addIssue({ code: "custom", path: ["credits"], message: "Enter the credits, or clear both price fields." });
    }
  });
