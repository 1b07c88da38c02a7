/**
 * Outbound webhook endpoints and their deliveries, as the admin API sees them. The request schemas
 * are exported for the OpenAPI document (the server validates with the same ones).
 */
import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { auditLog, eventOutbox, webhookDeliveries, webhookEndpoints } from "../../db/schema";
import { PUBLIC_EVENT_TYPES, type PublicEventType } from "../events/outbox.server";
import type { DomainCtx } from "../utils/context.server";
import { AppError } from "../utils/errors";
import { writeTransaction } from "../../db/transaction";

export const MAX_WEBHOOK_ENDPOINTS = 50;
export const MAX_WEBHOOK_URL_LENGTH = 2048;
export const MAX_WEBHOOK_DESCRIPTION_LENGTH = 500;

/** What an endpoint gets when it does not say: every public type except the high-volume credits.deducted. */
export const DEFAULT_WEBHOOK_EVENTS: PublicEventType[] = PUBLIC_EVENT_TYPES.filter((t) => t !== "credits.deducted");

export const webhookEventTypeSchema = z.enum(PUBLIC_EVENT_TYPES);

/** POST /api/admin/webhook-endpoints */
export const createWebhookEndpointSchema = z.object({
  url: z
    .string()
    .min(1, "is required.")
    .max(MAX_WEBHOOK_URL_LENGTH, `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters.`),
  events: z
    .array(webhookEventTypeSchema)
    .min(1, "must list at least one event type (leave it out for the default).")
    .max(PUBLIC_EVENT_TYPES.length * 4, "lists too many event types.")
    .nullish(),
  description: z
    .string()
    .max(MAX_WEBHOOK_DESCRIPTION_LENGTH, `must be at most ${MAX_WEBHOOK_DESCRIPTION_LENGTH} characters.`)
    .nullish(),
});
export type CreateWebhookEndpointInput = z.output<typeof createWebhookEndpointSchema>;

/** `?limit=` of GET /api/admin/webhook-endpoints/:id/deliveries (1–100, default 50). */
const limitMessage = "must be an integer from 1 to 100.";
export const listWebhookDeliveriesQuerySchema = z.object({
  limit: z.preprocess(
    (v) => (v === "" || v === null ? undefined : v),
    z.coerce
      .number({ message: limitMessage })
      .int(limitMessage)
      .min(1, limitMessage)
      .max(100, limitMessage)
      .default(50),
  ),
});

/** The answers (for the OpenAPI document). */
export const webhookEndpointSchema = z.object({
  id: z.number().int(),
  url: z.string(),
  events: z.array(webhookEventTypeSchema),
  description: z.string().nullable(),
  createdAt: z.string(),
});
export const createdWebhookEndpointSchema = webhookEndpointSchema.extend({
  /** `whsec_` + base64 of 32 random bytes; shown only in this answer. */
  secret: z.string(),
});
export const webhookDeliverySchema = z.object({
  id: z.number().int(),
  eventId: z.string(),
  type: webhookEventTypeSchema,
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  nextAttemptAt: z.string().nullable(),
});

export type WebhookEndpointJson = z.infer<typeof webhookEndpointSchema>;
export type WebhookDeliveryJson = z.infer<typeof webhookDeliverySchema>;

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * An endpoint URL: http(s) only, no credentials in it, no link-local host (cloud metadata). In
 * production a plain http:// URL must point at this machine (a sidecar, the benchmark's receiver):
 * anything that leaves it carries customer ids and balances, so it must be https. (Decision 011.)
 */
