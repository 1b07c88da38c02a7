import type { AppLoadContext } from "@remix-run/node";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { checkoutCtx, useBillingHarness } from "../../test/billing/harness";
import { startSubscriptionCheckout } from "~/billing/checkout.server";
import { billingPageData } from "./billing.server";

const harness = useBillingHarness({ deliver: "auto", start: "2026-01-01T00:00:00.000Z" });

describe("the next invoice on /billing", () => {
  it("shows Stripe's preview of the renewal for a subscriber, and nothing for someone without a subscription", async () => {
    const b = await harness();
    const user = b.newUser();
    expect((await billingPageData(b.context as unknown as AppLoadContext, user)).nextInvoice).toBeNull();
    const checkout = await startSubscriptionCheckout(checkoutCtx(b), b.stripe, {
      userId: user,
      planId: b.plans.starter.id,
    });
    await b.offline.trigger.payCheckout(checkout.sessionId);
    await b.offline.flush();
    const page = await billingPageData(b.context as unknown as AppLoadContext, user);
    expect(page.nextInvoice).toEqual({
      available: true,
      amountDueCents: 1000,
      currency: "usd",
      date: "2026-02-01T00:00:00.000Z",
    });
  });

  it("still renders when Stripe cannot answer, saying the amount is unavailable", async () => {
    const b = await harness();
    const user = b.newUser();
    const checkout = await startSubscriptionCheckout(checkoutCtx(b), b.stripe, {
      userId: user,
      planId: b.plans.starter.id,
    });
    await b.offline.trigger.payCheckout(checkout.sessionId);
    await b.offline.flush();
    // A Stripe that refuses every connection (nothing listens on port 9).
    const down = new Stripe("sk_test_down", { host: "127.0.0.1", port: 9, protocol: "http", maxNetworkRetries: 0 });
    const context = { ...b.context, billing: { ...b.context.billing, stripe: down } } as unknown as AppLoadContext;
    const page = await billingPageData(context, user);
    expect(page.nextInvoice).toEqual({ available: false });
    expect(page.subscription?.live).toBe(true);
    expect(page.balance.balance).toBe(1000);
  });
});
