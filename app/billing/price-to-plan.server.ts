/**
 * Stripe prices into plans, for webhooks: resolvePlanFromStripePrice() finds the plan of a price
 * an event mentions, or creates it from the price's metadata — never guessing credits. The other
 * direction (plans into Stripe, for admins) is ./plan-sync.server.ts.
 */
import type Stripe from "stripe";
import type { PlanInterval } from "../../db/schema";
import { recordAudit } from "../auth/audit.server";
import {
  DEFAULT_CREDIT_EXPIRY_DAYS,
  MAX_CREDIT_EXPIRY_DAYS,
  MAX_PLAN_CREDITS,
  findDeletedPlanPrice,
  findPlanByInternalId,
  findPlanByStripePriceId,
  findSubscriptionPlanByFamilyVersion,
  insertArchivedFromDeleted,
  insertPlan,
  nextPlanVersion,
  planJson,
  planSubject,
  uniqueViolationField,
  type KindedPlan,
  type NewPlan,
} from "../plans/index.server";
import { AppError } from "../utils/errors";
import type { DbClock } from "../utils/context.server";
import { writeTransaction } from "../../db/transaction";
import { formatCredits } from "../utils/format";

// ---------------------------------------------------------------------------------------------
// Stripe price → plan

export type ResolvedPlan = KindedPlan | { kind: "held"; reason: string };

/** What a price's metadata says about the plan it sells, or why it says too little. */
export type PlanFromPrice =
  | {
      ok: true;
      kind: "subscription";
      values: Omit<Extract<NewPlan, { kind: "subscription" }>["values"], "version"> & { version: number | null };
    }
  | { ok: true; kind: "topup"; values: Extract<NewPlan, { kind: "topup" }>["values"] }
  | { ok: false; reason: string };

const POSITIVE_INTEGER = /^[1-9][0-9]*$/;

function positiveIntegerMetadata(
  price: Stripe.Price,
  key: string,
  max: number,
): { value: number | undefined } | { error: string } {
  const raw = price.metadata?.[key];
  if (raw === undefined || raw === null || raw.trim() === "") return { value: undefined };
  const text = raw.trim();
  const n = Number(text);
  if (!POSITIVE_INTEGER.test(text) || !Number.isSafeInteger(n) || n > max) {
    return { error: `its metadata ${key}="${raw}" is not a whole number between 1 and ${formatCredits(max)}` };
  }
  return { value: n };
}

export function productOf(price: Stripe.Price): { id: string; name: string | null } {
  const p = price.product;
  if (typeof p === "string") return { id: p, name: null };
  return { id: p.id, name: "name" in p && typeof p.name === "string" ? p.name : null };
}

function metadataText(price: Stripe.Price, key: string): string | undefined {
  const v = price.metadata?.[key]?.trim();
  return v ? v : undefined;
}

/**
 * Reads a plan from a Stripe price (pure: no database, no network).
 *
 * Required: metadata `credits`, a positive whole number — without it the price is not sold as
 * credits by this app and the event is held. Optional metadata and their defaults:
 * - `internalId` → `stripe-<price id>`
 * - `planFamily` → the product id (subscriptions)
 * - `version` → the family's next version (subscriptions; filled in by the caller)
 * - `publicName` → the price's nickname, else the product's name, else the family / internalId
 * - `creditExpiryDays` → 30 for subscriptions, 365 for top-ups
 * Recurring prices make subscription plans, one-time prices top-up packs. Prices that this app
 * cannot bill as a plan (no fixed unit_amount, metered, intervals other than 1 month / 1 year)
 * are held too.
 */
export function planFromStripePrice(price: Stripe.Price): PlanFromPrice {
  const held = (why: string): PlanFromPrice => ({ ok: false, reason: `Stripe price ${price.id}: ${why}.` });
  const credits = positiveIntegerMetadata(price, "credits", MAX_PLAN_CREDITS);
  if ("error" in credits)
    return held(
      `${credits.error}; fix the price's credits metadata or create a plan for this price, then replay the event`,
    );
  if (credits.value === undefined) {
    return held(
      "it has no credits metadata, so the app does not know how many credits it buys; create a plan for this price in the admin (or add credits metadata), then replay the event",
    );
  }
  const expiry = positiveIntegerMetadata(price, "creditExpiryDays", MAX_CREDIT_EXPIRY_DAYS);
  if ("error" in expiry) return held(expiry.error);
  if (price.unit_amount === null || price.unit_amount === undefined) {
    return held("it has no fixed unit_amount (tiered or customer-chosen prices cannot be plans)");
  }
  const internalId = metadataText(price, "internalId") ?? `stripe-${price.id}`;
  const product = productOf(price);
  const common = {
    internalId,
    stripeProductId: product.id,
    stripePriceId: price.id,
    credits: credits.value,
    priceCents: price.unit_amount,
    currency: price.currency.toLowerCase(),
    isLegacy: false,
    isActive: true,
  };
  const recurring = price.recurring;
  if (!recurring) {
    return {
      ok: true,
      kind: "topup",
      values: {
        ...common,
        publicName: metadataText(price, "publicName") ?? price.nickname ?? product.name ?? internalId,
        creditExpiryDays: expiry.value ?? DEFAULT_CREDIT_EXPIRY_DAYS.topup,
      },
    };
  }
  if (recurring.usage_type === "metered") return held("metered prices cannot be credit plans");
  if ((recurring.interval !== "month" && recurring.interval !== "year") || (recurring.interval_count ?? 1) !== 1) {
    return held(`it bills every ${recurring.interval_count} ${recurring.interval}(s); plans bill monthly or yearly`);
  }
  const version = positiveIntegerMetadata(price, "version", 1_000_000);
  if ("error" in version) return held(version.error);
  const planFamily = metadataText(price, "planFamily") ?? product.id;
  return {
    ok: true,
    kind: "subscription",
    values: {
      ...common,
      planFamily,
      version: version.value ?? null,
      interval: recurring.interval as PlanInterval,
      publicName: metadataText(price, "publicName") ?? price.nickname ?? product.name ?? planFamily,
      creditExpiryDays: expiry.value ?? DEFAULT_CREDIT_EXPIRY_DAYS.subscription,
    },
  };
}

