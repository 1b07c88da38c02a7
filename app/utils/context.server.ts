import type { Db } from "../../db/client";
import type { Clock } from "./clock";
import type { Env } from "./env.server";

/*
 * Three contexts, named for what they carry: DbClock (domain code), AppContext (DbClock and the
 * parsed env: every loader and action's `context`), and StripeContext (DbClock, the Stripe client
 * and the app's URL: app/billing/context.server.ts).
 */

/** The database and the one clock: what domain code takes (credits, plans, auth, billing). */
export type DbClock = { db: Db; clock: Clock };

/** DbClock and the parsed env, built once at start: every loader and action gets it as `context`. */
export type AppContext = DbClock & { env: Env };

declare module "@remix-run/server-runtime" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AppLoadContext extends AppContext {}
}
