/**
 * The rate card's catalogue: features, their price versions and each subscription plan version's
 * terms for them. Admin changes are audited in the transaction that makes them.
 *
 * Invariants kept here:
 * - a price row is never updated or deleted; a new price is a new version (1, 2, … per feature),
 *   so usage always names the price it was charged at;
 * - a feature's key never changes; a feature is archived, never deleted (usage names it).
 */
import type { DbClock } from "../utils/context.server";
import { AppError } from "../utils/errors";
import { writeTransaction } from "../../db/transaction";
import {
  audit,
  requireFeature,
  statementsFor,
  type FeatureRow,
  type PlanFeatureRow,
  type PriceRow,
  type Statements,
} from "./store.server";
import type { CreateFeatureInput, NewPriceInput, PlanFeatureInput, UpdateFeatureInput } from "./validation";
import type { Price } from "./pricing";

/** A price version as the API shows it. */
export interface PriceView {
  version: number;
  credits: number;
  perUnits: number;
  effectiveAt: string;
  createdAt: string;
}

/** A feature with the base price in effect now and every base price it had or will have. */
export interface FeatureView {
  key: string;
  name: string;
  unitName: string;
  description: string | null;
  archived: boolean;
  archivedAt: string | null;
  /** The base price in effect now. */
  price: PriceView;
  /** Every base price version, latest effectiveAt first (a scheduled one is first until it starts). */
  prices: PriceView[];
  createdAt: string;
  updatedAt: string;
}

/** A plan version's terms for one feature (only features it sets; the others are on base terms). */
export interface PlanFeatureView {
  feature: string;
  enabled: boolean;
  /** The plan's own price; null = the feature's base price. */
  price: PriceView | null;
  /** Free units per billing period, used before credits; reset at renewal. */
  includedUnits: number;
}

const iso = (atMs: number) => new Date(atMs).toISOString();

function toPriceView(row: PriceRow): PriceView {
  return {
    version: row.version,
    credits: row.credits,
    perUnits: row.per_units,
    effectiveAt: iso(row.effective_at),
    createdAt: iso(row.created_at),
  };
}

export function priceOf(row: PriceRow): Price {
  return { credits: row.credits, perUnits: row.per_units };
}

/** The base price in effect at `nowMs` (a feature always has one from its creation on). */
export function basePriceAt(s: Statements, featureId: number, nowMs: number): PriceRow {
  const row = s.basePriceAt.get(featureId, nowMs);
  if (row) return row;
  // Only a price scheduled for later exists (cannot happen through the API): the earliest one.
  const all = s.basePrices.all(featureId);
  if (all.length === 0) throw new Error(`features: feature ${featureId} has no price`);
  return all[all.length - 1];
}

