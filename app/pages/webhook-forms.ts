import { z } from "zod";

/*
 * The /admin/webhooks forms (client-safe: the browser runs them too). The event types come from
 * the loader; the server checks them against the published list (app/pages/webhooks.server.ts).
 */

const MAX_URL_LENGTH = 2048;
const MAX_DESCRIPTION_LENGTH = 500;
const URL_MESSAGE = "Enter the full address that receives the events, starting with https://.";
export const EVENTS_MESSAGE = "Choose at least one event to send.";

/** Create (on the list) and edit (on the endpoint's page): the same fields. */
export const endpointFormSchema = z.object({
  intent: z.enum(["create", "update"]),
  url: z
    .string({ required_error: URL_MESSAGE })
    .trim()
    .max(MAX_URL_LENGTH, `Use at most ${MAX_URL_LENGTH} characters.`)
    .refine((u) => /^https?:\/\/[^\s]+$/i.test(u), URL_MESSAGE),
  description: z
    .string()
    .trim()
    .max(MAX_DESCRIPTION_LENGTH, `Use at most ${MAX_DESCRIPTION_LENGTH} characters.`)
    .optional(),
  events: z.array(z.string(), { required_error: EVENTS_MESSAGE }).min(1, EVENTS_MESSAGE),
});

/** The endpoint page's buttons: hidden inputs only. */
export const endpointActionSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.enum(["enable", "disable", "test", "confirm-rotate", "rotate"]) }),
  z.object({ intent: z.literal("retry"), deliveryId: z.number().int().positive() }),
]);

/** What each event type means, for the checkboxes. */
export const EVENT_LABELS: Record<string, string> = {
  "credits.granted": "Credits granted (subscriptions, top-ups, admin grants)",
  "credits.deducted": "Credits deducted (one per deduction: high volume)",
  "credits.expired": "Credits expired",
  "credits.voided": "Credits voided",
  "credits.expiring_soon": "Credits expiring soon",
  "balance.low": "Balance low",
  "balance.depleted": "Balance depleted",
  "hold.expired": "Hold expired",
  "webhook.test": "Test event",
};
