import { sql } from "drizzle-orm";
import {
  check,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
  type AnySQLiteColumn,
} from "drizzle-orm/sqlite-core";

/*
 * Conventions
 * - Credits and money are integers (credits, cents). Never floats.
 * - Times are integer milliseconds since the epoch (`timestamp_ms`), read as Date.
 * - Rows that hold money history (credit_ledger, ledger_allocations, stripe_events) are never
 *   deleted; credit_ledger is append-only.
 */

const timestamps = {
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
};

export const USER_ROLES = ["customer", "admin"] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** Stored lower-cased; unique case-insensitively. */
    email: text("email").notNull(),
    name: text("name").notNull().default(""),
    /** Null for users created through the API (they cannot log in). */
    passwordHash: text("password_hash"),
    role: text("role", { enum: USER_ROLES }).notNull().default("customer"),
    stripeCustomerId: text("stripe_customer_id"),
    /** Cache of the sum of `remaining` over the user's active grants. */
    creditBalance: integer("credit_balance").notNull().default(0),
    /** The integrator's own id for this user (API `externalId`, `ext:` in paths); unique, case-sensitive. */
    externalId: text("external_id"),
    /** Credits below which `balance.low` fires; null = env LOW_BALANCE_THRESHOLD; 0 = off. */
    lowBalanceThreshold: integer("low_balance_threshold"),
    /** Balance below which auto top-up is needed; null = auto top-up off. */
    autoTopupThreshold: integer("auto_topup_threshold"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("users_email_unique").on(sql`lower(${t.email})`),
    uniqueIndex("users_stripe_customer_id_unique").on(t.stripeCustomerId),
    uniqueIndex("users_external_id_unique").on(t.externalId),
    check("users_credit_balance_non_negative", sql`${t.creditBalance} >= 0`),
  ],
);

export const sessions = sqliteTable(
  "sessions",
  {
    /** Random, unguessable; the only thing the cookie carries. */
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("sessions_user_id_idx").on(t.userId)],
);

/** Failed-login counters, per account and per IP (`key` = "email:..." or "ip:..."). */
export const loginThrottle = sqliteTable("login_throttle", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull().default(0),
  windowStartedAt: integer("window_started_at", { mode: "timestamp_ms" }).notNull(),
  lockedUntil: integer("locked_until", { mode: "timestamp_ms" }),
});

export const PLAN_INTERVALS = ["month", "year"] as const;
export type PlanInterval = (typeof PLAN_INTERVALS)[number];

export const subscriptionPlans = sqliteTable(
  "subscription_plans",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    internalId: text("internal_id").notNull(),
    planFamily: text("plan_family").notNull(),
    version: integer("version").notNull().default(1),
    publicName: text("public_name").notNull(),
    stripeProductId: text("stripe_product_id"),
    stripePriceId: text("stripe_price_id"),
    /** Credits granted per billing period. */
    credits: integer("credits").notNull(),
    interval: text("interval", { enum: PLAN_INTERVALS }).notNull().default("month"),
    priceCents: integer("price_cents").notNull(),
    currency: text("currency").notNull().default("usd"),
    creditExpiryDays: integer("credit_expiry_days").notNull().default(30),
    /** Share (0–100) of a period's unused plan credits carried into the next period at renewal. */
    rolloverPercent: integer("rollover_percent").notNull().default(0),
    /** At most this many credits roll over per renewal; null = no cap beyond the percentage. */
    rolloverMaxCredits: integer("rollover_max_credits"),
    isLegacy: integer("is_legacy", { mode: "boolean" }).notNull().default(false),
    isActive: integer("is_active", { mode: "boolean" }).notNull().default(true),
    archivedAt: integer("archived_at", { mode: "timestamp_ms" }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("subscription_plans_internal_id_unique").on(t.internalId),
    uniqueIndex("subscription_plans_family_version_unique").on(t.planFamily, t.version),
    uniqueIndex("subscription_plans_stripe_price_id_unique").on(t.stripePriceId),
    check("subscription_plans_credits_positive", sql`${t.credits} > 0`),
    check("subscription_plans_price_non_negative", sql`${t.priceCents} >= 0`),
  ],
);

export const topupPlans = sqliteTable(
  "topup_plans",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    internalId: text("internal_id").notNull(),
    publicName: text("public_name").notNull(),
    stripeProductId: text("stripe_product_id"),
    stripePriceId: text("stripe_price_id"),
    credits: integer("credits").notNull(),
    priceCents: integer("price_cents").notNull(),
    currency: text("currency").notNull().default("usd"),
    creditExpiryDays: integer("credit_expiry_days").notNull().default(365),
    isLegacy: integer("is_legacy", { mode: "boolean" }).notNull().default(false),
    isActive: integer("is_active", { mode: "boolean" }).notNull().default(true),
    archivedAt: integer("archived_at", { mode: "timestamp_ms" }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("topup_plans_internal_id_unique").on(t.internalId),
    uniqueIndex("topup_plans_stripe_price_id_unique").on(t.stripePriceId),
    check("topup_plans_credits_positive", sql`${t.credits} > 0`),
    check("topup_plans_price_non_negative", sql`${t.priceCents} >= 0`),
  ],
);

