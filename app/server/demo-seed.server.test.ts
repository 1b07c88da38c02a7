import { count } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { testContext } from "../../test/db";
import { createUser } from "../auth/users.server";
import { closeDatabase } from "../../db/client";
import { subscriptionPlans, topupPlans, users } from "../../db/schema";
import { seedDemoIfEmpty } from "./demo-seed.server";

let ctx: ReturnType<typeof testContext>;
afterEach(() => closeDatabase(ctx.db));

const rows = () => ({
  users: ctx.db.select({ n: count() }).from(users).get()!.n,
  subscriptionPlans: ctx.db.select({ n: count() }).from(subscriptionPlans).get()!.n,
  topupPlans: ctx.db.select({ n: count() }).from(topupPlans).get()!.n,
});

describe("demo data", () => {
  it("is not seeded while a real STRIPE_SECRET_KEY is set, even into an empty database", async () => {
    ctx = testContext({ STRIPE_SECRET_KEY: "sk_test_real_looking", STRIPE_WEBHOOK_SECRET: "whsec_x" });
    expect(await seedDemoIfEmpty(ctx)).toBeNull();
    expect(rows()).toEqual({ users: 0, subscriptionPlans: 0, topupPlans: 0 });
  });

  it("is not seeded in production without DEMO=1, even with no key (should the configuration check be bypassed)", async () => {
    ctx = testContext();
    expect(await seedDemoIfEmpty({ ...ctx, env: { ...ctx.env, NODE_ENV: "production", demo: false } })).toBeNull();
    expect(rows()).toEqual({ users: 0, subscriptionPlans: 0, topupPlans: 0 });
  });

  it("is not seeded into a database that already has users", async () => {
    ctx = testContext();
    createUser(ctx, { email: "existing@example.com" });
    expect(await seedDemoIfEmpty(ctx)).toBeNull();
    expect(rows()).toEqual({ users: 1, subscriptionPlans: 0, topupPlans: 0 });
  });
});
