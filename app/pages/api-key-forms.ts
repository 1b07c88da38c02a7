import { z } from "zod";
import { API_KEY_SCOPES } from "../../db/schema";

/*
 * The /admin/api-keys forms (client-safe: the browser runs them too). The limits are the domain's
 * (app/auth/api-keys.server.ts), in the words of the page's labels.
 */

const MAX_KEY_NAME_LENGTH = 100;
const MAX_KEY_RATE_LIMIT = 100_000;

const rateMessage = `Enter a whole number of requests per second from 1 to ${MAX_KEY_RATE_LIMIT.toLocaleString("en-US")}, or leave it empty.`;

export const createKeySchema = z.object({
  intent: z.literal("create"),
  name: z
    .string({ required_error: "Give the key a name, like the service that will use it." })
    .trim()
    .min(1, "Give the key a name, like the service that will use it.")
    .max(MAX_KEY_NAME_LENGTH, `Use at most ${MAX_KEY_NAME_LENGTH} characters.`),
  scope: z.enum(API_KEY_SCOPES, {
    required_error: "Choose what the key may do.",
    invalid_type_error: "Choose what the key may do.",
  }),
  rateLimitPerSecond: z
    .number({ invalid_type_error: rateMessage })
    .int(rateMessage)
    .min(1, rateMessage)
    .max(MAX_KEY_RATE_LIMIT, rateMessage)
    .optional(),
});

/** Review first ("confirm-revoke" writes nothing), then "revoke" with the prefix the review showed. */
export const revokeKeySchema = z.object({
  intent: z.enum(["confirm-revoke", "revoke"]),
  id: z.number().int().positive(),
  prefix: z.string().max(40).optional(),
});

export const SCOPE_LABELS: Record<(typeof API_KEY_SCOPES)[number], string> = {
  usage: "Usage",
  admin: "Admin",
};
