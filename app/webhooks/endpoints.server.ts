/**
 * Outbound webhook endpoints and their deliveries, as the admin API sees them. The request schemas
 * are exported for the OpenAPI document (the server validates with the same ones).
 */
import { randomBytes } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { auditLog, webhookEndpoints } from "../../db/schema";
import { hasEventSource, PUBLIC_EVENT_TYPES, type PublicEventType } from "../events/outbox.server";
import type { DbClock } from "../utils/context.server";
import { AppError } from "../utils/errors";
import {
  hostAllowedExplicitly,
  normalHost,
  RefusedAddressError,
  resolveChecked,
  type WebhookAddressPolicy,
} from "./addresses.server";
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

/** PATCH /api/admin/webhook-endpoints/:id: any of these; `description: null` clears it. */
export const updateWebhookEndpointSchema = z
  .object({
    url: createWebhookEndpointSchema.shape.url.optional(),
    events: createWebhookEndpointSchema.shape.events.unwrap().unwrap().optional(),
    enabled: z.boolean({ message: "must be true or false." }).optional(),
    description: createWebhookEndpointSchema.shape.description,
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), {
    message: "Send at least one of url, events, enabled, description.",
  });
export type UpdateWebhookEndpointInput = z.output<typeof updateWebhookEndpointSchema>;

/** The answers (for the OpenAPI document). */
export const webhookEndpointSchema = z.object({
  id: z.number().int(),
  url: z.string(),
  events: z.array(webhookEventTypeSchema),
  description: z.string().nullable(),
  /** A disabled endpoint gets no deliveries for new events; its pending ones wait until it is enabled. */
  enabled: z.boolean(),
  /** Until then deliveries are also signed with the secret before the last rotation; null when not. */
  previousSecretExpiresAt: z.string().nullable(),
  createdAt: z.string(),
});
export const createdWebhookEndpointSchema = webhookEndpointSchema.extend({
  /** `whsec_` + base64 of 32 random bytes; shown only in this answer (creation or rotation). */
  secret: z.string(),
});

export type WebhookEndpointJson = z.infer<typeof webhookEndpointSchema>;

/**
 * An endpoint URL: http(s) only, no credentials or fragment, and a host whose addresses the policy
 * allows (./addresses.server.ts). In production a plain http:// URL must name a host listed in
 * WEBHOOK_ALLOWED_HOSTS: anything else leaves the machine with customer ids and balances, so https.
 * A name that does not resolve now is accepted: every delivery resolves and checks it again.
 */
export async function checkWebhookUrl(raw: string, policy: WebhookAddressPolicy): Promise<string> {
  const url = checkWebhookUrlText(raw);
  const { protocol, hostname } = new URL(url);
  const host = normalHost(hostname);
  let addresses: string[] | null = null;
  try {
    addresses = (await withTimeout(resolveChecked(policy, host), HOST_CHECK_TIMEOUT_MS)).map((a) => a.address);
  } catch (e) {
    if (e instanceof RefusedAddressError) {
      throw new AppError(
        "invalid_request",
        `\`url\` resolves to an inside address (${e.kind}); an internal receiver must be listed in WEBHOOK_ALLOWED_HOSTS.`,
        { field: "url" },
      );
    }
    // Not resolvable now (NXDOMAIN, no DNS): nothing is connected to until a delivery's check passes.
  }
  // Plain http only to a receiver the deployment declared internal: by its name, or every address in a listed range.
  const declared =
    hostAllowedExplicitly(policy, host) ||
    (addresses !== null && addresses.length > 0 && addresses.every((a) => hostAllowedExplicitly(policy, a)));
  if (policy.production && protocol === "http:" && !declared) {
    throw new AppError(
      "invalid_request",
      "`url` must use https:// (plain http:// only to a host listed in WEBHOOK_ALLOWED_HOSTS in production).",
      { field: "url" },
    );
  }
  return url;
}

const HOST_CHECK_TIMEOUT_MS = 5000;

function withTimeout<T>(p: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), timeoutMs))),
  ]).finally(() => clearTimeout(timer));
}

/** The checks on the text alone (scheme, credentials, fragment); returns the URL normalised. */
function checkWebhookUrlText(raw: string): string {
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
  if (!url.hostname) throw bad("must name a host.");
  return url.toString();
}

function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

type EndpointRow = typeof webhookEndpoints.$inferSelect;

/** How long deliveries carry the old secret's signature too after a rotation. */
export const PREVIOUS_SECRET_TTL_MS = 24 * 3600 * 1000;

