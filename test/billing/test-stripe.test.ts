import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext } from "../db";
import { startTestStripe, type TestStripe } from "./test-stripe";

type Ctx = ReturnType<typeof testContext>;

describe("startTestStripe", () => {
  const received: Stripe.Event[] = [];
  let ctx: Ctx;
  let server: TestStripe<Ctx>;

  beforeAll(async () => {
    ctx = testContext();
    // The transport stands in for the app's webhook route action: it gets the very Request Stripe would send.
    server = await startTestStripe(ctx, {
      transport: async (request) => {
        const context = server.context;
        const event = context.billing.stripe.webhooks.constructEvent(
          await request.text(),
          request.headers.get("stripe-signature") ?? "",
          context.env.STRIPE_WEBHOOK_SECRET!,
          300,
        );
        received.push(event);
        return new Response(null, { status: 200 });
      },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("gives a context whose Stripe client (context.billing.stripe) talks to the offline Stripe, timed by the test's clock", async () => {
    const stripe = server.context.billing.stripe;
    expect(stripe).toBe(server.stripe);
    expect(server.context.db).toBe(ctx.db);
    expect(server.context.env.STRIPE_API_BASE).toBe(server.url);
    const customer = await stripe.customers.create({ email: "t@example.com" });
    expect(customer.created).toBe(ctx.clock.now().getTime() / 1000);
  });

  it("delivers signed events through the transport", async () => {
    const stripe = server.stripe;
    const price = await stripe.prices.create({ currency: "usd", unit_amount: 500, product_data: { name: "Pack" } });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price: price.id, quantity: 1 }],
    });
    ctx.clock.advance(60_000);
    await server.trigger.payCheckout(session.id);
    const completed = received.find((e) => e.type === "checkout.session.completed");
    expect(completed?.data.object).toMatchObject({ id: session.id, payment_status: "paid" });
    expect(completed?.created).toBe(ctx.clock.now().getTime() / 1000);
  });
});
