import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveStripeWebhook } from "../billing/webhook.server";
import { apiRoute, jsonResponse, methodNotAllowed } from "../utils/http.server";
import { MAX_BODY_BYTES } from "../utils/limits";
import { AppError } from "../utils/errors";

// POST /api/webhooks/stripe — Stripe's (and the offline Stripe's) signed events. The raw body is
// read as text because the signature covers the exact bytes Stripe sent. Answers: 400 bad
// signature or body (nothing written), 200 processed/duplicate/ignored/held, 503 transient
// (Stripe retries), 500 a processing bug recorded on the event as failed (Stripe retries too).
export const action = apiRoute(async ({ request, context }: ActionFunctionArgs) => {
  if (request.method !== "POST") return methodNotAllowed(["POST"]);
  // Stripe's events are far below 1 MiB; anything bigger is not from Stripe.
  if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) throw tooLarge();
  const body = await request.text();
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) throw tooLarge();
  const answer = await receiveStripeWebhook(context.billing, context.billing.stripe, {
    body,
    signature: request.headers.get("stripe-signature"),
    secret: context.env.STRIPE_WEBHOOK_SECRET,
  });
  // A refusal is written by the API's one error response (apiRoute), like every other endpoint's.
  if (answer.error) throw answer.error;
  return jsonResponse(answer.body, answer.status);
});

export const loader = () => methodNotAllowed(["POST"]);

const tooLarge = () => new AppError("payload_too_large", "The body is larger than 1 MiB.");
