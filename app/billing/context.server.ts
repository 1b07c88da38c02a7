import type Stripe from "stripe";
import type { AppContext, DbClock } from "../utils/context.server";
import { createStripeClient } from "./stripe.server";

/**
 * What billing code that talks to Stripe takes: the domain context, the one Stripe client and the
 * app's public URL (Checkout and portal return links). Built once at start-up
 * (app/server/main.ts) and handed to loaders and actions as `context.billing`, so routes never
 * build a client themselves.
 */
export type StripeContext = DbClock & { readonly stripe: Stripe; appUrl: string };

/**
 * The billing context of an app context. The client is made on first use: without
 * STRIPE_SECRET_KEY the app still starts, and only what needs Stripe answers 503 service_unavailable.
 */
export function billingContext(app: AppContext): StripeContext {
  let stripe: Stripe | undefined;
  return {
    db: app.db,
    clock: app.clock,
    appUrl: app.env.appUrl,
    get stripe() {
      return (stripe ??= createStripeClient(app.env));
    },
  };
}
