/**
 * Response schemas (the server answers with plain objects; these describe them) and the pieces
 * every operation shares: the error body, path and header parameters. Request schemas are NOT
 * here: routes register the zod schemas their endpoints validate with (./v1.ts, ./admin.ts).
 */
import {
  GRANT_SOURCES,
  GRANT_STATUSES,
  GRANT_TYPES,
  LEDGER_ENTRY_TYPES,
  PLAN_INTERVALS,
  STRIPE_EVENT_STATUSES,
} from "../../../db/schema";
import { ERROR_STATUS } from "../../utils/errors";
import { z } from "./zod";

export const dateTime = (description?: string) =>
  z.string().openapi({ format: "date-time", example: "2026-05-01T12:00:00.000Z", description });

const credits = (description: string) => z.number().int().openapi({ description });

/** The caller's `metadata`, returned as sent; null when none was given. */
export const metadata = (description = "Your `metadata` object, returned as sent; null when none was given.") =>
  z.record(z.unknown()).nullable().openapi({ description });

// ---------------------------------------------------------------------------------------------
// Errors

const ERROR_CODES = Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]];

const errorDetail = z.object({
  code: z.enum(ERROR_CODES).openapi({ description: "Stable; map it, not the message (catalogue: /docs/api#errors)." }),
  message: z.string().openapi({ description: "For people; may change." }),
  field: z.string().optional().openapi({ description: "The request field at fault, when there is one." }),
});

export const ErrorBody = z.object({ error: errorDetail }).openapi("Error", {
  description: 'Every error: `{"error": {"code", "message", "field"?}}`. A refused request writes nothing.',
  example: { error: { code: "invalid_request", message: "`amount` must be at least 1.", field: "amount" } },
});

export const HoldConflictBody = z
  .object({
    error: errorDetail,
    status: z.enum(["held", "captured", "released", "expired"]).openapi({ description: "The hold's status now." }),
    clawedBackAmount: z.number().int().min(1).optional().openapi({
      description:
        "Only on a hold still `held` that reserves nothing: the credits refunds or voids of its grants took from it.",
    }),
  })
  .openapi("HoldConflict", {
    description: "A capture or release of a hold that is no longer `held`.",
    example: {
      error: { code: "conflict", message: "Hold 91 is captured; only a held hold can be released." },
      status: "captured",
    },
  });

export const InsufficientCreditsBody = z
  .object({
    error: z.object({ code: z.literal("insufficient_credits"), message: z.string() }),
    balance: credits("What can be spent now."),
    requested: credits("The amount asked for."),
  })
  .openapi("InsufficientCredits", {
    example: {
      error: { code: "insufficient_credits", message: "The user has 20 credits; 25 were requested." },
      balance: 20,
      requested: 25,
    },
  });

// ---------------------------------------------------------------------------------------------
// Credits

const Allocation = z
  .object({ grantId: z.number().int(), amount: credits("Credits taken from (or returned to) this grant.") })
  .openapi("Allocation");

export const Grant = z
  .object({
    id: z.number().int(),
    userId: z.number().int(),
    type: z.enum(GRANT_TYPES),
    amount: credits("Credits granted."),
    remaining: credits("Credits left."),
    priority: z.number().int().min(0).max(100).openapi({ description: "Lower is spent first." }),
    effectiveAt: dateTime("Counts from this instant."),
    expiresAt: dateTime("Counts until this instant (exclusive); null = never expires.").nullable(),
    status: z.enum([...GRANT_STATUSES, "pending"]).openapi({
      description: "`pending` = effective later; `expired` also covers a grant past expiresAt not yet swept.",
    }),
    source: z.enum(GRANT_SOURCES),
    reason: z.string().nullable(),
  })
  .openapi("Grant", {
    example: {
      id: 7,
      userId: 42,
      type: "topup",
      amount: 500,
      remaining: 475,
      priority: 30,
      effectiveAt: "2026-05-01T12:00:00.000Z",
      expiresAt: "2027-05-01T12:00:00.000Z",
      status: "active",
      source: "api",
      reason: "welcome pack",
    },
  });

export const GrantWithBalance = z
  .object({ grant: Grant, balance: credits("The user's spendable balance after the change.") })
  .openapi("GrantWithBalance");

export const CreatedGrant = z
  .object({
    grant: Grant,
    balance: credits("The user's spendable balance after the change."),
    metadata: metadata("The grant's `metadata`, as sent; null when none was given."),
  })
  .openapi("CreatedGrant");