export function webhookEndpointJson(row: EndpointRow, now: Date): WebhookEndpointJson {
  const previous = row.previousSecretExpiresAt;
  return {
    id: row.id,
    url: row.url,
    events: row.events as PublicEventType[],
    description: row.description,
    enabled: row.enabled,
    previousSecretExpiresAt: previous && previous > now ? previous.toISOString() : null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Stored in the published order, without duplicates. */
function eventList(types: readonly string[]): PublicEventType[] {
  const wanted = new Set(types);
  return PUBLIC_EVENT_TYPES.filter((t) => wanted.has(t));
}

export async function createWebhookEndpoint(
  ctx: DbClock,
  input: CreateWebhookEndpointInput,
  opts: { policy: WebhookAddressPolicy; actor: string },
): Promise<WebhookEndpointJson & { secret: string }> {
  const url = await checkWebhookUrl(input.url, opts.policy);
  const events = eventList(input.events ?? DEFAULT_WEBHOOK_EVENTS);
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
  return { ...webhookEndpointJson(row, now), secret: row.secret };
}

export function listWebhookEndpoints(ctx: DbClock): WebhookEndpointJson[] {
  const now = ctx.clock.now();
  return ctx.db
    .select()
    .from(webhookEndpoints)
    .orderBy(webhookEndpoints.id)
    .all()
    .map((row) => webhookEndpointJson(row, now));
}

/**
 * Changes what was sent (checked like a new endpoint). Adding a type counts from now for types
 * read from a source (credits.deducted): the endpoint never gets a backlog from before the change.
 */
export async function updateWebhookEndpoint(
  ctx: DbClock,
  id: number,
  input: UpdateWebhookEndpointInput,
  opts: { policy: WebhookAddressPolicy; actor: string },
): Promise<WebhookEndpointJson> {
  const url = input.url === undefined ? undefined : await checkWebhookUrl(input.url, opts.policy);
  const events = input.events === undefined ? undefined : eventList(input.events);
  const now = ctx.clock.now();
  const row = writeTransaction(ctx.db, (tx) => {
    const before = tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get();
    if (!before) throw webhookEndpointNotFound(id);
    // Only a sourced type needs it; moving it for any other would skip that type's uncopied tail.
    const added = events?.some((t) => hasEventSource(t) && !(before.events as string[]).includes(t)) ?? false;
    const changes = {
      ...(url !== undefined ? { url } : {}),
      ...(events !== undefined ? { events } : {}),
      ...(added ? { eventsSince: now } : {}),
      ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
    };
    const after = tx.update(webhookEndpoints).set(changes).where(eq(webhookEndpoints.id, id)).returning().get()!;
    const { eventsSince: _since, ...details } = changes;
    tx.insert(auditLog)
      .values({
        actor: opts.actor,
        action: "webhook_endpoint.update",
        subject: `webhook_endpoint:${id}`,
        details,
        createdAt: now,
      })
      .run();
    return after;
  });
  return webhookEndpointJson(row, now);
}

/**
 * A new secret, returned only here. For PREVIOUS_SECRET_TTL_MS deliveries are signed with both
 * (Standard Webhooks: several signatures, space-separated), so receivers can switch without a gap;
 * a second rotation within that time drops the oldest secret.
 */
export function rotateWebhookSecret(ctx: DbClock, id: number, actor: string): WebhookEndpointJson & { secret: string } {
  const now = ctx.clock.now();
  const row = writeTransaction(ctx.db, (tx) => {
    const before = tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get();
    if (!before) throw webhookEndpointNotFound(id);
    const after = tx
      .update(webhookEndpoints)
      .set({
        secret: newSecret(),
        previousSecret: before.secret,
        previousSecretExpiresAt: new Date(now.getTime() + PREVIOUS_SECRET_TTL_MS),
      })
      .where(eq(webhookEndpoints.id, id))
      .returning()
      .get()!;
    tx.insert(auditLog)
      .values({ actor, action: "webhook_endpoint.rotate_secret", subject: `webhook_endpoint:${id}`, createdAt: now })
      .run();
    return after;
  });
  return { ...webhookEndpointJson(row, now), secret: row.secret };
}

export function webhookEndpointNotFound(id: number | string): AppError {
  return new AppError("not_found", `No webhook endpoint with id ${JSON.stringify(String(id))}.`);
}

/** Deletes the endpoint and its deliveries (pending ones are never sent). */
export function deleteWebhookEndpoint(ctx: DbClock, id: number, actor: string): void {
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
