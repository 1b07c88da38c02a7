import type Stripe from "stripe";
import { linkStripeCustomer, stripeId, syncSubscriptionRow } from "../subscription-state.server";
import {
  type EventHandler,
  processed,
  held,
  findUserId,
  resolveSubscriptionPlan,
  PriceFetcher,
  retrieveSubscription,
} from "./shared.server";
import { duplicateOutcome, otherLiveGuard, settleSecondSubscription } from "./one-subscription.server";

// ---------------------------------------------------------------------------------------------
// customer.subscription.created / updated / deleted

type SubscriptionPrepared =
  | { duplicate: { attention: boolean; reason: string } }
  | { subscription: Stripe.Subscription; price: Stripe.Price | null; checked: string[] };

export const subscriptionChanged: EventHandler<SubscriptionPrepared> = {
  async prepare(stripe, event, ctx) {
    const payload = event.data.object as Stripe.Subscription;
    // The current state, not the event's snapshot: applying it is right in any delivery order.
    const subscription = await retrieveSubscription(stripe, payload.id, payload);
    const second = await settleSecondSubscription(ctx, stripe, subscription);
    if ("duplicate" in second) return second;
    const price = await (new PriceFetcher(stripe).get(subscription.items.data[0]?.price) ?? null);
    return { subscription, price, checked: second.checked };
  },

  apply(ctx, prepared) {
    if ("duplicate" in prepared) return duplicateOutcome(prepared.duplicate);
    const { subscription, price } = prepared;
    const customerId = stripeId(subscription.customer as string | { id: string } | null);
    const resolved = resolveSubscriptionPlan(ctx, price);
    if ("hold" in resolved) return resolved.hold;
    const userId = findUserId(ctx.db, {
      userIds: [subscription.metadata?.userId],
      customerId,
      subscriptionId: subscription.id,
    });
    if (userId === null) return held(`no user for subscription ${subscription.id}`);
    otherLiveGuard(ctx, userId, subscription, prepared.checked);
    syncSubscriptionRow(ctx, { userId, subscription, plan: resolved.plan, version: ctx.event.created });
    linkStripeCustomer(ctx, userId, customerId);
    return processed();
  },
};
