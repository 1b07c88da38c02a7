/**
 * Test helpers for the billing tests: a fresh SQLite file, the offline Stripe driven by the test's
 * ManualClock (real Stripe SDK over HTTP), demo-like plans created through the same code path as
 * the admin API, and a way to deliver signed events to the webhook by hand.
 */
import Stripe from "stripe";
import { closeDatabase } from "../../db/client";
import { creditGrants, stripeEvents, topupPurchases, userSubscriptions } from "../../db/schema";
import { testContext } from "../../test/db";
import { createUser } from "../auth/users.server";
import { checkInvariants, getBalance } from "../credits/index.server";
import type { SubscriptionPlan, TopupPlan } from "../plans/index.server";
import type { AppContext } from "../utils/context.server";
import { startTestStripe, type TestStripe } from "./offline/testing";
import type { DeliveryOptions } from "./offline/server";
import { createPlan } from "./plan-sync.server";
import { receiveStripeWebhook, type ProcessOptions, type WebhookAnswer } from "./webhook.server";

export type BillingTestCtx = ReturnType<typeof testContext>;

export interface BillingHarness {
  ctx: BillingTestCtx;
  /** ctx with the env pointing at the offline Stripe (what routes get as `context`). */
  context: BillingTestCtx;
  stripe: Stripe;
  offline: TestStripe<BillingTestCtx>;
  plans: { starter: SubscriptionPlan; pro: SubscriptionPlan; pack: TopupPlan };
  newUser(): number;
  /** Signs an event (timestamp = the test clock) and hands it to the webhook, as Stripe would. */
  deliver(event: Stripe.Event, opts?: ProcessOptions & { secret?: string; timestamp?: number }): Promise<WebhookAnswer>;
  /** The events the offline Stripe created since `mark()` was taken. */
  mark(): number;
  eventsSince(mark: number, types?: string[]): Stripe.Event[];
  balance(userId: number): number;
  counts(): Record<string, number>;
  close(): Promise<void>;
}

let emails = 0;

/**
 * `deliver: "auto"` sends every event the offline Stripe creates to the webhook (in order,
 * signed, with retries); `"manual"` only records them, for tests that choose the order.
 */
export async function startBillingHarness(
  opts: { deliver?: "auto" | "manual"; delivery?: DeliveryOptions; start?: string } = {},
): Promise<BillingHarness> {
  const ctx = testContext();
  if (opts.start) ctx.clock.set(opts.start);
  let context: BillingTestCtx = ctx;
  let stripeClient: Stripe | undefined;
  const offline = await startTestStripe(
    ctx,
    opts.deliver === "auto"
      ? {
          transport: async (request) => {
            const answer = await receiveStripeWebhook(context, stripeClient!, {
              body: await request.text(),
              signature: request.headers.get("stripe-signature"),
              secret: context.env.STRIPE_WEBHOOK_SECRET,
            });
            return { status: answer.status };
          },
          delivery: opts.delivery,
        }
      : {},
  );
  context = offline.context;
  stripeClient = offline.stripe;
  const stripe = offline.stripe;
  const admin = { ...context, stripe };

  const starter = await createPlan(
    admin,
    { kind: "subscription", input: { planFamily: "starter", publicName: "Starter", credits: 1000, priceCents: 1000 } },
    "test",
  );
  const pro = await createPlan(
    admin,
    { kind: "subscription", input: { planFamily: "pro", publicName: "Pro", credits: 5000, priceCents: 4000 } },
    "test",
  );
  const pack = await createPlan(
    admin,
    { kind: "topup", input: { internalId: "pack-1000", publicName: "1,000 credits", credits: 1000, priceCents: 700 } },
    "test",
  );

  let mark = 0;
  return {
    ctx,
    context,
    stripe,
    offline,
    plans: {
      starter: starter.plan as SubscriptionPlan,
      pro: pro.plan as SubscriptionPlan,
      pack: pack.plan as TopupPlan,
    },
    newUser: () => createUser(context, { email: `billing${++emails}-${process.pid}@example.com`, name: "Test" }).id,
    deliver(event, o = {}) {
      const payload = JSON.stringify(event, null, 2);
      const secret = o.secret ?? context.env.STRIPE_WEBHOOK_SECRET!;
      const signature = stripe.webhooks.generateTestHeaderString({
        payload,
        secret,
        timestamp: o.timestamp ?? Math.floor(context.clock.now().getTime() / 1000),
      });
      return receiveStripeWebhook(context, stripe, { body: payload, signature, secret: context.env.STRIPE_WEBHOOK_SECRET }, o);
    },
    mark: () => (mark = offline.events.length),
    eventsSince(from, types) {
      return offline.events.slice(from ?? mark).filter((e) => !types || types.includes(e.type));
    },
    balance: (userId) => getBalance(context, userId).balance,
    counts: () => countRows(context),
    async close() {
      await offline.close();
      try {
        checkInvariants(context.db, context.clock);
      } finally {
        closeDatabase(context.db);
      }
    },
  };
}

export function countRows(context: AppContext): Record<string, number> {
  const n = (table: typeof stripeEvents | typeof topupPurchases | typeof creditGrants | typeof userSubscriptions) =>
    context.db.select().from(table).all().length;
  return {
    stripeEvents: n(stripeEvents),
    topupPurchases: n(topupPurchases),
    creditGrants: n(creditGrants),
    userSubscriptions: n(userSubscriptions),
    ledger: (context.db.$client.prepare("select count(*) as n from credit_ledger").get() as { n: number }).n,
  };
}
