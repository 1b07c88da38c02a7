import { describe, expect, it } from "vitest";
import { AppError } from "../utils/errors";
import { parseEnv } from "../utils/env.server";
import { apiBaseOptions, createStripeClient, OFFLINE_STRIPE_SECRET_KEY, offlineEnv } from "./stripe.server";
import { newWebhookSecret } from "@credit-billing/offline-stripe";

describe("createStripeClient", () => {
  it("builds one client per key and base URL", () => {
    const a = createStripeClient({ STRIPE_SECRET_KEY: "sk_test_a", STRIPE_API_BASE: "http://127.0.0.1:12111" });
    expect(createStripeClient({ STRIPE_SECRET_KEY: "sk_test_a", STRIPE_API_BASE: "http://127.0.0.1:12111" })).toBe(a);
    expect(createStripeClient({ STRIPE_SECRET_KEY: "sk_test_a", STRIPE_API_BASE: undefined })).not.toBe(a);
    expect(createStripeClient({ STRIPE_SECRET_KEY: "sk_test_b", STRIPE_API_BASE: "http://127.0.0.1:12111" })).not.toBe(
      a,
    );
  });

  it("refuses to build a client without a key, with a clear error", () => {
    expect(() => createStripeClient({ STRIPE_SECRET_KEY: undefined, STRIPE_API_BASE: undefined })).toThrow(AppError);
    expect(() => createStripeClient({ STRIPE_SECRET_KEY: undefined, STRIPE_API_BASE: undefined })).toThrow(
      /STRIPE_SECRET_KEY/,
    );
  });

  it("turns STRIPE_API_BASE into the SDK's host, port and protocol", () => {
    expect(apiBaseOptions(undefined)).toEqual({});
    expect(apiBaseOptions("http://localhost:12111")).toEqual({ host: "localhost", port: 12111, protocol: "http" });
    expect(apiBaseOptions("https://stripe.internal/")).toEqual({
      host: "stripe.internal",
      port: 443,
      protocol: "https",
    });
    expect(apiBaseOptions("http://[::1]:8080")).toEqual({ host: "::1", port: 8080, protocol: "http" });
    expect(() => apiBaseOptions("http://localhost:12111/prefix")).toThrow(/path/);
  });

  it("points an env at the offline Stripe with keys the env schema accepts", () => {
    const secret = newWebhookSecret();
    const env = offlineEnv(parseEnv({ NODE_ENV: "test" }), { url: "http://127.0.0.1:4242", webhookSecret: secret });
    expect(env).toMatchObject({
      STRIPE_SECRET_KEY: OFFLINE_STRIPE_SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: secret,
      STRIPE_API_BASE: "http://127.0.0.1:4242",
      stripeOffline: true,
    });
    expect(() =>
      parseEnv({ NODE_ENV: "test", STRIPE_SECRET_KEY: OFFLINE_STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET: secret }),
    ).not.toThrow();
  });
});
