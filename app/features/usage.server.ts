/**
 * Using features: check (writes nothing), record usage, hold by feature and capture. Each use is
 * priced by the user's terms now (their plan version's, else the base price), spends included
 * units first, then charges credits through the meter at that price (./pricing.ts), and the
 * credits are ONE deduction of the credit engine whose ledger entry names the feature, the
 * quantity, the price version and the carried remainder (UsageTag).
 */
import {
  captureHold,
  deductCredits,
  getBalance,
  getHold,
  holdCredits,
  releaseHold,
  type Allocation,
  type HoldView,
  type UsageTag,
} from "../credits/index.server";
import type { DbClock } from "../utils/context.server";
import { AppError } from "../utils/errors";
import { jsonHash } from "../utils/json";
import { writeTransaction } from "../../db/transaction";
import { basePriceAt, priceOf } from "./catalog.server";
import { carriedUnits, carriesRemainder, charge, EMPTY_METER, worstCaseCredits, type Meter } from "./pricing";
import {
  featureNotFound,
  statementsFor,
  type FeatureRow,
  type PriceRow,
  type Statements,
  type UsageRow,
} from "./store.server";
import { MAX_UNITS } from "./validation";

/** The subscription terms a user is on now: their plan version and its current billing period. */
export interface PlanTerms {
  planId: number;
  /** The billing period's start and end (ms): included units are counted per period start. */
  periodStartMs: number;
  periodEndMs: number;
}

/**
 * What usage needs beyond the credit engine's context: the user's plan terms now (null = no
 * subscription: base prices, no included units). Billing supplies it (app/billing/usage.server.ts
 * usageContext), as the subscriptions are its tables.
 */
export type UsageCtx = DbClock & { planTermsOf(userId: number): PlanTerms | null };

type UsageRefusal = "insufficient_credits" | "feature_not_included" | "feature_archived";

export interface CheckInput {
  userId: number;
  feature: string;
  quantity: number;
}

/** POST /api/v1/users/:userId/check's answer. */
export interface CheckResult {
  allowed: boolean;
  /** Credits this use would cost now (after included units and the carried remainder). */
  credits: number;
  /** Spendable credits now. */
  balance: number;
  /** Included units left this billing period (0 without any). */
  includedRemaining: number;
  reason?: UsageRefusal;
}

export interface UsageInput {
  userId: number;
  feature: string;
  quantity: number;
  metadata?: Record<string, unknown> | null;
  /** Caller-namespaced; a replay answers the original use (idempotency_conflict for another request). */
  idempotencyKey?: string | null;
  actor?: string | null;
}

interface UsageDeduction {
  id: number;
  amount: number;
  balance: number;
  allocations: Allocation[];
}

/** POST /api/v1/users/:userId/usage's answer (201). */
export interface UsageResult {
  /** The usage record's id. */
  id: number;
  feature: string;
  quantity: number;
  /** Credits charged (0 when included units or the carried remainder covered it). */
  credits: number;
  includedUnitsUsed: number;
  /** Spendable credits after the use. */
  balance: number;
  /** The ledger deduction; null when nothing was charged. */
  deduction: UsageDeduction | null;
  /** The price version charged at (also on the ledger entry). */
  priceVersion: number;
  replayed: boolean;
}

/** The terms one use of a feature is priced by. */
interface Terms {
  feature: FeatureRow;
  refusal: "feature_not_included" | "feature_archived" | null;
  price: PriceRow;
  /** Period start when the plan includes units of the feature, else null. */
  periodStartMs: number | null;
  includedRemaining: number;
}

function checkQuantity(value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > MAX_UNITS) {
    throw new AppError("invalid_request", `\`quantity\` must be an integer from 1 to ${MAX_UNITS}.`, {
      field: "quantity",
    });
  }
  return value;
}

