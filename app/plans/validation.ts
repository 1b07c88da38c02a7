import { z } from "zod";
import { PLAN_INTERVALS } from "../../db/schema";
import { AppError } from "../utils/errors";
import { parseInput } from "../utils/zod-input";
import { formatCredits } from "../utils/format";

/**
 * Input schemas for the price book's JSON API (errors name the API's fields). The admin pages'
 * forms have their own schemas in app/pages/plan-forms.ts, in the words of their labels, with the same
 * limits and output. Unknown fields are ignored (stripped).
 */

export const PLAN_KINDS = ["subscription", "topup"] as const;
export type PlanKind = (typeof PLAN_KINDS)[number];

export function isPlanKind(value: unknown): value is PlanKind {
  return value === "subscription" || value === "topup";
}

/** Stripe caps unit_amount at eight digits; credits stay well inside a safe integer. */
export const MAX_PRICE_CENTS = 99_999_999;
export const MAX_PLAN_CREDITS = 1_000_000_000;
export const MAX_CREDIT_EXPIRY_DAYS = 3650;
/** Rollover: share of a period's unused plan credits carried into the next (0 = none, the default). */
export const MAX_ROLLOVER_PERCENT = 100;
export const DEFAULT_CREDIT_EXPIRY_DAYS: Record<PlanKind, number> = { subscription: 30, topup: 365 };

/** internalId and planFamily: shared with the admin forms (app/pages/plan-forms.ts). */
export const SLUG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

// Messages are fragments after the field's name: parseInput (app/utils/zod-input.ts) writes
// "`planFamily` may contain only …", the one wording every JSON API uses.
const slug = () =>
  z
    .string()
    .trim()
    .min(1, "is required.")
    .max(100, "must be at most 100 characters.")
    .regex(SLUG_PATTERN, 'may contain only letters, digits, ".", "_" and "-".');

const int = (min: number, max: number) =>
  z
    .number()
    .int("must be a whole number.")
    .min(min, `must be at least ${formatCredits(min)}.`)
    .max(max, `must be at most ${formatCredits(max)}.`);

const bool = () => z.boolean();

const fields = {
  internalId: slug(),
  planFamily: slug(),
  version: int(1, 1_000_000),
  publicName: z.string().trim().min(1, "is required.").max(200, "must be at most 200 characters."),
  stripePriceId: z
    .string()
    .trim()
    .min(1, "must not be empty.")
    .max(255, "must be at most 255 characters.")
    .regex(/^\S+$/, "must not contain spaces."),
  credits: int(1, MAX_PLAN_CREDITS),
  interval: z.enum(PLAN_INTERVALS),
  priceCents: int(0, MAX_PRICE_CENTS),
  currency: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z]{3}$/, "must be a three-letter ISO code such as usd."),
  creditExpiryDays: int(1, MAX_CREDIT_EXPIRY_DAYS),
  rolloverPercent: int(0, MAX_ROLLOVER_PERCENT),
  rolloverMaxCredits: int(1, MAX_PLAN_CREDITS),
  isLegacy: bool(),
  isActive: bool(),
};

const requirePriceWithoutStripePrice = (v: { stripePriceId?: string; priceCents?: number }, ctx: z.RefinementCtx) => {
  if (v.stripePriceId === undefined && v.priceCents === undefined) {
    ctx.addIssue({ code: "custom", path: ["priceCents"], message: "is required when there is no `stripePriceId`." });
  }
};

// Spread last in both create schemas: the error names the first bad field in key order.
const optionalPriceAndFlags = {
  priceCents: fields.priceCents.optional(),
  currency: fields.currency.optional(),
  creditExpiryDays: fields.creditExpiryDays.optional(),
  isLegacy: fields.isLegacy.optional(),
  isActive: fields.isActive.optional(),
};

/**
 * `version` defaults to the family's next version and `internalId` to `<family>-v<version>`;
 * `priceCents`, `currency` and `interval` may be left out when `stripePriceId` names an
 * existing Stripe price (they are then read from it).
 */
export const createSubscriptionPlanSchema = z
  .object({
    internalId: fields.internalId.optional(),
    planFamily: fields.planFamily,
    version: fields.version.optional(),
    publicName: fields.publicName,
    stripePriceId: fields.stripePriceId.optional(),
    credits: fields.credits,
    interval: fields.interval.optional(),
    rolloverPercent: fields.rolloverPercent.optional(),
    rolloverMaxCredits: fields.rolloverMaxCredits.nullable().optional(),
    ...optionalPriceAndFlags,
  })
  .superRefine(requirePriceWithoutStripePrice);

export const createTopupPlanSchema = z
  .object({
    internalId: fields.internalId,
    publicName: fields.publicName,
    stripePriceId: fields.stripePriceId.optional(),
    credits: fields.credits,
    ...optionalPriceAndFlags,
  })
  .superRefine(requirePriceWithoutStripePrice);

export type CreateSubscriptionPlanInput = z.infer<typeof createSubscriptionPlanSchema>;
export type CreateTopupPlanInput = z.infer<typeof createTopupPlanSchema>;
export type CreatePlanInput =
  { kind: "subscription"; input: CreateSubscriptionPlanInput } | { kind: "topup"; input: CreateTopupPlanInput };

/**
 * A PATCH may name every field; the ones that are not editable are accepted only when they
 * repeat the current value (checked against the row in applyPlanPatch).
 */
export const planPatchSchema = z.object({
  publicName: fields.publicName.optional(),
  isLegacy: fields.isLegacy.optional(),
  isActive: fields.isActive.optional(),
  creditExpiryDays: fields.creditExpiryDays.optional(),
  internalId: fields.internalId.optional(),
  planFamily: fields.planFamily.optional(),
  version: fields.version.optional(),
  stripePriceId: fields.stripePriceId.nullable().optional(),
  credits: fields.credits.optional(),
  interval: fields.interval.optional(),
  priceCents: fields.priceCents.optional(),
  currency: fields.currency.optional(),
  rolloverPercent: fields.rolloverPercent.optional(),
  rolloverMaxCredits: fields.rolloverMaxCredits.nullable().optional(),
});
export type PlanPatch = z.infer<typeof planPatchSchema>;

function parseWith<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, raw: unknown): T {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new AppError("invalid_request", "The request body must be a JSON object.");
  }
  return parseInput(schema, raw);
}

export function parseCreatePlanInput(kind: PlanKind, raw: unknown): CreatePlanInput {
  return kind === "subscription"
    ? { kind, input: parseWith(createSubscriptionPlanSchema, raw) }
    : { kind, input: parseWith(createTopupPlanSchema, raw) };
}

export function parsePlanPatch(raw: unknown): PlanPatch {
  return parseWith(planPatchSchema, raw);
}