/**
 * The Stripe prices of plans an admin deleted, with the plan as it was. A payment that still comes
 * in for one (a Checkout opened before the delete) is honoured with these credits and recorded
 * on an archived plan, never re-created from the price's metadata as a plan on sale.
 */
export const deletedPlanPrices = sqliteTable("deleted_plan_prices", {
  stripePriceId: text("stripe_price_id").primaryKey(),
  kind: text("kind", { enum: ["subscription", "topup"] }).notNull(),
  /** The deleted row, as planJson() shows it. */
  plan: text("plan", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  deletedAt: integer("deleted_at", { mode: "timestamp_ms" }).notNull(),
});

/** Stripe's subscription statuses. */
export const SUBSCRIPTION_STATUSES = [
  "incomplete",
  "incomplete_expired",
  "trialing",
  "active",
  "past_due",
  "canceled",
  "unpaid",
  "paused",
] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export const userSubscriptions = sqliteTable(
  "user_subscriptions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    /** The plan in effect for the current period. */
    planId: integer("plan_id").references(() => subscriptionPlans.id),
    /** A downgrade scheduled for the next renewal, shown as pending until then. */
    pendingPlanId: integer("pending_plan_id").references(() => subscriptionPlans.id),
    stripeSubscriptionId: text("stripe_subscription_id").notNull(),
    stripeCustomerId: text("stripe_customer_id"),
    status: text("status", { enum: SUBSCRIPTION_STATUSES }).notNull(),
    currentPeriodStart: integer("current_period_start", { mode: "timestamp_ms" }),
    currentPeriodEnd: integer("current_period_end", { mode: "timestamp_ms" }),
    cancelAtPeriodEnd: integer("cancel_at_period_end", { mode: "boolean" }).notNull().default(false),
    canceledAt: integer("canceled_at", { mode: "timestamp_ms" }),
    /** `created` of the last Stripe object applied, so older events never overwrite newer state. */
    stripeUpdatedAt: integer("stripe_updated_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("user_subscriptions_stripe_subscription_id_unique").on(t.stripeSubscriptionId),
    index("user_subscriptions_user_id_idx").on(t.userId),
  ],
);

export const TOPUP_PURCHASE_STATUSES = ["paid", "partially_refunded", "refunded"] as const;

export const topupPurchases = sqliteTable(
  "topup_purchases",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    planId: integer("plan_id")
      .notNull()
      .references(() => topupPlans.id),
    stripeCheckoutSessionId: text("stripe_checkout_session_id").notNull(),
    stripePaymentIntentId: text("stripe_payment_intent_id"),
    quantity: integer("quantity").notNull().default(1),
    credits: integer("credits").notNull(),
    amountPaidCents: integer("amount_paid_cents").notNull(),
    amountRefundedCents: integer("amount_refunded_cents").notNull().default(0),
    /** Credits removed by refunds so far (never more than `credits`). */
    creditsRefunded: integer("credits_refunded").notNull().default(0),
    currency: text("currency").notNull(),
    status: text("status", { enum: TOPUP_PURCHASE_STATUSES }).notNull().default("paid"),
    /** Stripe's receipt page for the charge (payment history), when Stripe gave one. */
    receiptUrl: text("receipt_url"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("topup_purchases_checkout_session_unique").on(t.stripeCheckoutSessionId),
    uniqueIndex("topup_purchases_payment_intent_unique").on(t.stripePaymentIntentId),
    index("topup_purchases_user_id_idx").on(t.userId),
    // Serve the admin money report (paid per purchase day, refunded per refund day) from the
    // index alone, over the report window only.
    index("topup_purchases_created_at_idx").on(t.createdAt, t.currency, t.amountPaidCents),
    index("topup_purchases_refunded_idx")
      .on(t.updatedAt, t.currency, t.amountRefundedCents)
      .where(sql`${t.amountRefundedCents} > 0`),
  ],
);

export const GRANT_TYPES = ["subscription", "topup", "promotional"] as const;
export type GrantType = (typeof GRANT_TYPES)[number];
/** `pending` is never stored: it is an active grant whose effectiveAt lies in the future. */
export const GRANT_STATUSES = ["active", "depleted", "expired", "voided"] as const;
export type GrantStatus = (typeof GRANT_STATUSES)[number];
export const GRANT_SOURCES = ["subscription", "topup", "admin", "api", "migration"] as const;
export type GrantSource = (typeof GRANT_SOURCES)[number];

export const creditGrants = sqliteTable(
  "credit_grants",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    type: text("type", { enum: GRANT_TYPES }).notNull(),
    amount: integer("amount").notNull(),
    remaining: integer("remaining").notNull(),
    priority: integer("priority").notNull(),
    effectiveAt: integer("effective_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
    status: text("status", { enum: GRANT_STATUSES }).notNull().default("active"),
    reason: text("reason"),
    source: text("source", { enum: GRANT_SOURCES }).notNull(),
    /**
     * What produced the grant, in the caller's words (billing: "stripe_invoice:in_…",
     * "topup_purchase:42"). Opaque to the credit engine; at most one grant per ref, which is what
     * makes a replayed webhook grant once (docs/decisions/016-grant-source-refs.md).
     */
    sourceRef: text("source_ref"),
    /** Grants that belong together, in the caller's words (billing: "subscription:7"); opaque, not unique. */
    groupRef: text("group_ref"),
    /** When `credits.expiring_soon` was sent for this grant (once per grant); null = not yet. */
    expiringSoonSentAt: integer("expiring_soon_sent_at", { mode: "timestamp_ms" }),
    ...timestamps,
  },
  (t) => [
    // Serves the burn-down query: a user's spendable grants, near burn-down order (never-expiring
    // grants sort first here as NULL; the query puts them last over this handful of rows).
    index("credit_grants_burn_down_idx")
      .on(t.userId, t.priority, t.expiresAt, t.effectiveAt, t.id)
      .where(sql`${t.status} = 'active'`),
    // Serves the expiry sweep: only grants that can still expire are in it.
    index("credit_grants_expiry_idx")
      .on(t.expiresAt)
      .where(sql`${t.status} = 'active' and ${t.expiresAt} is not null`),
    // Serves the expiring-soon scan: grants that can still expire and were not announced yet.
    index("credit_grants_expiring_soon_idx")
      .on(t.expiresAt)
      .where(sql`${t.status} = 'active' and ${t.expiresAt} is not null and ${t.expiringSoonSentAt} is null`),
    // Serves the admin reports (credits granted per day and kind) from the index alone.
    index("credit_grants_created_at_idx").on(t.createdAt, t.type, t.amount),
    // Serves rollover at renewal: a group's grants ending with a period, whatever their status.
    index("credit_grants_group_idx")
      .on(t.groupRef, t.expiresAt)
      .where(sql`${t.groupRef} is not null`),
    uniqueIndex("credit_grants_source_ref_unique").on(t.sourceRef),
    check("credit_grants_amount_positive", sql`${t.amount} > 0`),
    check("credit_grants_remaining_range", sql`${t.remaining} >= 0 and ${t.remaining} <= ${t.amount}`),
    check("credit_grants_priority_range", sql`${t.priority} between 0 and 100`),
  ],
);

export const HOLD_STATUSES = ["held", "captured", "released", "expired"] as const;
/** Stored status; a `held` hold past its expiresAt is shown `expired` before the sweep records it. */
export type HoldStatus = (typeof HOLD_STATUSES)[number];

/**
 * Credits reserved for later capture (docs/decisions/015-holds.md). Holding takes the credits off
 * their grants (hold_allocations say from where) without a ledger entry; capturing writes ONE
 * `deduction` entry (deduction_id); releasing or expiring gives them back.
 */
export const creditHolds = sqliteTable(
  "credit_holds",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    amount: integer("amount").notNull(),
    capturedAmount: integer("captured_amount").notNull().default(0),
    /** What refunds and voids of its grants took from it while open (hold_clawbacks say which). */
    clawedAmount: integer("clawed_amount").notNull().default(0),
    status: text("status", { enum: HOLD_STATUSES }).notNull().default("held"),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    reason: text("reason"),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>(),
    idempotencyKey: text("idempotency_key"),
    requestHash: text("request_hash"),
    actor: text("actor"),
    /** The capture's `deduction` ledger entry. */
    deductionId: integer("deduction_id").references(() => creditLedger.id),
    /**
     * Where the hold sits among ledger entries (the newest ledger id when it was made, and when it
     * was released or expired), so the invariant checker can replay holds and entries in order.
     */
    openedAfterEntryId: integer("opened_after_entry_id").notNull(),
    closedAfterEntryId: integer("closed_after_entry_id"),
    /** The newest hold id when it was released or expired (orders it among holds made meanwhile). */
    closedAfterHoldId: integer("closed_after_hold_id"),
    ...timestamps,
  },
  (t) => [
    // A user's open holds (what is held; lapsed ones to settle) — one probe on every deduction.
    // Only held holds are in it (they last minutes), so the sweep scans it whole for lapsed ones;
    // a second index by expiry cost every hold and capture one more page at COMMIT.
    index("credit_holds_open_idx")
      .on(t.userId, t.expiresAt)
      .where(sql`${t.status} = 'held'`),
    uniqueIndex("credit_holds_user_idempotency_unique")
      .on(t.userId, t.idempotencyKey)
      .where(sql`${t.idempotencyKey} is not null`),
    check("credit_holds_amount_positive", sql`${t.amount} > 0`),
    check("credit_holds_captured_range", sql`${t.capturedAmount} >= 0 and ${t.capturedAmount} <= ${t.amount}`),
  ],
);