export const Deduction = z
  .object({
    id: z.number().int().openapi({ description: "The ledger entry's id." }),
    amount: credits("Credits spent."),
    balance: credits("Spendable balance after the deduction."),
    allocations: z.array(Allocation).openapi({ description: "Which grants paid, in burn-down order." }),
    metadata: metadata(),
  })
  .openapi("Deduction", {
    example: {
      id: 311,
      amount: 25,
      balance: 450,
      allocations: [{ grantId: 7, amount: 25 }],
      metadata: { job: "r-81" },
    },
  });

export const UsageTag = z
  .object({
    feature: z.string().openapi({ description: "The feature's key." }),
    quantity: z.number().int().openapi({ description: "Units used." }),
    priceVersion: z.number().int().openapi({ description: "The feature's price version the units were charged at." }),
    includedUnitsUsed: z.number().int().openapi({ description: "Of `quantity`, units included in the plan (free)." }),
    carriedUnits: z.number().int().openapi({
      description:
        "Units already paid for at this price and not used yet (the remainder of a started credit): the next uses spend them first.",
    }),
  })
  .openapi("UsageTag", {
    description: "What a deduction made by usage of a rate-card feature paid for.",
    example: { feature: "tokens", quantity: 1500, priceVersion: 2, includedUnitsUsed: 0, carriedUnits: 500 },
  });

const LedgerEntry = z
  .object({
    id: z.number().int(),
    type: z.enum(LEDGER_ENTRY_TYPES),
    amount: z.number().int().openapi({ description: "Signed: positive adds credits, negative removes them." }),
    balanceAfter: credits("Spendable balance right after this entry."),
    reason: z.string().nullable(),
    metadata: metadata(),
    createdAt: dateTime(),
    allocations: z.array(Allocation).optional(),
    holdId: z.number().int().optional().openapi({ description: "On a deduction that captured a hold." }),
    fromHolds: z
      .array(z.object({ holdId: z.number().int(), amount: z.number().int().positive() }))
      .optional()
      .openapi({
        description:
          "On a refund or void that took credits open holds reserved on its grant: which holds gave how many. The rest of the amount was the grant's free credits.",
      }),
    usage: UsageTag.optional().openapi({ description: "On a deduction made by usage of a rate-card feature." }),
  })
  .openapi("LedgerEntry");

export const LedgerPage = z
  .object({
    entries: z.array(LedgerEntry).openapi({ description: "Newest first." }),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last." }),
  })
  .openapi("LedgerPage");

export const GrantPage = z
  .object({
    data: z.array(Grant),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last." }),
  })
  .openapi("GrantPage");

export const Adjustment = z
  .object({
    id: z.number().int().openapi({ description: "The ledger entry's id." }),
    amount: z.number().int().openapi({ description: "Signed, as sent." }),
    balance: credits("Spendable balance after the adjustment."),
    grantId: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The grant a positive adjustment created; null for a negative one." }),
    allocations: z
      .array(Allocation)
      .openapi({ description: "Where a negative adjustment took its credits from; empty for a positive one." }),
  })
  .openapi("Adjustment", {
    example: { id: 312, amount: -40, balance: 410, grantId: null, allocations: [{ grantId: 7, amount: 40 }] },
  });

const BatchResult = z
  .union([
    z.object({
      status: z.literal(201),
      body: Deduction,
      replayed: z
        .literal(true)
        .optional()
        .openapi({ description: "Present when `idempotencyKey` replayed an earlier result." }),
    }),
    z
      .object({
        status: z.number().int().min(400).max(499),
        error: errorDetail,
        balance: z.number().int().optional().openapi({ description: "On 402: what can be spent now." }),
        requested: z.number().int().optional().openapi({ description: "On 402: the amount asked for." }),
      })
      .openapi({ description: "This item failed and wrote nothing; the other items are unaffected." }),
  ])
  .openapi("BatchResult");

export const BatchAnswer = z
  .object({ results: z.array(BatchResult).openapi({ description: "One result per item, in order." }) })
  .openapi("BatchAnswer", {
    example: {
      results: [
        {
          status: 201,
          body: { id: 313, amount: 5, balance: 405, allocations: [{ grantId: 7, amount: 5 }], metadata: null },
        },
        {
          status: 402,
          error: { code: "insufficient_credits", message: "The user has 0 credits; 5 were requested." },
          balance: 0,
          requested: 5,
        },
      ],
    },
  });