function termsFor(s: Statements, ctx: UsageCtx, userId: number, key: string, nowMs: number): Terms {
  const plan = ctx.planTermsOf(userId);
  const row = s.usageTerms.get({
    key,
    planId: plan?.planId ?? null,
    nowMs,
    userId,
    periodStart: plan?.periodStartMs ?? null,
  });
  if (!row) throw featureNotFound(key);
  const [id, fkey, name, unitName, description, archivedAt, createdAt, updatedAt, enabled, includedUnits] = row;
  const feature: FeatureRow = {
    id,
    key: fkey,
    name,
    unit_name: unitName,
    description,
    archived_at: archivedAt,
    created_at: createdAt,
    updated_at: updatedAt,
  };
  const price: PriceRow =
    row[10] === null
      ? basePriceAt(s, id, nowMs) // only prices scheduled for later: basePriceAt's fallback
      : {
          id: row[10],
          feature_id: row[11],
          version: row[12],
          plan_id: row[13],
          credits: row[14],
          per_units: row[15],
          effective_at: row[16],
          created_at: row[17],
        };
  const inPlan = plan !== null && enabled !== null;
  const refusal = archivedAt !== null ? "feature_archived" : inPlan && enabled === 0 ? "feature_not_included" : null;
  // A plan that leaves the feature out includes none of its units (as includedUnitsLeft shows).
  if (!inPlan || enabled === 0 || !includedUnits) {
    return { feature, refusal, price, periodStartMs: null, includedRemaining: 0 };
  }
  return {
    feature,
    refusal,
    price,
    periodStartMs: plan.periodStartMs,
    includedRemaining: Math.max(0, includedUnits - (row[18] ?? 0)),
  };
}

interface Quote {
  includedUnitsUsed: number;
  credits: number;
  meter: Meter;
  /** The meter before: `meter` is this same object when nothing moves it (no unit charged, or a price that keeps no meter). */
  before: Meter;
}

/** What `quantity` units cost the user now under `terms`: included units first, then the meter. */
function quote(s: Statements, userId: number, terms: Terms, quantity: number): Quote {
  const includedUnitsUsed = Math.min(quantity, terms.includedRemaining);
  const price = priceOf(terms.price);
  // Whole credits per unit: every use costs the same whatever came before (no meter is kept).
  const metered = carriesRemainder(price);
  const row = metered ? s.meter.get(userId, terms.price.id) : undefined;
  const before: Meter = row ? { units: row[0], credits: row[1] } : EMPTY_METER;
  const charged = quantity - includedUnitsUsed;
  if (charged === 0) return { includedUnitsUsed, credits: 0, meter: before, before };
  const next = charge(before, price, charged);
  return { includedUnitsUsed, credits: next.credits, meter: metered ? next.meter : before, before };
}

function refuse(reason: "feature_not_included" | "feature_archived", key: string): AppError {
  return reason === "feature_archived"
    ? new AppError("feature_archived", `Feature "${key}" is archived and can no longer be used.`, { field: "feature" })
    : new AppError("feature_not_included", `Feature "${key}" is not included in this customer's plan.`, {
        field: "feature",
      });
}

function spendableNow(ctx: DbClock, userId: number): number {
  return getBalance(ctx, userId, { grantLimit: 0 }).balance;
}

/**
 * Whether the user may use `quantity` units of the feature nowMs, what it would cost and what they
 * have: writes nothing (beyond recording a lapsed hold, as any balance read does). Unknown user or
 * feature → not_found.
 */
export function checkUsage(ctx: UsageCtx, input: CheckInput): CheckResult {
  const quantity = checkQuantity(input.quantity);
  const s = statementsFor(ctx.db);
  const balance = spendableNow(ctx, input.userId); // not_found for an unknown user
  const nowMs = ctx.clock.now().getTime();
  const terms = termsFor(s, ctx, input.userId, input.feature, nowMs);
  const { includedRemaining } = terms;
  if (terms.refusal) return { allowed: false, credits: 0, balance, includedRemaining, reason: terms.refusal };
  const { credits } = quote(s, input.userId, terms, quantity);
  if (credits > balance) return { allowed: false, credits, balance, includedRemaining, reason: "insufficient_credits" };
  return { allowed: true, credits, balance, includedRemaining };
}

