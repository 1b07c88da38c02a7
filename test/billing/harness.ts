/**
 * Test helpers for the billing tests: a fresh SQLite file, the offline Stripe driven by the test's
 * ManualClock (real Stripe SDK over HTTP), demo-like plans created through the same code path as
 * the admin API, and a way to deliver signed events to the webhook by hand.
 */
import type Stripe from "stripe";
import { afterEach } from "vitest";
import { closeDatabase } from "../../db/client";
import { creditGrants, stripeEvents, topupPurchases, userSubscriptions } from "../../db/schema";
import { testContext } from "../db";
import { createUser } from "../../app/auth/users.server";
import { checkInvariants, getBalance } from "../../app/credits/index.server";
import type { CreatePlanInput, KindedPlan, SubscriptionPlan, TopupPlan } from "../../app/plans/index.server";
import type { AppContext } from "../../app/utils/context.server";
import type { StripeContext } from "../../app/billing/context.server";
import { startTopupCheckout } from "../../app/billing/checkout.server";
import type { DeliveryOptions } from "@credit-billing/offline-stripe";
import { startTestStripe, type TestStripe } from "./test-stripe";
import { createPlan } from "../../app/billing/plan-sync.server";
import { receiveStripeWebhook, type ProcessOptions, type WebhookAnswer } from "../../app/billing/webhook.server";

type BillingTestCtx = ReturnType<typeof testContext>;
export type BillingHarnessOptions = { deliver?: "auto" | "manual"; delivery?: DeliveryOptions; start?: string };

export interface BillingHarness {
  ctx: BillingTestCtx;
  /** ctx with the env pointing at the offline Stripe (what routes get as `context`). */
  context: BillingTestCtx;
  stripe: Stripe;
  offline: TestStripe<BillingTestCtx>;
  plans: { starter: SubscriptionPlan; pro: SubscriptionPlan; pack: TopupPlan };
  newUser(): number;
  /** Creates a plan the way an admin does (Stripe product and price included), as actor "test". */
  createPlan(create: CreatePlanInput): Promise<KindedPlan>;
  /** Stripe's signature header for a payload; timestamp defaults to the test clock. */
  sign(payload: string, opts?: { secret?: string; timestamp?: number }): string;
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
export async function startBillingHarness(opts: BillingHarnessOptions = {}): Promise<BillingHarness> {
  const ctx = testContext();
  if (opts.start) ctx.clock.set(opts.start);
  let context: BillingTestCtx = ctx;
  const offline = await startTestStripe(
    ctx,
    opts.deliver === "auto"
      ? {
          transport: async (request) => {
            const answer = await receiveStripeWebhook(context, context.billing.stripe, {
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
  const stripe = offline.stripe;
  const adminCreatePlan = (create: CreatePlanInput) => createPlan({ ...context, stripe }, create, "test");
  const sign: BillingHarness["sign"] = (payload, o = {}) =>
    stripe.webhooks.generateTestHeaderString({
      payload,
      secret: o.secret ?? context.env.STRIPE_WEBHOOK_SECRET!,
      timestamp: o.timestamp ?? Math.floor(context.clock.now().getTime() / 1000),
    });

  const starter = await adminCreatePlan({
    kind: "subscription",
    input: { planFamily: "starter", publicName: "Starter", credits: 1000, priceCents: 1000 },
  });
  const pro = await adminCreatePlan({
    kind: "subscription",
    input: { planFamily: "pro", publicName: "Pro", credits: 5000, priceCents: 4000 },
  });
  const pack = await adminCreatePlan({
    kind: "topup",
    input: { internalId: "pack-1000", publicName: "1,000 credits", credits: 1000, priceCents: 700 },
  });

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
    createPlan: adminCreatePlan,
    sign,
    deliver(event, o = {}) {
      const payload = JSON.stringify(event, null, 2);
      const signature = sign(payload, o);
      return receiveStripeWebhook(
        context,
        stripe,
        { body: payload, signature, secret: context.env.STRIPE_WEBHOOK_SECRET },
        o,
      );
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
        checkInvariants(context);
      } finally {
        closeDatabase(context.db);
      }
    },
  };
}

/**
 * For a test file whose tests each start one harness: returns the function that starts it (with
 * the file's defaults) and closes it after the test, checking the credit invariants.
 */
export function useBillingHarness(
  defaults: BillingHarnessOptions = {},
): (opts?: BillingHarnessOptions) => Promise<BillingHarness> {
  let current: BillingHarness | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return async (opts) => (current = await startBillingHarness({ ...defaults, ...opts }));
}

/** What checkout.server.ts needs, from a harness. */
export function checkoutCtx(b: BillingHarness): Omit<StripeContext, "stripe"> {
  return { db: b.context.db, clock: b.context.clock, appUrl: b.context.env.appUrl };
}

/** Pays a top-up checkout on the offline Stripe and returns the events it created. */
export async function payTopup(b: BillingHarness, userId: number, quantity = 1) {
  const from = b.mark();
  const checkout = await startTopupCheckout(checkoutCtx(b), b.stripe, { userId, planId: b.plans.pack.id, quantity });
  await b.offline.trigger.payCheckout(checkout.sessionId);
  const completed = b.eventsSince(from, ["checkout.session.completed"])[0];
  return { sessionId: checkout.sessionId, completed, events: b.eventsSince(from) };
}

/**
 * Pays, as a one-off Checkout, a Stripe price the app has no plan for and that carries no credits
 * metadata: its checkout.session.completed is one the webhook holds.
 */
export async function payUnknownPrice(b: BillingHarness, userId: number, unitAmountCents: number) {
  const price = await b.stripe.prices.create({
    currency: "usd",
    unit_amount: unitAmountCents,
    product_data: { name: "Mystery pack" },
  });
  const session = await b.stripe.checkout.sessions.create({
    mode: "payment",
    client_reference_id: String(userId),
    metadata: { userId: String(userId) },
    line_items: [{ price: price.id, quantity: 1 }],
    success_url: "http://localhost/billing/success?session_id={CHECKOUT_SESSION_ID}",
  });
  const from = b.mark();
  await b.offline.trigger.payCheckout(session.id);
  return { priceId: price.id, completed: b.eventsSince(from, ["checkout.session.completed"])[0] };
}

function countRows(context: AppContext): Record<string, number> {
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