function toFeatureView(s: Statements, row: FeatureRow, nowMs: number): FeatureView {
  return {
    key: row.key,
    name: row.name,
    unitName: row.unit_name,
    description: row.description,
    archived: row.archived_at !== null,
    archivedAt: row.archived_at === null ? null : iso(row.archived_at),
    price: toPriceView(basePriceAt(s, row.id, nowMs)),
    prices: s.basePrices.all(row.id).map(toPriceView),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function insertPrice(
  s: Statements,
  featureId: number,
  planId: number | null,
  price: Price,
  atMs: number,
  actor: string | null,
  nowMs: number,
): PriceRow {
  const version = s.nextVersion.get(featureId);
  const { lastInsertRowid } = s.insertPrice.run(
    featureId,
    version,
    planId,
    price.credits,
    price.perUnits,
    atMs,
    actor,
    nowMs,
  );
  return s.priceById.get(Number(lastInsertRowid))!;
}

/** Every feature (archived ones too), by key, with its price now and its price history. */
export function listFeatures(ctx: DbClock): FeatureView[] {
  const s = statementsFor(ctx.db);
  const nowMs = ctx.clock.now().getTime();
  return s.allFeatures.all().map((row) => toFeatureView(s, row, nowMs));
}

/** One feature by key, or undefined. */
export function getFeature(ctx: DbClock, key: string): FeatureView | undefined {
  const s = statementsFor(ctx.db);
  const row = s.featureByKey.get(key);
  return row && toFeatureView(s, row, ctx.clock.now().getTime());
}

/** A new feature with its first price (version 1, in effect now); `conflict` when the key is taken. */
export function createFeature(ctx: DbClock, input: CreateFeatureInput, actor: string): FeatureView {
  const s = statementsFor(ctx.db);
  return writeTransaction(ctx.db, () => {
    if (s.featureByKey.get(input.key)) {
      throw new AppError("conflict", `A feature with key "${input.key}" already exists.`, { field: "key" });
    }
    const nowMs = ctx.clock.now().getTime();
    const { lastInsertRowid } = s.insertFeature.run(
      input.key,
      input.name,
      input.unitName,
      input.description ?? null,
      nowMs,
      nowMs,
    );
    const id = Number(lastInsertRowid);
    insertPrice(s, id, null, input.price, nowMs, actor, nowMs);
    const view = toFeatureView(s, s.featureById.get(id)!, nowMs);
    audit(s, actor, "feature.created", `feature:${input.key}`, { feature: view }, nowMs);
    return view;
  });
}

/** Changes name, unitName, description or archived; `not_found` for an unknown key. */
export function updateFeature(ctx: DbClock, key: string, input: UpdateFeatureInput, actor: string): FeatureView {
  const s = statementsFor(ctx.db);
  return writeTransaction(ctx.db, () => {
    const row = requireFeature(s, key);
    const nowMs = ctx.clock.now().getTime();
    const next = {
      name: input.name ?? row.name,
      unitName: input.unitName ?? row.unit_name,
      description: input.description === undefined ? row.description : input.description,
      archivedAt: input.archived === undefined ? row.archived_at : input.archived ? (row.archived_at ?? nowMs) : null,
    };
    const before = {
      name: row.name,
      unitName: row.unit_name,
      description: row.description,
      archived: row.archived_at !== null,
    };
    const after = {
      name: next.name,
      unitName: next.unitName,
      description: next.description,
      archived: next.archivedAt !== null,
    };
    const changed = (Object.keys(before) as (keyof typeof before)[]).filter((k) => before[k] !== after[k]);
    if (changed.length === 0) return toFeatureView(s, row, nowMs);
    s.updateFeature.run(next.name, next.unitName, next.description, next.archivedAt, nowMs, row.id);
    audit(s, actor, "feature.updated", `feature:${key}`, { changed, before, after }, nowMs);
    return toFeatureView(s, s.featureById.get(row.id)!, nowMs);
  });
}

/**
 * A new base price version from `effectiveAt` (default now; never in the past: usage already
 * recorded keeps the price it was charged at). Returns the new version.
 */
export function addFeaturePrice(ctx: DbClock, key: string, input: NewPriceInput, actor: string): PriceView {
  const s = statementsFor(ctx.db);
  return writeTransaction(ctx.db, () => {
    const row = requireFeature(s, key);
    const nowMs = ctx.clock.now().getTime();
    const atMs = input.effectiveAt ? input.effectiveAt.getTime() : nowMs;
    if (atMs < nowMs) {
      throw new AppError(
        "invalid_request",
        "`effectiveAt` must not be in the past: usage already recorded keeps its price.",
        {
          field: "effectiveAt",
        },
      );
    }
    const price = insertPrice(s, row.id, null, input, atMs, actor, nowMs);
    const view = toPriceView(price);
    audit(s, actor, "feature.price_added", `feature:${key}`, { price: view }, nowMs);
    return view;
  });
}

function toPlanFeatureView(s: Statements, row: PlanFeatureRow): PlanFeatureView {
  const feature = s.featureById.get(row.feature_id)!;
  const price = row.price_id === null ? null : s.priceById.get(row.price_id)!;
  return {
    feature: feature.key,
    enabled: row.enabled === 1,
    price: price ? toPriceView(price) : null,
    includedUnits: row.included_units,
  };
}

/** A subscription plan version's feature terms (the features it sets), by feature key. */
export function listPlanFeatures(ctx: Pick<DbClock, "db">, planId: number): PlanFeatureView[] {
  const s = statementsFor(ctx.db);
  return s.planFeatures
    .all(planId)
    .map((row) => toPlanFeatureView(s, row))
    .sort((a, b) => (a.feature < b.feature ? -1 : 1));
}

/**
 * Sets a plan version's terms for one feature in place (fields left out keep their value; a
 * price equal to the current one keeps its version). It does not ask whether the plan has
 * subscribers: billing decides that and makes a new plan version first (copyPlanFeatures).
 * Returns the terms and whether anything changed. Audited by the caller's plan change.
 */
export function setPlanFeature(
  ctx: DbClock,
  planId: number,
  key: string,
  input: PlanFeatureInput,
  actor: string | null = null,
): { terms: PlanFeatureView; changed: boolean } {
  const s = statementsFor(ctx.db);
  return writeTransaction(ctx.db, () => {
    const feature = requireFeature(s, key);
    const nowMs = ctx.clock.now().getTime();
    const current = s.planFeature.get(planId, feature.id);
    const currentPrice = current?.price_id ? s.priceById.get(current.price_id)! : null;
    let priceId = current?.price_id ?? null;
    if (input.price === null) priceId = null;
    else if (input.price !== undefined) {
      const same =
        currentPrice && currentPrice.credits === input.price.credits && currentPrice.per_units === input.price.perUnits;
      if (!same) priceId = insertPrice(s, feature.id, planId, input.price, nowMs, actor, nowMs).id;
    }
    const enabled = input.enabled ?? (current ? current.enabled === 1 : true);
    const includedUnits = input.includedUnits ?? current?.included_units ?? 0;
    const changed =
      !current ||
      (current.enabled === 1) !== enabled ||
      current.price_id !== priceId ||
      current.included_units !== includedUnits;
    if (changed) s.upsertPlanFeature.run(planId, feature.id, enabled ? 1 : 0, priceId, includedUnits, nowMs);
    return { terms: toPlanFeatureView(s, s.planFeature.get(planId, feature.id)!), changed };
  });
}

/**
 * Whether applying `input` would change the plan's terms for the feature (unknown key → not_found):
 * billing asks before making a new plan version for a plan with subscribers.
 */
export function wouldChangePlanFeature(
  ctx: Pick<DbClock, "db">,
  planId: number,
  key: string,
  input: PlanFeatureInput,
): boolean {
  const s = statementsFor(ctx.db);
  const feature = requireFeature(s, key);
  const current = s.planFeature.get(planId, feature.id);
  if (!current) return true;
  if (input.enabled !== undefined && input.enabled !== (current.enabled === 1)) return true;
  if (input.includedUnits !== undefined && input.includedUnits !== current.included_units) return true;
  if (input.price === null) return current.price_id !== null;
  if (input.price !== undefined) {
    const price = current.price_id ? s.priceById.get(current.price_id)! : null;
    return !price || price.credits !== input.price.credits || price.per_units !== input.price.perUnits;
  }
  return false;
}

/** A new plan version starts with its predecessor's feature terms (same price versions). */
export function copyPlanFeatures(ctx: DbClock, fromPlanId: number, toPlanId: number): void {
  const s = statementsFor(ctx.db);
  writeTransaction(ctx.db, () => {
    s.copyPlanFeatures.run(toPlanId, ctx.clock.now().getTime(), fromPlanId);
  });
}
