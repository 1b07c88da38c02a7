/**
 * What the admin API reads back: an endpoint's deliveries and the events as they were delivered,
 * both newest first in pages keyed by the outbox id (stable: later events only add to the front).
 */
import { and, desc, eq, inArray, isNotNull, lt } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { auditLog, eventOutbox, webhookDeliveries, webhookEndpoints } from "../../db/schema";
import { PUBLIC_EVENT_TYPES, type PublicEventType } from "../events/outbox.server";
import type { DbClock } from "../utils/context.server";
import { AppError } from "../utils/errors";
import { webhookBody } from "./delivery.server";
import { webhookEndpointNotFound, webhookEventTypeSchema } from "./endpoints.server";
import { WEBHOOK_TEST_EVENT_TYPE } from "./test-event.server";
import { writeTransaction } from "../../db/transaction";

const limitMessage = "must be an integer from 1 to 100.";
const zLimit = z.preprocess(
  (v) => (v === "" || v === null ? undefined : v),
  z.coerce.number({ message: limitMessage }).int(limitMessage).min(1, limitMessage).max(100, limitMessage).default(50),
);
const zCursor = z.preprocess((v) => (v === "" || v === null ? undefined : v), z.string().optional());

/** `?limit=&cursor=` of GET /api/admin/webhook-endpoints/:id/deliveries (limit 1–100, default 50). */
export const listWebhookDeliveriesQuerySchema = z.object({ limit: zLimit, cursor: zCursor });

/** `?type=&limit=&cursor=` of GET /api/admin/events. */
export const listEventsQuerySchema = z.object({
  type: z.preprocess((v) => (v === "" || v === null ? undefined : v), webhookEventTypeSchema.optional()),
  limit: zLimit,
  cursor: zCursor,
});

export const webhookDeliverySchema = z.object({
  id: z.number().int(),
  eventId: z.string(),
  /** A public type, or `webhook.test` for a test an admin sent to this endpoint alone. */
  type: z.enum([...PUBLIC_EVENT_TYPES, WEBHOOK_TEST_EVENT_TYPE]),
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  nextAttemptAt: z.string().nullable(),
});
export type WebhookDeliveryJson = z.infer<typeof webhookDeliverySchema>;

/** A page, newest first; `nextBeforeId` (an outbox id) is where the next page starts, null on the last. */
export interface Page<T> {
  data: T[];
  nextBeforeId: number | null;
}

const deliveryColumns = {
  id: webhookDeliveries.id,
  eventRowId: webhookDeliveries.eventRowId,
  eventId: eventOutbox.eventId,
  type: eventOutbox.type,
  status: webhookDeliveries.status,
  attempts: webhookDeliveries.attempts,
  lastStatusCode: webhookDeliveries.lastStatusCode,
  nextAttemptAt: webhookDeliveries.nextAttemptAt,
};
type DeliveryRow = {
  id: number;
  eventId: string;
  type: string;
  status: WebhookDeliveryJson["status"];
  attempts: number;
  lastStatusCode: number | null;
  nextAttemptAt: Date | null;
};

function deliveryJson(r: DeliveryRow): WebhookDeliveryJson {
  return {
    id: r.id,
    eventId: r.eventId,
    type: r.type as WebhookDeliveryJson["type"],
    status: r.status,
    attempts: r.attempts,
    lastStatusCode: r.lastStatusCode,
    nextAttemptAt: r.nextAttemptAt ? r.nextAttemptAt.toISOString() : null,
  };
}

function page<R extends { id: number }, T>(rows: R[], limit: number, json: (r: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = rows.slice(0, limit);
  return { data: kept.map(json), nextBeforeId: more ? kept[kept.length - 1].id : null };
}

/** The endpoint's deliveries, newest event first, `limit` a page from before the outbox id `beforeId`. */
export function listWebhookDeliveries(
  db: Db,
  endpointId: number,
  opts: { limit: number; beforeId?: number | null },
): Page<WebhookDeliveryJson> {
  const endpoint = db
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.id, endpointId))
    .get();
  if (!endpoint) throw webhookEndpointNotFound(endpointId);
  const rows = db
    .select(deliveryColumns)
    .from(webhookDeliveries)
    .innerJoin(eventOutbox, eq(eventOutbox.id, webhookDeliveries.eventRowId))
    .where(
      and(
        eq(webhookDeliveries.endpointId, endpointId),
        opts.beforeId != null ? lt(webhookDeliveries.eventRowId, opts.beforeId) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.eventRowId))
    .limit(opts.limit + 1)
    .all();
  // Keyed by the event's outbox id (unique per endpoint), which is what the order is.
  return page(
    rows.map((r) => ({ ...r, id: r.eventRowId, deliveryId: r.id })),
    opts.limit,
    (r) => deliveryJson({ ...r, id: r.deliveryId }),
  );
}

/**
 * Dispatched public events, newest first, each as the exact body every delivery of it sends (the
 * text, to be put into the answer as is). Events appear once dispatched (normally within a second).
 */
export function listEventBodies(
  db: Db,
  opts: { type?: PublicEventType; limit: number; beforeId?: number | null },
): Page<string> {
  const rows = db
    .select({
      id: eventOutbox.id,
      eventId: eventOutbox.eventId,
      type: eventOutbox.type,
      createdAt: eventOutbox.createdAt,
      data: eventOutbox.data,
      userSeq: eventOutbox.userSeq,
    })
    .from(eventOutbox)
    .where(
      and(
        isNotNull(eventOutbox.dispatchedAt),
        opts.type ? eq(eventOutbox.type, opts.type) : inArray(eventOutbox.type, [...PUBLIC_EVENT_TYPES]),
        opts.beforeId != null ? lt(eventOutbox.id, opts.beforeId) : undefined,
      ),
    )
    .orderBy(desc(eventOutbox.id))
    .limit(opts.limit + 1)
    .all();
  return page(rows, opts.limit, (r) =>
    webhookBody({
      eventId: r.eventId,
      type: r.type,
      createdAtMs: r.createdAt.getTime(),
      data: r.data,
      userSeq: r.userSeq,
    }),
  );
}

/**
 * Sends the delivery again as soon as the sender gets to it (same webhook-id): a failed one becomes
 * pending for one more attempt, a delivered one is sent once more, a pending one is due now.
 */
export function retryWebhookDelivery(
  ctx: DbClock,
  id: number,
  actor: string,
  /** Only a delivery of this endpoint (an endpoint's page never retries another's). */
  opts: { endpointId?: number } = {},
): WebhookDeliveryJson {
  const now = ctx.clock.now();
  return writeTransaction(ctx.db, (tx) => {
    const updated = tx
      .update(webhookDeliveries)
      .set({ status: "pending", nextAttemptAt: now, updatedAt: now })
      .where(
        and(
          eq(webhookDeliveries.id, id),
          opts.endpointId !== undefined ? eq(webhookDeliveries.endpointId, opts.endpointId) : undefined,
        ),
      )
      .returning({ id: webhookDeliveries.id })
      .get();
    if (!updated) throw new AppError("not_found", `No webhook delivery with id ${JSON.stringify(String(id))}.`);
    tx.insert(auditLog)
      .values({ actor, action: "webhook_delivery.retry", subject: `webhook_delivery:${id}`, createdAt: now })
      .run();
    const row = tx
      .select(deliveryColumns)
      .from(webhookDeliveries)
      .innerJoin(eventOutbox, eq(eventOutbox.id, webhookDeliveries.eventRowId))
      .where(eq(webhookDeliveries.id, id))
      .get()!;
    return deliveryJson(row as DeliveryRow);
  });
}