/** Which grants a hold took its credits from, in burn-down order (a capture takes them in this order). */
export const holdAllocations = sqliteTable(
  "hold_allocations",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    holdId: integer("hold_id")
      .notNull()
      .references(() => creditHolds.id),
    grantId: integer("grant_id")
      .notNull()
      .references(() => creditGrants.id),
    amount: integer("amount").notNull(),
  },
  (t) => [
    index("hold_allocations_hold_id_idx").on(t.holdId),
    check("hold_allocations_amount_positive", sql`${t.amount} > 0`),
  ],
);

/**
 * Held credits a `refund` or `void` entry took from an open hold (docs/decisions/017): the entry's
 * amount is its grant's free credits plus these parts. The hold reserves amount − clawed_amount.
 */
export const holdClawbacks = sqliteTable(
  "hold_clawbacks",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    entryId: integer("entry_id")
      .notNull()
      .references((): AnySQLiteColumn => creditLedger.id),
    holdId: integer("hold_id")
      .notNull()
      .references(() => creditHolds.id),
    grantId: integer("grant_id")
      .notNull()
      .references(() => creditGrants.id),
    amount: integer("amount").notNull(),
  },
  (t) => [
    index("hold_clawbacks_hold_id_idx").on(t.holdId),
    index("hold_clawbacks_entry_id_idx").on(t.entryId),
    check("hold_clawbacks_amount_positive", sql`${t.amount} > 0`),
  ],
);

