/**
 * A test event for one endpoint, on an admin's request: an outbox row of the internal type
 * `webhook.test` and its one pending delivery, written together. The sender sends it like any
 * other delivery (same signing, retries and lane), so a test that arrives proves the real path.
 * No consumer lists the type, so dispatching the row later reaches no other endpoint.
 */
import { eq } from "drizzle-orm";
import { auditLog, eventOutbox, webhookDeliveries, webhookEndpoints } from "../../db/schema";
import { writeTransaction } from "../../db/transaction";
import { appendEvent } from "../events/outbox.server";
import type { DbClock } from "../utils/context.server";
import { AppError } from "../utils/errors";
import { webhookEndpointNotFound } from "./endpoints.server";

export const WEBHOOK_TEST_EVENT_TYPE = "webhook.test" as const;

export function sendTestWebhook(
  ctx: DbClock,
  endpointId: number,
  actor: string,
): { eventId: string; deliveryId: number } {
  const now = ctx.clock.now();
  return writeTransaction(ctx.db, (tx) => {
    const endpoint = tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpointId)).get();
    if (!endpoint) throw webhookEndpointNotFound(endpointId);
    // A disabled endpoint's deliveries wait: a test would sit pending and prove nothing.
    if (!endpoint.enabled) {
      throw new AppError("conflict", "This endpoint is disabled; enable it to send a test event.");
    }
    const eventId = appendEvent(tx, {
      type: WEBHOOK_TEST_EVENT_TYPE,
      userId: null,
      data: { endpointId, message: "A test event sent from the admin console." },
      at: now,
    });
    const { id: eventRowId } = tx
      .select({ id: eventOutbox.id })
      .from(eventOutbox)
      .where(eq(eventOutbox.eventId, eventId))
      .get()!;
    const delivery = tx
      .insert(webhookDeliveries)
      .values({
        endpointId,
        eventRowId,
        status: "pending",
        attempts: 0,
        nextAttemptAt: now,
        createdAt: now,
        updatedAt: now,
      })
      .returning({ id: webhookDeliveries.id })
      .get();
    tx.insert(auditLog)
      .values({
        actor,
        action: "webhook_endpoint.test",
        subject: `webhook_endpoint:${endpointId}`,
        details: { eventId },
        createdAt: now,
      })
      .run();
    return { eventId, deliveryId: delivery.id };
  });
}
