/**
 * Admin reads of stored Stripe events: one event with its payload and the customer it is about,
 * and a list filtered by type and status (here, so the webhook module stays about processing).
 */
import type { Db } from "../../db/client";
import { STRIPE_EVENT_STATUSES, type StripeEventStatus } from "../../db/schema";
import { getStripeEvent, stripeEventView, type StripeEventView } from "../billing/webhook.server";

export interface StripeEventDetail extends StripeEventView {
  /** Pretty-printed as stored. */
  payloadText: string;
  customer: { id: number; email: string } | null;
  stripeCustomerId: string | null;
}

function customerRef(payload: Record<string, unknown>): { customerId: string | null; userId: number | null } {
  const object = ((payload.data as { object?: Record<string, unknown> } | undefined)?.object ?? {}) as Record<
    string,
    unknown
  >;
  const customer = object.customer;
  const customerId = typeof customer === "string" ? customer : ((customer as { id?: string } | null)?.id ?? null);
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  const raw = metadata.userId ?? object.client_reference_id;
  const userId = typeof raw === "string" && /^\d{1,15}$/.test(raw) ? Number(raw) : null;
  return { customerId: object.object === "customer" && typeof object.id === "string" ? object.id : customerId, userId };
}

export function getStripeEventDetail(db: Db, id: string): StripeEventDetail | null {
  const row = getStripeEvent(db, id);
  if (!row) return null;
  const payload = row.payload as Record<string, unknown>;
  const ref = customerRef(payload);
  const user = (
    ref.customerId
      ? db.$client.prepare(`select id, email from users where stripe_customer_id = ?`).get(ref.customerId)
      : ref.userId
        ? db.$client.prepare(`select id, email from users where id = ?`).get(ref.userId)
        : undefined
  ) as { id: number; email: string } | undefined;
  return {
    ...stripeEventView(row),
    payloadText: JSON.stringify(payload, null, 2),
    customer: user ?? null,
    stripeCustomerId: ref.customerId,
  };
}

export function isStripeEventStatus(s: string | null): s is StripeEventStatus {
  return s !== null && (STRIPE_EVENT_STATUSES as readonly string[]).includes(s);
}

/** Most recently updated first, filtered by exact type and/or status. */
export function findStripeEvents(
  db: Db,
  filter: { type?: string | null; statuses?: readonly StripeEventStatus[]; limit?: number },
): StripeEventView[] {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.type) {
    where.push("type = ?");
    params.push(filter.type);
  }
  if (filter.statuses && filter.statuses.length > 0) {
    where.push(`status in (${filter.statuses.map(() => "?").join(", ")})`);
    params.push(...filter.statuses);
  }
  const rows = db.$client
    .prepare(
      `select id from stripe_events ${where.length ? `where ${where.join(" and ")}` : ""} order by updated_at desc, id desc limit ?`,
    )
    .pluck()
    .all(...params, Math.min(Math.max(filter.limit ?? 200, 1), 500)) as string[];
  return rows.map((id) => stripeEventView(getStripeEvent(db, id)!));
}

/** The event types seen so far, for the type filter. */
export function listStripeEventTypes(db: Db): string[] {
  return db.$client
    .prepare(`select distinct type from stripe_events order by type limit 200`)
    .pluck()
    .all() as string[];
}
