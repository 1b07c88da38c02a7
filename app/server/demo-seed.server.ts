import { count } from "drizzle-orm";
import { recordAudit } from "../auth/audit.server";
import { hashPassword } from "../auth/password.server";
import { createUser, type User } from "../auth/users.server";
import { createPlan } from "../billing/plan-sync.server";
import { billingContext } from "../billing/context.server";
import { grantDemoCredits } from "../credits/index.server";
import { findPlanByInternalId, parseCreatePlanInput, type PlanKind } from "../plans/index.server";
import type { AppContext } from "../utils/context.server";
import { users } from "../../db/schema";
import { writeTransaction } from "../../db/transaction";

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
 * while no real Stripe key is set (in production only with DEMO=1: the published demo passwords
 * must never appear on a real deployment). Returns the logins when it seeded, else null.
 */
export async function seedDemoIfEmpty(ctx: AppContext): Promise<DemoLogins | null> {
  if (!ctx.env.stripeOffline) return null;
  // parseEnv already refuses production without a key unless DEMO=1; checked again where it matters.
  if (ctx.env.NODE_ENV === "production" && !ctx.env.demo) return null;
  const [{ n }] = ctx.db.select({ n: count() }).from(users).all();
  if (n > 0) return null;
  // Filled in by the auth, credits and billing modules (see seedDemo steps below).
  await seedDemoPlans(ctx);
  const passwords = await hashDemoPasswords();
  writeTransaction(ctx.db, () => {
    const { customer } = seedDemoUsers(ctx, passwords);
    seedDemoCredits(ctx, customer);
  });
  return DEMO_LOGINS;
}

/** Step: hash the demo passwords at the production cost (slow, so outside any transaction). */
async function hashDemoPasswords(): Promise<{ admin: string; customer: string }> {
  const [admin, customer] = await Promise.all([
    hashPassword(DEMO_LOGINS.admin.password),
    hashPassword(DEMO_LOGINS.customer.password),
  ]);
  return { admin, customer };
}

/** Step: the admin and the customer the start banner prints. */
function seedDemoUsers(ctx: AppContext, hashes: { admin: string; customer: string }): { admin: User; customer: User } {
  const admin = createUser(ctx, {
    email: DEMO_LOGINS.admin.email,
    name: "Demo Admin",
    passwordHash: hashes.admin,
    role: "admin",
  });
  const customer = createUser(ctx, {
    email: DEMO_LOGINS.customer.email,
    name: "Demo Customer",
    passwordHash: hashes.customer,
    role: "customer",
  });
  for (const user of [admin, customer]) {
    recordAudit(ctx, {
      actor: "system",
      action: "user.seed",
      subject: `user:${user.id}`,
      details: { role: user.role },
    });
  }
  return { admin, customer };
}

/** Step: the customer's demo credits (welcome credits and a top-up), from the credit engine's helper. */
function seedDemoCredits(ctx: AppContext, customer: User): void {
  grantDemoCredits(ctx, customer.id);
}

/** The demo's price book: two offered plans, a legacy one, and two top-up packs. */
const DEMO_PLANS: { kind: PlanKind; input: Record<string, unknown> }[] = [
  {
    kind: "subscription",
    input: {
      planFamily: "starter",
      version: 1,
      publicName: "Starter",
      credits: 1000,
      priceCents: 1000,
      interval: "month",
    },
  },
  {
    kind: "subscription",
    input: { planFamily: "pro", version: 1, publicName: "Pro", credits: 5000, priceCents: 4000, interval: "month" },
  },
  // An older plan nobody can buy any more; existing subscribers would keep renewing on it.
  {
    kind: "subscription",
    input: {
      planFamily: "basic",
      version: 1,
      publicName: "Basic",
      credits: 400,
      priceCents: 500,
      interval: "month",
      isLegacy: true,
    },
  },
  { kind: "topup", input: { internalId: "pack-500", publicName: "500 credits", credits: 500, priceCents: 500 } },
  { kind: "topup", input: { internalId: "pack-2000", publicName: "2,000 credits", credits: 2000, priceCents: 1800 } },
];

/**
 * Step: the demo plans, through the same code path as the admin API — so each gets a product and
 * a price on the offline Stripe (which app/server/main.ts starts before seeding). Network calls,
 * so this runs before (outside) the seeding transaction; plans that exist already are skipped,
 * which makes a retry after a failed start safe.
 */
export async function seedDemoPlans(ctx: AppContext): Promise<void> {
  const stripe = billingContext(ctx).stripe;
  for (const demo of DEMO_PLANS) {
    const create = parseCreatePlanInput(demo.kind, demo.input);
    const internalId =
      create.kind === "subscription" ? `${create.input.planFamily}-v${create.input.version}` : create.input.internalId;
    if (findPlanByInternalId(ctx.db, demo.kind, internalId)) continue;
    await createPlan({ ...ctx, stripe }, create, "system");
  }
}
