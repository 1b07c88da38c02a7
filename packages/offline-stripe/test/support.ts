/** Helpers for the package's own tests: a clock to move, the real SDK pointed at a running offline Stripe. */
import Stripe from "stripe";
import type { Clock, Logger } from "../src/index";

export class ManualClock implements Clock {
  private nowMs: number;
  constructor(start: Date | number | string) {
    this.nowMs = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.nowMs);
  }
  set(to: Date | number | string): void {
    this.nowMs = new Date(to).getTime();
  }
  advance(byMs: number): void {
    this.nowMs += byMs;
  }
}

export const silent: Logger = { warn: () => {}, error: () => {} };

/** The real Stripe SDK, talking to `server.url` instead of api.stripe.com. */
export function sdkFor(server: { url: string; secretKey: string }): Stripe {
  const url = new URL(server.url);
  return new Stripe(server.secretKey, {
    host: url.hostname,
    port: Number(url.port),
    protocol: "http",
    maxNetworkRetries: 2,
  });
}
