import type { StripeContext } from "../billing/context.server";

declare module "@remix-run/server-runtime" {
  /** Besides the AppContext (app/utils/context.server.ts): billing's context, built once at start-up. */
  interface AppLoadContext {
    billing: StripeContext;
  }
}

export {};
