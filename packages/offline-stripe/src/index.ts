/**
 * The offline Stripe's public entry: everything the app, its tests and its browser tests use.
 * Nothing outside this package imports its other modules (eslint.config.js enforces it).
 */
export {
  OFFLINE_STRIPE_SECRET_KEY,
  startOfflineStripe,
  type DeliveryOptions,
  type DeliveryRecord,
  type Logger,
  type OfflineStripe,
  type OfflineStripeOptions,
  type RefundTrigger,
  type WebhookTransport,
} from "./server";
export { newWebhookSecret } from "./store";
export { systemClock, type Clock } from "./clock";