/**
 * The plan a Stripe price sells. PURE-DB: no network — retrieve the price (with
 * `expand: ["product"]`) before the transaction you call this in.
 *
 * - A known stripePriceId → that plan, even when legacy, inactive or archived (existing
 *   subscribers keep renewing on it).
 * - The price of a plan an admin deleted → that plan, back as an archived row (never on sale),
 *   with the credits it had — not re-created from the metadata.
 * - An unknown price with valid metadata → the plan is inserted and returned (audited as
 *   actor "stripe"); archived when Stripe has the price inactive.
 * - Missing or invalid credits metadata, or metadata clashing with another plan → held, with
 *   a reason for the admin; nothing is written.
 *
 * Safe inside the caller's IMMEDIATE transaction (it nests as a savepoint) and concurrently:
 * the insert re-reads by price id inside its own write lock, and a unique conflict re-reads.
 */
export function resolvePlanFromStripePrice(ctx: DbClock, price: Stripe.Price): ResolvedPlan {
  const known = findPlanByStripePriceId(ctx.db, price.id);
  if (known) return known;
  const deleted = findDeletedPlanPrice(ctx.db, price.id);
  if (deleted) {
    // An admin deleted this plan; a payment for it that was under way is honoured with the
    // credits it promised, on an archived row — the metadata is not read, nothing goes on sale.
    return writeTransaction(ctx.db, (): ResolvedPlan => {
      const raced = findPlanByStripePriceId(ctx.db, price.id);
      if (raced) return raced;
      const restored = insertArchivedFromDeleted(ctx, deleted);
      recordAudit(ctx, {
        actor: "stripe",
        action: "plan.recorded_archived_from_deleted",
        subject: planSubject(restored.kind, restored.plan.id),
        details: { plan: planJson(restored), deletedAt: deleted.deletedAt.toISOString() },
      });
      return restored;
    });
  }
  const parsed = planFromStripePrice(price);
  if (!parsed.ok) return { kind: "held", reason: parsed.reason };

  return writeTransaction(ctx.db, (): ResolvedPlan => {
    const raced = findPlanByStripePriceId(ctx.db, price.id);
    if (raced) return raced;
    const clash = (what: string, other: KindedPlan) => ({
      kind: "held" as const,
      reason:
        `Stripe price ${price.id}: its ${what} already belongs to ${other.kind === "subscription" ? "subscription" : "top-up"} plan #${other.plan.id}` +
        `${other.plan.stripePriceId ? ` (price ${other.plan.stripePriceId})` : ""}; fix the price's metadata or create a plan for this price, then replay the event.`,
    });
    const byInternalId = findPlanByInternalId(ctx.db, parsed.kind, parsed.values.internalId);
    if (byInternalId) return clash(`internalId "${parsed.values.internalId}"`, byInternalId);

    let plan: NewPlan;
    if (parsed.kind === "subscription") {
      const v = parsed.values;
      const version = v.version ?? nextPlanVersion(ctx.db, v.planFamily);
      const sameVersion = findSubscriptionPlanByFamilyVersion(ctx.db, v.planFamily, version);
      if (sameVersion)
        return clash(`version ${version} of plan family "${v.planFamily}"`, {
          kind: "subscription",
          plan: sameVersion,
        });
      plan = { kind: "subscription", values: { ...v, version } };
    } else {
      plan = { kind: "topup", values: parsed.values };
    }

    try {
      return writeTransaction(ctx.db, () => {
        // A price deactivated in Stripe (e.g. its plan was deleted before prices were
        // remembered) is honoured but its plan is not put on sale.
        const inserted = insertPlan(ctx, plan, { archived: price.active === false });
        recordAudit(ctx, {
          actor: "stripe",
          action: "plan.created_from_stripe",
          subject: planSubject(inserted.kind, inserted.plan.id),
          details: { plan: planJson(inserted) },
        });
        return inserted;
      });
    } catch (e) {
      // Another writer got there first: its plan is the answer if it is for this price.
      const field = e instanceof AppError && e.code === "conflict" ? e.field : uniqueViolationField(e);
      if (!field) throw e;
      const winner = findPlanByStripePriceId(ctx.db, price.id);
      if (winner) return winner;
      return {
        kind: "held",
        reason: `Stripe price ${price.id}: its metadata clashes with an existing plan (${field}); fix the price's metadata or create a plan for this price, then replay the event.`,
      };
    }
  });
}
