/**
 * The outbound webhooks (Standard Webhooks): one entry under `webhooks` per event type, with its
 * `data` shape, the three signature headers and what the receiver should answer.
 */
import type { PublicEventType } from "../../events/outbox.server";
import { dateTime, Deduction, Grant, Hold, metadata } from "./components";
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
      }).openapi({
        example: {
          id: 311,
          amount: 25,
          balance: 450,
          allocations: [{ grantId: 7, amount: 25 }],
          metadata: { job: "r-81" },
          reason: "image render",
          holdId: null,
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

export type WebhookEventType = keyof typeof WEBHOOK_EVENTS;

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
      "`v1,` + base64 HMAC-SHA256 of `${webhook-id}.${webhook-timestamp}.${body}` keyed with the base64-decoded secret after `whsec_`. Verify with the `standardwebhooks` package.",
    example: "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
  }),
});

export function registerWebhooks(api: ApiRegistry): void {
  for (const [type, event] of Object.entries(WEBHOOK_EVENTS)) {
    const body = z
      .object({
        id: z.string().openapi({ description: "The event id (also the `webhook-id` header)." }),
        type: z.literal(type),
        createdAt: dateTime("When the change happened."),
        data: event.data,
      })
      .openapi({ description: event.summary });
    // Registered as a component too: the generator does not collect schemas met only in webhooks.
    const refId = `${type.replace(/(^|[._])(\w)/g, (_m, _sep, c: string) => c.toUpperCase())}Event`;
    const envelope = api.registry.register(refId, body);
    api.registry.registerWebhook({
      method: "post",
      path: type,
      operationId: `webhook_${type.replace(/\./g, "_")}`,
      tags: ["Webhooks"],
      // The server calls you: no key of ours; the receiver checks the signature headers instead.
      security: [],
      summary: event.summary,
      description: event.description,
      request: { headers, body: { required: true, content: { "application/json": { schema: envelope } } } },
      responses: {
        "2XX": { description: "Delivered. Anything else, or no answer within 10 s, is retried for at least 24 hours." },
      },
    });
  }
}
