/**
 * Admin reads about customers: the searchable list and one customer's subscription and payments.
 * They join users with subscriptions, plans and Stripe objects, so no one domain folder owns them.
 */
import type { Db } from "../../db/client";
import type { Env } from "../utils/env.server";
import { LIVE_STATUSES } from "../billing/subscription-state.server";
import { unpaidAutoTopupPayments } from "../billing/auto-topup.server";
import { listInvoiceGrants } from "../billing/invoice-grants.server";

const CUSTOMERS_PAGE_SIZE = 50;
export type CustomerSort = "created" | "balance";

export interface CustomerRow {
  id: number;
  email: string;
  name: string;
  role: string;
  balance: number;
  createdAt: string;
  stripeCustomerId: string | null;
  planName: string | null;
  planVersion: number | null;
  subscriptionStatus: string | null;
}

export interface CustomerListQuery {
  q?: string | null;
  sort?: CustomerSort;
  dir?: "asc" | "desc";
  /** Opaque, from the previous page's nextCursor. */
  cursor?: string | null;
  limit?: number;
}

/** The position after the last row shown: its sort value and id (ties broken by id). */
function encodeCursor(value: number, id: number): string {
  return Buffer.from(`c1.${value}.${id}`).toString("base64url");
}

function decodeCursor(cursor: string | null | undefined): { value: number; id: number } | null {
  if (!cursor || !/^[A-Za-z0-9_-]{1,80}$/.test(cursor)) return null;
  const m = /^c1\.(-?\d{1,16})\.(\d{1,16})$/.exec(Buffer.from(cursor, "base64url").toString());
  return m ? { value: Number(m[1]), id: Number(m[2]) } : null;
}

const LIVE_LIST = LIVE_STATUSES.map((s) => `'${s}'`).join(", ");

/**
 * Customers matching `q` (part of the email, name or Stripe customer id, case-insensitive),
 * sorted by created or balance with a keyset cursor. The plan shown is the live subscription's
 * (else the most recent one's), the same choice as getCurrentSubscription.
 */
export function listCustomers(
  db: Db,
  query: CustomerListQuery = {},
): { rows: CustomerRow[]; nextCursor: string | null } {
  const limit = query.limit ?? CUSTOMERS_PAGE_SIZE;
  // "Created" is insertion order: ids only grow, so the primary key serves it without a sort.
  const sortColumn = query.sort === "balance" ? "u.credit_balance" : "u.id";
  const desc = query.dir !== "asc";
  const cmp = desc ? "<" : ">";
  const order = desc ? "desc" : "asc";
  const where: string[] = [];
  const params: (string | number)[] = [];
  const q = (query.q ?? "").trim().toLowerCase().slice(0, 200);
  if (q) {
    // LIKE (case-insensitive for ASCII) with the pattern characters escaped, so "50%" finds
    // "50%" and not everything.
    const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(`(u.email like ? escape '\\' or u.name like ? escape '\\' or u.stripe_customer_id like ? escape '\\')`);
    params.push(pattern, pattern, pattern);
  }
  const after = decodeCursor(query.cursor);
  if (after) {
    where.push(`(${sortColumn} ${cmp} ? or (${sortColumn} = ? and u.id ${cmp} ?))`);
    params.push(after.value, after.value, after.id);
  }
  // The page of users first (the sort and filter touch users only), then their plans: the plan
  // lookups run for the 50 rows shown, not for every user.
  const sql = `
    with page as (
      select u.id, u.email, u.name, u.role, u.credit_balance as balance, u.created_at as createdAt,
        u.stripe_customer_id as stripeCustomerId, ${sortColumn} as sortValue
      from users u
      ${where.length ? `where ${where.join(" and ")}` : ""}
      order by ${sortColumn} ${order}, u.id ${order}
      limit ?)
    select page.*, s.status as subscriptionStatus, p.public_name as planName, p.version as planVersion
    from page
    left join user_subscriptions s on s.id = (
      select id from user_subscriptions where user_id = page.id
      order by case when status in (${LIVE_LIST}) then 1 else 0 end desc, id desc limit 1)
    left join subscription_plans p on p.id = s.plan_id
    order by page.sortValue ${order}, page.id ${order}`;
  const rows = db.$client.prepare(sql).all(...params, limit + 1) as (Omit<CustomerRow, "createdAt"> & {
    createdAt: number;
    sortValue: number;
  })[];
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    rows: page.map(({ sortValue: _sortValue, ...r }) => ({ ...r, createdAt: new Date(r.createdAt).toISOString() })),
    nextCursor: rows.length > limit && last ? encodeCursor(last.sortValue, last.id) : null,
  };
}

export interface CustomerSubscriptionView {
  id: number;
  stripeSubscriptionId: string;
  stripeCustomerId: string | null;
  status: string;
  planName: string | null;
  planVersion: number | null;
  planFamily: string | null;
  pendingPlanName: string | null;
  pendingPlanVersion: number | null;
  currentPeriodStart: string | null;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: string | null;
}

const isoOrNull = (atMs: number | null): string | null => (atMs === null ? null : new Date(atMs).toISOString());