export const LEDGER_ENTRY_TYPES = ["grant", "deduction", "expiration", "void", "refund", "adjustment"] as const;
export type LedgerEntryType = (typeof LEDGER_ENTRY_TYPES)[number];

/** Append-only: rows are inserted, never updated or deleted. */
export const creditLedger = sqliteTable(
  "credit_ledger",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    type: text("type", { enum: LEDGER_ENTRY_TYPES }).notNull(),
    /** Signed: positive adds credits, negative removes them. */
    amount: integer("amount").notNull(),
    balanceAfter: integer("balance_after").notNull(),
    reason: text("reason"),
    /** The grant a grant/expiration/void/refund entry is about. */
    grantId: integer("grant_id").references(() => creditGrants.id),
    /** The hold a `deduction` entry captured (null for every other entry). */
    holdId: integer("hold_id").references((): AnySQLiteColumn => creditHolds.id),
    /** Caller-supplied, namespaced by the caller (e.g. "deduction:<key>"); kept for good. */
    idempotencyKey: text("idempotency_key"),
    /** Hash of the request that used the key, to tell a replay from a conflict. */
    requestHash: text("request_hash"),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>(),
    actor: text("actor"),
    /**
     * On a deduction made by usage of a rate-card feature: what was used, in the caller's words
     * ({usageId, feature, quantity, priceVersion, includedUnitsUsed, carriedUnits}; app/features/).
     * Opaque to the credit engine, which stores and shows it.
     */
    usage: text("usage", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // Partial: most entries (every deduction without a key) have no key or no grant, and each
    // index entry is a page a deduction's COMMIT writes. `= ?` lookups and joins imply NOT NULL,
    // so SQLite still uses both; uniqueness never applied to NULL keys anyway.
    uniqueIndex("credit_ledger_user_idempotency_unique")
      .on(t.userId, t.idempotencyKey)
      .where(sql`${t.idempotencyKey} is not null`),
    index("credit_ledger_user_id_idx").on(t.userId, t.id),
    index("credit_ledger_grant_id_idx")
      .on(t.grantId)
      .where(sql`${t.grantId} is not null`),
    // Serves the admin reports: a date range read from the index alone (no table rows).
    index("credit_ledger_created_at_idx").on(t.createdAt, t.type, t.amount),
  ],
);

export const ledgerAllocations = sqliteTable(
  "ledger_allocations",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    entryId: integer("entry_id")
      .notNull()
      .references(() => creditLedger.id),
    grantId: integer("grant_id")
      .notNull()
      .references(() => creditGrants.id),
    amount: integer("amount").notNull(),
  },
  (t) => [
    index("ledger_allocations_entry_id_idx").on(t.entryId),
    // No index on grant_id: nothing looks allocations up by grant (and grants are never deleted,
    // so the foreign key needs none), while every deduction would write an entry to it.
    check("ledger_allocations_amount_positive", sql`${t.amount} > 0`),
  ],
);

export const STRIPE_EVENT_STATUSES = ["received", "processed", "ignored", "held", "failed"] as const;
export type StripeEventStatus = (typeof STRIPE_EVENT_STATUSES)[number];

export const stripeEvents = sqliteTable(
  "stripe_events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    status: text("status", { enum: STRIPE_EVENT_STATUSES }).notNull().default("received"),
    error: text("error"),
    payload: text("payload", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    attempts: integer("attempts").notNull().default(0),
    stripeCreatedAt: integer("stripe_created_at", { mode: "timestamp_ms" }),
    processedAt: integer("processed_at", { mode: "timestamp_ms" }),
    ...timestamps,
  },
  (t) => [index("stripe_events_status_idx").on(t.status)],
);