export const Balance = z
  .object({
    userId: z.number().int(),
    balance: credits("What can be spent or held now (held credits excluded)."),
    held: credits("What the user's active holds reserve."),
    breakdown: z.object({ subscription: z.number().int(), topup: z.number().int(), promotional: z.number().int() }),
    nextExpiry: z
      .object({ amount: z.number().int(), expiresAt: dateTime() })
      .nullable()
      .openapi({ description: "The soonest-expiring grant in effect, or null." }),
    grantCount: z.number().int().openapi({ description: "How many grants are in effect now (all of them)." }),
    grants: z.array(Grant).openapi({ description: "At most the first 100 grants in effect, in burn-down order." }),
  })
  .openapi("Balance");

// ---------------------------------------------------------------------------------------------
// Users

export const User = z
  .object({
    id: z.number().int(),
    email: z.string(),
    name: z.string().openapi({ description: "Empty when not given." }),
    externalId: z.string().nullable().openapi({ description: "Your id for this user (unique), or null." }),
    lowBalanceThreshold: z.number().int().nullable().openapi({
      description: "`balance.low` fires when the balance falls below it; null = the deployment's default; 0 = off.",
    }),
    balance: credits("Spendable balance now."),
  })
  .openapi("User", {
    example: {
      id: 42,
      email: "ada@example.com",
      name: "Ada",
      externalId: "acct_42",
      lowBalanceThreshold: null,
      balance: 450,
    },
  });

export const UserPage = z
  .object({
    data: z.array(User),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last." }),
  })
  .openapi("UserPage");

// ---------------------------------------------------------------------------------------------
// Plans (admin API)

const planFields = {
  id: z.number().int(),
  internalId: z.string(),
  publicName: z.string(),
  stripePriceId: z.string().nullable(),
  stripeProductId: z.string().nullable(),
  credits: z.number().int(),
  priceCents: z.number().int(),
  currency: z.string(),
  creditExpiryDays: z.number().int(),
  isLegacy: z.boolean(),
  isActive: z.boolean(),
  archivedAt: dateTime().nullable(),
};

export const PriceVersion = z
  .object({
    version: z.number().int().openapi({ description: "1, 2, … per feature, in the order prices were made." }),
    credits: z.number().int().openapi({ description: "Credits per `perUnits` units (0 = free)." }),
    perUnits: z.number().int(),
    effectiveAt: dateTime("In effect from this instant."),
    createdAt: dateTime(),
  })
  .openapi("PriceVersion");

export const Feature = z
  .object({
    key: z.string(),
    name: z.string(),
    unitName: z.string(),
    description: z.string().nullable(),
    archived: z.boolean(),
    archivedAt: dateTime().nullable(),
    price: PriceVersion.openapi({ description: "The base price in effect now." }),
    prices: z
      .array(PriceVersion)
      .openapi({ description: "Every base price version, latest effectiveAt first (scheduled ones too)." }),
    createdAt: dateTime(),
    updatedAt: dateTime(),
  })
  .openapi("Feature", {
    example: {
      key: "tokens",
      name: "Tokens",
      unitName: "token",
      description: null,
      archived: false,
      archivedAt: null,
      price: {
        version: 1,
        credits: 1,
        perUnits: 1000,
        effectiveAt: "2026-05-01T12:00:00.000Z",
        createdAt: "2026-05-01T12:00:00.000Z",
      },
      prices: [
        {
          version: 1,
          credits: 1,
          perUnits: 1000,
          effectiveAt: "2026-05-01T12:00:00.000Z",
          createdAt: "2026-05-01T12:00:00.000Z",
        },
      ],
      createdAt: "2026-05-01T12:00:00.000Z",
      updatedAt: "2026-05-01T12:00:00.000Z",
    },
  });

const PlanFeature = z
  .object({
    feature: z.string(),
    enabled: z.boolean().openapi({ description: "false: the feature is not in the plan (`feature_not_included`)." }),
    price: PriceVersion.nullable().openapi({ description: "The plan's own price; null = the base price." }),
    includedUnits: z.number().int().openapi({ description: "Free units per billing period; reset at renewal." }),
  })
  .openapi("PlanFeature");