/** Every subscription of the user, the live one first. */
export function listCustomerSubscriptions(db: Db, userId: number): CustomerSubscriptionView[] {
  const rows = db.$client
    .prepare(
      `select s.id, s.stripe_subscription_id, s.stripe_customer_id, s.status, s.current_period_start,
         s.current_period_end, s.cancel_at_period_end, s.canceled_at,
         p.public_name as plan_name, p.version as plan_version, p.plan_family,
         pp.public_name as pending_name, pp.version as pending_version
       from user_subscriptions s
       left join subscription_plans p on p.id = s.plan_id
       left join subscription_plans pp on pp.id = s.pending_plan_id
       where s.user_id = ?
       order by case when s.status in (${LIVE_LIST}) then 1 else 0 end desc, s.id desc
       limit 20`,
    )
    .all(userId) as Record<string, string | number | null>[];
  return rows.map((r) => ({
    id: r.id as number,
    stripeSubscriptionId: r.stripe_subscription_id as string,
    stripeCustomerId: r.stripe_customer_id as string | null,
    status: r.status as string,
    planName: r.plan_name as string | null,
    planVersion: r.plan_version as number | null,
    planFamily: r.plan_family as string | null,
    pendingPlanName: r.pending_name as string | null,
    pendingPlanVersion: r.pending_version as number | null,
    currentPeriodStart: isoOrNull(r.current_period_start as number | null),
    currentPeriodEnd: isoOrNull(r.current_period_end as number | null),
    cancelAtPeriodEnd: r.cancel_at_period_end === 1,
    canceledAt: isoOrNull(r.canceled_at as number | null),
  }));
}

export interface PaymentView {
  kind: "topup" | "subscription";
  /** The Stripe object to look up: a Checkout Session / PaymentIntent, or an invoice. */
  stripeId: string;
  description: string;
  credits: number;
  amountCents: number | null;
  amountRefundedCents: number;
  currency: string | null;
  status: string;
  createdAt: string;
}

/**
 * Top-up purchases and paid subscription invoices, newest first (at most `limit` of each). An
 * invoice's amount is read from the stored `invoice.paid` event that granted its credits (for
 * display only: money decisions always refetch from Stripe).
 */
export function listCustomerPayments(db: Db, userId: number, limit = 50): PaymentView[] {
  const topups = db.$client
    .prepare(
      `select t.stripe_checkout_session_id as sid, t.stripe_payment_intent_id as pi, t.credits, t.amount_paid_cents,
         t.amount_refunded_cents, t.currency, t.status, t.created_at, p.public_name,
         exists (select 1 from auto_topup_attempts a where a.topup_purchase_id = t.id) as auto
       from topup_purchases t join topup_plans p on p.id = t.plan_id
       where t.user_id = ? order by t.id desc limit ?`,
    )
    .all(userId, limit) as Record<string, string | number | null>[];
  const invoices = listInvoiceGrants(db, { userId, limit });
  const out: PaymentView[] = [
    ...topups.map((t): PaymentView => ({
      kind: "topup",
      stripeId: (t.pi as string | null) ?? (t.sid as string),
      description: `${t.auto ? "Auto top-up" : "Top-up"}: ${t.public_name as string}`,
      credits: t.credits as number,
      amountCents: t.amount_paid_cents as number,
      amountRefundedCents: t.amount_refunded_cents as number,
      currency: t.currency as string,
      status: t.status as string,
      createdAt: new Date(t.created_at as number).toISOString(),
    })),
    ...invoices.map((i): PaymentView => ({
      kind: "subscription",
      stripeId: i.stripeInvoiceId,
      description: i.reason ?? "Subscription invoice",
      credits: i.credits,
      amountCents: i.amountPaidCents,
      amountRefundedCents: 0,
      currency: i.currency,
      status: "paid",
      createdAt: i.grantedAt.toISOString(),
    })),
    // Auto top-up attempts that did not pay (failed, or still being charged): every attempt shows.
    ...unpaidAutoTopupPayments(db, userId, limit),
  ];
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** Where links to Stripe objects go: Stripe's dashboard (live or test mode), or the offline Stripe's pages. */
export type StripeLinkMode = { dashboard: "live" | "test" } | { offlinePagesPath: string };

/** The offline Stripe's hosted pages on the app's own origin (app/server/offline-stripe.ts mounts them). */
export const OFFLINE_STRIPE_PAGES_PATH = "/_offline-stripe";

/** The link mode this server's Stripe calls for: never dashboard.stripe.com for the offline Stripe's ids. */
export function stripeLinkMode(env: Pick<Env, "stripeOffline" | "STRIPE_SECRET_KEY">): StripeLinkMode {
  if (env.stripeOffline) return { offlinePagesPath: OFFLINE_STRIPE_PAGES_PATH };
  return { dashboard: (env.STRIPE_SECRET_KEY ?? "").startsWith("sk_live_") ? "live" : "test" };
}

type StripeLinkKind = "customers" | "subscriptions" | "payments" | "invoices" | "events";

/**
 * A link to a Stripe object for an admin: the dashboard's page, or in offline mode the offline
 * Stripe's page for it (null where it has none, e.g. events). A boolean is the dashboard's test mode.
 */
export function stripeDashboardUrl(kind: StripeLinkKind, id: string, mode: boolean): string;
export function stripeDashboardUrl(kind: StripeLinkKind, id: string, mode: StripeLinkMode): string | null;
export function stripeDashboardUrl(kind: StripeLinkKind, id: string, mode: boolean | StripeLinkMode): string | null {
  const resolved: StripeLinkMode = typeof mode === "boolean" ? { dashboard: mode ? "test" : "live" } : mode;
  const ref = encodeURIComponent(id);
  if ("dashboard" in resolved) {
    return `https://dashboard.stripe.com/${resolved.dashboard === "test" ? "test/" : ""}${kind}/${ref}`;
  }
  const base = resolved.offlinePagesPath;
  if (kind === "customers") return `${base}/triggers?customer=${ref}`;
  if (kind === "subscriptions" || kind === "payments") return `${base}/triggers#${ref}`;
  if (kind === "invoices") return `${base}/invoices/${ref}`;
  return null;
}