export const API_KEY_SCOPES = ["admin", "usage"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    scope: text("scope", { enum: API_KEY_SCOPES }).notNull(),
    /** SHA-256 of the whole key; the key itself is shown once and never stored. */
    keyHash: text("key_hash").notNull(),
    /** First characters of the key, to recognise it in lists. */
    prefix: text("prefix").notNull(),
    createdBy: text("created_by"),
    /** Requests per second this key may make (a token bucket per process); null = not limited. */
    rateLimitPerSecond: integer("rate_limit_per_second"),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [uniqueIndex("api_keys_key_hash_unique").on(t.keyHash)],
);

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** "user:<id>", "api_key:<id>", "cli", "stripe", "system". */
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    subject: text("subject"),
    details: text("details", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("audit_log_created_at_idx").on(t.createdAt),
    // The admin console's filters: a customer's trail and one actor's actions, newest first.
    index("audit_log_subject_idx").on(t.subject, t.id),
    index("audit_log_actor_idx").on(t.actor, t.id),
  ],
);

/** Idempotency records for the HTTP API: only 2xx answers are stored and replayed. */
export const apiIdempotency = sqliteTable(
  "api_idempotency",
  {
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    status: integer("status").notNull(),
    body: text("body").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] })],
);

/**
 * The event outbox (app/events/): domain events written in the same transaction as the change
 * that causes them, fanned out to consumers after commit. Rows are kept after dispatch (webhook
 * deliveries send their payload). No foreign key on user_id: the insert sits on the deduction path,
 * and an event outlives nothing it names.
 */
// No index beyond the rowid: each index is one more page every deduction's COMMIT writes (with an
// endpoint listing credits.deducted). Dispatched events are a prefix of the ids (one writer at a
// time: ids grow in commit order), so the dispatcher reads from just past the last dispatched id.
export const eventOutbox = sqliteTable("event_outbox", {
  /** Dispatch order (rowid; a later commit always gets a larger one: one writer at a time). */
  id: integer("id").primaryKey(),
  /** "evt_…", random: the public id (webhook-id), unique across restores of the database. */
  eventId: text("event_id").notNull(),
  type: text("type").notNull(),
  userId: integer("user_id"),
  data: text("data").notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  dispatchedAt: integer("dispatched_at", { mode: "timestamp_ms" }),
  /** The event's number among its user's public events (1, 2, …), set when dispatched; null without a user. */
  userSeq: integer("user_seq"),
});

/** The last per-user sequence number given to a public event (the dispatcher's counter). */
export const userEventSequences = sqliteTable("user_event_sequences", {
  userId: integer("user_id").primaryKey(),
  lastSeq: integer("last_seq").notNull(),
});

/**
 * Where the dispatcher stands in each event source that is not the outbox: events read from a
 * domain's own append-only table after commit (credits.deducted from credit_ledger, so a deduction
 * writes no outbox row), copied into event_outbox in the dispatcher's transaction. app/events/.
 */
export const eventSources = sqliteTable("event_sources", {
  /** The event type the source produces ("credits.deducted"). */
  name: text("name").primaryKey(),
  /** The source's last id copied into the outbox. */
  lastId: integer("last_id").notNull(),
});

/** Outbound webhook endpoints (Standard Webhooks); app/webhooks/. */
export const webhookEndpoints = sqliteTable("webhook_endpoints", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  url: text("url").notNull(),
  /** JSON array of the event types sent here. */
  events: text("events", { mode: "json" }).$type<string[]>().notNull(),
  description: text("description"),
  /** "whsec_" + base64 of 32 random bytes; shown once, kept to sign. */
  secret: text("secret").notNull(),
  /** The secret before the last rotation: deliveries are signed with it too until it expires. */
  previousSecret: text("previous_secret"),
  previousSecretExpiresAt: integer("previous_secret_expires_at", { mode: "timestamp_ms" }),
  /** A disabled endpoint gets no new deliveries and its pending ones wait. */
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  /** When an update last added an event type: interest in a sourced type (credits.deducted) starts then. */
  eventsSince: integer("events_since", { mode: "timestamp_ms" }),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});

