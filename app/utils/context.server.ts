import type { Db } from "../../db/client";
import type { Clock } from "./clock";
import type { Env } from "./env.server";

/**
 * What domain code takes (credits, plans, auth, billing): the database and the one clock. Billing
 * functions that call Stripe also take the client (app/billing/context.server.ts).
 */
export type DomainCtx = { db: Db; clock: Clock };

/** What every loader and action gets as `context`: the server builds it once at start. */
export type AppContext = DomainCtx & { env: Env };

declare module "@remix-run/server-runtime" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AppLoadContext extends AppContext {}
}
