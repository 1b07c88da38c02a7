/**
 * The outbound webhooks (Standard Webhooks): one entry under `webhooks` per event type, with its
 * `data` shape, the three signature headers and what the receiver should answer; then, in their own
 * section, the admin operations that manage endpoints and read events and deliveries back.
 */
import type { PublicEventType } from "../../events/outbox.server";
import {
  createdWebhookEndpointSchema,
  createWebhookEndpointSchema,
  updateWebhookEndpointSchema,
  webhookDeliverySchema,
  webhookEndpointSchema,
} from "../../webhooks/index.server";
import {
  cursorQuery,
  dateTime,
  Deduction,
  Deleted,
  Grant,
  Hold,
  idParam,
  limitQuery,
  metadata,
  UsageTag,
} from "./components";
import type { ApiRegistry } from "./registry";
import { z } from "./zod";

const userId = z.number().int().openapi({ description: "The user's numeric id." });
const externalId = z.string().nullable().openapi({ description: "The user's external id, or null." });
const balance = z.number().int().openapi({ description: "Spendable balance after the change." });

/** Every public event type and its `data`, with when it is sent. */
export const WEBHOOK_EVENTS = {
  "credits.granted": {
    summary: "Credits were granted",
    description: "A grant was added (API, admin, subscription renewal, top-up, migration).",
    data: z.object({
      userId,
      externalId,
      grant: Grant,
      balance,
      metadata: metadata("The grant's `metadata`, as sent."),
    }),
  },
  "credits.deducted": {
    summary: "Credits were spent",
    description:
      "A deduction (or a hold's capture). Sent only to endpoints that list this type in `events` (not in the default set).",
    data: z.object({
      userId,
      externalId,
      deduction: Deduction.extend({
        reason: z.string().nullable(),
        holdId: z.number().int().nullable().openapi({ description: "The hold this capture spent, or null." }),
        usage: UsageTag.nullable().openapi({
          description: "On a deduction made by usage of a rate-card feature: the feature, quantity and price version.",
        }),
      }).openapi({
        example: {
          id: 311,
          amount: 25,
          balance: 450,
          allocations: [{ grantId: 7, amount: 25 }],
          metadata: { job: "r-81" },
          reason: "image render",
          holdId: null,
          usage: null,
        },
      }),
      balance,
    }),
  },
  "credits.expired": {
    summary: "Credits expired",
    description: "What was left of a grant expired.",
    data: z.object({ userId, externalId, grantId: z.number().int(), amount: z.number().int(), balance }),
  },
  "credits.voided": {
    summary: "A grant was voided",
    description: "An admin or the API voided what was left of a grant.",
    data: z.object({ userId, externalId, grant: Grant, balance }),
  },
  "credits.expiring_soon": {
    summary: "Credits expire soon",
    description: "Once per grant, when it has credits left and expires within `EXPIRING_SOON_DAYS` (default 7 days).",
    data: z.object({
      userId,
      externalId,
      grantId: z.number().int(),
      amount: z.number().int().openapi({ description: "Credits left in the grant." }),
      expiresAt: dateTime(),
    }),
  },
  "balance.low": {
    summary: "The balance fell below the low-balance threshold",
    description:
      "When a change takes the balance from at least the user's `lowBalanceThreshold` (default `LOW_BALANCE_THRESHOLD`, 100; 0 = off) to below it.",
    data: z.object({ userId, externalId, balance, threshold: z.number().int() }),
  },
  "balance.depleted": {
    summary: "The balance reached 0",
    description: "When a change takes the spendable balance to 0.",
    data: z.object({ userId, externalId, balance: z.literal(0) }),
  },
  "hold.expired": {
    summary: "A hold expired uncaptured",
    description: "A hold reached `expiresAt` without being captured or released; its credits went back.",
    data: z.object({ userId, externalId, hold: Hold }),
  },
} satisfies Record<PublicEventType, { summary: string; description: string; data: z.ZodTypeAny }>;

const headers = z.object({
  "webhook-id": z.string().openapi({
    description: "The event id; the same on every retry (use it to drop duplicates).",
    example: "evt_4f1c2b7e9a0d4c1b8e6f2a3b5c7d9e10",
  }),
  "webhook-timestamp": z
    .string()
    .openapi({ description: "Unix seconds when this attempt was signed.", example: "1780000000" }),
  "webhook-signature": z.string().openapi({
    description:
      "`v1,` + base64 HMAC-SHA256 of `${webhook-id}.${webhook-timestamp}.${body}` keyed with the base64-decoded secret after `whsec_`; for 24 hours after a secret rotation a second signature with the previous secret follows, space-separated. Verify with the `standardwebhooks` package (it accepts the header when any signature matches).",
    example: "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
  }),
});

