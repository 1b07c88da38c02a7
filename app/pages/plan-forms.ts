import { z } from "zod";
import {
  MAX_CREDIT_EXPIRY_DAYS,
  MAX_PLAN_CREDITS,
  MAX_PRICE_CENTS,
  MAX_ROLLOVER_PERCENT,
  SLUG_PATTERN,
  type CreatePlanInput,
  type PlanPatch,
} from "../plans/validation";
import { formatCredits } from "../utils/format";

/*
 * The admin plan forms' schemas: one per form, with errors in the words of the form's labels. They
 * accept what a person types ("1,000" credits, "$10.50") and produce the same input the JSON API's
 * schemas (app/plans/validation.ts) produce, with the same limits, so the domain sees one shape. The pages
 * also run them in the browser, so this module must stay free of server code.
 *
 * Conform reads an empty input as "not given": a required field says what to enter in
 * `required_error`.
 */

/** "10", "10.5", "10.50", "$1,000.00" → cents; other text is returned as is (not a price). */
export function priceToCents(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  const t = value.replace(/^[$€£]/, "").replace(/[,_\s]/g, "");
  const m = /^([0-9]+)(?:\.([0-9]{1,2}))?$/.exec(t);
  if (!m) return value;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}

/** "1000" → "10.00": the form's view of an amount in cents. */
export function centsToPrice(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}

/** The form's name for a domain field: errors about `priceCents` belong next to the `price` input. */
export function formFieldFor(apiField: string): string {
  return apiField === "priceCents" ? "price" : apiField;
}

const fmt = formatCredits;

/** A whole number as people type it ("1,000"), between min and max. */
function wholeNumber(label: string, min: number, max: number) {
  const message = `Enter a whole number ${label}.`;
  return z.string({ required_error: message }).transform((text, ctx) => {
    const t = text.replace(/[,_\s]/g, "");
    if (!/^[0-9]+$/.test(t)) {
      ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    }
    const n = Number(t);
    if (n < min || n > max) {
      ctx.addIssue({
        code: "custom",
        message: `Enter between ${fmt(min)} and ${fmt(max)} ${label.replace(/^of /, "")}.`,
      });
      return z.NEVER;
    }
    return n;
  });
}

function id(label: string, example: string) {
  return z
    .string({ required_error: `Enter the ${label}, e.g. ${example}.` })
    .trim()
    .max(100, `Use at most 100 characters for the ${label}.`)
    .regex(SLUG_PATTERN, `Start the ${label} with a letter or digit and use only letters, digits, “.”, “_” and “-”.`);
}

const publicName = z
  .string({ required_error: "Enter the name customers see." })
  .trim()
  .min(1, "Enter the name customers see.")
  .max(200, "Use at most 200 characters for the public name.");

const creditExpiryDays = wholeNumber("of days", 1, MAX_CREDIT_EXPIRY_DAYS);

const price = z.string().transform((text, ctx) => {
  const cents = priceToCents(text.trim());
  if (typeof cents !== "number") {
    ctx.addIssue({ code: "custom", message: "Enter a price like 10.00." });
    return z.NEVER;
  }
  if (cents > MAX_PRICE_CENTS) {
    ctx.addIssue({ code: "custom", message: `Enter a price of at most ${centsToPrice(MAX_PRICE_CENTS)}.` });
    return z.NEVER;
  }
  return cents;
});

const common = {
  publicName,
  credits: wholeNumber("of credits", 1, MAX_PLAN_CREDITS),
  price: price.optional(),
  currency: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{3}$/, "Enter a three-letter currency code, e.g. usd.")
    .transform((c) => c.toLowerCase())
    .optional(),
  creditExpiryDays: creditExpiryDays.optional(),
  stripePriceId: z
    .string()
    .trim()
    .max(255, "That Stripe price id is too long.")
    .regex(/^\S+$/, "A Stripe price id has no spaces, e.g. price_123.")
    .optional(),
  isActive: z.boolean().optional(),
  /** Only on "new version of": the plan it starts from, and whether to mark that one legacy. */
  from: z.number().int().positive().optional(),
  markPreviousLegacy: z.boolean().optional(),
};