export const WEBHOOK_DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** One event to one endpoint: its attempts and where it stands. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    endpointId: integer("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    eventRowId: integer("event_row_id")
      .notNull()
      .references(() => eventOutbox.id),
    status: text("status", { enum: WEBHOOK_DELIVERY_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    /** When the next attempt is due (pending), or null once delivered or failed. */
    nextAttemptAt: integer("next_attempt_at", { mode: "timestamp_ms" }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("webhook_deliveries_endpoint_event_unique").on(t.endpointId, t.eventRowId),
    // The sender's queue, one per endpoint: pending deliveries by when they are due.
    index("webhook_deliveries_endpoint_due_idx")
      .on(t.endpointId, t.nextAttemptAt)
      .where(sql`${t.status} = 'pending'`),
  ],
);

/**
 * What happened to a customer's subscription, in their words (the billing page's history). Written
 * by billing where it applies Stripe's state (syncSubscriptionRow compares before and after) and by
 * the invoice handlers (renewed, payment failed): one row per change; `stripeInvoiceId` keeps an
 * invoice's row unique per kind, so a replayed event adds nothing.
 */
export const SUBSCRIPTION_CHANGE_KINDS = [
  "started",
  "upgraded",
  "downgraded",
  "downgrade_canceled",
  "renewed",
  "payment_failed",
  "canceled",
  "resumed",
  "ended",
] as const;
export type SubscriptionChangeKind = (typeof SUBSCRIPTION_CHANGE_KINDS)[number];

export const subscriptionHistory = sqliteTable(
  "subscription_history",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    subscriptionId: integer("subscription_id")
      .notNull()
      .references(() => userSubscriptions.id),
    kind: text("kind", { enum: SUBSCRIPTION_CHANGE_KINDS }).notNull(),
    /** The plan after the change (for a downgrade: the plan from renewal). */
    planId: integer("plan_id").references(() => subscriptionPlans.id),
    /** The plan before it (upgrades and downgrades). */
    fromPlanId: integer("from_plan_id").references(() => subscriptionPlans.id),
    stripeInvoiceId: text("stripe_invoice_id"),
    occurredAt: integer("occurred_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("subscription_history_user_id_idx").on(t.userId, t.id),
    uniqueIndex("subscription_history_invoice_unique").on(t.kind, t.stripeInvoiceId),
  ],
);

export const SUBSCRIPTION_INVOICE_STATUSES = ["paid", "failed", "partially_refunded", "refunded"] as const;

/**
 * Every subscription invoice the webhook saw paid or failing, as Stripe had it (payment history):
 * amounts, Stripe's hosted invoice page and PDF. One row per Stripe invoice.
 */
export const subscriptionInvoices = sqliteTable(
  "subscription_invoices",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    subscriptionId: integer("subscription_id").references(() => userSubscriptions.id),
    planId: integer("plan_id").references(() => subscriptionPlans.id),
    stripeInvoiceId: text("stripe_invoice_id").notNull(),
    stripePaymentIntentId: text("stripe_payment_intent_id"),
    number: text("number"),
    billingReason: text("billing_reason"),
    status: text("status", { enum: SUBSCRIPTION_INVOICE_STATUSES }).notNull(),
    amountDueCents: integer("amount_due_cents").notNull(),
    amountPaidCents: integer("amount_paid_cents").notNull().default(0),
    amountRefundedCents: integer("amount_refunded_cents").notNull().default(0),
    currency: text("currency").notNull(),
    hostedInvoiceUrl: text("hosted_invoice_url"),
    invoicePdfUrl: text("invoice_pdf_url"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("subscription_invoices_stripe_invoice_id_unique").on(t.stripeInvoiceId),
    index("subscription_invoices_user_id_idx").on(t.userId, t.id),
    index("subscription_invoices_payment_intent_idx").on(t.stripePaymentIntentId),
  ],
);

/**
 * One row per subscription renewal that carried credits over (app/credits/rollover.server.ts):
 * the ending period's unused subscription credits, what rolled (≤ percent, ≤ max) and the new
 * grant. A rollover grant (grant_id) is never itself a source of a later rollover.
 */
export const creditRollovers = sqliteTable(
  "credit_rollovers",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    /** The grants' group (credit_grants.group_ref) that rolled over; billing: "subscription:<id>". */
    groupRef: text("group_ref").notNull(),
    /** The caller's key for the renewal (billing: the renewal invoice id); one rollover per renewal. */
    renewalKey: text("renewal_key").notNull(),
    /** End of the period that ended (where its subscription grants expire). */
    periodEnd: integer("period_end", { mode: "timestamp_ms" }).notNull(),
    unusedCredits: integer("unused_credits").notNull(),
    percent: integer("percent").notNull(),
    maxCredits: integer("max_credits"),
    rolledCredits: integer("rolled_credits").notNull(),
    /** The rollover grant; null when nothing rolled. */
    grantId: integer("grant_id").references(() => creditGrants.id),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("credit_rollovers_renewal_unique").on(t.renewalKey),
    uniqueIndex("credit_rollovers_period_unique").on(t.groupRef, t.periodEnd),
    uniqueIndex("credit_rollovers_grant_unique").on(t.grantId),
  ],
);

/**
 * A customer's auto top-up setting (app/billing/auto-topup.server.ts). The threshold that arms it
 * lives in users.auto_topup_threshold (null = off), which the credit engine reads; the threshold
 * here is the customer's choice, kept while auto top-up is off.
 */
export const autoTopupSettings = sqliteTable("auto_topup_settings", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  topupPlanId: integer("topup_plan_id")
    .notNull()
    .references(() => topupPlans.id),
  thresholdCredits: integer("threshold_credits").notNull(),
  /** Packs bought automatically per calendar month (UTC), at most. */
  monthlyCapPacks: integer("monthly_cap_packs").notNull(),
  /** Why auto top-up turned itself off (a declined card…); shown to the customer until they change the setting. */
  disabledReason: text("disabled_reason"),
  disabledAt: integer("disabled_at", { mode: "timestamp_ms" }),
  ...timestamps,
});