const ORDERING =
  "Ordering: events are sent as soon as they are dispatched and retried independently, so they can arrive out of order and more than once. `sequence` numbers a user's events (all public types, in the order they were recorded) from 1 without gaps; an endpoint that lists fewer types sees gaps. Order a user's events by `sequence` and drop repeats by `id`; nothing orders events of different users.";

export function registerWebhooks(api: ApiRegistry): void {
  const envelopes: z.ZodTypeAny[] = [];
  for (const [type, event] of Object.entries(WEBHOOK_EVENTS)) {
    const body = z
      .object({
        id: z.string().openapi({ description: "The event id (also the `webhook-id` header)." }),
        type: z.literal(type),
        createdAt: dateTime("When the change happened."),
        sequence: z.number().int().min(1).optional().openapi({
          description:
            "The event's number among its user's public events: 1, 2, … without gaps, in the order they were recorded. Absent on events recorded before sequence numbers existed.",
        }),
        data: event.data,
      })
      .openapi({ description: event.summary });
    // Registered as a component too: the generator does not collect schemas met only in webhooks.
    const refId = `${type.replace(/(^|[._])(\w)/g, (_m, _sep, c: string) => c.toUpperCase())}Event`;
    const envelope = api.registry.register(refId, body);
    envelopes.push(envelope);
    api.registry.registerWebhook({
      method: "post",
      path: type,
      operationId: `webhook_${type.replace(/\./g, "_")}`,
      tags: ["Webhooks"],
      // The server calls you: no key of ours; the receiver checks the signature headers instead.
      security: [],
      summary: event.summary,
      description: `${event.description}\n\n${ORDERING}`,
      request: { headers, body: { required: true, content: { "application/json": { schema: envelope } } } },
      responses: {
        "2XX": { description: "Delivered. Anything else, or no answer within 10 s, is retried for at least 24 hours." },
      },
    });
  }
  registerWebhookEndpoints(api, z.union(envelopes as [z.ZodTypeAny, z.ZodTypeAny, ...z.ZodTypeAny[]]));
}

// ---------------------------------------------------------------------------------------------
// Webhook endpoints, events and deliveries (/api/admin; app/routes/api.admin.webhook-*.ts, api.admin.events.ts)

const WebhookEndpoint = webhookEndpointSchema.openapi("WebhookEndpoint", {
  description: "An endpoint that receives events; its secret is shown only when it is created or rotated.",
});
const CreatedWebhookEndpoint = createdWebhookEndpointSchema.openapi("CreatedWebhookEndpoint", {
  example: {
    id: 3,
    url: "https://example.com/hooks/credits",
    events: ["credits.granted", "balance.low", "balance.depleted"],
    description: "billing service",
    enabled: true,
    previousSecretExpiresAt: null,
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    createdAt: "2026-05-01T12:00:00.000Z",
  },
});
const URL_RULES =
  "`url` must be http(s) without credentials or fragment, and its host must not resolve to a loopback, private, link-local, unique-local, multicast or reserved address (nor IPv4-mapped forms of those) unless it is listed in `WEBHOOK_ALLOWED_HOSTS`; in production plain http:// only to such a listed host.";
const WebhookDelivery = webhookDeliverySchema.openapi("WebhookDelivery");

