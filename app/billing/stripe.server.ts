import Stripe from "stripe";
import { AppError } from "../utils/errors";
import type { Env } from "../utils/env.server";

/**
 * The API key the app gives the offline Stripe (packages/offline-stripe). It only ever reaches a server on
 * 127.0.0.1 that this process started; real Stripe rejects it like any other made-up key. The
 * offline Stripe's webhook signing secret is not here: it is random, generated once per database
 * and kept in the offline Stripe's state file, so nobody can sign events from the source.
 */
export const OFFLINE_STRIPE_SECRET_KEY = "sk_test_offline_0000000000000000000000000000";

export type StripeEnv = Pick<Env, "STRIPE_SECRET_KEY" | "STRIPE_API_BASE">;

const clients = new Map<string, Stripe>();

/**
 * The one way the app builds a Stripe client. The offline Stripe, stripe-mock and real Stripe
 * differ only in the key and the base URL, so nothing downstream can tell them apart.
 */
export function createStripeClient(env: StripeEnv): Stripe {
  const key = env.STRIPE_SECRET_KEY;
  if (!key) {
    throw new AppError(
      "service_unavailable",
      "Stripe is not configured: STRIPE_SECRET_KEY is not set (the server sets the offline key itself when it starts the offline Stripe).",
    );
  }
  const cacheKey = `${key}\u0000${env.STRIPE_API_BASE ?? ""}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = new Stripe(key, {
      ...apiBaseOptions(env.STRIPE_API_BASE),
      // Retries reuse the SDK's idempotency key, so a retried POST never acts twice.
      maxNetworkRetries: 2,
      timeout: 20_000,
      appInfo: { name: "credit-billing", version: "0.1.0" },
    });
    clients.set(cacheKey, client);
  }
  return client;
}

/** `http://127.0.0.1:12111` → the SDK's host/port/protocol options; nothing for real Stripe. */
export function apiBaseOptions(base: string | undefined): {
  host?: string;
  port?: number;
  protocol?: "http" | "https";
} {
  if (!base) return {};
  const url = new URL(base);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`STRIPE_API_BASE must be an http(s) URL, got ${base}`);
  }
  if (url.pathname !== "/" && url.pathname !== "") {
    // The SDK always requests /v1/… from the root; a path prefix would be silently dropped.
    throw new Error(`STRIPE_API_BASE must not have a path (the SDK adds /v1/…), got ${base}`);
  }
  const protocol = url.protocol === "http:" ? "http" : "https";
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port ? Number(url.port) : protocol === "http" ? 80 : 443,
    protocol,
  };
}

/** The env the app runs with when it talks to the offline Stripe at `server.url`. */
export function offlineEnv<E extends Env>(
  env: E,
  server: { url: string; secretKey?: string; webhookSecret: string },
): E {
  return {
    ...env,
    STRIPE_SECRET_KEY: server.secretKey ?? OFFLINE_STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET: server.webhookSecret,
    STRIPE_API_BASE: server.url,
    stripeOffline: true,
  };
}