export const TopupPlan = z.object(planFields).openapi("TopupPlan");
export const SubscriptionPlan = z
  .object({
    ...planFields,
    planFamily: z.string(),
    version: z.number().int(),
    interval: z.enum(PLAN_INTERVALS),
    rolloverPercent: z
      .number()
      .int()
      .openapi({ description: "Share of unused credits rolled over at renewal, 0–100." }),
    rolloverMaxCredits: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Cap on rolled-over credits; null = none." }),
    features: z.array(PlanFeature).openapi({
      description: "This version's terms for rate-card features, by key; a feature not listed is on its base terms.",
    }),
  })
  .openapi("SubscriptionPlan");

export const StripeEventReplay = z
  .object({
    event: z.object({ id: z.string(), status: z.enum(STRIPE_EVENT_STATUSES) }),
    outcome: z.enum(["processed", "ignored", "held", "failed", "duplicate"]),
    reason: z.string().nullable(),
  })
  .openapi("StripeEventReplay");

export const Deleted = z.object({ deleted: z.literal(true) }).openapi("Deleted");

// ---------------------------------------------------------------------------------------------
// Parameters

/** `:userId` — a numeric id, or `ext:` and the URL-encoded external id. */
export const userIdParam = z.string().openapi({
  param: { name: "userId", in: "path" },
  description: "The user's numeric id, or `ext:` followed by the URL-encoded external id.",
  example: "42",
});
export const idParam = (name: string, what: string) =>
  z.string().openapi({ param: { name, in: "path" }, description: `The ${what}'s id.`, example: "7" });

export const limitQuery = (max = 100, fallback = 50) =>
  z
    .number()
    .int()
    .min(1)
    .max(max)
    .optional()
    .openapi({ param: { name: "limit", in: "query" }, description: `Page size, 1–${max} (default ${fallback}).` });
export const cursorQuery = z
  .string()
  .max(200)
  .optional()
  .openapi({ param: { name: "cursor", in: "query" }, description: "`nextCursor` of the previous page." });

export const idempotencyKeyHeader = z
  .string()
  .min(1)
  .max(255)
  .optional()
  .openapi({
    param: { name: "Idempotency-Key", in: "header" },
    description:
      "Replaying the same key with the same body answers the original result (with `Idempotent-Replayed: true`) and writes nothing; the same key with another body is 409 `idempotency_conflict`.",
    example: "job-42",
  });

// ---------------------------------------------------------------------------------------------
// Holds

const HOLD_STATUSES = ["held", "captured", "released", "expired"] as const;

export const Hold = z
  .object({
    id: z.number().int(),
    userId: z.number().int(),
    amount: z.number().int().openapi({ description: "Credits reserved when the hold was made." }),
    capturedAmount: z.number().int().openapi({ description: "Credits spent by the capture (0 until captured)." }),
    clawedBackAmount: z.number().int().openapi({
      description:
        "Credits a refund or void of their grant took from the hold while it was open; it reserves (and can capture) `amount` − this.",
    }),
    status: z.enum(HOLD_STATUSES),
    expiresAt: dateTime("Until when the hold reserves its credits."),
    reason: z.string().nullable(),
    metadata: metadata(),
    createdAt: dateTime(),
    feature: z.string().optional().openapi({ description: "On a hold made by feature: the feature's key." }),
    quantity: z.number().int().optional().openapi({ description: "On a hold made by feature: the units held." }),
    priceVersion: z
      .number()
      .int()
      .optional()
      .openapi({ description: "On a hold made by feature: the price version its capture charges." }),
  })
  .openapi("Hold");

const held = credits("What the user's active holds reserve now.");

export const HoldAnswer = z
  .object({ hold: Hold, balance: credits("Spendable now (held credits excluded)."), held })
  .openapi("HoldAnswer", {
    example: {
      hold: {
        id: 91,
        userId: 42,
        amount: 100,
        capturedAmount: 0,
        clawedBackAmount: 0,
        status: "held",
        expiresAt: "2026-05-01T12:15:00.000Z",
        reason: "video render r-81",
        metadata: { job: "r-81" },
        createdAt: "2026-05-01T12:00:00.000Z",
      },
      balance: 350,
      held: 100,
    },
  });

// ---------------------------------------------------------------------------------------------
// The rate card

const UsageDeduction = z
  .object({
    id: z.number().int().openapi({ description: "The ledger entry's id (its `usage` names the feature)." }),
    amount: credits("Credits spent."),
    balance: credits("Spendable balance after the deduction."),
    allocations: z.array(Allocation).openapi({ description: "Which grants paid, in burn-down order." }),
  })
  .openapi("UsageDeduction");

