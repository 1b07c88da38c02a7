import { and, asc, desc, eq, isNotNull, isNull, max } from "drizzle-orm";
import type { Db } from "../../db/client";
import { deletedPlanPrices, subscriptionPlans, topupPlans, type PlanInterval } from "../../db/schema";
import { AppError } from "../utils/errors";
import { kindLabel } from "./format";
import { DEFAULT_CREDIT_EXPIRY_DAYS, type CreatePlanInput, type PlanKind, type PlanPatch } from "./validation";
import type { DbClock } from "../utils/context.server";
import { writeTransaction } from "../../db/transaction";

/*
 * The price book: subscription plans (a family of versions) and top-up packs. It knows nothing
 * of Stripe beyond the ids it stores; app/billing/plan-sync.server.ts turns plans into Stripe
 * prices and app/billing/price-to-plan.server.ts prices back into plans.
 *
 * Invariants kept here:
 * - credits, price, currency and interval of a plan that has a Stripe price never change (the
 *   price in Stripe is immutable too); a change is a new version of the family.
 * - a plan something refers to (a subscription, a purchase) is never deleted, only archived
 *   (isActive false + archivedAt), so history and renewals keep resolving to it.
 */

export type SubscriptionPlan = typeof subscriptionPlans.$inferSelect;
export type TopupPlan = typeof topupPlans.$inferSelect;
export type KindedPlan = { kind: "subscription"; plan: SubscriptionPlan } | { kind: "topup"; plan: TopupPlan };

/** Columns the database (id), the clock (timestamps) or archiving set, never a create request. */
type PlanRowManaged = "id" | "archivedAt" | "createdAt" | "updatedAt";

/** A plan ready to insert: every default applied, Stripe ids known (or null). */
/** Rollover fields may be left out (0 % and no cap: nothing rolls over). */
export type NewSubscriptionPlan = Omit<SubscriptionPlan, PlanRowManaged | RolloverFields> &
  Partial<Pick<SubscriptionPlan, RolloverFields>>;
type RolloverFields = "rolloverPercent" | "rolloverMaxCredits";
export type NewTopupPlan = Omit<TopupPlan, PlanRowManaged>;
export type NewPlan = { kind: "subscription"; values: NewSubscriptionPlan } | { kind: "topup"; values: NewTopupPlan };

/**
 * A plan being created before its Stripe price is settled: price fields may still be missing
 * when an existing Stripe price will supply them.
 */
export type PlanDraft =
  | {
      kind: "subscription";
      values: Omit<NewSubscriptionPlan, "priceCents" | "currency" | "interval" | "stripeProductId"> & {
        priceCents?: number;
        currency?: string;
        interval?: PlanInterval;
      };
    }
  | {
      kind: "topup";
      values: Omit<NewTopupPlan, "priceCents" | "currency" | "stripeProductId"> & {
        priceCents?: number;
        currency?: string;
      };
    };

// ---------------------------------------------------------------------------------------------
// Reads

export function listSubscriptionPlans(db: Db): SubscriptionPlan[] {
  return db
    .select()
    .from(subscriptionPlans)
    .orderBy(asc(subscriptionPlans.planFamily), desc(subscriptionPlans.version))
    .all();
}

export function listTopupPlans(db: Db): TopupPlan[] {
  return db.select().from(topupPlans).orderBy(asc(topupPlans.credits), asc(topupPlans.id)).all();
}

export function getSubscriptionPlan(db: Db, id: number): SubscriptionPlan | undefined {
  return db.select().from(subscriptionPlans).where(eq(subscriptionPlans.id, id)).get();
}

export function getTopupPlan(db: Db, id: number): TopupPlan | undefined {
  return db.select().from(topupPlans).where(eq(topupPlans.id, id)).get();
}

const asSubscription = (plan: SubscriptionPlan | undefined): KindedPlan | undefined =>
  plan && { kind: "subscription", plan };
const asTopup = (plan: TopupPlan | undefined): KindedPlan | undefined => plan && { kind: "topup", plan };

export function getPlan(db: Db, kind: PlanKind, id: number): KindedPlan | undefined {
  return kind === "subscription" ? asSubscription(getSubscriptionPlan(db, id)) : asTopup(getTopupPlan(db, id));
}

/** The plan a Stripe price id belongs to, whatever its state (legacy and archived included). */
export function findPlanByStripePriceId(db: Db, stripePriceId: string): KindedPlan | undefined {
  return (
    asSubscription(
      db.select().from(subscriptionPlans).where(eq(subscriptionPlans.stripePriceId, stripePriceId)).get(),
    ) ?? asTopup(db.select().from(topupPlans).where(eq(topupPlans.stripePriceId, stripePriceId)).get())
  );
}