function tagOf(terms: Terms, quantity: number, q: Quote): UsageTag {
  return {
    feature: terms.feature.key,
    quantity,
    priceVersion: terms.price.version,
    includedUnitsUsed: q.includedUnitsUsed,
    carriedUnits: carriedUnits(q.meter, priceOf(terms.price)),
  };
}

/** Records what the use took: the meter, the included units and the usage row; returns its id. */
function recordRow(
  s: Statements,
  userId: number,
  terms: Terms,
  quantity: number,
  q: Quote,
  link: {
    entryId: number | null;
    holdId: number | null;
    key: string | null;
    hash: string | null;
    metadata: string | null;
  },
  nowMs: number,
): number {
  if (q.meter !== q.before) s.setMeter.run(userId, terms.price.id, q.meter.units, q.meter.credits);
  if (q.includedUnitsUsed > 0)
    s.addIncludedUsed.run(userId, terms.feature.id, terms.periodStartMs!, q.includedUnitsUsed);
  const { lastInsertRowid } = s.insertUsage.run(
    userId,
    terms.feature.id,
    terms.price.id,
    quantity,
    q.includedUnitsUsed,
    q.credits,
    link.entryId,
    link.holdId,
    link.key,
    link.hash,
    link.metadata,
    nowMs,
  );
  return Number(lastInsertRowid);
}

function replayOf(ctx: DbClock, s: Statements, row: UsageRow): UsageResult {
  const feature = s.featureById.get(row.feature_id)!;
  const price = s.priceById.get(row.price_id)!;
  const balance = spendableNow(ctx, row.user_id);
  const deduction = row.entry_id === null ? null : { id: row.entry_id, amount: row.credits, balance, allocations: [] };
  return {
    id: row.id,
    feature: feature.key,
    quantity: row.quantity,
    credits: row.credits,
    includedUnitsUsed: row.included_units,
    balance,
    deduction,
    priceVersion: price.version,
    replayed: true,
  };
}

/**
 * Records `quantity` units of the feature used by the user nowMs, in ONE write transaction:
 * included units first, then credits at the price in effect (carried remainder included) as one
 * deduction tagged with the feature, quantity and price version. Refused with nothing written:
 * not_found (user, feature), feature_archived / feature_not_included (403), insufficient_credits
 * (402, extra {balance, requested}). A replayed idempotency key answers the original use (its
 * deduction's allocations are not repeated: the API layer replays its stored answer whole).
 */
export function recordUsage(ctx: UsageCtx, input: UsageInput): UsageResult {
  const quantity = checkQuantity(input.quantity);
  const key = input.idempotencyKey ?? null;
  const metadata = input.metadata ?? null;
  const hash = key === null ? null : jsonHash({ op: "usage", feature: input.feature, quantity, metadata });
  const s = statementsFor(ctx.db);
  return writeTransaction(ctx.db, (): UsageResult => {
    if (key !== null) {
      const replay = s.usageByKey.get(input.userId, key);
      if (replay) {
        if (replay.request_hash !== hash) {
          throw new AppError("idempotency_conflict", "This idempotency key was already used for a different request.", {
            field: "idempotencyKey",
          });
        }
        return replayOf(ctx, s, replay);
      }
    }
    const nowMs = ctx.clock.now().getTime();
    const terms = termsFor(s, ctx, input.userId, input.feature, nowMs);
    if (terms.refusal) {
      spendableNow(ctx, input.userId); // an unknown user is not_found first
      throw refuse(terms.refusal, input.feature);
    }
    const q = quote(s, input.userId, terms, quantity);
    let deduction: UsageDeduction | null = null;
    if (q.credits > 0) {
      const d = deductCredits(ctx, {
        userId: input.userId,
        amount: q.credits,
        reason: `${terms.feature.name} × ${quantity}`,
        metadata,
        actor: input.actor ?? null,
        usage: tagOf(terms, quantity, q),
      });
      deduction = { id: d.id, amount: d.amount, balance: d.balance, allocations: d.allocations };
    }
    const balance = deduction ? deduction.balance : spendableNow(ctx, input.userId);
    const link = {
      entryId: deduction?.id ?? null,
      holdId: null,
      key,
      hash,
      metadata: metadata === null ? null : JSON.stringify(metadata),
    };
    const id = recordRow(s, input.userId, terms, quantity, q, link, nowMs);
    return {
      id,
      feature: terms.feature.key,
      quantity,
      credits: q.credits,
      includedUnitsUsed: q.includedUnitsUsed,
      balance,
      deduction,
      priceVersion: terms.price.version,
      replayed: false,
    };
  });
}

