/**
 * The rate card meets subscriptions: a user's plan terms now (plan version and billing period)
 * for app/features/, which knows no subscriptions. Usage and checks go through usageContext(ctx).
 */
import type Database from "better-sqlite3";
import { perConnection } from "../../db/per-connection";
import type { PlanTerms, UsageCtx } from "../features/index.server";
import type { DbClock } from "../utils/context.server";

const statements = perConnection((sqlite: Database.Database) => ({
  // On the plan's terms while paid for or being asked to pay (active, trialing, past_due); else base prices.
  terms: sqlite
    .prepare(
      `select plan_id, current_period_start, current_period_end from user_subscriptions
        where user_id = ? and status in ('active', 'trialing', 'past_due') and plan_id is not null
        order by id desc limit 1`,
    )
    .raw(true) as Database.Statement<[number], [number, number | null, number | null]>,
}));

/** The user's plan terms now, or null (no subscription on terms, or no billing period known yet). */
export function planTermsOf(ctx: Pick<DbClock, "db">, userId: number): PlanTerms | null {
  const row = statements(ctx.db.$client).terms.get(userId);
  if (!row || row[1] === null || row[2] === null) return null;
  return { planId: row[0], periodStartMs: row[1], periodEndMs: row[2] };
}

/** The context app/features/ usage functions take: the credit engine's, plus the user's plan terms. */
export function usageContext<C extends DbClock>(ctx: C): C & UsageCtx {
  return { ...ctx, planTermsOf: (userId: number) => planTermsOf(ctx, userId) };
}