/** Without an existing Stripe price the plan needs a price of its own. */
function requirePrice(v: { price?: number; stripePriceId?: string }, ctx: z.RefinementCtx) {
  if (v.price === undefined && v.stripePriceId === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["price"],
      message: "Enter a price like 10.00, or an existing Stripe price id.",
    });
  }
}

export const newSubscriptionPlanForm = z
  .object({
    kind: z.literal("subscription"),
    planFamily: id("plan family", "starter"),
    version: wholeNumber("for the version", 1, 1_000_000).optional(),
    internalId: id("internal id", "starter-v1").optional(),
    interval: z.enum(["month", "year"], { errorMap: () => ({ message: "Choose monthly or yearly." }) }).optional(),
    rolloverPercent: wholeNumber("for the percentage", 0, MAX_ROLLOVER_PERCENT).optional(),
    rolloverMaxCredits: wholeNumber("of credits", 1, MAX_PLAN_CREDITS).optional(),
    ...common,
  })
  .superRefine(requirePrice);

export const newTopupPlanForm = z
  .object({ kind: z.literal("topup"), internalId: id("internal id", "pack-500"), ...common })
  .superRefine(requirePrice);

export type NewPlanForm = z.infer<typeof newSubscriptionPlanForm> | z.infer<typeof newTopupPlanForm>;

/** A valid create form as the domain's input (the same shape the JSON API's schema gives). */
export function createInputFrom(form: NewPlanForm): CreatePlanInput {
  const input = {
    internalId: form.internalId,
    publicName: form.publicName,
    credits: form.credits,
    priceCents: form.price,
    currency: form.currency,
    creditExpiryDays: form.creditExpiryDays,
    stripePriceId: form.stripePriceId,
    isActive: form.isActive ?? false,
  };
  if (form.kind === "topup") return { kind: "topup", input: { ...input, internalId: form.internalId } };
  return {
    kind: "subscription",
    input: {
      ...input,
      planFamily: form.planFamily,
      version: form.version,
      interval: form.interval,
      rolloverPercent: form.rolloverPercent,
      rolloverMaxCredits: form.rolloverMaxCredits,
    },
  };
}

/** The edit form saves the editable fields; an unchecked checkbox sends nothing, which means false. */
export const editPlanForm = z.object({
  intent: z.literal("update"),
  publicName,
  creditExpiryDays,
  isLegacy: z.boolean().optional(),
  isActive: z.boolean().optional(),
});

/**
 * The edit form of a subscription plan without a Stripe price (a draft) also sets its rollover
 * terms, as the create form does (empty percentage = 0, empty cap = no cap). Once the plan has a
 * Stripe price they are fixed (a change is a new version) and the form no longer shows them.
 */
export const editDraftSubscriptionPlanForm = editPlanForm.extend({
  rolloverPercent: wholeNumber("for the percentage", 0, MAX_ROLLOVER_PERCENT).optional(),
  rolloverMaxCredits: wholeNumber("of credits", 1, MAX_PLAN_CREDITS).optional(),
});

export type EditPlanForm = z.infer<typeof editPlanForm> | z.infer<typeof editDraftSubscriptionPlanForm>;

/** Whether a plan's edit form carries the rollover fields: a subscription plan with no Stripe price yet. */
export function editsRollover(plan: { kind: string; stripePriceId: string | null }): boolean {
  return plan.kind === "subscription" && !plan.stripePriceId;
}

/** The one schema of a plan's edit form. */
export function editPlanFormFor(plan: { kind: string; stripePriceId: string | null }) {
  return editsRollover(plan) ? editDraftSubscriptionPlanForm : editPlanForm;
}

/** `rollover`: the form was the draft subscription plan's, so its (possibly empty) rollover fields apply. */
export function patchFrom(form: EditPlanForm, opts: { rollover?: boolean } = {}): PlanPatch {
  const patch: PlanPatch = {
    publicName: form.publicName,
    creditExpiryDays: form.creditExpiryDays,
    isLegacy: form.isLegacy ?? false,
    isActive: form.isActive ?? false,
  };
  if (opts.rollover) {
    const draft = form as Partial<z.infer<typeof editDraftSubscriptionPlanForm>>;
    patch.rolloverPercent = draft.rolloverPercent ?? 0;
    patch.rolloverMaxCredits = draft.rolloverMaxCredits ?? null;
  }
  return patch;
}
