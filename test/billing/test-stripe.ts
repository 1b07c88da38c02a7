import type Stripe from "stripe";
import type { AppContext } from "../../app/utils/context.server";
import { billingContext } from "../../app/billing/context.server";
import { createStripeClient, offlineEnv } from "../../app/billing/stripe.server";
import { startOfflineStripe, type OfflineStripe, type OfflineStripeOptions } from "@credit-billing/offline-stripe";
import { log } from "../../app/utils/log.server";

export type TestStripe<C extends AppContext> = OfflineStripe & {
  /** `ctx` with the env pointing at this server (key, webhook secret, STRIPE_API_BASE). */
  context: C;
  /** The real SDK client the app uses (the one in `context.billing`). */
  stripe: Stripe;
};

/**
 * An offline Stripe for one Vitest suite, on a random port, timed by the test's clock:
 *
 *   const ctx = testContext();
 *   const stripe = await startTestStripe(ctx, { transport: (request) => action({ request, context: stripe.context, params: {} }) });
 *   afterAll(() => stripe.close());
 *
 * Without a webhook URL or transport no events are delivered (they are still listed in `events`).
 * Retries are fast (10 ms, 40 ms, …) so a test that answers 500 on purpose stays quick.
 */
export async function startTestStripe<C extends AppContext>(
  ctx: C,
  options: OfflineStripeOptions = {},
): Promise<TestStripe<C>> {
  const server = await startOfflineStripe({
    host: "127.0.0.1",
    port: 0,
    clock: ctx.clock,
    logger: log,
    ...options,
    delivery: { retryDelayMs: 10, ...options.delivery },
  });
  const context = { ...ctx, env: offlineEnv(ctx.env, server) } as C;
  // What the server puts on the load context too: routes find the Stripe client in context.billing.
  Object.assign(context, { billing: billingContext(context) });
  return Object.assign(server, { context, stripe: createStripeClient(context.env) });
}