export const Usage = z
  .object({
    id: z.number().int().openapi({ description: "The usage record's id." }),
    feature: z.string(),
    quantity: z.number().int(),
    credits: credits("Credits charged (0 when included units or the carried remainder covered the use)."),
    includedUnitsUsed: z.number().int().openapi({ description: "Of `quantity`, units included in the plan." }),
    balance: credits("Spendable balance after the use."),
    deduction: UsageDeduction.nullable().openapi({
      description: "The ledger deduction; null when nothing was charged.",
    }),
  })
  .openapi("Usage", {
    example: {
      id: 501,
      feature: "images",
      quantity: 2,
      credits: 6,
      includedUnitsUsed: 0,
      balance: 444,
      deduction: { id: 320, amount: 6, balance: 444, allocations: [{ grantId: 7, amount: 6 }] },
    },
  });

export const HoldCapture = z
  .object({
    hold: Hold,
    deduction: Deduction.nullable().openapi({
      description:
        "The one `deduction` ledger entry the capture wrote; null when a feature hold's capture owed nothing (included units or the carried remainder covered it: the hold was released).",
    }),
    held,
    usage: Usage.omit({ deduction: true })
      .optional()
      .openapi({ description: "On a feature hold's capture: the use it recorded." }),
  })
  .openapi("HoldCapture");

export const UsageCheck = z
  .object({
    allowed: z.boolean(),
    credits: credits("What the use would cost now, after included units and the carried remainder."),
    balance: credits("Spendable now."),
    includedRemaining: z
      .number()
      .int()
      .openapi({ description: "Included units left this billing period (0 if none)." }),
    reason: z
      .enum(["insufficient_credits", "feature_not_included", "feature_archived"])
      .optional()
      .openapi({ description: "Why not, when `allowed` is false." }),
  })
  .openapi("UsageCheck", { example: { allowed: true, credits: 3, balance: 450, includedRemaining: 0 } });

const UsageBatchResult = z
  .union([
    z.object({
      status: z.literal(201),
      body: Usage,
      replayed: z
        .literal(true)
        .optional()
        .openapi({ description: "Present when `idempotencyKey` replayed an earlier result." }),
    }),
    z
      .object({
        status: z.number().int().min(400).max(499),
        error: errorDetail,
        balance: z.number().int().optional().openapi({ description: "On 402: what can be spent now." }),
        requested: z.number().int().optional().openapi({ description: "On 402: the credits the use would cost." }),
      })
      .openapi({ description: "This event failed and wrote nothing; the other events are unaffected." }),
  ])
  .openapi("UsageBatchResult");

export const UsageBatchAnswer = z
  .object({ results: z.array(UsageBatchResult).openapi({ description: "One result per event, in order." }) })
  .openapi("UsageBatchAnswer");

export const UsageSummary = z
  .object({
    data: z
      .array(
        z.object({
          feature: z.string(),
          quantity: z.number().int().openapi({ description: "Units used (included ones too)." }),
          credits: credits("Credits charged for them, at the prices of their time."),
        }),
      )
      .openapi({ description: "One row per feature used in the range, by key." }),
  })
  .openapi("UsageSummary", { example: { data: [{ feature: "images", quantity: 12, credits: 30 }] } });

// ---------------------------------------------------------------------------------------------
// Auto top-up

export const AutoTopup = z
  .object({
    userId: z.number().int(),
    enabled: z.boolean(),
    topupPlanId: z.number().int().nullable().openapi({ description: "The top-up pack bought automatically." }),
    threshold: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "A pack is bought when a change takes the balance below this." }),
    monthlyCapPacks: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "At most this many packs per calendar month (UTC)." }),
    notice: z
      .string()
      .nullable()
      .openapi({ description: "Why auto top-up turned itself off (a declined card), until the setting changes." }),
    usedThisMonth: z
      .number()
      .int()
      .openapi({ description: "Packs bought (or being bought) automatically this month." }),
    attempts: z.array(
      z.object({
        id: z.number().int(),
        status: z.enum(["pending", "processing", "succeeded", "failed"]),
        packName: z.string(),
        credits: z.number().int(),
        amountCents: z.number().int(),
        currency: z.string(),
        stripePaymentIntentId: z.string().nullable(),
        failureMessage: z.string().nullable(),
        amountRefundedCents: z.number().int(),
        createdAt: dateTime(),
      }),
    ),
  })
  .openapi("AutoTopup");