export interface FeatureHoldInput {
  userId: number;
  feature: string;
  quantity: number;
  expiresInSeconds?: number | null;
  reason?: string | null;
  metadata?: Record<string, unknown> | null;
  idempotencyKey?: string | null;
  actor?: string | null;
}

/** A feature hold: the credit hold, and what it holds. */
export interface FeatureHoldResult {
  hold: HoldView & { feature: string; quantity: number; priceVersion: number };
  balance: number;
  held: number;
  replayed: boolean;
}

/**
 * The price a keyed hold by feature was made at, when the key was used before: a replay is the
 * same feature and quantity (it answers the original whatever the price or the feature's state
 * nowMs); anything else under the key → idempotency_conflict.
 */
function heldPriceOfKey(s: Statements, input: FeatureHoldInput, quantity: number): PriceRow | undefined {
  if (typeof input.idempotencyKey !== "string") return undefined;
  const prior = s.holdByKey.get(input.userId, input.idempotencyKey);
  if (!prior) return undefined;
  if (
    prior.feature_id === null ||
    prior.feature_id !== s.featureByKey.get(input.feature)?.id ||
    prior.quantity !== quantity
  ) {
    throw new AppError("idempotency_conflict", "This idempotency key was already used for a different request.", {
      field: "idempotencyKey",
    });
  }
  return s.priceById.get(prior.price_id!)!;
}

/**
 * Reserves the worst-case cost of `quantity` units at the user's price now (ceil(quantity ×
 * credits ÷ perUnits): included units and the carried remainder are applied at capture, so the
 * capture never costs more than the hold). Refusals as recordUsage; a feature whose worst case
 * is 0 credits (a free price) has nothing to hold → invalid_request. A replayed key answers the
 * original hold (checked first, as for usage).
 */
export function holdFeature(ctx: UsageCtx, input: FeatureHoldInput): FeatureHoldResult {
  const quantity = checkQuantity(input.quantity);
  const s = statementsFor(ctx.db);
  return writeTransaction(ctx.db, (): FeatureHoldResult => {
    const nowMs = ctx.clock.now().getTime();
    const heldPrice = heldPriceOfKey(s, input, quantity);
    const terms = termsFor(s, ctx, input.userId, input.feature, nowMs);
    if (heldPrice) terms.price = heldPrice;
    else if (terms.refusal) {
      spendableNow(ctx, input.userId);
      throw refuse(terms.refusal, input.feature);
    }
    const amount = worstCaseCredits(priceOf(terms.price), quantity);
    if (amount === 0) {
      throw new AppError("invalid_request", `Feature "${input.feature}" costs no credits: there is nothing to hold.`, {
        field: "feature",
      });
    }
    const result = holdCredits(ctx, {
      userId: input.userId,
      amount,
      expiresInSeconds: input.expiresInSeconds,
      reason: input.reason ?? `${terms.feature.name} × ${quantity}`,
      metadata: input.metadata,
      idempotencyKey: input.idempotencyKey,
      actor: input.actor,
    });
    if (!result.replayed) s.insertFeatureHold.run(result.hold.id, terms.feature.id, terms.price.id, quantity);
    const fh = s.featureHold.get(result.hold.id);
    if (!fh) {
      throw new AppError("idempotency_conflict", "This idempotency key was already used for a different request.", {
        field: "idempotencyKey",
      });
    }
    const price = s.priceById.get(fh.price_id)!;
    const feature = s.featureById.get(fh.feature_id)!;
    return {
      ...result,
      hold: { ...result.hold, feature: feature.key, quantity: fh.quantity, priceVersion: price.version },
    };
  });
}