function registerWebhookEndpoints(api: ApiRegistry, Event: z.ZodTypeAny): void {
  const tag = "Webhook endpoints";
  const endpointId = { id: idParam("id", "webhook endpoint") };
  api.operation({
    method: "post",
    path: "/api/admin/webhook-endpoints",
    operationId: "createWebhookEndpoint",
    tag,
    summary: "Register a webhook endpoint",
    description:
      "`events` defaults to every event type except `credits.deducted`. The answer's `secret` (`whsec_` + base64) signs every delivery and is shown only here: keep it.",
    auth: "admin-or-session",
    body: {
      schema: createWebhookEndpointSchema,
      example: {
        url: "https://example.com/hooks/credits",
        events: ["credits.granted", "balance.low", "balance.depleted"],
        description: "billing service",
      },
    },
    responses: { 201: { description: "Registered.", schema: CreatedWebhookEndpoint } },
    errors: {
      400: `A field is not valid: ${URL_RULES} \`events\` must be known types.`,
      409: "`conflict`: there are already 50 endpoints; delete one first.",
    },
  });
  api.operation({
    method: "patch",
    path: "/api/admin/webhook-endpoints/{id}",
    operationId: "updateWebhookEndpoint",
    tag,
    summary: "Change a webhook endpoint",
    description:
      "Any of `url`, `events`, `enabled`, `description` (null clears it). A disabled endpoint gets no deliveries for events recorded while it is disabled (read them from `GET /api/admin/events`); its pending deliveries wait and are sent once it is enabled again. Adding `credits.deducted` counts from now: no earlier deductions are sent.",
    auth: "admin-or-session",
    params: endpointId,
    body: { schema: updateWebhookEndpointSchema, example: { enabled: false } },
    responses: { 200: { description: "The endpoint as it is now.", schema: WebhookEndpoint } },
    errors: { 400: `A field is not valid, or none was sent. ${URL_RULES}`, 404: "No such endpoint." },
  });
  api.operation({
    method: "post",
    path: "/api/admin/webhook-endpoints/{id}/rotate-secret",
    operationId: "rotateWebhookSecret",
    tag,
    summary: "Rotate an endpoint's secret",
    description:
      "Makes a new secret and returns it, only here. For 24 hours (until `previousSecretExpiresAt`) every delivery carries two signatures in `webhook-signature`, the new secret's and the previous one's, so a receiver verifies with either while it switches. Rotating again within that time drops the older secret. No body.",
    auth: "admin-or-session",
    params: endpointId,
    responses: { 200: { description: "The endpoint with its new secret.", schema: CreatedWebhookEndpoint } },
    errors: { 404: "No such endpoint." },
  });
  api.operation({
    method: "get",
    path: "/api/admin/events",
    operationId: "listEvents",
    tag,
    summary: "List events",
    description: `The public events, newest first, each exactly the body its webhook deliveries send (whatever endpoints list): the way to reconcile after an outage. An event is listed once dispatched, normally within a second of the change. Page with \`nextCursor\` until it is null; events recorded meanwhile never shift a page. ${ORDERING}`,
    auth: "admin-or-session",
    query: {
      type: z
        .enum(Object.keys(WEBHOOK_EVENTS) as [string, ...string[]])
        .optional()
        .openapi({ param: { name: "type", in: "query" }, description: "Only this event type." }),
      limit: limitQuery(),
      cursor: cursorQuery,
    },
    responses: {
      200: {
        description: "A page of events.",
        schema: z.object({ data: z.array(Event), nextCursor: z.string().nullable() }),
      },
    },
    errors: { 400: "`type`, `limit` or `cursor` is not valid (a cursor belongs to its `type`)." },
  });
  api.operation({
    method: "get",
    path: "/api/admin/webhook-endpoints",
    operationId: "listWebhookEndpoints",
    tag,
    summary: "List webhook endpoints",
    description: "Without their secrets.",
    auth: "admin-or-session",
    responses: { 200: { description: "Every endpoint.", schema: z.object({ data: z.array(WebhookEndpoint) }) } },
  });
  api.operation({
    method: "delete",
    path: "/api/admin/webhook-endpoints/{id}",
    operationId: "deleteWebhookEndpoint",
    tag,
    summary: "Delete a webhook endpoint",
    description: "Its deliveries go with it; pending ones are never sent.",
    auth: "admin-or-session",
    params: endpointId,
    responses: { 200: { description: "Deleted.", schema: Deleted } },
    errors: { 404: "No such endpoint." },
  });
  api.operation({
    method: "get",
    path: "/api/admin/webhook-endpoints/{id}/deliveries",
    operationId: "listWebhookDeliveries",
    tag,
    summary: "List an endpoint's deliveries",
    description:
      "Newest event first, with each one's status, attempts, last HTTP status and next attempt; page with `nextCursor` until it is null. `lastStatusCode` is null when there was no HTTP answer (refused, unreachable or no answer in time: these are not told apart).",
    auth: "admin-or-session",
    params: endpointId,
    query: { limit: limitQuery(), cursor: cursorQuery },
    responses: {
      200: {
        description: "A page of deliveries.",
        schema: z.object({ data: z.array(WebhookDelivery), nextCursor: z.string().nullable() }),
      },
    },
    errors: { 400: "`limit` or `cursor` is not valid.", 404: "No such endpoint." },
  });
  api.operation({
    method: "post",
    path: "/api/admin/webhook-deliveries/{id}/retry",
    operationId: "retryWebhookDelivery",
    tag,
    summary: "Send a delivery again",
    description:
      "Makes it due now with the same `webhook-id` (a failed one gets one more attempt; a delivered one is sent once more). No body.",
    auth: "admin-or-session",
    params: { id: idParam("id", "webhook delivery") },
    responses: { 200: { description: "The delivery, due now.", schema: z.object({ delivery: WebhookDelivery }) } },
    errors: { 404: "No such delivery." },
  });
}