export function findPlanByInternalId(db: Db, kind: PlanKind, internalId: string): KindedPlan | undefined {
  return kind === "subscription"
    ? asSubscription(db.select().from(subscriptionPlans).where(eq(subscriptionPlans.internalId, internalId)).get())
    : asTopup(db.select().from(topupPlans).where(eq(topupPlans.internalId, internalId)).get());
}

export function findSubscriptionPlanByFamilyVersion(
  db: Db,
  planFamily: string,
  version: number,
): SubscriptionPlan | undefined {
  return db
    .select()
    .from(subscriptionPlans)
    .where(and(eq(subscriptionPlans.planFamily, planFamily), eq(subscriptionPlans.version, version)))
    .get();
}

/** 1 for a new family, else one more than the family's highest version. */
export function nextPlanVersion(db: Db, planFamily: string): number {
  const row = db
    .select({ v: max(subscriptionPlans.version) })
    .from(subscriptionPlans)
    .where(eq(subscriptionPlans.planFamily, planFamily))
    .get();
  return (row?.v ?? 0) + 1;
}

/**
 * The last id the plan table handed out (ids are AUTOINCREMENT: never reused, even after a
 * delete). Changes whenever a plan is inserted, so it tells a retry of a failed create from a
 * later create of the same plan.
 */
export function lastPlanId(db: Db, kind: PlanKind): number {
  const table = kind === "subscription" ? "subscription_plans" : "topup_plans";
  const row = db.$client.prepare("select seq from sqlite_sequence where name = ?").get(table) as
    { seq: number } | undefined;
  return row?.seq ?? 0;
}

export interface OfferedPlans {
  subscriptionPlans: SubscriptionPlan[];
  topupPlans: TopupPlan[];
}

/**
 * What a customer may buy now: active, not legacy, not archived — and with a Stripe price,
 * since a plan without one cannot be checked out. Cheapest first.
 */
export function listOfferedPlans(db: Db): OfferedPlans {
  return {
    subscriptionPlans: db
      .select()
      .from(subscriptionPlans)
      .where(isOffered(subscriptionPlans))
      .orderBy(...cheapestFirst(subscriptionPlans))
      .all(),
    topupPlans: db
      .select()
      .from(topupPlans)
      .where(isOffered(topupPlans))
      .orderBy(...cheapestFirst(topupPlans))
      .all(),
  };
}

type PlanTable = typeof subscriptionPlans | typeof topupPlans;

// The same rule twice: as SQL for listing, as a check on one plan (isPlanOffered).
const isOffered = (t: PlanTable) =>
  and(eq(t.isActive, true), eq(t.isLegacy, false), isNull(t.archivedAt), isNotNull(t.stripePriceId));

/** True when a customer may buy the plan now (see listOfferedPlans). */
export function isPlanOffered<P extends SubscriptionPlan | TopupPlan>(plan: P): plan is P & { stripePriceId: string } {
  return plan.isActive && !plan.isLegacy && !plan.archivedAt && !!plan.stripePriceId;
}

const cheapestFirst = (t: PlanTable) => [asc(t.priceCents), asc(t.credits), asc(t.id)];

// ---------------------------------------------------------------------------------------------
// Creating

/** Applies the defaults of a create request: next version, internalId, expiry days, flags. */
export function draftPlan(db: Db, create: CreatePlanInput): PlanDraft {
  if (create.kind === "subscription") {
    const i = create.input;
    const version = i.version ?? nextPlanVersion(db, i.planFamily);
    return {
      kind: "subscription",
      values: {
        internalId: i.internalId ?? `${i.planFamily}-v${version}`,
        planFamily: i.planFamily,
        version,
        interval: i.interval,
        rolloverPercent: i.rolloverPercent ?? 0,
        rolloverMaxCredits: i.rolloverMaxCredits ?? null,
        ...draftedForBothKinds("subscription", i),
      },
    };
  }
  return {
    kind: "topup",
    values: { internalId: create.input.internalId, ...draftedForBothKinds("topup", create.input) },
  };
}

function draftedForBothKinds(kind: PlanKind, i: CreatePlanInput["input"]) {
  return {
    publicName: i.publicName,
    stripePriceId: i.stripePriceId ?? null,
    credits: i.credits,
    priceCents: i.priceCents,
    currency: i.currency,
    creditExpiryDays: i.creditExpiryDays ?? DEFAULT_CREDIT_EXPIRY_DAYS[kind],
    isLegacy: i.isLegacy ?? false,
    isActive: i.isActive ?? true,
  };
}