/** What a hold holds when it was made by feature, or undefined for a plain credit hold. */
export function featureHoldOf(
  ctx: Pick<DbClock, "db">,
  holdId: number,
): { feature: string; quantity: number; priceVersion: number } | undefined {
  const s = statementsFor(ctx.db);
  const fh = s.featureHold.get(holdId);
  if (!fh) return undefined;
  return {
    feature: s.featureById.get(fh.feature_id)!.key,
    quantity: fh.quantity,
    priceVersion: s.priceById.get(fh.price_id)!.version,
  };
}

export interface FeatureCaptureInput {
  holdId: number;
  /** 1 … the held quantity; default all of it. */
  quantity?: number | null;
  actor?: string | null;
}

export interface FeatureCaptureResult {
  hold: HoldView & { feature: string; quantity: number; priceVersion: number };
  usage: UsageResult;
  held: number;
}

/**
 * Captures `quantity` units of a feature hold at the HELD price: the user's included units left
 * now first, then the meter at that price; the credits are captured from the hold (the rest goes
 * back), or, when nothing is owed, the hold is released. A plain credit hold → invalid_request;
 * a hold no longer held → conflict (so a second capture never records the use twice).
 */
export function captureFeatureHold(ctx: UsageCtx, input: FeatureCaptureInput): FeatureCaptureResult {
  const s = statementsFor(ctx.db);
  return writeTransaction(ctx.db, (): FeatureCaptureResult => {
    const fh = s.featureHold.get(input.holdId);
    if (!fh) {
      throw new AppError("invalid_request", `Hold ${input.holdId} was not made by feature: capture it by \`amount\`.`, {
        field: "quantity",
      });
    }
    const quantity =
      input.quantity === undefined || input.quantity === null ? fh.quantity : checkQuantity(input.quantity);
    if (quantity > fh.quantity) {
      throw new AppError("invalid_request", `\`quantity\` must be at most the ${fh.quantity} units held.`, {
        field: "quantity",
      });
    }
    const feature = s.featureById.get(fh.feature_id)!;
    const price = s.priceById.get(fh.price_id)!;
    const nowMs = ctx.clock.now().getTime();
    // Included units as the user's plan has them now; the price is the held one.
    const userId = userIdOfHold(ctx, input.holdId);
    const current = termsFor(s, ctx, userId, feature.key, nowMs);
    const terms: Terms = { ...current, price, refusal: null };
    const q = quote(s, userId, terms, quantity);
    const tag = tagOf(terms, quantity, q);
    let deduction: UsageDeduction | null = null;
    let hold: HoldView;
    let held: number;
    let balance: number;
    if (q.credits > 0) {
      const c = captureHold(ctx, { holdId: input.holdId, amount: q.credits, actor: input.actor, usage: tag });
      deduction = {
        id: c.deduction.id,
        amount: c.deduction.amount,
        balance: c.deduction.balance,
        allocations: c.deduction.allocations,
      };
      ({ hold, held } = c);
      balance = c.deduction.balance;
    } else {
      const r = releaseHold(ctx, { holdId: input.holdId, actor: input.actor });
      ({ hold, held, balance } = r);
    }
    const link = { entryId: deduction?.id ?? null, holdId: input.holdId, key: null, hash: null, metadata: null };
    const id = recordRow(s, userId, terms, quantity, q, link, nowMs);
    const usage: UsageResult = {
      id,
      feature: feature.key,
      quantity,
      credits: q.credits,
      includedUnitsUsed: q.includedUnitsUsed,
      balance,
      deduction,
      priceVersion: price.version,
      replayed: false,
    };
    return { hold: { ...hold, feature: feature.key, quantity: fh.quantity, priceVersion: price.version }, usage, held };
  });
}

function userIdOfHold(ctx: DbClock, holdId: number): number {
  const hold = getHold(ctx, holdId);
  if (!hold) throw new AppError("not_found", `No hold with id ${holdId}.`);
  return hold.userId;
}