export const AUTO_TOPUP_ATTEMPT_STATUSES = ["pending", "processing", "succeeded", "failed"] as const;
export type AutoTopupAttemptStatus = (typeof AUTO_TOPUP_ATTEMPT_STATUSES)[number];

/** Every automatic purchase attempt: pending (recorded) → processing (PaymentIntent made) → succeeded | failed. */
export const autoTopupAttempts = sqliteTable(
  "auto_topup_attempts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    topupPlanId: integer("topup_plan_id")
      .notNull()
      .references(() => topupPlans.id),
    credits: integer("credits").notNull(),
    amountCents: integer("amount_cents").notNull(),
    currency: text("currency").notNull(),
    /** Calendar month (UTC, "2026-01") the attempt counts against the cap in. */
    month: text("month").notNull(),
    status: text("status", { enum: AUTO_TOPUP_ATTEMPT_STATUSES }).notNull().default("pending"),
    /** The outbox event that asked for it (auto_topup.needed); one attempt per event. */
    triggerEventId: text("trigger_event_id"),
    stripePaymentIntentId: text("stripe_payment_intent_id"),
    failureCode: text("failure_code"),
    failureMessage: text("failure_message"),
    topupPurchaseId: integer("topup_purchase_id").references(() => topupPurchases.id),
    ...timestamps,
  },
  (t) => [
    // Never two at once for one customer: at most one open attempt per user.
    uniqueIndex("auto_topup_attempts_one_open")
      .on(t.userId)
      .where(sql`${t.status} in ('pending', 'processing')`),
    index("auto_topup_attempts_user_month_idx").on(t.userId, t.month),
    uniqueIndex("auto_topup_attempts_trigger_unique").on(t.triggerEventId),
    uniqueIndex("auto_topup_attempts_payment_intent_unique").on(t.stripePaymentIntentId),
  ],
);

/** Single-use password reset tokens (app/auth/password-reset.server.ts): only the SHA-256 is kept. */
export const passwordResetTokens = sqliteTable(
  "password_reset_tokens",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("password_reset_tokens_hash_unique").on(t.tokenHash),
    index("password_reset_tokens_user_idx").on(t.userId),
  ],
);

export const MAIL_STATUSES = ["pending", "sent", "failed", "expired"] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

/**
 * Outgoing mail (app/mail/): enqueued in the transaction of the change that causes it, sent after
 * commit by the mail worker, retried with backoff. No foreign key on user_id: a message outlives
 * nothing it names, and security mail may go to an address that is not (or no longer) a user's.
 */
export const mailOutbox = sqliteTable(
  "mail_outbox",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    kind: text("kind").notNull(),
    userId: integer("user_id"),
    toAddress: text("to_address").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    html: text("html").notNull(),
    status: text("status", { enum: MAIL_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at", { mode: "timestamp_ms" }).notNull(),
    /** A message still unsent by then is dropped (a reset link that no longer works). */
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
    lastError: text("last_error"),
    /** "smtp" or "log" (no SMTP_URL: printed and shown on /admin/outbox). */
    transport: text("transport"),
    /** One message per cause (e.g. the event id): a redelivered event does not mail twice. */
    dedupeKey: text("dedupe_key"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    sentAt: integer("sent_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    uniqueIndex("mail_outbox_dedupe_unique").on(t.dedupeKey),
    // The worker's queue: only pending rows are in it.
    index("mail_outbox_pending_idx")
      .on(t.nextAttemptAt, t.id)
      .where(sql`${t.status} = 'pending'`),
  ],
);

/** Per-customer opt-outs from a kind of mail (security mail has none). */
export const mailOptOuts = sqliteTable(
  "mail_opt_outs",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.kind] })],
);

/*
 * The rate card (app/features/, docs/decisions/022-rate-card-pricing.md): features priced in
 * credits, per plan, charged by what was used.
 */

/** A thing a customer uses and pays credits for (an image, 1,000 tokens…). */
export const features = sqliteTable(
  "features",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** `[a-z0-9._-]{1,64}`, unique, never changes: what services send. */
    key: text("key").notNull(),
    name: text("name").notNull(),
    /** What one unit is called ("image", "token"). */
    unitName: text("unit_name").notNull(),
    description: text("description"),
    /** An archived feature can no longer be used (check says feature_archived). */
    archivedAt: integer("archived_at", { mode: "timestamp_ms" }),
    ...timestamps,
  },
  (t) => [uniqueIndex("features_key_unique").on(t.key)],
);

/**
 * Every price a feature ever had, never updated or deleted: `credits` per `perUnits` units from
 * effectiveAt. planId null = the base price (versions of it follow one another by effectiveAt);
 * otherwise the price a subscription plan version sets (plan_features.price_id points at it).
 * `version` numbers a feature's prices 1, 2, … in the order they were made (base and plan alike).
 */
