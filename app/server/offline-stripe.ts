/**
 * The app's use of the offline Stripe (packages/offline-stripe): started in-process by main.ts
 * when STRIPE_SECRET_KEY is unset, its hosted pages mounted under the app's own origin.
 */
import type { AddressInfo } from "node:net";
import path from "node:path";
import { startOfflineStripe, type OfflineStripe } from "@credit-billing/offline-stripe";
import { OFFLINE_STRIPE_PAGES_PATH } from "../pages/customers.server";
import { OFFLINE_STRIPE_SECRET_KEY } from "../billing/stripe.server";
import type { Clock } from "../utils/clock";
import type { Env } from "../utils/env.server";
import { log } from "../utils/log.server";

/** Where the app mounts the hosted pages, so browsers reach them on the app's own origin. */
export const OFFLINE_PAGES_PATH = OFFLINE_STRIPE_PAGES_PATH;

/**
 * The offline Stripe as the app server runs it: on 127.0.0.1 (STRIPE_OFFLINE_PORT, default a
 * free port), state next to the database so the demo survives restarts (and its random webhook
 * secret stays the same for that database), hosted pages under the app's URL. The webhook endpoint is set once the app listens (setWebhookEndpoint).
 */
export async function startOfflineStripeForApp(env: Env, clock: Clock): Promise<OfflineStripe> {
  if (env.STRIPE_API_BASE) {
    log.warn("STRIPE_API_BASE is ignored without STRIPE_SECRET_KEY; using the offline Stripe", {
      STRIPE_API_BASE: env.STRIPE_API_BASE,
    });
  }
  const offline = await startOfflineStripe({
    host: "127.0.0.1",
    port: env.STRIPE_OFFLINE_PORT ?? 0,
    statePath:
      env.DATABASE_PATH === ":memory:"
        ? undefined
        : path.join(path.dirname(path.resolve(env.DATABASE_PATH)), "offline-stripe.json"),
    publicUrl: `${env.appUrl}${OFFLINE_PAGES_PATH}`,
    clock,
    secretKey: OFFLINE_STRIPE_SECRET_KEY,
    logger: log,
  });
  log.info("offline stripe started", {
    api: offline.url,
    pages: offline.publicUrl,
    triggers: `${offline.url}/_offline`,
  });
  return offline;
}

/** The app's webhook route as seen from this process, whatever address the app listens on. */
export function loopbackWebhookUrl(address: AddressInfo): string {
  const host =
    address.address === "0.0.0.0" || address.address === "::"
      ? "127.0.0.1"
      : address.family === "IPv6"
        ? `[${address.address}]`
        : address.address;
  return `http://${host}:${address.port}/api/webhooks/stripe`;
}