/**
 * `conflict` (naming the field) when the plan would clash with an existing one. Checked before
 * any Stripe call so a doomed create leaves nothing behind in Stripe; insertPlan checks again.
 */
export function assertPlanIsNew(
  db: Db,
  plan: {
    kind: PlanKind;
    values: { internalId: string; stripePriceId: string | null; planFamily?: string; version?: number };
  },
): void {
  const { kind, values } = plan;
  // The family version first: a default internalId is derived from it, so it is the real clash.
  if (kind === "subscription" && values.planFamily !== undefined && values.version !== undefined) {
    if (findSubscriptionPlanByFamilyVersion(db, values.planFamily, values.version)) {
      throw new AppError(
        "conflict",
        `Version ${values.version} of plan family "${values.planFamily}" already exists; use version ${nextPlanVersion(db, values.planFamily)}.`,
        { field: "version" },
      );
    }
  }
  if (findPlanByInternalId(db, kind, values.internalId)) {
    throw new AppError("conflict", `A ${kindLabel(kind)} with internalId "${values.internalId}" already exists.`, {
      field: "internalId",
    });
  }
  if (values.stripePriceId && findPlanByStripePriceId(db, values.stripePriceId)) {
    throw new AppError("conflict", `Stripe price ${values.stripePriceId} already belongs to a plan.`, {
      field: "stripePriceId",
    });
  }
}

/**
 * Inserts a plan in its own IMMEDIATE transaction (a savepoint inside a caller's); `archived`
 * inserts it archived (inactive, not on sale).
 */
export function insertPlan(ctx: DbClock, plan: NewPlan, opts: { archived?: boolean } = {}): KindedPlan {
  const now = ctx.clock.now();
  return writeTransaction(ctx.db, (tx) => {
    assertPlanIsNew(ctx.db, plan);
    try {
      const timestamps = {
        createdAt: now,
        updatedAt: now,
        ...(opts.archived ? { isActive: false, archivedAt: now } : {}),
      };
      return plan.kind === "subscription"
        ? {
            kind: "subscription",
            plan: tx
              .insert(subscriptionPlans)
              .values({ ...plan.values, ...timestamps })
              .returning()
              .get(),
          }
        : {
            kind: "topup",
            plan: tx
              .insert(topupPlans)
              .values({ ...plan.values, ...timestamps })
              .returning()
              .get(),
          };
    } catch (e) {
      const field = uniqueViolationField(e);
      if (field)
        throw new AppError("conflict", `A ${kindLabel(plan.kind)} with this ${field} already exists.`, { field });
      throw e;
    }
  });
}

/** The API field a UNIQUE violation on a plan table is about, or null for any other error. */
export function uniqueViolationField(e: unknown): string | null {
  const message = e instanceof Error ? e.message : "";
  if (!message.includes("UNIQUE constraint failed")) return null;
  if (message.includes("stripe_price_id")) return "stripePriceId";
  if (message.includes("plan_family")) return "version";
  if (message.includes("internal_id")) return "internalId";
  return "id";
}

// ---------------------------------------------------------------------------------------------
// Editing

// Rollover terms are part of what a subscriber bought, like the credits: a change is a new version.
const FIXED_WITH_STRIPE_PRICE = [
  "credits",
  "priceCents",
  "currency",
  "interval",
  "rolloverPercent",
  "rolloverMaxCredits",
] as const;
const SUBSCRIPTION_ONLY = ["planFamily", "version", "interval", "rolloverPercent", "rolloverMaxCredits"];
const NEVER_EDITABLE = ["internalId", "planFamily", "version", "stripePriceId"] as const;

/**
 * The update a patch makes to a plan, after checking it changes only editable fields.
 * Credits, price, currency and interval are fixed once the plan has a Stripe price (a
 * different price is a new version); identity fields never change. Repeating a current value
 * is not a change. `creditExpiryDays` applies to grants made from now on.
 */