export function checkWebhookUrl(raw: string, production: boolean): string {
  const bad = (message: string) => new AppError("invalid_request", `\`url\` ${message}`, { field: "url" });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad("must be an absolute http:// or https:// URL.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw bad("must be an http:// or https:// URL.");
  if (url.username || url.password) throw bad("must not contain a user name or password.");
  if (url.hash) throw bad("must not have a #fragment.");
  const host = url.hostname.toLowerCase();
  if (!host) throw bad("must name a host.");
  const loopback = LOOPBACK_HOSTS.has(host) || (isIP(host) === 4 && host.startsWith("127."));
  if (/^169\.254\./.test(host) || /^\[fe[89ab]/.test(host)) throw bad("must not point at a link-local address.");
  if (production && url.protocol === "http:" && !loopback) {
    throw bad("must use https:// (plain http:// only to localhost in production).");
  }
  return url.toString();
}

function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

type EndpointRow = typeof webhookEndpoints.$inferSelect;

export function webhookEndpointJson(row: EndpointRow): WebhookEndpointJson {
  return {
    id: row.id,
    url: row.url,
    events: row.events as PublicEventType[],
    description: row.description,
    createdAt: row.createdAt.toISOString(),
  };
}

export function createWebhookEndpoint(
  ctx: DomainCtx,
  input: CreateWebhookEndpointInput,
  opts: { production: boolean; actor: string },
): WebhookEndpointJson & { secret: string } {
  const url = checkWebhookUrl(input.url, opts.production);
  // Stored in the published order, without duplicates.
  const wanted = new Set(input.events ?? DEFAULT_WEBHOOK_EVENTS);
  const events = PUBLIC_EVENT_TYPES.filter((t) => wanted.has(t));
  const now = ctx.clock.now();
  const row = writeTransaction(ctx.db, (tx) => {
    const { count } = tx
      .select({ count: sql<number>`count(*)` })
      .from(webhookEndpoints)
      .get()!;
    if (count >= MAX_WEBHOOK_ENDPOINTS) {
      throw new AppError("conflict", `There are already ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints; delete one first.`);
    }
    const created = tx
      .insert(webhookEndpoints)
      .values({ url, events, description: input.description ?? null, secret: newSecret(), createdAt: now })
      .returning()
      .get();
    tx.insert(auditLog)
      .values({
        actor: opts.actor,
        action: "webhook_endpoint.create",
        subject: `webhook_endpoint:${created.id}`,
        details: { url, events },
        createdAt: now,
      })
      .run();
    return created;
  });
  return { ...webhookEndpointJson(row), secret: row.secret };
}

export function listWebhookEndpoints(db: Db): WebhookEndpointJson[] {
  return db.select().from(webhookEndpoints).orderBy(webhookEndpoints.id).all().map(webhookEndpointJson);
}

export function webhookEndpointNotFound(id: number | string): AppError {
  return new AppError("not_found", `No webhook endpoint with id ${JSON.stringify(String(id))}.`);
}

/** Deletes the endpoint and its deliveries (pending ones are never sent). */
export function deleteWebhookEndpoint(ctx: DomainCtx, id: number, actor: string): void {
  writeTransaction(ctx.db, (tx) => {
    const gone = tx.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id)).returning().get();
    if (!gone) throw webhookEndpointNotFound(id);
    tx.insert(auditLog)
      .values({
        actor,
        action: "webhook_endpoint.delete",
        subject: `webhook_endpoint:${id}`,
        details: { url: gone.url },
        createdAt: ctx.clock.now(),
      })
      .run();
  });
}

const deliveryColumns = {
  id: webhookDeliveries.id,
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
    type: r.type as PublicEventType,
    status: r.status,
    attempts: r.attempts,
    lastStatusCode: r.lastStatusCode,
    nextAttemptAt: r.nextAttemptAt ? r.nextAttemptAt.toISOString() : null,
  };
}

/** The endpoint's deliveries, newest event first. */
export function listWebhookDeliveries(db: Db, endpointId: number, limit: number): WebhookDeliveryJson[] {
  const endpoint = db
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.id, endpointId))
    .get();
  if (!endpoint) throw webhookEndpointNotFound(endpointId);
  return db
    .select(deliveryColumns)
    .from(webhookDeliveries)
    .innerJoin(eventOutbox, eq(eventOutbox.id, webhookDeliveries.eventRowId))
    .where(eq(webhookDeliveries.endpointId, endpointId))
    .orderBy(desc(webhookDeliveries.eventRowId))
    .limit(limit)
    .all()
    .map(deliveryJson);
}

/**
 * Sends the delivery again as soon as the sender gets to it (same webhook-id): a failed one becomes
 * pending for one more attempt, a delivered one is sent once more, a pending one is due now.
 */
export function retryWebhookDelivery(ctx: DomainCtx, id: number, actor: string): WebhookDeliveryJson {
  const now = ctx.clock.now();
  return writeTransaction(ctx.db, (tx) => {
    const updated = tx
      .update(webhookDeliveries)
      .set({ status: "pending", nextAttemptAt: now, updatedAt: now })
      .where(eq(webhookDeliveries.id, id))
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
