/**
 * The rate card's prepared statements (cached per connection) and row types. Internal: import
 * from ./index.server instead.
 */
import type Database from "better-sqlite3";
import type { Db } from "../../db/client";
import { perConnection } from "../../db/per-connection";
import { MS_PER_DAY } from "../utils/clock";
import { AppError } from "../utils/errors";

export interface FeatureRow {
  id: number;
  key: string;
  name: string;
  unit_name: string;
  description: string | null;
  archived_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface PriceRow {
  id: number;
  feature_id: number;
  version: number;
  plan_id: number | null;
  credits: number;
  per_units: number;
  effective_at: number;
  created_at: number;
}

export interface PlanFeatureRow {
  plan_id: number;
  feature_id: number;
  enabled: number;
  price_id: number | null;
  included_units: number;
  updated_at: number;
}

export interface UsageRow {
  id: number;
  user_id: number;
  feature_id: number;
  price_id: number;
  quantity: number;
  included_units: number;
  credits: number;
  entry_id: number | null;
  hold_id: number | null;
  idempotency_key: string | null;
  request_hash: string | null;
  metadata: string | null;
  created_at: number;
}

/** usageTerms's row: the feature's 8 columns, plan terms (enabled, included units), the price's 8, included units used. */
type UsageTermsRow = [
  number,
  string,
  string,
  string,
  string | null,
  number | null,
  number,
  number,
  number | null,
  number | null,
  number | null,
  number,
  number,
  number | null,
  number,
  number,
  number,
  number,
  number | null,
];

const FEATURE_COLUMNS = "id, key, name, unit_name, description, archived_at, created_at, updated_at";
/** Usage by UTC day, feature and customer (the admin's report caches days: ./reports.server.ts). */
const USAGE_DAY_SUMS = `select cast(created_at / ${MS_PER_DAY} as integer) as d, feature_id, user_id, sum(quantity),
  sum(credits), sum(included_units), count(*)`;
const PRICE_COLUMNS = "id, feature_id, version, plan_id, credits, per_units, effective_at, created_at";
const USAGE_COLUMNS = `id, user_id, feature_id, price_id, quantity, included_units, credits, entry_id, hold_id,
  idempotency_key, request_hash, metadata, created_at`;

function prepareAll(sqlite: Database.Database) {
  const p = (sql: string) => sqlite.prepare(sql);
  return {
    featureByKey: p(`select ${FEATURE_COLUMNS} from features where key = ?`) as Database.Statement<
      [string],
      FeatureRow
    >,
    featureById: p(`select ${FEATURE_COLUMNS} from features where id = ?`) as Database.Statement<[number], FeatureRow>,
    allFeatures: p(`select ${FEATURE_COLUMNS} from features order by key`) as Database.Statement<[], FeatureRow>,
    insertFeature: p(`insert into features (key, name, unit_name, description, archived_at, created_at, updated_at)
      values (?, ?, ?, ?, null, ?, ?)`),
    updateFeature: p(`update features set name = ?, unit_name = ?, description = ?, archived_at = ?, updated_at = ?
      where id = ?`),
    /** (featureId, now) → the base price in effect (feature_prices_base_idx). */
    basePriceAt: p(`select ${PRICE_COLUMNS} from feature_prices
      where feature_id = ? and plan_id is null and effective_at <= ? order by effective_at desc, id desc limit 1`) as Database.Statement<
      [number, number],
      PriceRow
    >,
    basePrices: p(`select ${PRICE_COLUMNS} from feature_prices where feature_id = ? and plan_id is null
      order by effective_at desc, id desc`) as Database.Statement<[number], PriceRow>,
    priceById: p(`select ${PRICE_COLUMNS} from feature_prices where id = ?`) as Database.Statement<[number], PriceRow>,
    nextVersion: p(
      `select coalesce(max(version), 0) + 1 from feature_prices where feature_id = ?`,
    ).pluck() as Database.Statement<[number], number>,
    insertPrice: p(`insert into feature_prices (feature_id, version, plan_id, credits, per_units, effective_at, actor,
      created_at) values (?, ?, ?, ?, ?, ?, ?, ?)`),
    planFeature: p(`select plan_id, feature_id, enabled, price_id, included_units, updated_at from plan_features
      where plan_id = ? and feature_id = ?`) as Database.Statement<[number, number], PlanFeatureRow>,
    planFeatures: p(`select plan_id, feature_id, enabled, price_id, included_units, updated_at from plan_features
      where plan_id = ?`) as Database.Statement<[number], PlanFeatureRow>,
    upsertPlanFeature: p(`insert into plan_features (plan_id, feature_id, enabled, price_id, included_units, updated_at)
      values (?, ?, ?, ?, ?, ?) on conflict (plan_id, feature_id) do update set enabled = excluded.enabled,
      price_id = excluded.price_id, included_units = excluded.included_units, updated_at = excluded.updated_at`),
    /** (toPlanId, now, fromPlanId): a new plan version starts with its predecessor's feature terms. */
    copyPlanFeatures: p(`insert into plan_features (plan_id, feature_id, enabled, price_id, included_units, updated_at)
      select ?, feature_id, enabled, price_id, included_units, ? from plan_features where plan_id = ?`),
    /**
     * {key, planId, nowMs, userId, periodStart} → what one use is priced by, in one read: the
     * feature, the plan's terms for it (nulls without them), the price (the plan's own, else the
     * base price in effect; null only if every base price starts later) and the included units
     * used this period. The usage hot path: one statement instead of four.
     */
    usageTerms: p(`select f.id, f.key, f.name, f.unit_name, f.description, f.archived_at, f.created_at, f.updated_at,
        pf.enabled, pf.included_units,
        p.id, p.feature_id, p.version, p.plan_id, p.credits, p.per_units, p.effective_at, p.created_at,
        iu.units
      from features f
      left join plan_features pf on pf.plan_id = @planId and pf.feature_id = f.id
      left join feature_prices p on p.id = coalesce(pf.price_id, (select b.id from feature_prices b
        where b.feature_id = f.id and b.plan_id is null and b.effective_at <= @nowMs
        order by b.effective_at desc, b.id desc limit 1))
      left join included_usage iu on iu.user_id = @userId and iu.feature_id = f.id and iu.period_start = @periodStart
      where f.key = @key`).raw(true) as Database.Statement<
      [{ key: string; planId: number | null; nowMs: number; userId: number; periodStart: number | null }],
      UsageTermsRow
    >,
    meter: p(`select units, credits from usage_meters where user_id = ? and price_id = ?`).raw(
      true,
    ) as Database.Statement<[number, number], [number, number]>,
    /** (userId, priceId, units, credits) */
    setMeter: p(`insert into usage_meters (user_id, price_id, units, credits) values (?, ?, ?, ?)
      on conflict (user_id, price_id) do update set units = excluded.units, credits = excluded.credits`),
    includedUsed: p(
      `select units from included_usage where user_id = ? and feature_id = ? and period_start = ?`,
    ).pluck() as Database.Statement<[number, number, number], number>,
    /** (userId, featureId, periodStart, units): adds units used. */
    addIncludedUsed: p(`insert into included_usage (user_id, feature_id, period_start, units) values (?, ?, ?, ?)
      on conflict (user_id, feature_id, period_start) do update set units = units + excluded.units`),
    insertUsage: p(`insert into usage_records (user_id, feature_id, price_id, quantity, included_units, credits,
      entry_id, hold_id, idempotency_key, request_hash, metadata, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    usageByKey: p(
      `select ${USAGE_COLUMNS} from usage_records where user_id = ? and idempotency_key = ?`,
    ) as Database.Statement<[number, string], UsageRow>,
    insertFeatureHold: p(`insert into feature_holds (hold_id, feature_id, price_id, quantity) values (?, ?, ?, ?)`),
    /** (userId, idempotencyKey) → the hold made under the key, with what it holds when made by feature (else nulls). */
    holdByKey: p(`select h.id as hold_id, fh.feature_id, fh.price_id, fh.quantity from credit_holds h
      left join feature_holds fh on fh.hold_id = h.id where h.user_id = ? and h.idempotency_key = ?`) as Database.Statement<
      [number, string],
      { hold_id: number; feature_id: number | null; price_id: number | null; quantity: number | null }
    >,
    featureHold: p(
      `select hold_id, feature_id, price_id, quantity from feature_holds where hold_id = ?`,
    ) as Database.Statement<[number], { hold_id: number; feature_id: number; price_id: number; quantity: number }>,
    /** (userId, from, to) → [featureId, Σ quantity, Σ credits, Σ included units][] (usage_records_user_created_idx). */
    userUsageByFeature: p(`select feature_id, sum(quantity), sum(credits), sum(included_units) from usage_records
      where user_id = ? and created_at >= ? and created_at < ? group by feature_id`).raw(true) as Database.Statement<
      [number, number, number],
      [number, number, number, number]
    >,
    /** (from, to) → [day, featureId, userId, Σ quantity, Σ credits, Σ included units, count][] (usage_records_created_at_idx, read from the index alone). */
    usageDaySums: p(`${USAGE_DAY_SUMS} from usage_records where created_at >= ? and created_at < ?
      group by d, feature_id, user_id`).raw(true) as Database.Statement<[number, number], UsageDaySum>,
    /** (id) → the same for the rows after id (a primary-key range), each with the largest id summed. */
    usageSumsAfter: p(`${USAGE_DAY_SUMS}, max(id) from usage_records where id > ?
      group by d, feature_id, user_id`).raw(true) as Database.Statement<[number], [...UsageDaySum, number]>,
    usageMaxId: p(`select coalesce(max(id), 0) from usage_records`).pluck() as Database.Statement<[], number>,
    /** (userId, from, to) → [day, featureId, Σ quantity, Σ credits][] per UTC day. */
    userUsageByDay: p(`select strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') as day, feature_id, sum(quantity),
      sum(credits) from usage_records where user_id = ? and created_at >= ? and created_at < ?
      group by day, feature_id order by day, feature_id`).raw(true) as Database.Statement<
      [number, number, number],
      [string, number, number, number]
    >,
    insertAudit: p(`insert into audit_log (actor, action, subject, details, created_at) values (?, ?, ?, ?, ?)`),
  };
}

/** [day (since the epoch, UTC), featureId, userId, Σ quantity, Σ credits, Σ included units, count] */
export type UsageDaySum = [number, number, number, number, number, number, number];

export type Statements = ReturnType<typeof prepareAll>;
const cache = perConnection(prepareAll);

export function statementsFor(db: Db): Statements {
  return cache(db.$client);
}

export function featureNotFound(key: string): AppError {
  return new AppError("not_found", `No feature with key "${key}".`, { field: "feature" });
}

export function requireFeature(s: Statements, key: string): FeatureRow {
  const row = s.featureByKey.get(key);
  if (!row) throw featureNotFound(key);
  return row;
}

/** One audit row in the caller's transaction (the change and its record commit together). */
export function audit(
  s: Statements,
  actor: string,
  action: string,
  subject: string,
  details: Record<string, unknown>,
  now: number,
): void {
  s.insertAudit.run(actor, action, subject, JSON.stringify(details), now);
}
