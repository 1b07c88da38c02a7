import { describe, expect, it } from "vitest";
import { OFFLINE_TRIGGERS_PATH } from "~/components/DemoBanner";
import { OFFLINE_STRIPE_PAGES_PATH, stripeDashboardUrl, stripeLinkMode } from "./customers.server";

describe("links to Stripe objects", () => {
  it("go to Stripe's dashboard with a real key, in test mode for a test key", () => {
    const live = stripeLinkMode({ stripeOffline: false, STRIPE_SECRET_KEY: "sk_live_abc" });
    const test = stripeLinkMode({ stripeOffline: false, STRIPE_SECRET_KEY: "sk_test_abc" });
    expect(stripeDashboardUrl("customers", "cus_1", live)).toBe("https://dashboard.stripe.com/customers/cus_1");
    expect(stripeDashboardUrl("payments", "pi_1", test)).toBe("https://dashboard.stripe.com/test/payments/pi_1");
    expect(stripeDashboardUrl("events", "evt_1", test)).toBe("https://dashboard.stripe.com/test/events/evt_1");
  });

  it("go to the offline Stripe's own pages in the demo, never to dashboard.stripe.com", () => {
    const offline = stripeLinkMode({ stripeOffline: true, STRIPE_SECRET_KEY: undefined });
    expect(stripeDashboardUrl("customers", "cus_1", offline)).toBe("/_offline-stripe/triggers?customer=cus_1");
    expect(stripeDashboardUrl("subscriptions", "sub_1", offline)).toBe("/_offline-stripe/triggers#sub_1");
    expect(stripeDashboardUrl("payments", "pi_1", offline)).toBe("/_offline-stripe/triggers#pi_1");
    expect(stripeDashboardUrl("invoices", "in_1", offline)).toBe("/_offline-stripe/invoices/in_1");
    expect(stripeDashboardUrl("events", "evt_1", offline)).toBeNull();
  });

  it("the demo banner links the trigger page where the offline Stripe's pages are mounted", () => {
    expect(OFFLINE_TRIGGERS_PATH).toBe(`${OFFLINE_STRIPE_PAGES_PATH}/triggers`);
  });
});
