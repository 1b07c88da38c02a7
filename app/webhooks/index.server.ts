/** Outbound webhooks (Standard Webhooks): endpoints, deliveries, the outbox consumer and the sender. */
export {
  checkWebhookUrl,
  createWebhookEndpoint,
  createWebhookEndpointSchema,
  createdWebhookEndpointSchema,
  DEFAULT_WEBHOOK_EVENTS,
  deleteWebhookEndpoint,
  listWebhookEndpoints,
  MAX_WEBHOOK_ENDPOINTS,
  PREVIOUS_SECRET_TTL_MS,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  updateWebhookEndpointSchema,
  webhookEndpointSchema,
  webhookEventTypeSchema,
  type CreateWebhookEndpointInput,
  type UpdateWebhookEndpointInput,
  type WebhookEndpointJson,
} from "./endpoints.server";
export {
  listEventBodies,
  listEventsQuerySchema,
  listWebhookDeliveries,
  listWebhookDeliveriesQuerySchema,
  retryWebhookDelivery,
  webhookDeliverySchema,
  type Page,
  type WebhookDeliveryJson,
} from "./deliveries.server";
export { sendTestWebhook, WEBHOOK_TEST_EVENT_TYPE } from "./test-event.server";
export { webhookAddressPolicy, type WebhookAddressPolicy } from "./addresses.server";
export {
  DELIVERY_TIMEOUT_MS,
  ENDPOINT_CONCURRENCY,
  MAX_ATTEMPTS,
  RETRY_DELAYS_MS,
  signWebhook,
  startWebhookSender,
  webhookBody,
  webhooksConsumer,
  type SenderOptions,
  type WebhookSender,
} from "./delivery.server";