export function planUpdateFromPatch(current: KindedPlan, patch: PlanPatch): Partial<SubscriptionPlan> {
  const plan = current.plan as Partial<SubscriptionPlan> & TopupPlan;
  const relevant = (field: string) => current.kind === "subscription" || !SUBSCRIPTION_ONLY.includes(field);
  for (const field of NEVER_EDITABLE) {
    const value = patch[field];
    if (value !== undefined && relevant(field) && value !== plan[field]) {
      throw new AppError("invalid_request", `${field} cannot be changed.`, { field });
    }
  }
  for (const field of FIXED_WITH_STRIPE_PRICE) {
    const value = patch[field];
    if (value === undefined || !relevant(field) || value === plan[field]) continue;
    if (plan.stripePriceId) {
      const how =
        current.kind === "subscription"
          ? `create a new version of the plan family (POST with planFamily "${plan.planFamily}" and version ${(plan.version ?? 0) + 1})`
          : "create a new top-up plan";
      throw new AppError(
        "invalid_request",
        `Credits, price, currency, interval and rollover of a plan with a Stripe price are fixed; to change ${field}, ${how}, then mark this one legacy.`,
        { field },
      );
    }
  }
  const update: Partial<SubscriptionPlan> = {};
  if (patch.publicName !== undefined) update.publicName = patch.publicName;
  if (patch.isLegacy !== undefined) update.isLegacy = patch.isLegacy;
  if (patch.isActive !== undefined) {
    update.isActive = patch.isActive;
    // Reactivating an archived plan restores it.
    if (patch.isActive && plan.archivedAt) update.archivedAt = null;
  }
  if (patch.creditExpiryDays !== undefined) update.creditExpiryDays = patch.creditExpiryDays;
  if (!plan.stripePriceId) {
    for (const field of FIXED_WITH_STRIPE_PRICE) {
      const value = patch[field];
      if (value !== undefined && relevant(field)) (update as Record<string, unknown>)[field] = value;
    }
  }
  return update;
}

/** Applies a patch; returns the plan before and after. `not_found` for an unknown id. */
export function updatePlan(
  ctx: DbClock,
  kind: PlanKind,
  id: number,
  patch: PlanPatch,
): { before: KindedPlan; after: KindedPlan; changed: string[] } {
  return writeTransaction(ctx.db, (tx) => {
    const before = getPlan(ctx.db, kind, id);
    if (!before) throw planNotFound(kind, id);
    const update = planUpdateFromPatch(before, patch);
    const changed = Object.keys(update).filter(
      (k) => (update as Record<string, unknown>)[k] !== (before.plan as Record<string, unknown>)[k],
    );
    if (changed.length === 0) return { before, after: before, changed };
    const after = updatePlanRow(tx, kind, id, { ...update, updatedAt: ctx.clock.now() });
    return { before, after, changed };
  });
}

export type RemovePlanResult = { deleted: true; plan: KindedPlan } | { archived: true; plan: KindedPlan };

/**
 * Deletes a plan nothing refers to; archives (isActive false, archivedAt now) one that is
 * `inUse`: billing answers that (isPlanInUse, app/billing/subscription-state.server.ts), since the
 * subscriptions and purchases that point at a plan are its tables; the caller asks in the same
 * transaction. Archiving twice keeps the first archivedAt.
 */
export function removePlan(ctx: DbClock, kind: PlanKind, id: number, inUse: boolean): RemovePlanResult {
  return writeTransaction(ctx.db, (tx) => {
    const current = getPlan(ctx.db, kind, id);
    if (!current) throw planNotFound(kind, id);
    if (!inUse) {
      if (kind === "subscription") tx.delete(subscriptionPlans).where(eq(subscriptionPlans.id, id)).run();
      else tx.delete(topupPlans).where(eq(topupPlans.id, id)).run();
      // Its price is remembered: a payment still under way is honoured with these credits and
      // recorded on an archived plan, never re-created from the price's metadata as a plan on sale.
      if (current.plan.stripePriceId) {
        tx.insert(deletedPlanPrices)
          .values({
            stripePriceId: current.plan.stripePriceId,
            kind,
            plan: planJson(current) as unknown as Record<string, unknown>,
            deletedAt: ctx.clock.now(),
          })
          .onConflictDoNothing()
          .run();
      }
      return { deleted: true as const, plan: current };
    }
    const now = ctx.clock.now();
    const plan = updatePlanRow(tx, kind, id, {
      isActive: false,
      archivedAt: current.plan.archivedAt ?? now,
      updatedAt: now,
    });
    return { archived: true as const, plan };
  });
}

export type DeletedPlanPrice = typeof deletedPlanPrices.$inferSelect;

export function findDeletedPlanPrice(db: Db, stripePriceId: string): DeletedPlanPrice | undefined {
  return db.select().from(deletedPlanPrices).where(eq(deletedPlanPrices.stripePriceId, stripePriceId)).get();
}

/**
 * A deleted plan, back as an archived row (not on sale) so a payment for its price that was
 * already under way can be recorded against it with the credits it promised. Names and versions
 * taken since the delete are left alone: the archived row gets `<internalId>@<price id>` and the
 * family's next version instead. Runs in its own IMMEDIATE transaction (a savepoint in a caller's).
 */