export const featurePrices = sqliteTable(
  "feature_prices",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    featureId: integer("feature_id")
      .notNull()
      .references(() => features.id),
    version: integer("version").notNull(),
    planId: integer("plan_id").references(() => subscriptionPlans.id),
    credits: integer("credits").notNull(),
    perUnits: integer("per_units").notNull(),
    effectiveAt: integer("effective_at", { mode: "timestamp_ms" }).notNull(),
    actor: text("actor"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("feature_prices_version_unique").on(t.featureId, t.version),
    // The base price in effect: the latest effectiveAt at or before now.
    index("feature_prices_base_idx")
      .on(t.featureId, t.effectiveAt)
      .where(sql`${t.planId} is null`),
    check("feature_prices_credits_non_negative", sql`${t.credits} >= 0`),
    check("feature_prices_per_units_positive", sql`${t.perUnits} >= 1`),
  ],
);

/** A subscription plan version's terms for one feature; a feature without a row is on base terms. */
export const planFeatures = sqliteTable(
  "plan_features",
  {
    planId: integer("plan_id")
      .notNull()
      .references(() => subscriptionPlans.id),
    featureId: integer("feature_id")
      .notNull()
      .references(() => features.id),
    /** false: the feature is not in the plan (feature_not_included). */
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    /** The plan's own price (a feature_prices row with this plan_id); null = the base price. */
    priceId: integer("price_id").references(() => featurePrices.id),
    /** Free units per billing period, used before any credit is charged; reset at renewal. */
    includedUnits: integer("included_units").notNull().default(0),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.planId, t.featureId] }),
    check("plan_features_included_non_negative", sql`${t.includedUnits} >= 0`),
  ],
);

/**
 * One recorded use of a feature (POST /api/v1/users/:userId/usage, a batch event, a feature
 * hold's capture): never updated or deleted. `credits` is what it was charged (the deduction
 * entry_id's amount, or 0 when included units or the carried remainder covered it).
 */
export const usageRecords = sqliteTable(
  "usage_records",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    featureId: integer("feature_id")
      .notNull()
      .references(() => features.id),
    priceId: integer("price_id")
      .notNull()
      .references(() => featurePrices.id),
    quantity: integer("quantity").notNull(),
    includedUnits: integer("included_units").notNull(),
    credits: integer("credits").notNull(),
    /** The `deduction` ledger entry; null when nothing was charged. */
    entryId: integer("entry_id").references(() => creditLedger.id),
    /** The feature hold this use captured, if any. */
    holdId: integer("hold_id").references(() => creditHolds.id),
    idempotencyKey: text("idempotency_key"),
    requestHash: text("request_hash"),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("usage_records_user_idempotency_unique")
      .on(t.userId, t.idempotencyKey)
      .where(sql`${t.idempotencyKey} is not null`),
    // A customer's usage over a range (summary, credits page).
    index("usage_records_user_created_idx").on(t.userId, t.createdAt),
    // Usage by feature over a range across customers (reports), from the index alone: every column
    // the report sums or counts (included units, distinct customers) is in it. Without the last two
    // each of a million rows in the range was a table read, and /admin/reports took 224 ms (bench 7c).
    index("usage_records_created_at_idx").on(
      t.createdAt,
      t.featureId,
      t.quantity,
      t.credits,
      t.includedUnits,
      t.userId,
    ),
    check("usage_records_quantity_positive", sql`${t.quantity} > 0`),
    check("usage_records_included_range", sql`${t.includedUnits} >= 0 and ${t.includedUnits} <= ${t.quantity}`),
    check("usage_records_credits_non_negative", sql`${t.credits} >= 0`),
  ],
);

/**
 * The carried remainder: a user's charged units and credits at one price, so that however the
 * units come, credits = ceil(units × price credits ÷ perUnits) (docs/decisions/022).
 */
export const usageMeters = sqliteTable(
  "usage_meters",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    priceId: integer("price_id")
      .notNull()
      .references(() => featurePrices.id),
    /** Units charged at this price (included units are not in it). */
    units: integer("units").notNull(),
    /** Credits charged for them: always ceil(units × credits ÷ perUnits). */
    credits: integer("credits").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.priceId] })],
);

/** Included units a user used of one feature in one billing period (keyed by the period's start). */
export const includedUsage = sqliteTable(
  "included_usage",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    featureId: integer("feature_id")
      .notNull()
      .references(() => features.id),
    periodStart: integer("period_start", { mode: "timestamp_ms" }).notNull(),
    units: integer("units").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.featureId, t.periodStart] })],
);

/** A hold made by feature: what it reserves the cost of, and at which price (capture charges that price). */
export const featureHolds = sqliteTable("feature_holds", {
  holdId: integer("hold_id")
    .primaryKey()
    .references(() => creditHolds.id),
  featureId: integer("feature_id")
    .notNull()
    .references(() => features.id),
  priceId: integer("price_id")
    .notNull()
    .references(() => featurePrices.id),
  quantity: integer("quantity").notNull(),
});
