import type { Db } from "../../db/client";
import type { Clock } from "./clock";
import type { Env } from "./env.server";

/** What every loader and action gets as `context`: the server builds it once at start. */
export type AppContext = {
  db: Db;
  clock: Clock;
  env: Env;
};

declare module "@remix-run/server-runtime" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AppLoadContext extends AppContext {}
}