export function insertArchivedFromDeleted(ctx: DbClock, deleted: DeletedPlanPrice): KindedPlan {
  const was = deleted.plan as unknown as SubscriptionPlanJson;
  return writeTransaction(ctx.db, (tx) => {
    const now = ctx.clock.now();
    const internalId = findPlanByInternalId(ctx.db, deleted.kind, was.internalId)
      ? `${was.internalId}@${deleted.stripePriceId}`
      : was.internalId;
    const common = {
      internalId,
      publicName: was.publicName,
      stripeProductId: was.stripeProductId,
      stripePriceId: deleted.stripePriceId,
      credits: was.credits,
      priceCents: was.priceCents,
      currency: was.currency,
      creditExpiryDays: was.creditExpiryDays,
      isLegacy: was.isLegacy,
      isActive: false,
      archivedAt: now,
      createdAt: now,
      updatedAt: now,
    };
    if (deleted.kind === "topup")
      return { kind: "topup", plan: tx.insert(topupPlans).values(common).returning().get() };
    const version = findSubscriptionPlanByFamilyVersion(ctx.db, was.planFamily, was.version)
      ? nextPlanVersion(ctx.db, was.planFamily)
      : was.version;
    return {
      kind: "subscription",
      plan: tx
        .insert(subscriptionPlans)
        .values({
          ...common,
          planFamily: was.planFamily,
          version,
          interval: was.interval,
          rolloverPercent: was.rolloverPercent ?? 0,
          rolloverMaxCredits: was.rolloverMaxCredits ?? null,
        })
        .returning()
        .get(),
    };
  });
}

/** Sets columns of one plan row (inside the caller's transaction) and returns the row after. */
function updatePlanRow(
  tx: Pick<Db, "update">,
  kind: PlanKind,
  id: number,
  values: Partial<SubscriptionPlan>,
): KindedPlan {
  return kind === "subscription"
    ? { kind, plan: tx.update(subscriptionPlans).set(values).where(eq(subscriptionPlans.id, id)).returning().get() }
    : { kind, plan: tx.update(topupPlans).set(values).where(eq(topupPlans.id, id)).returning().get() };
}

// ---------------------------------------------------------------------------------------------
// Presentation

/** A plan as the admin API and pages show it: the row without timestamps, archivedAt as ISO text. */
export type SubscriptionPlanJson = Omit<SubscriptionPlan, "archivedAt" | "createdAt" | "updatedAt"> & {
  archivedAt: string | null;
};
export type TopupPlanJson = Omit<
  SubscriptionPlanJson,
  "planFamily" | "version" | "interval" | "rolloverPercent" | "rolloverMaxCredits"
>;

export function topupPlanJson(p: TopupPlan): TopupPlanJson {
  return {
    id: p.id,
    internalId: p.internalId,
    publicName: p.publicName,
    stripePriceId: p.stripePriceId,
    stripeProductId: p.stripeProductId,
    credits: p.credits,
    priceCents: p.priceCents,
    currency: p.currency,
    creditExpiryDays: p.creditExpiryDays,
    isLegacy: p.isLegacy,
    isActive: p.isActive,
    archivedAt: p.archivedAt ? p.archivedAt.toISOString() : null,
  };
}

/** A top-up's fields plus family, version and interval, keeping the API's key order. */
export function subscriptionPlanJson(p: SubscriptionPlan): SubscriptionPlanJson {
  const { id, internalId, publicName, stripePriceId, stripeProductId, credits, ...rest } = topupPlanJson(p);
  return {
    id,
    internalId,
    planFamily: p.planFamily,
    version: p.version,
    publicName,
    stripePriceId,
    stripeProductId,
    credits,
    interval: p.interval,
    rolloverPercent: p.rolloverPercent,
    rolloverMaxCredits: p.rolloverMaxCredits,
    ...rest,
  };
}

export function planJson(p: KindedPlan): SubscriptionPlanJson | TopupPlanJson {
  return p.kind === "subscription" ? subscriptionPlanJson(p.plan) : topupPlanJson(p.plan);
}

/** "subscription_plan:3" / "topup_plan:7" — the audit log's subject for a plan. */
export function planSubject(kind: PlanKind, id: number): string {
  return `${kind === "subscription" ? "subscription_plan" : "topup_plan"}:${id}`;
}

export function planNotFound(kind: PlanKind, id: number | string): AppError {
  return new AppError("not_found", `No ${kindLabel(kind)} with id ${id}.`);
}
