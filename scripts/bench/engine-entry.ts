// What the benchmark loads from the app's TypeScript (bundled on the fly with esbuild).
import { sessionCookie } from "../../app/auth/session.server";
import type { Env } from "../../app/utils/env.server";

export { closeDatabase, openDatabase } from "../../db/client";
export { migrateDatabase } from "../../db/migrate";
export { createApiKey } from "../../app/auth/api-keys.server";
export { createUser } from "../../app/auth/users.server";
export { createSession } from "../../app/auth/session.server";
export { deductCredits, expireGrants, grantCredits } from "../../app/credits/index.server";
export { systemClock } from "../../app/utils/clock";
export { createFeature } from "../../app/features/index.server";

/** The Cookie header a browser would send for `token` (plain http, so the non-__Host- cookie). */
export async function sessionCookieHeader(sessionSecret: string, token: string): Promise<string> {
  const env = { NODE_ENV: "production", appUrl: "http://127.0.0.1", sessionSecret } as Env;
  return (await sessionCookie(env).serialize(token)).split(";")[0];
}
