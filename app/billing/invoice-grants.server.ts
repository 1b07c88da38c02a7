/**
 * A customer's subscription invoices that granted credits, for the admin customer page: the grants
 * come from the credit engine (listGrantsBySourcePrefix over billing's invoice refs), the amount
 * shown beside each from the stored `invoice.paid` event that granted it (display only: money
 * decisions always refetch from Stripe; the money report sums subscription_invoices instead).
 */
import type { Db } from "../../db/client";
import { perConnection } from "../../db/per-connection";
import { listGrantsBySourcePrefix } from "../credits/index.server";
import { INVOICE_PREFIX, invoiceIdOf } from "./grant-refs";

export interface InvoiceGrant {
  stripeInvoiceId: string;
  credits: number;
  reason: string | null;
  grantedAt: Date;
  /** From the stored event; null when it is not stored or says nothing. */
  amountPaidCents: number | null;
  currency: string | null;
}

/** The amount and currency of stored Stripe events, by id (a JSON array of ids). */
const eventMoney = perConnection((sqlite) =>
  sqlite.prepare<[string], { id: string; paid: unknown; currency: unknown }>(
    `select id, json_extract(payload, '$.data.object.amount_paid') as paid,
       json_extract(payload, '$.data.object.currency') as currency
     from stripe_events where id in (select value from json_each(?))`,
  ),
);

/** Newest first; optionally one user's, at most `limit`. */
export function listInvoiceGrants(db: Db, options: { userId?: number; limit?: number } = {}): InvoiceGrant[] {
  const grants = listGrantsBySourcePrefix({ db }, { prefix: INVOICE_PREFIX, ...options });
  const eventIds = grants.map((g) => g.metadata?.stripeEventId).filter((id): id is string => typeof id === "string");
  const money = new Map(
    eventMoney(db.$client)
      .all(JSON.stringify([...new Set(eventIds)]))
      .map((e) => [e.id, e]),
  );
  return grants.map((g) => {
    const event = typeof g.metadata?.stripeEventId === "string" ? money.get(g.metadata.stripeEventId) : undefined;
    return {
      stripeInvoiceId: invoiceIdOf(g.sourceRef)!,
      credits: g.amount,
      reason: g.reason,
      grantedAt: g.createdAt,
      amountPaidCents: typeof event?.paid === "number" ? event.paid : null,
      currency: typeof event?.currency === "string" ? event.currency : null,
    };
  });
}
