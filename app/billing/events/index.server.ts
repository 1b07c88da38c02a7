import { checkoutCompleted } from "./checkout.server";
import { invoicePaymentFailed, withInvoiceHistory, withInvoiceRefunds, withTopupHistory } from "./history.server";
import { invoicePaid } from "./invoices.server";
import { paymentIntentFailed, paymentIntentSucceeded } from "./payment-intents.server";
import { chargeRefunded } from "./refunds.server";
import { ignored, type EventHandler } from "./shared.server";
import { subscriptionChanged } from "./subscriptions.server";

export { type Outcome } from "./shared.server";

/*
 * One handler per Stripe event type, one module per event family: checkout, subscriptions,
 * invoices, refunds (./shared.server.ts says how a handler works; ./one-subscription.server.ts
 * undoes a customer's second subscription for all of them).
 */

export const EVENT_HANDLERS: Record<string, EventHandler<unknown>> = {
  "checkout.session.completed": withTopupHistory(checkoutCompleted) as EventHandler<unknown>,
  "checkout.session.async_payment_succeeded": withTopupHistory(checkoutCompleted) as EventHandler<unknown>,
  "customer.subscription.created": subscriptionChanged as EventHandler<unknown>,
  "customer.subscription.updated": subscriptionChanged as EventHandler<unknown>,
  "customer.subscription.deleted": subscriptionChanged as EventHandler<unknown>,
  "invoice.paid": withInvoiceHistory(invoicePaid) as EventHandler<unknown>,
  "invoice.payment_failed": invoicePaymentFailed as EventHandler<unknown>,
  "payment_intent.succeeded": paymentIntentSucceeded as EventHandler<unknown>,
  "payment_intent.payment_failed": paymentIntentFailed as EventHandler<unknown>,
  "charge.refunded": withInvoiceRefunds(chargeRefunded) as EventHandler<unknown>,
};

export const ignoredEvent: EventHandler<null> = {
  async prepare() {
    return null;
  },
  apply(ctx) {
    return ignored(`${ctx.event.type} is not used by this app`);
  },
};
